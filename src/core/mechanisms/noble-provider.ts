/**
 * The @noble/* implementation of CryptoProvider (see provider.ts for the interface, the canonical
 * key forms and the standards): @noble/hashes for SHA-1/2/3 and HMAC, @noble/ciphers for AES
 * (ECB, CBC, CTR, GCM, KW, KWP, CMAC), @noble/curves for ECDSA/ECDH on the five curves, Ed25519 and
 * X25519, and @noble/post-quantum for ML-DSA, each loaded on its first use (noble.ts).
 *
 * Neither library implements RSA, so RSA keys, key generation and the raw RSA operation are
 * delegated to node:crypto (rsa-keys.ts); the RFC 8017 operations are done with @noble/hashes
 * (rsa-operations.ts), which makes the RSA cross-check against the node provider meaningful.
 * Short GCM IVs (< 8 bytes) and truncated GCM tags go through gcm.ts (noble's own building blocks).
 *
 * ECDSA nonces are RFC 6979 deterministic; other in-operation randomness (ML-DSA hedging, PSS
 * salts, OAEP seeds, PKCS#1 v1.5 padding) comes from `options.random`, by default the OS CSPRNG.
 */
import type { ECDSA } from '@noble/curves/abstract/weierstrass.js';
import {
  memo,
  nobleAes,
  nobleEd25519,
  nobleEdwards,
  nobleHmac,
  nobleLegacy,
  nobleMlDsa,
  nobleNist,
  nobleSecp256k1,
  nobleSha2,
  nobleSha3,
  nobleUtils,
  nobleWeierstrass,
} from './noble.js';
import {
  checkAesKey,
  checkBytes,
  checkCbcInput,
  checkContext,
  checkDigestLength,
  checkGcm,
  checkHash,
  checkKeyUnwrapInput,
  checkKeyUnwrapPadInput,
  checkKeyWrapInput,
  checkKeyWrapPadInput,
  checkLength,
  checkPadding,
  checkPrepared,
  checkSpec,
  concatBytes,
  decryptionFailed,
  equalBytes,
  guard,
  invalidArgument,
  verifyGuard,
} from './checks.js';
import { checkPointEncoding, checkScalar, randomBytesFrom, scalarFromRandom } from './curves.js';
import { gcmDecrypt, gcmEncrypt } from './gcm.js';
import {
  ecPkcs8,
  ed25519Pkcs8,
  mlDsaPkcs8,
  parseEcPrivateKey,
  parseMlDsaPrivateKey,
  parseOctetStringKey,
  parsePkcs8,
  parseSpki,
  spkiFromCanonical,
  x25519Pkcs8,
} from './key-encoding.js';
import {
  EC_CURVE_BYTES,
  ML_DSA_BYTES,
  ML_DSA_MAX_CONTEXT_BYTES,
  ML_DSA_MU_BYTES,
  ML_DSA_SEED_BYTES,
  type AesCbcOptions,
  type AesGcmResult,
  type AsymmetricKeySpec,
  type CryptoProvider,
  type EcCurve,
  type Ed25519phOptions,
  type HashName,
  type ImportedKey,
  type KeyKind,
  type KeyPairMaterial,
  type MlDsaOptions,
  type MlDsaVariant,
  type PreparedKey,
  type PrivateDerFormat,
  type PublicDerFormat,
  type RandomBytes,
  type SignOptions,
} from './provider.js';
import {
  checkOaepMessage,
  checkPkcs1Message,
  checkPssSalt,
  emePkcs1v15Encode,
  emsaPkcs1v15Encode,
  hashFunction,
  type HashFunction,
} from './rsa-padding.js';
import { oaepDecrypt, oaepEncrypt, pkcs1Decrypt, pssSign, pssVerify } from './rsa-operations.js';
import {
  generateRsaKeyPair,
  importRsaPrivateDer,
  importRsaPublicDer,
  loadRsaPrivate,
  loadRsaPublic,
  rsaRawPrivate,
  rsaRawPublic,
  type RsaKeyObjects,
} from './rsa-keys.js';

/** noble's hash functions by name, made on first use. */
const nobleHashes = memo(
  (): Readonly<Record<HashName, (data: Uint8Array) => Uint8Array>> => {
    const { sha224, sha256, sha384, sha512 } = nobleSha2();
    const { sha3_224, sha3_256, sha3_384, sha3_512 } = nobleSha3();
    return Object.freeze({
      sha1: nobleLegacy().sha1,
      sha224,
      sha256,
      sha384,
      sha512,
      'sha3-224': sha3_224,
      'sha3-256': sha3_256,
      'sha3-384': sha3_384,
      'sha3-512': sha3_512,
    });
  },
);

function nobleHash(hash: HashName): (data: Uint8Array) => Uint8Array {
  return nobleHashes()[hash];
}

