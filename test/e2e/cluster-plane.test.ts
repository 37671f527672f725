/**
 * The cluster plane through the built binaries and the Node API: cluster time as state shared by
 * every process (advances from many processes at once, a running shell, the API), and the JSON of
 * the cluster and HSM objects checked field by field against the spec's shapes.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { BIN, ROOT, cleanEnv, runBin, runBinAsync, tempDir } from '../support/helpers.js';
import { CLUSTER_SHAPE, HSM_SHAPE, SECURITY_GROUP_SHAPE, differences } from '../support/shapes.js';

const HOUR_S = 3600;
const DAY_S = 24 * HOUR_S;

interface Envelope {
  error_code: number;
  data: any;
  code?: string;
}

/** A `shell --json` kept running on a pipe: each line sent is answered with one envelope. */
function startShell(env: Record<string, string>) {
  const child = spawn(process.execPath, [BIN, 'shell', '--json'], { cwd: ROOT, env: { ...cleanEnv(), ...env } });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  const envelopes = (): Envelope[] =>
    out
      .split(/\n(?=\{)/)
      .filter((t) => t.trim())
      .map((t) => JSON.parse(t) as Envelope);
  const closed = new Promise((resolve) => child.on('close', resolve));
  return {
    async send(line: string): Promise<Envelope> {
      const seen = envelopes().length;
      child.stdin.write(`${line}\n`);
      const deadline = Date.now() + 30_000;
      for (;;) {
        if (out.endsWith('}\n')) {
          const all = envelopes();
          if (all.length > seen) return all.at(-1)!;
        }
        if (Date.now() > deadline) throw new Error(`no answer to "${line}": ${out}`);
        await new Promise((r) => setTimeout(r, 20));
      }
    },
    async close(): Promise<void> {
      child.stdin.end('quit\n');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await closed;
      clearTimeout(timer);
    },
  };
}

function ok(args: string[], env: Record<string, string>): any {
  const r = runBin([...args, '--json'], { env });
  assert.equal(r.status, 0, `${args.join(' ')}: ${r.stdout}${r.stderr}`);
  return r.json.data;
}

describe('e2e: cluster time across processes, and the cluster plane JSON', function () {
  this.timeout(180_000);

  it('the clock is state: moved by one process, it holds for the next ones, which stamp what they make with it', () => {
    const env = { CLOUDHSM_STATE_DIR: path.join(tempDir(), 'state') };
    ok(['cluster', 'create'], env);
    assert.equal(ok(['clock', 'advance', '--days', '8'], env).OffsetSeconds, 8 * DAY_S);
    assert.equal(ok(['clock', 'show'], env).OffsetSeconds, 8 * DAY_S);
    const made = ok(['cluster', 'create', '--region', 'eu-west-1'], env);
    const expected = Date.now() / 1000 + 8 * DAY_S;
    assert.ok(Math.abs(made.CreateTimestamp - expected) < 60, `CreateTimestamp ${made.CreateTimestamp} is 8 days ahead`);
    const hsm = ok(['hsm', 'create', '--cluster-id', made.ClusterId, '--availability-zone', 'eu-west-1a'], env);
    assert.equal(hsm.State, 'CREATE_IN_PROGRESS');
    // Refused moves change nothing, in any process.
    const back = runBin(['clock', 'set', '2024-01-01', '--json'], { env });
    assert.equal(back.status, 1);
    assert.equal(back.json.code, 'CLOCK_BACKWARDS');
    assert.equal(ok(['clock', 'show'], env).OffsetSeconds, 8 * DAY_S);
  });

  it('processes moving the clock at once lose no advance, and a running shell sees every move', async () => {
    const env = { CLOUDHSM_STATE_DIR: path.join(tempDir(), 'state') };
    ok(['cluster', 'create'], env);
    const shell = startShell(env);
    try {
      assert.equal((await shell.send('clock show')).data.OffsetSeconds, 0);
      const runs = await Promise.all(Array.from({ length: 6 }, () => runBinAsync(['clock', 'advance', '--hours', '1', '--json'], { env: { ...env, CLOUDHSM_LOCK_TIMEOUT_MS: '60000' } })));
      runs.forEach((r, i) => assert.equal(r.code, 0, `process ${i}: ${r.stdout}${r.stderr}`));
      const offsets = runs.map((r) => (JSON.parse(r.stdout) as Envelope).data.OffsetSeconds as number).sort((a, b) => a - b);
      assert.deepEqual(offsets, [1, 2, 3, 4, 5, 6].map((h) => h * HOUR_S), 'each advance built on the one before');
      const seen = await shell.send('clock show');
      assert.equal(seen.data.OffsetSeconds, 6 * HOUR_S);
      // The shell's own advance is seen by the next process, and its new cluster is stamped with it.
      assert.equal((await shell.send('clock advance --days 1')).error_code, 0);
      assert.equal(ok(['clock', 'show'], env).OffsetSeconds, DAY_S + 6 * HOUR_S);
      const fromShell = await shell.send('cluster create --region eu-west-1');
      assert.ok(Math.abs(fromShell.data.CreateTimestamp - (Date.now() / 1000 + DAY_S + 6 * HOUR_S)) < 60);
      const refused = await shell.send('clock set 2024-01-01');
      assert.equal(refused.code, 'CLOCK_BACKWARDS');
    } finally {
      await shell.close();
    }
    assert.equal(ok(['clock', 'show'], env).OffsetSeconds, DAY_S + 6 * HOUR_S);
  });

  it("the CLI's and the Node API's now agree, and either one's move is the other's", async () => {
    const stateDir = path.join(tempDir(), 'state');
    const env = { CLOUDHSM_STATE_DIR: stateDir };
    ok(['cluster', 'create'], env);
    const api = (await import(path.join(ROOT, 'dist', 'api', 'index.mjs'))) as typeof import('../../src/api/index.js');
    const hsm = await api.open({ stateDir });
    try {
      const close = async (cliSeconds: number) => {
        const apiSeconds = (await hsm.now()).getTime() / 1000;
        assert.ok(Math.abs(apiSeconds - cliSeconds) < 10, `API ${apiSeconds} vs CLI ${cliSeconds}`);
      };
      await close(ok(['clock', 'show'], env).ClusterTimestamp);
      await close(ok(['clock', 'advance', '--days', '3'], env).ClusterTimestamp);
      const moved = await hsm.run(api.operations.advanceClock, { hours: 2 });
      assert.equal(moved.offsetMs, (3 * DAY_S + 2 * HOUR_S) * 1000);
      const shown = ok(['clock', 'show'], env);
      assert.equal(shown.OffsetSeconds, 3 * DAY_S + 2 * HOUR_S);
      await close(shown.ClusterTimestamp);
      const viaApi = await hsm.run(api.operations.createCluster, { region: 'eu-west-1' });
      await close(viaApi.CreateTimestamp);
    } finally {
      await hsm.close();
    }
  });

  it('cluster and HSM JSON from every cluster-plane command match the API shapes field by field', () => {
    const env = { CLOUDHSM_STATE_DIR: path.join(tempDir(), 'state') };
    const created = ok(['cluster', 'create', '--tag-list', 'Key=team,Value=payments'], env);
    assert.deepEqual(differences(created, CLUSTER_SHAPE), []);
    const hsms = [ok(['hsm', 'create', '--availability-zone', 'us-east-1a'], env), ok(['hsm', 'create', '--availability-zone', 'us-east-1b'], env)];
    for (const hsm of hsms) assert.deepEqual(differences(hsm, HSM_SHAPE), []);
    const listed = ok(['hsm', 'list'], env);
    assert.deepEqual(differences(listed, { Hsms: [HSM_SHAPE] }), []);
    assert.deepEqual(listed.Hsms.map((h: { EniIp: string }) => h.EniIp), hsms.map((h) => h.EniIp));
    for (const data of [ok(['cluster', 'describe'], env), ok(['cluster', 'modify', '--backup-retention-days', '30'], env)]) {
      assert.deepEqual(differences(data, CLUSTER_SHAPE), []);
      assert.equal(data.Hsms.length, 2);
      assert.deepEqual(data.TagList, [{ Key: 'team', Value: 'payments' }]);
    }
    assert.deepEqual(differences(ok(['cluster', 'list'], env), { Clusters: [CLUSTER_SHAPE] }), []);
    const group = ok(['cluster', 'describe', '--security-group'], env);
    assert.deepEqual(differences(group, { SecurityGroups: [SECURITY_GROUP_SHAPE] }), []);
    assert.equal(group.SecurityGroups[0].GroupName, `cloudhsm-cluster-${created.ClusterId}-sg`);
    for (const hsm of hsms) assert.deepEqual(ok(['hsm', 'delete', '--hsm-id', hsm.HsmId], env), { HsmId: hsm.HsmId });
    assert.deepEqual(differences(ok(['cluster', 'delete'], env), CLUSTER_SHAPE), []);
    const deleted = ok(['cluster', 'list'], env).Clusters;
    assert.deepEqual(differences(deleted, [CLUSTER_SHAPE]), []);
    assert.equal(deleted[0].State, 'DELETED');
    ok(['clock', 'advance', '--days', '1'], env);
    assert.deepEqual(ok(['cluster', 'list'], env).Clusters, []);
  });
});
