/**
 * The PKCS #11 mechanisms the server offers, derived from the project's mechanisms table
 * (core/mechanisms/table.ts): each signing hash of HASHES gives its ECDSA, RSA PKCS #1 v1.5 and
 * RSA-PSS mechanisms, its HMAC and its digest; CIPHERS gives the encryption mechanisms and WRAPS
 * the wrap mechanisms; the curves of CURVES, RSA_KEYS and the AES sizes give the key sizes. Only
 * what the server implements is listed, so a program that reads the list never picks a mechanism
 * that fails.
 */
import { AES_KEY_BYTES, CIPHERS, CURVES, GENERIC_SECRET_BYTES, HASHES, RSA_KEYS, WRAPS, type CipherMechanism, type HashName, type SignMechanism, type WrapMechanism } from '../../core/mechanisms/table.js';
import type { AesPadding } from '../../core/mechanisms/provider.js';
import { CKF, CKM } from './constants.js';

/**
 * PKCS #11's numbers for a hash (pkcs11t.h): its ECDSA, RSA PKCS #1 v1.5 and PSS mechanisms, its
 * digest mechanism, its HMAC mechanisms (full length, and _GENERAL with a length parameter) and
 * its MGF1 generator.
 */
const PKCS11_HASHES: Partial<Record<HashName, { digest: number; ecdsa: number; rsaPkcs: number; rsaPss: number; mgf1: number; hmac: number; hmacGeneral: number }>> = {
  sha1: { digest: 0x220, ecdsa: 0x1042, rsaPkcs: 0x6, rsaPss: CKM.SHA1_RSA_PKCS_PSS, mgf1: 1, hmac: 0x221, hmacGeneral: CKM.SHA_1_HMAC_GENERAL },
  sha224: { digest: 0x255, ecdsa: 0x1043, rsaPkcs: 0x46, rsaPss: CKM.SHA224_RSA_PKCS_PSS, mgf1: 5, hmac: 0x256, hmacGeneral: CKM.SHA224_HMAC_GENERAL },
  sha256: { digest: 0x250, ecdsa: 0x1044, rsaPkcs: 0x40, rsaPss: CKM.SHA256_RSA_PKCS_PSS, mgf1: 2, hmac: 0x251, hmacGeneral: CKM.SHA256_HMAC_GENERAL },
  sha384: { digest: 0x260, ecdsa: 0x1045, rsaPkcs: 0x41, rsaPss: CKM.SHA384_RSA_PKCS_PSS, mgf1: 3, hmac: 0x261, hmacGeneral: CKM.SHA384_HMAC_GENERAL },
  sha512: { digest: 0x270, ecdsa: 0x1046, rsaPkcs: 0x42, rsaPss: CKM.SHA512_RSA_PKCS_PSS, mgf1: 4, hmac: 0x271, hmacGeneral: CKM.SHA512_HMAC_GENERAL },
};

/** The signing hashes of the table that PKCS #11 numbers. */
const SIGNING_HASHES = (Object.keys(HASHES) as HashName[]).filter((h) => HASHES[h].signs && PKCS11_HASHES[h]);

export interface SignMechanismSpec {
  /** The core's `crypto sign` mechanism. */
  mechanism: SignMechanism;
  keyType: 'ec' | 'rsa';
  /** The hash the server applies to the data; absent when the data is already a digest (CKM_ECDSA, CKM_RSA_PKCS, CKM_RSA_PKCS_PSS). */
  hash?: HashName;
  /** Whether the mechanism takes a CK_RSA_PKCS_PSS_PARAMS. */
  pssParams?: true;
}

function signMechanisms(): Map<number, SignMechanismSpec> {
  const map = new Map<number, SignMechanismSpec>([
    [CKM.ECDSA, { mechanism: 'ecdsa', keyType: 'ec' }],
    [CKM.RSA_PKCS, { mechanism: 'rsa-pkcs', keyType: 'rsa' }],
    [CKM.RSA_PKCS_PSS, { mechanism: 'rsa-pkcs-pss', keyType: 'rsa', pssParams: true }],
  ]);
  for (const hash of SIGNING_HASHES) {
    const n = PKCS11_HASHES[hash]!;
    map.set(n.ecdsa, { mechanism: 'ecdsa', keyType: 'ec', hash });
    map.set(n.rsaPkcs, { mechanism: 'rsa-pkcs', keyType: 'rsa', hash });
    map.set(n.rsaPss, { mechanism: 'rsa-pkcs-pss', keyType: 'rsa', hash, pssParams: true });
  }
  return map;
}

export const SIGN_MECHANISMS: ReadonlyMap<number, SignMechanismSpec> = signMechanisms();

/** The key-pair generation mechanisms and the core key type each makes. */
export const KEY_PAIR_MECHANISMS: ReadonlyMap<number, 'ec' | 'rsa'> = new Map([
  [CKM.EC_KEY_PAIR_GEN, 'ec'],
  [CKM.RSA_PKCS_KEY_PAIR_GEN, 'rsa'],
]);

