/**
 * The cryptographic primitive layer: one small, data-oriented interface (`CryptoProvider`) with
 * two implementations, `node` (node:crypto / OpenSSL, the default) and `noble` (@noble/*), that are
 * cross-checked against each other and against Project Wycheproof. It holds no key objects,
 * attributes, users or store logic: bytes and prepared keys go in, bytes or booleans come out.
 *
 * Each algorithm family lives in its own module under families/ (digest, mac, aes, aes-wrap, des3,
 * ec, eddsa, x25519, rsa, dsa, ml-dsa) with both backends; each module names the standards it follows. Key
 * containers: RFC 5280 (SubjectPublicKeyInfo), RFC 5958 (PKCS#8), RFC 8017 A.1 (PKCS#1) and
 * RFC 8410 (Ed25519/X25519), in key-encoding.ts and key-import.ts.
 *
 * Canonical key material (what the key store keeps, and what crosses this interface):
 * - secret keys (AES, DES3, generic secret, HMAC): the raw key bytes;
 * - EC (`secp224r1`, `secp256r1`, `secp384r1`, `secp521r1`, `secp256k1`; mapping the alias
 *   `prime256v1` is the caller's job): private = the big-endian scalar d, left-padded to the
 *   curve's byte length (28/32/48/66/32); public = the uncompressed SEC 1 point 04‖X‖Y;
 * - Ed25519: private = the 32-byte RFC 8032 seed; public = the 32-byte encoded point;
 * - X25519: private = the 32-byte scalar exactly as RFC 7748 §5 takes it (stored unclamped: the
 *   clamping is part of the function, and RFC 8410 PKCS#8 carries the same bytes); public = the
 *   32-byte little-endian u-coordinate;
 * - RSA: private = PKCS#8 DER (PrivateKeyInfo, rsaEncryption), public = SPKI DER;
 * - DSA: the same, PKCS#8 and SPKI DER (each carries the domain parameters, RFC 3279 §2.3.2);
 * - ML-DSA-44/65/87: private = the FIPS 204 secret key sk (skEncode: 2560/4032/4896 bytes);
 *   `preparePrivate` also accepts the 32-byte key generation seed ξ and expands it, and generation
 *   returns ξ beside sk so that a PKCS#8 "both" encoding can be produced; public = the FIPS 204
 *   public key pk (1312/1952/2592 bytes).
 *
 * Prepared keys: parsing costs more than most operations, so a caller prepares each key ONCE
 * (`preparePrivate`/`preparePublic`) and keeps the opaque `PreparedKey` per key reference. A
 * prepared key is only valid with the provider that made it.
 *
 * Randomness: key generators take the caller's `RandomBytes` (the operation context's random
 * source) and derive keys from it the same way in both providers, so a seeded source gives the same
 * key pair on either. RSA generation is the exception: it uses OpenSSL's generator (neither library
 * offers seeded prime generation; a deterministic mode would need its own). Randomness *inside*
 * operations (PSS salts, OAEP seeds, PKCS#1 v1.5 padding, ML-DSA hedging) comes from the provider's
 * own CSPRNG; ECDSA in the noble provider uses RFC 6979 deterministic nonces.
 *
 * Errors: bad input throws `HsmError` `INVALID_ARGUMENT`; a ciphertext, tag, key wrap or padding
 * that fails to authenticate throws `DECRYPTION_FAILED`; verify operations return false. Messages
 * never contain key bytes.
 */

import { CURVES, HASHES, ML_DSA, columnOf, namesOf, type EcCurve, type HashName, type MlDsaVariant } from './table.js';

/** The two implementations; the CLI maps CLOUDHSM_CRYPTO_PROVIDER onto this name. */
export type ProviderName = 'node' | 'noble';

// Names and sizes come from the table of mechanisms (table.ts); these are its views by family.
export type { EcCurve, HashName, MlDsaVariant } from './table.js';
export {
  AES_BLOCK_BYTES,
  AES_KEY_BYTES,
  DES3_BLOCK_BYTES,
  DES3_KEY_BYTES,
  GCM_TAG_BYTES,
  ML_DSA_MAX_CONTEXT_BYTES,
  ML_DSA_MU_BYTES,
  ML_DSA_SEED_BYTES,
} from './table.js';

