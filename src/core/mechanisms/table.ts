/**
 * The table of mechanisms: the one place where each hash, curve and ML-DSA parameter set is
 * named, sized and numbered. Core validation and dispatch, the providers, the CLI's flag options
 * and the legacy dialects' numeric codes (key_mgmt_util's -m, -t and -i) are all derived from it,
 * so adding a family member is one row here plus its implementation in the family's module.
 *
 * Rows hold facts from the standards, never behaviour: sizes (FIPS 180-4, FIPS 202, SEC 2,
 * FIPS 204 Table 2), OIDs as DER content bytes in hex (RFC 5754, NIST CSOR, RFC 5480, SEC 2),
 * and the codes the legacy tools print in their help (key_mgmt_util §1).
 */

/** key_mgmt_util codes of a hash: its `sign -m` mechanism per signature scheme, and `wrapKey -t`. */
export interface KmuHashCodes {
  readonly sign: { readonly 'rsa-pkcs': number; readonly 'rsa-pkcs-pss': number; readonly ecdsa: number };
  readonly wrap: number;
}

export interface HashRow {
  /** Digest length in bytes. */
  readonly bytes: number;
  /** The algorithm OID (DigestInfo, RFC 8017 §9.2); the DigestInfo prefix is derived from it. */
  readonly oid: string;
  /** CloudHSM signs with it (`crypto sign --hash-function`, keys.md §7); SHA-3 is provider-only. */
  readonly signs: boolean;
  /** CloudHSM's RSA-OAEP and its MGF1 take it (`key wrap rsa-oaep --hash-function`, `--mgf`, cli-commands.md §3.22). */
  readonly oaep: boolean;
  readonly kmu?: KmuHashCodes;
}

export const HASHES = Object.freeze({
  sha1: { bytes: 20, oid: '2b0e03021a', signs: true, oaep: true, kmu: { sign: { 'rsa-pkcs': 0, 'rsa-pkcs-pss': 5, ecdsa: 15 }, wrap: 2 } },
  sha224: { bytes: 28, oid: '608648016503040204', signs: true, oaep: true, kmu: { sign: { 'rsa-pkcs': 4, 'rsa-pkcs-pss': 9, ecdsa: 16 }, wrap: 6 } },
  sha256: { bytes: 32, oid: '608648016503040201', signs: true, oaep: true, kmu: { sign: { 'rsa-pkcs': 1, 'rsa-pkcs-pss': 6, ecdsa: 17 }, wrap: 3 } },
  sha384: { bytes: 48, oid: '608648016503040202', signs: true, oaep: true, kmu: { sign: { 'rsa-pkcs': 2, 'rsa-pkcs-pss': 7, ecdsa: 18 }, wrap: 4 } },
  sha512: { bytes: 64, oid: '608648016503040203', signs: true, oaep: true, kmu: { sign: { 'rsa-pkcs': 3, 'rsa-pkcs-pss': 8, ecdsa: 19 }, wrap: 5 } },
  'sha3-224': { bytes: 28, oid: '608648016503040207', signs: false, oaep: false },
  'sha3-256': { bytes: 32, oid: '608648016503040208', signs: false, oaep: false },
  'sha3-384': { bytes: 48, oid: '608648016503040209', signs: false, oaep: false },
  'sha3-512': { bytes: 64, oid: '60864801650304020a', signs: false, oaep: false },
} as const satisfies Record<string, HashRow>);

export type HashName = keyof typeof HASHES;

/** The CLI's name of MGF1 over a hash is this prefix and the hash's name: `mgf1-sha256` (cli-commands.md §3.22, §3.25). */
export const MGF1_PREFIX = 'mgf1-';

export interface CurveRow {
  /** Byte length of a scalar / coordinate (a public point is 1 + 2 × this). */
  readonly bytes: number;
  /** The group order n in hex (SEC 2), for scalar checks and FIPS 186-5 A.2.1 derivation. */
  readonly order: string;
  /** Named-curve OID (RFC 5480 / SEC 2). */
  readonly oid: string;
  /** OpenSSL's name (node:crypto createECDH, asymmetricKeyDetails.namedCurve). */
  readonly openssl: string;
  /** The JWK `crv` name, where node:crypto imports the curve from JWK (P-224 has none). */
  readonly jwk?: string;
  /** Other names the CLI accepts for it (keys.md §6). */
  readonly aliases: readonly string[];
  /** key_mgmt_util `genECCKeyPair -i`, for the curves it offers: the curve ID and the name it stands for. */
  readonly kmu?: { readonly id: number; readonly name: string };
}