const mlDsa = memo(() => {
  const { ml_dsa44, ml_dsa65, ml_dsa87 } = nobleMlDsa();
  return Object.freeze({ 'ML-DSA-44': ml_dsa44, 'ML-DSA-65': ml_dsa65, 'ML-DSA-87': ml_dsa87 });
});

/**
 * The five curves as @noble/curves ECDSA instances. @noble/curves v2 dropped P-224, so secp224r1
 * is built here from the SEC 2 §2.6.1 domain parameters with noble's generic weierstrass() and
 * ecdsa(); it is cross-checked against OpenSSL.
 */
const nobleCurves = memo((): Readonly<Record<EcCurve, ECDSA>> => {
  const { ecdsa, weierstrass } = nobleWeierstrass();
  const { p256, p384, p521 } = nobleNist();
  const p224Point = weierstrass({
    p: BigInt('0xffffffffffffffffffffffffffffffff000000000000000000000001'),
    n: BigInt('0xffffffffffffffffffffffffffff16a2e0b8f03e13dd29455c5c2a3d'),
    h: BigInt(1),
    a: BigInt('0xfffffffffffffffffffffffffffffffefffffffffffffffffffffffe'),
    b: BigInt('0xb4050a850c04b3abf54132565044b0b7d7bfd8ba270b39432355ffb4'),
    Gx: BigInt('0xb70e0cbd6bb4bf7f321390b94a03c1d356c21122343280d6115c1d21'),
    Gy: BigInt('0xbd376388b5f723fb4c22dfe6cd4375a05a07476444d5819985007e34'),
  });
  return Object.freeze({
    secp224r1: ecdsa(p224Point, nobleSha2().sha224),
    secp256r1: p256,
    secp384r1: p384,
    secp521r1: p521,
    secp256k1: nobleSecp256k1().secp256k1,
  });
});

function nobleCurve(curve: EcCurve): ECDSA {
  return nobleCurves()[curve];
}

/** RFC 8032 §5.1 dom2(phflag, ctx). */
function dom2(data: Uint8Array, context: Uint8Array, phflag: boolean): Uint8Array {
  const prefix = new TextEncoder().encode('SigEd25519 no Ed25519 collisions');
  return concatBytes(prefix, Uint8Array.of(phflag ? 1 : 0, context.length), context, data);
}

/** RFC 8032 §5.1.5 step 2 clamping. */
function clampScalar(bytes: Uint8Array): Uint8Array {
  bytes[0]! &= 248;
  bytes[31]! &= 127;
  bytes[31]! |= 64;
  return bytes;
}

/**
 * Ed25519ph over a caller-supplied SHA-512 digest: noble's ed25519ph hashes the message itself,
 * so this instance takes PH(M) as its input (identity prehash, same domain and clamping).
 */
const ed25519phOfDigest = memo(() =>
  nobleEdwards().eddsa(nobleEd25519().ed25519.Point, nobleSha2().sha512, {
    domain: dom2,
    prehash: (digest: Uint8Array) => digest,
    adjustScalarBytes: clampScalar,
    zip215: false,
  }),
);

/** The RFC 8032 decoding rule (canonical y < p), as both providers check Ed25519 public keys. */
export function isValidEd25519PublicKey(publicKey: Uint8Array): boolean {
  return publicKey.length === 32 && nobleEd25519().ed25519.utils.isValidPublicKey(publicKey, false);
}

interface NobleKey extends PreparedKey {
  readonly material: Uint8Array;
  readonly publicMaterial: Uint8Array;
  readonly rsa?: RsaKeyObjects;
  readonly mlDsaSeed?: Uint8Array;
}

export interface NobleProviderOptions {
  /** Randomness used inside operations (not key generation, which takes its own). */
  readonly random?: RandomBytes;
}

class NobleProvider implements CryptoProvider {
  readonly name = 'noble' as const;
  readonly #random: RandomBytes;

  constructor(options: NobleProviderOptions = {}) {
    this.#random = options.random ?? ((n) => nobleUtils().randomBytes(n));
  }

  // Digests and MACs

  digest(hash: HashName, data: Uint8Array): Uint8Array {
    checkHash(hash);
    checkBytes(data, 'data');
    return nobleHash(hash)(data);
  }

  hmac(hash: HashName, key: Uint8Array, data: Uint8Array): Uint8Array {
    checkHash(hash);
    checkBytes(key, 'key');
    checkBytes(data, 'data');
    const fn = nobleHash(hash) as Parameters<ReturnType<typeof nobleHmac>['hmac']>[0];
    return nobleHmac().hmac(fn, key, data);
  }

  cmac(key: Uint8Array, data: Uint8Array): Uint8Array {
    checkAesKey(key);
    checkBytes(data, 'data');
    return nobleAes().cmac(data, key);
  }

  // AES