export const HASH_NAMES: readonly HashName[] = namesOf(HASHES);

/** Digest output length in bytes. */
export const HASH_BYTES: Readonly<Record<HashName, number>> = columnOf(HASHES, (row) => row.bytes);

export const EC_CURVES: readonly EcCurve[] = namesOf(CURVES);

/** Byte length of a scalar / coordinate on each curve (a public point is 1 + 2 × this). */
export const EC_CURVE_BYTES: Readonly<Record<EcCurve, number>> = columnOf(CURVES, (row) => row.bytes);

export const ML_DSA_VARIANTS: readonly MlDsaVariant[] = namesOf(ML_DSA);

/** FIPS 204 Table 2 sizes in bytes. */
export const ML_DSA_BYTES: Readonly<
  Record<MlDsaVariant, { readonly publicKey: number; readonly secretKey: number; readonly signature: number }>
> = ML_DSA;

/** The kind of asymmetric key a material or prepared key holds. */
export type AsymmetricKeySpec =
  | { readonly type: 'ec'; readonly curve: EcCurve }
  | { readonly type: 'ed25519' }
  | { readonly type: 'x25519' }
  | { readonly type: 'rsa' }
  | { readonly type: 'dsa' }
  | { readonly type: 'ml-dsa'; readonly variant: MlDsaVariant };

export type KeyKind = 'private' | 'public';

/** The caller's random source: returns `byteLength` fresh bytes. */
export type RandomBytes = (byteLength: number) => Uint8Array;

export type AesPadding = 'pkcs7' | 'none';

/** A generated key pair in canonical form. */
export interface KeyPairMaterial {
  readonly spec: AsymmetricKeySpec;
  readonly privateKey: Uint8Array;
  readonly publicKey: Uint8Array;
  /** ML-DSA only: the 32-byte seed ξ the pair was expanded from. */
  readonly seed?: Uint8Array;
}

/** A DER key converted to canonical form by `importPublicDer` / `importPrivateDer`. */
export interface ImportedKey {
  readonly spec: AsymmetricKeySpec;
  readonly kind: KeyKind;
  readonly material: Uint8Array;
  /** ML-DSA only, when the PKCS#8 carried it: the seed ξ. */
  readonly seed?: Uint8Array;
}

/** SPKI (any type) or PKCS#1 RSAPublicKey. */
export type PublicDerFormat = 'spki' | 'pkcs1';
/** PKCS#8 (any type), PKCS#1 RSAPrivateKey, or SEC 1 ECPrivateKey (named curve). */
export type PrivateDerFormat = 'pkcs8' | 'pkcs1' | 'sec1';

declare const preparedKeyBrand: unique symbol;

/**
 * An asymmetric key parsed once and kept ready. Opaque: only a provider makes one, and only that
 * provider accepts it back.
 */
export interface PreparedKey {
  readonly provider: ProviderName;
  readonly kind: KeyKind;
  readonly spec: AsymmetricKeySpec;
  readonly [preparedKeyBrand]: true;
}

export interface AesGcmResult {
  readonly ciphertext: Uint8Array;
  readonly tag: Uint8Array;
}

export interface AesCbcOptions {
  readonly padding: AesPadding;
}

export interface SignOptions {
  /** The data is already the digest under `hash` (its length must match). Default false. */
  readonly prehashed?: boolean;
}

export interface Ed25519phOptions extends SignOptions {
  /** RFC 8032 context, at most 255 bytes. */
  readonly context?: Uint8Array;
}

export interface MlDsaOptions {
  /** FIPS 204 context string ctx, at most 255 bytes (default empty). */
  readonly context?: Uint8Array;
}

export interface CryptoProvider {
  readonly name: ProviderName;

  // Digests and MACs
  digest(hash: HashName, data: Uint8Array): Uint8Array;
  hmac(hash: HashName, key: Uint8Array, data: Uint8Array): Uint8Array;
  /** AES-CMAC with a 16-byte tag (truncate at the caller). */
  cmac(key: Uint8Array, data: Uint8Array): Uint8Array;

