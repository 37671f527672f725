/**
 * The PKCS #11 server's secret-key and data calls at the protocol level (encoded frames over its
 * socket): C_GenerateKey, the Encrypt and Decrypt families (AES-GCM and AES-CBC with the
 * parameters p11-kit 0.25 forwards, RSA-OAEP as 0.24 does), HMAC through C_Sign / C_Verify, the
 * Digest family, the buffer-size rules, the CKR_* of each refusal, and an attacker's sequences.
 * Results are checked against node:crypto with the key bytes read from the test's own store.
 */
import assert from 'node:assert/strict';
import { createCipheriv, createHash, createHmac, createPublicKey, publicEncrypt, constants as cryptoConstants } from 'node:crypto';
import fc from 'fast-check';
import { perform, type Caller } from '../../../src/core/engine.js';
import { listKeys } from '../../../src/core/keys/operations.js';
import { byLabel } from '../../../src/core/keys/selector.js';
import { CKA, CKF, CKM, CKO, CKR, CKU } from '../../../src/server/pkcs11/constants.js';
import { MAX_GCM_IV_BYTES, readCipherMechanism, readHmacMechanism } from '../../../src/server/pkcs11/crypto.js';
import { CkrError } from '../../../src/server/pkcs11/errors.js';
import type { Attribute, Mechanism, MechanismParams, Value } from '../../../src/server/pkcs11/rpc.js';
import { ALICE_PIN, BOB_PIN, bool, bytes, noParams, pkcs11Fixture, ulong, type Client, type Pkcs11Fixture } from '../../support/pkcs11-client.js';
import { propertyRuns } from '../../support/property.js';

const CKK_AES = 0x1f;
const CKK_GENERIC_SECRET = 0x10;
const CKM_SHA256 = 0x250;
const CKM_SHA256_HMAC = 0x251;
const CKM_SHA_1 = 0x220;
const CKG_MGF1_SHA1 = 1n;
const CKG_MGF1_SHA256 = 2n;
/** p11-kit 0.25's version byte: the dialect that carries GCM and CBC parameters. */
const P11KIT_025 = 1;

const gcm = (iv: Uint8Array, aad: Uint8Array | null = null, tagBits = 128): Mechanism => ({ type: CKM.AES_GCM, params: { kind: 'gcm', iv, ivBits: BigInt(iv.length * 8), aad, tagBits: BigInt(tagBits) } });
const cbc = (type: number, iv: Uint8Array): Mechanism => ({ type, params: { kind: 'iv', iv } });
const oaep = (hashAlg = BigInt(CKM_SHA256), mgf = CKG_MGF1_SHA256, label: Uint8Array | null = null, source = 1n): Mechanism => ({ type: CKM.RSA_PKCS_OAEP, params: { kind: 'oaep', hashAlg, mgf, source, sourceData: label } });
const out = (v: Value | undefined) => Buffer.from((v as { bytes: Uint8Array }).bytes);
const data = (text: string) => ({ bytes: new Uint8Array(Buffer.from(text)) });
const raw = (b: Uint8Array | Buffer) => ({ bytes: new Uint8Array(b) });

