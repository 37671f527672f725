/**
 * The key types of the legacy hsm1.medium HSMs (keys.md §1, §6): DES3 secret keys, made by
 * generation (key_mgmt_util's genSymKey -t 21) and by unwrap, with their check value, key rules
 * and the HSM type rule (an hsm2m.medium cluster holds none); and DSA key pairs
 * (genDSAKeyPair), imported (importPubKey, importPrivateKey) and unwrapped (unWrapKey -kt 1).
 */
import assert from 'node:assert/strict';
import { createCipheriv, createHash, generateKeyPairSync } from 'node:crypto';
import { perform, type Caller } from '../../../src/core/engine.js';
import type { EngineContext } from '../../../src/core/context.js';
import { exportPublic, importPem, KEY_TYPE_CLASSES } from '../../../src/core/keys/files.js';
import { generateKeyPair, generateSymmetric } from '../../../src/core/keys/generate.js';
import type { KeyRecord } from '../../../src/core/keys/model.js';
import { byLabel, byReference } from '../../../src/core/keys/selector.js';
import { unwrapKey, wrapKey } from '../../../src/core/keys/wrap.js';
import { isDegenerateDes3Key, withOddParity } from '../../../src/core/mechanisms/families/des3.js';
import { refused } from '../../support/helpers.js';
import { clusterContext } from '../../support/templates.js';

const USERS = { alice: 'alice-Pass1' };
const alice: Caller = { credentials: { username: 'alice', password: USERS.alice, role: 'crypto-user' }, sessionKeys: new Map() };

/** The stored record of a key (the test reads the sealed store as the engine does). */
async function stored(ctx: EngineContext, ref: number): Promise<KeyRecord> {
  const keys = await ctx.store.read((view) => view.list<KeyRecord>('key/'));
  const found = keys.find(([, k]) => k.ref === ref);
  assert.ok(found, `key ${ref} is stored`);
  return found[1];
}

function des3Kcv(material: Buffer): string {
  const cipher = createCipheriv('des-ede3', material, null);
  cipher.setAutoPadding(false);
  return `0x${Buffer.concat([cipher.update(Buffer.alloc(8)), cipher.final()]).subarray(0, 3).toString('hex')}`;
}

