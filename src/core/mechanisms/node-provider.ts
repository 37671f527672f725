/**
 * The node:crypto (OpenSSL 3) implementation of CryptoProvider, the default wherever OpenSSL has
 * the algorithm. See provider.ts for the interface, the canonical key forms and the standards.
 *
 * Where node 20 lacks something it delegates, and says so here:
 * - ML-DSA (node 20 has none) and Ed25519ph (node exposes no prehash/context variant): the noble
 *   provider, through a noble-prepared twin of the key (noble itself loads on first use, noble.ts);
 * - ECDSA over a caller-supplied digest (`prehashed`): node:crypto only signs messages, so noble;
 * - AES-GCM with an IV longer than node's 128-byte limit: gcm.ts (noble building blocks);
 * - RSA: PKCS#1 v1.5 decryption (refused by node 20 since CVE-2023-46809), PSS over a digest or
 *   with an MGF1 hash unlike the message hash, and OAEP with a differing MGF1 hash: the RFC 8017
 *   operations of rsa-operations.ts (shared with the noble provider) with node's hashes;
 * - AES-CMAC (node 20 has no CMAC API): RFC 4493 written here over OpenSSL's AES;
 * - Ed25519 public keys are checked with noble's strict RFC 8032 decoder, since OpenSSL accepts
 *   any 32 bytes at import.
 * Key generation from the caller's random bytes (EC, Ed25519, X25519) derives the key exactly as
 * the noble provider does, then lets OpenSSL compute the public key.
 */
import {
  ECDH,
  constants,
  createCipheriv,
  createDecipheriv,
  createECDH,
  createHash,
  createHmac,
  createPrivateKey,
  createPublicKey,
  diffieHellman,
  privateDecrypt,
  privateEncrypt,
  publicDecrypt,
  publicEncrypt,
  randomBytes as randomBytesNode,
  sign as nodeSign,
  verify as nodeVerify,
  type KeyObject,
} from 'node:crypto';
import {
  checkAesKey,
  checkBytes,
  checkCbcInput,
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
  decryptionFailed,
  equalBytes,
  guard,
  invalidArgument,
  plain,
  verifyGuard,
} from './checks.js';
import {
  OPENSSL_CURVE_NAMES,
  checkPointEncoding,
  checkScalar,
  curveFromOpenSslName,
  randomBytesFrom,
  scalarFromRandom,
} from './curves.js';
import { encodeDigestInfo } from './der.js';
import { gcmDecrypt, gcmEncrypt } from './gcm.js';
import { CURVES, columnOf, type CurveRow } from './table.js';
import {
  ecPkcs8,
  ed25519Pkcs8,
  parseEcPrivateKey,
  parseOctetStringKey,
  parsePkcs8,
  parseSpki,
  spkiFromCanonical,
  x25519Pkcs8,
  x25519Spki,
} from './key-encoding.js';
import { isValidEd25519PublicKey, nobleProvider } from './noble-provider.js';
import {
  EC_CURVE_BYTES,
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
  type RsaKeyObjects,
} from './rsa-keys.js';

/** node:crypto's IV limit for GCM (longer IVs go through gcm.ts). */
const NODE_GCM_MAX_IV_BYTES = 128;
const KW_IV = Buffer.from('a6a6a6a6a6a6a6a6', 'hex');
const KWP_IV = Buffer.from('a65959a6', 'hex');

interface NodeKey extends PreparedKey {
  readonly material: Uint8Array;
  readonly publicMaterial: Uint8Array;
  /** The private KeyObject (private keys) — EC, Ed25519, X25519. */
  readonly privateObject?: KeyObject;
  /** The public KeyObject — EC, Ed25519, X25519. */
  readonly publicObject?: KeyObject;
  readonly rsa?: RsaKeyObjects;
  /** ML-DSA keys live entirely in noble. */
  readonly noble?: PreparedKey;
}

/** Noble twins of node keys for the delegated operations, made on first use. */
const nobleTwins = new WeakMap<NodeKey, PreparedKey>();

function nodeHash(hash: HashName): string {
  checkHash(hash);
  return hash;
}

