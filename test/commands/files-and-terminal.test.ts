/**
 * What enters through files and standard input, and what leaves through files and the terminal:
 * special files and oversized inputs are refused at once; outputs that may hold secrets are
 * 0600; labels cannot smuggle terminal escape sequences into another user's screen.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { toHsmError } from '../../src/cli/output.js';
import { BIN, ROOT, cleanEnv, runCommand, tempDir } from '../support/helpers.js';

const ADMIN = { CLOUDHSM_ROLE: 'admin', CLOUDHSM_PIN: 'admin:Admin123!' };
const ALICE = { CLOUDHSM_ROLE: 'crypto-user', CLOUDHSM_PIN: 'alice:Alice-Pass-1' };

describe('commands: files, standard input and the terminal', function () {
  this.timeout(120_000);
  let env: Record<string, string>;

  before(async () => {
    env = { CLOUDHSM_STATE_DIR: path.join(tempDir(), 'state') };
    assert.equal((await runCommand('cluster:quickstart', ['--password-stdin'], { env, stdin: 'Admin123!\n' })).exitCode, 0);
    assert.equal((await runCommand('user:create', ['--username', 'alice', '--role', 'crypto-user', '--password', 'Alice-Pass-1'], { env: { ...env, ...ADMIN } })).exitCode, 0);
  });

  it('refuses /dev/zero and a FIFO as --data-path or --path at once, naming the flag', async () => {
    const fifo = path.join(tempDir(), 'fifo');
    execFileSync('mkfifo', [fifo]);
    for (const file of ['/dev/zero', fifo]) {
      const started = Date.now();
      const digest = await runCommand('crypto:digest', ['--hash-function', 'sha256', '--data-path', file, '--json'], { env });
      assert.equal(digest.exitCode, 1);
      assert.match(digest.json.data, /--data-path .* not a regular file/);
      const imported = await runCommand('key:import:pem', ['--path', file, '--label', 'x', '--key-type-class', 'rsa-public', '--json'], { env: { ...env, ...ALICE } });
      assert.equal(imported.exitCode, 1);
      assert.match(imported.json.data, /--path .* not a regular file/);
      assert.ok(Date.now() - started < 10_000);
    }
  });

  it('--password-stdin fed from /dev/zero fails with a clear error, not a crash', () => {
    const zero = fs.openSync('/dev/zero', 'r');
    try {
      const r = spawnSync(process.execPath, [BIN, 'user', 'create', '--username', 'zed', '--role', 'crypto-user', '--password-stdin', '--json'], {
        cwd: ROOT,
        env: { ...cleanEnv(), ...env, ...ADMIN },
        stdio: [zero, 'pipe', 'pipe'],
        encoding: 'utf8',
        timeout: 30_000,
      });
      assert.equal(r.status, 1, r.stderr);
      assert.equal(JSON.parse(r.stdout).code, 'INVALID_ARGUMENT');
      assert.match(JSON.parse(r.stdout).data, /standard input holds more than/);
    } finally {
      fs.closeSync(zero);
    }
  });

  it('writes --out files that may hold secrets with mode 0600, even over an existing 0644 file', async () => {
    const out = path.join(tempDir(), 'random.bin');
    fs.writeFileSync(out, 'old', { mode: 0o644 });
    fs.chmodSync(out, 0o644);
    const r = await runCommand('crypto:random', ['--length', '32', '--out', out, '--json'], { env: { ...env, ...ALICE } });
    assert.equal(r.exitCode, 0, r.stdout);
    assert.equal(fs.statSync(out).size, 32);
    assert.equal(fs.statSync(out).mode & 0o777, 0o600);
  });

  it('Ctrl-C at a prompt (the shell\'s or inquirer\'s) is PROMPT_CANCELLED, not an internal error', async () => {
    const shellCancel = Object.assign(new Error('prompt cancelled'), { cancelled: true });
    const inquirerCancel = Object.assign(new Error('User force closed the prompt with SIGINT'), { name: 'ExitPromptError' });
    for (const err of [shellCancel, inquirerCancel]) {
      const mapped = toHsmError(err);
      assert.equal(mapped.code, 'PROMPT_CANCELLED');
      assert.doesNotMatch(mapped.message, /bug/);
    }
  });

  it('warns on a terminal that --password is visible to other processes, and not in scripts', async () => {
    const onTty = await runCommand('user:create', ['--username', 'tty_user', '--role', 'crypto-user', '--password', 'Tty-Pass-1'], { env: { ...env, ...ADMIN }, interactive: true });
    assert.equal(onTty.exitCode, 0, onTty.stderr);
    assert.match(onTty.stderr, /visible to other processes/);
    const scripted = await runCommand('user:create', ['--username', 'script_user', '--role', 'crypto-user', '--password', 'Script-Pass-1'], { env: { ...env, ...ADMIN } });
    assert.equal(scripted.stderr, '');
  });

  it('prints a label holding terminal escape sequences as visible escapes in text output', async () => {
    const label = 'evil\x1b]0;owned\x07\x1b[2J\u202e';
    const made = await runCommand('key:generate-symmetric:aes', ['--label', label, '--key-length-bytes', '16'], { env: { ...env, ...ALICE } });
    assert.equal(made.exitCode, 0, made.stdout + made.stderr);
    const listed = await runCommand('key:list', ['--verbose'], { env: { ...env, ...ALICE } });
    assert.equal(listed.exitCode, 0, listed.stderr);
    // eslint-disable-next-line no-control-regex -- looking for control characters is the point
    assert.ok(!/[\x00-\x08\x0b-\x1f\x7f]/.test(listed.stdout + made.stdout), 'a control character reached the terminal');
    assert.ok(!(listed.stdout + made.stdout).includes('\u202e'));
    assert.match(listed.stdout, /evil\\x1b\]0;owned\\x07\\x1b\[2J\\u202e/);
    const json = await runCommand('key:list', ['--verbose', '--json'], { env: { ...env, ...ALICE } });
    assert.ok(JSON.stringify(json.json).includes('evil'), 'JSON keeps the label exactly');
  });
});
