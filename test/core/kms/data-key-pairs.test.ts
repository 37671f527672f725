/**
 * GenerateDataKeyPair(WithoutPlaintext) under standard keys: the pair is real and whole (the
 * private key signs what the public key verifies), its encrypted copy decrypts with the same
 * encryption context only, the refusals are KMS's, and a key disabled while the pair was being made
 * refuses the request.
 */
import assert from 'node:assert/strict';
import { createPrivateKey, createPublicKey, sign, verify } from 'node:crypto';
import { perform } from '../../../src/core/engine.js';
import type { EngineContext } from '../../../src/core/context.js';
import { HsmError } from '../../../src/core/errors.js';
import { storeKeys, type ClusterRecord } from '../../../src/core/cluster/model.js';
import { createKeyStore, connectKeyStore } from '../../../src/core/kms/key-stores.js';
import { kmsGenerateDataKeyPair } from '../../../src/core/kms/data-key-pairs.js';
import { createKmsKey, disableKmsKey, enableKmsKey, kmsDecrypt } from '../../../src/core/kms/keys.js';
import { setStoreFaultHook } from '../../../src/core/store/faults.js';
import { runBin } from '../../support/helpers.js';
import { clusterContext } from '../../support/templates.js';

const PW = 'Kms-User-Pass-1';

async function kmsRefusal(attempt: Promise<unknown>, type: string, message?: RegExp): Promise<void> {
  try {
    await attempt;
  } catch (err) {
    assert.ok(err instanceof HsmError, String(err));
    assert.equal(err.aws?.type, type, err.message);
    if (message) assert.match(err.message, message);
    return;
  }
  assert.fail(`expected ${type}`);
}

