import assert from 'node:assert/strict';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import type { EngineContext } from '../../src/core/context.js';
import { perform } from '../../src/core/engine.js';
import { HsmError } from '../../src/core/errors.js';
import { deleteUser } from '../../src/core/users/operations.js';
import { runShell } from '../../src/shell/shell.js';
import { redactSecrets, tokenize } from '../../src/shell/tokenize.js';
import { oclifConfig, runBin, tempDir } from '../support/helpers.js';
import { REGISTRY_CATALOG } from '../../src/cli/main.js';
import { clusterContext } from '../support/templates.js';
import { events, gist } from '../support/audit-events.js';

/** Starts the shell on plain streams; `send` writes a line, `until` waits for text in the output. */
async function startShell(env: Record<string, string>, ctx: EngineContext, options: { dialect?: 'cmu' | 'kmu'; explain?: boolean } = {}) {
  const input = new PassThrough();
  const output = new PassThrough();
  let text = '';
  output.on('data', (d: Buffer) => (text += d.toString()));
  const errors: string[] = [];
  const done = runShell({
    input,
    output: output as PassThrough & { isTTY?: boolean },
    errorOutput: { write: (s: string) => errors.push(s) },
    terminal: false,
    env: { CLOUDHSM_HISTORY_FILE: '', ...env },
    config: await oclifConfig(),
    engine: async () => ctx,
    stateDir: env.CLOUDHSM_STATE_DIR!,
    commands: REGISTRY_CATALOG,
    ...options,
  });
  /** Waits until `pattern` has appeared `times` times in the output. */
  const until = async (pattern: RegExp, times = 1, timeoutMs = 20_000) => {
    const start = Date.now();
    const global = new RegExp(pattern.source, 'g');
    while ((text.match(global)?.length ?? 0) < times) {
      if (Date.now() - start > timeoutMs) assert.fail(`timed out waiting for ${pattern}; output so far:\n${text}\nerrors:\n${errors.join('')}`);
      await new Promise((r) => setTimeout(r, 10));
    }
  };
  return { send: (line: string) => input.write(`${line}\n`), end: () => input.end(), until, done, output: () => text, errors };
}