/** The hash a PKCS #11 digest mechanism number names (CK_RSA_PKCS_PSS_PARAMS.hashAlg). */
export function hashOfDigestMechanism(ckm: bigint): HashName | undefined {
  return SIGNING_HASHES.find((h) => BigInt(PKCS11_HASHES[h]!.digest) === ckm);
}

/** The hash a CKG_MGF1_* value names. */
export function hashOfMgf(ckg: bigint): HashName | undefined {
  return SIGNING_HASHES.find((h) => BigInt(PKCS11_HASHES[h]!.mgf1) === ckg);
}

/** The signing hash whose digest is `length` bytes long (CKM_ECDSA takes a digest of any of them). */
export function hashOfDigestLength(length: number): HashName | undefined {
  return SIGNING_HASHES.find((h) => HASHES[h].bytes === length);
}

/** The secret-key generation mechanisms and the core key type each makes. */
export const KEY_GEN_MECHANISMS: ReadonlyMap<number, 'aes' | 'generic-secret'> = new Map([
  [CKM.AES_KEY_GEN, 'aes'],
  [CKM.GENERIC_SECRET_KEY_GEN, 'generic-secret'],
]);

export interface CipherMechanismSpec {
  /** The core's `crypto encrypt|decrypt` mechanism (a row of the CIPHERS table). */
  mechanism: CipherMechanism;
  keyType: 'aes' | 'rsa';
  /** aes-cbc: with PKCS #7 padding (CKM_AES_CBC_PAD) or without (CKM_AES_CBC). */
  padding?: AesPadding;
}

/** C_EncryptInit / C_DecryptInit mechanisms, each a row of the core's CIPHERS table. */
export const CIPHER_MECHANISMS: ReadonlyMap<number, CipherMechanismSpec> = new Map<number, CipherMechanismSpec>([
  [CKM.AES_GCM, { mechanism: 'aes-gcm', keyType: CIPHERS['aes-gcm'].keyType }],
  [CKM.AES_CBC, { mechanism: 'aes-cbc', keyType: CIPHERS['aes-cbc'].keyType, padding: 'none' }],
  [CKM.AES_CBC_PAD, { mechanism: 'aes-cbc', keyType: CIPHERS['aes-cbc'].keyType, padding: 'pkcs7' }],
  [CKM.RSA_PKCS_OAEP, { mechanism: 'rsa-oaep', keyType: CIPHERS['rsa-oaep'].keyType }],
]);

export interface HmacMechanismSpec {
  hash: HashName;
  /** CKM_*_HMAC_GENERAL: the MAC length is the mechanism's parameter (a CK_MAC_GENERAL_PARAMS). */
  general: boolean;
}

/** C_SignInit / C_VerifyInit HMAC mechanisms: SHA-1 and SHA-2, full length and _GENERAL. */
export const HMAC_MECHANISMS: ReadonlyMap<number, HmacMechanismSpec> = new Map<number, HmacMechanismSpec>(
  SIGNING_HASHES.flatMap((hash): Array<[number, HmacMechanismSpec]> => [
    [PKCS11_HASHES[hash]!.hmac, { hash, general: false }],
    [PKCS11_HASHES[hash]!.hmacGeneral, { hash, general: true }],
  ]),
);

/** C_DigestInit mechanisms: CKM_SHA_1 and the SHA-2 digests. */
export const DIGEST_MECHANISMS: ReadonlyMap<number, HashName> = new Map(SIGNING_HASHES.map((hash) => [PKCS11_HASHES[hash]!.digest, hash]));

/** The RSA-OAEP hash a digest mechanism names: the hashes of the table that OAEP takes. */
export function oaepHashOfDigestMechanism(ckm: bigint): HashName | undefined {
  const hash = hashOfDigestMechanism(ckm);
  return hash && HASHES[hash].oaep ? hash : undefined;
}

export interface WrapMechanismSpec {
  /** The core's `key wrap` / `key unwrap` mechanism. */
  mechanism: WrapMechanism;
  /**
   * The parameter it takes: none; a CK_RSA_PKCS_OAEP_PARAMS; a CK_GCM_PARAMS with the IV
   * (CKM_AES_GCM, which unwraps only here: the IV the HSM makes for a wrap goes back in the
   * caller's pIV, which p11-kit does not carry back); or CloudHSM's GCM, the IV prepended (no
   * parameter, or p11-kit 0.25's copy of a CK_GCM_PARAMS with pIV and pAAD NULL).
   */
  params: 'none' | 'oaep' | 'gcm' | 'cloudhsm-gcm';
}

/**
 * C_WrapKey / C_UnwrapKey mechanisms, each a `key wrap` mechanism of the core (the CloudHSM
 * PKCS #11 library's list, SDK 5): RSA PKCS #1 v1.5 and OAEP, AES-GCM and CloudHSM's AES-GCM,
 * and CloudHSM's three AES key wraps; the standard CKM_AES_KEY_WRAP (RFC 3394, no padding) is
 * offered beside its vendor twin, since p11-kit 0.24 forwards no vendor mechanism.
 * CKM_RSA_AES_KEY_WRAP is not: its OAEP parameters sit behind a pointer p11-kit does not follow.
 */
