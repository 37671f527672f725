/**
 * `cloudhsm-cli` as scripts for the real CloudHSM CLI use it: single commands with
 * CLOUDHSM_ROLE/CLOUDHSM_PIN, the JSON envelope always, exit 0 or 1. The JSON of `user list`,
 * `key list`, `key generate-asymmetric-pair rsa` and `crypto sign` is compared with shapes written
 * from the spec (cli-commands.md §1.3, §3.6, §3.14, §3.17, §3.25; keys.md §2-3): every field name
 * and every value's type, nothing missing and nothing extra.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { CLI_BIN, runBin, tempDir } from '../support/helpers.js';
import { clusterFolder } from '../support/templates.js';
import { differences, type Shape } from '../support/shapes.js';

const coverage = { username: 'string', 'key-coverage': 'string' } as const;
const KEY_INFO: Shape = {
  'key-owners': [coverage],
  'shared-users': [coverage],
  'key-quorum-values': { 'manage-key-quorum-value': 'number', 'use-key-quorum-value': 'number' },
  'cluster-coverage': 'string',
};
/** keys.md §2.2, in print order; RSA keys add public-exponent, modulus, modulus-size-bits. */
const COMMON_ATTRIBUTES = {
  'key-type': 'string',
  label: 'string',
  id: 'string',
  'check-value': 'string',
  class: 'string',
  encrypt: 'boolean',
  decrypt: 'boolean',
  token: 'boolean',
  'always-sensitive': 'boolean',
  derive: 'boolean',
  destroyable: 'boolean',
  extractable: 'boolean',
  local: 'boolean',
  modifiable: 'boolean',
  'never-extractable': 'boolean',
  private: 'boolean',
  sensitive: 'boolean',
  sign: 'boolean',
  trusted: 'boolean',
  unwrap: 'boolean',
  verify: 'boolean',
  wrap: 'boolean',
  'wrap-with-trusted': 'boolean',
  'key-length-bytes': 'number',
} as const;
const RSA_KEY: Shape = {
  'key-reference': 'string',
  'key-info': KEY_INFO,
  attributes: { ...COMMON_ATTRIBUTES, 'public-exponent': 'string', modulus: 'string', 'modulus-size-bits': 'number' },
};

const SHAPES: Record<string, Shape> = {
  'user list': {
    users: [{ username: 'string', role: 'string', locked: 'string', mfa: [{ strategy: 'string', status: 'string' }], quorum: [{ strategy: 'string', status: 'string' }], 'cluster-coverage': 'string' }],
  },
  'key list': { matched_keys: [{ 'key-reference': 'string', attributes: { label: 'string' } }], total_key_count: 'number', returned_key_count: 'number', next_token: 'string' },
  'key generate-asymmetric-pair rsa': { public_key: RSA_KEY, private_key: RSA_KEY },
  'crypto sign': { 'key-reference': 'string', signature: 'string' },
};