/** The Weierstrass curves, in the order the CLI lists them. */
export const CURVES = Object.freeze({
  secp256r1: {
    bytes: 32,
    order: 'ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551',
    oid: '2a8648ce3d030107',
    openssl: 'prime256v1',
    jwk: 'P-256',
    aliases: ['prime256v1'],
    kmu: { id: 2, name: 'prime256v1' },
  },
  secp224r1: {
    bytes: 28,
    order: 'ffffffffffffffffffffffffffff16a2e0b8f03e13dd29455c5c2a3d',
    oid: '2b81040021',
    openssl: 'secp224r1',
    aliases: [],
  },
  secp384r1: {
    bytes: 48,
    order: 'ffffffffffffffffffffffffffffffffffffffffffffffffc7634d81f4372ddf581a0db248b0a77aecec196accc52973',
    oid: '2b81040022',
    openssl: 'secp384r1',
    jwk: 'P-384',
    aliases: [],
    kmu: { id: 14, name: 'secp384r1' },
  },
  secp256k1: {
    bytes: 32,
    order: 'fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141',
    oid: '2b8104000a',
    openssl: 'secp256k1',
    jwk: 'secp256k1',
    aliases: [],
    kmu: { id: 16, name: 'secp256k1' },
  },
  secp521r1: {
    bytes: 66,
    order:
      '01fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffa51868783bf2f966b7fcc0148f709a5d03bb5c9b8899c47aebb6fb71e91386409',
    oid: '2b81040023',
    openssl: 'secp521r1',
    jwk: 'P-521',
    aliases: [],
  },
} as const satisfies Record<string, CurveRow>);

export type EcCurve = keyof typeof CURVES;

/** The curves outside the Weierstrass family that the CLI's --curve takes (NON_FIPS clusters). */
export const EDWARDS_MONTGOMERY_CURVES = Object.freeze(['ed25519', 'x25519'] as const);

export interface MlDsaRow {
  /** FIPS 204 Table 2 sizes in bytes. */
  readonly publicKey: number;
  readonly secretKey: number;
  readonly signature: number;
  /** The algorithm OID (NIST CSOR 2.16.840.1.101.3.4.3.x, RFC 9881). */
  readonly oid: string;
}

export const ML_DSA = Object.freeze({
  'ML-DSA-44': { publicKey: 1312, secretKey: 2560, signature: 2420, oid: '608648016503040311' },
  'ML-DSA-65': { publicKey: 1952, secretKey: 4032, signature: 3309, oid: '608648016503040312' },
  'ML-DSA-87': { publicKey: 2592, secretKey: 4896, signature: 4627, oid: '608648016503040313' },
} as const satisfies Record<string, MlDsaRow>);

export type MlDsaVariant = keyof typeof ML_DSA;

/** ML-DSA key generation seed ξ and external μ sizes (FIPS 204 Algorithms 1 and 7). */
export const ML_DSA_SEED_BYTES = 32;
export const ML_DSA_MU_BYTES = 64;
/** FIPS 204 §5.2: the context string is at most 255 bytes. */
export const ML_DSA_MAX_CONTEXT_BYTES = 255;

/**
 * Triple DES (TDEA, SP 800-67 Rev. 2) in its three-key form (keying option 1, PKCS #11 CKK_DES3):
 * three 8-byte DES keys, each byte with odd parity in its low bit, and an 8-byte block.
 */
export const DES3_KEY_BYTES = 24;
export const DES3_BLOCK_BYTES = 8;

/**
 * DSA (FIPS 186-4 §4): the one size key_mgmt_util's genDSAKeyPair makes (`-m 2048`,
 * legacy-shells.md §3), with the 256-bit subgroup of FIPS 186-4's (L, N) = (2048, 256), and the
 * id-dsa OID of RFC 3279 §2.3.2 (content bytes in hex).
 */
export const DSA_KEYS = Object.freeze({ modulusBits: 2048, subgroupBits: 256, oid: '2a8648ce380401' } as const);

/** AES (FIPS 197) key lengths and block size. */
export const AES_KEY_BYTES: readonly number[] = Object.freeze([16, 24, 32]);
export const AES_BLOCK_BYTES = 16;
/** SP 800-38D §5.2.1.2: 128, 120, 112, 104, 96 bits, and 64 or 32 bits for special uses. */
export const GCM_TAG_BYTES: readonly number[] = Object.freeze([4, 8, 12, 13, 14, 15, 16]);

/**
 * RSA keys the HSM holds (keys.md §6): moduli of 2048 to 4096 bits in steps of 256, public
 * exponents odd, at least 65537 and at most 256 bits (FIPS 186-4 §B.3.1).
 */
export const RSA_KEYS = Object.freeze({ minModulusBits: 2048, maxModulusBits: 4096, stepBits: 256, minExponent: 65537, maxExponentBits: 256 } as const);

