import assert from 'node:assert/strict';
import { ECDH, generateKeyPairSync } from 'node:crypto';
import { TAG, bitString, children, encode, parseDer, sequence } from '../../../src/core/mechanisms/der.js';
import { ecPkcs8 } from '../../../src/core/mechanisms/key-encoding.js';
import {
  EC_CURVES,
  getProvider,
  providers,
  type AsymmetricKeySpec,
  type CryptoProvider,
  type KeyPairMaterial,
  type ProviderName,
} from '../../../src/core/mechanisms/index.js';
import { PROVIDERS, assertBytes, assertRejects, hex, seededRandom } from './support.js';

const [node, noble] = PROVIDERS as [CryptoProvider, CryptoProvider];

function pairsFor(provider: CryptoProvider): KeyPairMaterial[] {
  const random = seededRandom(`keys-${provider.name}`);
  return [
    ...EC_CURVES.map((curve) => provider.generateEc(curve, random)),
    provider.generateEd25519(random),
    provider.generateX25519(random),
    provider.generateMlDsa('ML-DSA-65', random),
  ];
}

describe('mechanisms: providers', () => {
  it('are found by name, node by default; an unknown name is refused', () => {
    assert.equal(getProvider('node'), providers.node);
    assert.equal(getProvider('noble'), providers.noble);
    assert.equal(getProvider(), providers.node);
    assert.equal(providers.node.name, 'node');
    assert.equal(providers.noble.name, 'noble');
    assertRejects(() => getProvider('openssl' as ProviderName), 'INVALID_ARGUMENT');
  });
});

