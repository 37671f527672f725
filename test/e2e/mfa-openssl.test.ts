/**
 * MFA (token-sign) end to end with `openssl` signing the token files (users-and-auth.md §7,
 * cli-commands.md §3.4, §3.10): registration, login with MFA as a single command and in the
 * shell, the refusals for a missing factor and a bad signature, rotation and deregistration.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { BIN, cleanEnv, ROOT, runBin, tempDir, type BinRun } from '../support/helpers.js';
import { sleep } from '../support/processes.js';
import { clusterFolder } from '../support/templates.js';

const PW = 'Alice-Pass-1';

describe('e2e: MFA token-sign with openssl', function () {
  this.timeout(120_000);
  const work = tempDir('chsm-mfa-');
  const f = (name: string) => path.join(work, name);
  const state = { CLOUDHSM_STATE_DIR: f('state') };
  const alice = { ...state, CLOUDHSM_ROLE: 'crypto-user', CLOUDHSM_PIN: `alice:${PW}` };
  const admin = { ...state, CLOUDHSM_ROLE: 'admin', CLOUDHSM_PIN: 'admin:Admin123!' };

  function keyPair(name: string): void {
    execFileSync('openssl', ['genrsa', '-out', f(`${name}.key`), '2048'], { stdio: 'ignore' });
    execFileSync('openssl', ['rsa', '-in', f(`${name}.key`), '-pubout', '-out', f(`${name}.pub`)], { stdio: 'ignore' });
  }

  /** Signs every unsigned token of `file` in place with `name`'s key, as the docs' openssl line does. */
  function signTokens(file: string, name: string, into = file): void {
    const doc = JSON.parse(fs.readFileSync(file, 'utf8')) as { version: string; tokens: Array<{ unsigned: string; signed: string }> };
    assert.equal(doc.version, '2.0');
    for (const token of doc.tokens) {
      assert.equal(token.signed, '');
      fs.writeFileSync(f('digest.bin'), Buffer.from(token.unsigned, 'base64'));
      token.signed = execFileSync('openssl', ['pkeyutl', '-sign', '-inkey', f(`${name}.key`), '-pkeyopt', 'digest:sha256', '-in', f('digest.bin')]).toString('base64');
    }
    fs.writeFileSync(into, JSON.stringify(doc, null, 2));
  }

  /**
   * Runs the binary, and once it has written `tokenFile`, signs it with `signer` and answers the
   * prompts with `answers` (lines on standard input), as an operator at the prompt would.
   */
  async function withSigning(args: string[], env: Record<string, string>, tokenFile: string, signer: string | undefined, answers: string[]): Promise<BinRun> {
    fs.rmSync(tokenFile, { force: true });
    const child = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, env: { ...cleanEnv(), ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const closed = new Promise<number | null>((resolve) => child.on('close', resolve));
    const run = { exited: false };
    void closed.then(() => (run.exited = true));
    while (!fs.existsSync(tokenFile) && !run.exited) await sleep(20);
    if (!run.exited) {
      await sleep(50);
      if (signer) signTokens(tokenFile, signer);
      child.stdin.end(answers.map((a) => `${a}\n`).join(''));
    }
    const status = await closed;
    let json: unknown;
    try {
      json = JSON.parse(stdout);
    } catch {
      json = undefined;
    }
    return { status, stdout, stderr, json } as BinRun;
  }

  const register = (key: string, extra: string[] = []) =>
    withSigning(['user', 'change-mfa', 'token-sign', '--username', 'alice', '--role', 'crypto-user', '--token', f('reg.token'), ...extra, '--json'], alice, f('reg.token'), key, ['', f(`${key}.pub`)]);
  const mfaLogin = (key: string) =>
    withSigning(['login', '--username', 'alice', '--role', 'crypto-user', '--password', PW, 'mfa-token-sign', '--token', f('login.token'), '--json'], state, f('login.token'), key, ['']);
  const users = () => (runBin(['user', 'list', '--json'], { env: state }).json.data.users as Array<{ username: string; mfa: unknown[]; quorum: unknown[]; locked: string }>).find((u) => u.username === 'alice')!;
  const ENABLED = [{ strategy: 'token-sign', status: 'enabled' }];

  before(async () => {
    fs.cpSync(await clusterFolder({ cryptoUsers: { alice: PW } }), state.CLOUDHSM_STATE_DIR, { recursive: true });
    for (const name of ['alice', 'alice2', 'mallory']) keyPair(name);
  });

  it('registers MFA: one unsigned token per HSM, signed with openssl; the key serves quorum too', async () => {
    const r = await register('alice');
    assert.equal(r.status, 0, r.stdout + r.stderr);
    assert.deepEqual((r.json as { data: unknown }).data, { username: 'alice', role: 'crypto-user' });
    const tokens = JSON.parse(fs.readFileSync(f('reg.token'), 'utf8')).tokens as unknown[];
    assert.equal(tokens.length, 2, 'one token per ACTIVE HSM');
    assert.deepEqual(users().mfa, ENABLED);
    assert.deepEqual(users().quorum, ENABLED);
  });

  it('a user with MFA cannot log in with its password alone, nor run single commands with CLOUDHSM_PIN', () => {
    const login = runBin(['login', '--username', 'alice', '--role', 'crypto-user', '--password', PW, '--json'], { env: state });
    assert.equal(login.status, 1);
    assert.equal(login.json.code, 'MFA_REQUIRED');
    assert.match(login.json.data, /mfa-token-sign --token FILE/);
    const listing = runBin(['key', 'list', '--json'], { env: alice });
    assert.equal(listing.status, 1);
    assert.equal(listing.json.code, 'MFA_REQUIRED');
  });

  it('logs in with the signed token file; a signature by another key is refused and counts as a failed login', async () => {
    const good = await mfaLogin('alice');
    assert.equal(good.status, 0, good.stdout + good.stderr);
    assert.deepEqual((good.json as { data: unknown }).data, { username: 'alice', role: 'crypto-user' });
    const bad = await mfaLogin('mallory');
    assert.equal(bad.status, 1, bad.stdout);
    const body = bad.json as { code: string; data: string };
    assert.equal(body.code, 'MFA_FAILED');
    assert.match(body.data, /does not verify with the registered public key/);
    assert.match(body.data, /1 failed login in a row/);
    // A token file not signed at all.
    const unsigned = await withSigning(['login', '--username', 'alice', '--role', 'crypto-user', '--password', PW, 'mfa-token-sign', '--token', f('login.token'), '--json'], state, f('login.token'), undefined, ['']);
    assert.equal(unsigned.status, 1);
    assert.match((unsigned.json as { data: string }).data, /token 1 \(for hsm-[a-z0-9]+\) is not signed; sign each token's "unsigned" value/);
    assert.equal((await mfaLogin('alice')).status, 0, 'a right login clears the count');
    assert.equal(users().locked, 'false');
  });

  it('rotation needs --change-quorum when the quorum key differs; deregistration in the shell after an MFA login', async () => {
    // alice's MFA key is her quorum key; rotating to another key replaces both only when asked.
    // (She cannot use CLOUDHSM_PIN now, so this runs in the shell.)
    const shell = spawn(process.execPath, [BIN, 'shell'], { cwd: ROOT, env: { ...cleanEnv(), ...state } });
    let out = '';
    shell.stdout.on('data', (d: Buffer) => (out += d.toString()));
    shell.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const closed = new Promise((resolve) => shell.on('close', resolve));
    // Each wait looks only at what the shell printed since the line before it was sent.
    let mark = 0;
    const send = (text: string) => {
      mark = out.length;
      shell.stdin.write(text);
    };
    const until = async (pattern: RegExp) => {
      for (let i = 0; i < 500 && !pattern.test(out.slice(mark)); i++) await sleep(20);
      assert.match(out.slice(mark), pattern);
    };
    fs.rmSync(f('shell.token'), { force: true });
    send(`login --username alice --role crypto-user --password ${PW} mfa-token-sign --token ${f('shell.token')}\n`);
    await until(/Enter signed token file path \(press enter if same as the unsigned token file\):/);
    signTokens(f('shell.token'), 'alice');
    send('\n');
    await until(/alice/);
    send(`user change-mfa token-sign --username alice --role crypto-user --token ${f('rot.token')}\n`);
    await until(/Enter signed token file path/);
    signTokens(f('rot.token'), 'alice2');
    send(`\n${f('alice2.pub')}\n`);
    await until(/--change-quorum to replace it/);
    send('user change-mfa token-sign --username alice --role crypto-user --deregister\n');
    await until(/alice/);
    send('quit\n');
    shell.stdin.end();
    await closed;
    assert.doesNotMatch(out, new RegExp(PW), 'the password never reaches the output');
    assert.deepEqual(users().mfa, []);
    assert.deepEqual(users().quorum, ENABLED, 'deregistering MFA without --change-quorum keeps the quorum key');
    // Back to single commands; register the new key for both with --change-quorum.
    assert.equal(runBin(['key', 'list', '--json'], { env: alice }).status, 0);
    const rotated = await register('alice2', ['--change-quorum']);
    assert.equal(rotated.status, 0, rotated.stdout + rotated.stderr);
    assert.equal((await mfaLogin('alice')).status, 1, 'the old key no longer logs in');
    assert.equal((await mfaLogin('alice2')).status, 0);
  });

  it('an admin deregisters another user\'s MFA and quorum key; the audit log verifies', () => {
    const r = runBin(['user', 'change-mfa', 'token-sign', '--username', 'alice', '--role', 'crypto-user', '--deregister', '--change-quorum', '--json'], { env: admin });
    assert.equal(r.status, 0, r.stdout + r.stderr);
    assert.deepEqual(users().mfa, []);
    assert.deepEqual(users().quorum, []);
    assert.equal(runBin(['key', 'list', '--json'], { env: alice }).status, 0);
    assert.equal(runBin(['audit', 'verify', '--json'], { env: state }).status, 0);
  });
});
