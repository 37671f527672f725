/**
 * A Python PKCS #11 program (PyKCS11, Debian's python3-pykcs11 for /usr/bin/python3) through
 * p11-kit's client module against `serve --pkcs11`: ECDSA P-256 and RSA-PSS SHA-256 signatures
 * that node:crypto verifies, an RSA-OAEP SHA-256 round trip, and a ciphertext node made with the
 * public key that the program decrypts; a digest and an HMAC; the CLI seeing the keys it made.
 * AES-GCM and AES-CBC go through the real client only when it is p11-kit 0.25 or newer (earlier
 * clients do not forward those mechanisms' parameters); the client's version is read from the
 * first byte it sends to a socket, and an older client's case says why it does not run.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { constants as cryptoConstants, createHash, createPublicKey, publicEncrypt, verify as nodeVerify } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { runBin, tempDir } from '../support/helpers.js';
import { sleep, type Served } from '../support/processes.js';
import { P11KIT_CLIENT_MODULES, PKCS11_ALICE_PIN, findProgram, requireProgram, servePkcs11Cluster } from '../support/system.js';

const ALICE_PIN = PKCS11_ALICE_PIN;
/** The program, beside this test's source (dist/test/system → test/system). */
const SCRIPT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'test', 'system', 'pykcs11_client.py');
const MESSAGE = Buffer.from('signed by a PyKCS11 program through p11-kit');
/** The version byte p11-kit's client opens with: 0 up to 0.24, 1 for 0.25, 2 for 0.26 (rpc.ts). */
const P11KIT_025_PROTOCOL = 1;

/** /usr/bin/python3 when it imports PyKCS11. */
function pythonWithPyKcs11(): string | undefined {
  const python = findProgram(['/usr/bin/python3'], 'python3');
  if (!python) return undefined;
  return spawnSync(python, ['-c', 'import PyKCS11'], { encoding: 'utf8', timeout: 30_000 }).status === 0 ? python : undefined;
}

/** The protocol version p11-kit's client speaks: the byte it sends first to a socket, read by a listener of this test. */
async function clientProtocolVersion(python: string, module: string, dir: string): Promise<number> {
  const socket = path.join(dir, 'probe.sock');
  const probe = net.createServer();
  const first = new Promise<number>((resolve) => probe.on('connection', (c) => c.once('data', (d: Buffer) => {
    resolve(d[0]!);
    c.destroy();
  })));
  await new Promise<void>((resolve) => probe.listen(socket, resolve));
  const child = spawn(python, ['-c', 'import os, PyKCS11\nPyKCS11.PyKCS11Lib().load(os.environ["P11_MODULE"])'], {
    env: { PATH: process.env.PATH, HOME: dir, P11_MODULE: module, P11_KIT_SERVER_ADDRESS: `unix:path=${socket}` },
    stdio: 'ignore',
  });
  try {
    return await Promise.race([first, sleep(20_000).then(() => Promise.reject(new Error('p11-kit-client.so sent nothing to the probe socket in 20 s')))]);
  } finally {
    child.kill('SIGKILL');
    probe.close();
  }
}

interface Run {
  status: number | null;
  result: Record<string, unknown> & { error?: string };
  stderr: string;
}

