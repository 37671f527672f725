/**
 * The PKCS #11 server's object calls at the protocol level (a codec client on the socket, as
 * p11-kit-client.so speaks): C_WrapKey and C_UnwrapKey with each mechanism of `key wrap` the
 * library offers and the CLI's refusals as CKR values (a non-extractable key, a wrapping key
 * without wrap, wrap-with-trusted, another user's key), C_DestroyObject and C_SetAttributeValue
 * under the owner and attribute rules, C_CreateObject of public keys, a secret key's CKA_VALUE,
 * C_GetObjectSize and C_SeedRandom.
 */
import assert from 'node:assert/strict';
import { createCipheriv, createHash, generateKeyPairSync, sign as nodeSign } from 'node:crypto';
import { perform, type Caller } from '../../../src/core/engine.js';
import { generateKeyPair, generateSymmetric } from '../../../src/core/keys/generate.js';
import { setAttribute, shareKey } from '../../../src/core/keys/operations.js';
import { byReference } from '../../../src/core/keys/selector.js';
import { CKA, CKF, CKM, CKO, CKR } from '../../../src/server/pkcs11/constants.js';
import type { Attribute, Mechanism, Value } from '../../../src/server/pkcs11/rpc.js';
import { ALICE_PIN, BOB_PIN, P256, bool, bytes, noParams, pkcs11Fixture, ulong, type Client, type Pkcs11Fixture } from '../../support/pkcs11-client.js';

const CKK_AES = 31;
const CKK_EC = 3;
const CKK_RSA = 0;
const CKK_GENERIC_SECRET = 16;
const oaep = (hashAlg = 0x250n, mgf = 2n, sourceData: Uint8Array | null = null): Mechanism => ({ type: CKM.RSA_PKCS_OAEP, params: { kind: 'oaep', hashAlg, mgf, source: 1n, sourceData } });
const secretTemplate = (label: string, extra: Attribute[] = []) => [ulong(CKA.CLASS, CKO.SECRET_KEY), ulong(CKA.KEY_TYPE, CKK_AES), bytes(CKA.LABEL, label), ...extra];
const valueOf = (a: Attribute | undefined) => (a && !a.unavailable && a.value.kind === 'bytes' ? Buffer.from(a.value.bytes ?? []) : undefined);

