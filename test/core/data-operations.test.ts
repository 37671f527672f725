import assert from 'node:assert/strict';
import { createCipheriv, createHash, createHmac } from 'node:crypto';
import { perform, type Caller } from '../../src/core/engine.js';
import { quickstart } from '../../src/core/cluster/quickstart.js';
import { decrypt, digest, encrypt, hmacGenerate, hmacVerify, random } from '../../src/core/keys/data-operations.js';
import { generateKeyPair, generateSymmetric } from '../../src/core/keys/generate.js';
import { createUser } from '../../src/core/users/operations.js';
import { refused, testContext } from '../support/helpers.js';

const ADMIN: Caller = { credentials: { username: 'admin', password: 'Admin123!', role: 'admin' } };
const alice: Caller = { credentials: { username: 'alice', password: 'alice-Pass1', role: 'crypto-user' }, sessionKeys: new Map() };

describe('core/keys digest, HMAC, encryption and random', function () {
  this.timeout(60_000);
  let ctx: Awaited<ReturnType<typeof testContext>>;
  const data = new Uint8Array(Buffer.from('The quick brown fox jumps over the lazy dog'));

  /** A key's bytes, read from the test's own store, for checks outside the engine. */
  const material = async (label: string) =>
    Buffer.from((await ctx.store.read((v) => v.list<{ label: string; material: string }>('key/').map(([, k]) => k))).find((k) => k.label === label)!.material, 'base64');

  before(async () => {
    ctx = await testContext();
    await quickstart(ctx, { password: 'Admin123!' });
    await perform(ctx, createUser, { username: 'alice', role: 'crypto-user', password: 'alice-Pass1' }, ADMIN);
    await perform(ctx, generateSymmetric, { keyType: 'aes', label: 'aes', keyLengthBytes: 32, attributes: ['encrypt=true', 'decrypt=true'] }, alice);
    await perform(ctx, generateSymmetric, { keyType: 'aes', label: 'aes-no-encrypt', keyLengthBytes: 16 }, alice);
    await perform(ctx, generateSymmetric, { keyType: 'generic-secret', label: 'mac', keyLengthBytes: 64 }, alice);
    await perform(ctx, generateKeyPair, { keyType: 'rsa', modulusSizeBits: 2048, publicExponent: '65537', publicLabel: 'rsa-pub', privateLabel: 'rsa-priv', publicAttributes: ['encrypt=true'], privateAttributes: ['decrypt=true'] }, alice);
  });

  it('digests with SHA-2 and SHA-3 as node:crypto does', async () => {
    for (const hash of ['sha1', 'sha256', 'sha512', 'sha3-256', 'sha3-512']) {
      const { digest: d } = await perform(ctx, digest, { hash, data }, alice);
      assert.deepEqual(Buffer.from(d), createHash(hash).update(data).digest(), hash);
    }
    await refused(perform(ctx, digest, { hash: 'md5', data }, alice), 'INVALID_ARGUMENT');
    await refused(perform(ctx, digest, { hash: 'sha256', data }, ADMIN), 'PERMISSION_DENIED');
  });

  it('HMACs with a generic secret as node:crypto does, verifies, and refuses a wrong MAC', async () => {
    const { mac } = await perform(ctx, hmacGenerate, { keyFilter: ['attr.label=mac'], hash: 'sha256', data }, alice);
    assert.equal(mac.length, 32);
    assert.deepEqual(await perform(ctx, hmacVerify, { keyFilter: ['attr.label=mac'], hash: 'sha256', data, mac }, alice), { message: 'MAC verified successfully' });
    const wrong = Uint8Array.from(mac);
    wrong[0] = wrong[0]! ^ 1;
    await refused(perform(ctx, hmacVerify, { keyFilter: ['attr.label=mac'], hash: 'sha256', data, mac: wrong }, alice), 'VERIFICATION_FAILED');
    await refused(perform(ctx, hmacGenerate, { keyFilter: ['attr.label=rsa-priv'], hash: 'sha256', data }, alice), 'INVALID_ARGUMENT');
    // The same MAC computed outside the engine with the key's bytes (read from the test's store).
    assert.deepEqual(Buffer.from(mac), createHmac('sha256', await material('mac')).update(data).digest());
  });

  it('AES-GCM encrypts with a fresh IV and tag, decrypts, and refuses a changed tag', async () => {
    const enc = await perform(ctx, encrypt, { mechanism: 'aes-gcm', keyFilter: ['attr.label=aes'], data, aad: '0x0a0b' }, alice);
    assert.equal((enc as { iv: Uint8Array }).iv.length, 12);
    const { ciphertext, iv, tag } = enc as { ciphertext: Uint8Array; iv: Uint8Array; tag: Uint8Array };
    const ivB64 = Buffer.from(iv).toString('base64');
    const dec = await perform(ctx, decrypt, { mechanism: 'aes-gcm', keyFilter: ['attr.label=aes'], data: ciphertext, iv: ivB64, tag: `0x${Buffer.from(tag).toString('hex')}`, aad: '0x0a0b' }, alice);
    assert.deepEqual(Buffer.from((dec as { plaintext: Uint8Array }).plaintext), Buffer.from(data));
    await refused(perform(ctx, decrypt, { mechanism: 'aes-gcm', keyFilter: ['attr.label=aes'], data: ciphertext, iv: ivB64, tag: Buffer.from(tag).toString('base64'), aad: '0x0a0c' }, alice), 'DECRYPTION_FAILED');
  });

  it('AES-CBC (PKCS#7) and AES-CTR round-trip and match node:crypto with the same IV', async () => {
    const iv = Buffer.alloc(16, 3);
    for (const [mechanism, cipher] of [['aes-cbc', 'aes-256-cbc'], ['aes-ctr', 'aes-256-ctr']] as const) {
      const enc = (await perform(ctx, encrypt, { mechanism, keyFilter: ['attr.label=aes'], data, iv: iv.toString('base64') }, alice)) as { ciphertext: Uint8Array };
      const dec = (await perform(ctx, decrypt, { mechanism, keyFilter: ['attr.label=aes'], data: enc.ciphertext, iv: `0x${iv.toString('hex')}` }, alice)) as { plaintext: Uint8Array };
      assert.deepEqual(Buffer.from(dec.plaintext), Buffer.from(data), mechanism);
      const outside = createCipheriv(cipher, await material('aes'), iv);
      assert.deepEqual(Buffer.from(enc.ciphertext), Buffer.concat([outside.update(data), outside.final()]), mechanism);
    }
    await refused(perform(ctx, decrypt, { mechanism: 'aes-cbc', keyFilter: ['attr.label=aes'], data: new Uint8Array(16) }, alice), 'INVALID_ARGUMENT');
  });

  it('RSA-OAEP encrypts with the public key and decrypts with the private key', async () => {
    const enc = (await perform(ctx, encrypt, { mechanism: 'rsa-oaep', keyFilter: ['attr.label=rsa-pub'], data, hash: 'sha256' }, alice)) as { ciphertext: Uint8Array };
    assert.equal(enc.ciphertext.length, 256);
    const dec = (await perform(ctx, decrypt, { mechanism: 'rsa-oaep', keyFilter: ['attr.label=rsa-priv'], data: enc.ciphertext, hash: 'sha256' }, alice)) as { plaintext: Uint8Array };
    assert.deepEqual(Buffer.from(dec.plaintext), Buffer.from(data));
    await refused(perform(ctx, encrypt, { mechanism: 'rsa-oaep', keyFilter: ['attr.label=rsa-priv'], data, hash: 'sha256' }, alice), 'INVALID_ARGUMENT');
  });

  it('refuses encryption with a key that lacks encrypt=true', async () => {
    await refused(perform(ctx, encrypt, { mechanism: 'aes-gcm', keyFilter: ['attr.label=aes-no-encrypt'], data }, alice), 'KEY_ATTRIBUTE_REFUSED');
  });

  it('returns the requested number of random bytes and bounds the length', async () => {
    const a = (await perform(ctx, random, { length: 32 }, alice)).random;
    const b = (await perform(ctx, random, { length: 32 }, alice)).random;
    assert.equal(a.length, 32);
    assert.notDeepEqual(Buffer.from(a), Buffer.from(b));
    await refused(perform(ctx, random, { length: 0 }, alice), 'INVALID_ARGUMENT');
    await refused(perform(ctx, random, { length: 2 * 1024 * 1024 }, alice), 'INVALID_ARGUMENT');
  });
});
