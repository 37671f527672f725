import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { runBin, tempDir } from '../support/helpers.js';

describe('e2e: tampered state and the passphrase', function () {
  this.timeout(180_000);

  it('fails the next command with an integrity error naming the file when any byte of any state file changes, and changes nothing', () => {
    const dir = path.join(tempDir(), 'state');
    const env = { CLOUDHSM_STATE_DIR: dir };
    assert.equal(runBin(['cluster', 'quickstart', '--password-stdin'], { env, input: 'Admin123!\n' }).status, 0);
    // The backup files under backups/ are read only by the backup commands, and the audit streams
    // under streams/ only by the audit commands, which check them (test/core/backups,
    // test/core/audit); every other command's files are here.
    const files = fs.readdirSync(dir).filter((f) => f !== 'lock' && f !== 'backups' && f !== 'streams');
    const everything = () =>
      Object.fromEntries(
        fs
          .readdirSync(dir, { recursive: true, encoding: 'utf8' })
          .filter((f) => !fs.statSync(path.join(dir, f)).isDirectory())
          .map((f) => [f, fs.readFileSync(path.join(dir, f)).toString('base64')]),
      );
    for (const file of files) {
      const full = path.join(dir, file);
      const original = fs.readFileSync(full);
      // First, middle and last byte of every file.
      for (const pos of [0, Math.floor(original.length / 2), original.length - 1]) {
        const changed = Buffer.from(original);
        changed[pos] = changed[pos]! ^ 0x20;
        fs.writeFileSync(full, changed);
        const snapshot = everything();
        const r = runBin(['user', 'list', '--json'], { env });
        assert.equal(r.status, 1, `${file}@${pos}: ${r.stdout}`);
        assert.equal(r.json.code, 'STATE_INTEGRITY', `${file}@${pos}: ${r.stdout}`);
        assert.ok(r.json.data.includes(file), `${file}@${pos}: ${r.json.data}`);
        const w = runBin(['cluster', 'create', '--json'], { env });
        assert.equal(w.json.code, 'STATE_INTEGRITY');
        const after = everything();
        assert.deepEqual(after, snapshot, `${file}@${pos}: a refused command changed the state`);
        fs.writeFileSync(full, original);
      }
    }
    assert.equal(runBin(['user', 'list', '--json'], { env }).status, 0);
  });

  it('seals with CLOUDHSM_STATE_PASSPHRASE and refuses a wrong one the same way', () => {
    const dir = path.join(tempDir(), 'state');
    const env = { CLOUDHSM_STATE_DIR: dir, CLOUDHSM_STATE_PASSPHRASE: 'a long and secret passphrase' };
    assert.equal(runBin(['cluster', 'create', '--json'], { env }).status, 0);
    assert.ok(!fs.existsSync(path.join(dir, 'seal.key')));
    assert.equal(runBin(['cluster', 'list', '--json'], { env }).json.data.Clusters.length, 1);
    const wrong = runBin(['cluster', 'list', '--json'], { env: { ...env, CLOUDHSM_STATE_PASSPHRASE: 'not the passphrase' } });
    assert.equal(wrong.status, 1);
    assert.equal(wrong.json.code, 'STATE_INTEGRITY');
    assert.match(wrong.json.data, /keyring/);
    const none = runBin(['cluster', 'list', '--json'], { env: { CLOUDHSM_STATE_DIR: dir } });
    assert.equal(none.json.code, 'STATE_PASSPHRASE');
  });
});