/** Generic secret keys (keys.md §2, `key-length-bytes`): 1 to 800 bytes. */
export const GENERIC_SECRET_BYTES = Object.freeze({ min: 1, max: 800 } as const);
/**
 * The same in key_mgmt_util (legacy-shells.md §3 genSymKey: "<3584" bytes, 28672 bits), where the
 * tools' documented limits differ. [assumed] 3584 itself is allowed ("up to 3584").
 */
export const KMU_GENERIC_SECRET_BYTES = Object.freeze({ min: 1, max: 3584 } as const);

/** SP 800-38D §5.2.1.1 and §8.2: the 96-bit IV GCM is built for, which the HSM generates. */
export const GCM_IV_BYTES = 12;

/** The standard initial values of AES key wrap: RFC 3394 §2.2.3.1 and RFC 5649 §3 (the AIV's constant half), hex. */
export const KEY_WRAP_IVS = Object.freeze({ 'aes-key-wrap': 'a6a6a6a6a6a6a6a6', 'aes-key-wrap-pad': 'a65959a6' } as const);

/** Floors of truncated MACs: HMAC at least 80 bits (RFC 2104 §5, and half the hash output), AES-CMAC at least 64 bits (SP 800-38B Appendix A). */
export const HMAC_MIN_MAC_BYTES = 10;
export const CMAC_MIN_MAC_BYTES = 8;

/** The data types a signature mechanism takes (`--data-type`, cli-commands.md §3.25). */
export type SignDataType = 'raw' | 'digest' | 'external-mu';

export interface SignatureRow {
  /** The key type it signs with; `ed25519` keys are EC keys on the Edwards curve (RFC 8032). */
  readonly keyType: 'rsa' | 'ec' | 'ed25519' | 'ml-dsa';
  /** Its `--hash-function`: one of the signing hashes (HashRow.signs), the one hash it takes, or none. */
  readonly hash?: 'signing' | 'sha512' | 'shake256';
  /** It takes `--mgf`, MGF1 over the signing hash (RFC 8017 §8.1). */
  readonly mgf1?: true;
  /** Its `--data-type` values, in the CLI's order; required when `dataTypeRequired`, else the first is the default. */
  readonly dataTypes: readonly SignDataType[];
  readonly dataTypeRequired?: true;
  /** The longest message it signs (keys.md §8: PureEdDSA, 16,000 bytes). */
  readonly maxMessageBytes?: number;
}

/**
 * `crypto sign` / `crypto verify` mechanisms in the CLI's order (cli-commands.md §3.25): ed25519ph
 * prehashes with SHA-512 (RFC 8032 §5.1), ml-dsa takes `--hash-function shake256` only and an
 * external μ of ML_DSA_MU_BYTES (FIPS 204 Algorithm 7).
 */
export const SIGNATURES = Object.freeze({
  'rsa-pkcs': { keyType: 'rsa', hash: 'signing', dataTypes: ['raw', 'digest'] },
  'rsa-pkcs-pss': { keyType: 'rsa', hash: 'signing', mgf1: true, dataTypes: ['raw', 'digest'] },
  ecdsa: { keyType: 'ec', hash: 'signing', dataTypes: ['raw', 'digest'] },
  ed25519: { keyType: 'ed25519', dataTypes: ['raw'], maxMessageBytes: 16_000 },
  ed25519ph: { keyType: 'ed25519', hash: 'sha512', dataTypes: ['raw', 'digest'], dataTypeRequired: true },
  'ml-dsa': { keyType: 'ml-dsa', hash: 'shake256', dataTypes: ['raw', 'external-mu'], dataTypeRequired: true },
} as const satisfies Record<string, SignatureRow>);

export type SignMechanism = keyof typeof SIGNATURES;

export interface WrapRow {
  /** The wrapping key: AES (the payload is encrypted under it) or RSA (its public key wraps). */
  readonly wrappingKey: 'aes' | 'rsa';
  /** It takes `--tag-length-bits` (GCM) or `--hash-function` and `--mgf` (OAEP). */
  readonly gcm?: true;
  readonly oaep?: true;
  /** RSA-AES (PKCS #11 CKM_RSA_AES_KEY_WRAP): the ephemeral AES key, OAEP-wrapped, then KWP over the payload (RFC 5649). */
  readonly ephemeralAesBytes?: number;
  /** key_mgmt_util `wrapKey -m`: the code, the name KMU gives it, and whether it is the default (legacy-shells.md §1). */
  readonly kmu?: { readonly code: number; readonly name: string; readonly default?: true };
}

