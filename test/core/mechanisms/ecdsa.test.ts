import assert from 'node:assert/strict';
import {
  EC_CURVES,
  EC_CURVE_BYTES,
  ecdsaDerToP1363,
  ecdsaP1363ToDer,
  type CryptoProvider,
  type EcCurve,
  type HashName,
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
  toHex,
  type WycheproofGroup,
} from './support.js';

const [node, noble] = PROVIDERS as [CryptoProvider, CryptoProvider];

const FILES: ReadonlyArray<{ file: string; curve: EcCurve; hash: HashName; format: 'der' | 'p1363' }> = [
  { file: 'ecdsa_secp256r1_sha256_test.json', curve: 'secp256r1', hash: 'sha256', format: 'der' },
  { file: 'ecdsa_secp256r1_sha256_p1363_test.json', curve: 'secp256r1', hash: 'sha256', format: 'p1363' },
  { file: 'ecdsa_secp384r1_sha384_test.json', curve: 'secp384r1', hash: 'sha384', format: 'der' },
  { file: 'ecdsa_secp256k1_sha256_test.json', curve: 'secp256k1', hash: 'sha256', format: 'der' },
];

describe('mechanisms: ECDSA (Wycheproof)', () => {
  for (const { file, curve, hash, format } of FILES) {
    const vectors = loadVectors(file);
    for (const provider of PROVIDERS) {
      it(`${provider.name}: ${file}, key imported from publicKeyDer, over the message and over its digest`, () => {
        const keys = new Map<WycheproofGroup, PreparedKey>();
        runVectors(vectors, (group, test) => {
          let key = keys.get(group);
          if (!key) {
            const imported = provider.importPublicDer(hex(group.publicKeyDer), 'spki');
            assert.deepEqual(imported.spec, { type: 'ec', curve });
            assertBytes(imported.material, hex((group.publicKey as { uncompressed: string }).uncompressed));
            key = provider.preparePublic(imported.spec, imported.material);
            keys.set(group, key);
          }
          const msg = hex(test.msg);
          const signature = format === 'der' ? ecdsaDerToP1363(hex(test.sig), EC_CURVE_BYTES[curve]) : hex(test.sig);
          const overMessage = provider.ecdsaVerify(key, hash, msg, signature);
          const overDigest = provider.ecdsaVerify(key, hash, provider.digest(hash, msg), signature, { prehashed: true });
          assert.equal(overDigest, overMessage, `tcId ${test.tcId}: prehashed and raw verification agree`);
          return overMessage;
        });
      });
    }
  }
});

describe('mechanisms: ECDSA signature encodings', () => {
  it('converts r‖s to minimal DER and back', () => {
    const p1363 = hex('00000000000000000000000000000000000000000000000000000000000000ff' + '8000000000000000000000000000000000000000000000000000000000000001');
    const der = ecdsaP1363ToDer(p1363);
    assert.equal(toHex(der), '3027020200ff022100' + '8000000000000000000000000000000000000000000000000000000000000001');
    assertBytes(ecdsaDerToP1363(der, 32), p1363);
  });

  it('refuses BER and malformed DER with INVALID_ARGUMENT', () => {
    const cases: Record<string, string> = {
      'long-form length below 128': '308106020101020101',
      'indefinite length': '30800201010201010000',
      'negative r': '3006020181020101',
      'non-minimal r (leading zero)': '300702020001020101',
      'trailing bytes': '3006020101020101' + '00',
      'three integers': '3009020101020101020101',
      'wrong outer tag': '3106020101020101',
      'r wider than the curve': '3026022101' + '00'.repeat(32) + '020101',
      'empty integer': '30050200020101',
    };
    for (const [name, der] of Object.entries(cases)) {
      assertRejects(() => ecdsaDerToP1363(hex(der), 32), 'INVALID_ARGUMENT', name);
    }
  });
});

