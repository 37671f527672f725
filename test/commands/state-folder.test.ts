/** Which commands may create state, and what a damaged state folder does to every command. */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { runBin, runCommand, tempDir } from '../support/helpers.js';

const ADMIN = { CLOUDHSM_ROLE: 'admin', CLOUDHSM_PIN: 'admin:Admin123!' };

describe('commands and the state folder', function () {
  this.timeout(60_000);

  it('a read-only command on an ordinary folder lists nothing and neither writes nor chmods it', async () => {
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, 'report.txt'), 'mine');
    fs.chmodSync(dir, 0o755);
    for (const [id, argv] of [['cluster:list', ['--json']], ['user:list', ['--json']]] as const) {
      await runCommand(id, [...argv], { env: { CLOUDHSM_STATE_DIR: dir, ...ADMIN } });
    }
    const list = await runCommand('cluster:list', ['--json'], { env: { CLOUDHSM_STATE_DIR: dir } });
    assert.equal(list.exitCode, 0, list.stdout);
    assert.deepEqual(list.json.data.Clusters, []);
    assert.deepEqual(fs.readdirSync(dir), ['report.txt']);
    assert.equal(fs.statSync(dir).mode & 0o777, 0o755);
  });

  it('cluster create refuses a folder holding other files, and creates in a new one', async () => {
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, 'report.txt'), 'mine');
    const refused = await runCommand('cluster:create', ['--json'], { env: { CLOUDHSM_STATE_DIR: dir } });
    assert.equal(refused.exitCode, 1);
    assert.match(refused.stdout, /STATE_DIR_NOT_EMPTY/);
    assert.deepEqual(fs.readdirSync(dir), ['report.txt']);
    // A folder holding only hidden files (the checkout's state/.gitignore) counts as empty.
    const checkout = tempDir();
    fs.writeFileSync(path.join(checkout, '.gitignore'), '*\n!.gitignore\n');
    const inCheckout = await runCommand('cluster:create', ['--json'], { env: { CLOUDHSM_STATE_DIR: checkout } });
    assert.equal(inCheckout.exitCode, 0, inCheckout.stdout);
    const fresh = path.join(tempDir(), 'new-state');
    const made = await runCommand('cluster:create', ['--json'], { env: { CLOUDHSM_STATE_DIR: fresh } });
    assert.equal(made.exitCode, 0, made.stdout);
  });

  it('`shell` in a fresh checkout (./state holding only its .gitignore) creates its cluster there', () => {
    const checkout = tempDir();
    fs.mkdirSync(path.join(checkout, 'state'));
    fs.writeFileSync(path.join(checkout, 'state', '.gitignore'), '*\n!.gitignore\n');
    const r = runBin(['shell'], { cwd: checkout, input: 'quit\n' });
    assert.equal(r.status, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /Created cluster/);
    assert.ok(fs.existsSync(path.join(checkout, 'state', 'keyring')));
  });

  it('after keyring is deleted every command fails naming keyring, and no new state is made over the old one', async () => {
    const dir = path.join(tempDir(), 'state');
    const env = { CLOUDHSM_STATE_DIR: dir };
    assert.equal((await runCommand('cluster:quickstart', ['--password-stdin', '--json'], { env, stdin: 'Admin123!\n' })).exitCode, 0);
    fs.rmSync(path.join(dir, 'keyring'));
    const before = fs.readdirSync(dir).sort();
    for (const [id, argv] of [['user:list', ['--json']], ['cluster:list', ['--json']], ['cluster:create', ['--json']]] as const) {
      const r = await runCommand(id, [...argv], { env: { ...env, ...ADMIN } });
      assert.equal(r.exitCode, 1, `${id}: ${r.stdout}`);
      assert.match(r.stdout, /STATE_INTEGRITY/);
      assert.match(r.stdout, /keyring/);
    }
    assert.deepEqual(fs.readdirSync(dir).sort(), before);
  });
});