export const WRAP_MECHANISMS: ReadonlyMap<number, WrapMechanismSpec> = new Map<number, WrapMechanismSpec>([
  [CKM.RSA_PKCS, { mechanism: 'rsa-pkcs', params: 'none' }],
  [CKM.RSA_PKCS_OAEP, { mechanism: 'rsa-oaep', params: 'oaep' }],
  [CKM.AES_GCM, { mechanism: 'aes-gcm', params: 'gcm' }],
  [CKM.CLOUDHSM_AES_GCM, { mechanism: 'cloudhsm-aes-gcm', params: 'cloudhsm-gcm' }],
  [CKM.AES_KEY_WRAP, { mechanism: 'aes-no-pad', params: 'none' }],
  [CKM.CLOUDHSM_AES_KEY_WRAP_NO_PAD, { mechanism: 'aes-no-pad', params: 'none' }],
  [CKM.CLOUDHSM_AES_KEY_WRAP_PKCS5_PAD, { mechanism: 'aes-pkcs5-pad', params: 'none' }],
  [CKM.CLOUDHSM_AES_KEY_WRAP_ZERO_PAD, { mechanism: 'aes-zero-pad', params: 'none' }],
]);

const bitLength = (hexOrder: string) => BigInt(`0x${hexOrder}`).toString(2).length;
const EC_BITS = Object.values(CURVES).map((c) => bitLength(c.order));

export interface MechanismInfo {
  minKeySize: number;
  maxKeySize: number;
  flags: number;
}

/** CK_MECHANISM_INFO of each mechanism offered, in the order C_GetMechanismList gives them. */
function mechanismInfos(): Map<number, MechanismInfo> {
  const ec = { minKeySize: Math.min(...EC_BITS), maxKeySize: Math.max(...EC_BITS) };
  const rsa = { minKeySize: RSA_KEYS.minModulusBits, maxKeySize: RSA_KEYS.maxModulusBits };
  const ecFlags = CKF.HW | CKF.EC_F_P | CKF.EC_NAMEDCURVE | CKF.EC_UNCOMPRESS;
  const map = new Map<number, MechanismInfo>([
    [CKM.RSA_PKCS_KEY_PAIR_GEN, { ...rsa, flags: CKF.HW | CKF.GENERATE_KEY_PAIR }],
    [CKM.EC_KEY_PAIR_GEN, { ...ec, flags: ecFlags | CKF.GENERATE_KEY_PAIR }],
  ]);
  for (const [ckm, spec] of SIGN_MECHANISMS) {
    map.set(ckm, spec.keyType === 'ec' ? { ...ec, flags: ecFlags | CKF.SIGN | CKF.VERIFY } : { ...rsa, flags: CKF.HW | CKF.SIGN | CKF.VERIFY });
  }
  // Secret keys count in bytes (PKCS #11 §2.8 for AES, and generic secrets likewise).
  const aes = { minKeySize: Math.min(...AES_KEY_BYTES), maxKeySize: Math.max(...AES_KEY_BYTES) };
  const secret = { minKeySize: GENERIC_SECRET_BYTES.min, maxKeySize: GENERIC_SECRET_BYTES.max };
  /** Adds a mechanism's flags to what it already has (CKM_RSA_PKCS_OAEP, say, gains encryption beside other uses). */
  const add = (ckm: number, info: MechanismInfo) => {
    const had = map.get(ckm);
    map.set(ckm, had ? { ...had, flags: had.flags | info.flags } : info);
  };
  for (const [ckm, keyType] of KEY_GEN_MECHANISMS) add(ckm, { ...(keyType === 'aes' ? aes : secret), flags: CKF.HW | CKF.GENERATE });
  for (const [ckm, spec] of CIPHER_MECHANISMS) add(ckm, { ...(spec.keyType === 'aes' ? aes : rsa), flags: CKF.HW | CKF.ENCRYPT | CKF.DECRYPT });
  for (const ckm of HMAC_MECHANISMS.keys()) add(ckm, { ...secret, flags: CKF.HW | CKF.SIGN | CKF.VERIFY });
  for (const ckm of DIGEST_MECHANISMS.keys()) add(ckm, { minKeySize: 0, maxKeySize: 0, flags: CKF.DIGEST });
  // Wrapping keys: AES sizes in bytes, RSA in bits. CKM_AES_GCM only unwraps: the IV the HSM makes for a wrap would go back in the caller's pIV, which p11-kit does not carry back.
  for (const [ckm, spec] of WRAP_MECHANISMS) {
    add(ckm, { ...(WRAPS[spec.mechanism].wrappingKey === 'aes' ? aes : rsa), flags: CKF.HW | (spec.params === 'gcm' ? 0 : CKF.WRAP) | CKF.UNWRAP });
  }
  return new Map([...map].sort(([a], [b]) => a - b));
}

export const MECHANISM_INFOS: ReadonlyMap<number, MechanismInfo> = mechanismInfos();