describe('core/kms: data key pairs', function () {
  this.timeout(120_000);
  let ctx: EngineContext & { dir: string };
  let keyId: string;

  before(async () => {
    ctx = await clusterContext({ cryptoUsers: { kmsuser: PW } });
    keyId = (await perform(ctx, createKmsKey, {})).KeyMetadata.KeyId;
  });

  for (const [spec, algorithm] of [
    ['RSA_2048', 'rsa'],
    ['ECC_NIST_P256', 'ec'],
    ['ECC_NIST_P384', 'ec'],
    ['ECC_NIST_P521', 'ec'],
    ['ECC_SECG_P256K1', 'ec'],
  ] as const) {
    it(`${spec}: a whole pair; the encrypted private key decrypts to it with the same context only`, async () => {
      const context = { purpose: 'pairs', spec };
      const pair = await perform(ctx, kmsGenerateDataKeyPair, { KeyId: keyId, KeyPairSpec: spec, EncryptionContext: context });
      assert.equal(pair.KeyPairSpec, spec);
      assert.match(pair.KeyId, /^arn:aws:kms:/);
      const publicKey = createPublicKey({ key: Buffer.from(pair.PublicKey), format: 'der', type: 'spki' });
      const privateKey = createPrivateKey({ key: Buffer.from(pair.PrivateKeyPlaintext!), format: 'der', type: 'pkcs8' });
      assert.equal(publicKey.asymmetricKeyType, algorithm);
      const message = Buffer.from('signed by the data key');
      assert.ok(verify('sha256', message, publicKey, sign('sha256', message, privateKey)), 'the private key is not the public key\'s');
      const opened = await perform(ctx, kmsDecrypt, { CiphertextBlob: pair.PrivateKeyCiphertextBlob, EncryptionContext: context });
      assert.deepEqual(Buffer.from(opened.Plaintext), Buffer.from(pair.PrivateKeyPlaintext!));
      await kmsRefusal(perform(ctx, kmsDecrypt, { CiphertextBlob: pair.PrivateKeyCiphertextBlob, EncryptionContext: { ...context, spec: 'other' } }), 'InvalidCiphertextException');
    });
  }

  it('WithoutPlaintext: no private key in the answer; Decrypt gives the one that matches the public key; each call a new pair', async () => {
    const pair = await perform(ctx, kmsGenerateDataKeyPair, { KeyId: keyId, KeyPairSpec: 'ECC_NIST_P256', withoutPlaintext: true });
    assert.ok(!('PrivateKeyPlaintext' in pair));
    const privateKey = createPrivateKey({ key: Buffer.from((await perform(ctx, kmsDecrypt, { CiphertextBlob: pair.PrivateKeyCiphertextBlob })).Plaintext), format: 'der', type: 'pkcs8' });
    assert.deepEqual(createPublicKey(privateKey).export({ format: 'der', type: 'spki' }), Buffer.from(pair.PublicKey));
    const again = await perform(ctx, kmsGenerateDataKeyPair, { KeyId: keyId, KeyPairSpec: 'ECC_NIST_P256', withoutPlaintext: true });
    assert.notDeepEqual(Buffer.from(again.PublicKey), Buffer.from(pair.PublicKey));
  });

  it('refuses as KMS does: an unknown or China-only spec, a missing or disabled key, a key in a custom key store', async () => {
    await kmsRefusal(perform(ctx, kmsGenerateDataKeyPair, { KeyId: keyId, KeyPairSpec: 'RSA_1024' }), 'ValidationException', /KeyPairSpec must be one of RSA_2048, .*ECC_SECG_P256K1/);
    await kmsRefusal(perform(ctx, kmsGenerateDataKeyPair, { KeyId: keyId, KeyPairSpec: 'SM2' }), 'ValidationException', /China Regions/);
    await kmsRefusal(perform(ctx, kmsGenerateDataKeyPair, { KeyId: 'alias/none', KeyPairSpec: 'RSA_2048' }), 'NotFoundException');
    await perform(ctx, disableKmsKey, { KeyId: keyId });
    await kmsRefusal(perform(ctx, kmsGenerateDataKeyPair, { KeyId: keyId, KeyPairSpec: 'ECC_NIST_P256' }), 'DisabledException');
    await perform(ctx, enableKmsKey, { KeyId: keyId });
    const cluster = await ctx.store.read((view) => view.list<ClusterRecord>(storeKeys.clusterPrefix)[0]![1]);
    const { CustomKeyStoreId } = await perform(ctx, createKeyStore, { CustomKeyStoreName: 'Pairs', CloudHsmClusterId: cluster.clusterId, KeyStorePassword: PW, TrustAnchorCertificate: cluster.trustAnchorPem! });
    await perform(ctx, connectKeyStore, { CustomKeyStoreId });
    const inStore = (await perform(ctx, createKmsKey, { Origin: 'AWS_CLOUDHSM', CustomKeyStoreId })).KeyMetadata.KeyId;
    await kmsRefusal(perform(ctx, kmsGenerateDataKeyPair, { KeyId: inStore, KeyPairSpec: 'ECC_NIST_P256', withoutPlaintext: true }), 'UnsupportedOperationException', /custom key store/);
  });

  it('an encryption context that is not strings to strings is refused before any pair is made', async () => {
    const draws = ctx.random;
    let drawn = 0;
    ctx.random = (n) => ((drawn += n), draws(n));
    try {
      const EncryptionContext = { purpose: 1 } as unknown as Record<string, string>;
      await kmsRefusal(perform(ctx, kmsGenerateDataKeyPair, { KeyId: keyId, KeyPairSpec: 'ECC_NIST_P256', EncryptionContext }), 'ValidationException', /EncryptionContext must map strings to strings/);
    } finally {
      ctx.random = draws;
    }
    assert.equal(drawn, 0, 'a pair was made for a request that could never succeed');
  });

  it('a key disabled by another process while the pair is made: the request is refused, nothing is returned', async () => {
    let disabled = 0;
    setStoreFaultHook((step) => {
      if (step !== 'operation.prepared' || disabled++ > 0) return;
      const run = runBin(['kms', 'disable-key', '--key-id', keyId], { env: { CLOUDHSM_STATE_DIR: ctx.dir } });
      assert.equal(run.status, 0, run.stderr);
    });
    try {
      await kmsRefusal(perform(ctx, kmsGenerateDataKeyPair, { KeyId: keyId, KeyPairSpec: 'ECC_NIST_P256' }), 'DisabledException');
    } finally {
      setStoreFaultHook(undefined);
      await perform(ctx, enableKmsKey, { KeyId: keyId });
    }
    assert.equal(disabled, 1);
  });
});
