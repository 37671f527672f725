import assert from 'node:assert/strict';
import { createVerify, createPublicKey } from 'node:crypto';
import { perform, type Caller } from '../../../src/core/engine.js';
import { createCluster, createHsm } from '../../../src/core/cluster/operations.js';
import { generateKeyPair as generateKeyPairOp, generateSymmetric as generateSymmetricOp } from '../../../src/core/keys/generate.js';
import { deleteKey, listKeys as listKeysOp, setAttribute, shareKey, unshareKey } from '../../../src/core/keys/operations.js';
import { sign, verify } from '../../../src/core/keys/sign.js';
import { byLabel } from '../../../src/core/keys/selector.js';
import { createUser, deleteUser } from '../../../src/core/users/operations.js';
import { testContext, refused } from '../../support/helpers.js';
import { clusterContext } from '../../support/templates.js';
import { presented } from '../../support/presented.js';

// These tests check the documented JSON shapes: results as the CLI prints them.
const generateKeyPair = presented(generateKeyPairOp);
const generateSymmetric = presented(generateSymmetricOp);
const listKeys = presented(listKeysOp);

const ADMIN: Caller = { credentials: { username: 'admin', password: 'Admin123!', role: 'admin' } };
const cu = (username: string): Caller => ({ credentials: { username, password: `${username}-Pass1`, role: 'crypto-user' }, sessionKeys: new Map() });


async function cluster(options: { mode?: string } = {}) {
  if (options.mode) {
    const ctx = await testContext();
    await perform(ctx, createCluster, { mode: options.mode });
    await perform(ctx, createHsm, { availabilityZone: 'us-east-1a' });
    const { signWithLocalCa } = await import('../../../src/core/cluster/certificates.js');
    const { getCsr, initializeCluster, activateCluster } = await import('../../../src/core/cluster/operations.js');
    const { ClusterCsr } = await perform(ctx, getCsr, {});
    const ca = await signWithLocalCa(ClusterCsr, 'c', ctx.now(), ctx.random(16));
    await perform(ctx, initializeCluster, { signedCertPem: ca.signedCertificatePem, trustAnchorPem: ca.certificatePem });
    await perform(ctx, activateCluster, { password: 'Admin123!' });
    for (const name of ['alice', 'bob']) await perform(ctx, createUser, { username: name, role: 'crypto-user', password: `${name}-Pass1` }, ADMIN);
    return ctx;
  }
  return clusterContext({ cryptoUsers: { alice: 'alice-Pass1', bob: 'bob-Pass1' } });
}