describe('core/keys: DES3 keys (hsm1.medium only)', function () {
  this.timeout(60_000);
  let hsm1: EngineContext;
  let hsm2m: EngineContext;

  before(async () => {
    hsm1 = await clusterContext({ hsmType: 'hsm1.medium', cryptoUsers: USERS });
    hsm2m = await clusterContext({ cryptoUsers: USERS });
  });

  it('generates a 24-byte DES3 key with odd parity, three distinct DES keys and the DES3 check value', async () => {
    const { key } = await perform(hsm1, generateSymmetric, { keyType: 'des3', label: 'tdes', keyLengthBytes: 24 }, alice);
    assert.equal(key.keyType, 'des3');
    assert.equal(key.keyLengthBytes, 24);
    assert.equal(key.attributes.local, true);
    assert.equal(key.attributes.sign, false, 'DES3 keys do not MAC by default');
    const material = Buffer.from((await stored(hsm1, key.ref)).material, 'base64');
    assert.equal(material.length, 24);
    assert.deepEqual([...withOddParity(material)], [...material]);
    assert.equal(isDegenerateDes3Key(material), false);
    assert.equal(key.checkValue, des3Kcv(material));
  });

  it('refuses any other length, and an unknown symmetric key type, storing nothing', async () => {
    const before = await hsm1.store.read((view) => view.count('key/'));
    await refused(perform(hsm1, generateSymmetric, { keyType: 'des3', label: 'short', keyLengthBytes: 16 }, alice), 'INVALID_ARGUMENT');
    await refused(perform(hsm1, generateSymmetric, { keyType: 'des' as never, label: 'single', keyLengthBytes: 8 }, alice), 'INVALID_ARGUMENT');
    assert.equal(await hsm1.store.read((view) => view.count('key/')), before);
  });

  it('refuses DES3 keys on an hsm2m.medium cluster, by generation and by unwrap', async () => {
    const error = await refused(perform(hsm2m, generateSymmetric, { keyType: 'des3', label: 'tdes', keyLengthBytes: 24 }, alice), 'MECHANISM_NOT_ALLOWED');
    assert.match(error.message, /only on hsm1\.medium clusters/);
    await perform(hsm2m, generateSymmetric, { keyType: 'aes', label: 'kek', keyLengthBytes: 32, attributes: ['wrap=true', 'unwrap=true'] }, alice);
    const { key: payload } = await perform(hsm2m, generateSymmetric, { keyType: 'generic-secret', label: 'g24', keyLengthBytes: 24 }, alice);
    const { wrapped } = await perform(hsm2m, wrapKey, { mechanism: 'aes-no-pad', payloadFilter: byReference(payload.ref), wrappingFilter: byLabel('kek') }, alice);
    await refused(perform(hsm2m, unwrapKey, { mechanism: 'aes-no-pad', filter: byLabel('kek'), data: wrapped, keyTypeClass: 'des3', label: 'in' }, alice), 'MECHANISM_NOT_ALLOWED');
  });

  it('wraps a DES3 key and unwraps it as des3 with the same check value and local=false', async () => {
    await perform(hsm1, generateSymmetric, { keyType: 'aes', label: 'kek', keyLengthBytes: 32, attributes: ['wrap=true', 'unwrap=true'] }, alice);
    const { key } = await perform(hsm1, generateSymmetric, { keyType: 'des3', label: 'tdes-out', keyLengthBytes: 24 }, alice);
    for (const mechanism of ['aes-no-pad', 'aes-pkcs5-pad', 'aes-zero-pad'] as const) {
      const { wrapped } = await perform(hsm1, wrapKey, { mechanism, payloadFilter: byReference(key.ref), wrappingFilter: byLabel('kek') }, alice);
      const { key: back } = await perform(hsm1, unwrapKey, { mechanism, filter: byLabel('kek'), data: wrapped, keyTypeClass: 'des3', label: `tdes-in-${mechanism}` }, alice);
      assert.equal(back.keyType, 'des3');
      assert.equal(back.checkValue, key.checkValue);
      assert.equal(back.attributes.local, false);
    }
  });

  it('refuses to unwrap as des3 what is not a DES3 key (an AES-128 key)', async () => {
    const { key } = await perform(hsm1, generateSymmetric, { keyType: 'aes', label: 'a128', keyLengthBytes: 16 }, alice);
    const { wrapped } = await perform(hsm1, wrapKey, { mechanism: 'aes-no-pad', payloadFilter: byReference(key.ref), wrappingFilter: byLabel('kek') }, alice);
    await refused(perform(hsm1, unwrapKey, { mechanism: 'aes-no-pad', filter: byLabel('kek'), data: wrapped, keyTypeClass: 'des3', label: 'not-tdes' }, alice), 'INVALID_ARGUMENT');
  });
});