  aesEcbEncryptBlock(key: Uint8Array, block: Uint8Array): Uint8Array {
    checkAesKey(key);
    checkLength(block, 16, 'block');
    return nobleAes().ecb(key, { disablePadding: true }).encrypt(block);
  }

  aesCbcEncrypt(key: Uint8Array, iv: Uint8Array, data: Uint8Array, options: AesCbcOptions): Uint8Array {
    checkAesKey(key);
    const padded = checkPadding(options);
    checkCbcInput(iv, data, false, padded);
    return nobleAes().cbc(key, iv, { disablePadding: !padded }).encrypt(data);
  }

  aesCbcDecrypt(key: Uint8Array, iv: Uint8Array, data: Uint8Array, options: AesCbcOptions): Uint8Array {
    checkAesKey(key);
    const padded = checkPadding(options);
    checkCbcInput(iv, data, true, padded);
    return guard('DECRYPTION_FAILED', 'AES-CBC padding was wrong', () =>
      nobleAes().cbc(key, iv, { disablePadding: !padded }).decrypt(data),
    );
  }

  aesCtr(key: Uint8Array, iv: Uint8Array, data: Uint8Array): Uint8Array {
    checkAesKey(key);
    checkLength(iv, 16, 'iv');
    checkBytes(data, 'data');
    return nobleAes().ctr(key, iv).encrypt(data);
  }

  aesGcmEncrypt(key: Uint8Array, iv: Uint8Array, plaintext: Uint8Array, aad: Uint8Array, tagBytes: number): AesGcmResult {
    checkAesKey(key);
    checkGcm(iv, tagBytes);
    checkBytes(plaintext, 'plaintext');
    checkBytes(aad, 'aad');
    if (iv.length < 8 || tagBytes !== 16) return gcmEncrypt(key, iv, plaintext, aad, tagBytes);
    const out = nobleAes().gcm(key, iv, aad).encrypt(plaintext);
    return { ciphertext: out.slice(0, plaintext.length), tag: out.slice(plaintext.length) };
  }

  aesGcmDecrypt(key: Uint8Array, iv: Uint8Array, ciphertext: Uint8Array, tag: Uint8Array, aad: Uint8Array): Uint8Array {
    checkAesKey(key);
    checkBytes(tag, 'tag');
    checkGcm(iv, tag.length);
    checkBytes(ciphertext, 'ciphertext');
    checkBytes(aad, 'aad');
    if (iv.length < 8 || tag.length !== 16) return gcmDecrypt(key, iv, ciphertext, tag, aad);
    return guard('DECRYPTION_FAILED', 'AES-GCM tag did not authenticate', () =>
      nobleAes().gcm(key, iv, aad).decrypt(concatBytes(ciphertext, tag)),
    );
  }

  aesKeyWrap(kek: Uint8Array, keyData: Uint8Array): Uint8Array {
    checkAesKey(kek, 'wrapping key');
    checkKeyWrapInput(keyData);
    return nobleAes().aeskw(kek).encrypt(keyData);
  }

  aesKeyUnwrap(kek: Uint8Array, wrapped: Uint8Array): Uint8Array {
    checkAesKey(kek, 'wrapping key');
    checkKeyUnwrapInput(wrapped);
    return guard('DECRYPTION_FAILED', 'AES key unwrap integrity check failed', () => nobleAes().aeskw(kek).decrypt(wrapped));
  }

  aesKeyWrapPad(kek: Uint8Array, keyData: Uint8Array): Uint8Array {
    checkAesKey(kek, 'wrapping key');
    checkKeyWrapPadInput(keyData);
    return nobleAes().aeskwp(kek).encrypt(keyData);
  }

  aesKeyUnwrapPad(kek: Uint8Array, wrapped: Uint8Array): Uint8Array {
    checkAesKey(kek, 'wrapping key');
    checkKeyUnwrapPadInput(wrapped);
    return guard('DECRYPTION_FAILED', 'AES key unwrap (with padding) integrity check failed', () =>
      nobleAes().aeskwp(kek).decrypt(wrapped),
    );
  }

  // Key material

  preparePrivate(spec: AsymmetricKeySpec, material: Uint8Array): PreparedKey {
    checkSpec(spec);
    checkBytes(material, 'private key');
    switch (spec.type) {
      case 'ec': {
        checkScalar(spec.curve, material);
        const publicMaterial = nobleCurve(spec.curve).getPublicKey(material, false);
        return this.#key('private', spec, material, publicMaterial);
      }
      case 'ed25519': {
        checkLength(material, 32, 'Ed25519 private key (seed)');
        return this.#key('private', spec, material, nobleEd25519().ed25519.getPublicKey(material));
      }
      case 'x25519':
        checkLength(material, 32, 'X25519 private key');
        return this.#key('private', spec, material, nobleEd25519().x25519.getPublicKey(material));
      case 'rsa': {
        const rsa = loadRsaPrivate(material);
        return this.#key('private', spec, rsa.material, rsa.spki, { rsa });
      }
      case 'ml-dsa':
        return this.#prepareMlDsaPrivate(spec, material);
    }
  }