describe('core/keys', function () {
  this.timeout(60_000);

  it('generates an AES key with the CLI defaults, a 0x-prefixed 16-digit reference and the AES check value', async () => {
    const ctx = await cluster();
    const { key } = await perform(ctx, generateSymmetric, { keyType: 'aes', label: 'k1', keyLengthBytes: 32 }, cu('alice'));
    assert.match(String(key['key-reference']), /^0x[0-9a-f]{16}$/);
    const a = key.attributes as Record<string, unknown>;
    assert.deepEqual(Object.keys(a).slice(0, 5), ['key-type', 'label', 'id', 'check-value', 'class']);
    assert.equal(a['key-type'], 'aes');
    assert.equal(a.class, 'secret-key');
    assert.equal(a.sign, true);
    assert.equal(a.verify, true);
    assert.equal(a.encrypt, false);
    assert.equal(a.decrypt, false);
    assert.equal(a.wrap, false);
    assert.equal(a.token, true);
    assert.equal(a.local, true);
    assert.equal(a['key-length-bytes'], 32);
    assert.match(String(a['check-value']), /^0x[0-9a-f]{6}$/);
    assert.deepEqual(key['key-info'], {
      'key-owners': [{ username: 'alice', 'key-coverage': 'full' }],
      'shared-users': [],
      'key-quorum-values': { 'manage-key-quorum-value': 0, 'use-key-quorum-value': 0 },
      'cluster-coverage': 'full',
    });
  });

  it('lets only crypto users create keys, and checks lengths, labels and attribute names', async () => {
    const ctx = await cluster();
    await refused(perform(ctx, generateSymmetric, { keyType: 'aes', label: 'x', keyLengthBytes: 32 }, ADMIN), 'PERMISSION_DENIED');
    await refused(perform(ctx, generateSymmetric, { keyType: 'aes', label: 'x', keyLengthBytes: 20 }, cu('alice')), 'INVALID_ARGUMENT');
    await refused(perform(ctx, generateSymmetric, { keyType: 'generic-secret', label: 'x', keyLengthBytes: 801 }, cu('alice')), 'INVALID_ARGUMENT');
    await refused(perform(ctx, generateSymmetric, { keyType: 'aes', label: 'x'.repeat(128), keyLengthBytes: 16 }, cu('alice')), 'INVALID_ARGUMENT');
    await refused(perform(ctx, generateSymmetric, { keyType: 'aes', label: 'x', keyLengthBytes: 16, attributes: ['trusted=true'] }, cu('alice')), 'INVALID_ARGUMENT');
    await refused(perform(ctx, generateSymmetric, { keyType: 'aes', label: 'x', keyLengthBytes: 16, attributes: ['encrypt=yes'] }, cu('alice')), 'INVALID_ARGUMENT');
    const list = await perform(ctx, listKeys, {}, cu('alice'));
    assert.equal(list.total_key_count, 0);
  });

  it('takes key_mgmt_util\'s generic secret limit (3584 bytes) only when the caller asks for its limits', async () => {
    const ctx = await cluster();
    const big = { keyType: 'generic-secret' as const, label: 'big', keyLengthBytes: 3584 };
    await refused(perform(ctx, generateSymmetric, big, cu('alice')), 'INVALID_ARGUMENT');
    await refused(perform(ctx, generateSymmetric, { ...big, keyLengthBytes: 3585, limits: 'key_mgmt_util' }, cu('alice')), 'INVALID_ARGUMENT');
    await refused(perform(ctx, generateSymmetric, { ...big, limits: 'pkcs11' as 'key_mgmt_util' }, cu('alice')), 'INVALID_ARGUMENT');
    const made = await perform(ctx, generateSymmetric, { ...big, limits: 'key_mgmt_util' }, cu('alice'));
    assert.equal((made.key.attributes as Record<string, unknown>)['key-length-bytes'], 3584);
  });

  it('generates EC pairs whose halves share the check value, and signs only once sign=true', async () => {
    const ctx = await cluster();
    const pair = await perform(ctx, generateKeyPair, { keyType: 'ec', curve: 'prime256v1', publicLabel: 'ec-pub', privateLabel: 'ec-priv' }, cu('alice'));
    const pub = pair.public_key.attributes as Record<string, unknown>;
    const priv = pair.private_key.attributes as Record<string, unknown>;
    assert.equal(pub['check-value'], priv['check-value']);
    assert.equal(pub.class, 'public-key');
    assert.equal(priv.sign, false);
    assert.equal(pub.sensitive, false);
    assert.equal(priv.sensitive, true);
    assert.equal(pub['key-length-bytes'], 65);
    assert.match(String(pub['ec-point']), /^0x04[0-9a-f]{128}$/);
    const data = new Uint8Array(Buffer.from('hello'));
    await refused(perform(ctx, sign, { mechanism: 'ecdsa', keyFilter: byLabel('ec-priv'), data, hash: 'sha256' }, cu('alice')), 'KEY_ATTRIBUTE_REFUSED');
    await perform(ctx, setAttribute, { filter: byLabel('ec-priv'), name: 'sign', value: 'true' }, cu('alice'));
    const signed = await perform(ctx, sign, { mechanism: 'ecdsa', keyFilter: byLabel('ec-priv'), data, hash: 'sha256' }, cu('alice'));
    const signature = signed.signature;
    assert.equal(signature.length, 64);
    await refused(perform(ctx, verify, { mechanism: 'ecdsa', keyFilter: byLabel('ec-pub'), data, hash: 'sha256', signature }, cu('alice')), 'KEY_ATTRIBUTE_REFUSED');
    await perform(ctx, setAttribute, { filter: byLabel('ec-pub'), name: 'verify', value: 'true' }, cu('alice'));
    // Every crypto user may verify with any public key.
    assert.deepEqual(await perform(ctx, verify, { mechanism: 'ecdsa', keyFilter: byLabel('ec-pub'), data, hash: 'sha256', signature }, cu('bob')), { message: 'Signature verified successfully' });
    const tampered = Uint8Array.from(signature);
    tampered[5] = tampered[5]! ^ 1;
    await refused(perform(ctx, verify, { mechanism: 'ecdsa', keyFilter: byLabel('ec-pub'), data, hash: 'sha256', signature: tampered }, cu('alice')), 'VERIFICATION_FAILED');
  });

  it('RSA PKCS#1 signatures verify with node:crypto, and digest input must be a DigestInfo', async () => {
    const ctx = await cluster();
    await perform(ctx, generateKeyPair, { keyType: 'rsa', modulusSizeBits: 2048, publicExponent: '65537', publicLabel: 'rsa-pub', privateLabel: 'rsa-priv', privateAttributes: ['sign=true'], publicAttributes: ['verify=true'] }, cu('alice'));
    const list = await perform(ctx, listKeys, { filter: byLabel('rsa-pub'), verbose: true }, cu('alice'));
    const attrs = (list.matched_keys as Array<{ attributes: Record<string, unknown> }>)[0]!.attributes;
    assert.equal(attrs['public-exponent'], '0x010001');
    assert.equal(attrs['modulus-size-bits'], 2048);
    assert.equal(attrs['key-length-bytes'], 512);
    const data = new Uint8Array(Buffer.from('pay 100 to bob'));
    const signed = await perform(ctx, sign, { mechanism: 'rsa-pkcs', keyFilter: byLabel('rsa-priv'), data, hash: 'sha256' }, cu('alice'));
    const n = Buffer.from(String(attrs.modulus).slice(2), 'hex');
    const pem = createPublicKey({ key: { kty: 'RSA', n: n.toString('base64url'), e: 'AQAB' }, format: 'jwk' });
    assert.ok(createVerify('sha256').update(data).verify(pem, signed.signature));
    await refused(perform(ctx, sign, { mechanism: 'rsa-pkcs', keyFilter: byLabel('rsa-priv'), data: new Uint8Array(32), hash: 'sha256', dataType: 'digest' }, cu('alice')), 'INVALID_ARGUMENT');
    await refused(perform(ctx, generateKeyPair, { keyType: 'rsa', modulusSizeBits: 1024, publicExponent: '65537', publicLabel: 'a', privateLabel: 'b' }, cu('alice')), 'INVALID_ARGUMENT');
    await refused(perform(ctx, generateKeyPair, { keyType: 'rsa', modulusSizeBits: 2048, publicExponent: '3', publicLabel: 'a', privateLabel: 'b' }, cu('alice')), 'INVALID_ARGUMENT');
  });

  it('refuses ed25519 in FIPS clusters and allows it in NON_FIPS ones', async () => {
    const fips = await cluster();
    await refused(perform(fips, generateKeyPair, { keyType: 'ec', curve: 'ed25519', publicLabel: 'p', privateLabel: 'q' }, cu('alice')), 'MECHANISM_NOT_ALLOWED');
    const open = await cluster({ mode: 'NON_FIPS' });
    await perform(open, generateKeyPair, { keyType: 'ec', curve: 'ed25519', publicLabel: 'ed-pub', privateLabel: 'ed-priv', privateAttributes: ['sign=true'], publicAttributes: ['verify=true'] }, cu('alice'));
    const data = new Uint8Array(Buffer.from('message'));
    const { signature } = await perform(open, sign, { mechanism: 'ed25519', keyFilter: byLabel('ed-priv'), data }, cu('alice'));
    await perform(open, verify, { mechanism: 'ed25519', keyFilter: byLabel('ed-pub'), data, signature }, cu('alice'));
    await refused(perform(open, sign, { mechanism: 'ed25519', keyFilter: byLabel('ed-priv'), data: new Uint8Array(16_001) }, cu('alice')), 'INVALID_ARGUMENT');
  });

  it('ML-DSA-44 keys sign and verify', async () => {
    const ctx = await cluster();
    const pair = await perform(ctx, generateKeyPair, { keyType: 'ml-dsa', mldsaAlgorithm: 'ML-DSA-44', publicLabel: 'm-pub', privateLabel: 'm-priv', privateAttributes: ['sign=true'], publicAttributes: ['verify=true'] }, cu('alice'));
    assert.equal((pair.public_key.attributes as Record<string, unknown>)['mldsa-algorithm'], 'ML-DSA-44');
    const data = new Uint8Array(Buffer.from('post-quantum'));
    const { signature } = await perform(ctx, sign, { mechanism: 'ml-dsa', keyFilter: byLabel('m-priv'), data, hash: 'shake256', dataType: 'raw' }, cu('alice'));
    assert.equal(signature.length, 2420);
    await perform(ctx, verify, { mechanism: 'ml-dsa', keyFilter: byLabel('m-pub'), data, hash: 'shake256', dataType: 'raw', signature }, cu('alice'));
  });

  it('shows a user its own keys, keys shared with it and all public keys; only the owner shares, deletes and changes', async () => {
    const ctx = await cluster();
    await perform(ctx, generateSymmetric, { keyType: 'aes', label: 'alice-aes', keyLengthBytes: 16 }, cu('alice'));
    await perform(ctx, generateKeyPair, { keyType: 'ec', curve: 'secp384r1', publicLabel: 'alice-pub', privateLabel: 'alice-priv' }, cu('alice'));
    const bobSees = async () => ((await perform(ctx, listKeys, {}, cu('bob'))).matched_keys as Array<{ attributes: { label: string } }>).map((k) => k.attributes.label);
    assert.deepEqual(await bobSees(), ['alice-pub']);
    await refused(perform(ctx, shareKey, { filter: byLabel('alice-aes'), username: 'alice', role: 'crypto-user' }, cu('bob')), 'KEY_SELECTION_NOT_UNIQUE');
    await perform(ctx, shareKey, { filter: byLabel('alice-aes'), username: 'bob', role: 'crypto-user' }, cu('alice'));
    assert.deepEqual(await bobSees(), ['alice-aes', 'alice-pub']);
    assert.deepEqual((await perform(ctx, listKeys, {}, ADMIN)).total_key_count, 3);
  });

  it('refuses single-key commands whose filter matches no key or several keys', async () => {
    const ctx = await cluster();
    await perform(ctx, generateSymmetric, { keyType: 'aes', label: 'dup', keyLengthBytes: 16 }, cu('alice'));
    await perform(ctx, generateSymmetric, { keyType: 'aes', label: 'dup', keyLengthBytes: 16 }, cu('alice'));
    const many = await refused(perform(ctx, deleteKey, { filter: byLabel('dup') }, cu('alice')), 'KEY_SELECTION_NOT_UNIQUE');
    assert.equal(many.message, 'Key selection criteria matched 2 keys. Refine selection criteria to select a single key.');
    const none = await refused(perform(ctx, deleteKey, { filter: byLabel('nothing') }, cu('alice')), 'KEY_SELECTION_NOT_UNIQUE');
    assert.match(none.message, /matched 0 keys/);
    assert.equal((await perform(ctx, listKeys, {}, cu('alice'))).total_key_count, 2);
  });

  it('pages key list with max-items and a next_token', async () => {
    const ctx = await cluster();
    for (let i = 0; i < 5; i++) await perform(ctx, generateSymmetric, { keyType: 'aes', label: `k${i}`, keyLengthBytes: 16 }, cu('alice'));
    const first = await perform(ctx, listKeys, { maxItems: 2 }, cu('alice'));
    assert.equal(first.returned_key_count, 2);
    assert.equal(first.total_key_count, 5);
    assert.equal(first.next_token, '2');
    const last = await perform(ctx, listKeys, { maxItems: 2, startingToken: '4' }, cu('alice'));
    assert.equal(last.returned_key_count, 1);
    assert.equal(last.next_token, undefined);
  });

  it('enforces the one-way attribute rules and that only an admin sets trusted', async () => {
    const ctx = await cluster();
    await perform(ctx, generateSymmetric, { keyType: 'aes', label: 'w', keyLengthBytes: 32, attributes: ['wrap-with-trusted=true'] }, cu('alice'));
    const set = (name: string, value: string, who: Caller = cu('alice')) => perform(ctx, setAttribute, { filter: byLabel('w'), name, value }, who);
    await refused(set('extractable', 'false'), 'KEY_ATTRIBUTE_REFUSED');
    await refused(set('wrap-with-trusted', 'false'), 'KEY_ATTRIBUTE_REFUSED');
    await refused(set('class', 'private-key'), 'KEY_ATTRIBUTE_REFUSED');
    await refused(set('trusted', 'true'), 'PERMISSION_DENIED');
    await refused(set('label', 'x', cu('bob')), 'KEY_SELECTION_NOT_UNIQUE');
    await set('trusted', 'true', ADMIN);
    await refused(set('encrypt', 'true', ADMIN), 'PERMISSION_DENIED');
    await set('modifiable', 'false');
    await refused(set('encrypt', 'true'), 'KEY_ATTRIBUTE_REFUSED');
    await refused(set('modifiable', 'true'), 'KEY_ATTRIBUTE_REFUSED');
    const key = (await perform(ctx, listKeys, { filter: byLabel('w'), verbose: true }, cu('alice'))).matched_keys as Array<{ attributes: Record<string, unknown> }>;
    assert.equal(key[0]!.attributes.trusted, true);
    assert.equal(key[0]!.attributes.encrypt, false);
  });

  it('keeps session keys out of the store and drops them with the session', async () => {
    const ctx = await cluster();
    const caller = cu('alice');
    await perform(ctx, generateSymmetric, { keyType: 'aes', label: 'temp', keyLengthBytes: 16, session: true }, caller);
    assert.equal((await perform(ctx, listKeys, {}, caller)).total_key_count, 1);
    assert.equal((await perform(ctx, listKeys, {}, cu('alice'))).total_key_count, 0);
    await perform(ctx, setAttribute, { filter: byLabel('temp'), name: 'token', value: 'true' }, caller);
    assert.equal((await perform(ctx, listKeys, {}, cu('alice'))).total_key_count, 1);
  });

  it('refuses to delete a crypto user that owns keys', async () => {
    const ctx = await cluster();
    await perform(ctx, generateSymmetric, { keyType: 'aes', label: 'mine', keyLengthBytes: 16 }, cu('alice'));
    await refused(perform(ctx, deleteUser, { username: 'alice', role: 'crypto-user' }, ADMIN), 'USER_OWNS_KEYS');
    await perform(ctx, deleteKey, { filter: byLabel('mine') }, cu('alice'));
    await perform(ctx, deleteUser, { username: 'alice', role: 'crypto-user' }, ADMIN);
  });

  it('shares and unshares with crypto users only, and sharees may use but not manage the key', async () => {
    const ctx = await cluster();
    await perform(ctx, generateKeyPair, { keyType: 'ec', curve: 'secp256k1', publicLabel: 'k-pub', privateLabel: 'k-priv', privateAttributes: ['sign=true'] }, cu('alice'));
    await refused(perform(ctx, shareKey, { filter: byLabel('k-priv'), username: 'admin', role: 'admin' }, cu('alice')), 'INVALID_ARGUMENT');
    await refused(perform(ctx, shareKey, { filter: byLabel('k-pub'), username: 'bob', role: 'crypto-user' }, cu('alice')), 'INVALID_ARGUMENT');
    await perform(ctx, shareKey, { filter: byLabel('k-priv'), username: 'bob', role: 'crypto-user' }, cu('alice'));
    const data = new Uint8Array(32);
    await perform(ctx, sign, { mechanism: 'ecdsa', keyFilter: byLabel('k-priv'), data, hash: 'sha256' }, cu('bob'));
    await refused(perform(ctx, deleteKey, { filter: byLabel('k-priv') }, cu('bob')), 'KEY_ACCESS_DENIED');
    await refused(perform(ctx, setAttribute, { filter: byLabel('k-priv'), name: 'label', value: 'mine' }, cu('bob')), 'KEY_ACCESS_DENIED');
    await refused(perform(ctx, unshareKey, { filter: byLabel('k-priv'), username: 'bob', role: 'crypto-user' }, cu('bob')), 'KEY_ACCESS_DENIED');
    await perform(ctx, unshareKey, { filter: byLabel('k-priv'), username: 'bob', role: 'crypto-user' }, cu('alice'));
    await refused(perform(ctx, sign, { mechanism: 'ecdsa', keyFilter: byLabel('k-priv'), data, hash: 'sha256' }, cu('bob')), 'KEY_SELECTION_NOT_UNIQUE');
  });
});
