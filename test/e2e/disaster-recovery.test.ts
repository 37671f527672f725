/**
 * The README's disaster-recovery rehearsal, run verbatim with bash: a primary cluster in
 * us-east-1 with keys, its daily backup copied to us-west-2, the primary deleted, a cluster
 * restored from the copy; the restored keys must give the same ciphertext, RSA signature and
 * HMAC. A second run, whose restored HMAC is altered on its way to the file, must fail loudly.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { BIN, cleanEnv, readmeScript, runBin, tempDir } from '../support/helpers.js';

/** Runs the rehearsal in a new folder with `cli` as its CLI. */
function rehearse(cli: string): { work: string; status: number | null; stdout: string; stderr: string } {
  const work = tempDir('chsm-dr-');
  const run = spawnSync('bash', ['-c', readmeScript('dr-rehearsal')], { cwd: work, env: { ...cleanEnv(), CLI: cli }, encoding: 'utf8', input: '', timeout: 100_000 });
  return { work, status: run.status, stdout: run.stdout, stderr: run.stderr };
}

describe('e2e: the README disaster-recovery rehearsal', function () {
  this.timeout(120_000);
  // The script word-splits $CLI, as an operator's CLI="node bin/run.js" is.
  const cli = `${process.execPath} ${BIN}`;
  let run: ReturnType<typeof rehearse>;
  const state = () => ({ CLOUDHSM_STATE_DIR: path.join(run.work, 'dr-state') });
  const idOf = (pattern: RegExp) => pattern.exec(run.stdout)?.[1] ?? assert.fail(`no ${pattern} in:\n${run.stdout}`);

  before(() => {
    assert.doesNotMatch(cli, /\s.*\s/, 'the paths of node and bin/run.js hold no spaces');
    run = rehearse(cli);
  });

  it('runs with no prompt and exits 0, saying so', () => {
    assert.equal(run.status, 0, `${run.stdout}\n${run.stderr}`);
    assert.equal(run.stderr, '');
    assert.match(run.stdout, /Disaster recovery rehearsal passed: cluster-\w+ \(us-east-1\) restored as cluster-\w+ \(us-west-2\)\n$/);
  });

  it('gets the same AES-CBC ciphertext, RSA signature, HMAC and public keys from the restored keys', () => {
    for (const file of ['aes-cbc.bin', 'rsa.sig', 'hmac.bin', 'ec-pub.pem', 'rsa-pub.pem']) {
      const before = fs.readFileSync(path.join(run.work, 'before', file));
      assert.ok(before.length > 0, file);
      assert.deepEqual(fs.readFileSync(path.join(run.work, 'after', file)), before, file);
    }
    assert.equal(fs.readFileSync(path.join(run.work, 'before', 'rsa.sig')).length, 256, 'an RSA-2048 signature');
    assert.equal(fs.readFileSync(path.join(run.work, 'before', 'hmac.bin')).length, 32, 'an HMAC-SHA256');
    for (const what of ['AES-CBC ciphertext', 'RSA PKCS#1 v1.5 signature', 'HMAC-SHA256', 'EC public key', 'RSA public key']) {
      assert.ok(run.stdout.includes(`same ${what} as before the disaster\n`), what);
    }
  });

  it('verifies the ECDSA signatures made before and after with the restored public key', () => {
    assert.equal(run.stdout.match(/^message: Signature verified successfully$/gm)?.length, 2, run.stdout);
    assert.equal(fs.readFileSync(path.join(run.work, 'before', 'ec.sig')).length, 64, 'a raw r‖s P-256 signature');
  });

  it('leaves the primary DELETED and the recovery cluster ACTIVE in us-west-2, restored from a copy of a us-east-1 backup', () => {
    const primary = idOf(/^primary cluster: (cluster-\w+) in us-east-1$/m);
    const recovery = idOf(/^recovery cluster: (cluster-\w+) in us-west-2, ACTIVE$/m);
    const backup = idOf(/^backup: (backup-\w+)$/m);
    const copy = idOf(/^copy in us-west-2: (backup-\w+)$/m);

    const gone = runBin(['cluster', 'describe', '--cluster-id', primary, '--json'], { env: state() });
    assert.equal(gone.json.data.State, 'DELETED');
    assert.deepEqual(gone.json.data.Hsms, []);

    const restored = runBin(['cluster', 'describe', '--cluster-id', recovery, '--json'], { env: state() });
    assert.equal(restored.json.data.State, 'ACTIVE');
    assert.equal(restored.json.data.SourceBackupId, copy);
    assert.deepEqual(restored.json.data.Hsms.map((h: { AvailabilityZone: string }) => h.AvailabilityZone), ['us-west-2a']);

    const copies = runBin(['backup', 'list', '--backup-id', copy, '--json'], { env: state() });
    const [made] = copies.json.data.Backups;
    assert.equal(made.SourceBackup, backup);
    assert.equal(made.SourceRegion, 'us-east-1');
    assert.match(made.BackupArn, /^arn:aws:cloudhsm:us-west-2:/);
  });

  it('restores the users with their passwords', () => {
    const env = { ...state(), CLOUDHSM_CLUSTER_ID: idOf(/^recovery cluster: (cluster-\w+)/m) };
    const users = runBin(['user', 'list', '--json'], { env });
    assert.deepEqual(users.json.data.users.map((u: { username: string }) => u.username), ['admin', 'alice', 'app_user']);
    assert.equal(runBin(['login'], { env: { ...env, CLOUDHSM_ROLE: 'crypto-user', CLOUDHSM_PIN: 'alice:Alice-Pass-456' } }).status, 0);
    assert.equal(runBin(['login'], { env: { ...env, CLOUDHSM_ROLE: 'crypto-user', CLOUDHSM_PIN: 'alice:Not-Her-Pass-1' } }).status, 1);
  });

  it('fails loudly, with a non-zero exit, when a restored key gives another HMAC', () => {
    // A CLI that alters the HMAC the restored cluster writes.
    const bin = path.join(tempDir('chsm-dr-bin-'), 'tampering-cli');
    fs.writeFileSync(bin, `#!/bin/sh\n"${process.execPath}" "${BIN}" "$@" || exit $?\ncase "$*" in *"--out after/hmac.bin"*) printf x >> after/hmac.bin ;; esac\n`, { mode: 0o755 });
    const tampered = rehearse(bin);
    assert.equal(tampered.status, 1, tampered.stdout);
    assert.match(tampered.stderr, /^FAILED: the restored keys give another HMAC-SHA256 \(before\/hmac\.bin, after\/hmac\.bin\)$/m);
    assert.doesNotMatch(tampered.stdout, /rehearsal passed/);
  });
});
