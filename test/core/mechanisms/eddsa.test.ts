import assert from 'node:assert/strict';
import { ed25519ph } from '@noble/curves/ed25519.js';
import type { CryptoProvider, PreparedKey } from '../../../src/core/mechanisms/index.js';
import {
  PROVIDERS,
  assertBytes,
  assertRejects,
  hex,
  loadVectors,
  runVectors,
  seededRandom,
  toHex,
  type WycheproofGroup,
} from './support.js';

const [node, noble] = PROVIDERS as [CryptoProvider, CryptoProvider];

describe('mechanisms: Ed25519 (Wycheproof)', () => {
  const vectors = loadVectors('ed25519_test.json');
  for (const provider of PROVIDERS) {
    it(`${provider.name}: ed25519_test.json, keys imported from publicKeyDer`, () => {
      const keys = new Map<WycheproofGroup, PreparedKey>();
      runVectors(vectors, (group, test) => {
        let key = keys.get(group);
        if (!key) {
          const imported = provider.importPublicDer(hex(group.publicKeyDer), 'spki');
          assert.deepEqual(imported.spec, { type: 'ed25519' });
          assertBytes(imported.material, hex((group.publicKey as { pk: string }).pk));
          key = provider.preparePublic(imported.spec, imported.material);
          keys.set(group, key);
        }
        return provider.ed25519Verify(key, hex(test.msg), hex(test.sig));
      });
    });
  }
});

describe('mechanisms: Ed25519 known answers and cross-checks', () => {
  // RFC 8032 §7.1 TEST 1 and TEST 3.
  const rfc = [
    {
      seed: '9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60',
      pub: 'd75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a',
      msg: '',
      sig: 'e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b',
    },
    {
      seed: 'c5aa8df43f9f837bedb7442f31dcb7b166d38535076f094b85ce3a2e0b4458f7',
      pub: 'fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025',
      msg: 'af82',
      sig: '6291d657deec24024827e69c3abe01a30ce548a284743a445e3680d7db5ac3ac18ff9b538d16f290ae67f760984dc6594a7c15e9716ed28dc027beceea1ec40a',
    },
  ];

  for (const provider of PROVIDERS) {
    it(`${provider.name}: signs the RFC 8032 §7.1 examples exactly`, () => {
      for (const v of rfc) {
        const key = provider.preparePrivate({ type: 'ed25519' }, hex(v.seed));
        assert.equal(toHex(provider.publicKeyOf(key)), v.pub);
        assert.equal(toHex(provider.ed25519Sign(key, hex(v.msg))), v.sig);
        assert.ok(provider.ed25519Verify(provider.preparePublic({ type: 'ed25519' }, hex(v.pub)), hex(v.msg), hex(v.sig)));
      }
    });

    it(`${provider.name}: signs the RFC 8032 §7.3 Ed25519ph example, over the message or its SHA-512`, () => {
      const key = provider.preparePrivate({ type: 'ed25519' }, hex('833fe62409237b9d62ec77587520911e9a759cec1d19755b7da901b96dca3d42'));
      assert.equal(toHex(provider.publicKeyOf(key)), 'ec172b93ad5e563bf4932c70e1245034c35467ef2efd4d64ebf819683467e2bf');
      const expected =
        '98a70222f0b8121aa9d30f813d683f809e462b469c7ff87639499bb94e6dae4131f85042463c2a355a2003d062adf5aaa10b8c61e636062aaad11c2a26083406';
      const msg = hex('616263');
      assert.equal(toHex(provider.ed25519phSign(key, msg)), expected);
      const digest = provider.digest('sha512', msg);
      assert.equal(toHex(provider.ed25519phSign(key, digest, { prehashed: true })), expected);
      assert.ok(provider.ed25519phVerify(key, msg, hex(expected)));
      assert.ok(provider.ed25519phVerify(key, digest, hex(expected), { prehashed: true }));
      assert.equal(provider.ed25519Verify(key, msg, hex(expected)), false, 'not a PureEdDSA signature');
      assertRejects(() => provider.ed25519phSign(key, digest.subarray(1), { prehashed: true }), 'INVALID_ARGUMENT');
    });
  }

  it('generates the same key from the same random bytes, signs identically in both providers, and each verifies the other', () => {
    const a = node.generateEd25519(seededRandom('ed25519'));
    const b = noble.generateEd25519(seededRandom('ed25519'));
    assertBytes(b.privateKey, a.privateKey);
    assertBytes(b.publicKey, a.publicKey);
    const random = seededRandom('ed25519-messages');
    const keys = PROVIDERS.map((p) => ({ p, priv: p.preparePrivate(a.spec, a.privateKey), pub: p.preparePublic(a.spec, a.publicKey) }));
    for (const length of [0, 1, 64, 1000, 16000]) {
      const message = random(length);
      const [viaNode, viaNoble] = keys.map(({ p, priv }) => p.ed25519Sign(priv, message)) as [Uint8Array, Uint8Array];
      assertBytes(viaNoble, viaNode, `deterministic signatures agree (${length} bytes)`);
      for (const { p, pub } of keys) {
        assert.ok(p.ed25519Verify(pub, message, viaNode));
        const tampered = viaNode.slice();
        tampered[40]! ^= 1;
        assert.equal(p.ed25519Verify(pub, message, tampered), false);
      }
    }
  });

  it('Ed25519ph with a context agrees across providers and with noble\'s own ed25519ph', () => {
    const pair = noble.generateEd25519(seededRandom('ed25519ph'));
    const context = new TextEncoder().encode('cloudhsm');
    const message = new TextEncoder().encode('prehash me');
    const reference = ed25519ph.sign(message, pair.privateKey, { context });
    for (const signer of PROVIDERS) {
      const key = signer.preparePrivate(pair.spec, pair.privateKey);
      assertBytes(signer.ed25519phSign(key, message, { context }), reference, signer.name);
      for (const verifier of PROVIDERS) {
        const pub = verifier.preparePublic(pair.spec, pair.publicKey);
        assert.ok(verifier.ed25519phVerify(pub, message, reference, { context }));
        assert.equal(verifier.ed25519phVerify(pub, message, reference), false, 'another context');
      }
    }
  });

  for (const provider of PROVIDERS) {
    it(`${provider.name}: refuses malformed Ed25519 keys`, () => {
      assertRejects(() => provider.preparePrivate({ type: 'ed25519' }, new Uint8Array(31)), 'INVALID_ARGUMENT');
      assertRejects(() => provider.preparePublic({ type: 'ed25519' }, new Uint8Array(33)), 'INVALID_ARGUMENT');
      // y = p (not canonical, RFC 8032 §5.1.3 step 1).
      const nonCanonical = hex('edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f');
      assertRejects(() => provider.preparePublic({ type: 'ed25519' }, nonCanonical), 'INVALID_ARGUMENT');
    });
  }
});
