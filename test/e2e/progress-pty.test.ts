/**
 * A command that has to wait shows progress on a terminal's standard error and erases it before
 * the result; the same command piped shows none. The wait is made certain, not hoped for: another
 * process holds the state's writer lock, paused by the test-only fault hook at `commit.locked`,
 * until the test lets it go.
 */
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { BIN, ROOT, cleanEnv } from '../support/helpers.js';
import { FAULT_CLI, sleep, start, startPaused } from '../support/processes.js';
import { clusterFolder } from '../support/templates.js';

const { spawn } = createRequire(import.meta.url)('node-pty') as typeof import('node-pty');
const SPINNER = /[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏] key generate-symmetric aes…/;

describe('e2e: progress on a terminal', function () {
  this.timeout(120_000);
  let env: Record<string, string>;
  const generate = (label: string) => ['key', 'generate-symmetric', 'aes', '--label', label, '--key-length-bytes', '16'];

  before(async () => {
    env = { CLOUDHSM_STATE_DIR: await clusterFolder({ password: 'Admin-Pass-1', cryptoUsers: { alice: 'Alice-Pass-1' } }), CLOUDHSM_ROLE: 'crypto-user', CLOUDHSM_PIN: 'alice:Alice-Pass-1' };
  });

  it('shows the command with a spinner while it waits, then erases it', async () => {
    const holder = await startPaused(FAULT_CLI, generate('holder'), 'commit.locked', { env });
    const pty = spawn(process.execPath, [BIN, ...generate('waiter')], { cwd: ROOT, env: { ...cleanEnv(), ...env, TERM: 'xterm' }, cols: 120, rows: 30 });
    let text = '';
    pty.onData((d) => (text += d));
    const exited = new Promise<number>((resolve) => pty.onExit(({ exitCode }) => resolve(exitCode)));
    const deadline = Date.now() + 20_000;
    while (!SPINNER.test(text)) {
      if (Date.now() > deadline) {
        pty.kill();
        await holder.kill();
        assert.fail(`no progress line while waiting for the lock; the terminal shows:\n${text}`);
      }
      await sleep(20);
    }
    holder.resume();
    assert.equal(await exited, 0, text);
    assert.equal((await holder.done).code, 0);
    const lastSpinner = text.search(new RegExp(`${SPINNER.source}(?![\\s\\S]*${SPINNER.source})`));
    assert.ok(text.indexOf('\r\x1b[2K', lastSpinner) > lastSpinner, 'the status line is erased');
    assert.match(text.slice(lastSpinner), /waiter/, 'the result comes after');
  });

  it('shows nothing when standard error is piped, even while waiting', async () => {
    const holder = await startPaused(FAULT_CLI, generate('holder2'), 'commit.locked', { env });
    const piped = start(BIN, generate('waiter2'), { env });
    await sleep(800);
    holder.resume();
    const [result, held] = await Promise.all([piped.done, holder.done]);
    assert.equal(held.code, 0, held.stderr);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stderr, '');
  });
});