describe('e2e: cloudhsm-cli compatibility (single commands, JSON structure of the spec)', function () {
  this.timeout(120_000);
  let env: Record<string, string>;
  const crypto = () => ({ ...env, CLOUDHSM_ROLE: 'crypto-user', CLOUDHSM_PIN: 'alice:Alice-Pass-1' });
  const cli = (args: string[], extra: Record<string, string> = env) => runBin(args, { env: extra, bin: CLI_BIN });

  before(async () => {
    // A cluster made beforehand (cloudhsm-cli has no cluster plane, as the real one).
    env = { CLOUDHSM_STATE_DIR: await clusterFolder({ password: 'Admin-Pass-1' }) };
    const admin = { ...env, CLOUDHSM_ROLE: 'admin', CLOUDHSM_PIN: 'admin:Admin-Pass-1' };
    assert.equal(cli(['user', 'create', '--username', 'alice', '--role', 'crypto-user', '--password', 'Alice-Pass-1'], admin).status, 0);
  });

  it('user list: the users array with the documented fields and types', () => {
    const r = cli(['user', 'list']);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.json.error_code, 0);
    assert.deepEqual(differences(r.json.data, SHAPES['user list']!), []);
  });

  it('key generate-asymmetric-pair rsa, crypto sign and key list: the documented structures, and the signature verifies', () => {
    const made = cli(['key', 'generate-asymmetric-pair', 'rsa', '--modulus-size-bits', '2048', '--public-exponent', '65537', '--public-label', 'rsa-pub', '--private-label', 'rsa-priv', '--private-attributes', 'sign=true', '--public-attributes', 'verify=true'], crypto());
    assert.equal(made.status, 0, made.stdout);
    assert.deepEqual(differences(made.json.data, SHAPES['key generate-asymmetric-pair rsa']!), []);
    assert.equal(made.json.data.public_key.attributes['check-value'], made.json.data.private_key.attributes['check-value']);

    const message = path.join(tempDir(), 'message.bin');
    fs.writeFileSync(message, 'hello');
    const signed = cli(['crypto', 'sign', 'rsa-pkcs', '--key-filter', 'attr.label=rsa-priv', '--hash-function', 'sha256', '--data-path', message], crypto());
    assert.equal(signed.status, 0, signed.stdout);
    assert.deepEqual(differences(signed.json.data, SHAPES['crypto sign']!), []);
    const verified = cli(['crypto', 'verify', 'rsa-pkcs', '--key-filter', 'attr.label=rsa-pub', '--hash-function', 'sha256', '--data-path', message, '--signature', signed.json.data.signature], crypto());
    assert.deepEqual(verified.json, { error_code: 0, data: { message: 'Signature verified successfully' } });

    for (let i = 0; i < 10; i++) assert.equal(cli(['key', 'generate-symmetric', 'aes', '--label', `k${i}`, '--key-length-bytes', '16'], crypto()).status, 0);
    const listed = cli(['key', 'list'], crypto());
    assert.equal(listed.status, 0, listed.stdout);
    assert.deepEqual(differences(listed.json.data, SHAPES['key list']!), [], 'a first page of 10 with next_token');
    assert.equal(listed.json.data.next_token, '10');
  });

  it('interactive opens the shell, which keeps the login and answers every line with the JSON envelope', () => {
    const r = cli(['interactive'], { ...env, CLOUDHSM_PIN: 'alice:Alice-Pass-1' });
    assert.equal(r.status, 0, r.stderr);
    const piped = runBin(['interactive'], { env: { ...env, CLOUDHSM_PIN: 'alice:Alice-Pass-1' }, bin: CLI_BIN, input: 'login --username alice --role crypto-user\nkey list --filter attr.label=rsa-pub\nlogout\nquit\n' });
    assert.equal(piped.status, 0, piped.stderr);
    const envelopes = piped.stdout.split(/\n(?=\{)/).map((text) => JSON.parse(text) as { error_code: number; data: any });
    assert.deepEqual(envelopes.map((e) => e.error_code), [0, 0, 0]);
    assert.deepEqual(envelopes[0]!.data, { username: 'alice', role: 'crypto-user' });
    assert.equal(envelopes[1]!.data.total_key_count, 1);
    assert.equal(envelopes[2]!.data, 'Logout successful');
  });

  it('failures: error_code 1 with a message string and exit 1; usage errors exit 2', () => {
    const r = cli(['key', 'delete', '--filter', 'attr.label=none'], crypto());
    assert.equal(r.status, 1);
    assert.equal(r.json.error_code, 1);
    assert.equal(r.json.data, 'Key selection criteria matched 0 keys. Refine selection criteria to select a single key.');
    assert.equal(cli(['key', 'list', '--no-such-flag'], crypto()).status, 2);
  });
});