describe('PKCS #11 server: wrap, unwrap and the object calls (protocol level)', function () {
  this.timeout(120_000);
  let fixture: Pkcs11Fixture;
  const alice: Caller = { credentials: { username: 'alice', password: 'alice-Pass1', role: 'crypto-user' } };

  const open = () => fixture.open();
  /** An AES key alice makes with the CLI's operation, with `attributes` (NAME=VALUE). */
  const aes = async (label: string, attributes: string[] = [], keyLengthBytes = 32) =>
    BigInt((await perform(fixture.ctx, generateSymmetric, { clusterId: fixture.clusterId, keyType: 'aes', label, keyLengthBytes, attributes }, alice)).key.ref);
  const attribute = async (c: Client, s: bigint, handle: bigint, type: number, room = 512): Promise<{ attribute: Attribute; ckr: bigint }> => {
    const [attrs, ckr] = await c.ok('C_GetAttributeValue', [s, handle, [{ type, length: room }]]);
    return { attribute: (attrs as Attribute[])[0]!, ckr: ckr as bigint };
  };
  const wrap = async (c: Client, s: bigint, mechanism: Mechanism, wrapping: bigint, key: bigint): Promise<Uint8Array> => {
    const [size] = await c.ok('C_WrapKey', [s, mechanism, wrapping, key, 0]);
    const [out] = await c.ok('C_WrapKey', [s, mechanism, wrapping, key, (size as { length: number }).length]);
    return (out as { bytes: Uint8Array }).bytes;
  };

  before(async () => {
    fixture = await pkcs11Fixture();
  });

  after(() => fixture.close());

  it('lists the wrap mechanisms with CKF_WRAP and CKF_UNWRAP (CKM_AES_GCM unwraps only)', async () => {
    const c = await open();
    const [mechs] = await c.ok('C_GetMechanismList', [0n, 200]);
    const list = (mechs as { values: bigint[] }).values.map(Number);
    for (const m of [CKM.AES_KEY_WRAP, CKM.CLOUDHSM_AES_KEY_WRAP_PKCS5_PAD, CKM.CLOUDHSM_AES_KEY_WRAP_ZERO_PAD, CKM.CLOUDHSM_AES_GCM, CKM.RSA_PKCS_OAEP]) {
      assert.ok(list.includes(m), `0x${m.toString(16)} listed`);
      const [, , flags] = await c.ok('C_GetMechanismInfo', [0n, BigInt(m)]);
      assert.equal(Number(flags) & (CKF.WRAP | CKF.UNWRAP), CKF.WRAP | CKF.UNWRAP);
    }
    const [min, max, gcm] = await c.ok('C_GetMechanismInfo', [0n, BigInt(CKM.AES_GCM)]);
    assert.deepEqual([min, max, Number(gcm) & (CKF.WRAP | CKF.UNWRAP)], [16n, 32n, CKF.UNWRAP]);
    assert.ok(!list.includes(CKM.RSA_AES_KEY_WRAP), 'CKM_RSA_AES_KEY_WRAP is not offered: p11-kit carries no parameter for it');
  });

  it('wraps an AES key with each AES mechanism and unwraps it back to the same key (check value), one wrap per size query and call', async () => {
    const c = await open();
    const s = await c.session(ALICE_PIN);
    const kek = await aes('kek', ['wrap=true', 'unwrap=true']);
    const payload = await aes('payload');
    const checkValue = valueOf((await attribute(c, s, payload, CKA.CHECK_VALUE)).attribute);
    for (const [mechanism, length] of [
      [CKM.AES_KEY_WRAP, 40],
      [CKM.CLOUDHSM_AES_KEY_WRAP_NO_PAD, 40],
      [CKM.CLOUDHSM_AES_KEY_WRAP_PKCS5_PAD, 48],
      [CKM.CLOUDHSM_AES_KEY_WRAP_ZERO_PAD, 40],
      [CKM.CLOUDHSM_AES_GCM, 12 + 32 + 16],
    ] as const) {
      const m = noParams(mechanism);
      const wrapped = await wrap(c, s, m, kek, payload);
      assert.equal(wrapped.length, length, `0x${mechanism.toString(16)} wraps 32 bytes into ${length}`);
      const [made] = await c.ok('C_UnwrapKey', [s, m, kek, { bytes: wrapped }, secretTemplate(`unwrapped-${mechanism}`, [ulong(CKA.VALUE_LEN, 32), bool(CKA.TOKEN, false)])]);
      assert.deepEqual(valueOf((await attribute(c, s, made as bigint, CKA.CHECK_VALUE)).attribute), checkValue);
      assert.deepEqual((await attribute(c, s, made as bigint, CKA.LOCAL)).attribute, bool(CKA.LOCAL, false), 'an unwrapped key was not made in the HSM');
    }
    // A too-small buffer answers the length and keeps the wrap for the call that follows.
    const m = noParams(CKM.CLOUDHSM_AES_GCM);
    const [short] = await c.ok('C_WrapKey', [s, m, kek, payload, 10]);
    assert.deepEqual(short, { bytes: null, length: 60 });
    const [first] = await c.ok('C_WrapKey', [s, m, kek, payload, 60]);
    const [second] = await c.ok('C_WrapKey', [s, m, kek, payload, 60]);
    assert.notDeepEqual(first, second, 'each call past the size query wraps afresh (a new IV)');
    // CKM_AES_GCM (its parameter forwarded by p11-kit 0.25) unwraps with the IV given; its wrap
    // would need the IV written back into the caller's CK_GCM_PARAMS, which p11-kit cannot.
    const gcm = await wrap(c, s, m, kek, payload);
    const c25 = await fixture.open(1);
    const s25 = await c25.session(ALICE_PIN);
    const params = { kind: 'gcm' as const, iv: gcm.subarray(0, 12), ivBits: 96n, aad: null, tagBits: 128n };
    const [made] = await c25.ok('C_UnwrapKey', [s25, { type: CKM.AES_GCM, params }, kek, { bytes: gcm.subarray(12) }, secretTemplate('gcm-back')]);
    assert.deepEqual(valueOf((await attribute(c25, s25, made as bigint, CKA.CHECK_VALUE)).attribute), checkValue);
    assert.equal(await c25.ckr('C_WrapKey', [s25, { type: CKM.AES_GCM, params }, kek, payload, 100]), CKR.MECHANISM_PARAM_INVALID);
    assert.equal(await c25.ckr('C_UnwrapKey', [s25, { type: CKM.AES_GCM, params: { ...params, iv: new Uint8Array(16) } }, kek, { bytes: gcm.subarray(12) }, secretTemplate('x')]), CKR.MECHANISM_PARAM_INVALID);
    assert.equal(await c25.ckr('C_UnwrapKey', [s25, { type: CKM.AES_GCM, params: { ...params, aad: Uint8Array.of(1) } }, kek, { bytes: gcm.subarray(12) }, secretTemplate('x')]), CKR.WRAPPED_KEY_INVALID);
    // p11-kit 0.24 forwards no CK_GCM_PARAMS: its CKM_AES_GCM arrives without one.
    assert.equal(await c.ckr('C_UnwrapKey', [s, noParams(CKM.AES_GCM), kek, { bytes: gcm.subarray(12) }, secretTemplate('x')]), CKR.MECHANISM_PARAM_INVALID);
    // 0.25 forwards CloudHSM's GCM parameter as the struct's bytes: a NULL IV and no AAD are taken, the tag length read.
    const struct = Buffer.alloc(48);
    struct.writeBigUInt64LE(96n, 40);
    const wrapped96 = await wrap(c25, s25, { type: CKM.CLOUDHSM_AES_GCM, params: { kind: 'bytes', bytes: new Uint8Array(struct) } }, kek, payload);
    assert.equal(wrapped96.length, 12 + 32 + 12);
    struct.writeBigUInt64LE(4n, 32);
    assert.equal(await c25.ckr('C_WrapKey', [s25, { type: CKM.CLOUDHSM_AES_GCM, params: { kind: 'bytes', bytes: new Uint8Array(struct) } }, kek, payload, 100]), CKR.MECHANISM_PARAM_INVALID);
  });

  it('wraps with RSA-OAEP (SHA-256) and PKCS #1 v1.5 under the public key and unwraps with the private key, an EC private key with AES', async () => {
    const c = await open();
    const s = await c.session(ALICE_PIN);
    const payload = await aes('rsa-payload', [], 16);
    const checkValue = valueOf((await attribute(c, s, payload, CKA.CHECK_VALUE)).attribute);
    const [pub, priv] = await c.ok('C_GenerateKeyPair', [
      s,
      noParams(CKM.RSA_PKCS_KEY_PAIR_GEN),
      [bool(CKA.WRAP, true), ulong(CKA.MODULUS_BITS, 2048), bytes(CKA.LABEL, 'rsa-kek')],
      [bool(CKA.UNWRAP, true)],
    ]);
    for (const m of [oaep(), oaep(0x220n, 1n), noParams(CKM.RSA_PKCS)]) {
      const wrapped = await wrap(c, s, m, pub as bigint, payload);
      assert.equal(wrapped.length, 256);
      const [made] = await c.ok('C_UnwrapKey', [s, m, priv!, { bytes: wrapped }, secretTemplate('from-rsa')]);
      assert.deepEqual(valueOf((await attribute(c, s, made as bigint, CKA.CHECK_VALUE)).attribute), checkValue);
    }
    assert.equal(await c.ckr('C_WrapKey', [s, oaep(0x250n, 2n, Uint8Array.of(1)), pub!, payload, 512]), CKR.MECHANISM_PARAM_INVALID, 'no OAEP label');
    assert.equal(await c.ckr('C_WrapKey', [s, oaep(0x250n, 3n), pub!, payload, 512]), CKR.OK, 'SHA-256 with MGF1-SHA-384 is a pair the core takes');
    assert.equal(await c.ckr('C_WrapKey', [s, oaep(0x1234n, 2n), pub!, payload, 512]), CKR.MECHANISM_PARAM_INVALID);

    // An EC private key travels as PKCS #8; unwrapped, it signs what its public key verifies.
    const kek = await aes('ec-kek', ['wrap=true', 'unwrap=true']);
    const ec = await perform(fixture.ctx, generateKeyPair, { clusterId: fixture.clusterId, keyType: 'ec', curve: 'secp256r1', publicLabel: 'ec-pub', privateLabel: 'ec-priv', publicAttributes: ['verify=true'] }, alice);
    const m = noParams(CKM.CLOUDHSM_AES_KEY_WRAP_PKCS5_PAD);
    const wrapped = await wrap(c, s, m, kek, BigInt(ec.privateKey.ref));
    const template = [ulong(CKA.CLASS, CKO.PRIVATE_KEY), ulong(CKA.KEY_TYPE, CKK_EC), bool(CKA.SIGN, true), bytes(CKA.LABEL, 'ec-back'), bytes(CKA.ID, Uint8Array.of(9))];
    const [back] = await c.ok('C_UnwrapKey', [s, m, kek, { bytes: wrapped }, template]);
    assert.deepEqual(await c.find(s, [bytes(CKA.ID, Uint8Array.of(9))]), [back]);
    const digest = new Uint8Array(createHash('sha256').update('unwrapped').digest());
    await c.ok('C_SignInit', [s, noParams(CKM.ECDSA), back!]);
    const [sig] = await c.ok('C_Sign', [s, { bytes: digest }, 64]);
    await c.ok('C_VerifyInit', [s, noParams(CKM.ECDSA), BigInt(ec.publicKey.ref)]);
    await c.ok('C_Verify', [s, { bytes: digest }, sig!]);
    // Unwrapped as the wrong type, or with a length it does not have, it is refused and nothing is made.
    const before = (await c.find(s, [])).length;
    assert.equal(await c.ckr('C_UnwrapKey', [s, m, kek, { bytes: wrapped }, [ulong(CKA.CLASS, CKO.PRIVATE_KEY), ulong(CKA.KEY_TYPE, CKK_RSA)]]), CKR.TEMPLATE_INCONSISTENT);
    const aesWrapped = await wrap(c, s, m, kek, payload);
    assert.equal(await c.ckr('C_UnwrapKey', [s, m, kek, { bytes: aesWrapped }, secretTemplate('x', [ulong(CKA.VALUE_LEN, 32)])]), CKR.TEMPLATE_INCONSISTENT);
    assert.equal((await c.find(s, [])).length, before);
  });

  it('refuses what `key wrap` refuses, with the library\'s CKR: unextractable, no wrap, wrap-with-trusted, wrong key type, public payload, another user\'s key', async () => {
    const c = await open();
    const s = await c.session(ALICE_PIN);
    const m = noParams(CKM.CLOUDHSM_AES_KEY_WRAP_PKCS5_PAD);
    const kek = await aes('r-kek', ['wrap=true', 'unwrap=true']);
    const locked = await aes('r-unextractable', ['extractable=false']);
    const noWrap = await aes('r-nowrap');
    const trustedOnly = await aes('r-trusted-only', ['wrap-with-trusted=true']);
    const ok = await aes('r-ok');
    const ec = await perform(fixture.ctx, generateKeyPair, { clusterId: fixture.clusterId, keyType: 'ec', curve: 'secp256r1', publicLabel: 'r-pub', privateLabel: 'r-priv' }, alice);
    assert.equal(await c.ckr('C_WrapKey', [s, m, kek, locked, 100]), CKR.KEY_UNEXTRACTABLE);
    assert.equal(await c.ckr('C_WrapKey', [s, m, noWrap, ok, 100]), CKR.KEY_FUNCTION_NOT_PERMITTED);
    assert.equal(await c.ckr('C_WrapKey', [s, m, kek, trustedOnly, 100]), CKR.KEY_NOT_WRAPPABLE);
    assert.equal(await c.ckr('C_WrapKey', [s, m, BigInt(ec.publicKey.ref), ok, 100]), CKR.WRAPPING_KEY_TYPE_INCONSISTENT);
    assert.equal(await c.ckr('C_WrapKey', [s, m, kek, BigInt(ec.publicKey.ref), 100]), CKR.KEY_NOT_WRAPPABLE);
    assert.equal(await c.ckr('C_WrapKey', [s, m, 999999n, ok, 100]), CKR.WRAPPING_KEY_HANDLE_INVALID);
    assert.equal(await c.ckr('C_WrapKey', [s, m, kek, 999999n, 100]), CKR.KEY_HANDLE_INVALID);
    assert.equal(await c.ckr('C_WrapKey', [s, noParams(CKM.ECDSA), kek, ok, 100]), CKR.MECHANISM_INVALID);
    assert.equal(await c.ckr('C_WrapKey', [s, { type: CKM.AES_KEY_WRAP, params: { kind: 'bytes', bytes: Uint8Array.of(1) } }, kek, ok, 100]), CKR.MECHANISM_PARAM_INVALID);
    // The unwrap side: a key without unwrap, altered data, a template without class or type, a read-only session.
    const wrapped = await wrap(c, s, m, kek, ok);
    assert.equal(await c.ckr('C_UnwrapKey', [s, m, noWrap, { bytes: wrapped }, secretTemplate('u')]), CKR.KEY_FUNCTION_NOT_PERMITTED);
    const altered = Uint8Array.from(wrapped);
    altered[3]! ^= 1;
    assert.equal(await c.ckr('C_UnwrapKey', [s, m, kek, { bytes: altered }, secretTemplate('u')]), CKR.WRAPPED_KEY_INVALID);
    assert.equal(await c.ckr('C_UnwrapKey', [s, m, kek, { bytes: wrapped }, [bytes(CKA.LABEL, 'u')]]), CKR.TEMPLATE_INCOMPLETE);
    assert.equal(await c.ckr('C_UnwrapKey', [s, m, kek, { bytes: wrapped }, [ulong(CKA.CLASS, CKO.SECRET_KEY)]]), CKR.TEMPLATE_INCOMPLETE);
    assert.equal(await c.ckr('C_UnwrapKey', [s, m, kek, { bytes: wrapped }, secretTemplate('u', [bool(CKA.LOCAL, true)])]), CKR.ATTRIBUTE_READ_ONLY);
    assert.equal(await c.ckr('C_UnwrapKey', [s, m, 999999n, { bytes: wrapped }, secretTemplate('u')]), CKR.UNWRAPPING_KEY_HANDLE_INVALID);
    assert.equal(await c.ckr('C_UnwrapKey', [s, m, BigInt(ec.privateKey.ref), { bytes: wrapped }, secretTemplate('u')]), CKR.UNWRAPPING_KEY_TYPE_INCONSISTENT);
    const [ro] = await c.ok('C_OpenSession', [0n, BigInt(CKF.SERIAL_SESSION)]);
    assert.equal(await c.ckr('C_UnwrapKey', [ro!, m, kek, { bytes: wrapped }, secretTemplate('u', [bool(CKA.TOKEN, true)])]), CKR.SESSION_READ_ONLY);

    // Bob, a sharee, may use alice's key but not wrap it out; her unshared keys he cannot even name.
    await perform(fixture.ctx, shareKey, { clusterId: fixture.clusterId, filter: byReference(Number(ok)), username: 'bob', role: 'crypto-user' }, alice);
    await perform(fixture.ctx, shareKey, { clusterId: fixture.clusterId, filter: byReference(Number(kek)), username: 'bob', role: 'crypto-user' }, alice);
    const b = await open();
    const sb = await b.session(BOB_PIN);
    assert.equal(await b.ckr('C_WrapKey', [sb, m, kek, ok, 100]), CKR.KEY_FUNCTION_NOT_PERMITTED);
    assert.equal(await b.ckr('C_WrapKey', [sb, m, kek, noWrap, 100]), CKR.KEY_HANDLE_INVALID);
    assert.equal(await c.ckr('C_WrapKey', [s, m, kek, ok, 0]), CKR.OK, 'the owner still may');
  });

  it('destroys a key only for its owner, and only when destroyable; a token key needs a read-write session', async () => {
    const c = await open();
    const s = await c.session(ALICE_PIN);
    const doomed = await aes('doomed');
    const kept = await aes('kept', ['destroyable=false']);
    const shared = await aes('shared-doomed');
    await perform(fixture.ctx, shareKey, { clusterId: fixture.clusterId, filter: byReference(Number(shared)), username: 'bob', role: 'crypto-user' }, alice);
    const b = await open();
    const sb = await b.session(BOB_PIN);
    assert.equal(await b.ckr('C_DestroyObject', [sb, shared]), CKR.ACTION_PROHIBITED, 'a sharee may not destroy');
    assert.equal(await b.ckr('C_DestroyObject', [sb, doomed]), CKR.OBJECT_HANDLE_INVALID, 'another user\'s unshared key is not there');
    assert.equal(await c.ckr('C_DestroyObject', [s, kept]), CKR.ACTION_PROHIBITED);
    const [ro] = await c.ok('C_OpenSession', [0n, BigInt(CKF.SERIAL_SESSION)]);
    assert.equal(await c.ckr('C_DestroyObject', [ro!, doomed]), CKR.SESSION_READ_ONLY);
    await c.ok('C_DestroyObject', [s, doomed]);
    assert.deepEqual(await c.find(s, [bytes(CKA.LABEL, 'doomed')]), []);
    assert.equal(await c.ckr('C_DestroyObject', [s, doomed]), CKR.OBJECT_HANDLE_INVALID);
    await c.ok('C_DestroyObject', [s, shared]);
    assert.deepEqual(await b.find(sb, [bytes(CKA.LABEL, 'shared-doomed')]), []);
  });

  it('sets attributes as `key set-attribute` does, all or none: never extractable again, no read-only or admin attribute, owner only', async () => {
    const c = await open();
    const s = await c.session(ALICE_PIN);
    const key = await aes('settable', ['extractable=false']);
    await c.ok('C_SetAttributeValue', [s, key, [bytes(CKA.LABEL, 'renamed'), bool(CKA.ENCRYPT, true), bytes(CKA.ID, Uint8Array.of(0xab))]]);
    assert.deepEqual(await c.find(s, [bytes(CKA.LABEL, 'renamed'), bool(CKA.ENCRYPT, true), bytes(CKA.ID, Uint8Array.of(0xab))]), [key]);
    const refusedWith = async (template: Attribute[], ckr: number) => {
      assert.equal(await c.ckr('C_SetAttributeValue', [s, key, template]), ckr);
      assert.deepEqual(valueOf((await attribute(c, s, key, CKA.LABEL)).attribute)?.toString(), 'renamed', 'a refused template changes nothing');
    };
    await refusedWith([bytes(CKA.LABEL, 'again'), bool(CKA.EXTRACTABLE, true)], CKR.ATTRIBUTE_READ_ONLY);
    await refusedWith([bytes(CKA.LABEL, 'again'), bool(CKA.SENSITIVE, false)], CKR.ATTRIBUTE_READ_ONLY);
    await refusedWith([bytes(CKA.LABEL, 'again'), bool(CKA.TRUSTED, true)], CKR.ATTRIBUTE_READ_ONLY);
    await refusedWith([bytes(CKA.LABEL, 'again'), ulong(CKA.CLASS, CKO.PUBLIC_KEY)], CKR.ATTRIBUTE_READ_ONLY);
    await refusedWith([bytes(CKA.LABEL, 'again'), ulong(CKA.VALUE_LEN, 16)], CKR.ATTRIBUTE_READ_ONLY);
    await refusedWith([bytes(CKA.LABEL, 'again'), bytes(CKA.MODULUS, Uint8Array.of(1))], CKR.ATTRIBUTE_TYPE_INVALID);
    await refusedWith([bytes(CKA.LABEL, 'again'), { type: CKA.SIGN, length: 1, value: { kind: 'byte', byte: 7 } }], CKR.ATTRIBUTE_VALUE_INVALID);
    await refusedWith([bytes(CKA.LABEL, 'x'.repeat(128))], CKR.ATTRIBUTE_VALUE_INVALID);
    // A sharee may not change it; modifiable=false (one way) freezes it.
    await perform(fixture.ctx, shareKey, { clusterId: fixture.clusterId, filter: byReference(Number(key)), username: 'bob', role: 'crypto-user' }, alice);
    const b = await open();
    const sb = await b.session(BOB_PIN);
    assert.equal(await b.ckr('C_SetAttributeValue', [sb, key, [bytes(CKA.LABEL, 'bobs')]]), CKR.ACTION_PROHIBITED);
    await c.ok('C_SetAttributeValue', [s, key, [bool(CKA.MODIFIABLE, false)]]);
    await refusedWith([bytes(CKA.LABEL, 'again')], CKR.ACTION_PROHIBITED);
    // A session key becomes a token key (one way): it outlives the login.
    const [pub] = await c.ok('C_GenerateKeyPair', [s, noParams(CKM.EC_KEY_PAIR_GEN), [bytes(CKA.EC_PARAMS, P256), bytes(CKA.LABEL, 'to-token')], [bytes(CKA.LABEL, 'to-token-priv')]]);
    await c.ok('C_SetAttributeValue', [s, pub!, [bool(CKA.TOKEN, true)]]);
    assert.equal(await c.ckr('C_SetAttributeValue', [s, pub!, [bool(CKA.TOKEN, false)]]), CKR.ATTRIBUTE_READ_ONLY);
    await c.ok('C_Logout', [s]);
    await c.ok('C_Login', [s, 1n, { bytes: new Uint8Array(Buffer.from(ALICE_PIN)) }]);
    assert.deepEqual(await c.find(s, [bytes(CKA.LABEL, 'to-token')]), [pub]);
    assert.deepEqual(await c.find(s, [bytes(CKA.LABEL, 'to-token-priv')]), [], 'the other half stayed a session key');
  });

  it('reads CKA_VALUE of the owner\'s non-sensitive extractable secret key only', async () => {
    const c = await open();
    const s = await c.session(ALICE_PIN);
    const open_ = await aes('readable', ['sensitive=false'], 16);
    const { attribute: value, ckr } = await attribute(c, s, open_, CKA.VALUE);
    assert.equal(ckr, BigInt(CKR.OK));
    const raw = valueOf(value)!;
    assert.equal(raw.length, 16);
    const kcv = createCipheriv('aes-128-ecb', raw, null).update(Buffer.alloc(16)).subarray(0, 3);
    assert.deepEqual(valueOf((await attribute(c, s, open_, CKA.CHECK_VALUE)).attribute), kcv, 'the value is the key\'s own');
    const [size] = await c.ok('C_GetAttributeValue', [s, open_, [{ type: CKA.VALUE, length: 0 }]]);
    assert.equal((size as Attribute[])[0]!.unavailable ? -1 : ((size as Attribute[])[0] as { length: number }).length, 16);
    for (const attributes of [[], ['sensitive=false', 'extractable=false']]) {
      const hidden = await aes(`hidden-${attributes.length}`, attributes);
      const r = await attribute(c, s, hidden, CKA.VALUE);
      assert.equal(r.ckr, BigInt(CKR.ATTRIBUTE_SENSITIVE));
      assert.deepEqual(r.attribute, { type: CKA.VALUE, unavailable: true });
    }
    // Made sensitive later (one way), it is no longer read.
    await perform(fixture.ctx, setAttribute, { clusterId: fixture.clusterId, filter: byReference(Number(open_)), name: 'sensitive', value: 'true' }, alice);
    assert.equal((await attribute(c, s, open_, CKA.VALUE)).ckr, BigInt(CKR.ATTRIBUTE_SENSITIVE));
    // A sharee sees a non-sensitive key but not its value.
    const sharedOpen = await aes('readable-shared', ['sensitive=false']);
    await perform(fixture.ctx, shareKey, { clusterId: fixture.clusterId, filter: byReference(Number(sharedOpen)), username: 'bob', role: 'crypto-user' }, alice);
    const b = await open();
    const sb = await b.session(BOB_PIN);
    assert.equal((await attribute(b, sb, sharedOpen, CKA.VALUE)).ckr, BigInt(CKR.ATTRIBUTE_SENSITIVE));
  });

  it('creates RSA and EC public keys (session objects by default) that verify what node signed; refuses key material in the clear and non-key objects', async () => {
    const c = await open();
    const s = await c.session(ALICE_PIN);
    const data = Buffer.from('signed outside, verified inside');
    const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const jwk = ec.publicKey.export({ format: 'jwk' });
    const point = Buffer.concat([Buffer.of(4), Buffer.from(jwk.x!, 'base64url'), Buffer.from(jwk.y!, 'base64url')]);
    const ecTemplate = [ulong(CKA.CLASS, CKO.PUBLIC_KEY), ulong(CKA.KEY_TYPE, CKK_EC), bytes(CKA.EC_PARAMS, P256), bytes(CKA.EC_POINT, Buffer.concat([Buffer.of(4, 65), point])), bool(CKA.VERIFY, true), bytes(CKA.LABEL, 'made-ec')];
    const [ecHandle] = await c.ok('C_CreateObject', [s, ecTemplate]);
    assert.deepEqual(valueOf((await attribute(c, s, ecHandle as bigint, CKA.EC_POINT)).attribute), Buffer.concat([Buffer.of(4, 65), point]));
    assert.deepEqual((await attribute(c, s, ecHandle as bigint, CKA.TOKEN)).attribute, bool(CKA.TOKEN, false));
    await c.ok('C_VerifyInit', [s, noParams(0x1044), ecHandle!]);
    await c.ok('C_Verify', [s, { bytes: new Uint8Array(data) }, { bytes: new Uint8Array(nodeSign('sha256', data, { key: ec.privateKey, dsaEncoding: 'ieee-p1363' })) }]);

    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const rj = rsa.publicKey.export({ format: 'jwk' });
    const rsaTemplate = [ulong(CKA.CLASS, CKO.PUBLIC_KEY), ulong(CKA.KEY_TYPE, CKK_RSA), bytes(CKA.MODULUS, Buffer.from(rj.n!, 'base64url')), bytes(CKA.PUBLIC_EXPONENT, Buffer.from(rj.e!, 'base64url')), bool(CKA.VERIFY, true), bool(CKA.TOKEN, true)];
    const [rsaHandle] = await c.ok('C_CreateObject', [s, rsaTemplate]);
    await c.ok('C_VerifyInit', [s, noParams(0x40), rsaHandle!]);
    await c.ok('C_Verify', [s, { bytes: new Uint8Array(data) }, { bytes: new Uint8Array(nodeSign('sha256', data, rsa.privateKey)) }]);
    const [size] = await c.ok('C_GetObjectSize', [s, rsaHandle!]);
    assert.ok((size as bigint) > 0n);

    const create = (template: Attribute[]) => c.ckr('C_CreateObject', [s, template]);
    assert.equal(await create([ulong(CKA.CLASS, CKO.SECRET_KEY), ulong(CKA.KEY_TYPE, CKK_AES), bytes(CKA.VALUE, new Uint8Array(32))]), CKR.TEMPLATE_INCONSISTENT);
    assert.equal(await create([ulong(CKA.CLASS, CKO.SECRET_KEY), ulong(CKA.KEY_TYPE, CKK_GENERIC_SECRET), bytes(CKA.VALUE, new Uint8Array(32))]), CKR.TEMPLATE_INCONSISTENT);
    assert.equal(await create([ulong(CKA.CLASS, CKO.DATA), bytes(CKA.VALUE, new Uint8Array(4))]), CKR.ATTRIBUTE_VALUE_INVALID);
    assert.equal(await create([bytes(CKA.LABEL, 'no class')]), CKR.TEMPLATE_INCOMPLETE);
    assert.equal(await create(ecTemplate.filter((a) => a.type !== CKA.EC_POINT)), CKR.TEMPLATE_INCOMPLETE);
    assert.equal(await create(ecTemplate.map((a) => (a.type === CKA.EC_POINT ? bytes(CKA.EC_POINT, point.subarray(1)) : a))), CKR.ATTRIBUTE_VALUE_INVALID);
    assert.equal(await create([...ecTemplate, bool(CKA.SENSITIVE, true)]), CKR.TEMPLATE_INCONSISTENT, 'sensitive stays false on a public key (the core\'s rule)');
    const [ro] = await c.ok('C_OpenSession', [0n, BigInt(CKF.SERIAL_SESSION)]);
    assert.equal(await c.ckr('C_CreateObject', [ro!, rsaTemplate]), CKR.SESSION_READ_ONLY);
    // The session object ends with the login; the token one stays.
    await c.ok('C_Logout', [s]);
    await c.ok('C_Login', [s, 1n, { bytes: new Uint8Array(Buffer.from(ALICE_PIN)) }]);
    assert.deepEqual(await c.find(s, [bytes(CKA.LABEL, 'made-ec')]), []);
    assert.equal((await c.find(s, [ulong(CKA.CLASS, CKO.PUBLIC_KEY), ulong(CKA.KEY_TYPE, CKK_RSA)])).includes(rsaHandle as bigint), true);
  });

  it('answers C_GetObjectSize, refuses a seed, and needs a login for every object call', async () => {
    const c = await open();
    const s = await c.session(ALICE_PIN);
    const key = await aes('sized', [], 24);
    assert.deepEqual(await c.ok('C_GetObjectSize', [s, key]), [24n]);
    assert.equal(await c.ckr('C_GetObjectSize', [s, 999999n]), CKR.OBJECT_HANDLE_INVALID);
    assert.equal(await c.ckr('C_SeedRandom', [s, { bytes: new Uint8Array(8) }]), CKR.RANDOM_SEED_NOT_SUPPORTED);
    assert.equal(await c.ckr('C_SeedRandom', [77n, { bytes: new Uint8Array(8) }]), CKR.SESSION_HANDLE_INVALID);
    const d = await open();
    const [pub] = await d.ok('C_OpenSession', [0n, BigInt(CKF.SERIAL_SESSION | CKF.RW_SESSION)]);
    const calls: Array<[string, Value[]]> = [
      ['C_WrapKey', [pub!, noParams(CKM.AES_KEY_WRAP), key, key, 0]],
      ['C_UnwrapKey', [pub!, noParams(CKM.AES_KEY_WRAP), key, { bytes: new Uint8Array(24) }, secretTemplate('x')]],
      ['C_DestroyObject', [pub!, key]],
      ['C_SetAttributeValue', [pub!, key, [bytes(CKA.LABEL, 'x')]]],
      ['C_CreateObject', [pub!, [ulong(CKA.CLASS, CKO.PUBLIC_KEY)]]],
      ['C_GetObjectSize', [pub!, key]],
    ];
    for (const [name, values] of calls) assert.equal(await d.ckr(name, values), CKR.USER_NOT_LOGGED_IN, name);
  });
});
