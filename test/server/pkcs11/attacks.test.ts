/**
 * A second attacker's review of the PKCS #11 server: sequences of calls, each permitted on its
 * own, that try to break a rule of the CLI (another user's key found or used, key material read
 * or wrapped out where the CLI would not give it, session objects outliving their login, the
 * lockout dodged, the key capacity passed), and the CKR values PKCS #11 names for each refusal.
 */
import assert from 'node:assert/strict';
import { createCipheriv, randomBytes } from 'node:crypto';
import { perform, type Caller } from '../../../src/core/engine.js';
import { keyStoreKeys } from '../../../src/core/keys/filters.js';
import { generateKeyPair, generateSymmetric } from '../../../src/core/keys/generate.js';
import { KEY_CAPACITY } from '../../../src/core/keys/model.js';
import { setAttribute, shareKey, unshareKey } from '../../../src/core/keys/operations.js';
import { byReference } from '../../../src/core/keys/selector.js';
import { createUser, login } from '../../../src/core/users/operations.js';
import { CKA, CKF, CKM, CKO, CKR, CKU } from '../../../src/server/pkcs11/constants.js';
import type { Attribute, Mechanism } from '../../../src/server/pkcs11/rpc.js';
import { ALICE_PIN, BOB_PIN, CAROL_PIN, P256, bool, bytes, noParams, pkcs11Fixture, ulong, type Client, type Pkcs11Fixture } from '../../support/pkcs11-client.js';

const CKK_AES = 31;
const CKK_GENERIC_SECRET = 16;
const CKM_SHA256_HMAC = 0x251;
const RO = BigInt(CKF.SERIAL_SESSION);
const pin = (text: string | Uint8Array) => ({ bytes: typeof text === 'string' ? new Uint8Array(Buffer.from(text)) : text });

