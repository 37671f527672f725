/**
 * X25519 as a prepared key type (RFC 7748, RFC 8410 containers): generation, the RFC 7748 §6.1
 * vectors through prepared keys, SPKI/PKCS#8 round trips (and OpenSSL's view of them), agreement
 * across providers, and refusals (signing with an X25519 key, low-order peers, bad lengths).
 * The raw `x25519` function's Wycheproof run lives in ecdh.test.ts.
 */
import assert from 'node:assert/strict';
import { createPrivateKey, createPublicKey, diffieHellman, generateKeyPairSync } from 'node:crypto';
import { type AsymmetricKeySpec, type CryptoProvider, type PreparedKey } from '../../../src/core/mechanisms/index.js';
import { PROVIDERS, assertBytes, assertRejects, hex, seededRandom } from './support.js';

const [node, noble] = PROVIDERS as [CryptoProvider, CryptoProvider];
const X25519: AsymmetricKeySpec = { type: 'x25519' };

/** RFC 7748 §6.1. */
const RFC = {
  alicePrivate: hex('77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a'),
  alicePublic: hex('8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a'),
  bobPrivate: hex('5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb'),
  bobPublic: hex('de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f'),
  shared: hex('4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742'),
};

/** A random source that hands out `bytes` once, as a seeded HSM context would. */
function fixedRandom(bytes: Uint8Array): (n: number) => Uint8Array {
  return (n) => {
    assert.equal(n, bytes.length);
    return bytes.slice();
  };
}