/** `key wrap` / `key unwrap` mechanisms in the CLI's order (cli-commands.md §3.22-3.23). */
export const WRAPS = Object.freeze({
  'aes-gcm': { wrappingKey: 'aes', gcm: true },
  'cloudhsm-aes-gcm': { wrappingKey: 'aes', gcm: true },
  'aes-no-pad': { wrappingKey: 'aes', kmu: { code: 5, name: 'NIST_AES_WRAP_NO_PAD' } },
  'aes-pkcs5-pad': { wrappingKey: 'aes', kmu: { code: 4, name: 'AES_KEY_WRAP_PAD_PKCS5', default: true } },
  'aes-zero-pad': { wrappingKey: 'aes', kmu: { code: 6, name: 'NIST_AES_WRAP_PAD' } },
  'rsa-aes': { wrappingKey: 'rsa', oaep: true, ephemeralAesBytes: 32, kmu: { code: 7, name: 'RSA_AES' } },
  'rsa-oaep': { wrappingKey: 'rsa', oaep: true, kmu: { code: 8, name: 'RSA_OAEP' } },
  'rsa-pkcs': { wrappingKey: 'rsa' },
} as const satisfies Record<string, WrapRow>);

export type WrapMechanism = keyof typeof WRAPS;

export interface CipherRow {
  readonly keyType: 'aes' | 'rsa';
  /** The IV the HSM generates when none is given (GCM: SP 800-38D §8.2; CBC and CTR: one block, SP 800-38A). */
  readonly ivBytes?: number;
}

/** `crypto encrypt` / `crypto decrypt` mechanisms in the CLI's order (extensions; PKCS #11 CKM_AES_* and CKM_RSA_*). */
export const CIPHERS = Object.freeze({
  'aes-gcm': { keyType: 'aes', ivBytes: GCM_IV_BYTES },
  'aes-cbc': { keyType: 'aes', ivBytes: AES_BLOCK_BYTES },
  'aes-ctr': { keyType: 'aes', ivBytes: AES_BLOCK_BYTES },
  'aes-key-wrap': { keyType: 'aes' },
  'aes-key-wrap-pad': { keyType: 'aes' },
  'rsa-oaep': { keyType: 'rsa' },
  'rsa-pkcs': { keyType: 'rsa' },
} as const satisfies Record<string, CipherRow>);

export type CipherMechanism = keyof typeof CIPHERS;

/** PKCS #11 object classes (CKO_*, PKCS #11 3.0 §4.1): the legacy shells' OBJ_ATTR_CLASS, findKey -c and unWrapKey -kc (legacy-shells.md §1). */
export const KEY_CLASSES = Object.freeze({
  'public-key': { pkcs11: 2 },
  'private-key': { pkcs11: 3 },
  'secret-key': { pkcs11: 4 },
} as const satisfies Record<string, { readonly pkcs11: number }>);

export interface KeyTypeRow {
  /** The CKK_* value (PKCS #11 3.0 §6; CKK_ML_DSA from PKCS #11 3.2, [assumed] for CloudHSM). */
  readonly pkcs11: number;
  /** Whether the emulated HSM has keys of this type; the legacy tools also name RC4. */
  readonly emulated: boolean;
}

/** Key types with their PKCS #11 numbers: OBJ_ATTR_KEY_TYPE and KMU's -t / -kt (legacy-shells.md §1). */
export const KEY_TYPES = Object.freeze({
  rsa: { pkcs11: 0, emulated: true },
  dsa: { pkcs11: 1, emulated: true },
  ec: { pkcs11: 3, emulated: true },
  'generic-secret': { pkcs11: 16, emulated: true },
  rc4: { pkcs11: 18, emulated: false },
  des3: { pkcs11: 21, emulated: true },
  aes: { pkcs11: 31, emulated: true },
  'ml-dsa': { pkcs11: 0x4a, emulated: true },
} as const satisfies Record<string, KeyTypeRow>);

/** key_mgmt_util's curve ID of P-192 (NID_X9_62_prime192v1): it exists but FIPS mode refuses it (legacy-shells.md §1); the emulator has no such curve. */
export const KMU_P192_CURVE_ID = 1;

/** The names of a table, in row order, typed. */
export function namesOf<T extends object>(table: T): readonly (keyof T & string)[] {
  return Object.freeze(Object.keys(table) as (keyof T & string)[]);
}

/** One column of a table, keyed by row name. */
export function columnOf<T extends object, V>(table: T, pick: (row: T[keyof T]) => V): Readonly<Record<keyof T & string, V>> {
  const column = {} as Record<keyof T & string, V>;
  for (const name of namesOf(table)) column[name] = pick(table[name]);
  return Object.freeze(column);
}