function buffer(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

function aesName(key: Uint8Array, mode: string): string {
  return `aes-${key.length * 8}-${mode}`;
}

function run(cipher: { update(data: Buffer): Buffer; final(): Buffer }, data: Uint8Array): Uint8Array {
  const head = cipher.update(buffer(data));
  const tail = cipher.final();
  // Stream modes (GCM, CTR) finish with nothing: hand back the one output without copying it again.
  return plain(tail.length === 0 ? head : Buffer.concat([head, tail]));
}

/** RFC 4493 §2.3 doubling in GF(2^128). */
function dbl(block: Uint8Array): Uint8Array {
  const out = new Uint8Array(16);
  for (let i = 0; i < 16; i++) out[i] = ((block[i]! << 1) | (i < 15 ? block[i + 1]! >> 7 : 0)) & 0xff;
  if (block[0]! & 0x80) out[15]! ^= 0x87;
  return out;
}

class NodeProvider implements CryptoProvider {
  readonly name = 'node' as const;

  // Digests and MACs

  digest(hash: HashName, data: Uint8Array): Uint8Array {
    const h = nodeHash(hash);
    checkBytes(data, 'data');
    return plain(createHash(h).update(data).digest());
  }

  hmac(hash: HashName, key: Uint8Array, data: Uint8Array): Uint8Array {
    const h = nodeHash(hash);
    checkBytes(key, 'key');
    checkBytes(data, 'data');
    return plain(createHmac(h, key).update(data).digest());
  }

  /** RFC 4493 §2.4: CBC-MAC over the message with the last block masked by K1 or padded and masked by K2. */
  cmac(key: Uint8Array, data: Uint8Array): Uint8Array {
    checkAesKey(key);
    checkBytes(data, 'data');
    const l = this.aesEcbEncryptBlock(key, new Uint8Array(16));
    const k1 = dbl(l);
    const k2 = dbl(k1);
    const blocks = Math.max(1, Math.ceil(data.length / 16));
    const complete = data.length > 0 && data.length % 16 === 0;
    const m = new Uint8Array(blocks * 16);
    m.set(data);
    if (!complete) m[data.length] = 0x80;
    const mask = complete ? k1 : k2;
    for (let i = 0; i < 16; i++) m[(blocks - 1) * 16 + i]! ^= mask[i]!;
    const cipher = createCipheriv(aesName(key, 'cbc'), key, Buffer.alloc(16));
    cipher.setAutoPadding(false);
    return run(cipher, m).slice(-16);
  }

  // AES

  aesEcbEncryptBlock(key: Uint8Array, block: Uint8Array): Uint8Array {
    checkAesKey(key);
    checkLength(block, 16, 'block');
    const cipher = createCipheriv(aesName(key, 'ecb'), key, null);
    cipher.setAutoPadding(false);
    return run(cipher, block);
  }

  aesCbcEncrypt(key: Uint8Array, iv: Uint8Array, data: Uint8Array, options: AesCbcOptions): Uint8Array {
    checkAesKey(key);
    const padded = checkPadding(options);
    checkCbcInput(iv, data, false, padded);
    const cipher = createCipheriv(aesName(key, 'cbc'), key, iv);
    cipher.setAutoPadding(padded);
    return run(cipher, data);
  }

  aesCbcDecrypt(key: Uint8Array, iv: Uint8Array, data: Uint8Array, options: AesCbcOptions): Uint8Array {
    checkAesKey(key);
    const padded = checkPadding(options);
    checkCbcInput(iv, data, true, padded);
    const decipher = createDecipheriv(aesName(key, 'cbc'), key, iv);
    decipher.setAutoPadding(padded);
    return guard('DECRYPTION_FAILED', 'AES-CBC padding was wrong', () => run(decipher, data));
  }

  aesCtr(key: Uint8Array, iv: Uint8Array, data: Uint8Array): Uint8Array {
    checkAesKey(key);
    checkLength(iv, 16, 'iv');
    checkBytes(data, 'data');
    return run(createCipheriv(aesName(key, 'ctr'), key, iv), data);
  }

  aesGcmEncrypt(key: Uint8Array, iv: Uint8Array, plaintext: Uint8Array, aad: Uint8Array, tagBytes: number): AesGcmResult {
    checkAesKey(key);
    checkGcm(iv, tagBytes);
    checkBytes(plaintext, 'plaintext');
    checkBytes(aad, 'aad');
    if (iv.length > NODE_GCM_MAX_IV_BYTES) return gcmEncrypt(key, iv, plaintext, aad, tagBytes);
    const cipher = createCipheriv(aesName(key, 'gcm') as 'aes-128-gcm', key, iv, { authTagLength: tagBytes });
    if (aad.length > 0) cipher.setAAD(aad);
    const ciphertext = run(cipher, plaintext);
    return { ciphertext, tag: plain(cipher.getAuthTag()) };
  }

  aesGcmDecrypt(key: Uint8Array, iv: Uint8Array, ciphertext: Uint8Array, tag: Uint8Array, aad: Uint8Array): Uint8Array {
    checkAesKey(key);
    checkBytes(tag, 'tag');
    checkGcm(iv, tag.length);
    checkBytes(ciphertext, 'ciphertext');
    checkBytes(aad, 'aad');
    if (iv.length > NODE_GCM_MAX_IV_BYTES) return gcmDecrypt(key, iv, ciphertext, tag, aad);
    const decipher = createDecipheriv(aesName(key, 'gcm') as 'aes-128-gcm', key, iv, { authTagLength: tag.length });
    decipher.setAuthTag(tag);
    if (aad.length > 0) decipher.setAAD(aad);
    return guard('DECRYPTION_FAILED', 'AES-GCM tag did not authenticate', () => run(decipher, ciphertext));
  }

  aesKeyWrap(kek: Uint8Array, keyData: Uint8Array): Uint8Array {
    checkAesKey(kek, 'wrapping key');
    checkKeyWrapInput(keyData);
    return run(createCipheriv(`id-aes${kek.length * 8}-wrap`, kek, KW_IV), keyData);
  }

  aesKeyUnwrap(kek: Uint8Array, wrapped: Uint8Array): Uint8Array {
    checkAesKey(kek, 'wrapping key');
    checkKeyUnwrapInput(wrapped);
    return guard('DECRYPTION_FAILED', 'AES key unwrap integrity check failed', () =>
      run(createDecipheriv(`id-aes${kek.length * 8}-wrap`, kek, KW_IV), wrapped),
    );
  }

  aesKeyWrapPad(kek: Uint8Array, keyData: Uint8Array): Uint8Array {
    checkAesKey(kek, 'wrapping key');
    checkKeyWrapPadInput(keyData);
    return run(createCipheriv(`id-aes${kek.length * 8}-wrap-pad`, kek, KWP_IV), keyData);
  }

  aesKeyUnwrapPad(kek: Uint8Array, wrapped: Uint8Array): Uint8Array {
    checkAesKey(kek, 'wrapping key');
    checkKeyUnwrapPadInput(wrapped);
    return guard('DECRYPTION_FAILED', 'AES key unwrap (with padding) integrity check failed', () =>
      run(createDecipheriv(`id-aes${kek.length * 8}-wrap-pad`, kek, KWP_IV), wrapped),
    );
  }

  // Key material

  preparePrivate(spec: AsymmetricKeySpec, material: Uint8Array): PreparedKey {
    checkSpec(spec);
    checkBytes(material, 'private key');
    switch (spec.type) {
      case 'ec': {
        checkScalar(spec.curve, material);
        const ecdh = createECDH(OPENSSL_CURVE_NAMES[spec.curve]);
        ecdh.setPrivateKey(material);
        const point = plain(ecdh.getPublicKey());
        const privateObject = ecPrivateObject(spec.curve, material, point);
        return this.#key('private', spec, material, point, { privateObject, publicObject: createPublicKey(privateObject) });
      }
      case 'ed25519': {
        checkLength(material, 32, 'Ed25519 private key (seed)');
        const privateObject = ed25519PrivateObject(material);
        const publicObject = createPublicKey(privateObject);
        const publicKey = fromBase64Url(publicObject.export({ format: 'jwk' }).x);
        return this.#key('private', spec, material, publicKey, { privateObject, publicObject });
      }
      case 'x25519': {
        checkLength(material, 32, 'X25519 private key');
        const privateObject = x25519PrivateObject(material);
        const publicObject = createPublicKey(privateObject);
        const publicKey = fromBase64Url(publicObject.export({ format: 'jwk' }).x);
        return this.#key('private', spec, material, publicKey, { privateObject, publicObject });
      }
      case 'rsa': {
        const rsa = loadRsaPrivate(material);
        return this.#key('private', spec, rsa.material, rsa.spki, { rsa });
      }
      case 'ml-dsa': {
        const noble = nobleProvider.preparePrivate(spec, material);
        return this.#key('private', spec, material, nobleProvider.publicKeyOf(noble), { noble });
      }
    }
  }

  preparePublic(spec: AsymmetricKeySpec, material: Uint8Array): PreparedKey {
    checkSpec(spec);
    checkBytes(material, 'public key');
    switch (spec.type) {
      case 'ec': {
        checkPointEncoding(spec.curve, material);
        const publicObject = guard('INVALID_ARGUMENT', `${spec.curve} public key is not a point on the curve`, () =>
          ecPublicObject(spec.curve, material),
        );
        return this.#key('public', spec, material, material, { publicObject });
      }
      case 'ed25519': {
        checkLength(material, 32, 'Ed25519 public key');
        if (!isValidEd25519PublicKey(material)) throw invalidArgument('Ed25519 public key is not a valid point encoding');
        const publicObject = createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: base64Url(material) }, format: 'jwk' });
        return this.#key('public', spec, material, material, { publicObject });
      }
      case 'x25519':
        // RFC 7748 §5: every 32-byte string is a u-coordinate to accept; low-order peers show up
        // as an all-zero shared secret, which derivation refuses.
        checkLength(material, 32, 'X25519 public key');
        return this.#key('public', spec, material, material, { publicObject: x25519PublicObject(material) });
      case 'rsa': {
        const rsa = loadRsaPublic(material);
        return this.#key('public', spec, rsa.material, rsa.material, { rsa });
      }
      case 'ml-dsa': {
        const noble = nobleProvider.preparePublic(spec, material);
        return this.#key('public', spec, material, material, { noble });
      }
    }
  }

  #key(
    kind: KeyKind,
    spec: AsymmetricKeySpec,
    material: Uint8Array,
    publicMaterial: Uint8Array,
    extra: { privateObject?: KeyObject; publicObject?: KeyObject; rsa?: RsaKeyObjects; noble?: PreparedKey },
  ): PreparedKey {
    const key = {
      provider: 'node' as const,
      kind,
      spec: Object.freeze({ ...spec }),
      material: material.slice(),
      publicMaterial: publicMaterial.slice(),
      ...extra,
    };
    return Object.freeze(key) as unknown as PreparedKey;
  }

  #use(key: PreparedKey, kind: KeyKind | 'any', type: AsymmetricKeySpec['type'] | 'any', operation: string): NodeKey {
    return checkPrepared<NodeKey>(key, 'node', kind, type, operation);
  }

  /** The noble twin of a node key, for the operations node delegates. */
  #noble(key: NodeKey): PreparedKey {
    if (key.noble) return key.noble;
    let twin = nobleTwins.get(key);
    if (!twin) {
      twin = key.kind === 'private'
        ? nobleProvider.preparePrivate(key.spec, key.material)
        : nobleProvider.preparePublic(key.spec, key.material);
      nobleTwins.set(key, twin);
    }
    return twin;
  }

  publicKeyOf(key: PreparedKey): Uint8Array {
    return this.#use(key, 'any', 'any', 'publicKeyOf').publicMaterial.slice();
  }

  exportSpki(key: PreparedKey): Uint8Array {
    const k = this.#use(key, 'any', 'any', 'exportSpki');
    if (k.noble) return nobleProvider.exportSpki(k.noble);
    if (k.rsa) return k.rsa.spki.slice();
    return plain(k.publicObject!.export({ format: 'der', type: 'spki' }));
  }

  exportPkcs8(key: PreparedKey): Uint8Array {
    const k = this.#use(key, 'private', 'any', 'exportPkcs8');
    if (k.noble) return nobleProvider.exportPkcs8(k.noble);
    if (k.rsa) return k.rsa.material.slice();
    return plain(k.privateObject!.export({ format: 'der', type: 'pkcs8' }));
  }

  importPublicDer(der: Uint8Array, format: PublicDerFormat): ImportedKey {
    checkBytes(der, 'DER');
    if (format === 'pkcs1') return { spec: { type: 'rsa' }, kind: 'public', material: importRsaPublicDer(der, 'pkcs1') };
    if (format !== 'spki') throw invalidArgument(`public key format must be spki or pkcs1, got ${String(format)}`);
    let key: KeyObject;
    try {
      key = createPublicKey({ key: buffer(der), format: 'der', type: 'spki' });
    } catch (err) {
      // OpenSSL 3.0 does not know ML-DSA; noble imports those.
      if (isMlDsa(() => parseSpki(der).algorithm)) return nobleProvider.importPublicDer(der, 'spki');
      throw invalidArgument('the public key is not valid SubjectPublicKeyInfo DER', err);
    }
    switch (key.asymmetricKeyType) {
      case 'rsa':
        return { spec: { type: 'rsa' }, kind: 'public', material: importRsaPublicDer(der, 'spki') };
      case 'ec': {
        const curve = curveFromOpenSslName(key.asymmetricKeyDetails?.namedCurve);
        if (curve === undefined) throw invalidArgument('unsupported EC curve (named curves secp224r1, secp256r1, secp384r1, secp521r1, secp256k1 only)');
        const exported = parseSpki(plain(key.export({ format: 'der', type: 'spki' }))).publicKey;
        // OpenSSL keeps a compressed point compressed; the canonical form is uncompressed.
        const point = guard('INVALID_ARGUMENT', `${curve} public key is not a point on the curve`, () =>
          convertPoint(curve, exported),
        );
        return { spec: { type: 'ec', curve }, kind: 'public', material: point };
      }
      case 'ed25519': {
        const publicKey = plain(key.export({ format: 'der', type: 'spki' })).slice(-32);
        if (!isValidEd25519PublicKey(publicKey)) throw invalidArgument('Ed25519 public key is not a valid point encoding');
        return { spec: { type: 'ed25519' }, kind: 'public', material: publicKey };
      }
      case 'x25519':
        return { spec: { type: 'x25519' }, kind: 'public', material: parseSpki(plain(key.export({ format: 'der', type: 'spki' }))).publicKey };
      default:
        throw invalidArgument(`unsupported public key type ${key.asymmetricKeyType ?? 'unknown'}`);
    }
  }

  importPrivateDer(der: Uint8Array, format: PrivateDerFormat): ImportedKey {
    checkBytes(der, 'DER');
    if (format === 'pkcs1') return { spec: { type: 'rsa' }, kind: 'private', material: importRsaPrivateDer(der, 'pkcs1') };
    if (format !== 'pkcs8' && format !== 'sec1') {
      throw invalidArgument(`private key format must be pkcs8, pkcs1 or sec1, got ${String(format)}`);
    }
    let key: KeyObject;
    try {
      key = createPrivateKey({ key: buffer(der), format: 'der', type: format });
    } catch (err) {
      if (format === 'pkcs8' && isMlDsa(() => parsePkcs8(der).algorithm)) return nobleProvider.importPrivateDer(der, 'pkcs8');
      throw invalidArgument(`the private key is not valid ${format === 'pkcs8' ? 'PKCS#8' : 'SEC 1'} DER`, err);
    }
    switch (key.asymmetricKeyType) {
      case 'rsa':
        return { spec: { type: 'rsa' }, kind: 'private', material: importRsaPrivateDer(der, 'pkcs8') };
      case 'ec': {
        const curve = curveFromOpenSslName(key.asymmetricKeyDetails?.namedCurve);
        if (curve === undefined) throw invalidArgument('unsupported EC curve (named curves secp224r1, secp256r1, secp384r1, secp521r1, secp256k1 only)');
        const { d, publicPoint } = parseEcPrivateKey(plain(key.export({ format: 'der', type: 'sec1' })), curve);
        checkScalar(curve, d);
        if (publicPoint) {
          // OpenSSL keeps an embedded public key unchecked; refuse a mismatched pair as noble does.
          const ecdh = createECDH(OPENSSL_CURVE_NAMES[curve]);
          ecdh.setPrivateKey(d);
          const given = guard('INVALID_ARGUMENT', `${curve} public key is not a point on the curve`, () => convertPoint(curve, publicPoint));
          if (!equalBytes(plain(ecdh.getPublicKey()), given)) {
            throw invalidArgument('EC private key: the public key does not match the private key');
          }
        }
        return { spec: { type: 'ec', curve }, kind: 'private', material: d.slice() };
      }
      case 'ed25519': {
        const parsed = parsePkcs8(plain(key.export({ format: 'der', type: 'pkcs8' })));
        return { spec: { type: 'ed25519' }, kind: 'private', material: parseOctetStringKey(parsed.privateKey, 32, 'Ed25519 private key').slice() };
      }
      case 'x25519': {
        const parsed = parsePkcs8(plain(key.export({ format: 'der', type: 'pkcs8' })));
        return { spec: { type: 'x25519' }, kind: 'private', material: parseOctetStringKey(parsed.privateKey, 32, 'X25519 private key').slice() };
      }
      default:
        throw invalidArgument(`unsupported private key type ${key.asymmetricKeyType ?? 'unknown'}`);
    }
  }

  // Key generation

  generateEc(curve: EcCurve, random: RandomBytes): KeyPairMaterial {
    checkSpec({ type: 'ec', curve });
    const d = scalarFromRandom(curve, random);
    const ecdh = createECDH(OPENSSL_CURVE_NAMES[curve]);
    ecdh.setPrivateKey(d);
    return { spec: { type: 'ec', curve }, privateKey: d, publicKey: plain(ecdh.getPublicKey()) };
  }

  generateEd25519(random: RandomBytes): KeyPairMaterial {
    const seed = randomBytesFrom(random, 32).slice();
    const key = this.preparePrivate({ type: 'ed25519' }, seed);
    return { spec: { type: 'ed25519' }, privateKey: seed, publicKey: this.publicKeyOf(key) };
  }

  generateX25519(random: RandomBytes): KeyPairMaterial {
    const privateKey = randomBytesFrom(random, 32).slice();
    const key = this.preparePrivate({ type: 'x25519' }, privateKey);
    return { spec: { type: 'x25519' }, privateKey, publicKey: this.publicKeyOf(key) };
  }

  generateMlDsa(variant: MlDsaVariant, random: RandomBytes): KeyPairMaterial {
    return nobleProvider.generateMlDsa(variant, random);
  }

  generateRsa(modulusBits: number, publicExponent: number): Promise<KeyPairMaterial> {
    return generateRsaKeyPair(modulusBits, publicExponent);
  }

  // EC

  #checkMessage(hash: HashName, data: Uint8Array, options: SignOptions | undefined): string {
    const h = nodeHash(hash);
    checkBytes(data, 'data');
    if (options?.prehashed) checkDigestLength(hash, data);
    return h;
  }

  ecdsaSign(key: PreparedKey, hash: HashName, data: Uint8Array, options?: SignOptions): Uint8Array {
    const k = this.#use(key, 'private', 'ec', 'ECDSA sign');
    const h = this.#checkMessage(hash, data, options);
    if (options?.prehashed) return nobleProvider.ecdsaSign(this.#noble(k), hash, data, options);
    return plain(nodeSign(h, data, { key: k.privateObject!, dsaEncoding: 'ieee-p1363' }));
  }

  ecdsaVerify(key: PreparedKey, hash: HashName, data: Uint8Array, signature: Uint8Array, options?: SignOptions): boolean {
    const k = this.#use(key, 'any', 'ec', 'ECDSA verify');
    const h = this.#checkMessage(hash, data, options);
    checkBytes(signature, 'signature');
    if (options?.prehashed) return nobleProvider.ecdsaVerify(this.#noble(k), hash, data, signature, options);
    if (signature.length !== 2 * EC_CURVE_BYTES[(k.spec as { curve: EcCurve }).curve]) return false;
    return verifyGuard(() => nodeVerify(h, data, { key: k.publicObject!, dsaEncoding: 'ieee-p1363' }, signature));
  }

  ecdh(privateKey: PreparedKey, peerPublicPoint: Uint8Array): Uint8Array {
    const k = this.#use(privateKey, 'private', 'ec', 'ECDH');
    const spec = k.spec as { type: 'ec'; curve: EcCurve };
    checkPointEncoding(spec.curve, peerPublicPoint, 'peer public key');
    return guard('INVALID_ARGUMENT', `the ${spec.curve} peer public key is not a point on the curve`, () => {
      return plain(diffieHellman({ privateKey: k.privateObject!, publicKey: ecPublicObject(spec.curve, peerPublicPoint) }));
    });
  }

  x25519(privateKey: Uint8Array, publicKey: Uint8Array): Uint8Array {
    checkLength(privateKey, 32, 'X25519 private key');
    checkLength(publicKey, 32, 'X25519 public key');
    return x25519Agree(x25519PrivateObject(privateKey), publicKey);
  }

  x25519Derive(privateKey: PreparedKey, peerPublicKey: Uint8Array): Uint8Array {
    const k = this.#use(privateKey, 'private', 'x25519', 'X25519 derive');
    checkLength(peerPublicKey, 32, 'X25519 peer public key');
    return x25519Agree(k.privateObject!, peerPublicKey);
  }

  // Ed25519

  ed25519Sign(key: PreparedKey, message: Uint8Array): Uint8Array {
    const k = this.#use(key, 'private', 'ed25519', 'Ed25519 sign');
    checkBytes(message, 'message');
    return plain(nodeSign(null, message, k.privateObject!));
  }

  ed25519Verify(key: PreparedKey, message: Uint8Array, signature: Uint8Array): boolean {
    const k = this.#use(key, 'any', 'ed25519', 'Ed25519 verify');
    checkBytes(message, 'message');
    checkBytes(signature, 'signature');
    if (signature.length !== 64) return false;
    return verifyGuard(() => nodeVerify(null, message, k.publicObject!, signature));
  }

  ed25519phSign(key: PreparedKey, data: Uint8Array, options?: Ed25519phOptions): Uint8Array {
    const k = this.#use(key, 'private', 'ed25519', 'Ed25519ph sign');
    return nobleProvider.ed25519phSign(this.#noble(k), data, options);
  }

  ed25519phVerify(key: PreparedKey, data: Uint8Array, signature: Uint8Array, options?: Ed25519phOptions): boolean {
    const k = this.#use(key, 'any', 'ed25519', 'Ed25519ph verify');
    return nobleProvider.ed25519phVerify(this.#noble(k), data, signature, options);
  }

  // RSA

  #rsa(key: PreparedKey, kind: KeyKind | 'any', operation: string): RsaKeyObjects {
    return this.#use(key, kind, 'rsa', operation).rsa!;
  }

  #hashFunction(hash: HashName, name = 'hash'): HashFunction {
    const bytes = checkHash(hash, name);
    return hashFunction((data) => plain(createHash(hash).update(data).digest()), bytes);
  }

  rsaPkcs1Sign(key: PreparedKey, hash: HashName, data: Uint8Array, options?: SignOptions): Uint8Array {
    const rsa = this.#rsa(key, 'private', 'RSA PKCS#1 v1.5 sign');
    const h = this.#checkMessage(hash, data, options);
    return guard('INVALID_ARGUMENT', `the RSA modulus is too short for a ${hash} PKCS#1 v1.5 signature`, () =>
      options?.prehashed
        ? plain(privateEncrypt({ key: rsa.privateKey!, padding: constants.RSA_PKCS1_PADDING }, encodeDigestInfo(hash, data)))
        : plain(nodeSign(h, data, { key: rsa.privateKey!, padding: constants.RSA_PKCS1_PADDING })),
    );
  }

  rsaPkcs1Verify(key: PreparedKey, hash: HashName, data: Uint8Array, signature: Uint8Array, options?: SignOptions): boolean {
    const rsa = this.#rsa(key, 'any', 'RSA PKCS#1 v1.5 verify');
    const h = this.#checkMessage(hash, data, options);
    checkBytes(signature, 'signature');
    if (signature.length !== rsa.k) return false;
    if (options?.prehashed) {
      return verifyGuard(() =>
        equalBytes(
          plain(publicDecrypt({ key: rsa.publicKey, padding: constants.RSA_PKCS1_PADDING }, signature)),
          encodeDigestInfo(hash, data),
        ),
      );
    }
    return verifyGuard(() => nodeVerify(h, data, { key: rsa.publicKey, padding: constants.RSA_PKCS1_PADDING }, signature));
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
    const h = this.#checkMessage(hash, data, options);
    const mgf = this.#hashFunction(mgfHash, 'MGF1 hash');
    const hf = this.#hashFunction(hash);
    checkPssSalt(saltBytes, hf.bytes, rsa.modulusBits);
    if (!options?.prehashed && mgfHash === hash) {
      return plain(nodeSign(h, data, { key: rsa.privateKey!, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: saltBytes }));
    }
    const mHash = options?.prehashed ? data : hf(data);
    const salt = plain(randomBytesNode(saltBytes));
    return pssSign(rsa, mHash, hf, mgf, salt);
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
    const h = this.#checkMessage(hash, data, options);
    const mgf = this.#hashFunction(mgfHash, 'MGF1 hash');
    const hf = this.#hashFunction(hash);
    checkPssSalt(saltBytes, hf.bytes, rsa.modulusBits);
    checkBytes(signature, 'signature');
    if (signature.length !== rsa.k) return false;
    if (!options?.prehashed && mgfHash === hash) {
      return verifyGuard(() =>
        nodeVerify(h, data, { key: rsa.publicKey, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: saltBytes }, signature),
      );
    }
    const mHash = options?.prehashed ? data : hf(data);
    return pssVerify(rsa, mHash, signature, hf, mgf, saltBytes);
  }

  rsaOaepEncrypt(
    key: PreparedKey,
    hash: HashName,
    mgfHash: HashName,
    label: Uint8Array | undefined,
    data: Uint8Array,
  ): Uint8Array {
    const rsa = this.#rsa(key, 'any', 'RSA-OAEP encrypt');
    const hf = this.#hashFunction(hash);
    const mgf = this.#hashFunction(mgfHash, 'MGF1 hash');
    checkBytes(data, 'data');
    const l = label === undefined ? new Uint8Array(0) : checkBytes(label, 'label');
    checkOaepMessage(data.length, rsa.k, hf.bytes);
    if (mgfHash === hash) {
      return plain(
        publicEncrypt({ key: rsa.publicKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: hash, oaepLabel: l }, data),
      );
    }
    return oaepEncrypt(rsa, data, l, hf, mgf, plain(randomBytesNode(hf.bytes)));
  }

  rsaOaepDecrypt(
    key: PreparedKey,
    hash: HashName,
    mgfHash: HashName,
    label: Uint8Array | undefined,
    data: Uint8Array,
  ): Uint8Array {
    const rsa = this.#rsa(key, 'private', 'RSA-OAEP decrypt');
    const hf = this.#hashFunction(hash);
    const mgf = this.#hashFunction(mgfHash, 'MGF1 hash');
    checkBytes(data, 'data');
    const l = label === undefined ? new Uint8Array(0) : checkBytes(label, 'label');
    if (data.length !== rsa.k) throw decryptionFailed('OAEP decryption failed');
    if (mgfHash === hash) {
      return guard('DECRYPTION_FAILED', 'OAEP decryption failed', () =>
        plain(
          privateDecrypt({ key: rsa.privateKey!, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: hash, oaepLabel: l }, data),
        ),
      );
    }
    return oaepDecrypt(rsa, data, l, hf, mgf);
  }

  rsaPkcs1Encrypt(key: PreparedKey, data: Uint8Array): Uint8Array {
    const rsa = this.#rsa(key, 'any', 'RSA PKCS#1 v1.5 encrypt');
    checkBytes(data, 'data');
    checkPkcs1Message(data.length, rsa.k);
    return plain(publicEncrypt({ key: rsa.publicKey, padding: constants.RSA_PKCS1_PADDING }, data));
  }

  rsaPkcs1Decrypt(key: PreparedKey, data: Uint8Array): Uint8Array {
    const rsa = this.#rsa(key, 'private', 'RSA PKCS#1 v1.5 decrypt');
    checkBytes(data, 'data');
    // node 20 refuses RSA_PKCS1_PADDING for private decryption (CVE-2023-46809): raw RSA + unpad.
    return pkcs1Decrypt(rsa, data);
  }

  // ML-DSA: delegated to noble (node 20 has none)

  #mlDsa(key: PreparedKey, kind: KeyKind | 'any', operation: string): PreparedKey {
    return this.#use(key, kind, 'ml-dsa', operation).noble!;
  }

  mlDsaSign(key: PreparedKey, message: Uint8Array, options?: MlDsaOptions): Uint8Array {
    return nobleProvider.mlDsaSign(this.#mlDsa(key, 'private', 'ML-DSA sign'), message, options);
  }

  mlDsaVerify(key: PreparedKey, message: Uint8Array, signature: Uint8Array, options?: MlDsaOptions): boolean {
    return nobleProvider.mlDsaVerify(this.#mlDsa(key, 'any', 'ML-DSA verify'), message, signature, options);
  }

  mlDsaExternalMu(key: PreparedKey, message: Uint8Array, options?: MlDsaOptions): Uint8Array {
    return nobleProvider.mlDsaExternalMu(this.#mlDsa(key, 'any', 'ML-DSA external mu'), message, options);
  }

  mlDsaSignMu(key: PreparedKey, mu: Uint8Array): Uint8Array {
    return nobleProvider.mlDsaSignMu(this.#mlDsa(key, 'private', 'ML-DSA sign (external mu)'), mu);
  }

  mlDsaVerifyMu(key: PreparedKey, mu: Uint8Array, signature: Uint8Array): boolean {
    return nobleProvider.mlDsaVerifyMu(this.#mlDsa(key, 'any', 'ML-DSA verify (external mu)'), mu, signature);
  }
}

/*
 * Key objects from canonical material. OpenSSL 3.0's DER decoders are slow (about 0.6 ms per EC or
 * Ed25519 key), while node imports JWK straight into the key structures about ten times faster,
 * so JWK is used wherever node knows the curve (it has no JWK name for P-224, which uses DER).
 * Both paths check that a public point is on the curve.
 */
const JWK_CURVES: Readonly<Record<EcCurve, string | undefined>> = columnOf(CURVES, (row: CurveRow) => row.jwk);

function base64Url(bytes: Uint8Array): string {
  return buffer(bytes).toString('base64url');
}

function fromBase64Url(value: string | undefined): Uint8Array {
  return plain(Buffer.from(value ?? '', 'base64url'));
}

function ecJwk(curve: EcCurve, point: Uint8Array): { kty: 'EC'; crv: string; x: string; y: string } | undefined {
  const crv = JWK_CURVES[curve];
  if (crv === undefined) return undefined;
  const size = EC_CURVE_BYTES[curve];
  return { kty: 'EC', crv, x: base64Url(point.subarray(1, 1 + size)), y: base64Url(point.subarray(1 + size)) };
}

function ecPrivateObject(curve: EcCurve, d: Uint8Array, point: Uint8Array): KeyObject {
  const jwk = ecJwk(curve, point);
  if (jwk) return createPrivateKey({ key: { ...jwk, d: base64Url(d) }, format: 'jwk' });
  return createPrivateKey({ key: buffer(ecPkcs8(curve, d, point)), format: 'der', type: 'pkcs8' });
}

function ecPublicObject(curve: EcCurve, point: Uint8Array): KeyObject {
  const jwk = ecJwk(curve, point);
  if (jwk) return createPublicKey({ key: jwk, format: 'jwk' });
  return createPublicKey({ key: buffer(spkiFromCanonical({ type: 'ec', curve }, point)), format: 'der', type: 'spki' });
}

function ed25519PrivateObject(seed: Uint8Array): KeyObject {
  try {
    // node reads only d for an OKP private JWK; x must be present but is not used.
    return createPrivateKey({ key: { kty: 'OKP', crv: 'Ed25519', d: base64Url(seed), x: '' }, format: 'jwk' });
  } catch {
    return createPrivateKey({ key: buffer(ed25519Pkcs8(seed)), format: 'der', type: 'pkcs8' });
  }
}

function x25519PrivateObject(privateKey: Uint8Array): KeyObject {
  return createPrivateKey({ key: buffer(x25519Pkcs8(privateKey)), format: 'der', type: 'pkcs8' });
}

function x25519PublicObject(publicKey: Uint8Array): KeyObject {
  return createPublicKey({ key: buffer(x25519Spki(publicKey)), format: 'der', type: 'spki' });
}

/** RFC 7748 §6.1: an all-zero secret means a low-order peer, which OpenSSL may also refuse itself. */
function x25519Agree(privateObject: KeyObject, peerPublicKey: Uint8Array): Uint8Array {
  const shared = guard('INVALID_ARGUMENT', 'X25519 with this public key gives no shared secret (low-order point)', () =>
    plain(diffieHellman({ privateKey: privateObject, publicKey: x25519PublicObject(peerPublicKey) })),
  );
  if (shared.every((b) => b === 0)) throw invalidArgument('X25519 with this public key gives an all-zero shared secret');
  return shared;
}

function isMlDsa(algorithm: () => string): boolean {
  try {
    return algorithm() === 'ml-dsa';
  } catch {
    return false;
  }
}

function convertPoint(curve: EcCurve, point: Uint8Array): Uint8Array {
  if (point[0] === 0x04) return point.slice();
  return plain(ECDH.convertKey(buffer(point), OPENSSL_CURVE_NAMES[curve], undefined, undefined, 'uncompressed') as Buffer);
}

export function createNodeProvider(): CryptoProvider {
  return Object.freeze(new NodeProvider());
}

export const nodeProvider: CryptoProvider = createNodeProvider();
