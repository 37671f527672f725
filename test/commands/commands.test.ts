import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { runCommand, tempDir } from '../support/helpers.js';
import { clusterFolder } from '../support/templates.js';

/** A fresh state folder with an ACTIVE cluster (quickstart) and admin password Admin123!. */
async function activeState(): Promise<Record<string, string>> {
  return { CLOUDHSM_STATE_DIR: await clusterFolder() };
}

const ADMIN = { CLOUDHSM_ROLE: 'admin', CLOUDHSM_PIN: 'admin:Admin123!' };

describe('commands', function () {
  this.timeout(60_000);

  it('cluster create --json prints the envelope with the CreateCluster shape and exits 0', async () => {
    const env = { CLOUDHSM_STATE_DIR: path.join(tempDir(), 'state') };
    const r = await runCommand('cluster:create', ['--json', '--region', 'eu-west-1', '--backup-retention-days', '30'], { env });
    assert.equal(r.exitCode, 0);
    assert.equal(r.json.error_code, 0);
    assert.equal(r.json.data.State, 'CREATE_IN_PROGRESS');
    assert.deepEqual(r.json.data.BackupRetentionPolicy, { Type: 'DAYS', Value: '30' });
    assert.deepEqual(Object.keys(r.json.data.SubnetMapping), ['eu-west-1a', 'eu-west-1b', 'eu-west-1c']);
  });

  it('exits 2 without JSON on an unknown flag, a bad enum value or a missing required flag, and changes nothing', async () => {
    const env = { CLOUDHSM_STATE_DIR: path.join(tempDir(), 'state') };
    for (const argv of [['--json', '--bogus'], ['--json', '--hsm-type', 'hsm9.huge'], ['--json', '--backup-retention-days', 'ten']]) {
      const r = await runCommand('cluster:create', argv, { env });
      assert.equal(r.exitCode, 2, argv.join(' '));
      assert.equal(r.stdout, '');
      assert.match(r.stderr, /--help/);
    }
    const missing = await runCommand('hsm:create', ['--json'], { env });
    assert.equal(missing.exitCode, 2);
    assert.match(missing.stderr, /availability-zone/);
    const list = await runCommand('cluster:list', ['--json'], { env });
    assert.deepEqual(list.json.data.Clusters, []);
  });

  it('exits 1 with error_code 1, the message and a stable code when an operation is refused', async () => {
    const env = { CLOUDHSM_STATE_DIR: path.join(tempDir(), 'state') };
    await runCommand('cluster:create', [], { env });
    await runCommand('hsm:create', ['--availability-zone', 'us-east-1a'], { env });
    const r = await runCommand('cluster:delete', ['--json'], { env });
    assert.equal(r.exitCode, 1);
    assert.equal(r.json.error_code, 1);
    assert.equal(r.json.code, 'CLUSTER_HAS_HSMS');
    assert.match(r.json.data, /CloudHsmInvalidRequestException/);
    const human = await runCommand('cluster:activate', ['--password', 'Admin123!'], { env });
    assert.equal(human.exitCode, 1);
    assert.equal(human.stdout, '');
    assert.match(human.stderr, /^Error: .*UNINITIALIZED.*\[INVALID_STATE\]/);
  });

  it('refuses a password prompt without a terminal, naming --password-stdin', async () => {
    const env = { CLOUDHSM_STATE_DIR: path.join(tempDir(), 'state') };
    const r = await runCommand('cluster:quickstart', ['--json'], { env, interactive: false });
    assert.equal(r.exitCode, 1);
    assert.equal(r.json.code, 'PASSWORD_REQUIRED');
    assert.match(r.json.data, /--password-stdin/);
    assert.deepEqual((await runCommand('cluster:list', ['--json'], { env })).json.data.Clusters, []);
  });

  it('prompts for a hidden password with confirmation on a terminal and refuses a mismatch', async () => {
    const env = await activeState();
    const mismatch = await runCommand('user:create', ['--username', 'bob', '--role', 'crypto-user', '--json'], { env: { ...env, ...ADMIN }, prompts: ['Bob12345!', 'Bob12345?'] });
    assert.equal(mismatch.json.code, 'INVALID_PASSWORD');
    const ok = await runCommand('user:create', ['--username', 'bob', '--role', 'crypto-user', '--json'], { env: { ...env, ...ADMIN }, prompts: ['Bob12345!', 'Bob12345!'] });
    assert.deepEqual(ok.json, { error_code: 0, data: { username: 'bob', role: 'crypto-user' } });
    assert.ok(!ok.stdout.includes('Bob12345'));
  });

  it('user list --json matches the CloudHSM CLI fields and types', async () => {
    const env = await activeState();
    const r = await runCommand('user:list', ['--json'], { env });
    assert.equal(r.exitCode, 0);
    for (const user of r.json.data.users) {
      assert.deepEqual(Object.keys(user), ['username', 'role', 'locked', 'mfa', 'quorum', 'cluster-coverage']);
      assert.equal(typeof user.locked, 'string');
      assert.ok(Array.isArray(user.mfa));
    }
  });

  it('login as a single command checks CLOUDHSM_ROLE/CLOUDHSM_PIN and exits 0 or 1', async () => {
    const env = await activeState();
    const good = await runCommand('login', ['--json'], { env: { ...env, ...ADMIN } });
    assert.deepEqual(good.json, { error_code: 0, data: { username: 'admin', role: 'admin' } });
    assert.equal(good.exitCode, 0);
    const bad = await runCommand('login', ['--json'], { env: { ...env, CLOUDHSM_ROLE: 'admin', CLOUDHSM_PIN: 'admin:Wrong-pass1' } });
    assert.equal(bad.exitCode, 1);
    assert.equal(bad.json.code, 'LOGIN_FAILED');
    assert.ok(!bad.stdout.includes('Wrong-pass1'));
    const malformed = await runCommand('login', ['--json'], { env: { ...env, CLOUDHSM_ROLE: 'admin', CLOUDHSM_PIN: 'nocolon' } });
    assert.equal(malformed.json.code, 'INVALID_ARGUMENT');
  });

  it('login --rotate-password NEW logs in and sets the new password in one step', async () => {
    const env = await activeState();
    await runCommand('user:create', ['--username', 'kms_op', '--role', 'crypto-user', '--password', 'First-pass1'], { env: { ...env, ...ADMIN } });
    const r = await runCommand('login', ['--username', 'kms_op', '--role', 'crypto-user', '--password', 'First-pass1', '--rotate-password', 'Second-pass2', '--json'], { env });
    assert.equal(r.exitCode, 0, r.stdout);
    assert.equal((await runCommand('login', ['--username', 'kms_op', '--role', 'crypto-user', '--password', 'First-pass1'], { env })).exitCode, 1);
    assert.equal((await runCommand('login', ['--username', 'kms_op', '--role', 'crypto-user', '--password', 'Second-pass2'], { env })).exitCode, 0);
    const prompted = await runCommand('login', ['--username', 'kms_op', '--role', 'crypto-user', '--password', 'Second-pass2', '--rotate-password'], { env, prompts: ['Third-pass3', 'Third-pass3'] });
    assert.equal(prompted.exitCode, 0, prompted.stderr);
    assert.equal((await runCommand('login', ['--username', 'kms_op', '--role', 'crypto-user', '--password', 'Third-pass3'], { env })).exitCode, 0);
  });

  it('login --rotate-password takes the new password from a pipe: after the current one with --password-stdin, or alone', async () => {
    const env = await activeState();
    await runCommand('user:create', ['--username', 'kms_op', '--role', 'crypto-user', '--password', 'First-pass1'], { env: { ...env, ...ADMIN } });
    const login = (argv: string[], stdin?: string) => runCommand('login', ['--username', 'kms_op', '--role', 'crypto-user', ...argv], { env, ...(stdin === undefined ? {} : { stdin }) });
    const piped = await login(['--password-stdin', '--rotate-password', '--json'], 'First-pass1\nSecond-pass2\n');
    assert.equal(piped.exitCode, 0, piped.stdout);
    assert.equal((await login(['--password', 'Second-pass2'])).exitCode, 0);
    const alone = await login(['--password', 'Second-pass2', '--rotate-password'], 'Third-pass3\n');
    assert.equal(alone.exitCode, 0, alone.stderr);
    assert.equal((await login(['--password', 'Third-pass3'])).exitCode, 0);
    // Nothing piped for the new password: refused before anything changes.
    const missing = await login(['--password-stdin', '--rotate-password', '--json'], 'Third-pass3\n');
    assert.equal(missing.exitCode, 1);
    assert.match(missing.json.data, /the new password is needed: pipe it in/);
    assert.equal((await login(['--password', 'Third-pass3'])).exitCode, 0);
  });

  it('admin commands refuse a crypto-user, and anonymous callers get NOT_LOGGED_IN', async () => {
    const env = await activeState();
    await runCommand('user:create', ['--username', 'alice', '--role', 'crypto-user', '--password', 'Alice123!'], { env: { ...env, ...ADMIN } });
    const cu = await runCommand('user:create', ['--username', 'eve', '--role', 'admin', '--password', 'Eve12345!', '--json'], { env: { ...env, CLOUDHSM_ROLE: 'crypto-user', CLOUDHSM_PIN: 'alice:Alice123!' } });
    assert.equal(cu.json.code, 'PERMISSION_DENIED');
    const anon = await runCommand('user:delete', ['--username', 'alice', '--role', 'crypto-user', '--json'], { env });
    assert.equal(anon.json.code, 'NOT_LOGGED_IN');
    assert.match(anon.json.data, /CLOUDHSM_ROLE/);
  });

  it('get-csr --out writes the PEM; initialize names an unreadable file', async () => {
    const env = { CLOUDHSM_STATE_DIR: path.join(tempDir(), 'state') };
    await runCommand('cluster:create', [], { env });
    await runCommand('hsm:create', ['--availability-zone', 'us-east-1a'], { env });
    const out = path.join(tempDir(), 'cluster.csr');
    const r = await runCommand('cluster:get-csr', ['--out', out], { env });
    assert.equal(r.exitCode, 0);
    assert.match(fs.readFileSync(out, 'utf8'), /^-----BEGIN CERTIFICATE REQUEST-----/);
    const bad = await runCommand('cluster:initialize', ['--signed-cert', '/nonexistent/cluster.crt', '--trust-anchor', out, '--json'], { env });
    assert.equal(bad.json.code, 'INVALID_ARGUMENT');
    assert.match(bad.json.data, /--signed-cert \/nonexistent\/cluster.crt: no such file/);
  });

  it('help lists the commands and shows a command\'s flags', async () => {
    const all = await runCommand('help', []);
    assert.match(all.stdout, /user create/);
    assert.match(all.stdout, /cluster quickstart/);
    const one = await runCommand('help', ['user', 'create']);
    assert.match(one.stdout, /--username/);
    assert.match(one.stdout, /--password-stdin/);
  });

  it('hsm-info and hsm list work without login', async () => {
    const env = await activeState();
    const info = await runCommand('cluster:hsm-info', ['--json'], { env });
    assert.equal(info.json.data.hsms.length, 2);
    const list = await runCommand('hsm:list', ['--json'], { env });
    assert.equal(list.json.data.Hsms.length, 2);
    const deleted = await runCommand('hsm:delete', ['--hsm-id', list.json.data.Hsms[0].HsmId, '--json'], { env });
    assert.equal(deleted.json.data.HsmId, list.json.data.Hsms[0].HsmId);
    const both = await runCommand('hsm:delete', ['--hsm-id', 'hsm-x', '--eni-ip', '10.0.0.1'], { env });
    assert.equal(both.exitCode, 2);
  });
});