  // AES (key: 16, 24 or 32 bytes)
  /** One-block AES-ECB: the key check value of AES keys encrypts a zero block. */
  aesEcbEncryptBlock(key: Uint8Array, block: Uint8Array): Uint8Array;
  aesCbcEncrypt(key: Uint8Array, iv: Uint8Array, data: Uint8Array, options: AesCbcOptions): Uint8Array;
  aesCbcDecrypt(key: Uint8Array, iv: Uint8Array, data: Uint8Array, options: AesCbcOptions): Uint8Array;
  /** AES-CTR; `iv` is the 16-byte initial counter block, incremented as a 128-bit number. */
  aesCtr(key: Uint8Array, iv: Uint8Array, data: Uint8Array): Uint8Array;
  /** GCM with an IV of any length ≥ 1 byte and a tag of one of GCM_TAG_BYTES. */
  aesGcmEncrypt(
    key: Uint8Array,
    iv: Uint8Array,
    plaintext: Uint8Array,
    aad: Uint8Array,
    tagBytes: number,
  ): AesGcmResult;
  /** The tag length is `tag.length`; throws DECRYPTION_FAILED when the tag does not match. */
  aesGcmDecrypt(
    key: Uint8Array,
    iv: Uint8Array,
    ciphertext: Uint8Array,
    tag: Uint8Array,
    aad: Uint8Array,
  ): Uint8Array;
  /** RFC 3394: key data a multiple of 8 bytes, at least 16. */
  aesKeyWrap(kek: Uint8Array, keyData: Uint8Array): Uint8Array;
  aesKeyUnwrap(kek: Uint8Array, wrapped: Uint8Array): Uint8Array;
  /** RFC 5649: key data of any length ≥ 1 byte. */
  aesKeyWrapPad(kek: Uint8Array, keyData: Uint8Array): Uint8Array;
  aesKeyUnwrapPad(kek: Uint8Array, wrapped: Uint8Array): Uint8Array;

  // Triple DES (key: 24 bytes, three-key TDEA)
  /** One-block DES3-ECB: the key check value of DES3 keys encrypts a zero block (keys.md §4). */
  des3EcbEncryptBlock(key: Uint8Array, block: Uint8Array): Uint8Array;

  // Asymmetric key material
  preparePrivate(spec: AsymmetricKeySpec, material: Uint8Array): PreparedKey;
  preparePublic(spec: AsymmetricKeySpec, material: Uint8Array): PreparedKey;
  /** The canonical public material of a private or public prepared key. */
  publicKeyOf(key: PreparedKey): Uint8Array;
  /** SubjectPublicKeyInfo DER of the key's public half (PEM export, asymmetric check value). */
  exportSpki(key: PreparedKey): Uint8Array;
  /** PKCS#8 DER of a private key (what key wrap carries for private keys). */
  exportPkcs8(key: PreparedKey): Uint8Array;
  importPublicDer(der: Uint8Array, format: PublicDerFormat): ImportedKey;
  importPrivateDer(der: Uint8Array, format: PrivateDerFormat): ImportedKey;

  // Key generation
  generateEc(curve: EcCurve, random: RandomBytes): KeyPairMaterial;
  generateEd25519(random: RandomBytes): KeyPairMaterial;
  /** The private key is random(32) as it comes (RFC 7748 §6.1), in both providers. */
  generateX25519(random: RandomBytes): KeyPairMaterial;
  generateMlDsa(variant: MlDsaVariant, random: RandomBytes): KeyPairMaterial;
  /**
   * OpenSSL's generator in both providers (no seeded variant): modulus a multiple of 8 bits in
   * [1024, 16384], public exponent odd with 3 ≤ e < 2^53. The CloudHSM limits (≥ 2048 bits,
   * e ≥ 65537) are the key engine's policy, not this layer's.
   */
  generateRsa(modulusBits: number, publicExponent: number): Promise<KeyPairMaterial>;

