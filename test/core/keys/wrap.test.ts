import assert from 'node:assert/strict';
import { createDecipheriv } from 'node:crypto';
import { perform, type Caller } from '../../../src/core/engine.js';
import { quickstart } from '../../../src/core/cluster/quickstart.js';
import { generateKeyPair, generateSymmetric } from '../../../src/core/keys/generate.js';
import { listKeys, setAttribute } from '../../../src/core/keys/operations.js';
import { sign, verify } from '../../../src/core/keys/sign.js';
import { unwrapKey, wrapKey as wrapKeyOp, WRAP_MECHANISMS, type WrapMechanism } from '../../../src/core/keys/wrap.js';
import { createUser } from '../../../src/core/users/operations.js';
import { getProvider } from '../../../src/core/mechanisms/index.js';
import { testContext, refused } from '../../support/helpers.js';
import { presentAttributes } from '../../../src/core/keys/model.js';
import { byLabel } from '../../../src/core/keys/selector.js';
import { presented } from '../../support/presented.js';

// These tests read the wrapped key as the CLI prints it (base64, the IV as 0x-hex).
const wrapKey = presented(wrapKeyOp);

const ADMIN: Caller = { credentials: { username: 'admin', password: 'Admin123!', role: 'admin' } };
const cu = (username: string): Caller => ({ credentials: { username, password: `${username}-Pass1`, role: 'crypto-user' }, sessionKeys: new Map() });


function params(mechanism: WrapMechanism) {
  if (mechanism.includes('gcm')) return { tagLengthBits: 128, aad: '0x0102' };
  if (mechanism === 'rsa-oaep' || mechanism === 'rsa-aes') return { hash: 'sha256', mgf: 'mgf1-sha256' };
  return {};
}

