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
  readonly kmu?: KmuHashCodes;
}

export const HASHES = Object.freeze({
  sha1: { bytes: 20, oid: '2b0e03021a', signs: true, kmu: { sign: { 'rsa-pkcs': 0, 'rsa-pkcs-pss': 5, ecdsa: 15 }, wrap: 2 } },
  sha224: { bytes: 28, oid: '608648016503040204', signs: true, kmu: { sign: { 'rsa-pkcs': 4, 'rsa-pkcs-pss': 9, ecdsa: 16 }, wrap: 6 } },
  sha256: { bytes: 32, oid: '608648016503040201', signs: true, kmu: { sign: { 'rsa-pkcs': 1, 'rsa-pkcs-pss': 6, ecdsa: 17 }, wrap: 3 } },
  sha384: { bytes: 48, oid: '608648016503040202', signs: true, kmu: { sign: { 'rsa-pkcs': 2, 'rsa-pkcs-pss': 7, ecdsa: 18 }, wrap: 4 } },
  sha512: { bytes: 64, oid: '608648016503040203', signs: true, kmu: { sign: { 'rsa-pkcs': 3, 'rsa-pkcs-pss': 8, ecdsa: 19 }, wrap: 5 } },
  'sha3-224': { bytes: 28, oid: '608648016503040207', signs: false },
  'sha3-256': { bytes: 32, oid: '608648016503040208', signs: false },
  'sha3-384': { bytes: 48, oid: '608648016503040209', signs: false },
  'sha3-512': { bytes: 64, oid: '60864801650304020a', signs: false },
} as const satisfies Record<string, HashRow>);

export type HashName = keyof typeof HASHES;

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

/** AES (FIPS 197) key lengths and block size. */
export const AES_KEY_BYTES: readonly number[] = Object.freeze([16, 24, 32]);
export const AES_BLOCK_BYTES = 16;
/** SP 800-38D §5.2.1.2: 128, 120, 112, 104, 96 bits, and 64 or 32 bits for special uses. */
export const GCM_TAG_BYTES: readonly number[] = Object.freeze([4, 8, 12, 13, 14, 15, 16]);

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
