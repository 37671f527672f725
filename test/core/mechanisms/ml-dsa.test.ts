import assert from 'node:assert/strict';
import {
  ML_DSA_BYTES,
  ML_DSA_VARIANTS,
  type CryptoProvider,
  type KeyPairMaterial,
  type MlDsaVariant,
  type PreparedKey,
} from '../../../src/core/mechanisms/index.js';
import {
  PROVIDERS,
  assertBytes,
  assertRejects,
  hex,
  loadVectors,
  runVectors,
  seededRandom,
  summarize,
  type WycheproofGroup,
} from './support.js';

const [node, noble] = PROVIDERS as [CryptoProvider, CryptoProvider];

describe('mechanisms: ML-DSA-65 verify (Wycheproof)', () => {
  const vectors = loadVectors('mldsa_65_verify_test.json');
  for (const provider of PROVIDERS) {
    it(`${provider.name}: mldsa_65_verify_test.json with the given public key bytes (and its SPKI agreeing)`, () => {
      const keys = new Map<WycheproofGroup, PreparedKey>();
      const stats = runVectors(vectors, (group, test) => {
        let key = keys.get(group);
        if (!key) {
          // Wrong-length keys are refused here, which fails the group's (invalid) cases.
          key = provider.preparePublic({ type: 'ml-dsa', variant: 'ML-DSA-65' }, hex(group.publicKey));
          const imported = provider.importPublicDer(hex(group.publicKeyDer), 'spki');
          assert.deepEqual(imported.spec, { type: 'ml-dsa', variant: 'ML-DSA-65' });
          assertBytes(imported.material, hex(group.publicKey));
          keys.set(group, key);
        }
        const context = test.ctx === undefined ? undefined : hex(test.ctx);
        return provider.mlDsaVerify(key, hex(test.msg), hex(test.sig), { context });
      });
      assert.ok(stats.rejectionCodes.INVALID_ARGUMENT! >= 5, `256-byte contexts and bad key lengths refused: ${summarize(stats)}`);
    });
  }
});

describe('mechanisms: ML-DSA round trips and cross-checks', () => {
  const pairs = {} as Record<MlDsaVariant, KeyPairMaterial>;
  before(() => {
    for (const variant of ML_DSA_VARIANTS) pairs[variant] = noble.generateMlDsa(variant, seededRandom(variant));
  });

  for (const variant of ML_DSA_VARIANTS) {
    it(`${variant}: same key from the same seed in both providers; FIPS 204 sizes; each verifies the other's signatures`, () => {
      const pair = pairs[variant];
      const viaNode = node.generateMlDsa(variant, seededRandom(variant));
      assertBytes(viaNode.privateKey, pair.privateKey);
      assertBytes(viaNode.publicKey, pair.publicKey);
      assert.equal(pair.publicKey.length, ML_DSA_BYTES[variant].publicKey);
      assert.equal(pair.privateKey.length, ML_DSA_BYTES[variant].secretKey);
      assert.equal(pair.seed?.length, 32);
      const message = new TextEncoder().encode(`sign me with ${variant}`);
      const context = new TextEncoder().encode('ctx');
      for (const [signer, verifier] of [[node, noble], [noble, node]] as const) {
        const priv = signer.preparePrivate(pair.spec, pair.privateKey);
        const pub = verifier.preparePublic(pair.spec, pair.publicKey);
        const label = `${signer.name} → ${verifier.name}`;
        const signature = signer.mlDsaSign(priv, message);
        assert.equal(signature.length, ML_DSA_BYTES[variant].signature, label);
        assert.ok(verifier.mlDsaVerify(pub, message, signature), label);
        assert.equal(verifier.mlDsaVerify(pub, message, signature, { context }), false, `${label}: another context`);
        const withContext = signer.mlDsaSign(priv, message, { context });
        assert.ok(verifier.mlDsaVerify(pub, message, withContext, { context }), `${label}: with context`);
        const tampered = signature.slice();
        tampered[100]! ^= 1;
        assert.equal(verifier.mlDsaVerify(pub, message, tampered), false, `${label}: tampered`);
        assert.equal(verifier.mlDsaVerify(pub, message, signature.subarray(1)), false, `${label}: short`);
      }
    });
  }

  it('external μ: μ computed by either provider signs and verifies like the message itself (ML-DSA-44 and -87)', () => {
    for (const variant of ['ML-DSA-44', 'ML-DSA-87'] as const) {
      const pair = pairs[variant];
      const message = new TextEncoder().encode('external mu');
      const context = new TextEncoder().encode('app');
      for (const [signer, verifier] of [[node, noble], [noble, node]] as const) {
        const priv = signer.preparePrivate(pair.spec, pair.privateKey);
        const pub = verifier.preparePublic(pair.spec, pair.publicKey);
        const mu = signer.mlDsaExternalMu(priv, message, { context });
        assert.equal(mu.length, 64);
        assertBytes(verifier.mlDsaExternalMu(pub, message, { context }), mu);
        const viaMu = signer.mlDsaSignMu(priv, mu);
        assert.ok(verifier.mlDsaVerify(pub, message, viaMu, { context }), `${variant} μ-signature verifies as a message signature`);
        const viaMessage = signer.mlDsaSign(priv, message, { context });
        assert.ok(verifier.mlDsaVerifyMu(pub, mu, viaMessage), `${variant} message signature verifies against μ`);
        assert.equal(verifier.mlDsaVerifyMu(pub, mu.map((b, i) => (i === 0 ? b ^ 1 : b)), viaMessage), false);
        assertRejects(() => signer.mlDsaSignMu(priv, mu.subarray(1)), 'INVALID_ARGUMENT');
      }
    }
  });

  for (const provider of PROVIDERS) {
    it(`${provider.name}: a key prepared from its 32-byte seed equals one prepared from sk, and PKCS#8 round-trips`, () => {
      const pair = pairs['ML-DSA-44'];
      const fromSeed = provider.preparePrivate(pair.spec, pair.seed!);
      const fromSk = provider.preparePrivate(pair.spec, pair.privateKey);
      assertBytes(provider.publicKeyOf(fromSeed), pair.publicKey);
      assertBytes(provider.publicKeyOf(fromSk), pair.publicKey);
      const both = provider.importPrivateDer(provider.exportPkcs8(fromSeed), 'pkcs8');
      assertBytes(both.material, pair.privateKey);
      assertBytes(both.seed!, pair.seed!);
      const expanded = provider.importPrivateDer(provider.exportPkcs8(fromSk), 'pkcs8');
      assertBytes(expanded.material, pair.privateKey);
      assert.equal(expanded.seed, undefined);
      const spki = provider.exportSpki(fromSk);
      assertBytes(provider.importPublicDer(spki, 'spki').material, pair.publicKey);
    });

    it(`${provider.name}: refuses wrong sizes and over-long contexts`, () => {
      const pair = pairs['ML-DSA-44'];
      const priv = provider.preparePrivate(pair.spec, pair.privateKey);
      assertRejects(() => provider.preparePrivate(pair.spec, pair.privateKey.subarray(1)), 'INVALID_ARGUMENT');
      assertRejects(() => provider.preparePublic({ type: 'ml-dsa', variant: 'ML-DSA-65' }, pair.publicKey), 'INVALID_ARGUMENT');
      assertRejects(() => provider.mlDsaSign(priv, new Uint8Array(1), { context: new Uint8Array(256) }), 'INVALID_ARGUMENT');
      provider.mlDsaSign(priv, new Uint8Array(1), { context: new Uint8Array(255) });
    });
  }
});