describe('PKCS #11 server: secret keys, encryption, HMAC and digests (protocol level)', function () {
  this.timeout(120_000);
  let fixture: Pkcs11Fixture;
  const alice: Caller = { credentials: { username: 'alice', password: 'alice-Pass1', role: 'crypto-user' } };

  /** A token key's bytes, from the test's own store, for node:crypto's side of the checks. */
  const material = async (ref: bigint) =>
    Buffer.from((await fixture.ctx.store.read((v) => v.list<{ ref: number; material: string }>('key/').map(([, k]) => k))).find((k) => BigInt(k.ref) === ref)!.material, 'base64');

  async function secretKey(c: Client, s: bigint, label: string, template: Attribute[], type: number = CKM.AES_KEY_GEN): Promise<bigint> {
    const [handle] = await c.ok('C_GenerateKey', [s, noParams(type), [bytes(CKA.LABEL, label), ...template]]);
    return handle as bigint;
  }
  const aesKey = (c: Client, s: bigint, label: string, extra: Attribute[] = []) =>
    secretKey(c, s, label, [ulong(CKA.VALUE_LEN, 32), bool(CKA.TOKEN, true), bool(CKA.ENCRYPT, true), bool(CKA.DECRYPT, true), ...extra]);

  async function rsaPair(c: Client, s: bigint, label: string, pub: Attribute[] = [bool(CKA.ENCRYPT, true)]): Promise<{ pub: bigint; priv: bigint; publicKey: ReturnType<typeof createPublicKey> }> {
    const [p, q] = await c.ok('C_GenerateKeyPair', [s, noParams(CKM.RSA_PKCS_KEY_PAIR_GEN), [ulong(CKA.MODULUS_BITS, 2048), bytes(CKA.LABEL, label), ...pub], [bool(CKA.DECRYPT, true)]]);
    const [attrs] = await c.ok('C_GetAttributeValue', [s, p!, [{ type: CKA.MODULUS, length: 256 }, { type: CKA.PUBLIC_EXPONENT, length: 8 }]]);
    const [n, e] = (attrs as Attribute[]).map((a) => (a.unavailable ? Buffer.alloc(0) : Buffer.from((a.value as { bytes: Uint8Array }).bytes)));
    return { pub: p as bigint, priv: q as bigint, publicKey: createPublicKey({ key: { kty: 'RSA', n: n!.toString('base64url'), e: e!.toString('base64url') }, format: 'jwk' }) };
  }

  before(async () => {
    fixture = await pkcs11Fixture();
  });

  after(() => fixture.close());

  it('lists the mechanisms that now work, with their flags and key sizes, wrapping flags only on those that also wrap', async () => {
    const c = await fixture.open();
    const [mechs] = await c.ok('C_GetMechanismList', [0n, 200]);
    const list = (mechs as { values: bigint[] }).values.map(Number);
    const info = async (m: number) => (await c.ok('C_GetMechanismInfo', [0n, BigInt(m)])).map(Number);
    const expect: Array<[number, number, number?, number?]> = [
      [CKM.AES_KEY_GEN, CKF.GENERATE, 16, 32],
      [CKM.GENERIC_SECRET_KEY_GEN, CKF.GENERATE, 1, 800],
      // CKM_AES_GCM also unwraps (objects.ts), and CKM_RSA_PKCS_OAEP wraps and unwraps.
      [CKM.AES_GCM, CKF.ENCRYPT | CKF.DECRYPT | CKF.UNWRAP, 16, 32],
      [CKM.AES_CBC, CKF.ENCRYPT | CKF.DECRYPT],
      [CKM.AES_CBC_PAD, CKF.ENCRYPT | CKF.DECRYPT],
      [CKM.RSA_PKCS_OAEP, CKF.ENCRYPT | CKF.DECRYPT | CKF.WRAP | CKF.UNWRAP, 2048, 4096],
      [CKM_SHA256_HMAC, CKF.SIGN | CKF.VERIFY],
      [CKM.SHA256_HMAC_GENERAL, CKF.SIGN | CKF.VERIFY],
      [CKM_SHA256, CKF.DIGEST, 0, 0],
      [CKM_SHA_1, CKF.DIGEST],
    ];
    for (const [m, flags, min, max] of expect) {
      assert.ok(list.includes(m), `0x${m.toString(16)} listed`);
      const [lo, hi, f] = await info(m);
      assert.equal(f! & (flags | CKF.WRAP | CKF.UNWRAP | CKF.GENERATE_KEY_PAIR), flags, `flags of 0x${m.toString(16)}: 0x${f!.toString(16)}`);
      if (min !== undefined) assert.deepEqual([lo, hi], [min, max]);
    }
    // The key-pair and signature mechanisms keep theirs.
    assert.equal((await info(CKM.EC_KEY_PAIR_GEN))[2]! & CKF.GENERATE_KEY_PAIR, CKF.GENERATE_KEY_PAIR);
    assert.equal((await info(CKM.AES_GCM))[2]! & CKF.SIGN, 0);
  });

  it('generates AES and generic secret keys, token and session, with the template\'s attributes', async () => {
    const c = await fixture.open();
    const s = await c.session(ALICE_PIN);
    for (const length of [16, 24, 32]) {
      const k = await secretKey(c, s, `aes-${length}`, [ulong(CKA.CLASS, CKO.SECRET_KEY), ulong(CKA.KEY_TYPE, CKK_AES), ulong(CKA.VALUE_LEN, length), bool(CKA.TOKEN, true), bool(CKA.ENCRYPT, true), bytes(CKA.ID, Uint8Array.of(length))]);
      const [attrs, rv] = await c.ok('C_GetAttributeValue', [s, k, [CKA.VALUE_LEN, CKA.CLASS, CKA.KEY_TYPE, CKA.ENCRYPT, CKA.DECRYPT, CKA.TOKEN, CKA.LOCAL, CKA.KEY_GEN_MECHANISM, CKA.ID].map((type) => ({ type, length: 8 }))]);
      assert.equal(rv, BigInt(CKR.OK));
      assert.deepEqual(attrs, [
        ulong(CKA.VALUE_LEN, length),
        ulong(CKA.CLASS, CKO.SECRET_KEY),
        ulong(CKA.KEY_TYPE, CKK_AES),
        bool(CKA.ENCRYPT, true),
        bool(CKA.DECRYPT, false),
        bool(CKA.TOKEN, true),
        bool(CKA.LOCAL, true),
        ulong(CKA.KEY_GEN_MECHANISM, CKM.AES_KEY_GEN),
        bytes(CKA.ID, Uint8Array.of(length)),
      ]);
      assert.equal((await material(k)).length, length);
    }
    // The CLI's core sees the token key with the attributes the template set.
    const { keys } = await perform(fixture.ctx, listKeys, { filter: byLabel('aes-24'), maxItems: 10 }, alice);
    assert.equal(keys.length, 1);
    assert.ok(keys[0]!.attributes.encrypt && keys[0]!.attributes.token && keys[0]!.keyType === 'aes' && keys[0]!.keyLengthBytes === 24);

    const mac = await secretKey(c, s, 'p11-generic', [ulong(CKA.VALUE_LEN, 64), bool(CKA.SIGN, true), bool(CKA.VERIFY, true), ulong(CKA.KEY_TYPE, CKK_GENERIC_SECRET)], CKM.GENERIC_SECRET_KEY_GEN);
    const [[len]] = (await c.ok('C_GetAttributeValue', [s, mac, [{ type: CKA.VALUE_LEN, length: 8 }]])) as [Attribute[]];
    assert.deepEqual(len, ulong(CKA.VALUE_LEN, 64));
    // A session key (the default, CKA_TOKEN false) is found until the login ends, and never reaches the store.
    await secretKey(c, s, 'p11-session-aes', [ulong(CKA.VALUE_LEN, 16)]);
    assert.equal((await c.find(s, [bytes(CKA.LABEL, 'p11-session-aes')])).length, 1);
    assert.equal((await perform(fixture.ctx, listKeys, { filter: byLabel('p11-session-aes'), maxItems: 10 }, alice)).keys.length, 0);
    await c.ok('C_Logout', [s]);
    await c.ok('C_Login', [s, BigInt(CKU.USER), data(ALICE_PIN)]);
    assert.deepEqual(await c.find(s, [bytes(CKA.LABEL, 'p11-session-aes')]), []);
  });

  it('refuses bad generation templates with the CKR_* PKCS #11 names', async () => {
    const c = await fixture.open();
    const [pub] = await c.ok('C_OpenSession', [0n, BigInt(CKF.SERIAL_SESSION)]);
    assert.equal(await c.ckr('C_GenerateKey', [pub!, noParams(CKM.AES_KEY_GEN), [ulong(CKA.VALUE_LEN, 16)]]), CKR.USER_NOT_LOGGED_IN);
    const s = await c.session(ALICE_PIN);
    const gen = (template: Attribute[], m: Mechanism = noParams(CKM.AES_KEY_GEN)) => c.ckr('C_GenerateKey', [s, m, template]);
    assert.equal(await gen([]), CKR.TEMPLATE_INCOMPLETE);
    assert.equal(await gen([ulong(CKA.VALUE_LEN, 20)]), CKR.ATTRIBUTE_VALUE_INVALID);
    assert.equal(await gen([ulong(CKA.VALUE_LEN, 801)], noParams(CKM.GENERIC_SECRET_KEY_GEN)), CKR.ATTRIBUTE_VALUE_INVALID);
    assert.equal(await gen([ulong(CKA.VALUE_LEN, 0)], noParams(CKM.GENERIC_SECRET_KEY_GEN)), CKR.ATTRIBUTE_VALUE_INVALID);
    assert.equal(await gen([ulong(CKA.VALUE_LEN, 16), ulong(CKA.CLASS, CKO.PRIVATE_KEY)]), CKR.TEMPLATE_INCONSISTENT);
    assert.equal(await gen([ulong(CKA.VALUE_LEN, 16), ulong(CKA.KEY_TYPE, CKK_GENERIC_SECRET)]), CKR.TEMPLATE_INCONSISTENT);
    assert.equal(await gen([ulong(CKA.VALUE_LEN, 16), bytes(CKA.VALUE, new Uint8Array(16))]), CKR.ATTRIBUTE_READ_ONLY);
    assert.equal(await gen([ulong(CKA.VALUE_LEN, 16), bytes(CKA.EC_PARAMS, new Uint8Array(2))]), CKR.ATTRIBUTE_TYPE_INVALID);
    assert.equal(await gen([ulong(CKA.VALUE_LEN, 16)], noParams(CKM.EC_KEY_PAIR_GEN)), CKR.MECHANISM_INVALID);
    assert.equal(await gen([ulong(CKA.VALUE_LEN, 16)], { type: CKM.AES_KEY_GEN, params: { kind: 'bytes', bytes: Uint8Array.of(1) } }), CKR.MECHANISM_PARAM_INVALID);
    const [ro] = await c.ok('C_OpenSession', [0n, BigInt(CKF.SERIAL_SESSION)]);
    assert.equal(await c.ckr('C_GenerateKey', [ro!, noParams(CKM.AES_KEY_GEN), [ulong(CKA.VALUE_LEN, 16), bool(CKA.TOKEN, true)]]), CKR.SESSION_READ_ONLY);
    assert.equal((await perform(fixture.ctx, listKeys, { filter: byLabel('pkcs11'), maxItems: 10 }, alice)).keys.length, 0, 'no refused template made a key');
  });

  it('AES-GCM (p11-kit 0.25 parameters): ciphertext‖tag as node makes it, size queries, parts, a changed tag refused', async () => {
    const c = await fixture.open(P11KIT_025);
    const s = await c.session(ALICE_PIN);
    const key = await aesKey(c, s, 'p11-gcm');
    const iv = new Uint8Array(12).fill(7);
    const aad = new Uint8Array(Buffer.from('header'));
    const message = Buffer.from('AES-GCM through the p11-kit protocol, 0.25 dialect');
    const node = createCipheriv('aes-256-gcm', await material(key), iv).setAAD(aad);
    const expected = Buffer.concat([node.update(message), node.final(), node.getAuthTag()]);

    await c.ok('C_EncryptInit', [s, gcm(iv, aad), key]);
    assert.equal(await c.ckr('C_EncryptInit', [s, gcm(iv, aad), key]), CKR.OPERATION_ACTIVE);
    assert.deepEqual((await c.ok('C_Encrypt', [s, raw(message), 0]))[0], { bytes: null, length: message.length + 16 }, 'a size query');
    assert.deepEqual((await c.ok('C_Encrypt', [s, raw(message), 10]))[0], { bytes: null, length: message.length + 16 }, 'too little room: the length, the operation goes on');
    assert.deepEqual(out((await c.ok('C_Encrypt', [s, raw(message), 4096]))[0]), expected);
    assert.equal(await c.ckr('C_Encrypt', [s, raw(message), 4096]), CKR.OPERATION_NOT_INITIALIZED, 'C_Encrypt ends the operation');

    await c.ok('C_DecryptInit', [s, gcm(iv, aad), key]);
    assert.deepEqual(out((await c.ok('C_Decrypt', [s, raw(expected), 4096]))[0]), message);
    // In parts: the same bytes; GCM releases nothing before C_*Final.
    await c.ok('C_EncryptInit', [s, gcm(iv, aad), key]);
    assert.deepEqual((await c.ok('C_EncryptUpdate', [s, raw(message.subarray(0, 5)), 64]))[0], { bytes: new Uint8Array(0) });
    await c.ok('C_EncryptUpdate', [s, raw(message.subarray(5)), 64]);
    assert.equal(await c.ckr('C_Encrypt', [s, raw(message), 4096]), CKR.OPERATION_ACTIVE);
    assert.deepEqual((await c.ok('C_EncryptFinal', [s, 0]))[0], { bytes: null, length: expected.length });
    assert.deepEqual(out((await c.ok('C_EncryptFinal', [s, 4096]))[0]), expected);
    await c.ok('C_DecryptInit', [s, gcm(iv, aad), key]);
    for (let i = 0; i < expected.length; i += 16) assert.deepEqual((await c.ok('C_DecryptUpdate', [s, raw(expected.subarray(i, i + 16)), 64]))[0], { bytes: new Uint8Array(0) });
    assert.deepEqual(out((await c.ok('C_DecryptFinal', [s, 4096]))[0]), message);

    const changed = Buffer.from(expected);
    changed[changed.length - 1]! ^= 1;
    await c.ok('C_DecryptInit', [s, gcm(iv, aad), key]);
    assert.equal(await c.ckr('C_Decrypt', [s, raw(changed), 4096]), CKR.ENCRYPTED_DATA_INVALID);
    assert.equal(await c.ckr('C_Decrypt', [s, raw(expected), 4096]), CKR.OPERATION_NOT_INITIALIZED, 'a refusal ends the operation');
    await c.ok('C_DecryptInit', [s, gcm(iv, new Uint8Array(0)), key]);
    assert.equal(await c.ckr('C_Decrypt', [s, raw(expected), 4096]), CKR.ENCRYPTED_DATA_INVALID, 'other AAD');
    await c.ok('C_DecryptInit', [s, gcm(iv, aad), key]);
    assert.equal(await c.ckr('C_Decrypt', [s, raw(expected.subarray(0, 15)), 4096]), CKR.ENCRYPTED_DATA_LEN_RANGE);

    // A 96-bit tag and a 16-byte IV; what node makes with them.
    const iv16 = new Uint8Array(16).fill(3);
    await c.ok('C_EncryptInit', [s, gcm(iv16, null, 96), key]);
    const short = out((await c.ok('C_Encrypt', [s, raw(message), 4096]))[0]);
    const node96 = createCipheriv('aes-256-gcm', await material(key), iv16, { authTagLength: 12 });
    assert.deepEqual(short, Buffer.concat([node96.update(message), node96.final(), node96.getAuthTag()]));

    // Parameters the HSM does not take.
    for (const m of [gcm(iv, aad, 100), gcm(new Uint8Array(0)), gcm(new Uint8Array(MAX_GCM_IV_BYTES + 1)), { type: CKM.AES_GCM, params: { kind: 'gcm' as const, iv: null, ivBits: 0n, aad: null, tagBits: 128n } }]) {
      assert.equal(await c.ckr('C_EncryptInit', [s, m, key]), CKR.MECHANISM_PARAM_INVALID);
    }
  });

  it('AES-GCM and AES-CBC from a p11-kit 0.24 client: no parameters arrive, so CKR_MECHANISM_PARAM_INVALID (CBC\'s raw IV is taken)', async () => {
    const c = await fixture.open(0);
    const s = await c.session(ALICE_PIN);
    const key = await aesKey(c, s, 'p11-024');
    assert.equal(await c.ckr('C_EncryptInit', [s, noParams(CKM.AES_GCM), key]), CKR.MECHANISM_PARAM_INVALID);
    assert.equal(await c.ckr('C_EncryptInit', [s, { type: CKM.AES_GCM, params: { kind: 'bytes', bytes: new Uint8Array(40) } }, key]), CKR.MECHANISM_PARAM_INVALID);
    assert.equal(await c.ckr('C_EncryptInit', [s, noParams(CKM.AES_CBC_PAD), key]), CKR.MECHANISM_PARAM_INVALID);
    const iv = new Uint8Array(16).fill(1);
    await c.ok('C_EncryptInit', [s, { type: CKM.AES_CBC_PAD, params: { kind: 'bytes', bytes: iv } }, key]);
    const node = createCipheriv('aes-256-cbc', await material(key), iv);
    assert.deepEqual(out((await c.ok('C_Encrypt', [s, data('raw IV'), 64]))[0]), Buffer.concat([node.update('raw IV'), node.final()]));
  });

  it('AES-CBC and AES-CBC-PAD: node\'s bytes, whole blocks only without padding, wrong padding refused', async () => {
    const c = await fixture.open(P11KIT_025);
    const s = await c.session(ALICE_PIN);
    const key = await aesKey(c, s, 'p11-cbc');
    const keyBytes = await material(key);
    const iv = new Uint8Array(16).fill(5);
    const message = Buffer.from('forty bytes of message for AES-CBC here!');
    const nodePad = createCipheriv('aes-256-cbc', keyBytes, iv);
    const padded = Buffer.concat([nodePad.update(message), nodePad.final()]);
    await c.ok('C_EncryptInit', [s, cbc(CKM.AES_CBC_PAD, iv), key]);
    assert.deepEqual((await c.ok('C_Encrypt', [s, raw(message), 0]))[0], { bytes: null, length: 48 });
    assert.deepEqual(out((await c.ok('C_Encrypt', [s, raw(message), 48]))[0]), padded);
    await c.ok('C_DecryptInit', [s, cbc(CKM.AES_CBC_PAD, iv), key]);
    assert.deepEqual((await c.ok('C_Decrypt', [s, raw(padded), 0]))[0], { bytes: null, length: 48 }, 'an upper bound before decrypting');
    assert.deepEqual((await c.ok('C_Decrypt', [s, raw(padded), 39]))[0], { bytes: null, length: 40 }, 'too little room: the exact length, the operation goes on');
    assert.deepEqual(out((await c.ok('C_Decrypt', [s, raw(padded), 40]))[0]), message);

    const blocks = message.subarray(0, 32);
    const nodeRaw = createCipheriv('aes-256-cbc', keyBytes, iv).setAutoPadding(false);
    const unpadded = Buffer.concat([nodeRaw.update(blocks), nodeRaw.final()]);
    await c.ok('C_EncryptInit', [s, cbc(CKM.AES_CBC, iv), key]);
    assert.deepEqual(out((await c.ok('C_Encrypt', [s, raw(blocks), 32]))[0]), unpadded);
    await c.ok('C_DecryptInit', [s, cbc(CKM.AES_CBC, iv), key]);
    assert.deepEqual(out((await c.ok('C_Decrypt', [s, raw(unpadded), 32]))[0]), blocks);
    await c.ok('C_EncryptInit', [s, cbc(CKM.AES_CBC, iv), key]);
    assert.equal(await c.ckr('C_Encrypt', [s, raw(message), 64]), CKR.DATA_LEN_RANGE);
    await c.ok('C_DecryptInit', [s, cbc(CKM.AES_CBC_PAD, iv), key]);
    assert.equal(await c.ckr('C_Decrypt', [s, raw(padded.subarray(1)), 64]), CKR.ENCRYPTED_DATA_LEN_RANGE);
    // The unpadded encryption of whole blocks has no valid PKCS #7 padding at its end (its last byte is not 1 to 16, or the bytes before it disagree).
    await c.ok('C_DecryptInit', [s, cbc(CKM.AES_CBC_PAD, iv), key]);
    const unpadded2 = createCipheriv('aes-256-cbc', keyBytes, iv).setAutoPadding(false);
    const badPadding = Buffer.concat([unpadded2.update(Buffer.alloc(16, 0x20)), unpadded2.final()]);
    assert.equal(await c.ckr('C_Decrypt', [s, raw(badPadding), 64]), CKR.ENCRYPTED_DATA_INVALID);
    await c.ok('C_EncryptInit', [s, cbc(CKM.AES_CBC, iv), key]);
    await c.ok('C_EncryptUpdate', [s, raw(message.subarray(0, 20)), 64]);
    assert.equal(await c.ckr('C_EncryptFinal', [s, 64]), CKR.DATA_LEN_RANGE, '4 bytes short of a block at the end');
  });

  it('AES-CBC in parts gives the bytes of one call, for any way of cutting the message (fast-check)', async () => {
    const c = await fixture.open(P11KIT_025);
    const s = await c.session(ALICE_PIN);
    const key = await aesKey(c, s, 'p11-cbc-parts');
    const keyBytes = await material(key);
    const iv = new Uint8Array(16).fill(9);
    const run = async (call: 'Encrypt' | 'Decrypt', m: number, input: Buffer, cuts: number[]): Promise<Buffer> => {
      await c.ok(`C_${call}Init`, [s, cbc(m, iv), key]);
      const pieces: Buffer[] = [];
      let at = 0;
      for (const cut of [...cuts.filter((x) => x <= input.length)].sort((a, b) => a - b)) {
        const [size] = await c.ok(`C_${call}Update`, [s, raw(input.subarray(at, cut)), 0]);
        pieces.push(out((await c.ok(`C_${call}Update`, [s, raw(input.subarray(at, cut)), Math.max(1, (size as { length: number }).length)]))[0]));
        at = cut;
      }
      pieces.push(out((await c.ok(`C_${call}Update`, [s, raw(input.subarray(at)), input.length + 16]))[0]));
      pieces.push(out((await c.ok(`C_${call}Final`, [s, 32]))[0]));
      return Buffer.concat(pieces);
    };
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 80 }), fc.array(fc.nat({ max: 80 }), { maxLength: 4 }), fc.boolean(), async (plain, cuts, pad) => {
        const message = pad ? Buffer.from(plain) : Buffer.from(plain.subarray(0, plain.length - (plain.length % 16)));
        const node = createCipheriv('aes-256-cbc', keyBytes, iv).setAutoPadding(pad);
        const expected = Buffer.concat([node.update(message), node.final()]);
        const m = pad ? CKM.AES_CBC_PAD : CKM.AES_CBC;
        assert.deepEqual(await run('Encrypt', m, message, cuts), expected);
        assert.deepEqual(await run('Decrypt', m, expected, cuts), message);
      }),
      { numRuns: propertyRuns(25) },
    );
  });

  it('RSA-OAEP (SHA-256 and SHA-1, with a label): node encrypts what C_Decrypt opens, and C_Encrypt round-trips', async () => {
    const c = await fixture.open();
    const s = await c.session(ALICE_PIN);
    const { pub, priv, publicKey } = await rsaPair(c, s, 'p11-oaep');
    const label = new Uint8Array(Buffer.from('a label'));
    const secret = Buffer.from('a secret under RSA-OAEP');
    for (const [hash, ckm, mgf] of [['sha256', CKM_SHA256, CKG_MGF1_SHA256], ['sha1', CKM_SHA_1, CKG_MGF1_SHA1]] as const) {
      const sealed = publicEncrypt({ key: publicKey, padding: cryptoConstants.RSA_PKCS1_OAEP_PADDING, oaepHash: hash, oaepLabel: label }, secret);
      await c.ok('C_DecryptInit', [s, oaep(BigInt(ckm), mgf, label), priv]);
      const upper = 256 - 2 * (hash === 'sha256' ? 32 : 20) - 2;
      assert.deepEqual((await c.ok('C_Decrypt', [s, raw(sealed), 0]))[0], { bytes: null, length: upper });
      assert.deepEqual((await c.ok('C_Decrypt', [s, raw(sealed), 5]))[0], { bytes: null, length: secret.length }, 'too little room: the exact length');
      assert.deepEqual(out((await c.ok('C_Decrypt', [s, raw(sealed), secret.length]))[0]), secret, 'room for the plaintext, less than the bound, is enough');
      await c.ok('C_EncryptInit', [s, oaep(BigInt(ckm), mgf), pub]);
      assert.deepEqual((await c.ok('C_Encrypt', [s, raw(secret), 0]))[0], { bytes: null, length: 256 });
      const ciphertext = (await c.ok('C_Encrypt', [s, raw(secret), 256]))[0];
      await c.ok('C_DecryptInit', [s, oaep(BigInt(ckm), mgf), priv]);
      assert.deepEqual(out((await c.ok('C_Decrypt', [s, ciphertext!, 256]))[0]), secret);
    }
    await c.ok('C_DecryptInit', [s, oaep(), priv]);
    assert.equal(await c.ckr('C_Decrypt', [s, raw(new Uint8Array(256)), 256]), CKR.ENCRYPTED_DATA_INVALID);
    await c.ok('C_DecryptInit', [s, oaep(), priv]);
    assert.equal(await c.ckr('C_Decrypt', [s, raw(new Uint8Array(255)), 256]), CKR.ENCRYPTED_DATA_LEN_RANGE);
    await c.ok('C_EncryptInit', [s, oaep(), pub]);
    assert.equal(await c.ckr('C_Encrypt', [s, raw(new Uint8Array(256 - 66 + 1)), 256]), CKR.DATA_LEN_RANGE);
    await c.ok('C_EncryptInit', [s, oaep(), pub]);
    assert.equal(await c.ckr('C_EncryptUpdate', [s, raw(secret), 256]), CKR.FUNCTION_NOT_SUPPORTED, 'RSA-OAEP is single-part');
    for (const m of [oaep(0x1234n), oaep(BigInt(CKM_SHA256), 99n), oaep(BigInt(CKM_SHA256), CKG_MGF1_SHA256, label, 2n), oaep(BigInt(CKM_SHA256), CKG_MGF1_SHA256, label, 0n)]) {
      assert.equal(await c.ckr('C_EncryptInit', [s, m, pub]), CKR.MECHANISM_PARAM_INVALID);
    }
    assert.equal(await c.ckr('C_EncryptInit', [s, oaep(), priv]), CKR.KEY_TYPE_INCONSISTENT, 'the private half does not encrypt');
    assert.equal(await c.ckr('C_DecryptInit', [s, oaep(), pub]), CKR.KEY_TYPE_INCONSISTENT);
  });

  it('HMAC through C_Sign and C_Verify with a generic secret: node\'s MAC, parts, _GENERAL lengths, refusals', async () => {
    const c = await fixture.open(P11KIT_025);
    const s = await c.session(ALICE_PIN);
    const key = await secretKey(c, s, 'p11-hmac', [ulong(CKA.VALUE_LEN, 32), bool(CKA.TOKEN, true)], CKM.GENERIC_SECRET_KEY_GEN);
    const message = Buffer.from('HMAC through PKCS #11');
    const expected = createHmac('sha256', await material(key)).update(message).digest();
    await c.ok('C_SignInit', [s, noParams(CKM_SHA256_HMAC), key]);
    assert.deepEqual((await c.ok('C_Sign', [s, raw(message), 0]))[0], { bytes: null, length: 32 });
    assert.deepEqual(out((await c.ok('C_Sign', [s, raw(message), 32]))[0]), expected);
    await c.ok('C_SignInit', [s, noParams(CKM_SHA256_HMAC), key]);
    await c.ok('C_SignUpdate', [s, raw(message.subarray(0, 4))]);
    await c.ok('C_SignUpdate', [s, raw(message.subarray(4))]);
    assert.deepEqual(out((await c.ok('C_SignFinal', [s, 32]))[0]), expected);
    await c.ok('C_VerifyInit', [s, noParams(CKM_SHA256_HMAC), key]);
    await c.ok('C_Verify', [s, raw(message), raw(expected)]);
    await c.ok('C_VerifyInit', [s, noParams(CKM_SHA256_HMAC), key]);
    await c.ok('C_VerifyUpdate', [s, raw(message)]);
    await c.ok('C_VerifyFinal', [s, raw(expected)]);
    const wrong = Buffer.from(expected);
    wrong[0]! ^= 1;
    await c.ok('C_VerifyInit', [s, noParams(CKM_SHA256_HMAC), key]);
    assert.equal(await c.ckr('C_Verify', [s, raw(message), raw(wrong)]), CKR.SIGNATURE_INVALID);
    await c.ok('C_VerifyInit', [s, noParams(CKM_SHA256_HMAC), key]);
    assert.equal(await c.ckr('C_Verify', [s, raw(message), raw(expected.subarray(1))]), CKR.SIGNATURE_LEN_RANGE);
    // CKM_SHA256_HMAC_GENERAL: a 16-byte MAC, the full one's first half.
    const general = (length: bigint): Mechanism => ({ type: CKM.SHA256_HMAC_GENERAL, params: { kind: 'mac-general', macLength: length } });
    await c.ok('C_SignInit', [s, general(16n), key]);
    assert.deepEqual(out((await c.ok('C_Sign', [s, raw(message), 64]))[0]), expected.subarray(0, 16));
    assert.equal(await c.ckr('C_SignInit', [s, general(4n), key]), CKR.MECHANISM_PARAM_INVALID);
    assert.equal(await c.ckr('C_SignInit', [s, general(33n), key]), CKR.MECHANISM_PARAM_INVALID);
    // An AES key is no HMAC key here; a key without sign=true is refused at C_SignInit.
    const aes = await aesKey(c, s, 'p11-not-hmac');
    assert.equal(await c.ckr('C_SignInit', [s, noParams(CKM_SHA256_HMAC), aes]), CKR.KEY_TYPE_INCONSISTENT);
    const noSign = await secretKey(c, s, 'p11-no-sign', [ulong(CKA.VALUE_LEN, 32), bool(CKA.SIGN, false)], CKM.GENERIC_SECRET_KEY_GEN);
    assert.equal(await c.ckr('C_SignInit', [s, noParams(CKM_SHA256_HMAC), noSign]), CKR.KEY_FUNCTION_NOT_PERMITTED);
    // HMAC and the asymmetric signatures share the one operation of a session.
    const [, priv] = await c.ok('C_GenerateKeyPair', [s, noParams(CKM.EC_KEY_PAIR_GEN), [bytes(CKA.EC_PARAMS, new Uint8Array(Buffer.from('06082a8648ce3d030107', 'hex')))], [bool(CKA.SIGN, true)]]);
    await c.ok('C_SignInit', [s, noParams(CKM_SHA256_HMAC), key]);
    assert.equal(await c.ckr('C_SignInit', [s, noParams(CKM.ECDSA), priv!]), CKR.OPERATION_ACTIVE);
    await c.ok('C_Sign', [s, raw(message), 32]);
    await c.ok('C_SignInit', [s, noParams(CKM.ECDSA), priv!]);
    assert.equal(await c.ckr('C_SignInit', [s, noParams(CKM_SHA256_HMAC), key]), CKR.OPERATION_ACTIVE);
    assert.equal(await c.ckr('C_EncryptInit', [s, gcm(new Uint8Array(12)), aes]), CKR.OPERATION_ACTIVE);
    assert.equal((await c.ok('C_Sign', [s, raw(createHash('sha256').update(message).digest()), 64])).length, 1, 'the ECDSA signature goes on through the server\'s own handler');
  });

  it('digests with SHA-1 and SHA-2, in one part and in parts, with size queries', async () => {
    const c = await fixture.open();
    const [pub] = await c.ok('C_OpenSession', [0n, BigInt(CKF.SERIAL_SESSION)]);
    assert.equal(await c.ckr('C_DigestInit', [pub!, noParams(CKM_SHA256)]), CKR.USER_NOT_LOGGED_IN, 'digests run on the HSM as a crypto user');
    const s = await c.session(ALICE_PIN);
    const message = Buffer.from('digest me');
    for (const [hash, ckm] of [['sha1', 0x220], ['sha224', 0x255], ['sha256', 0x250], ['sha384', 0x260], ['sha512', 0x270]] as const) {
      const expected = createHash(hash).update(message).digest();
      await c.ok('C_DigestInit', [s, noParams(ckm)]);
      assert.deepEqual((await c.ok('C_Digest', [s, raw(message), 0]))[0], { bytes: null, length: expected.length });
      assert.deepEqual((await c.ok('C_Digest', [s, raw(message), 3]))[0], { bytes: null, length: expected.length });
      assert.deepEqual(out((await c.ok('C_Digest', [s, raw(message), 64]))[0]), expected, hash);
      await c.ok('C_DigestInit', [s, noParams(ckm)]);
      await c.ok('C_DigestUpdate', [s, raw(message.subarray(0, 2))]);
      await c.ok('C_DigestUpdate', [s, raw(message.subarray(2))]);
      assert.equal(await c.ckr('C_Digest', [s, raw(message), 64]), CKR.OPERATION_ACTIVE);
      assert.deepEqual(out((await c.ok('C_DigestFinal', [s, 64]))[0]), expected);
    }
    assert.equal(await c.ckr('C_Digest', [s, raw(message), 64]), CKR.OPERATION_NOT_INITIALIZED);
    assert.equal(await c.ckr('C_DigestUpdate', [s, raw(message)]), CKR.OPERATION_NOT_INITIALIZED);
    assert.equal(await c.ckr('C_DigestInit', [s, noParams(CKM.AES_GCM)]), CKR.MECHANISM_INVALID);
    assert.equal(await c.ckr('C_DigestInit', [s, { type: CKM_SHA256, params: { kind: 'bytes', bytes: Uint8Array.of(1) } }]), CKR.MECHANISM_PARAM_INVALID);
    await c.ok('C_DigestInit', [s, noParams(CKM_SHA256)]);
    assert.equal(await c.ckr('C_DigestInit', [s, noParams(CKM_SHA256)]), CKR.OPERATION_ACTIVE);
    assert.equal(await c.ckr('C_DigestKey', [s, 1n]), CKR.FUNCTION_NOT_SUPPORTED);
  });

  it('an attacker: another user\'s unshared key, a key without encrypt=true, a closed session, a logged-out one', async () => {
    const a = await fixture.open(P11KIT_025);
    const sa = await a.session(ALICE_PIN);
    const key = await aesKey(a, sa, 'alice-secret');
    const mac = await secretKey(a, sa, 'alice-mac', [ulong(CKA.VALUE_LEN, 32), bool(CKA.TOKEN, true)], CKM.GENERIC_SECRET_KEY_GEN);
    const b = await fixture.open(P11KIT_025);
    const sb = await b.session(BOB_PIN);
    const iv = new Uint8Array(12);
    assert.deepEqual(await b.find(sb, [bytes(CKA.LABEL, 'alice-secret')]), []);
    assert.equal(await b.ckr('C_EncryptInit', [sb, gcm(iv), key]), CKR.KEY_HANDLE_INVALID);
    assert.equal(await b.ckr('C_DecryptInit', [sb, gcm(iv), key]), CKR.KEY_HANDLE_INVALID);
    assert.equal(await b.ckr('C_SignInit', [sb, noParams(CKM_SHA256_HMAC), mac]), CKR.KEY_HANDLE_INVALID);
    assert.equal(await b.ckr('C_Encrypt', [sb, data('x'), 64]), CKR.OPERATION_NOT_INITIALIZED);

    // aesKey sets decrypt=true; one without encrypt cannot encrypt, at C_EncryptInit.
    const decryptOnly = await secretKey(a, sa, 'decrypt-only', [ulong(CKA.VALUE_LEN, 16), bool(CKA.DECRYPT, true)]);
    assert.equal(await a.ckr('C_EncryptInit', [sa, gcm(iv), decryptOnly]), CKR.KEY_FUNCTION_NOT_PERMITTED);
    assert.equal(await a.ckr('C_EncryptInit', [sa, gcm(iv), mac]), CKR.KEY_TYPE_INCONSISTENT, 'a generic secret does not encrypt');

    // An operation does not survive its session, nor its login.
    const [second] = await a.ok('C_OpenSession', [0n, BigInt(CKF.SERIAL_SESSION)]);
    await a.ok('C_EncryptInit', [second!, gcm(iv), key]);
    await a.ok('C_CloseSession', [second!]);
    assert.equal(await a.ckr('C_Encrypt', [second!, data('x'), 64]), CKR.SESSION_HANDLE_INVALID);
    assert.equal(await a.ckr('C_EncryptFinal', [second!, 64]), CKR.SESSION_HANDLE_INVALID);
    await a.ok('C_EncryptInit', [sa, gcm(iv), key]);
    await a.ok('C_Logout', [sa]);
    // It ended with the login (attacks.test.ts: nor does another user's login on the session finish it).
    assert.equal(await a.ckr('C_Encrypt', [sa, data('x'), 64]), CKR.OPERATION_NOT_INITIALIZED);
    assert.equal(await a.ckr('C_EncryptInit', [sa, gcm(iv), key]), CKR.USER_NOT_LOGGED_IN);
    assert.ok(!fixture.logged.some((l) => l.includes('alice-Pass1') || l.includes('bob-Pass12')), 'no PIN reaches the log');
  });

  it('reads cipher and HMAC parameters into only what the HSM takes, refusing the rest with CKR_MECHANISM_PARAM_INVALID (fast-check)', () => {
    const bytesOrNull = fc.option(fc.uint8Array({ maxLength: 300 }), { nil: null });
    const ulongs = fc.oneof(fc.bigInt({ min: 0n, max: 300n }), fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }));
    const params: fc.Arbitrary<MechanismParams> = fc.oneof(
      bytesOrNull.map((bytes) => ({ kind: 'bytes' as const, bytes })),
      fc.record({ kind: fc.constant('gcm' as const), iv: bytesOrNull, ivBits: ulongs, aad: bytesOrNull, tagBits: ulongs }),
      fc.record({ kind: fc.constant('iv' as const), iv: fc.uint8Array({ maxLength: 32 }) }),
      fc.record({ kind: fc.constant('oaep' as const), hashAlg: fc.oneof(fc.constantFrom(0x220n, 0x250n, 0x255n, 0x260n, 0x270n), ulongs), mgf: ulongs, source: ulongs, sourceData: bytesOrNull }),
      fc.record({ kind: fc.constant('mac-general' as const), macLength: ulongs }),
      fc.record({ kind: fc.constant('pss' as const), hashAlg: ulongs, mgf: ulongs, saltLength: ulongs }),
    );
    const types = fc.constantFrom(CKM.AES_GCM, CKM.AES_CBC, CKM.AES_CBC_PAD, CKM.RSA_PKCS_OAEP, CKM_SHA256_HMAC, CKM.SHA256_HMAC_GENERAL, CKM.AES_CTR, CKM.ECDSA);
    fc.assert(
      fc.property(types, params, (type, p) => {
        const m: Mechanism = { type, params: p };
        for (const read of [readCipherMechanism, readHmacMechanism]) {
          let result;
          try {
            result = read(m);
          } catch (err) {
            assert.ok(err instanceof CkrError, String(err));
            assert.ok(err.ckr === CKR.MECHANISM_PARAM_INVALID || err.ckr === CKR.MECHANISM_INVALID, `CKR 0x${err.ckr.toString(16)}`);
            if (err.ckr === CKR.MECHANISM_INVALID) assert.equal(read, readCipherMechanism);
            continue;
          }
          if (result === undefined) continue;
          if ('params' in result) {
            const r = result.params;
            if (r.kind === 'gcm') assert.ok(r.iv.length >= 1 && r.iv.length <= MAX_GCM_IV_BYTES && [4, 8, 12, 13, 14, 15, 16].includes(r.tagBytes));
            if (r.kind === 'cbc') assert.equal(r.iv.length, 16);
            if (r.kind === 'oaep') assert.ok(['sha1', 'sha224', 'sha256', 'sha384', 'sha512'].includes(r.hash) && ['sha1', 'sha224', 'sha256', 'sha384', 'sha512'].includes(r.mgf));
          } else {
            assert.ok(result.macBytes >= 16 && result.macBytes <= 32, `MAC of ${result.macBytes} bytes`);
          }
        }
      }),
      { numRuns: propertyRuns(2000) },
    );
  });

  it('answers random GCM parameters in encoded 0.25 frames with OK or CKR_MECHANISM_PARAM_INVALID, and stays connected', async () => {
    const c = await fixture.open(P11KIT_025);
    const s = await c.session(ALICE_PIN);
    const key = await aesKey(c, s, 'p11-gcm-fuzz');
    await fc.assert(
      fc.asyncProperty(fc.option(fc.uint8Array({ maxLength: 300 }), { nil: null }), fc.bigInt({ min: 0n, max: 200n }), fc.option(fc.uint8Array({ maxLength: 64 }), { nil: null }), async (iv, tagBits, aad) => {
        const m: Mechanism = { type: CKM.AES_GCM, params: { kind: 'gcm', iv, ivBits: 0n, aad, tagBits } };
        const ckr = await c.ckr('C_EncryptInit', [s, m, key]);
        assert.ok(ckr === CKR.OK || ckr === CKR.MECHANISM_PARAM_INVALID, `CKR 0x${ckr.toString(16)}`);
        if (ckr === CKR.OK) {
          const [ct] = await c.ok('C_Encrypt', [s, data('fuzz'), 64]);
          assert.equal(out(ct).length, 4 + Number(tagBits) / 8);
        }
      }),
      { numRuns: propertyRuns(60) },
    );
    assert.ok(!c.closed);
  });
});