describe('shell', function () {
  this.timeout(60_000);

  it('tokenizes quotes and escapes, and redacts password values for history', () => {
    assert.deepEqual(tokenize(`key list --filter attr.label="my key" 'a b' c\\ d`), ['key', 'list', '--filter', 'attr.label=my key', 'a b', 'c d']);
    assert.throws(() => tokenize('login --username "admin'), /unclosed double quote/);
    assert.equal(redactSecrets('user create --username bob --password "s3cret pw" --role admin'), 'user create --username bob --password **** --role admin');
    assert.equal(redactSecrets('login --password=abc123x'), 'login --password=****');
    // Word by word as the tokenizer reads them: escapes, quotes inside words, unclosed quotes.
    assert.equal(redactSecrets('user create --password Alice\\ Pass1 --role admin'), 'user create --password **** --role admin');
    assert.equal(redactSecrets('user create --password "Bob\\"Pass 12" --role x'), 'user create --password **** --role x');
    assert.equal(redactSecrets('login --password "never closed --role admin'), 'login --password ****');
    assert.equal(redactSecrets('login --password --role admin'), 'login --password **** admin', 'the parser takes the next word as the value, whatever it looks like');
  });

  it('activates, keeps the login between lines, refuses a second login, and never echoes passwords', async () => {
    const ctx = await clusterContext({ password: null });
    const shell = await startShell({ CLOUDHSM_STATE_DIR: ctx.dir }, ctx);
    shell.send('cluster activate');
    shell.send('Admin123!');
    shell.send('Admin123!');
    await shell.until(/Cluster activation successful/);
    shell.send('login --username admin --role admin');
    shell.send('Admin123!');
    await shell.until(/role: +admin/);
    shell.send('user create --username bob --role crypto-user');
    shell.send('Bob12345!');
    shell.send('Bob12345!');
    await shell.until(/username: +bob/);
    shell.send('user list --json');
    await shell.until(/"username": "bob"/);
    shell.send('login --username bob --role crypto-user');
    await new Promise((r) => setTimeout(r, 200));
    shell.send('logout');
    await shell.until(/Logout successful/);
    shell.send('quit');
    const code = await shell.done;
    assert.equal(code, 1, 'a line failed, so a non-terminal shell exits 1');
    assert.ok(shell.errors.join('').includes('[ALREADY_LOGGED_IN]'), shell.errors.join(''));
    assert.ok(!shell.output().includes('Admin123!') && !shell.output().includes('Bob12345!'), shell.output());
    assert.match(shell.output(), /Enter password: /);
  });

  it('holds a session that other callers see: a logged-in user cannot be deleted until the shell quits', async () => {
    const ctx = await clusterContext();
    const admin = { credentials: { username: 'admin', password: 'Admin123!', role: 'admin' as const } };
    const shell = await startShell({ CLOUDHSM_STATE_DIR: ctx.dir, CLOUDHSM_ROLE: 'admin', CLOUDHSM_PIN: 'admin:Admin123!' }, ctx);
    shell.send('user create --username carol --role crypto-user --password Carol123!');
    await shell.until(/username: +carol/);
    shell.send('login --username carol --role crypto-user --password Carol123!');
    await shell.until(/role: +crypto-user/, 2);
    await assert.rejects(perform(ctx, deleteUser, { username: 'carol', role: 'crypto-user' }, admin), (e: HsmError) => e.code === 'USER_LOGGED_IN');
    shell.send('quit');
    assert.equal(await shell.done, 0);
    await perform(ctx, deleteUser, { username: 'carol', role: 'crypto-user' }, admin);
  });

  it('leaving without logout (quit, or the end of input) closes the connection: CN_APP_FINALIZE on one HSM; after a logout, only CN_LOGOUT', async () => {
    const ctx = await clusterContext({ cryptoUsers: { alice: 'alice-Pass1' } });
    const ended = async (lines: string[], finish: 'quit' | 'end') => {
      const before = (await events(ctx)).length;
      const shell = await startShell({ CLOUDHSM_STATE_DIR: ctx.dir }, ctx);
      shell.send('login --username alice --role crypto-user --password alice-Pass1');
      await shell.until(/role: +crypto-user/);
      for (const line of lines) shell.send(line);
      if (finish === 'quit') shell.send('quit');
      else shell.end();
      assert.equal(await shell.done, 0);
      return (await events(ctx)).slice(before).filter((e) => e.opcode.name !== 'CN_LOGIN');
    };
    for (const finish of ['quit', 'end'] as const) {
      const closed = await ended([], finish);
      assert.deepEqual(closed.map(gist), ['CN_APP_FINALIZE 0 alice/CN_CRYPTO_USER'], finish);
    }
    const loggedOut = await ended(['logout'], 'quit');
    assert.deepEqual(loggedOut.map(gist), ['CN_LOGOUT 0 alice/CN_CRYPTO_USER']);
    // The session ended with the connection: alice can be deleted.
    await perform(ctx, deleteUser, { username: 'alice', role: 'crypto-user' }, { credentials: { username: 'admin', password: 'Admin123!', role: 'admin' } });
  });

  it('reports unknown commands without repeating any of their words and keeps going; help and --help print usage, for commands and groups', async () => {
    const ctx = await clusterContext();
    const shell = await startShell({ CLOUDHSM_STATE_DIR: ctx.dir }, ctx);
    shell.send('frobnicate now');
    shell.send('help');
    await shell.until(/Commands:/);
    shell.send('user create --help');
    await shell.until(/--username/);
    shell.send('crypto hmac --help');
    await shell.until(/crypto hmac generate .*\n\s+crypto hmac verify /);
    shell.send('user list');
    await shell.until(/app_user/);
    shell.send('logni --password=Secret-Pw-1');
    shell.end();
    assert.equal(await shell.done, 1);
    // Unknown words are never repeated: a line that is no command may be a password.
    assert.equal(shell.errors.join('').match(/unknown command/g)?.length, 2);
    assert.match(shell.errors.join(''), /unknown command\. Type `help` to list the commands\./);
    // Only known words are offered back: the command meant, never what was typed.
    assert.match(shell.errors.join(''), /unknown command; did you mean `login`\? Type `help`/);
    assert.ok(!shell.errors.join('').includes('frobnicate'));
    assert.ok(!shell.errors.join('').includes('Secret-Pw-1'), 'an error repeated a password');
  });

  it('legacy dialects print only the tool\'s lines; --explain adds why a line failed on standard error', async () => {
    const ctx = await clusterContext({ cryptoUsers: { alice: 'Alice-Pass-1' } });
    const block = '\n        Cfm3LoginHSM returned: 0xd0 : HSM Error: Login failure\n\n        Cluster Status\n';
    for (const explain of [false, true]) {
      const shell = await startShell({ CLOUDHSM_STATE_DIR: ctx.dir }, ctx, { dialect: 'kmu', explain });
      shell.send('loginHSM -u CU -s alice -p Not-The-Password-1');
      shell.send('exit');
      assert.equal(await shell.done, 1);
      assert.ok(shell.output().startsWith(block), shell.output());
      assert.doesNotMatch(shell.output(), /password for/);
      const errors = shell.errors.join('');
      assert.equal(/wrong password for alice/.test(errors), explain, errors);
      assert.match(errors, /<stdin>:1: this line failed/);
      assert.ok(!errors.includes('Not-The-Password-1') && !shell.output().includes('Not-The-Password-1'));
    }
    const cmu = await startShell({ CLOUDHSM_STATE_DIR: ctx.dir }, ctx, { dialect: 'cmu', explain: true });
    cmu.send('findAllKeys 3 0');
    cmu.send('quit');
    assert.equal(await cmu.done, 1);
    assert.match(cmu.output(), /\nfindAllKeys failed: RET_USER_NOT_LOGGED_IN\nfindAllKeys failed on server 0\(/);
    assert.doesNotMatch(cmu.output(), /loginHSM/);
    assert.match(cmu.errors.join(''), /log in with loginHSM/);
  });

  it('the built binary runs a piped script through `shell` and exits non-zero when a line fails', () => {
    const dir = path.join(tempDir(), 'state');
    const env = { CLOUDHSM_STATE_DIR: dir };
    const first = runBin(['shell'], { env, input: 'cluster describe --json\nquit\n' });
    assert.equal(first.status, 0, first.stderr);
    assert.match(first.stdout, /creating one/);
    assert.match(first.stdout, /"State": "INITIALIZED"/);
    const script = ['# a comment', '', 'cluster activate', 'Admin123!', 'Admin123!', 'login --username admin --role admin', 'Admin123!', 'user list', 'quit'].join('\n');
    const second = runBin(['shell'], { env, input: `${script}\n` });
    assert.equal(second.status, 0, second.stdout + second.stderr);
    assert.match(second.stdout, /Cluster activation successful/);
    assert.match(second.stdout, /admin +admin +false/);
    const failing = runBin(['shell'], { env, input: 'user delete --username nobody --role crypto-user\n' });
    assert.equal(failing.status, 1);
  });
});
