import assert from 'node:assert/strict';
import { EC_CURVES, EC_CURVE_BYTES, type CryptoProvider } from '../../../src/core/mechanisms/index.js';
import {
  PROVIDERS,
  assertBytes,
  assertRejects,
  hex,
  loadVectors,
  runVectors,
  sameBytes,
  seededRandom,
  summarize,
} from './support.js';

const [node, noble] = PROVIDERS as [CryptoProvider, CryptoProvider];

/** Wycheproof writes the private scalar as an ASN.1-style integer (maybe with a sign byte). */
function fixedWidth(value: Uint8Array, size: number): Uint8Array {
  let start = 0;
  while (start < value.length - size && value[start] === 0) start++;
  const trimmed = value.subarray(start);
  const out = new Uint8Array(size);
  out.set(trimmed, size - trimmed.length);
  return out;
}

describe('mechanisms: ECDH (Wycheproof)', () => {
  const vectors = loadVectors('ecdh_secp256r1_test.json');
  for (const provider of PROVIDERS) {
    it(`${provider.name}: ecdh_secp256r1_test.json, peer keys imported from their SPKI encoding`, () => {
      const stats = runVectors(vectors, (group, test) => {
        assert.equal(group.curve, 'secp256r1');
        assert.equal(group.encoding, 'asn');
        const peer = provider.importPublicDer(hex(test.public), 'spki');
        if (peer.spec.type !== 'ec' || peer.spec.curve !== 'secp256r1') return false;
        const privateKey = provider.preparePrivate({ type: 'ec', curve: 'secp256r1' }, fixedWidth(hex(test.private), 32));
        return sameBytes(provider.ecdh(privateKey, peer.material), hex(test.shared));
      });
      assert.ok(stats.valid > 300, summarize(stats));
    });
  }

  it('gives the same shared secret in both providers on all five curves, from both sides', () => {
    for (const curve of EC_CURVES) {
      const a = node.generateEc(curve, seededRandom(`ecdh-a-${curve}`));
      const b = noble.generateEc(curve, seededRandom(`ecdh-b-${curve}`));
      const viaNode = node.ecdh(node.preparePrivate(a.spec, a.privateKey), b.publicKey);
      const viaNoble = noble.ecdh(noble.preparePrivate(b.spec, b.privateKey), a.publicKey);
      assert.equal(viaNode.length, EC_CURVE_BYTES[curve]);
      assertBytes(viaNoble, viaNode, curve);
    }
  });

  for (const provider of PROVIDERS) {
    it(`${provider.name}: refuses a peer point that is off the curve, compressed, or the wrong size`, () => {
      const pair = provider.generateEc('secp256r1', seededRandom('ecdh-refuse'));
      const key = provider.preparePrivate(pair.spec, pair.privateKey);
      const offCurve = pair.publicKey.slice();
      offCurve[64]! ^= 1;
      assertRejects(() => provider.ecdh(key, offCurve), 'INVALID_ARGUMENT');
      assertRejects(() => provider.ecdh(key, pair.publicKey.subarray(0, 33)), 'INVALID_ARGUMENT');
      assertRejects(() => provider.ecdh(key, new Uint8Array(65)), 'INVALID_ARGUMENT');
      const p384 = provider.generateEc('secp384r1', seededRandom('ecdh-384'));
      assertRejects(() => provider.ecdh(key, p384.publicKey), 'INVALID_ARGUMENT');
    });
  }
});

describe('mechanisms: X25519 (Wycheproof)', () => {
  const vectors = loadVectors('x25519_test.json');
  for (const provider of PROVIDERS) {
    it(`${provider.name}: x25519_test.json (low-order peers that give a zero secret refused)`, () => {
      const stats = runVectors(vectors, (_group, test) =>
        sameBytes(provider.x25519(hex(test.private), hex(test.public)), hex(test.shared)),
      );
      // Every refusal is one of the "acceptable" zero-shared-secret cases.
      assert.equal(stats.acceptable - stats.acceptedAcceptable, stats.rejectionCodes.INVALID_ARGUMENT ?? 0, summarize(stats));
    });
  }

  it('matches RFC 7748 §6.1 and agrees across providers', () => {
    const alice = hex('77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a');
    const bobPublic = hex('de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f');
    const shared = '4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742';
    for (const provider of PROVIDERS) assert.equal(Buffer.from(provider.x25519(alice, bobPublic)).toString('hex'), shared);
    const random = seededRandom('x25519');
    for (let i = 0; i < 20; i++) {
      const priv = random(32);
      const pub = random(32);
      assertBytes(noble.x25519(priv, pub), node.x25519(priv, pub));
    }
  });
});