describe('system: PyKCS11 through p11-kit-client.so against serve --pkcs11', function () {
  this.timeout(180_000);
  let python: string;
  let module: string;
  let work: string;
  let dir: string;
  let socket: string;
  let served: Served | undefined;
  let protocol: number;

  const py = (args: string[]): Run => {
    const r = spawnSync(python, [SCRIPT, ...args], {
      cwd: work,
      encoding: 'utf8',
      timeout: 120_000,
      env: { PATH: process.env.PATH, HOME: work, P11_MODULE: module, P11_PIN: ALICE_PIN, P11_KIT_SERVER_ADDRESS: `unix:path=${socket}` },
    });
    let result: Run['result'];
    try {
      result = JSON.parse(r.stdout) as Run['result'];
    } catch {
      result = { error: `no JSON on stdout: ${r.stdout}` };
    }
    return { status: r.status, result, stderr: r.stderr };
  };
  const ok = (args: string[]): Record<string, unknown> => {
    const r = py(args);
    assert.equal(r.status, 0, `pykcs11_client.py ${args.join(' ')}: ${r.result.error ?? ''} ${r.stderr}`);
    return r.result;
  };
  const asAlice = (args: string[]) => runBin(args, { env: { CLOUDHSM_STATE_DIR: dir, CLOUDHSM_ROLE: 'crypto-user', CLOUDHSM_PIN: ALICE_PIN } });
  const hex = (v: unknown) => Buffer.from(v as string, 'hex');

  before(async function () {
    python = requireProgram(this, 'python3 with PyKCS11', pythonWithPyKcs11(), 'apt-get install python3-pykcs11 (see README, "System tests")');
    module = requireProgram(this, "p11-kit's client module", P11KIT_CLIENT_MODULES.find((m) => fs.existsSync(m)), 'apt-get install p11-kit-modules (see README, "System tests")');
    work = tempDir('chsm-py11-');
    protocol = await clientProtocolVersion(python, module, work);
    ({ dir, socket, served } = await servePkcs11Cluster(work));
  });

  after(() => {
    if (served?.process.exitCode === null) served.process.kill('SIGKILL');
  });

  it('signs with ECDSA P-256 and RSA-PSS SHA-256 (node verifies both), round-trips RSA-OAEP SHA-256, digests and HMACs', () => {
    const r = ok(['signatures']) as Record<string, Record<string, unknown>>;
    const digest = createHash('sha256').update(MESSAGE).digest();

    const ec = r.ec!;
    const point = hex(ec.point);
    assert.deepEqual([point[0], point[1], point[2]], [0x04, 65, 0x04], 'CKA_EC_POINT: the DER OCTET STRING of the uncompressed point');
    const ecKey = createPublicKey({ key: Buffer.concat([Buffer.from('3059301306072a8648ce3d020106082a8648ce3d030107034200', 'hex'), point.subarray(2)]), format: 'der', type: 'spki' });
    assert.ok(nodeVerify('sha256', MESSAGE, { key: ecKey, dsaEncoding: 'ieee-p1363' }, hex(ec.signature)), 'node verifies the ECDSA signature');
    assert.ok(!nodeVerify('sha256', Buffer.from('another message'), { key: ecKey, dsaEncoding: 'ieee-p1363' }, hex(ec.signature)));
    assert.equal(ec.verified, true);

    const rsa = r.rsa!;
    const rsaKey = createPublicKey({ key: { kty: 'RSA', n: hex(rsa.modulus).toString('base64url'), e: hex(rsa.exponent).toString('base64url') }, format: 'jwk' });
    const pss = { key: rsaKey, padding: cryptoConstants.RSA_PKCS1_PSS_PADDING, saltLength: 32 };
    assert.ok(nodeVerify('sha256', MESSAGE, pss, hex(rsa.pss)), 'node verifies the RSA-PSS signature');
    assert.equal(rsa.verified, true);

    assert.equal(hex(r.oaep!.ciphertext).length, 256);
    assert.equal(hex(r.oaep!.plaintext).toString(), 'a secret for RSA-OAEP');
    assert.deepEqual(hex(r.digest), digest);
    assert.equal(hex(r.hmac!.mac).length, 32);
    assert.equal(r.hmac!.verified, true);
  });

  it('decrypts with RSA-OAEP SHA-256 and a label what node encrypted with the public key', () => {
    const listed = asAlice(['key', 'export-public', '--filter', 'attr.label=py-rsa', 'attr.class=public-key', '--json']);
    assert.equal(listed.status, 0, listed.stderr);
    const pem = (JSON.parse(listed.stdout) as { data: { pem: string } }).data.pem;
    const secret = Buffer.from('sealed by node, opened through PyKCS11');
    const sealed = publicEncrypt({ key: pem, padding: cryptoConstants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256', oaepLabel: Buffer.from('py-label') }, secret);
    assert.deepEqual(hex(ok(['oaep-decrypt', sealed.toString('hex')]).plaintext), secret);
    // A changed ciphertext is refused, with the CKR the library names.
    sealed[10]! ^= 1;
    const refused = py(['oaep-decrypt', sealed.toString('hex')]);
    assert.equal(refused.status, 1);
    assert.match(refused.result.error ?? '', /CKR_ENCRYPTED_DATA_INVALID/);
  });

  it('the CLI sees the keys the Python program made', () => {
    for (const [label, count] of [['py-ec', 2], ['py-rsa', 2], ['py-hmac', 1]] as const) {
      const listed = asAlice(['key', 'list', '--filter', `attr.label=${label}`, '--json']);
      assert.equal(listed.status, 0, listed.stderr);
      assert.equal((JSON.parse(listed.stdout) as { data: { total_key_count: number } }).data.total_key_count, count, label);
    }
  });

  it('AES-GCM and AES-CBC-PAD through the real client: round trips with p11-kit 0.25 or newer; the 0.24 client refuses them itself', () => {
    if (protocol < P11KIT_025_PROTOCOL) {
      // The 0.24 client cannot carry CK_GCM_PARAMS or an AES-CBC IV and refuses the mechanisms
      // before the server sees them; the server's AES-GCM and AES-CBC are tested at the protocol
      // level in test/server/pkcs11/crypto.test.ts.
      const r = py(['aes']);
      assert.equal(r.status, 1);
      assert.match(r.result.error ?? '', /CKR_MECHANISM_INVALID/);
      process.stderr.write(`p11-kit-client.so speaks protocol ${protocol} (p11-kit 0.24 or older): AES-GCM and AES-CBC are refused by the client, as expected\n`);
      return;
    }
    const r = ok(['aes']) as Record<string, Record<string, string>>;
    assert.equal(hex(r.gcm!.ciphertext).length, MESSAGE.length + 16, 'ciphertext‖tag');
    assert.deepEqual(hex(r.gcm!.plaintext), MESSAGE);
    assert.equal(hex(r.cbc!.ciphertext).length, Math.ceil((MESSAGE.length + 1) / 16) * 16);
    assert.deepEqual(hex(r.cbc!.plaintext), MESSAGE);
  });
});