describe('mechanisms: X25519 keys', () => {
  for (const provider of PROVIDERS) {
    it(`${provider.name}: generation takes the private key as random(32) and gives the RFC 7748 §6.1 public key`, () => {
      const alice = provider.generateX25519(fixedRandom(RFC.alicePrivate));
      assert.deepEqual(alice.spec, X25519);
      assertBytes(alice.privateKey, RFC.alicePrivate, 'the private key is stored unclamped');
      assertBytes(alice.publicKey, RFC.alicePublic);
      const bob = provider.generateX25519(fixedRandom(RFC.bobPrivate));
      assertBytes(bob.publicKey, RFC.bobPublic);
    });

    it(`${provider.name}: prepared keys give the RFC 7748 §6.1 public keys and shared secret`, () => {
      const alice = provider.preparePrivate(X25519, RFC.alicePrivate);
      const bob = provider.preparePrivate(X25519, RFC.bobPrivate);
      assertBytes(provider.publicKeyOf(alice), RFC.alicePublic);
      assertBytes(provider.publicKeyOf(bob), RFC.bobPublic);
      assertBytes(provider.publicKeyOf(provider.preparePublic(X25519, RFC.bobPublic)), RFC.bobPublic);
      assertBytes(provider.x25519Derive(alice, RFC.bobPublic), RFC.shared, 'Alice');
      assertBytes(provider.x25519Derive(bob, RFC.alicePublic), RFC.shared, 'Bob');
    });

    it(`${provider.name}: RFC 8410 SPKI and PKCS#8 exports import back, in either provider`, () => {
      const pair = provider.generateX25519(seededRandom(`x25519-${provider.name}`));
      const priv = provider.preparePrivate(X25519, pair.privateKey);
      const spki = provider.exportSpki(priv);
      const pkcs8 = provider.exportPkcs8(priv);
      // RFC 8410 §10.1 and §10.3: id-X25519 (1.3.101.110), no parameters, the raw key bytes.
      assertBytes(spki, hex(`302a300506032b656e032100${Buffer.from(pair.publicKey).toString('hex')}`));
      assertBytes(pkcs8, hex(`302e020100300506032b656e04220420${Buffer.from(pair.privateKey).toString('hex')}`));
      assertBytes(provider.exportSpki(provider.preparePublic(X25519, pair.publicKey)), spki, 'public half');
      for (const importer of PROVIDERS) {
        const importedPublic = importer.importPublicDer(spki, 'spki');
        assert.deepEqual(importedPublic.spec, X25519);
        assert.equal(importedPublic.kind, 'public');
        assertBytes(importedPublic.material, pair.publicKey, importer.name);
        const importedPrivate = importer.importPrivateDer(pkcs8, 'pkcs8');
        assert.deepEqual(importedPrivate.spec, X25519);
        assert.equal(importedPrivate.kind, 'private');
        assertBytes(importedPrivate.material, pair.privateKey, importer.name);
      }
    });

    it(`${provider.name}: imports OpenSSL-generated X25519 keys into canonical form`, () => {
      const { privateKey, publicKey } = generateKeyPairSync('x25519');
      const pub = provider.importPublicDer(new Uint8Array(publicKey.export({ format: 'der', type: 'spki' })), 'spki');
      const priv = provider.importPrivateDer(new Uint8Array(privateKey.export({ format: 'der', type: 'pkcs8' })), 'pkcs8');
      assertBytes(pub.material, hex(Buffer.from(publicKey.export({ format: 'jwk' }).x!, 'base64url').toString('hex')));
      assertBytes(provider.publicKeyOf(provider.preparePrivate(priv.spec, priv.material)), pub.material);
    });
  }

  it('node: exportSpki and exportPkcs8 are accepted by node:crypto and agree with its diffieHellman', () => {
    const alice = node.preparePrivate(X25519, RFC.alicePrivate);
    const bob = node.preparePrivate(X25519, RFC.bobPrivate);
    const alicePublic = createPublicKey({ key: Buffer.from(node.exportSpki(alice)), format: 'der', type: 'spki' });
    assert.equal(alicePublic.asymmetricKeyType, 'x25519');
    const bobPrivate = createPrivateKey({ key: Buffer.from(node.exportPkcs8(bob)), format: 'der', type: 'pkcs8' });
    assert.equal(bobPrivate.asymmetricKeyType, 'x25519');
    assertBytes(new Uint8Array(diffieHellman({ privateKey: bobPrivate, publicKey: alicePublic })), RFC.shared);
  });

  it('node and noble generate the same pair from one seed and agree on the shared secret', () => {
    for (let i = 0; i < 8; i++) {
      const a = node.generateX25519(seededRandom(`x25519-cross-a-${i}`));
      const sameA = noble.generateX25519(seededRandom(`x25519-cross-a-${i}`));
      assertBytes(sameA.privateKey, a.privateKey);
      assertBytes(sameA.publicKey, a.publicKey);
      const b = noble.generateX25519(seededRandom(`x25519-cross-b-${i}`));
      const fromNode = node.x25519Derive(node.preparePrivate(X25519, a.privateKey), b.publicKey);
      const fromNoble = noble.x25519Derive(noble.preparePrivate(X25519, b.privateKey), a.publicKey);
      assertBytes(fromNoble, fromNode, `pair ${i}`);
      assertBytes(fromNode, node.x25519(a.privateKey, b.publicKey), 'prepared and raw agree');
    }
  });

  for (const provider of PROVIDERS) {
    it(`${provider.name}: a low-order (all-zero) peer, a bad length or the wrong key is refused with INVALID_ARGUMENT`, () => {
      const alice = provider.preparePrivate(X25519, RFC.alicePrivate);
      assertRejects(() => provider.x25519Derive(alice, new Uint8Array(32)), 'INVALID_ARGUMENT', 'u = 0');
      assertRejects(() => provider.x25519Derive(alice, hex(`01${'00'.repeat(31)}`)), 'INVALID_ARGUMENT', 'u = 1');
      assertRejects(() => provider.x25519Derive(alice, RFC.bobPublic.subarray(1)), 'INVALID_ARGUMENT', '31-byte peer');
      assertRejects(() => provider.x25519Derive(provider.preparePublic(X25519, RFC.alicePublic), RFC.bobPublic), 'INVALID_ARGUMENT', 'public key');
      const other = provider === node ? noble : node;
      assertRejects(() => provider.x25519Derive(other.preparePrivate(X25519, RFC.alicePrivate), RFC.bobPublic), 'INVALID_ARGUMENT', 'other provider');
      const ec = provider.generateEc('secp256r1', seededRandom('x25519-ec'));
      assertRejects(() => provider.x25519Derive(provider.preparePrivate(ec.spec, ec.privateKey), RFC.bobPublic), 'INVALID_ARGUMENT', 'EC key');
      assertRejects(() => provider.preparePrivate(X25519, new Uint8Array(31)), 'INVALID_ARGUMENT', '31-byte private key');
      assertRejects(() => provider.preparePublic(X25519, new Uint8Array(33)), 'INVALID_ARGUMENT', '33-byte public key');
    });

    it(`${provider.name}: ECDH and every signature or RSA operation refuse an X25519 key with INVALID_ARGUMENT`, () => {
      const priv = provider.preparePrivate(X25519, RFC.alicePrivate);
      const pub = provider.preparePublic(X25519, RFC.alicePublic);
      const data = new Uint8Array(32);
      const sig = new Uint8Array(64);
      const uses: Record<string, (key: PreparedKey) => unknown> = {
        ecdh: (k) => provider.ecdh(k, hex(`04${'01'.repeat(64)}`)),
        ecdsaSign: (k) => provider.ecdsaSign(k, 'sha256', data),
        ecdsaVerify: (k) => provider.ecdsaVerify(k, 'sha256', data, sig),
        ed25519Sign: (k) => provider.ed25519Sign(k, data),
        ed25519Verify: (k) => provider.ed25519Verify(k, data, sig),
        ed25519phSign: (k) => provider.ed25519phSign(k, data),
        ed25519phVerify: (k) => provider.ed25519phVerify(k, data, sig),
        rsaPkcs1Sign: (k) => provider.rsaPkcs1Sign(k, 'sha256', data),
        rsaPkcs1Verify: (k) => provider.rsaPkcs1Verify(k, 'sha256', data, sig),
        rsaPssSign: (k) => provider.rsaPssSign(k, 'sha256', 'sha256', 32, data),
        rsaPssVerify: (k) => provider.rsaPssVerify(k, 'sha256', 'sha256', 32, data, sig),
        rsaOaepEncrypt: (k) => provider.rsaOaepEncrypt(k, 'sha256', 'sha256', undefined, data),
        rsaOaepDecrypt: (k) => provider.rsaOaepDecrypt(k, 'sha256', 'sha256', undefined, data),
        rsaPkcs1Encrypt: (k) => provider.rsaPkcs1Encrypt(k, data),
        rsaPkcs1Decrypt: (k) => provider.rsaPkcs1Decrypt(k, data),
        mlDsaSign: (k) => provider.mlDsaSign(k, data),
        mlDsaVerify: (k) => provider.mlDsaVerify(k, data, sig),
        mlDsaExternalMu: (k) => provider.mlDsaExternalMu(k, data),
        mlDsaSignMu: (k) => provider.mlDsaSignMu(k, new Uint8Array(64)),
        mlDsaVerifyMu: (k) => provider.mlDsaVerifyMu(k, new Uint8Array(64), sig),
      };
      for (const [name, use] of Object.entries(uses)) {
        for (const key of [priv, pub]) assertRejects(() => use(key), 'INVALID_ARGUMENT', `${name} with an X25519 ${key.kind} key`);
      }
    });
  }
});
