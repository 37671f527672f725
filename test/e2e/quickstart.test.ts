import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { Store } from '../../src/core/store/index.js';
import type { UserRecord } from '../../src/core/users/rules.js';
import { BIN, CLI_BIN, cleanEnv, readmeScript, runBin, tempDir } from '../support/helpers.js';

/** A folder with `cloudhsm-local` and `cloudhsm-cli` shims on the PATH, as `npm link` gives. */
function shimPath(): string {
  const dir = tempDir('chsm-bin-');
  for (const [name, bin] of [['cloudhsm-local', BIN], ['cloudhsm-cli', CLI_BIN]] as const) {
    fs.writeFileSync(path.join(dir, name), `#!/bin/sh\nexec "${process.execPath}" "${bin}" "$@"\n`, { mode: 0o755 });
  }
  return `${dir}:${process.env.PATH}`;
}

describe('e2e: the README scripted quick start', function () {
  this.timeout(120_000);
  let work: string;
  let result: ReturnType<typeof spawnSync>;

  before(() => {
    work = tempDir('chsm-readme-');
    result = spawnSync('bash', ['-c', readmeScript('scripted-quickstart')], { cwd: work, env: { ...cleanEnv(), PATH: shimPath() }, encoding: 'utf8', input: '' });
  });

  it('runs with no prompt and exits 0', () => {
    assert.equal(result.status, 0, `${String(result.stdout)}\n${String(result.stderr)}`);
  });

  it('leaves an ACTIVE cluster with two HSMs in two availability zones', () => {
    const r = runBin(['cluster', 'describe', '--json'], { env: { CLOUDHSM_STATE_DIR: path.join(work, 'hsm-state') } });
    assert.equal(r.json.data.State, 'ACTIVE');
    const zones = r.json.data.Hsms.map((h: { AvailabilityZone: string }) => h.AvailabilityZone);
    assert.deepEqual(zones, ['us-east-1a', 'us-east-1b']);
    assert.match(r.json.data.Certificates.ClusterCertificate, /BEGIN CERTIFICATE/);
  });

  it('lists the crypto user in the JSON the CloudHSM CLI prints', () => {
    const users = JSON.parse(fs.readFileSync(path.join(work, 'users.json'), 'utf8'));
    assert.equal(users.error_code, 0);
    assert.deepEqual(
      users.data.users.map((u: { username: string; role: string }) => [u.username, u.role]),
      [['admin', 'admin'], ['alice', 'crypto-user'], ['app_user', 'internal(APPLIANCE_USER)']],
    );
  });

  it('keeps every username, password and hash out of the state folder in clear, and passwords out of the output', () => {
    const dir = path.join(work, 'hsm-state');
    // Backup files (backups/) included.
    for (const file of fs.readdirSync(dir, { recursive: true, encoding: 'utf8' })) {
      if (fs.statSync(path.join(dir, file)).isDirectory()) continue;
      const bytes = fs.readFileSync(path.join(dir, file)).toString('latin1');
      for (const secret of ['alice', 'admin', 'app_user', 'Admin-Pass-123', 'Alice-Pass-456', 'scrypt$']) {
        assert.ok(!bytes.includes(secret), `${file} holds "${secret}" in clear`);
      }
    }
    assert.ok(!String(result.stdout).includes('Pass-'), 'a password reached stdout');
    assert.ok(!String(result.stderr).includes('Pass-'), 'a password reached stderr');
  });

  it('hashes the passwords the binaries set with the full scrypt cost (the cheap setting of the tests stays in the test process)', async () => {
    const store = await Store.open({ dir: path.join(work, 'hsm-state') });
    const hashes = await store.read((view) => view.list<UserRecord>('user/').map(([, u]) => [u.username, u.passwordHash] as const));
    const set = hashes.filter(([name]) => name === 'admin' || name === 'alice');
    assert.equal(set.length, 2, hashes.map(([n]) => n).join(' '));
    for (const [name, hash] of set) assert.match(hash, /^scrypt\$16384\$8\$1\$/, `${name}'s password hash`);
  });

  it('cloudhsm-cli prints the JSON envelope always and refuses commands outside the CloudHSM CLI grammar', () => {
    const env = { CLOUDHSM_STATE_DIR: path.join(work, 'hsm-state') };
    const list = runBin(['user', 'list'], { env, bin: CLI_BIN });
    assert.equal(list.status, 0);
    assert.equal(list.json.error_code, 0);
    const login = runBin(['login'], { env: { ...env, CLOUDHSM_ROLE: 'crypto-user', CLOUDHSM_PIN: 'alice:wrong-password' }, bin: CLI_BIN });
    assert.equal(login.status, 1);
    assert.equal(login.json.error_code, 1);
    assert.equal(login.json.code, undefined);
    const other = runBin(['hsm', 'list'], { env, bin: CLI_BIN });
    assert.equal(other.status, 2);
  });

  it('an unknown command exits 2 with a hint', () => {
    const r = runBin(['frobnicate'], { env: { CLOUDHSM_STATE_DIR: path.join(work, 'hsm-state') } });
    assert.equal(r.status, 2);
    assert.match(r.stderr, /unknown command\. Run .*help/);
    assert.ok(!r.stderr.includes('frobnicate'), 'the unknown word is not echoed');
  });
});