  #prepareMlDsaPrivate(spec: { type: 'ml-dsa'; variant: MlDsaVariant }, material: Uint8Array): PreparedKey {
    const dsa = mlDsa()[spec.variant];
    const sizes = ML_DSA_BYTES[spec.variant];
    if (material.length === ML_DSA_SEED_BYTES) {
      const seed = material.slice();
      const { secretKey, publicKey } = dsa.keygen(seed.slice());
      return this.#key('private', spec, secretKey, publicKey, { mlDsaSeed: seed });
    }
    if (material.length !== sizes.secretKey) {
      throw invalidArgument(
        `${spec.variant} private key must be ${sizes.secretKey} bytes (or a ${ML_DSA_SEED_BYTES}-byte seed), got ${material.length}`,
      );
    }
    const publicKey = guard('INVALID_ARGUMENT', `${spec.variant} private key is malformed`, () =>
      dsa.getPublicKey(material),
    );
    return this.#key('private', spec, material.slice(), publicKey);
  }

  preparePublic(spec: AsymmetricKeySpec, material: Uint8Array): PreparedKey {
    checkSpec(spec);
    checkBytes(material, 'public key');
    switch (spec.type) {
      case 'ec': {
        checkPointEncoding(spec.curve, material);
        guard('INVALID_ARGUMENT', `${spec.curve} public key is not a point on the curve`, () =>
          nobleCurve(spec.curve).Point.fromBytes(material).assertValidity(),
        );
        return this.#key('public', spec, material, material);
      }
      case 'ed25519':
        checkLength(material, 32, 'Ed25519 public key');
        if (!isValidEd25519PublicKey(material)) throw invalidArgument('Ed25519 public key is not a valid point encoding');
        return this.#key('public', spec, material, material);
      case 'x25519':
        // RFC 7748 §5: every 32-byte string is a u-coordinate to accept; low-order peers show up
        // as an all-zero shared secret, which derivation refuses.
        checkLength(material, 32, 'X25519 public key');
        return this.#key('public', spec, material, material);
      case 'rsa': {
        const rsa = loadRsaPublic(material);
        return this.#key('public', spec, rsa.material, rsa.material, { rsa });
      }
      case 'ml-dsa':
        checkLength(material, ML_DSA_BYTES[spec.variant].publicKey, `${spec.variant} public key`);
        return this.#key('public', spec, material, material);
    }
  }

  #key(
    kind: KeyKind,
    spec: AsymmetricKeySpec,
    material: Uint8Array,
    publicMaterial: Uint8Array,
    extra: { rsa?: RsaKeyObjects; mlDsaSeed?: Uint8Array } = {},
  ): PreparedKey {
    const key = {
      provider: 'noble' as const,
      kind,
      spec: Object.freeze({ ...spec }),
      material: material.slice(),
      publicMaterial: publicMaterial.slice(),
      ...extra,
    };
    return Object.freeze(key) as unknown as PreparedKey;
  }

  #use(key: PreparedKey, kind: KeyKind | 'any', type: AsymmetricKeySpec['type'] | 'any', operation: string): NobleKey {
    return checkPrepared<NobleKey>(key, 'noble', kind, type, operation);
  }

  publicKeyOf(key: PreparedKey): Uint8Array {
    return this.#use(key, 'any', 'any', 'publicKeyOf').publicMaterial.slice();
  }

  exportSpki(key: PreparedKey): Uint8Array {
    const k = this.#use(key, 'any', 'any', 'exportSpki');
    return spkiFromCanonical(k.spec, k.publicMaterial).slice();
  }

  exportPkcs8(key: PreparedKey): Uint8Array {
    const k = this.#use(key, 'private', 'any', 'exportPkcs8');
    switch (k.spec.type) {
      case 'ec':
        return ecPkcs8(k.spec.curve, k.material, k.publicMaterial);
      case 'ed25519':
        return ed25519Pkcs8(k.material);
      case 'x25519':
        return x25519Pkcs8(k.material);
      case 'rsa':
        return k.material.slice();
      case 'ml-dsa':
        return mlDsaPkcs8(k.spec.variant, k.material, k.mlDsaSeed);
    }
  }

  importPublicDer(der: Uint8Array, format: PublicDerFormat): ImportedKey {
    checkBytes(der, 'DER');
    if (format === 'pkcs1') return { spec: { type: 'rsa' }, kind: 'public', material: importRsaPublicDer(der, 'pkcs1') };
    if (format !== 'spki') throw invalidArgument(`public key format must be spki or pkcs1, got ${String(format)}`);
    const parsed = parseSpki(der);
    switch (parsed.algorithm) {
      case 'rsa':
        return { spec: { type: 'rsa' }, kind: 'public', material: importRsaPublicDer(der, 'spki') };
      case 'ec': {
        const curve = parsed.curve!;
        // Accepts compressed points too (SEC 1 §2.3.4) and returns the canonical uncompressed one.
        const point = guard('INVALID_ARGUMENT', `${curve} public key is not a point on the curve`, () => {
          const p = nobleCurve(curve).Point.fromBytes(parsed.publicKey);
          p.assertValidity();
          return p.toBytes(false);
        });
        return { spec: { type: 'ec', curve }, kind: 'public', material: point };
      }
      case 'ed25519':
        if (!isValidEd25519PublicKey(parsed.publicKey)) throw invalidArgument('Ed25519 public key is not a valid point encoding');
        return { spec: { type: 'ed25519' }, kind: 'public', material: parsed.publicKey.slice() };
      case 'ml-dsa': {
        const variant = parsed.variant!;
        checkLength(parsed.publicKey, ML_DSA_BYTES[variant].publicKey, `${variant} public key`);
        return { spec: { type: 'ml-dsa', variant }, kind: 'public', material: parsed.publicKey.slice() };
      }
      case 'x25519':
        checkLength(parsed.publicKey, 32, 'X25519 public key');
        return { spec: { type: 'x25519' }, kind: 'public', material: parsed.publicKey.slice() };
    }
  }

  importPrivateDer(der: Uint8Array, format: PrivateDerFormat): ImportedKey {
    checkBytes(der, 'DER');
    switch (format) {
      case 'pkcs1':
        return { spec: { type: 'rsa' }, kind: 'private', material: importRsaPrivateDer(der, 'pkcs1') };
      case 'sec1':
        return this.#importEcPrivate(parseEcPrivateKey(der));
      case 'pkcs8':
        break;
      default:
        throw invalidArgument(`private key format must be pkcs8, pkcs1 or sec1, got ${String(format)}`);
    }
    const parsed = parsePkcs8(der);
    switch (parsed.algorithm) {
      case 'rsa':
        return { spec: { type: 'rsa' }, kind: 'private', material: importRsaPrivateDer(der, 'pkcs8') };
      case 'ec':
        return this.#importEcPrivate(parseEcPrivateKey(parsed.privateKey, parsed.curve));
      case 'ed25519':
        return {
          spec: { type: 'ed25519' },
          kind: 'private',
          material: parseOctetStringKey(parsed.privateKey, 32, 'Ed25519 private key').slice(),
        };
      case 'ml-dsa': {
        const variant = parsed.variant!;
        const { seed, secretKey } = parseMlDsaPrivateKey(variant, parsed.privateKey);
        let material = secretKey;
        if (seed) {
          const expanded = mlDsa()[variant].keygen(seed.slice()).secretKey;
          if (secretKey && !equalBytes(expanded, secretKey)) {
            throw invalidArgument(`${variant} private key: the seed and the expanded key disagree`);
          }
          material = expanded;
        }
        this.#prepareMlDsaPrivate({ type: 'ml-dsa', variant }, material!); // refuses a malformed sk
        const spec = { type: 'ml-dsa', variant } as const;
        return seed ? { spec, kind: 'private', material: material!.slice(), seed: seed.slice() } : { spec, kind: 'private', material: material!.slice() };
      }
      case 'x25519':
        return {
          spec: { type: 'x25519' },
          kind: 'private',
          material: parseOctetStringKey(parsed.privateKey, 32, 'X25519 private key').slice(),
        };
    }
  }

  #importEcPrivate(parsed: { curve: EcCurve; d: Uint8Array; publicPoint?: Uint8Array }): ImportedKey {
    checkScalar(parsed.curve, parsed.d);
    if (parsed.publicPoint) {
      const derived = nobleCurve(parsed.curve).getPublicKey(parsed.d, false);
      const given = guard('INVALID_ARGUMENT', `${parsed.curve} public key is not a point on the curve`, () =>
        nobleCurve(parsed.curve).Point.fromBytes(parsed.publicPoint!).toBytes(false),
      );
      if (!equalBytes(derived, given)) throw invalidArgument('EC private key: the public key does not match the private key');
    }
    return { spec: { type: 'ec', curve: parsed.curve }, kind: 'private', material: parsed.d.slice() };
  }

  // Key generation

  generateEc(curve: EcCurve, random: RandomBytes): KeyPairMaterial {
    checkSpec({ type: 'ec', curve });
    const d = scalarFromRandom(curve, random);
    return { spec: { type: 'ec', curve }, privateKey: d, publicKey: nobleCurve(curve).getPublicKey(d, false) };
  }

  generateEd25519(random: RandomBytes): KeyPairMaterial {
    const seed = randomBytesFrom(random, 32).slice();
    return { spec: { type: 'ed25519' }, privateKey: seed, publicKey: nobleEd25519().ed25519.getPublicKey(seed) };
  }

  generateX25519(random: RandomBytes): KeyPairMaterial {
    const privateKey = randomBytesFrom(random, 32).slice();
    return { spec: { type: 'x25519' }, privateKey, publicKey: nobleEd25519().x25519.getPublicKey(privateKey) };
  }

  generateMlDsa(variant: MlDsaVariant, random: RandomBytes): KeyPairMaterial {
    checkSpec({ type: 'ml-dsa', variant });
    const seed = randomBytesFrom(random, ML_DSA_SEED_BYTES).slice();
    const { secretKey, publicKey } = mlDsa()[variant].keygen(seed.slice());
    return { spec: { type: 'ml-dsa', variant }, privateKey: secretKey, publicKey, seed };
  }

  generateRsa(modulusBits: number, publicExponent: number): Promise<KeyPairMaterial> {
    return generateRsaKeyPair(modulusBits, publicExponent);
  }

  // EC

  #messageDigest(hash: HashName, data: Uint8Array, options: SignOptions | undefined): Uint8Array {
    checkHash(hash);
    checkBytes(data, 'data');
    if (options?.prehashed) {
      checkDigestLength(hash, data);
      return data;
    }
    return nobleHash(hash)(data);
  }

  ecdsaSign(key: PreparedKey, hash: HashName, data: Uint8Array, options?: SignOptions): Uint8Array {
    const k = this.#use(key, 'private', 'ec', 'ECDSA sign');
    const digest = this.#messageDigest(hash, data, options);
    const curve = (k.spec as { curve: EcCurve }).curve;
    return nobleCurve(curve).sign(digest, k.material, { prehash: false, lowS: false, format: 'compact' });
  }

  ecdsaVerify(key: PreparedKey, hash: HashName, data: Uint8Array, signature: Uint8Array, options?: SignOptions): boolean {
    const k = this.#use(key, 'any', 'ec', 'ECDSA verify');
    const digest = this.#messageDigest(hash, data, options);
    checkBytes(signature, 'signature');
    const curve = (k.spec as { curve: EcCurve }).curve;
    if (signature.length !== 2 * EC_CURVE_BYTES[curve]) return false;
    return verifyGuard(() =>
      nobleCurve(curve).verify(signature, digest, k.publicMaterial, { prehash: false, lowS: false, format: 'compact' }),
    );
  }

  ecdh(privateKey: PreparedKey, peerPublicPoint: Uint8Array): Uint8Array {
    const k = this.#use(privateKey, 'private', 'ec', 'ECDH');
    const curve = (k.spec as { curve: EcCurve }).curve;
    checkPointEncoding(curve, peerPublicPoint, 'peer public key');
    return guard('INVALID_ARGUMENT', `the ${curve} peer public key is not a point on the curve`, () =>
      nobleCurve(curve).getSharedSecret(k.material, peerPublicPoint, true).slice(1),
    );
  }

  x25519(privateKey: Uint8Array, publicKey: Uint8Array): Uint8Array {
    checkLength(privateKey, 32, 'X25519 private key');
    checkLength(publicKey, 32, 'X25519 public key');
    const shared = guard('INVALID_ARGUMENT', 'X25519 with this public key gives no shared secret (low-order point)', () =>
      nobleEd25519().x25519.getSharedSecret(privateKey, publicKey),
    );
    if (shared.every((b) => b === 0)) throw invalidArgument('X25519 with this public key gives an all-zero shared secret');
    return shared;
  }

  x25519Derive(privateKey: PreparedKey, peerPublicKey: Uint8Array): Uint8Array {
    const k = this.#use(privateKey, 'private', 'x25519', 'X25519 derive');
    checkLength(peerPublicKey, 32, 'X25519 peer public key');
    return this.x25519(k.material, peerPublicKey);
  }

  // Ed25519

  ed25519Sign(key: PreparedKey, message: Uint8Array): Uint8Array {
    const k = this.#use(key, 'private', 'ed25519', 'Ed25519 sign');
    checkBytes(message, 'message');
    return nobleEd25519().ed25519.sign(message, k.material);
  }

  ed25519Verify(key: PreparedKey, message: Uint8Array, signature: Uint8Array): boolean {
    const k = this.#use(key, 'any', 'ed25519', 'Ed25519 verify');
    checkBytes(message, 'message');
    checkBytes(signature, 'signature');
    if (signature.length !== 64) return false;
    return verifyGuard(() => nobleEd25519().ed25519.verify(signature, message, k.publicMaterial, { zip215: false }));
  }

  #phDigest(data: Uint8Array, options: Ed25519phOptions | undefined): { digest: Uint8Array; context: Uint8Array } {
    checkBytes(data, 'data');
    const context = checkContext(options?.context, 255);
    if (options?.prehashed) {
      checkDigestLength('sha512', data);
      return { digest: data, context };
    }
    return { digest: nobleSha2().sha512(data), context };
  }

  ed25519phSign(key: PreparedKey, data: Uint8Array, options?: Ed25519phOptions): Uint8Array {
    const k = this.#use(key, 'private', 'ed25519', 'Ed25519ph sign');
    const { digest, context } = this.#phDigest(data, options);
    return ed25519phOfDigest().sign(digest, k.material, { context });
  }

  ed25519phVerify(key: PreparedKey, data: Uint8Array, signature: Uint8Array, options?: Ed25519phOptions): boolean {
    const k = this.#use(key, 'any', 'ed25519', 'Ed25519ph verify');
    const { digest, context } = this.#phDigest(data, options);
    checkBytes(signature, 'signature');
    if (signature.length !== 64) return false;
    return verifyGuard(() => ed25519phOfDigest().verify(signature, digest, k.publicMaterial, { context, zip215: false }));
  }

  // RSA: RFC 8017 paddings here, RSAEP/RSADP through node:crypto

  #hashFunction(hash: HashName, name = 'hash'): HashFunction {
    return hashFunction(nobleHash(hash), checkHash(hash, name));
  }

  #rsa(key: PreparedKey, kind: KeyKind | 'any', operation: string): RsaKeyObjects {
    return this.#use(key, kind, 'rsa', operation).rsa!;
  }

  rsaPkcs1Sign(key: PreparedKey, hash: HashName, data: Uint8Array, options?: SignOptions): Uint8Array {
    const rsa = this.#rsa(key, 'private', 'RSA PKCS#1 v1.5 sign');
    const digest = this.#messageDigest(hash, data, options);
    return rsaRawPrivate(rsa, emsaPkcs1v15Encode(hash, digest, rsa.k));
  }

  rsaPkcs1Verify(key: PreparedKey, hash: HashName, data: Uint8Array, signature: Uint8Array, options?: SignOptions): boolean {
    const rsa = this.#rsa(key, 'any', 'RSA PKCS#1 v1.5 verify');
    const digest = this.#messageDigest(hash, data, options);
    checkBytes(signature, 'signature');
    if (signature.length !== rsa.k) return false;
    // RFC 8017 §8.2.2: re-encode and compare, rather than parse what the signature holds.
    return verifyGuard(() => equalBytes(rsaRawPublic(rsa, signature), emsaPkcs1v15Encode(hash, digest, rsa.k)));
  }

  rsaPssSign(
    key: PreparedKey,
    hash: HashName,
    mgfHash: HashName,
    saltBytes: number,
    data: Uint8Array,
    options?: SignOptions,
  ): Uint8Array {
    const rsa = this.#rsa(key, 'private', 'RSA-PSS sign');
    const h = this.#hashFunction(hash);
    const mgf = this.#hashFunction(mgfHash, 'MGF1 hash');
    checkPssSalt(saltBytes, h.bytes, rsa.modulusBits);
    const mHash = this.#messageDigest(hash, data, options);
    return pssSign(rsa, mHash, h, mgf, randomBytesFrom(this.#random, saltBytes));
  }

  rsaPssVerify(
    key: PreparedKey,
    hash: HashName,
    mgfHash: HashName,
    saltBytes: number,
    data: Uint8Array,
    signature: Uint8Array,
    options?: SignOptions,
  ): boolean {
    const rsa = this.#rsa(key, 'any', 'RSA-PSS verify');
    const h = this.#hashFunction(hash);
    const mgf = this.#hashFunction(mgfHash, 'MGF1 hash');
    checkPssSalt(saltBytes, h.bytes, rsa.modulusBits);
    const mHash = this.#messageDigest(hash, data, options);
    checkBytes(signature, 'signature');
    if (signature.length !== rsa.k) return false;
    return pssVerify(rsa, mHash, signature, h, mgf, saltBytes);
  }

  rsaOaepEncrypt(
    key: PreparedKey,
    hash: HashName,
    mgfHash: HashName,
    label: Uint8Array | undefined,
    data: Uint8Array,
  ): Uint8Array {
    const rsa = this.#rsa(key, 'any', 'RSA-OAEP encrypt');
    const h = this.#hashFunction(hash);
    const mgf = this.#hashFunction(mgfHash, 'MGF1 hash');
    checkBytes(data, 'data');
    const l = label === undefined ? new Uint8Array(0) : checkBytes(label, 'label');
    checkOaepMessage(data.length, rsa.k, h.bytes);
    return oaepEncrypt(rsa, data, l, h, mgf, randomBytesFrom(this.#random, h.bytes));
  }

  rsaOaepDecrypt(
    key: PreparedKey,
    hash: HashName,
    mgfHash: HashName,
    label: Uint8Array | undefined,
    data: Uint8Array,
  ): Uint8Array {
    const rsa = this.#rsa(key, 'private', 'RSA-OAEP decrypt');
    const h = this.#hashFunction(hash);
    const mgf = this.#hashFunction(mgfHash, 'MGF1 hash');
    checkBytes(data, 'data');
    const l = label === undefined ? new Uint8Array(0) : checkBytes(label, 'label');
    if (data.length !== rsa.k) throw decryptionFailed('OAEP decryption failed');
    return oaepDecrypt(rsa, data, l, h, mgf);
  }

  rsaPkcs1Encrypt(key: PreparedKey, data: Uint8Array): Uint8Array {
    const rsa = this.#rsa(key, 'any', 'RSA PKCS#1 v1.5 encrypt');
    checkBytes(data, 'data');
    checkPkcs1Message(data.length, rsa.k);
    return rsaRawPublic(rsa, emePkcs1v15Encode(data, rsa.k, (n) => randomBytesFrom(this.#random, n)));
  }

  rsaPkcs1Decrypt(key: PreparedKey, data: Uint8Array): Uint8Array {
    const rsa = this.#rsa(key, 'private', 'RSA PKCS#1 v1.5 decrypt');
    checkBytes(data, 'data');
    return pkcs1Decrypt(rsa, data);
  }

  // ML-DSA

  #mlDsa(key: PreparedKey, kind: KeyKind | 'any', operation: string): { k: NobleKey; variant: MlDsaVariant } {
    const k = this.#use(key, kind, 'ml-dsa', operation);
    return { k, variant: (k.spec as { variant: MlDsaVariant }).variant };
  }

  mlDsaSign(key: PreparedKey, message: Uint8Array, options?: MlDsaOptions): Uint8Array {
    const { k, variant } = this.#mlDsa(key, 'private', 'ML-DSA sign');
    checkBytes(message, 'message');
    const context = checkContext(options?.context, ML_DSA_MAX_CONTEXT_BYTES);
    return mlDsa()[variant].sign(message, k.material, { context, extraEntropy: randomBytesFrom(this.#random, 32) });
  }

  mlDsaVerify(key: PreparedKey, message: Uint8Array, signature: Uint8Array, options?: MlDsaOptions): boolean {
    const { k, variant } = this.#mlDsa(key, 'any', 'ML-DSA verify');
    checkBytes(message, 'message');
    checkBytes(signature, 'signature');
    const context = checkContext(options?.context, ML_DSA_MAX_CONTEXT_BYTES);
    if (signature.length !== ML_DSA_BYTES[variant].signature) return false;
    return verifyGuard(() => mlDsa()[variant].verify(signature, message, k.publicMaterial, { context }));
  }

  mlDsaExternalMu(key: PreparedKey, message: Uint8Array, options?: MlDsaOptions): Uint8Array {
    const { k } = this.#mlDsa(key, 'any', 'ML-DSA external mu');
    checkBytes(message, 'message');
    const context = checkContext(options?.context, ML_DSA_MAX_CONTEXT_BYTES);
    const tr = nobleSha3().shake256(k.publicMaterial, { dkLen: 64 });
    return nobleSha3()
      .shake256.create({ dkLen: ML_DSA_MU_BYTES })
      .update(tr)
      .update(Uint8Array.of(0, context.length))
      .update(context)
      .update(message)
      .digest();
  }

  mlDsaSignMu(key: PreparedKey, mu: Uint8Array): Uint8Array {
    const { k, variant } = this.#mlDsa(key, 'private', 'ML-DSA sign (external mu)');
    checkLength(mu, ML_DSA_MU_BYTES, 'mu');
    // noble wipes μ after signing (it is normally its own buffer), so it gets a copy.
    return mlDsa()[variant].internal.sign(mu.slice(), k.material, {
      externalMu: true,
      extraEntropy: randomBytesFrom(this.#random, 32),
    });
  }

  mlDsaVerifyMu(key: PreparedKey, mu: Uint8Array, signature: Uint8Array): boolean {
    const { k, variant } = this.#mlDsa(key, 'any', 'ML-DSA verify (external mu)');
    checkLength(mu, ML_DSA_MU_BYTES, 'mu');
    checkBytes(signature, 'signature');
    if (signature.length !== ML_DSA_BYTES[variant].signature) return false;
    return verifyGuard(() => mlDsa()[variant].internal.verify(signature, mu, k.publicMaterial, { externalMu: true }));
  }
}

export function createNobleProvider(options: NobleProviderOptions = {}): CryptoProvider {
  return Object.freeze(new NobleProvider(options));
}

export const nobleProvider: CryptoProvider = createNobleProvider();
