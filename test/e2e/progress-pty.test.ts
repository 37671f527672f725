/**
 * A slow command (an RSA-4096 key pair, a few seconds) under a real terminal shows progress on
 * standard error and erases it before the result; the same command piped shows none.
 */
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { BIN, ROOT, cleanEnv, runBin } from '../support/helpers.js';
import { clusterFolder } from '../support/templates.js';

const { spawn } = createRequire(import.meta.url)('node-pty') as typeof import('node-pty');

describe('e2e: progress on a terminal', function () {
  this.timeout(120_000);
  let env: Record<string, string>;
  const generate = ['key', 'generate-asymmetric-pair', 'rsa', '--modulus-size-bits', '4096', '--public-exponent', '65537', '--public-label', 'big-pub', '--private-label', 'big-priv'];

  before(async () => {
    env = { CLOUDHSM_STATE_DIR: await clusterFolder({ password: 'Admin-Pass-1', cryptoUsers: { alice: 'Alice-Pass-1' } }), CLOUDHSM_ROLE: 'crypto-user', CLOUDHSM_PIN: 'alice:Alice-Pass-1' };
  });

  it('shows the command with a spinner while it works, then erases it', async () => {
    const pty = spawn(process.execPath, [BIN, ...generate], { cwd: ROOT, env: { ...cleanEnv(), ...env, TERM: 'xterm' }, cols: 120, rows: 30 });
    let text = '';
    pty.onData((d) => (text += d));
    const code = await new Promise<number>((resolve) => pty.onExit(({ exitCode }) => resolve(exitCode)));
    assert.equal(code, 0, text);
    assert.match(text, /[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏] key generate-asymmetric-pair rsa…/);
    const lastSpinner = text.lastIndexOf('key generate-asymmetric-pair rsa…');
    assert.ok(text.indexOf('\r\x1b[2K', lastSpinner) > lastSpinner, 'the status line is erased');
    assert.match(text.slice(lastSpinner), /big-pub/, 'the result comes after');
  });

  it('shows nothing when standard error is piped, even for slow work', () => {
    const r = runBin([...generate.slice(0, -4), '--public-label', 'p2', '--private-label', 'k2'], { env });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stderr, '');
  });
});