/** Each JSON envelope a shell printed, in order. */
function envelopesOf(stdout: string): Array<{ error_code: number; data: any; code?: string }> {
  return stdout.split(/\n(?=\{)/).filter((t) => t.trim()).map((text) => JSON.parse(text) as { error_code: number; data: any; code?: string });
}

describe('e2e: cloudhsm-cli keeps scripts portable', function () {
  this.timeout(120_000);
  let env: Record<string, string>;
  const admin = () => ({ ...env, CLOUDHSM_ROLE: 'admin', CLOUDHSM_PIN: 'admin:Admin-Pass-1' });
  const cli = (args: string[], extra: Record<string, string> = env, input = '') => runBin(args, { env: extra, bin: CLI_BIN, input });

  before(async () => {
    env = { CLOUDHSM_STATE_DIR: await clusterFolder({ password: 'Admin-Pass-1' }) };
  });

  it('refuses an extension command with exit 2, naming cloudhsm-local, and runs nothing', () => {
    const r = cli(['crypto', 'random', '--length', '16'], { ...env, CLOUDHSM_ROLE: 'crypto-user', CLOUDHSM_PIN: 'alice:x' });
    assert.equal(r.status, 2);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /"crypto random" is a cloudhsm-local extension, not a CloudHSM CLI command.*run it as `cloudhsm-local crypto random`/);
    const group = cli(['cluster']);
    assert.equal(group.status, 0, group.stderr);
    assert.deepEqual(group.json.data.commands, ['cluster activate', 'cluster hsm-info']);
  });

  it('reads a password it would prompt for from piped standard input: the password, then its confirmation', () => {
    const made = cli(['user', 'create', '--username', 'carol', '--role', 'crypto-user'], admin(), 'Carol-Pass-1\nCarol-Pass-1\n');
    assert.equal(made.status, 0, made.stdout);
    assert.deepEqual(made.json, { error_code: 0, data: { username: 'carol', role: 'crypto-user' } });
    const signedIn = cli(['key', 'list'], { ...env, CLOUDHSM_ROLE: 'crypto-user', CLOUDHSM_PIN: 'carol:Carol-Pass-1' });
    assert.equal(signedIn.status, 0, signedIn.stdout);

    const once = cli(['user', 'create', '--username', 'dave', '--role', 'crypto-user'], admin(), 'Dave-Pass-12\n');
    assert.equal(once.status, 1);
    assert.match(once.json.data, /must be confirmed: pipe it in twice/);
    const differ = cli(['user', 'create', '--username', 'dave', '--role', 'crypto-user'], admin(), 'Dave-Pass-12\nDave-Pass-13\n');
    assert.equal(differ.json.data, 'the two passwords piped in differ; nothing was changed');
    assert.equal(cli(['user', 'list']).json.data.users.some((u: { username: string }) => u.username === 'dave'), false);

    const ours = cli(['user', 'create', '--username', 'dave', '--role', 'crypto-user', '--password-stdin'], admin(), 'Dave-Pass-12\n');
    assert.equal(ours.status, 2);
    assert.match(ours.stderr, /--password-stdin is a cloudhsm-local flag; cloudhsm-cli reads the password from standard input/);
  });

  it('interactive: extensions, unknown commands and bad flags come back as the envelope, without the code field the real tool lacks', () => {
    const r = cli(['interactive'], env, 'crypto digest --data aGk=\nuser lst\nuser list --jsn\nhelp cluster\nquit\n');
    assert.equal(r.status, 1);
    const [extension, unknown, flag, help] = envelopesOf(r.stdout);
    assert.deepEqual(extension, { error_code: 1, data: '"crypto digest" is a cloudhsm-local extension, not a CloudHSM CLI command, so a script using it would not run on AWS CloudHSM; run it as `cloudhsm-local crypto digest`' });
    assert.deepEqual(unknown, { error_code: 1, data: 'unknown command under "user"; did you mean `user list`? Type `help` to list the commands.' });
    assert.deepEqual(flag, { error_code: 1, data: 'Nonexistent flag: --jsn; did you mean --json? See `user list --help` for usage.' });
    assert.deepEqual(help!.data.commands, ['cluster activate', 'cluster hsm-info']);
  });
});

describe('e2e: shell --json and the small things', function () {
  this.timeout(120_000);
  let env: Record<string, string>;

  before(async () => {
    env = { CLOUDHSM_STATE_DIR: await clusterFolder({ password: 'Admin-Pass-1' }) };
  });

  it('shell --json answers every line with the envelope, usage errors included (with their code)', () => {
    const r = runBin(['shell', '--json'], { env, input: 'user list\nfrobnicate\nuser list --bogus\n' });
    assert.equal(r.status, 1);
    const [listed, unknown, flag] = envelopesOf(r.stdout);
    assert.equal(listed!.error_code, 0);
    assert.equal(listed!.data.users.length, 2);
    assert.deepEqual(unknown, { error_code: 1, data: 'unknown command. Type `help` to list the commands.', code: 'USAGE' });
    assert.equal(flag!.code, 'USAGE');
  });

  it('-h prints help, and mistyped commands and flags get a suggestion', () => {
    const help = runBin(['user', 'list', '-h'], { env });
    assert.equal(help.status, 0, help.stderr);
    assert.match(help.stdout, /^USAGE/m);
    const command = runBin(['key', 'lsit'], { env });
    assert.equal(command.status, 2);
    assert.match(command.stderr, /did you mean `key list`\?/);
    const flag = runBin(['user', 'list', '--jason'], { env });
    assert.equal(flag.status, 2);
    assert.match(flag.stderr, /Nonexistent flag: --jason; did you mean --json\?/);
  });
});