describe('mechanisms: key containers', () => {
  it('SPKI and PKCS#8 exports are byte-identical across providers (so asymmetric check values agree)', async () => {
    const rsa = await node.generateRsa(2048, 65537);
    for (const pair of [...pairsFor(noble), rsa]) {
      const [a, b] = PROVIDERS.map((p) => p.preparePrivate(pair.spec, pair.privateKey)) as [ReturnType<CryptoProvider['preparePrivate']>, ReturnType<CryptoProvider['preparePrivate']>];
      const label = JSON.stringify(pair.spec);
      assertBytes(noble.exportSpki(b), node.exportSpki(a), label);
      assertBytes(noble.exportPkcs8(b), node.exportPkcs8(a), label);
      const pubSpki = node.exportSpki(node.preparePublic(pair.spec, pair.publicKey));
      assertBytes(pubSpki, node.exportSpki(a), `${label}: public and private halves give one SPKI`);
      assertBytes(node.digest('sha1', pubSpki).subarray(0, 3), noble.digest('sha1', noble.exportSpki(b)).subarray(0, 3));
    }
  });

  for (const provider of PROVIDERS) {
    it(`${provider.name}: PKCS#8 and SPKI exports import back to the same canonical material, in either provider`, () => {
      for (const pair of pairsFor(provider)) {
        const priv = provider.preparePrivate(pair.spec, pair.privateKey);
        assertBytes(provider.publicKeyOf(priv), pair.publicKey);
        for (const importer of PROVIDERS) {
          const label = `${JSON.stringify(pair.spec)} → ${importer.name}`;
          const imported = importer.importPrivateDer(provider.exportPkcs8(priv), 'pkcs8');
          assert.deepEqual(imported.spec, pair.spec, label);
          assert.equal(imported.kind, 'private');
          assertBytes(imported.material, pair.privateKey, label);
          const pub = importer.importPublicDer(provider.exportSpki(priv), 'spki');
          assert.deepEqual(pub.spec, pair.spec, label);
          assertBytes(pub.material, pair.publicKey, label);
        }
      }
    });

    it(`${provider.name}: imports OpenSSL's SEC 1, PKCS#1 and compressed-point encodings into canonical form`, () => {
      for (const curve of EC_CURVES) {
        const name = { secp224r1: 'secp224r1', secp256r1: 'prime256v1', secp384r1: 'secp384r1', secp521r1: 'secp521r1', secp256k1: 'secp256k1' }[curve];
        const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: name });
        const sec1 = provider.importPrivateDer(new Uint8Array(privateKey.export({ format: 'der', type: 'sec1' })), 'sec1');
        assert.deepEqual(sec1.spec, { type: 'ec', curve });
        const prepared = provider.preparePrivate(sec1.spec, sec1.material);
        const spki = new Uint8Array(publicKey.export({ format: 'der', type: 'spki' }));
        assertBytes(provider.exportSpki(prepared), spki, curve);
        // The same key with its point compressed (SEC 1 §2.3.3).
        const point = provider.publicKeyOf(prepared);
        const short = new Uint8Array(ECDH.convertKey(point, name, undefined, undefined, 'compressed') as Buffer);
        const algorithm = children(parseDer(spki, TAG.SEQUENCE, 'spki'), 'spki')[0]!;
        const compressedSpki = sequence(encode(algorithm.tag, algorithm.content), bitString(short));
        const imported = provider.importPublicDer(compressedSpki, 'spki');
        assertBytes(imported.material, point, `${curve} compressed`);
      }
      const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 });
      const pkcs1 = provider.importPublicDer(new Uint8Array(rsa.publicKey.export({ format: 'der', type: 'pkcs1' })), 'pkcs1');
      assertBytes(pkcs1.material, new Uint8Array(rsa.publicKey.export({ format: 'der', type: 'spki' })));
      const pkcs1Private = provider.importPrivateDer(new Uint8Array(rsa.privateKey.export({ format: 'der', type: 'pkcs1' })), 'pkcs1');
      assertBytes(pkcs1Private.material, new Uint8Array(rsa.privateKey.export({ format: 'der', type: 'pkcs8' })));
    });

    it(`${provider.name}: refuses malformed or unsupported key material with INVALID_ARGUMENT`, () => {
      const p256: AsymmetricKeySpec = { type: 'ec', curve: 'secp256r1' };
      const order = hex('ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551');
      assertRejects(() => provider.preparePrivate(p256, new Uint8Array(32)), 'INVALID_ARGUMENT', 'd = 0');
      assertRejects(() => provider.preparePrivate(p256, order), 'INVALID_ARGUMENT', 'd = n');
      assertRejects(() => provider.preparePrivate(p256, new Uint8Array(31).fill(1)), 'INVALID_ARGUMENT', 'short scalar');
      const pair = provider.generateEc('secp256r1', seededRandom('bad'));
      const offCurve = pair.publicKey.slice();
      offCurve[10]! ^= 1;
      assertRejects(() => provider.preparePublic(p256, offCurve), 'INVALID_ARGUMENT', 'off the curve');
      assertRejects(() => provider.preparePublic(p256, pair.publicKey.subarray(1)), 'INVALID_ARGUMENT', 'no 04 prefix');
      assertRejects(() => provider.preparePublic({ type: 'ec', curve: 'secp192r1' } as unknown as AsymmetricKeySpec, pair.publicKey), 'INVALID_ARGUMENT');
      assertRejects(() => provider.preparePublic({ type: 'dsa' } as unknown as AsymmetricKeySpec, pair.publicKey), 'INVALID_ARGUMENT');
      assertRejects(() => provider.importPublicDer(new Uint8Array([0x30, 0x03, 0x02, 0x01]), 'spki'), 'INVALID_ARGUMENT');
      const other = provider.generateEc('secp256r1', seededRandom('bad-other'));
      assertRejects(() => provider.importPrivateDer(ecPkcs8('secp256r1', pair.privateKey, other.publicKey), 'pkcs8'), 'INVALID_ARGUMENT', 'mismatched pair');
      const x448 = generateKeyPairSync('x448').publicKey.export({ format: 'der', type: 'spki' });
      assertRejects(() => provider.importPublicDer(new Uint8Array(x448), 'spki'), 'INVALID_ARGUMENT', 'X448');
      const ed448 = generateKeyPairSync('ed448').privateKey.export({ format: 'der', type: 'pkcs8' });
      assertRejects(
        () => provider.importPrivateDer(new Uint8Array(ed448), 'pkcs8'),
        'INVALID_ARGUMENT',
        'Ed448',
      );
    });

    it(`${provider.name}: refuses a key prepared by the other provider and public keys where private ones are needed`, () => {
      const other = provider === node ? noble : node;
      const pair = provider.generateEd25519(seededRandom('other'));
      assertRejects(() => provider.ed25519Sign(other.preparePrivate(pair.spec, pair.privateKey), new Uint8Array(1)), 'INVALID_ARGUMENT');
      assertRejects(() => provider.exportPkcs8(provider.preparePublic(pair.spec, pair.publicKey)), 'INVALID_ARGUMENT');
      assertRejects(() => provider.generateEc('secp256r1', () => new Uint8Array(3)), 'INVALID_ARGUMENT', 'short random');
    });
  }
});