describe('core/keys: DSA key pairs (hsm1.medium only)', function () {
  this.timeout(60_000);
  let hsm1: EngineContext;
  let hsm2m: EngineContext;
  const pairInput = { keyType: 'dsa' as const, modulusSizeBits: 2048, publicLabel: 'dsa-pub', privateLabel: 'dsa-priv' };

  before(async () => {
    hsm1 = await clusterContext({ hsmType: 'hsm1.medium', cryptoUsers: USERS });
    hsm2m = await clusterContext({ cryptoUsers: USERS });
  });

  it('generates a 2048-bit pair whose halves share the check value of the public key', async () => {
    const { publicKey, privateKey } = await perform(hsm1, generateKeyPair, pairInput, alice);
    assert.deepEqual([publicKey.keyType, privateKey.keyType, publicKey.class, privateKey.class], ['dsa', 'dsa', 'public-key', 'private-key']);
    assert.equal(publicKey.keyLengthBytes, 256);
    const { pem } = await perform(hsm1, exportPublic, { filter: byReference(publicKey.ref) }, alice);
    const spki = Buffer.from(pem.replace(/-----[^-]+-----|\s/g, ''), 'base64');
    assert.equal(publicKey.checkValue, `0x${createHash('sha1').update(spki).digest('hex').slice(0, 6)}`);
    assert.equal(privateKey.checkValue, publicKey.checkValue);
  });

  it('refuses any other modulus size, and DSA on an hsm2m.medium cluster', async () => {
    await refused(perform(hsm1, generateKeyPair, { ...pairInput, modulusSizeBits: 3072 }, alice), 'INVALID_ARGUMENT');
    await refused(perform(hsm2m, generateKeyPair, pairInput, alice), 'MECHANISM_NOT_ALLOWED');
  });

  it('imports DSA public and private PEM keys (not offered to the CLI), checking them, on hsm1.medium only', async () => {
    assert.ok(!(KEY_TYPE_CLASSES as readonly string[]).some((c) => c.startsWith('dsa')), 'the CloudHSM CLI has no DSA keys');
    const { publicKey, privateKey } = generateKeyPairSync('dsa', { modulusLength: 2048, divisorLength: 256, publicKeyEncoding: { type: 'spki', format: 'pem' }, privateKeyEncoding: { type: 'pkcs8', format: 'pem' } });
    const pub = await perform(hsm1, importPem, { pem: publicKey, label: 'dsa-in', keyTypeClass: 'dsa-public' }, alice);
    const priv = await perform(hsm1, importPem, { pem: privateKey, label: 'dsa-in', keyTypeClass: 'dsa-private' }, alice);
    assert.equal(pub.key.checkValue, priv.key.checkValue);
    assert.equal(priv.key.attributes.local, false);
    await refused(perform(hsm2m, importPem, { pem: publicKey, label: 'dsa-in', keyTypeClass: 'dsa-public' }, alice), 'MECHANISM_NOT_ALLOWED');
    const small = generateKeyPairSync('dsa', { modulusLength: 1024, divisorLength: 160, publicKeyEncoding: { type: 'spki', format: 'pem' }, privateKeyEncoding: { type: 'pkcs8', format: 'pem' } });
    await refused(perform(hsm1, importPem, { pem: small.publicKey, label: 'small', keyTypeClass: 'dsa-public' }, alice), 'INVALID_ARGUMENT');
    await refused(perform(hsm1, importPem, { pem: publicKey, label: 'mislabelled', keyTypeClass: 'rsa-public' }, alice), 'INVALID_ARGUMENT');
  });

  it('wraps a DSA private key and unwraps it as dsa-private with the same check value', async () => {
    await perform(hsm1, generateSymmetric, { keyType: 'aes', label: 'dsa-kek', keyLengthBytes: 32, attributes: ['wrap=true', 'unwrap=true'] }, alice);
    const { privateKey } = await perform(hsm1, generateKeyPair, { ...pairInput, publicLabel: 'w-pub', privateLabel: 'w-priv' }, alice);
    const { wrapped } = await perform(hsm1, wrapKey, { mechanism: 'aes-pkcs5-pad', payloadFilter: byReference(privateKey.ref), wrappingFilter: byLabel('dsa-kek') }, alice);
    const { key } = await perform(hsm1, unwrapKey, { mechanism: 'aes-pkcs5-pad', filter: byLabel('dsa-kek'), data: wrapped, keyTypeClass: 'dsa-private', label: 'dsa-back' }, alice);
    assert.deepEqual([key.keyType, key.class, key.checkValue, key.attributes.local], ['dsa', 'private-key', privateKey.checkValue, false]);
    await refused(perform(hsm1, unwrapKey, { mechanism: 'aes-pkcs5-pad', filter: byLabel('dsa-kek'), data: wrapped, keyTypeClass: 'rsa-private', label: 'not-rsa' }, alice), 'INVALID_ARGUMENT');
  });
});
