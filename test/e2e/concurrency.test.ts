import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { ROOT, cleanEnv, runBin, runBinAsync, tempDir } from '../support/helpers.js';
import { clusterFolder } from '../support/templates.js';

const ADMIN = { CLOUDHSM_ROLE: 'admin', CLOUDHSM_PIN: 'admin:Admin123!' };

describe('e2e: several processes on one state folder', function () {
  this.timeout(240_000);

  it('16 processes started at once, each creating a different user: all 16 users exist', async () => {
    const dir = await clusterFolder();
    const env = { CLOUDHSM_STATE_DIR: dir };
    const runs = await Promise.all(
      Array.from({ length: 16 }, (_, i) =>
        runBinAsync(['user', 'create', '--username', `user_${i}`, '--role', 'crypto-user', '--password-stdin', '--json'], {
          env: { ...env, ...ADMIN, CLOUDHSM_LOCK_TIMEOUT_MS: '60000' },
          input: `Password-${i}\n`,
        }),
      ),
    );
    runs.forEach((r, i) => assert.equal(r.code, 0, `process ${i}: ${r.stdout}${r.stderr}`));
    const users = runBin(['user', 'list', '--json'], { env }).json.data.users.map((u: { username: string }) => u.username);
    for (let i = 0; i < 16; i++) assert.ok(users.includes(`user_${i}`), `user_${i} is missing`);
    assert.equal(users.length, 18);
  });

  it('processes killed with SIGKILL at random moments never leave a state that fails to load or lacks a reported change', async () => {
    const dir = path.join(tempDir(), 'state');
    // A writer that commits in a tight loop (compacting often) and reports each commit once durable.
    const writer = `
      const { Store } = await import(${JSON.stringify(path.join(ROOT, 'dist/src/core/store/index.js'))});
      const store = await Store.open({ dir: ${JSON.stringify(dir)}, compactAfterBytes: 4096, lockTimeoutMs: 60000, create: true });
      const me = process.argv[1];
      for (let i = 0; ; i++) {
        await store.transact((tx) => tx.put('obj/' + me + '/' + i, { i, pad: 'x'.repeat(200) }));
        process.stdout.write('committed ' + me + ' ' + i + '\\n');
      }`;
    const reported = new Set<string>();
    let errors = '';
    let round = 0;
    for (; round < 12; round++) {
      const children = Array.from({ length: 3 }, (_, k) => {
        const child = spawn(process.execPath, ['--input-type=module', '-e', writer, `w${round}_${k}`], { env: cleanEnv() });
        let out = '';
        child.stdout.on('data', (d: Buffer) => (out += d.toString()));
        child.stderr.on('data', (d: Buffer) => (errors += d.toString()));
        const done = new Promise<void>((resolve) => child.on('close', () => resolve()));
        setTimeout(() => child.kill('SIGKILL'), 150 + Math.floor(Math.random() * 350));
        return { done, output: () => out };
      });
      for (const c of children) {
        await c.done;
        for (const line of c.output().split('\n')) {
          const m = /^committed (\S+) (\d+)$/.exec(line);
          if (m) reported.add(`obj/${m[1]}/${m[2]}`);
        }
      }
    }
    assert.ok(reported.size > 50, `only ${reported.size} commits were reported; the writers did not get going. Their errors:\n${errors.slice(0, 3000)}`);
    const { Store } = await import('../../src/core/store/index.js');
    const store = await Store.open({ dir });
    const keys = new Set(await store.read((v) => v.list('obj/').map(([k]) => k)));
    for (const key of reported) assert.ok(keys.has(key), `${key} was reported committed but is missing`);
    await store.transact((tx) => tx.put('after-crashes', true));
  });
});
