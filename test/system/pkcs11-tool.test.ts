/**
 * OpenSC's pkcs11-tool (Debian's opensc) through p11-kit's client module
 * (p11-kit-modules' p11-kit-client.so) against `serve --pkcs11`: slots and mechanisms, a wrong
 * PIN, EC and RSA key pairs made through PKCS #11 whose signatures openssl verifies, the CLI
 * seeing those keys, and pkcs11-tool seeing a key the CLI made. The cluster is set up with the
 * project's CLI.
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
  const asAlice = (args: string[]) => runBin(args, { env: { CLOUDHSM_STATE_DIR: dir, CLOUDHSM_ROLE: 'crypto-user', CLOUDHSM_PIN: ALICE_PIN } });

  before(async function () {
    tool = requireProgram(this, 'pkcs11-tool', findProgram(['/usr/bin/pkcs11-tool'], 'pkcs11-tool'), 'apt-get install opensc (see README, "System tests")');
    module = requireProgram(this, "p11-kit's client module", P11KIT_CLIENT_MODULES.find((m) => fs.existsSync(m)), 'apt-get install p11-kit-modules (see README, "System tests")');
    openssl = requireProgram(this, 'openssl', findProgram(['/usr/bin/openssl'], 'openssl'), 'apt-get install openssl');
    work = tempDir('chsm-p11-');
    ({ dir, socket, served } = await servePkcs11Cluster(work));
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
