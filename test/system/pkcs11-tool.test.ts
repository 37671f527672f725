/**
 * OpenSC's pkcs11-tool (Debian's opensc) through p11-kit's client module
 * (p11-kit-modules' p11-kit-client.so) against `serve --pkcs11`: slots and mechanisms, a wrong
 * PIN, EC and RSA key pairs made through PKCS #11 whose signatures openssl verifies, the CLI
 * seeing those keys, and pkcs11-tool seeing a key the CLI made. The cluster is set up with the
 * project's CLI. Then the acceptance rules shared with the CLI: five wrong PINs lock a user,
 * another user's unshared key is out of reach, and a non-extractable key is never wrapped out.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { runBin, tempDir } from '../support/helpers.js';
import type { Served } from '../support/processes.js';
import { P11KIT_CLIENT_MODULES, PKCS11_ALICE_PIN, findProgram, requireProgram, servePkcs11Cluster } from '../support/system.js';

const ALICE_PIN = PKCS11_ALICE_PIN;
const BOB_PIN = 'bob:Bob-Pass-1';
const CAROL_PIN = 'carol:Carol-Pass-1';

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

describe('system: pkcs11-tool through p11-kit-client.so against serve --pkcs11', function () {
  this.timeout(180_000);
  let tool: string;
  let openssl: string;
  let module: string;
  let work: string;
  let dir: string;
  let socket: string;
  let served: Served | undefined;

  const p11 = (args: string[]): Run => {
    const r = spawnSync(tool, ['--module', module, ...args], {
      cwd: work,
      encoding: 'utf8',
      timeout: 60_000,
      env: { PATH: process.env.PATH, HOME: work, P11_KIT_SERVER_ADDRESS: `unix:path=${socket}` },
    });
    return { status: r.status, stdout: r.stdout, stderr: r.stderr };
  };
  const ok = (args: string[]): string => {
    const r = p11(args);
    assert.equal(r.status, 0, `pkcs11-tool ${args.join(' ')}: ${r.stderr}`);
    return r.stdout;
  };
  const ssl = (args: string[]): Run => {
    const r = spawnSync(openssl, args, { cwd: work, encoding: 'utf8', timeout: 60_000 });
    return { status: r.status, stdout: r.stdout, stderr: r.stderr };
  };
  const asUser = (pin: string, args: string[]) => runBin(args, { env: { CLOUDHSM_STATE_DIR: dir, CLOUDHSM_ROLE: 'crypto-user', CLOUDHSM_PIN: pin } });
  const asAlice = (args: string[]) => asUser(ALICE_PIN, args);
  /** Runs an alice command that must succeed. */
  const made = (args: string[]): void => {
    const r = asAlice([...args, '--json']);
    assert.equal(r.status, 0, r.stderr);
  };

  before(async function () {
    tool = requireProgram(this, 'pkcs11-tool', findProgram(['/usr/bin/pkcs11-tool'], 'pkcs11-tool'), 'apt-get install opensc (see README, "System tests")');
    module = requireProgram(this, "p11-kit's client module", P11KIT_CLIENT_MODULES.find((m) => fs.existsSync(m)), 'apt-get install p11-kit-modules (see README, "System tests")');
    openssl = requireProgram(this, 'openssl', findProgram(['/usr/bin/openssl'], 'openssl'), 'apt-get install openssl');
    work = tempDir('chsm-p11-');
    ({ dir, socket, served } = await servePkcs11Cluster(work, [BOB_PIN, CAROL_PIN]));
    assert.equal(fs.statSync(socket).mode & 0o777, 0o600);
  });

  after(() => {
    if (served?.process.exitCode === null) served.process.kill('SIGKILL');
  });

  it('lists one slot, the cluster\'s token (login required), and the mechanisms of the table', () => {
    const slots = ok(['--list-slots']);
    assert.match(slots, /token label\s+: cluster-[a-z0-9]+/);
    assert.match(slots, /login required/);
    const mechanisms = ok(['--list-mechanisms']);
    for (const m of ['ECDSA-KEY-PAIR-GEN', 'RSA-PKCS-KEY-PAIR-GEN', 'ECDSA,', 'SHA256-RSA-PKCS']) assert.ok(mechanisms.includes(m), `${m} in ${mechanisms}`);
  });

  it('refuses a wrong PIN with CKR_PIN_INCORRECT', () => {
    const r = p11(['--login', '--pin', 'alice:Wrong-Pass-1', '--list-objects']);
    assert.notEqual(r.status, 0);
    assert.match(r.stdout + r.stderr, /CKR_PIN_INCORRECT/);
  });

  it('generates an EC P-256 key pair, signs a SHA-256 digest with CKM_ECDSA, and openssl verifies the signature', () => {
    ok(['--login', '--pin', ALICE_PIN, '--keypairgen', '--key-type', 'EC:prime256v1', '--label', 'p11-ec', '--id', '01', '--usage-sign']);
    const data = path.join(work, 'data.txt');
    fs.writeFileSync(data, 'signed through PKCS #11\n');
    fs.writeFileSync(path.join(work, 'data.sha256'), createHash('sha256').update(fs.readFileSync(data)).digest());
    ok(['--login', '--pin', ALICE_PIN, '--sign', '--mechanism', 'ECDSA', '--id', '01', '--input-file', 'data.sha256', '--output-file', 'ec.sig', '--signature-format', 'openssl']);
    ok(['--login', '--pin', ALICE_PIN, '--read-object', '--type', 'pubkey', '--id', '01', '--output-file', 'ec-pub.der']);
    const verified = ssl(['dgst', '-sha256', '-verify', 'ec-pub.der', '-keyform', 'DER', '-signature', 'ec.sig', 'data.txt']);
    assert.equal(verified.status, 0, verified.stderr);
    assert.match(verified.stdout, /Verified OK/);
    // A changed message does not verify.
    fs.writeFileSync(path.join(work, 'other.txt'), 'something else\n');
    assert.notEqual(ssl(['dgst', '-sha256', '-verify', 'ec-pub.der', '-keyform', 'DER', '-signature', 'ec.sig', 'other.txt']).status, 0);
  });

  it('generates an RSA 2048 key pair and signs with SHA256-RSA-PKCS; openssl verifies', () => {
    ok(['--login', '--pin', ALICE_PIN, '--keypairgen', '--key-type', 'rsa:2048', '--label', 'p11-rsa', '--id', '02', '--usage-sign']);
    ok(['--login', '--pin', ALICE_PIN, '--sign', '--mechanism', 'SHA256-RSA-PKCS', '--id', '02', '--input-file', 'data.txt', '--output-file', 'rsa.sig']);
    ok(['--login', '--pin', ALICE_PIN, '--read-object', '--type', 'pubkey', '--id', '02', '--output-file', 'rsa-pub.der']);
    const verified = ssl(['dgst', '-sha256', '-verify', 'rsa-pub.der', '-keyform', 'DER', '-signature', 'rsa.sig', 'data.txt']);
    assert.equal(verified.status, 0, verified.stderr);
  });

  it('five wrong PINs lock the user as on the CLI: then the right PIN is refused through PKCS #11 and the CLI alike', () => {
    for (let i = 1; i <= 5; i++) {
      const r = p11(['--login', '--pin', `carol:Wrong-Pass-${i}`, '--list-objects']);
      assert.notEqual(r.status, 0);
      assert.match(r.stdout + r.stderr, i < 5 ? /CKR_PIN_INCORRECT/ : /CKR_PIN_LOCKED/, `attempt ${i}`);
    }
    const right = p11(['--login', '--pin', CAROL_PIN, '--list-objects']);
    assert.notEqual(right.status, 0);
    assert.match(right.stdout + right.stderr, /CKR_PIN_LOCKED/);
    const cli = asUser(CAROL_PIN, ['key', 'list', '--json']);
    assert.notEqual(cli.status, 0);
    assert.equal(JSON.parse(cli.stdout).code, 'USER_LOCKED');
  });

  it('another crypto user neither finds nor signs with alice\'s unshared key', () => {
    const listed = ok(['--login', '--pin', BOB_PIN, '--list-objects', '--type', 'privkey']);
    assert.doesNotMatch(listed, /p11-ec/);
    const r = p11(['--login', '--pin', BOB_PIN, '--sign', '--mechanism', 'ECDSA', '--id', '01', '--input-file', 'data.sha256', '--output-file', 'bob.sig']);
    assert.notEqual(r.status, 0);
    assert.match(r.stdout + r.stderr, /not found|No .*key/i);
  });

  it('wraps an extractable key out with RSA-PKCS (the CLI unwraps it back to the same key), never a non-extractable one (CKR_KEY_UNEXTRACTABLE)', () => {
    made(['key', 'generate-asymmetric-pair', 'rsa', '--modulus-size-bits', '2048', '--public-exponent', '65537', '--public-label', 'rsa-kek', '--private-label', 'rsa-kek', '--public-attributes', 'wrap=true', 'id=0x20', '--private-attributes', 'unwrap=true', 'id=0x20']);
    made(['key', 'generate-symmetric', 'aes', '--label', 'free-aes', '--key-length-bytes', '32', '--attributes', 'id=0x21']);
    made(['key', 'generate-symmetric', 'aes', '--label', 'locked-aes', '--key-length-bytes', '32', '--attributes', 'extractable=false', 'id=0x22']);
    const login = ['--login', '--pin', ALICE_PIN];
    const wrapped = p11([...login, '--wrap', '--mechanism', 'RSA-PKCS', '--id', '20', '--application-id', '21', '--output-file', 'free.wrapped']);
    assert.equal(wrapped.status, 0, wrapped.stderr);
    assert.equal(fs.statSync(path.join(work, 'free.wrapped')).size, 256);
    const refused = p11([...login, '--wrap', '--mechanism', 'RSA-PKCS', '--id', '20', '--application-id', '22', '--output-file', 'locked.wrapped']);
    assert.notEqual(refused.status, 0);
    assert.match(refused.stdout + refused.stderr, /CKR_KEY_UNEXTRACTABLE/);
    assert.ok(!fs.existsSync(path.join(work, 'locked.wrapped')) || fs.statSync(path.join(work, 'locked.wrapped')).size === 0);
    // The CLI unwraps it with the private key: the same key (check value) comes back.
    const back = asAlice(['key', 'unwrap', 'rsa-pkcs', '--filter', 'attr.label=rsa-kek', 'attr.class=private-key', '--data-path', path.join(work, 'free.wrapped'), '--key-type-class', 'aes', '--label', 'free-back', '--json']);
    assert.equal(back.status, 0, back.stderr);
    const checkValue = (label: string) => {
      const r = asAlice(['key', 'list', '--filter', `attr.label=${label}`, '--verbose', '--json']);
      return (JSON.parse(r.stdout).data.matched_keys[0].attributes as { 'check-value': string })['check-value'];
    };
    assert.equal(checkValue('free-back'), checkValue('free-aes'));
  });

  it('the CLI sees the keys made through PKCS #11, and pkcs11-tool a key the CLI made', () => {
    const listed = asAlice(['key', 'list', '--filter', 'attr.label=p11-ec', '--json']);
    assert.equal(listed.status, 0, listed.stderr);
    assert.equal(JSON.parse(listed.stdout).data.total_key_count, 2);
    const made = asAlice(['key', 'generate-asymmetric-pair', 'ec', '--curve', 'secp384r1', '--public-label', 'cli-ec', '--private-label', 'cli-ec', '--private-attributes', 'sign=true', '--json']);
    assert.equal(made.status, 0, made.stderr);
    const objects = ok(['--login', '--pin', ALICE_PIN, '--list-objects', '--type', 'privkey']);
    assert.match(objects, /label:\s+cli-ec/);
    assert.match(objects, /label:\s+p11-ec/);
  });
});