describe('PKCS #11 server: an attacker\'s call sequences', function () {
  this.timeout(180_000);
  let fixture: Pkcs11Fixture;
  const as = (username: string, password: string): Caller => ({ credentials: { username, password, role: 'crypto-user' } });
  const alice = as('alice', 'alice-Pass1');
  const carol = as('carol', 'carol-Pass1');
  const aes = async (label: string, attributes: string[] = [], extra: { shareWith?: string[]; manageQuorum?: number } = {}, by = alice) =>
    BigInt((await perform(fixture.ctx, generateSymmetric, { clusterId: fixture.clusterId, keyType: 'aes', label, keyLengthBytes: 16, attributes, ...extra }, by)).key.ref);
  const share = (key: bigint, username: string, by = alice) => perform(fixture.ctx, shareKey, { clusterId: fixture.clusterId, filter: byReference(Number(key)), username, role: 'crypto-user' }, by);
  const valueCkr = async (c: Client, s: bigint, key: bigint) => {
    const [attrs, ckr] = await c.ok('C_GetAttributeValue', [s, key, [{ type: CKA.VALUE, length: 64 }]]);
    return { ckr: Number(ckr), attribute: (attrs as Attribute[])[0]! };
  };
  const wrapWith = async (c: Client, s: bigint, mechanism: Mechanism, kek: bigint, key: bigint): Promise<{ ckr: number; wrapped?: Uint8Array }> => {
    const r = await c.call('C_WrapKey', [s, mechanism, kek, key, 4096]);
    return { ckr: r.ckr, wrapped: r.ckr === CKR.OK ? (r.values[0] as { bytes: Uint8Array }).bytes : undefined };
  };

  before(async () => {
    fixture = await pkcs11Fixture();
  });
  after(() => fixture.close());

  it('a search alice started is not answered to bob, nor to nobody, after she logs out', async () => {
    const secret = await aes('alice-search-secret');
    const c = await fixture.open();
    const s = await c.session(ALICE_PIN);
    await c.ok('C_FindObjectsInit', [s, [bytes(CKA.LABEL, 'alice-search-secret')]]);
    await c.ok('C_Logout', [s]);
    // Logged out: the search found alice's private objects, whose handles are no longer valid (PKCS #11 §5.6); it ended with her login.
    const gone = await c.call('C_FindObjects', [s, 10]);
    assert.equal(gone.ckr, CKR.OPERATION_NOT_INITIALIZED, `a logged-out session was answered ${JSON.stringify(gone.values, (_, v: unknown) => (typeof v === 'bigint' ? String(v) : v))}`);
    await c.ok('C_Login', [s, BigInt(CKU.USER), pin(ALICE_PIN)]);
    assert.deepEqual(await c.find(s, [bytes(CKA.LABEL, 'alice-search-secret')]), [secret]);
    await c.ok('C_FindObjectsInit', [s, [bytes(CKA.LABEL, 'alice-search-secret')]]);
    await c.ok('C_Logout', [s]);
    await c.ok('C_Login', [s, BigInt(CKU.USER), pin(BOB_PIN)]);
    const found = await c.call('C_FindObjects', [s, 10]);
    assert.equal(found.ckr, CKR.OPERATION_NOT_INITIALIZED, `bob was answered from alice's search for her unshared key ${secret}`);
    // Bob's own search does not find it.
    assert.deepEqual(await c.find(s, [bytes(CKA.LABEL, 'alice-search-secret')]), []);
  });

  it('an operation alice started ends with her login: bob cannot finish it, nor alice after logging in again', async () => {
    const c = await fixture.open();
    const s = await c.session(ALICE_PIN);
    const [, priv] = await c.ok('C_GenerateKeyPair', [s, noParams(CKM.EC_KEY_PAIR_GEN), [bytes(CKA.EC_PARAMS, P256), bool(CKA.VERIFY, true)], [bool(CKA.SIGN, true)]]);
    const mac = await c.ok('C_GenerateKey', [s, noParams(CKM.GENERIC_SECRET_KEY_GEN), [ulong(CKA.VALUE_LEN, 32), ulong(CKA.KEY_TYPE, CKK_GENERIC_SECRET), bool(CKA.TOKEN, true)]]);
    const [s2] = await c.ok('C_OpenSession', [0n, BigInt(CKF.SERIAL_SESSION | CKF.RW_SESSION)]);
    const digest = { bytes: new Uint8Array(32) };
    await c.ok('C_SignInit', [s, noParams(CKM.ECDSA), priv!]);
    await c.ok('C_SignInit', [s2!, noParams(CKM_SHA256_HMAC), mac[0]!]);
    await c.ok('C_SignUpdate', [s2!, { bytes: new Uint8Array(10) }]);
    await c.ok('C_Logout', [s]);
    await c.ok('C_Login', [s, BigInt(CKU.USER), pin(BOB_PIN)]);
    assert.equal(await c.ckr('C_Sign', [s, digest, 64]), CKR.OPERATION_NOT_INITIALIZED);
    assert.equal(await c.ckr('C_SignFinal', [s2!, 32]), CKR.OPERATION_NOT_INITIALIZED);
    await c.ok('C_Logout', [s]);
    await c.ok('C_Login', [s, BigInt(CKU.USER), pin(ALICE_PIN)]);
    assert.equal(await c.ckr('C_SignFinal', [s2!, 32]), CKR.OPERATION_NOT_INITIALIZED, 'the operation ended with the login it was started under');
    // A session key made under the first login is gone with it.
    assert.equal(await c.ckr('C_SignInit', [s, noParams(CKM.ECDSA), priv!]), CKR.KEY_HANDLE_INVALID);
  });

  it('a key unshared (or destroyed) while bob\'s operation is under way is refused at its next step', async () => {
    const hmacKey = BigInt((await perform(fixture.ctx, generateSymmetric, { clusterId: fixture.clusterId, keyType: 'generic-secret', label: 'carol-mac', keyLengthBytes: 32, attributes: ['sign=true', 'verify=true'] }, carol)).key.ref);
    const cbcKey = await aes('carol-cbc', ['encrypt=true'], {}, carol);
    for (const k of [hmacKey, cbcKey]) await share(k, 'bob', carol);
    const b = await fixture.open();
    const s = await b.session(BOB_PIN);
    const [s2] = await b.ok('C_OpenSession', [0n, RO]);
    await b.ok('C_SignInit', [s, noParams(CKM_SHA256_HMAC), hmacKey]);
    await b.ok('C_SignUpdate', [s, { bytes: new Uint8Array(100) }]);
    await b.ok('C_EncryptInit', [s2!, { type: CKM.AES_CBC, params: { kind: 'bytes', bytes: new Uint8Array(16) } }, cbcKey]);
    await b.ok('C_EncryptUpdate', [s2!, { bytes: new Uint8Array(32) }, 32]);
    for (const k of [hmacKey, cbcKey]) await perform(fixture.ctx, unshareKey, { clusterId: fixture.clusterId, filter: byReference(Number(k)), username: 'bob', role: 'crypto-user' }, carol);
    assert.equal(await b.ckr('C_SignFinal', [s, 32]), CKR.KEY_HANDLE_INVALID);
    assert.equal(await b.ckr('C_EncryptUpdate', [s2!, { bytes: new Uint8Array(32) }, 32]), CKR.KEY_HANDLE_INVALID);
    // Alice's own key, destroyed between C_SignInit and C_Sign, and its handle never given again.
    const c = await fixture.open();
    const sa = await c.session(ALICE_PIN);
    const [, priv] = await c.ok('C_GenerateKeyPair', [sa, noParams(CKM.EC_KEY_PAIR_GEN), [bytes(CKA.EC_PARAMS, P256), bool(CKA.TOKEN, true)], [bool(CKA.SIGN, true), bool(CKA.TOKEN, true)]]);
    await c.ok('C_SignInit', [sa, noParams(CKM.ECDSA), priv!]);
    const [s3] = await c.ok('C_OpenSession', [0n, BigInt(CKF.SERIAL_SESSION | CKF.RW_SESSION)]);
    await c.ok('C_DestroyObject', [s3!, priv!]);
    assert.equal(await c.ckr('C_Sign', [sa, { bytes: new Uint8Array(32) }, 64]), CKR.KEY_HANDLE_INVALID);
    assert.equal(await c.ckr('C_GetAttributeValue', [sa, priv!, [{ type: CKA.LABEL, length: 64 }]]), CKR.OBJECT_HANDLE_INVALID);
    assert.equal(await c.ckr('C_DestroyObject', [sa, priv!]), CKR.OBJECT_HANDLE_INVALID);
    const fresh = await aes('after-destroy');
    assert.ok(fresh > (priv as bigint), 'a new key takes a new handle');
  });

  it('refuses C_SignInit and C_VerifyInit with a key whose sign or verify is false (CKR_KEY_FUNCTION_NOT_PERMITTED), not at C_Sign after a size query', async () => {
    const c = await fixture.open();
    const s = await c.session(ALICE_PIN);
    // The CLI's defaults: sign and verify false on both halves.
    const pair = await perform(fixture.ctx, generateKeyPair, { clusterId: fixture.clusterId, keyType: 'ec', curve: 'prime256v1', publicLabel: 'nosign-pub', privateLabel: 'nosign-priv' }, alice);
    assert.equal(await c.ckr('C_SignInit', [s, noParams(CKM.ECDSA), BigInt(pair.privateKey.ref)]), CKR.KEY_FUNCTION_NOT_PERMITTED);
    assert.equal(await c.ckr('C_VerifyInit', [s, noParams(CKM.ECDSA), BigInt(pair.publicKey.ref)]), CKR.KEY_FUNCTION_NOT_PERMITTED);
    // No operation was left active.
    await c.ok('C_DigestInit', [s, noParams(0x250)]);
  });

  it('another user\'s public key: bob finds and verifies with it, but cannot destroy, change, wrap, read or make it trusted', async () => {
    const pair = await perform(fixture.ctx, generateKeyPair, { clusterId: fixture.clusterId, keyType: 'ec', curve: 'prime256v1', publicLabel: 'alice-visible-pub', privateLabel: 'alice-hidden-priv', publicAttributes: ['verify=true', 'wrap=true'] }, alice);
    const pub = BigInt(pair.publicKey.ref);
    const b = await fixture.open();
    const s = await b.session(BOB_PIN);
    assert.deepEqual(await b.find(s, [bytes(CKA.LABEL, 'alice-visible-pub')]), [pub]);
    assert.deepEqual(await b.find(s, [bytes(CKA.LABEL, 'alice-hidden-priv')]), []);
    await b.ok('C_VerifyInit', [s, noParams(CKM.ECDSA), pub]);
    assert.equal(await b.ckr('C_Verify', [s, { bytes: new Uint8Array(32) }, { bytes: new Uint8Array(64) }]), CKR.SIGNATURE_INVALID);
    assert.equal(await b.ckr('C_DestroyObject', [s, pub]), CKR.ACTION_PROHIBITED);
    for (const change of [bytes(CKA.LABEL, 'bobs-now'), bool(CKA.VERIFY, false), bool(CKA.TRUSTED, true)]) {
      assert.notEqual(await b.ckr('C_SetAttributeValue', [s, pub, [change]]), CKR.OK, `CKA 0x${change.type.toString(16)}`);
    }
    assert.deepEqual(await b.find(s, [bytes(CKA.LABEL, 'alice-visible-pub'), bool(CKA.VERIFY, true), bool(CKA.TRUSTED, false)]), [pub], 'nothing changed');
    const bobKey = await aes('bob-kek', ['wrap=true'], {}, as('bob', 'bob-Pass12'));
    assert.equal((await wrapWith(b, s, noParams(CKM.AES_KEY_WRAP), bobKey, pub)).ckr, CKR.KEY_FUNCTION_NOT_PERMITTED, 'only the owner wraps a key');
    assert.equal((await valueCkr(b, s, pub)).ckr, CKR.ATTRIBUTE_TYPE_INVALID, 'a public key has no CKA_VALUE here');
  });

  it('session objects: not another connection\'s, even the same user\'s; gone with the login and the connection', async () => {
    const c = await fixture.open();
    const s = await c.session(ALICE_PIN);
    const template = [ulong(CKA.CLASS, CKO.SECRET_KEY), ulong(CKA.KEY_TYPE, CKK_AES), ulong(CKA.VALUE_LEN, 16), bool(CKA.SENSITIVE, false), bool(CKA.ENCRYPT, true), bytes(CKA.LABEL, 'conn-session-key')];
    const [key] = await c.ok('C_GenerateKey', [s, noParams(CKM.AES_KEY_GEN), template]);
    assert.equal((await valueCkr(c, s, key as bigint)).ckr, CKR.OK, 'the owner reads her own non-sensitive session key');
    const other = await fixture.open();
    const so = await other.session(ALICE_PIN);
    assert.deepEqual(await other.find(so, [bytes(CKA.LABEL, 'conn-session-key')]), []);
    assert.equal(await other.ckr('C_GetAttributeValue', [so, key!, [{ type: CKA.VALUE, length: 64 }]]), CKR.OBJECT_HANDLE_INVALID);
    assert.equal(await other.ckr('C_EncryptInit', [so, { type: CKM.AES_CBC, params: { kind: 'bytes', bytes: new Uint8Array(16) } }, key!]), CKR.KEY_HANDLE_INVALID);
    assert.equal(await other.ckr('C_DestroyObject', [so, key!]), CKR.OBJECT_HANDLE_INVALID);
    // Closing every session logs out: the key goes with the login.
    await c.ok('C_CloseAllSessions', [0n]);
    const s2 = await c.session(ALICE_PIN);
    assert.equal(await c.ckr('C_GetAttributeValue', [s2, key!, [{ type: CKA.LABEL, length: 64 }]]), CKR.OBJECT_HANDLE_INVALID);
    assert.deepEqual(await c.find(s2, [bytes(CKA.LABEL, 'conn-session-key')]), []);
  });

  it('turning a session object into a token object needs a read-write session (CKR_SESSION_READ_ONLY)', async () => {
    const c = await fixture.open();
    await c.session(ALICE_PIN);
    const [ro] = await c.ok('C_OpenSession', [0n, RO]);
    const [key] = await c.ok('C_GenerateKey', [ro!, noParams(CKM.AES_KEY_GEN), [ulong(CKA.VALUE_LEN, 16), bytes(CKA.LABEL, 'ro-session-key')]]);
    assert.equal(await c.ckr('C_SetAttributeValue', [ro!, key!, [bool(CKA.TOKEN, true)]]), CKR.SESSION_READ_ONLY);
    const [attrs] = await c.ok('C_GetAttributeValue', [ro!, key!, [{ type: CKA.TOKEN, length: 1 }]]);
    assert.deepEqual((attrs as Attribute[])[0], bool(CKA.TOKEN, false));
    // A session object's other attributes change in a read-only session, as PKCS #11 allows.
    await c.ok('C_SetAttributeValue', [ro!, key!, [bytes(CKA.LABEL, 'ro-renamed')]]);
  });

  it('CKA_VALUE is never a way around key quorum or wrap-with-trusted, which hold a key inside as `key wrap` does', async () => {
    const c = await fixture.open();
    const s = await c.session(ALICE_PIN);
    const quorum = await aes('open-quorum', ['sensitive=false'], { shareWith: ['bob'], manageQuorum: 2 });
    const trustedOnly = await aes('open-trusted-only', ['sensitive=false', 'wrap-with-trusted=true']);
    const kek = await aes('attack-kek', ['wrap=true', 'unwrap=true']);
    // Neither can be wrapped out by alice...
    assert.notEqual((await wrapWith(c, s, noParams(CKM.AES_KEY_WRAP), kek, quorum)).ckr, CKR.OK);
    assert.equal((await wrapWith(c, s, noParams(CKM.AES_KEY_WRAP), kek, trustedOnly)).ckr, CKR.KEY_NOT_WRAPPABLE);
    // ...so neither is read in the clear.
    for (const key of [quorum, trustedOnly]) {
      const r = await valueCkr(c, s, key);
      assert.equal(r.ckr, CKR.ATTRIBUTE_SENSITIVE, `key ${key}: its value was read`);
      assert.deepEqual(r.attribute, { type: CKA.VALUE, unavailable: true });
    }
  });

  async function valueOfOwn(c: Client, s: bigint, label: string): Promise<{ kek: bigint; kekBytes: Uint8Array }> {
    const [kek] = await c.ok('C_GenerateKey', [s, noParams(CKM.AES_KEY_GEN), [ulong(CKA.VALUE_LEN, 16), bool(CKA.SENSITIVE, false), bool(CKA.UNWRAP, true), bytes(CKA.LABEL, label)]]);
    const [attrs] = await c.ok('C_GetAttributeValue', [s, kek!, [{ type: CKA.VALUE, length: 16 }]]);
    return { kek: kek as bigint, kekBytes: ((attrs as Array<{ value: { bytes: Uint8Array } }>)[0]!.value).bytes };
  }

  it('a search cannot test guesses at a key\'s value, and an unwrapped key is never local, always-sensitive or never-extractable', async () => {
    const c = await fixture.open();
    const s = await c.session(ALICE_PIN);
    const { kek, kekBytes } = await valueOfOwn(c, s, 'guess-kek');
    const known = randomBytes(16);
    const wrapped = createCipheriv('id-aes128-wrap', Buffer.from(kekBytes), Buffer.from('a6a6a6a6a6a6a6a6', 'hex')).update(known);
    const unwrapTemplate = [ulong(CKA.CLASS, CKO.SECRET_KEY), ulong(CKA.KEY_TYPE, CKK_AES), bytes(CKA.LABEL, 'guessed'), bool(CKA.SENSITIVE, true), bool(CKA.EXTRACTABLE, false)];
    for (const type of [CKA.LOCAL, CKA.ALWAYS_SENSITIVE, CKA.NEVER_EXTRACTABLE, CKA.TRUSTED]) {
      assert.equal(await c.ckr('C_UnwrapKey', [s, noParams(CKM.AES_KEY_WRAP), kek, { bytes: wrapped }, [...unwrapTemplate, bool(type, true)]]), CKR.ATTRIBUTE_READ_ONLY, `CKA 0x${type.toString(16)}`);
    }
    assert.equal(await c.ckr('C_UnwrapKey', [s, noParams(CKM.AES_KEY_WRAP), kek, { bytes: wrapped }, [...unwrapTemplate, bytes(CKA.VALUE, known)]]), CKR.ATTRIBUTE_READ_ONLY);
    const [key] = await c.ok('C_UnwrapKey', [s, noParams(CKM.AES_KEY_WRAP), kek, { bytes: wrapped }, unwrapTemplate]);
    const [attrs] = await c.ok('C_GetAttributeValue', [s, key!, [CKA.LOCAL, CKA.ALWAYS_SENSITIVE, CKA.NEVER_EXTRACTABLE].map((type) => ({ type, length: 1 }))]);
    assert.deepEqual(attrs, [bool(CKA.LOCAL, false), bool(CKA.ALWAYS_SENSITIVE, false), bool(CKA.NEVER_EXTRACTABLE, false)]);
    assert.deepEqual(await c.find(s, [bytes(CKA.VALUE, known)]), [], 'the right value found the key');
    assert.deepEqual(await c.find(s, [bytes(CKA.LABEL, 'guessed'), bytes(CKA.VALUE, known)]), []);
    assert.equal((await valueCkr(c, s, key as bigint)).ckr, CKR.ATTRIBUTE_SENSITIVE);
    // Extractable=false now: it cannot become extractable, nor be wrapped, nor made non-sensitive.
    assert.equal(await c.ckr('C_SetAttributeValue', [s, key!, [bool(CKA.EXTRACTABLE, true)]]), CKR.ATTRIBUTE_READ_ONLY);
    assert.equal(await c.ckr('C_SetAttributeValue', [s, key!, [bool(CKA.SENSITIVE, false)]]), CKR.ATTRIBUTE_READ_ONLY);
    assert.equal(await c.ckr('C_SetAttributeValue', [s, key!, [bool(CKA.NEVER_EXTRACTABLE, true)]]), CKR.ATTRIBUTE_READ_ONLY);
    const [kek2] = await c.ok('C_GenerateKey', [s, noParams(CKM.AES_KEY_GEN), [ulong(CKA.VALUE_LEN, 16), bool(CKA.WRAP, true)]]);
    assert.equal((await wrapWith(c, s, noParams(CKM.AES_KEY_WRAP), kek2 as bigint, key as bigint)).ckr, CKR.KEY_UNEXTRACTABLE);
    // Templates that make keys take none of the HSM's own attributes either.
    assert.equal(await c.ckr('C_GenerateKey', [s, noParams(CKM.AES_KEY_GEN), [ulong(CKA.VALUE_LEN, 16), bool(CKA.TRUSTED, true)]]), CKR.ATTRIBUTE_READ_ONLY);
    assert.equal(await c.ckr('C_GenerateKey', [s, noParams(CKM.AES_KEY_GEN), [ulong(CKA.VALUE_LEN, 16), bytes(CKA.VALUE, known)]]), CKR.ATTRIBUTE_READ_ONLY);
    assert.equal(await c.ckr('C_CreateObject', [s, [ulong(CKA.CLASS, CKO.SECRET_KEY), ulong(CKA.KEY_TYPE, CKK_AES), bytes(CKA.VALUE, known)]]), CKR.TEMPLATE_INCONSISTENT);
  });

  it('a kept wrap is not handed out after the wrapping key lost its trust or the payload became wrap-with-trusted', async () => {
    const c = await fixture.open();
    const s = await c.session(ALICE_PIN);
    const kek = await aes('kept-kek', ['wrap=true', 'unwrap=true']);
    const payload = await aes('kept-payload');
    const m = noParams(CKM.AES_KEY_WRAP);
    const [size] = await c.ok('C_WrapKey', [s, m, kek, payload, 0]);
    assert.equal((size as { length: number }).length, 24);
    // Another of alice's programs (here the CLI's operation) changes the payload between the two calls.
    await perform(fixture.ctx, setAttribute, { clusterId: fixture.clusterId, filter: byReference(Number(payload)), name: 'wrap-with-trusted', value: 'true' }, alice);
    assert.equal(await c.ckr('C_WrapKey', [s, m, kek, payload, 24]), CKR.KEY_NOT_WRAPPABLE);
    // And the wrapping key losing wrap=true.
    const payload2 = await aes('kept-payload-2');
    await c.ok('C_WrapKey', [s, m, kek, payload2, 0]);
    await perform(fixture.ctx, setAttribute, { clusterId: fixture.clusterId, filter: byReference(Number(kek)), name: 'wrap', value: 'false' }, alice);
    assert.equal(await c.ckr('C_WrapKey', [s, m, kek, payload2, 24]), CKR.KEY_FUNCTION_NOT_PERMITTED);
  });

  it('odd PINs: no colon, several colons, empty, absent, NUL bytes, very long, an admin\'s, the wrong user type; none logs in', async () => {
    const admin: Caller = { credentials: { username: 'admin', password: 'Admin123!', role: 'admin' } };
    await perform(fixture.ctx, createUser, { clusterId: fixture.clusterId, username: 'erin', role: 'crypto-user', password: 'erin-Pass1' }, admin);
    const c = await fixture.open();
    const [s] = await c.ok('C_OpenSession', [0n, RO]);
    const refused: Array<[string, { bytes: Uint8Array } | { bytes: null; length: number }, number]> = [
      ['no colon', pin('erinerin-Pass1'), CKR.PIN_INCORRECT],
      ['empty', pin(''), CKR.PIN_INCORRECT],
      ['absent', { bytes: null, length: 0 }, CKR.PIN_INCORRECT],
      ['a leading colon', pin(':erin-Pass1'), CKR.PIN_INCORRECT],
      ['NUL in the username', pin('erin\0:erin-Pass1'), CKR.PIN_INCORRECT],
      ['an admin', pin('admin:Admin123!'), CKR.PIN_INCORRECT],
      ['not UTF-8', pin(Uint8Array.of(0x65, 0x72, 0x69, 0x6e, 0x3a, 0xff, 0xfe)), CKR.PIN_INCORRECT],
    ];
    for (const [what, p, ckr] of refused) assert.equal(await c.ckr('C_Login', [s!, BigInt(CKU.USER), p]), ckr, what);
    assert.equal(await c.ckr('C_Login', [s!, BigInt(CKU.SO), pin('admin:Admin123!')]), CKR.USER_TYPE_INVALID);
    assert.equal(await c.ckr('C_Login', [s!, 2n, pin('erin:erin-Pass1')]), CKR.USER_TYPE_INVALID);
    assert.equal(await c.ckr('C_Login', [s!, 7n, pin('erin:erin-Pass1')]), CKR.USER_TYPE_INVALID);
    // None of those counted against erin (no password of hers was tried), and she logs in.
    await c.ok('C_Login', [s!, BigInt(CKU.USER), pin('ERIN:erin-Pass1')]);
    await c.ok('C_Logout', [s!]);
    // Wrong passwords of every odd shape count: a NUL at the end, a colon inside, 1 MiB.
    const wrong = ['erin:erin-Pass1\0', 'erin:erin:Pass1', `erin:${'x'.repeat(1024 * 1024)}`];
    for (const p of wrong) assert.equal(await c.ckr('C_Login', [s!, BigInt(CKU.USER), pin(p)]), CKR.PIN_INCORRECT, p.slice(0, 20));
    // The CLI's login counts toward the same five: the fifth wrong guess, through the CLI, locks her.
    await assert.rejects(perform(fixture.ctx, login, { clusterId: fixture.clusterId, credentials: { username: 'erin', password: 'wrong-Pass1', role: 'crypto-user' } }), { code: 'LOGIN_FAILED' });
    await assert.rejects(perform(fixture.ctx, login, { clusterId: fixture.clusterId, credentials: { username: 'erin', password: 'wrong-Pass1', role: 'crypto-user' } }), { code: 'USER_LOCKED' });
    assert.equal(await c.ckr('C_Login', [s!, BigInt(CKU.USER), pin('erin:erin-Pass1')]), CKR.PIN_LOCKED);
    assert.equal(await c.ckr('C_Logout', [s!]), CKR.USER_NOT_LOGGED_IN);
    assert.ok(!fixture.logged.some((l) => l.includes('erin-Pass1') || l.includes('xxxxxxxx')), 'no PIN reaches the log');
  });

  it('many connections log in and go: each login ends with its connection, and the server keeps answering', async () => {
    const sessions = () => fixture.ctx.store.read((v) => v.list(`session/${fixture.clusterId}/`).length);
    const before = await sessions();
    const clients = await Promise.all(Array.from({ length: 40 }, () => fixture.open()));
    await Promise.all(clients.map((c, i) => c.session([ALICE_PIN, BOB_PIN, CAROL_PIN][i % 3]!)));
    assert.equal(await sessions(), before + 40);
    for (const c of clients) c.close();
    const deadline = Date.now() + 10_000;
    while ((await sessions()) !== before && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    assert.equal(await sessions(), before, 'logins outlived their connections');
    const c = await fixture.open();
    await c.session(ALICE_PIN);
  });

  it('a session key made a token key is held to the cluster\'s key capacity, as every other new token key is', async () => {
    const full = await pkcs11Fixture();
    try {
      const c = await full.open();
      const s = await c.session(ALICE_PIN);
      const [key] = await c.ok('C_GenerateKey', [s, noParams(CKM.AES_KEY_GEN), [ulong(CKA.VALUE_LEN, 16), bytes(CKA.LABEL, 'promoted')]]);
      const { hsmType, stored } = await full.ctx.store.read((v) => ({
        hsmType: v.get<{ hsmType: keyof typeof KEY_CAPACITY }>(`cluster/${full.clusterId}`)?.hsmType,
        stored: v.count(keyStoreKeys.prefix(full.clusterId)),
      }));
      const limit = KEY_CAPACITY[hsmType ?? 'hsm2m.medium'];
      // Fill the cluster to its capacity directly in the store (setup only).
      await full.ctx.store.transact((tx) => {
        for (let ref = 1; ref <= limit - stored; ref++) tx.put(keyStoreKeys.key(full.clusterId, ref), { ref, owner: 'bob', class: 'secret-key', keyType: 'aes', label: `filler-${ref}`, sharedUsers: [], attributes: {} });
      });
      assert.equal(await c.ckr('C_GenerateKey', [s, noParams(CKM.AES_KEY_GEN), [ulong(CKA.VALUE_LEN, 16), bool(CKA.TOKEN, true)]]), CKR.DEVICE_MEMORY);
      assert.equal(await c.ckr('C_SetAttributeValue', [s, key!, [bool(CKA.TOKEN, true)]]), CKR.DEVICE_MEMORY);
      const [attrs] = await c.ok('C_GetAttributeValue', [s, key!, [{ type: CKA.TOKEN, length: 1 }]]);
      assert.deepEqual((attrs as Attribute[])[0], bool(CKA.TOKEN, false));
    } finally {
      full.close();
    }
  });
});
