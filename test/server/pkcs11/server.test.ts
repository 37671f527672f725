/**
 * The PKCS #11 server at the protocol level: a client made of the codec speaks to it over its
 * Unix socket as p11-kit-client.so does (version byte, framed calls), so these run without any
 * Debian package. They walk the states PKCS #11 programs go through (uninitialized, public
 * session, logged in, locked out) and check CKR values, not messages.
 */
import assert from 'node:assert/strict';
import { createPublicKey, verify as nodeVerify, createHash } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { CKA, CKF, CKM, CKO, CKR, CKU } from '../../../src/server/pkcs11/constants.js';
import { listenPkcs11, PROTOCOL_VERSION, socketError } from '../../../src/server/pkcs11/server.js';
import { runBin, tempDir } from '../../support/helpers.js';
import { CALL_IDS, encodeMessage, type Attribute } from '../../../src/server/pkcs11/rpc.js';
import { ALICE_PIN, BOB_PIN, Client, P256, bool, bytes, noParams, pkcs11Fixture, ulong, type Pkcs11Fixture } from '../../support/pkcs11-client.js';

describe('PKCS #11 server (protocol level)', function () {
  this.timeout(120_000);
  let fixture: Pkcs11Fixture;
  let socketPath: string;
  let logged: string[];
  const clients: Client[] = [];
  const open = () => fixture.open();
  const session = (c: Client, pin = ALICE_PIN) => c.session(pin);
  const find = (c: Client, s: bigint, template: Attribute[]) => c.find(s, template);

  async function ecPair(c: Client, s: bigint, label: string, token = true): Promise<{ pub: bigint; priv: bigint }> {
    const [pub, priv] = await c.ok('C_GenerateKeyPair', [
      s,
      noParams(CKM.EC_KEY_PAIR_GEN),
      [bool(CKA.TOKEN, token), bool(CKA.VERIFY, true), bytes(CKA.EC_PARAMS, P256), bytes(CKA.LABEL, label), bytes(CKA.ID, Uint8Array.of(7))],
      [ulong(CKA.CLASS, CKO.PRIVATE_KEY), bool(CKA.TOKEN, token), bool(CKA.SIGN, true), bool(CKA.SENSITIVE, true), bytes(CKA.LABEL, label)],
    ]);
    return { pub: pub as bigint, priv: priv as bigint };
  }

  before(async () => {
    fixture = await pkcs11Fixture();
    ({ socketPath, logged } = fixture);
  });

  after(() => {
    for (const c of clients) c.close();
    fixture.close();
  });

  it('listens on an owner-only socket and refuses to take over a live one', async () => {
    assert.equal(fs.statSync(socketPath).mode & 0o777, 0o600);
    await assert.rejects(listenPkcs11(net.createServer(), socketPath), /another server is listening/);
  });

  describe('the socket path', () => {
    /** A socket file left behind by a server that was killed (SIGKILL: nothing removed it). */
    function staleSocket(file: string): void {
      const script = `require('node:net').createServer().listen(${JSON.stringify(file)}, () => process.kill(process.pid, 'SIGKILL'))`;
      spawnSync(process.execPath, ['-e', script]);
      assert.ok(fs.lstatSync(file).isSocket());
    }
    const listenOn = async (file: string) => {
      const server = net.createServer();
      await listenPkcs11(server, file);
      return server;
    };

    it('takes over a stale socket of its own user, and makes it owner-only', async () => {
      const file = path.join(tempDir(), 's.sock');
      staleSocket(file);
      const server = await listenOn(file);
      assert.equal(fs.statSync(file).mode & 0o777, 0o600);
      server.close();
    });

    it('refuses, and leaves in place, a file, a link or another user\'s stale socket at the path', async () => {
      const dir = tempDir();
      const file = path.join(dir, 'plain');
      fs.writeFileSync(file, 'keep me');
      await assert.rejects(listenOn(file), /plain exists and is not a socket; remove it or give another path with --socket/);
      assert.equal(fs.readFileSync(file, 'utf8'), 'keep me');
      const target = path.join(dir, 'target.sock');
      staleSocket(target);
      fs.symlinkSync(target, path.join(dir, 'link.sock'));
      await assert.rejects(listenOn(path.join(dir, 'link.sock')), /link.sock exists and is not a socket/);
      assert.ok(fs.lstatSync(path.join(dir, 'link.sock')).isSymbolicLink());
      if (process.getuid?.() === 0) {
        fs.chownSync(target, 65534, 65534);
        await assert.rejects(listenOn(target), /target.sock is a socket of another user \(uid 65534\), not ours to take over; give another path with --socket/);
        assert.equal(fs.lstatSync(target).uid, 65534);
      }
    });

    it('names a missing folder, a file in place of the folder and an over-long path, with the fix', async () => {
      await assert.rejects(listenOn(path.join(tempDir(), 'no', 'such', 's.sock')), /cannot listen on .*s\.sock: the folder .*such does not exist; create it or give another path with --socket/);
      const file = path.join(tempDir(), 'file');
      fs.writeFileSync(file, '');
      await assert.rejects(listenOn(path.join(file, 's.sock')), /cannot listen on .*s\.sock: .*file is not a folder; give another path with --socket/);
      await assert.rejects(listenOn(path.join(tempDir(), 'x'.repeat(120))), /Unix sockets allow 107\. Give a shorter one with --socket/);
      // A folder that cannot be looked at (here a loop of links; a folder of another user's likewise) fails the look itself.
      const loop = path.join(tempDir(), 'loop');
      fs.symlinkSync(loop, loop);
      await assert.rejects(listenOn(path.join(loop, 's.sock')), /cannot listen on .*loop\/s\.sock: ELOOP.*; give another path with --socket/);
    });

    it('serve --pkcs11 with a socket it cannot make exits 1 with the reason, announcing nothing', () => {
      const run = runBin(['serve', '--port', '0', '--pkcs11', '--socket', path.join(tempDir(), 'gone', 's.sock')], { env: { CLOUDHSM_STATE_DIR: tempDir() } });
      assert.equal(run.status, 1, run.stderr);
      assert.match(run.stderr, /cannot serve PKCS #11: cannot listen on .*gone\/s\.sock: the folder .*gone does not exist; create it or give another path with --socket/);
      assert.doesNotMatch(run.stderr, /Listening|PKCS #11 on unix/);
    });

    it('turns each system error into what went wrong and what to do', () => {
      const err = (code: string) => Object.assign(new Error(`${code} raw`), { code });
      const cases: Array<[string, RegExp]> = [
        ['EACCES', /cannot listen on \/x\/s\.sock: permission denied; give a path in a folder you can write with --socket/],
        ['EPERM', /permission denied \(the socket or its folder belongs to another user\)/],
        ['EROFS', /\/x is on a read-only file system/],
        ['ENOTDIR', /\/x is not a folder/],
        ['EADDRINUSE', /another process created \/x\/s\.sock just now/],
        ['EIO', /EIO raw; give another path with --socket/],
      ];
      for (const [code, expected] of cases) assert.match(socketError(err(code), '/x/s.sock', 'listen on').message, expected);
    });
  });

  it('answers every client version with protocol version 0', async () => {
    for (const v of [0, 1, 2]) {
      const { client, version } = await Client.connect(socketPath, v);
      clients.push(client);
      assert.equal(version, PROTOCOL_VERSION);
    }
  });

  it('refuses calls before C_Initialize and a C_Initialize without the handshake', async () => {
    const { client } = await Client.connect(socketPath);
    clients.push(client);
    assert.equal(await client.ckr('C_GetSlotList', [0, 0]), CKR.CRYPTOKI_NOT_INITIALIZED);
    assert.equal(await client.ckr('C_Initialize', [{ bytes: new Uint8Array(Buffer.from('HELLO')) }, 0, { bytes: new Uint8Array(1) }]), CKR.GENERAL_ERROR);
  });

  it('lists one slot per cluster with a token that needs a login, and the mechanisms of the table', async () => {
    const c = await open();
    const [size] = await c.ok('C_GetSlotList', [1, 0]);
    assert.deepEqual(size, { values: null, length: 1 });
    assert.deepEqual((await c.ok('C_GetSlotList', [1, 4]))[0], { values: [0n] });
    const token = await c.ok('C_GetTokenInfo', [0n]);
    const flags = Number(token[4]);
    assert.ok(flags & CKF.LOGIN_REQUIRED && flags & CKF.RNG && flags & 0x400, `token flags 0x${flags.toString(16)}`);
    assert.equal(await c.ckr('C_GetTokenInfo', [5n]), CKR.SLOT_ID_INVALID);
    const [mechs] = await c.ok('C_GetMechanismList', [0n, 100]);
    const list = (mechs as { values: bigint[] }).values.map(Number);
    for (const m of [CKM.EC_KEY_PAIR_GEN, CKM.ECDSA, 0x1044, CKM.RSA_PKCS_KEY_PAIR_GEN, 0x40, CKM.RSA_PKCS_PSS]) assert.ok(list.includes(m), `mechanism 0x${m.toString(16)} listed`);
    const [min, max, mflags] = await c.ok('C_GetMechanismInfo', [0n, BigInt(CKM.EC_KEY_PAIR_GEN)]);
    assert.deepEqual([min, max], [224n, 521n]);
    assert.ok(Number(mflags) & CKF.GENERATE_KEY_PAIR);
    assert.equal(await c.ckr('C_GetMechanismInfo', [0n, BigInt(CKM.AES_CTR)]), CKR.MECHANISM_INVALID);
    assert.equal(await c.ckr('C_GetMechanismInfo', [0n, BigInt(CKM.DES_CBC)]), CKR.MECHANISM_INVALID);
  });

  it('refuses to use keys before login and finds nothing without one', async () => {
    const c = await open();
    const [s] = await c.ok('C_OpenSession', [0n, BigInt(CKF.SERIAL_SESSION)]);
    assert.deepEqual(await find(c, s as bigint, []), []);
    assert.equal(await c.ckr('C_SignInit', [s!, noParams(CKM.ECDSA), 1n]), CKR.USER_NOT_LOGGED_IN);
    assert.equal(await c.ckr('C_GenerateRandom', [s!, 16]), CKR.USER_NOT_LOGGED_IN);
    assert.equal(await c.ckr('C_OpenSession', [0n, 0n]), CKR.SESSION_PARALLEL_NOT_SUPPORTED);
    assert.equal(await c.ckr('C_CloseSession', [99n]), CKR.SESSION_HANDLE_INVALID);
  });

  it('counts wrong PINs toward the core lockout: five lock the user, and then even the right PIN is refused', async () => {
    const c = await open();
    const [s] = await c.ok('C_OpenSession', [0n, BigInt(CKF.SERIAL_SESSION)]);
    const pin = (p: string) => ({ bytes: new Uint8Array(Buffer.from(p)) });
    assert.equal(await c.ckr('C_Login', [s!, BigInt(CKU.USER), pin('no-colon')]), CKR.PIN_INCORRECT);
    assert.equal(await c.ckr('C_Login', [s!, BigInt(CKU.SO), pin('carol:carol-Pass1')]), CKR.USER_TYPE_INVALID);
    for (let i = 0; i < 4; i++) assert.equal(await c.ckr('C_Login', [s!, BigInt(CKU.USER), pin('carol:wrong-Pass1')]), CKR.PIN_INCORRECT);
    assert.equal(await c.ckr('C_Login', [s!, BigInt(CKU.USER), pin('carol:wrong-Pass1')]), CKR.PIN_LOCKED);
    assert.equal(await c.ckr('C_Login', [s!, BigInt(CKU.USER), pin('carol:carol-Pass1')]), CKR.PIN_LOCKED);
    assert.ok(!logged.some((l) => l.includes('wrong-Pass1') || l.includes('carol-Pass1')), 'no PIN reaches the log');
  });

  it('generates an EC key pair, finds it by class, label and id, answers its attributes, and signs what node verifies', async () => {
    const c = await open();
    const s = await session(c);
    assert.equal(await c.ckr('C_Login', [s, BigInt(CKU.USER), { bytes: new Uint8Array(Buffer.from(ALICE_PIN)) }]), CKR.USER_ALREADY_LOGGED_IN);
    const { pub, priv } = await ecPair(c, s, 'p11-ec');
    assert.deepEqual(await find(c, s, [ulong(CKA.CLASS, CKO.PRIVATE_KEY), bytes(CKA.LABEL, 'p11-ec')]), [priv]);
    assert.deepEqual(await find(c, s, [bytes(CKA.ID, Uint8Array.of(7)), ulong(CKA.CLASS, CKO.PUBLIC_KEY)]), [pub]);
    assert.deepEqual(await find(c, s, [bytes(CKA.LABEL, 'p11-ec'), ulong(CKA.KEY_TYPE, 3)]), [pub, priv].sort());
    assert.deepEqual(await find(c, s, [bytes(CKA.LABEL, 'no-such-label')]), []);

    const [attrs, rv] = await c.ok('C_GetAttributeValue', [s, pub, [{ type: CKA.EC_POINT, length: 0 }, { type: CKA.EC_POINT, length: 100 }, { type: CKA.VERIFY, length: 1 }, { type: CKA.CLASS, length: 8 }]]);
    assert.equal(rv, BigInt(CKR.OK));
    const [size, point, verifyFlag, cls] = attrs as Attribute[];
    assert.ok(!size!.unavailable && size!.length === 67 && size!.value.kind === 'bytes' && size!.value.bytes === null, 'a size query gets the length alone');
    assert.ok(!point!.unavailable && point!.value.kind === 'bytes');
    const der = Buffer.from(point!.value.bytes!);
    assert.deepEqual([der[0], der[1], der[2]], [0x04, 65, 0x04], 'CKA_EC_POINT is the DER OCTET STRING of the uncompressed point');
    assert.deepEqual(verifyFlag, bool(CKA.VERIFY, true));
    assert.deepEqual(cls, { type: CKA.CLASS, length: 8, value: { kind: 'ulong', ulong: BigInt(CKO.PUBLIC_KEY) } });

    const [secret, rv2] = await c.ok('C_GetAttributeValue', [s, priv, [{ type: CKA.VALUE, length: 64 }, { type: CKA.SIGN, length: 1 }]]);
    assert.equal(rv2, BigInt(CKR.ATTRIBUTE_SENSITIVE));
    assert.deepEqual((secret as Attribute[])[0], { type: CKA.VALUE, unavailable: true });
    const [, rv3] = await c.ok('C_GetAttributeValue', [s, priv, [{ type: 0x12345, length: 8 }]]);
    assert.equal(rv3, BigInt(CKR.ATTRIBUTE_TYPE_INVALID));
    const [, rv4] = await c.ok('C_GetAttributeValue', [s, pub, [{ type: CKA.EC_POINT, length: 10 }]]);
    assert.equal(rv4, BigInt(CKR.BUFFER_TOO_SMALL));

    // CKM_ECDSA_SHA256 (0x1044) hashes on the server; node verifies the raw r‖s.
    const data = new Uint8Array(Buffer.from('message to sign'));
    const publicKey = createPublicKey({ key: Buffer.concat([Buffer.from('3059301306072a8648ce3d020106082a8648ce3d030107034200', 'hex'), der.subarray(2)]), format: 'der', type: 'spki' });
    await c.ok('C_SignInit', [s, noParams(0x1044), priv]);
    const [sizeOnly] = await c.ok('C_Sign', [s, { bytes: data }, 0]);
    assert.deepEqual(sizeOnly, { bytes: null, length: 64 }, 'a size query leaves the operation active');
    const [sig] = await c.ok('C_Sign', [s, { bytes: data }, 64]);
    const signature = (sig as { bytes: Uint8Array }).bytes;
    assert.ok(nodeVerify('sha256', data, { key: publicKey, dsaEncoding: 'ieee-p1363' }, signature));
    assert.equal(await c.ckr('C_Sign', [s, { bytes: data }, 64]), CKR.OPERATION_NOT_INITIALIZED, 'C_Sign ends the operation');

    // CKM_ECDSA signs a digest; C_Verify checks it through the core.
    const digest = new Uint8Array(createHash('sha256').update(data).digest());
    await c.ok('C_SignInit', [s, noParams(CKM.ECDSA), priv]);
    const [sig2] = await c.ok('C_Sign', [s, { bytes: digest }, 64]);
    await c.ok('C_VerifyInit', [s, noParams(CKM.ECDSA), pub]);
    await c.ok('C_Verify', [s, { bytes: digest }, sig2!]);
    const bad = Buffer.from((sig2 as { bytes: Uint8Array }).bytes);
    bad[5]! ^= 1;
    await c.ok('C_VerifyInit', [s, noParams(CKM.ECDSA), pub]);
    assert.equal(await c.ckr('C_Verify', [s, { bytes: digest }, { bytes: new Uint8Array(bad) }]), CKR.SIGNATURE_INVALID);
    await c.ok('C_SignInit', [s, noParams(CKM.ECDSA), priv]);
    assert.equal(await c.ckr('C_Sign', [s, { bytes: new Uint8Array(17) }, 64]), CKR.DATA_LEN_RANGE);

    // Wrong mechanism, wrong key class, unknown handle.
    assert.equal(await c.ckr('C_SignInit', [s, noParams(CKM.AES_GCM), priv]), CKR.MECHANISM_INVALID);
    assert.equal(await c.ckr('C_SignInit', [s, noParams(0x40), priv]), CKR.KEY_TYPE_INCONSISTENT);
    assert.equal(await c.ckr('C_SignInit', [s, noParams(CKM.ECDSA), pub]), CKR.KEY_TYPE_INCONSISTENT);
    assert.equal(await c.ckr('C_SignInit', [s, noParams(CKM.ECDSA), 987654n]), CKR.KEY_HANDLE_INVALID);
    assert.equal(await c.ckr('C_GetAttributeValue', [s, 987654n, [{ type: CKA.LABEL, length: 0 }]]), CKR.OBJECT_HANDLE_INVALID);

    const [rand] = await c.ok('C_GenerateRandom', [s, 32]);
    assert.equal((rand as { bytes: Uint8Array }).bytes.length, 32);
  });

  it('checks templates: a missing curve, a read-only attribute, an unknown curve and the core\'s attribute rules', async () => {
    const c = await open();
    const s = await session(c);
    const gen = (pub: Attribute[], priv: Attribute[] = []) => c.ckr('C_GenerateKeyPair', [s, noParams(CKM.EC_KEY_PAIR_GEN), pub, priv]);
    assert.equal(await gen([bytes(CKA.LABEL, 'x')]), CKR.TEMPLATE_INCOMPLETE);
    assert.equal(await gen([bytes(CKA.EC_PARAMS, P256), bool(CKA.LOCAL, true)]), CKR.ATTRIBUTE_READ_ONLY);
    assert.equal(await gen([bytes(CKA.EC_PARAMS, Uint8Array.of(6, 3, 1, 2, 3))]), CKR.CURVE_NOT_SUPPORTED);
    // keys.md §2: derive stays false on a public key (the core's rule, as the CLI applies it).
    assert.equal(await gen([bytes(CKA.EC_PARAMS, P256), bool(CKA.DERIVE, true)]), CKR.TEMPLATE_INCONSISTENT);
    assert.equal(await gen([bytes(CKA.EC_PARAMS, P256), bool(CKA.TOKEN, true)], [bool(CKA.TOKEN, false)]), CKR.TEMPLATE_INCONSISTENT);
    assert.equal(await gen([bytes(CKA.EC_PARAMS, P256)], [ulong(CKA.CLASS, CKO.PUBLIC_KEY)]), CKR.TEMPLATE_INCONSISTENT);
    assert.equal(await c.ckr('C_GenerateKeyPair', [s, noParams(CKM.ECDSA), [], []]), CKR.MECHANISM_INVALID);
    const [ro] = await c.ok('C_OpenSession', [0n, BigInt(CKF.SERIAL_SESSION)]);
    assert.equal(
      await c.ckr('C_GenerateKeyPair', [ro!, noParams(CKM.EC_KEY_PAIR_GEN), [bytes(CKA.EC_PARAMS, P256), bool(CKA.TOKEN, true)], [bool(CKA.SIGN, true)]]),
      CKR.SESSION_READ_ONLY,
    );
  });

  it('signs with RSA PKCS #1 v1.5 and PSS as the core does', async () => {
    const c = await open();
    const s = await session(c);
    const [pub, priv] = await c.ok('C_GenerateKeyPair', [
      s,
      noParams(CKM.RSA_PKCS_KEY_PAIR_GEN),
      [bool(CKA.TOKEN, false), bool(CKA.VERIFY, true), ulong(CKA.MODULUS_BITS, 2048), bytes(CKA.LABEL, 'p11-rsa')],
      [bool(CKA.SIGN, true)],
    ]);
    const [attrs] = await c.ok('C_GetAttributeValue', [s, pub!, [{ type: CKA.MODULUS, length: 256 }, { type: CKA.PUBLIC_EXPONENT, length: 8 }]]);
    const [n, e] = (attrs as Attribute[]).map((a) => (a.unavailable ? Buffer.alloc(0) : Buffer.from((a.value as { bytes: Uint8Array }).bytes)));
    const publicKey = createPublicKey({ key: { kty: 'RSA', n: n!.toString('base64url'), e: e!.toString('base64url') }, format: 'jwk' });
    const data = new Uint8Array(Buffer.from('rsa data'));
    await c.ok('C_SignInit', [s, noParams(0x40), priv!]);
    await c.ok('C_SignUpdate', [s, { bytes: data.subarray(0, 3) }]);
    await c.ok('C_SignUpdate', [s, { bytes: data.subarray(3) }]);
    const [sig] = await c.ok('C_SignFinal', [s, 256]);
    assert.ok(nodeVerify('sha256', data, publicKey, (sig as { bytes: Uint8Array }).bytes));
    const pss = { type: CKM.RSA_PKCS_PSS, params: { kind: 'pss' as const, hashAlg: 0x250n, mgf: 2n, saltLength: 32n } };
    const digest = new Uint8Array(createHash('sha256').update(data).digest());
    await c.ok('C_SignInit', [s, pss, priv!]);
    const [pssSig] = await c.ok('C_Sign', [s, { bytes: digest }, 256]);
    assert.ok(nodeVerify('sha256', data, { key: publicKey, padding: 6, saltLength: 32 }, (pssSig as { bytes: Uint8Array }).bytes));
    assert.equal(await c.ckr('C_SignInit', [s, { ...pss, params: { ...pss.params, mgf: 99n } }, priv!]), CKR.MECHANISM_PARAM_INVALID);
    // A session key (CKA_TOKEN false) ends with the login.
    await c.ok('C_Logout', [s]);
    await c.ok('C_Login', [s, BigInt(CKU.USER), { bytes: new Uint8Array(Buffer.from(ALICE_PIN)) }]);
    assert.deepEqual(await find(c, s, [bytes(CKA.LABEL, 'p11-rsa')]), []);
  });

  it('keeps another user\'s private key out of reach: not found, not usable', async () => {
    const a = await open();
    const sa = await session(a);
    const { priv } = await ecPair(a, sa, 'alice-only');
    const b = await open();
    const sb = await session(b, BOB_PIN);
    assert.deepEqual(await find(b, sb, [bytes(CKA.LABEL, 'alice-only'), ulong(CKA.CLASS, CKO.PRIVATE_KEY)]), []);
    assert.equal(await b.ckr('C_SignInit', [sb, noParams(CKM.ECDSA), priv]), CKR.KEY_HANDLE_INVALID);
    assert.equal(await b.ckr('C_GetAttributeValue', [sb, priv, [{ type: CKA.LABEL, length: 0 }]]), CKR.OBJECT_HANDLE_INVALID);
  });

  it('answers a call it does not implement with CKR_FUNCTION_NOT_SUPPORTED', async () => {
    const c = await open();
    assert.equal(await c.ckr('C_CopyObject', [1n, 1n, []]), CKR.FUNCTION_NOT_SUPPORTED);
    assert.equal(await c.ckr('C_DigestKey', [1n, 1n]), CKR.FUNCTION_NOT_SUPPORTED);
  });

  it('closes a connection that breaks the protocol, and goes on serving the others', async () => {
    const bad = await open();
    const good = await open();
    const garbled = encodeMessage(CALL_IDS.C_GetSlotList!, 'request', [1, 0]).subarray(0, 9);
    await assert.rejects(bad.raw(garbled), /closed the connection/);
    assert.ok(bad.closed);
    const zero = await open();
    zero.writeRaw(Buffer.alloc(12));
    await new Promise((r) => setTimeout(r, 100));
    assert.ok(zero.closed, 'a frame with code 0 closes the connection');
    assert.deepEqual((await good.ok('C_GetSlotList', [1, 4]))[0], { values: [0n] });
    assert.ok(logged.some((l) => l.includes('broke the protocol')));
  });
});
