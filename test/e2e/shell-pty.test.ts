/**
 * The built shell driven through a real pseudo-terminal, as a person at a keyboard would: hidden
 * passwords, tab completion of command words and of a key label, an error that the shell
 * survives, Ctrl-C on a half-typed line, quit; then the history file, which must hold the
 * commands and no password.
 *
 * The pseudo-terminal comes from node-pty (Microsoft's, the one VS Code's terminal runs on):
 * maintained, and built here from source by node-gyp, so the test needs nothing outside npm.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { BIN, ROOT, cleanEnv, tempDir } from '../support/helpers.js';

type Pty = import('node-pty').IPty;
const { spawn } = createRequire(import.meta.url)('node-pty') as typeof import('node-pty');

const ADMIN_PASSWORD = 'Admin-Secret-77';
const ALICE_PASSWORD = 'Alice-Secret-88';
// eslint-disable-next-line no-control-regex
const plain = (text: string) => text.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, '').replace(/\r/g, '');

/** A terminal session: keys go in, `expect` waits for text to appear after the last mark. */
class Terminal {
  private text = '';
  private mark = 0;
  exit: Promise<number>;

  constructor(readonly pty: Pty) {
    pty.onData((d) => (this.text += d));
    this.exit = new Promise((resolve) => pty.onExit(({ exitCode }) => resolve(exitCode)));
  }

  get all(): string {
    return plain(this.text);
  }

  type(keys: string): void {
    this.pty.write(keys);
  }

  /** Waits for `pattern` in what arrived since the last `expect`, then moves the mark past it. */
  async expect(pattern: RegExp, timeoutMs = 20_000): Promise<string> {
    const start = Date.now();
    for (;;) {
      const since = plain(this.text.slice(this.mark));
      const m = pattern.exec(since);
      if (m) {
        // Move the mark to the end of the match in the raw text (approximately: the whole buffer
        // read so far, since everything before the match is consumed too).
        this.mark = this.text.length;
        return since;
      }
      if (Date.now() - start > timeoutMs) assert.fail(`timed out waiting for ${pattern}; the terminal shows:\n${since}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  /** Types a line and presses Enter. */
  line(text: string): void {
    this.type(`${text}\r`);
  }
}

describe('e2e: the shell on a pseudo-terminal', function () {
  this.timeout(120_000);
  let running: Terminal | undefined;
  afterEach(() => running?.pty.kill());

  it('logs in with hidden passwords, completes commands and key labels, survives an error and Ctrl-C, quits, and keeps a history without passwords', async () => {
    const work = tempDir();
    const historyFile = path.join(work, 'history');
    const env = { ...cleanEnv(), CLOUDHSM_STATE_DIR: path.join(work, 'state'), CLOUDHSM_HISTORY_FILE: historyFile, TERM: 'xterm-256color' } as Record<string, string>;
    delete env.NO_COLOR;
    const t = new Terminal(spawn(process.execPath, [BIN, 'shell'], { cwd: ROOT, env, cols: 200, rows: 50, name: 'xterm-256color' }));
    running = t;

    await t.expect(/aws-cloudhsm > $/m);
    t.line('cluster activate');
    await t.expect(/Enter password: $/);
    t.line(ADMIN_PASSWORD);
    await t.expect(/Confirm password: $/);
    t.line(ADMIN_PASSWORD);
    await t.expect(/Cluster activation successful[\s\S]*aws-cloudhsm > $/);

    t.line('login --username admin --role admin');
    await t.expect(/Enter password: $/);
    t.line(ADMIN_PASSWORD);
    await t.expect(/aws-cloudhsm \[admin:admin\] > $/);
    t.line(`user create --username alice --role crypto-user --password ${ALICE_PASSWORD}`);
    await t.expect(/alice[\s\S]*aws-cloudhsm \[admin:admin\] > $/);
    t.line('logout');
    await t.expect(/Logout successful[\s\S]*aws-cloudhsm > $/);

    t.line('login --username alice --role crypto-user');
    await t.expect(/Enter password: $/);
    t.line(ALICE_PASSWORD);
    await t.expect(/aws-cloudhsm \[alice:crypto-user\] > $/);

    // `key gen<TAB>` completes to the common prefix of the three generate commands; two more
    // keys finish the command word by word.
    t.type('key gen\t');
    await t.expect(/key generate-$/);
    // readline redraws only what a completion adds to the line.
    t.type('sy\t');
    await t.expect(/symmetric $/);
    t.type('a\t');
    await t.expect(/aes $/);
    t.line('--label payments-key --key-length-bytes 32');
    await t.expect(/payments-key[\s\S]*> $/);

    // A key label, completed from the keys alice can see.
    t.type('key list --filter attr.label=pay\t');
    await t.expect(/payments-key $/);
    t.line('--json');
    const listed = await t.expect(/"total_key_count": 1[\s\S]*> $/);
    assert.match(listed, /"label": "payments-key"/);

    // An error is reported and the shell goes on.
    t.line('key delete --filter attr.label=no-such-key');
    await t.expect(/matched 0 keys[\s\S]*aws-cloudhsm \[alice:crypto-user\] > $/);

    // Ctrl-C abandons the half-typed line: it never runs.
    t.type('key delete --filter attr.label=payments-key');
    await t.expect(/payments-key$/);
    t.type('\x03');
    await t.expect(/\^C[\s\S]*aws-cloudhsm \[alice:crypto-user\] > $/);
    t.line('key list');
    await t.expect(/payments-key[\s\S]*> $/);

    t.line('quit');
    assert.equal(await t.exit, 0);

    const screen = t.all;
    assert.ok(!screen.includes(ADMIN_PASSWORD), 'a hidden password was echoed');
    // Alice's password was typed in the clear as --password, once; her hidden login never showed it.
    assert.equal(screen.split(ALICE_PASSWORD).length - 1, 1, 'a hidden password was echoed');

    const history = fs.readFileSync(historyFile, 'utf8');
    for (const command of ['cluster activate', 'login --username admin --role admin', 'user create --username alice --role crypto-user --password ****', 'key generate-symmetric aes --label payments-key --key-length-bytes 32', 'key list --filter attr.label=payments-key --json', 'quit']) {
      assert.ok(history.includes(`${command}\n`), `history lacks "${command}":\n${history}`);
    }
    assert.ok(!history.includes(ADMIN_PASSWORD) && !history.includes(ALICE_PASSWORD), `a password reached the history:\n${history}`);
    assert.ok(!history.includes('key delete --filter attr.label=payments-key'), 'the abandoned line reached the history');
    assert.equal(fs.statSync(historyFile).mode & 0o777, 0o600);
  });
});