describe('mechanisms: ECDSA cross-checks on all five curves', () => {
  const HASHES: readonly HashName[] = ['sha1', 'sha224', 'sha256', 'sha384', 'sha512', 'sha3-256', 'sha3-512'];

  for (const curve of EC_CURVES) {
    it(`${curve}: the same random bytes give the same key in both providers; each verifies the other's signatures`, () => {
      const pairs = [node.generateEc(curve, seededRandom(curve)), noble.generateEc(curve, seededRandom(curve))];
      assertBytes(pairs[1]!.privateKey, pairs[0]!.privateKey);
      assertBytes(pairs[1]!.publicKey, pairs[0]!.publicKey);
      assert.equal(pairs[0]!.privateKey.length, EC_CURVE_BYTES[curve]);
      assert.equal(pairs[0]!.publicKey.length, 1 + 2 * EC_CURVE_BYTES[curve]);
      const { privateKey, publicKey, spec } = pairs[0]!;
      const message = new TextEncoder().encode(`message for ${curve}`);
      for (const [signer, verifier] of [[node, noble], [noble, node]] as const) {
        const priv = signer.preparePrivate(spec, privateKey);
        const pub = verifier.preparePublic(spec, publicKey);
        assertBytes(signer.publicKeyOf(priv), publicKey);
        for (const hash of HASHES) {
          const label = `${signer.name} → ${verifier.name}, ${hash}`;
          const signature = signer.ecdsaSign(priv, hash, message);
          assert.equal(signature.length, 2 * EC_CURVE_BYTES[curve], label);
          assert.ok(verifier.ecdsaVerify(pub, hash, message, signature), label);
          const digest = signer.digest(hash, message);
          const overDigest = signer.ecdsaSign(priv, hash, digest, { prehashed: true });
          assert.ok(verifier.ecdsaVerify(pub, hash, message, overDigest), `${label}, prehashed signature`);
          assert.ok(verifier.ecdsaVerify(pub, hash, digest, signature, { prehashed: true }), `${label}, prehashed verify`);
          const tampered = signature.slice();
          tampered[3]! ^= 1;
          assert.equal(verifier.ecdsaVerify(pub, hash, message, tampered), false, label);
          assert.equal(verifier.ecdsaVerify(pub, hash, message.subarray(1), signature), false, label);
          assert.equal(verifier.ecdsaVerify(pub, hash, message, signature.subarray(1)), false, label);
        }
      }
    });
  }

  it('over a digest, node signs with a fresh nonce each time (OpenSSL multiplies), noble deterministically; every signature verifies in the other provider', () => {
    for (const curve of EC_CURVES) {
      const { privateKey, publicKey, spec } = node.generateEc(curve, seededRandom(`${curve}/nonce`));
      // Digests shorter than, as long as and longer than the order: their leftmost bits are signed.
      for (const hash of ['sha1', 'sha256', 'sha512'] as const) {
        const digest = node.digest(hash, new TextEncoder().encode(`digest for ${curve}`));
        const [a, b] = [0, 1].map(() => node.ecdsaSign(node.preparePrivate(spec, privateKey), hash, digest, { prehashed: true }));
        assert.notEqual(toHex(a!), toHex(b!), `${curve} ${hash}: a nonce was reused`);
        const [c, d] = [0, 1].map(() => noble.ecdsaSign(noble.preparePrivate(spec, privateKey), hash, digest, { prehashed: true }));
        assert.equal(toHex(c!), toHex(d!), `${curve} ${hash}: RFC 6979`);
        for (const signature of [a!, b!]) assert.ok(noble.ecdsaVerify(noble.preparePublic(spec, publicKey), hash, digest, signature, { prehashed: true }), `${curve} ${hash}`);
        assert.ok(node.ecdsaVerify(node.preparePublic(spec, publicKey), hash, digest, c!, { prehashed: true }), `${curve} ${hash}`);
      }
    }
  });

  it('over a digest, node never reuses a nonce across its batches of nonces: 100 signatures of one digest, 100 different r, each valid', () => {
    const { privateKey, publicKey, spec } = node.generateEc('secp256r1', seededRandom('batches'));
    const priv = node.preparePrivate(spec, privateKey);
    const pub = noble.preparePublic(spec, publicKey);
    const digest = node.digest('sha256', new TextEncoder().encode('one digest'));
    const signatures = Array.from({ length: 100 }, () => node.ecdsaSign(priv, 'sha256', digest, { prehashed: true }));
    assert.equal(new Set(signatures.map((sig) => toHex(sig.subarray(0, 32)))).size, 100);
    for (const signature of signatures) assert.ok(noble.ecdsaVerify(pub, 'sha256', digest, signature, { prehashed: true }));
  });

  it('the generator is the public key of d = 1 on secp224r1 and secp521r1 (SEC 2 domain parameters)', () => {
    const generators: Partial<Record<EcCurve, string>> = {
      secp224r1:
        '04b70e0cbd6bb4bf7f321390b94a03c1d356c21122343280d6115c1d21bd376388b5f723fb4c22dfe6cd4375a05a07476444d5819985007e34',
      secp521r1:
        '0400c6858e06b70404e9cd9e3ecb662395b4429c648139053fb521f828af606b4d3dbaa14b5e77efe75928fe1dc127a2ffa8de3348b3c1856a429bf97e7e31c2e5bd66' +
        '011839296a789a3bc0045c8a5fb42c7d1bd998f54449579b446817afbd17273e662c97ee72995ef42640c550b9013fad0761353c7086a272c24088be94769fd16650',
    };
    for (const [curve, point] of Object.entries(generators) as Array<[EcCurve, string]>) {
      const one = new Uint8Array(EC_CURVE_BYTES[curve]);
      one[one.length - 1] = 1;
      for (const provider of PROVIDERS) {
        assert.equal(toHex(provider.publicKeyOf(provider.preparePrivate({ type: 'ec', curve }, one))), point, `${provider.name} ${curve}`);
      }
    }
  });

  for (const provider of PROVIDERS) {
    it(`${provider.name}: P-521 and secp224r1 round trips with SHA-512 and SHA-224 over 0-300 byte messages`, () => {
      const random = seededRandom(`round-trip-${provider.name}`);
      for (const [curve, hash] of [['secp521r1', 'sha512'], ['secp224r1', 'sha224'], ['secp521r1', 'sha1'], ['secp224r1', 'sha512']] as const) {
        const pair = provider.generateEc(curve, random);
        const priv = provider.preparePrivate(pair.spec, pair.privateKey);
        const pub = provider.preparePublic(pair.spec, pair.publicKey);
        for (const length of [0, 1, 100, 300]) {
          const message = random(length);
          const signature = provider.ecdsaSign(priv, hash, message);
          assert.ok(provider.ecdsaVerify(pub, hash, message, signature), `${curve} ${hash} ${length}`);
          assert.ok(provider.ecdsaVerify(priv, hash, message, signature), 'a private key verifies too');
          assert.equal(provider.ecdsaVerify(pub, 'sha384', message, signature), false, 'another hash');
        }
      }
    });

    it(`${provider.name}: refuses wrong key kinds, digest lengths and keys prepared by the other provider`, () => {
      const pair = provider.generateEc('secp256r1', seededRandom('refusals'));
      const priv = provider.preparePrivate(pair.spec, pair.privateKey);
      const pub = provider.preparePublic(pair.spec, pair.publicKey);
      assertRejects(() => provider.ecdsaSign(pub, 'sha256', new Uint8Array(3)), 'INVALID_ARGUMENT');
      assertRejects(() => provider.ecdsaSign(priv, 'sha256', new Uint8Array(31), { prehashed: true }), 'INVALID_ARGUMENT');
      assertRejects(() => provider.ecdsaVerify(pub, 'sha256', new Uint8Array(20), new Uint8Array(64), { prehashed: true }), 'INVALID_ARGUMENT');
      const other = provider === node ? noble : node;
      assertRejects(() => provider.ecdsaSign(other.preparePrivate(pair.spec, pair.privateKey), 'sha256', new Uint8Array(3)), 'INVALID_ARGUMENT');
      assertRejects(() => provider.ed25519Sign(priv, new Uint8Array(3)), 'INVALID_ARGUMENT');
    });
  }
});