describe('core/keys wrap and unwrap', function () {
  this.timeout(120_000);
  let ctx: Awaited<ReturnType<typeof testContext>>;

  before(async () => {
    ctx = await testContext();
    await quickstart(ctx, { password: 'Admin123!' });
    for (const name of ['alice', 'bob']) await perform(ctx, createUser, { username: name, role: 'crypto-user', password: `${name}-Pass1` }, ADMIN);
    await perform(ctx, generateSymmetric, { keyType: 'aes', label: 'kek', keyLengthBytes: 32, attributes: ['wrap=true', 'unwrap=true'] }, cu('alice'));
    await perform(ctx, generateKeyPair, { keyType: 'rsa', modulusSizeBits: 2048, publicExponent: '65537', publicLabel: 'rsa-kek-pub', privateLabel: 'rsa-kek-priv', publicAttributes: ['wrap=true'], privateAttributes: ['unwrap=true'] }, cu('alice'));
    await perform(ctx, generateSymmetric, { keyType: 'aes', label: 'payload', keyLengthBytes: 16, attributes: ['encrypt=true'] }, cu('alice'));
    await perform(ctx, generateKeyPair, { keyType: 'ec', curve: 'secp256r1', publicLabel: 'ec-pub', privateLabel: 'ec-priv', privateAttributes: ['sign=true'], publicAttributes: ['verify=true'] }, cu('alice'));
  });

  for (const mechanism of WRAP_MECHANISMS) {
    it(`${mechanism}: wraps an AES key and unwraps it to a key with the same check value and local=false`, async () => {
      const kek = mechanism.startsWith('rsa') ? 'rsa-kek-pub' : 'kek';
      const unkek = mechanism.startsWith('rsa') ? 'rsa-kek-priv' : 'kek';
      const wrapped = await perform(ctx, wrapKey, { mechanism, payloadFilter: byLabel('payload'), wrappingFilter: byLabel(kek), ...params(mechanism) }, cu('alice'));
      if (mechanism === 'aes-gcm') assert.match(String(wrapped.iv), /^0x[0-9a-f]{24}$/);
      if (mechanism === 'aes-pkcs5-pad') assert.equal(Buffer.from(String(wrapped.wrapped_key_data), 'base64').length, 32);
      if (mechanism === 'aes-no-pad') assert.equal(Buffer.from(String(wrapped.wrapped_key_data), 'base64').length, 24);
      const data = new Uint8Array(Buffer.from(String(wrapped.wrapped_key_data), 'base64'));
      const { key } = await perform(ctx, unwrapKey, { mechanism, filter: byLabel(unkek), data, keyTypeClass: 'aes', label: `back-${mechanism}`, iv: wrapped.iv as string | undefined, ...params(mechanism) }, cu('alice'));
      const original = { attributes: presentAttributes((await perform(ctx, listKeys, { filter: byLabel('payload'), verbose: true }, cu('alice'))).keys[0]!) };
      const attrs = presentAttributes(key);
      assert.equal(attrs['check-value'], original.attributes['check-value']);
      assert.equal(attrs.local, false);
      assert.equal(attrs.id, '0x');
      assert.equal(attrs['key-length-bytes'], 16);
    });
  }

  it('aes-no-pad output unwraps with node:crypto id-aes256-wrap, and aes-pkcs5-pad output with id-aes256-wrap plus PKCS#5 unpadding', async () => {
    await perform(ctx, generateSymmetric, { keyType: 'aes', label: 'exportable-kek', keyLengthBytes: 32, attributes: ['wrap=true'] }, cu('alice'));
    const kekBytes = Buffer.from(
      String(
        (
          await perform(ctx, wrapKey, { mechanism: 'rsa-oaep', payloadFilter: byLabel('exportable-kek'), wrappingFilter: byLabel('rsa-kek-pub'), hash: 'sha256', mgf: 'mgf1-sha256' }, cu('alice'))
        ).wrapped_key_data,
      ),
      'base64',
    );
    // Recover the wrapping key's bytes the way its recipient would: OAEP-decrypt them with the
    // RSA private key (read from the test's own store).
    const node = getProvider('node');
    const stored = await ctx.store.read((v) => v.list<{ label: string; material: string }>('key/').map(([, k]) => k));
    const rsaPriv = stored.find((k) => k.label === 'rsa-kek-priv')!;
    const kek = node.rsaOaepDecrypt(node.preparePrivate({ type: 'rsa' }, new Uint8Array(Buffer.from(rsaPriv.material, 'base64'))), 'sha256', 'sha256', undefined, kekBytes);
    const payload = Buffer.from(stored.find((k) => k.label === 'payload')!.material, 'base64');
    const noPad = Buffer.from(String((await perform(ctx, wrapKey, { mechanism: 'aes-no-pad', payloadFilter: byLabel('payload'), wrappingFilter: byLabel('exportable-kek') }, cu('alice'))).wrapped_key_data), 'base64');
    const d1 = createDecipheriv('id-aes256-wrap', Buffer.from(kek), Buffer.from('a6a6a6a6a6a6a6a6', 'hex'));
    assert.deepEqual(Buffer.concat([d1.update(noPad), d1.final()]), payload);
    const pkcs5 = Buffer.from(String((await perform(ctx, wrapKey, { mechanism: 'aes-pkcs5-pad', payloadFilter: byLabel('payload'), wrappingFilter: byLabel('exportable-kek') }, cu('alice'))).wrapped_key_data), 'base64');
    const d2 = createDecipheriv('id-aes256-wrap', Buffer.from(kek), Buffer.from('a6a6a6a6a6a6a6a6', 'hex'));
    const padded = Buffer.concat([d2.update(pkcs5), d2.final()]);
    assert.deepEqual(padded.subarray(0, padded.length - padded[padded.length - 1]!), payload);
  });

  it('moves a private key: wrapped with rsa-aes, unwrapped, and it still signs what the original public key verifies', async () => {
    const wrapped = await perform(ctx, wrapKey, { mechanism: 'rsa-aes', payloadFilter: byLabel('ec-priv'), wrappingFilter: byLabel('rsa-kek-pub'), hash: 'sha256', mgf: 'mgf1-sha256' }, cu('alice'));
    await perform(ctx, unwrapKey, { mechanism: 'rsa-aes', filter: byLabel('rsa-kek-priv'), data: new Uint8Array(Buffer.from(String(wrapped.wrapped_key_data), 'base64')), keyTypeClass: 'ec-private', label: 'ec-priv-copy', attributes: ['sign=true'], hash: 'sha256', mgf: 'mgf1-sha256' }, cu('alice'));
    const data = new Uint8Array(Buffer.from('moved'));
    const { signature } = await perform(ctx, sign, { mechanism: 'ecdsa', keyFilter: byLabel('ec-priv-copy'), data, hash: 'sha256' }, cu('alice'));
    await perform(ctx, verify, { mechanism: 'ecdsa', keyFilter: byLabel('ec-pub'), data, hash: 'sha256', signature }, cu('alice'));
  });

  it('refuses to wrap a non-extractable key, a key the caller does not own, and with a key lacking wrap=true', async () => {
    await perform(ctx, generateSymmetric, { keyType: 'aes', label: 'locked-in', keyLengthBytes: 32, attributes: ['extractable=false'] }, cu('alice'));
    await refused(perform(ctx, wrapKey, { mechanism: 'aes-no-pad', payloadFilter: byLabel('locked-in'), wrappingFilter: byLabel('kek') }, cu('alice')), 'KEY_ATTRIBUTE_REFUSED');
    await perform(ctx, generateSymmetric, { keyType: 'aes', label: 'bob-kek', keyLengthBytes: 32 }, cu('bob'));
    await refused(perform(ctx, wrapKey, { mechanism: 'aes-no-pad', payloadFilter: byLabel('payload'), wrappingFilter: byLabel('bob-kek') }, cu('bob')), 'KEY_SELECTION_NOT_UNIQUE');
    await perform(ctx, generateSymmetric, { keyType: 'aes', label: 'no-wrap', keyLengthBytes: 32 }, cu('alice'));
    await refused(perform(ctx, wrapKey, { mechanism: 'aes-no-pad', payloadFilter: byLabel('payload'), wrappingFilter: byLabel('no-wrap') }, cu('alice')), 'KEY_ATTRIBUTE_REFUSED');
    await refused(perform(ctx, wrapKey, { mechanism: 'rsa-oaep', payloadFilter: byLabel('payload'), wrappingFilter: byLabel('kek'), hash: 'sha256', mgf: 'mgf1-sha256' }, cu('alice')), 'INVALID_ARGUMENT');
  });

  it('wraps a wrap-with-trusted key only under a trusted wrapping key', async () => {
    await perform(ctx, generateSymmetric, { keyType: 'aes', label: 'guarded', keyLengthBytes: 32, attributes: ['wrap-with-trusted=true'] }, cu('alice'));
    await refused(perform(ctx, wrapKey, { mechanism: 'aes-no-pad', payloadFilter: byLabel('guarded'), wrappingFilter: byLabel('kek') }, cu('alice')), 'KEY_ATTRIBUTE_REFUSED');
    await perform(ctx, setAttribute, { filter: byLabel('kek'), name: 'trusted', value: 'true' }, ADMIN);
    await perform(ctx, wrapKey, { mechanism: 'aes-no-pad', payloadFilter: byLabel('guarded'), wrappingFilter: byLabel('kek') }, cu('alice'));
  });

  it('reports a wrong tag, IV or key as DECRYPTION_FAILED and creates nothing', async () => {
    const before = (await perform(ctx, listKeys, {}, cu('alice'))).totalKeyCount;
    const wrapped = await perform(ctx, wrapKey, { mechanism: 'aes-gcm', payloadFilter: byLabel('payload'), wrappingFilter: byLabel('kek'), tagLengthBits: 128 }, cu('alice'));
    const data = new Uint8Array(Buffer.from(String(wrapped.wrapped_key_data), 'base64'));
    data[0] = data[0]! ^ 1;
    await refused(perform(ctx, unwrapKey, { mechanism: 'aes-gcm', filter: byLabel('kek'), data, keyTypeClass: 'aes', label: 'bad', iv: String(wrapped.iv), tagLengthBits: 128 }, cu('alice')), 'DECRYPTION_FAILED');
    await refused(perform(ctx, unwrapKey, { mechanism: 'aes-no-pad', filter: byLabel('kek'), data: new Uint8Array(24), keyTypeClass: 'aes', label: 'bad' }, cu('alice')), 'DECRYPTION_FAILED');
    assert.equal((await perform(ctx, listKeys, {}, cu('alice'))).totalKeyCount, before);
  });
});
