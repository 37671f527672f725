import assert from 'node:assert/strict';
import { createCipheriv, createDecipheriv, createHash, createHmac } from 'node:crypto';
import { perform, type Caller } from '../../../src/core/engine.js';
import { quickstart } from '../../../src/core/cluster/quickstart.js';
import { decrypt, digest, encrypt, hmacGenerate, hmacVerify, random } from '../../../src/core/keys/data-operations.js';
import { generateKeyPair, generateSymmetric } from '../../../src/core/keys/generate.js';
import { byLabel } from '../../../src/core/keys/selector.js';
import { createUser } from '../../../src/core/users/operations.js';
import { refused, testContext } from '../../support/helpers.js';
import { benches, PROVIDER_NAMES } from '../engine-vectors/support.js';

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
    const { mac } = await perform(ctx, hmacGenerate, { keyFilter: byLabel('mac'), hash: 'sha256', data }, alice);
    assert.equal(mac.length, 32);
    assert.deepEqual(await perform(ctx, hmacVerify, { keyFilter: byLabel('mac'), hash: 'sha256', data, mac }, alice), { message: 'MAC verified successfully' });
    const wrong = Uint8Array.from(mac);
    wrong[0] = wrong[0]! ^ 1;
    await refused(perform(ctx, hmacVerify, { keyFilter: byLabel('mac'), hash: 'sha256', data, mac: wrong }, alice), 'VERIFICATION_FAILED');
    await refused(perform(ctx, hmacGenerate, { keyFilter: byLabel('rsa-priv'), hash: 'sha256', data }, alice), 'INVALID_ARGUMENT');
    // The same MAC computed outside the engine with the key's bytes (read from the test's store).
    assert.deepEqual(Buffer.from(mac), createHmac('sha256', await material('mac')).update(data).digest());
  });

  it('AES-GCM encrypts with a fresh IV and tag, decrypts, and refuses a changed tag', async () => {
    const enc = await perform(ctx, encrypt, { mechanism: 'aes-gcm', keyFilter: byLabel('aes'), data, aad: '0x0a0b' }, alice);
    assert.equal((enc as { iv: Uint8Array }).iv.length, 12);
    const { ciphertext, iv, tag } = enc as { ciphertext: Uint8Array; iv: Uint8Array; tag: Uint8Array };
    const ivB64 = Buffer.from(iv).toString('base64');
    const dec = await perform(ctx, decrypt, { mechanism: 'aes-gcm', keyFilter: byLabel('aes'), data: ciphertext, iv: ivB64, tag: `0x${Buffer.from(tag).toString('hex')}`, aad: '0x0a0b' }, alice);
    assert.deepEqual(Buffer.from((dec as { plaintext: Uint8Array }).plaintext), Buffer.from(data));
    await refused(perform(ctx, decrypt, { mechanism: 'aes-gcm', keyFilter: byLabel('aes'), data: ciphertext, iv: ivB64, tag: Buffer.from(tag).toString('base64'), aad: '0x0a0c' }, alice), 'DECRYPTION_FAILED');
  });

  it('AES-CBC (PKCS#7) and AES-CTR round-trip and match node:crypto with the same IV', async () => {
    const iv = Buffer.alloc(16, 3);
    for (const [mechanism, cipher] of [['aes-cbc', 'aes-256-cbc'], ['aes-ctr', 'aes-256-ctr']] as const) {
      const enc = (await perform(ctx, encrypt, { mechanism, keyFilter: byLabel('aes'), data, iv: iv.toString('base64') }, alice)) as { ciphertext: Uint8Array };
      const dec = (await perform(ctx, decrypt, { mechanism, keyFilter: byLabel('aes'), data: enc.ciphertext, iv: `0x${iv.toString('hex')}` }, alice)) as { plaintext: Uint8Array };
      assert.deepEqual(Buffer.from(dec.plaintext), Buffer.from(data), mechanism);
      const outside = createCipheriv(cipher, await material('aes'), iv);
      assert.deepEqual(Buffer.from(enc.ciphertext), Buffer.concat([outside.update(data), outside.final()]), mechanism);
    }
    await refused(perform(ctx, decrypt, { mechanism: 'aes-cbc', keyFilter: byLabel('aes'), data: new Uint8Array(16) }, alice), 'INVALID_ARGUMENT');
  });

  it('AES-CBC without padding takes whole blocks only, and chains as one message does', async () => {
    const iv = Buffer.alloc(16, 9);
    const blocks = new Uint8Array(48).map((_, i) => i);
    const key = byLabel('aes');
    const whole = (await perform(ctx, encrypt, { mechanism: 'aes-cbc', padding: 'none', keyFilter: key, data: blocks, iv: `0x${iv.toString('hex')}` }, alice)) as { ciphertext: Uint8Array };
    assert.equal(whole.ciphertext.length, 48);
    const outside = createCipheriv('aes-256-cbc', await material('aes'), iv).setAutoPadding(false);
    assert.deepEqual(Buffer.from(whole.ciphertext), Buffer.concat([outside.update(blocks), outside.final()]));
    // The second part's IV is the first part's last ciphertext block: the same bytes as one call.
    const first = (await perform(ctx, encrypt, { mechanism: 'aes-cbc', padding: 'none', keyFilter: key, data: blocks.subarray(0, 16), iv: `0x${iv.toString('hex')}` }, alice)) as { ciphertext: Uint8Array };
    const chained = `0x${Buffer.from(first.ciphertext).toString('hex')}`;
    const rest = (await perform(ctx, encrypt, { mechanism: 'aes-cbc', padding: 'none', keyFilter: key, data: blocks.subarray(16), iv: chained }, alice)) as { ciphertext: Uint8Array };
    assert.deepEqual(Buffer.concat([first.ciphertext, rest.ciphertext]), Buffer.from(whole.ciphertext));
    const back = (await perform(ctx, decrypt, { mechanism: 'aes-cbc', padding: 'none', keyFilter: key, data: whole.ciphertext, iv: `0x${iv.toString('hex')}` }, alice)) as { plaintext: Uint8Array };
    assert.deepEqual(Buffer.from(back.plaintext), Buffer.from(blocks));
    await refused(perform(ctx, encrypt, { mechanism: 'aes-cbc', padding: 'none', keyFilter: key, data: blocks.subarray(1), iv: `0x${iv.toString('hex')}` }, alice), 'INVALID_ARGUMENT');
    await refused(perform(ctx, encrypt, { mechanism: 'aes-gcm', padding: 'none', keyFilter: key, data: blocks }, alice), 'INVALID_ARGUMENT');
    await refused(perform(ctx, encrypt, { mechanism: 'aes-cbc', padding: 'zero' as 'none', keyFilter: key, data: blocks }, alice), 'INVALID_ARGUMENT');
  });

  it('RSA-OAEP encrypts with the public key and decrypts with the private key', async () => {
    const enc = (await perform(ctx, encrypt, { mechanism: 'rsa-oaep', keyFilter: byLabel('rsa-pub'), data, hash: 'sha256' }, alice)) as { ciphertext: Uint8Array };
    assert.equal(enc.ciphertext.length, 256);
    const dec = (await perform(ctx, decrypt, { mechanism: 'rsa-oaep', keyFilter: byLabel('rsa-priv'), data: enc.ciphertext, hash: 'sha256' }, alice)) as { plaintext: Uint8Array };
    assert.deepEqual(Buffer.from(dec.plaintext), Buffer.from(data));
    await refused(perform(ctx, encrypt, { mechanism: 'rsa-oaep', keyFilter: byLabel('rsa-priv'), data, hash: 'sha256' }, alice), 'INVALID_ARGUMENT');
  });

  it('refuses encryption with a key that lacks encrypt=true', async () => {
    await refused(perform(ctx, encrypt, { mechanism: 'aes-gcm', keyFilter: byLabel('aes-no-encrypt'), data }, alice), 'KEY_ATTRIBUTE_REFUSED');
  });

  it('returns the requested number of random bytes and bounds the length', async () => {
    const a = (await perform(ctx, random, { length: 32 }, alice)).random;
    const b = (await perform(ctx, random, { length: 32 }, alice)).random;
    assert.equal(a.length, 32);
    assert.notDeepEqual(Buffer.from(a), Buffer.from(b));
    await refused(perform(ctx, random, { length: 0 }, alice), 'INVALID_ARGUMENT');
    await refused(perform(ctx, random, { length: 2 * 1024 * 1024 }, alice), 'INVALID_ARGUMENT');
  });

  it('AES key wrap of data (RFC 3394 and 5649) round-trips, matches node:crypto and needs encrypt=true', async () => {
    const kek = await material('aes');
    const outside = (cipher: string, iv: string, bytes: Uint8Array) => {
      const d = createDecipheriv(cipher, kek, Buffer.from(iv, 'hex'));
      return Buffer.concat([d.update(bytes), d.final()]);
    };
    for (const [mechanism, cipher, iv, plain] of [
      ['aes-key-wrap', 'id-aes256-wrap', 'a6a6a6a6a6a6a6a6', data.subarray(0, 40)],
      ['aes-key-wrap-pad', 'id-aes256-wrap-pad', 'a65959a6', data],
    ] as const) {
      const enc = (await perform(ctx, encrypt, { mechanism, keyFilter: byLabel('aes'), data: plain }, alice)) as { ciphertext: Uint8Array; iv?: Uint8Array };
      assert.equal(enc.iv, undefined, 'no IV is returned: the standard one is implied');
      assert.deepEqual(outside(cipher, iv, enc.ciphertext), Buffer.from(plain), `node:crypto ${cipher} unwraps what the engine wrapped`);
      const dec = (await perform(ctx, decrypt, { mechanism, keyFilter: byLabel('aes'), data: enc.ciphertext }, alice)) as { plaintext: Uint8Array };
      assert.deepEqual(Buffer.from(dec.plaintext), Buffer.from(plain), mechanism);
      await refused(perform(ctx, encrypt, { mechanism, keyFilter: byLabel('aes-no-encrypt'), data: plain }, alice), 'KEY_ATTRIBUTE_REFUSED');
      await refused(perform(ctx, decrypt, { mechanism, keyFilter: byLabel('aes-no-encrypt'), data: enc.ciphertext }, alice), 'KEY_ATTRIBUTE_REFUSED');
      await refused(perform(ctx, encrypt, { mechanism, keyFilter: byLabel('rsa-pub'), data: plain }, alice), 'INVALID_ARGUMENT');
    }
  });

  describe('AES key wrap of data with known keys (brought in by key unwrap)', function () {
    const open = benches();
    // RFC 3394 §4.6: 256 bits of key data with a 256-bit KEK.
    const KEK_256 = Buffer.from('000102030405060708090A0B0C0D0E0F101112131415161718191A1B1C1D1E1F', 'hex');
    const DATA_256 = Buffer.from('00112233445566778899AABBCCDDEEFF000102030405060708090A0B0C0D0E0F', 'hex');
    const WRAPPED_256 = Buffer.from('28C9F404C4B810F4CBCCB35CFB87F8263F5786E2D80ED326CBC7F0E71A99F43BFB988B9B7A02DD21', 'hex');
    // RFC 5649 §6: 20 octets of key data with a 192-bit KEK.
    const KEK_192 = Buffer.from('5840df6e29b02af1ab493b705bf16ea1ae8338f4dcc176a8', 'hex');
    const DATA_20 = Buffer.from('c37b7e6492584340bed12207808941155068f738', 'hex');
    const WRAPPED_20 = Buffer.from('138bdeaa9b8fa7fc61f97742e72248ee5ae6ae5360d1ae6a5f54f373fa543b6a', 'hex');

    for (const provider of PROVIDER_NAMES) {
      it(`${provider}: matches the RFC 3394 and RFC 5649 known answers both ways`, async () => {
        const bench = open[provider];
        for (const [mechanism, kek, plain, wrapped] of [
          ['aes-key-wrap', KEK_256, DATA_256, WRAPPED_256],
          ['aes-key-wrap-pad', KEK_192, DATA_20, WRAPPED_20],
        ] as const) {
          const keyFilter = await bench.importSecret(kek, 'aes', ['encrypt=true', 'decrypt=true']);
          const enc = (await bench.run(encrypt, { mechanism, keyFilter, data: plain })) as { ciphertext: Uint8Array };
          assert.deepEqual(Buffer.from(enc.ciphertext), wrapped, mechanism);
          const dec = (await bench.run(decrypt, { mechanism, keyFilter, data: wrapped })) as { plaintext: Uint8Array };
          assert.deepEqual(Buffer.from(dec.plaintext), plain, mechanism);
        }
      });

      it(`${provider}: refuses wrong sizes, other IVs and tampered ciphertext`, async () => {
        const bench = open[provider];
        const keyFilter = await bench.importSecret(KEK_256, 'aes', ['encrypt=true', 'decrypt=true']);
        type Mechanism = 'aes-key-wrap' | 'aes-key-wrap-pad';
        const wrap = (mechanism: Mechanism, bytes: Uint8Array, iv?: string) => bench.run(encrypt, { mechanism, keyFilter, data: bytes, iv });
        const unwrap = (mechanism: Mechanism, bytes: Uint8Array, iv?: string) => bench.run(decrypt, { mechanism, keyFilter, data: bytes, iv });
        for (const size of [0, 8, 15, 20, 33]) await refused(wrap('aes-key-wrap', new Uint8Array(size)), 'INVALID_ARGUMENT');
        await refused(wrap('aes-key-wrap-pad', new Uint8Array(0)), 'INVALID_ARGUMENT');
        for (const size of [16, 20, 41]) await refused(unwrap('aes-key-wrap', new Uint8Array(size)), 'INVALID_ARGUMENT');
        for (const size of [8, 20]) await refused(unwrap('aes-key-wrap-pad', new Uint8Array(size)), 'INVALID_ARGUMENT');
        // The standard IVs are accepted when given; any other is refused, not ignored.
        const withIv = (await wrap('aes-key-wrap', DATA_256, '0xA6A6A6A6A6A6A6A6')) as { ciphertext: Uint8Array };
        assert.deepEqual(Buffer.from(withIv.ciphertext), WRAPPED_256);
        await wrap('aes-key-wrap-pad', DATA_256, '0xa65959a6');
        await refused(wrap('aes-key-wrap', DATA_256, '0x0102030405060708'), 'INVALID_ARGUMENT');
        await refused(unwrap('aes-key-wrap', WRAPPED_256, '0xa65959a6'), 'INVALID_ARGUMENT');
        await refused(wrap('aes-key-wrap-pad', DATA_256, '0xA6A6A6A6A6A6A6A6'), 'INVALID_ARGUMENT');
        const padded = ((await wrap('aes-key-wrap-pad', DATA_20)) as { ciphertext: Uint8Array }).ciphertext;
        for (const [mechanism, wrapped] of [['aes-key-wrap', WRAPPED_256], ['aes-key-wrap-pad', padded]] as const) {
          const tampered = Buffer.from(wrapped);
          tampered[tampered.length - 1]! ^= 1;
          await refused(unwrap(mechanism, tampered), 'DECRYPTION_FAILED');
        }
      });
    }
  });
});