  // EC
  /** Returns the fixed-width r‖s (IEEE P1363) signature. */
  ecdsaSign(key: PreparedKey, hash: HashName, data: Uint8Array, options?: SignOptions): Uint8Array;
  ecdsaVerify(
    key: PreparedKey,
    hash: HashName,
    data: Uint8Array,
    signature: Uint8Array,
    options?: SignOptions,
  ): boolean;
  /** ECDH shared secret (the x coordinate) with a peer's uncompressed point on the key's curve. */
  ecdh(privateKey: PreparedKey, peerPublicPoint: Uint8Array): Uint8Array;
  /** RFC 7748 X25519 on raw 32-byte keys; an all-zero result is refused (INVALID_ARGUMENT). */
  x25519(privateKey: Uint8Array, publicKey: Uint8Array): Uint8Array;
  /**
   * X25519 shared secret of a prepared x25519 private key with a peer's 32-byte u-coordinate; an
   * all-zero result (a low-order peer) is refused with INVALID_ARGUMENT, as `x25519` does.
   */
  x25519Derive(privateKey: PreparedKey, peerPublicKey: Uint8Array): Uint8Array;

  // Ed25519
  ed25519Sign(key: PreparedKey, message: Uint8Array): Uint8Array;
  ed25519Verify(key: PreparedKey, message: Uint8Array, signature: Uint8Array): boolean;
  /** HashEdDSA Ed25519ph (RFC 8032 §5.1): the prehash is SHA-512; `prehashed` data is that digest. */
  ed25519phSign(key: PreparedKey, data: Uint8Array, options?: Ed25519phOptions): Uint8Array;
  ed25519phVerify(key: PreparedKey, data: Uint8Array, signature: Uint8Array, options?: Ed25519phOptions): boolean;

  // RSA
  rsaPkcs1Sign(key: PreparedKey, hash: HashName, data: Uint8Array, options?: SignOptions): Uint8Array;
  rsaPkcs1Verify(
    key: PreparedKey,
    hash: HashName,
    data: Uint8Array,
    signature: Uint8Array,
    options?: SignOptions,
  ): boolean;
  rsaPssSign(
    key: PreparedKey,
    hash: HashName,
    mgfHash: HashName,
    saltBytes: number,
    data: Uint8Array,
    options?: SignOptions,
  ): Uint8Array;
  rsaPssVerify(
    key: PreparedKey,
    hash: HashName,
    mgfHash: HashName,
    saltBytes: number,
    data: Uint8Array,
    signature: Uint8Array,
    options?: SignOptions,
  ): boolean;
  rsaOaepEncrypt(
    key: PreparedKey,
    hash: HashName,
    mgfHash: HashName,
    label: Uint8Array | undefined,
    data: Uint8Array,
  ): Uint8Array;
  rsaOaepDecrypt(
    key: PreparedKey,
    hash: HashName,
    mgfHash: HashName,
    label: Uint8Array | undefined,
    data: Uint8Array,
  ): Uint8Array;
  rsaPkcs1Encrypt(key: PreparedKey, data: Uint8Array): Uint8Array;
  rsaPkcs1Decrypt(key: PreparedKey, data: Uint8Array): Uint8Array;

  // DSA (FIPS 186-4; signatures as the DER Dss-Sig-Value of RFC 3279 §2.2.2)
  /** OpenSSL's generator in both providers: domain parameters and key pair of (L, N) bits. */
  generateDsa(modulusBits: number, subgroupBits: number): Promise<KeyPairMaterial>;
  dsaSign(key: PreparedKey, hash: HashName, message: Uint8Array): Uint8Array;
  dsaVerify(key: PreparedKey, hash: HashName, message: Uint8Array, signature: Uint8Array): boolean;

  // ML-DSA (FIPS 204, pure ML-DSA; hedged signing)
  mlDsaSign(key: PreparedKey, message: Uint8Array, options?: MlDsaOptions): Uint8Array;
  mlDsaVerify(key: PreparedKey, message: Uint8Array, signature: Uint8Array, options?: MlDsaOptions): boolean;
  /** μ = SHAKE256(SHAKE256(pk, 64) ‖ 0 ‖ |ctx| ‖ ctx ‖ M, 64), for the external-μ interface. */
  mlDsaExternalMu(key: PreparedKey, message: Uint8Array, options?: MlDsaOptions): Uint8Array;
  /** Signs a caller-computed 64-byte μ (the CLI's `--data-type external-mu`). */
  mlDsaSignMu(key: PreparedKey, mu: Uint8Array): Uint8Array;
  mlDsaVerifyMu(key: PreparedKey, mu: Uint8Array, signature: Uint8Array): boolean;
}
