/**
 * key_mgmt_util's numeric codes (legacy-shells.md §1), read from the table of mechanisms: curve
 * IDs, sign and wrap mechanisms, hashes, key types and classes. Parsing maps codes back through
 * these, and the help and refusal texts that spell codes out are made from them, so no code is
 * written twice. Only the words KMU prints beside a code are the dialect's.
 */
import { orList } from '../../core/mechanisms/choices.js';
import {
  CURVES,
  HASHES,
  KEY_CLASSES,
  KEY_TYPES,
  KEY_WRAP_IVS,
  KMU_P192_CURVE_ID,
  WRAPS,
  namesOf,
  type CurveRow,
  type HashName,
  type HashRow,
  type KmuHashCodes,
  type WrapMechanism,
  type WrapRow,
} from '../../core/mechanisms/table.js';

/** A code and the words KMU prints for it. */
type Entry = readonly [code: number, label: string];

const byCode = (entries: Entry[]): Entry[] => entries.sort((a, b) => a[0] - b[0]);

/** `2 P-256, 14 P-384, 16 secp256k1` */
export const spaced = (entries: readonly Entry[]): string => entries.map(([code, label]) => `${code} ${label}`).join(', ');
/** `0 RSA, 3 EC or 31 AES` */
export const spacedOr = (entries: readonly Entry[]): string => orList(entries.map(([code, label]) => `${code} ${label}`));
/** `2 (P-256), 14 (P-384) or 16 (secp256k1)` */
export const parenthesised = (entries: readonly Entry[]): string => orList(entries.map(([code, label]) => `${code} (${label})`));

// Curves (genECCKeyPair -i): the ID, the OpenSSL name it stands for and the name KMU's help gives
// (FIPS 186's P-256 and P-384, SEC 2's secp256k1: the curve's JWK name).

/** Curve ID → the curve name the core takes. */
export const CURVE_IDS: ReadonlyMap<number, string> = new Map(
  Object.values(CURVES).flatMap((row: CurveRow) => (row.kmu ? [[row.kmu.id, row.kmu.name] as const] : [])),
);
export const CURVE_ENTRIES: readonly Entry[] = byCode(Object.values(CURVES).flatMap((row: CurveRow) => (row.kmu ? [[row.kmu.id, row.jwk ?? row.kmu.name] as const] : [])));
export const P192_CURVE_ID = KMU_P192_CURVE_ID;

// Hashes: wrapKey -t and the hash half of sign -m.

/** The hashes key_mgmt_util numbers, with their codes. */
export const KMU_HASHES: readonly (readonly [HashName, KmuHashCodes])[] = namesOf(HASHES).flatMap((hash) => {
  const row: HashRow = HASHES[hash];
  return row.kmu ? [[hash, row.kmu] as const] : [];
});
/** wrapKey -t → the hash. */
export const WRAP_HASHES: ReadonlyMap<number, HashName> = new Map(KMU_HASHES.map(([hash, codes]) => [codes.wrap, hash]));
/** wrapKey -t as KMU writes them: `2 SHA1, 3 SHA256, 4 SHA384, 5 SHA512, 6 SHA224`. */
export const WRAP_HASH_ENTRIES: readonly Entry[] = byCode(KMU_HASHES.map(([hash, codes]) => [codes.wrap, hash.toUpperCase()]));

// Sign and verify mechanisms (-m): one code per scheme and hash.

export type KmuSignScheme = keyof KmuHashCodes['sign'];
export const SIGN_SCHEMES = Object.keys(KMU_HASHES[0]![1].sign) as KmuSignScheme[];
/** sign -m → the scheme and hash. */
export const SIGN_CODES: ReadonlyMap<number, { mechanism: KmuSignScheme; hash: HashName }> = new Map(
  KMU_HASHES.flatMap(([hash, codes]) => SIGN_SCHEMES.map((mechanism) => [codes.sign[mechanism], { mechanism, hash }] as const)),
);

/** A scheme's codes as KMU's help writes them: the range `0-4` and its hashes in code order, `SHA1/256/384/512/224`. */
export function signCodes(scheme: KmuSignScheme): { range: string; hashes: string } {
  const entries = byCode(KMU_HASHES.map(([hash, codes]) => [codes.sign[scheme], hash.toUpperCase()]));
  const hashes = entries.map(([, name], i) => (i === 0 ? name : name.replace(/^SHA/, ''))).join('/');
  return { range: `${entries[0]![0]}-${entries.at(-1)![0]}`, hashes };
}

// Wrap mechanisms (wrapKey / unWrapKey -m).

/** The wrap mechanisms key_mgmt_util numbers, in code order. */
export const KMU_WRAPS: readonly (readonly [WrapMechanism, NonNullable<WrapRow['kmu']>])[] = namesOf(WRAPS)
  .flatMap((mechanism) => {
    const row: WrapRow = WRAPS[mechanism];
    return row.kmu ? [[mechanism, row.kmu] as const] : [];
  })
  .sort((a, b) => a[1].code - b[1].code);
export const WRAP_CODES: ReadonlyMap<number, WrapMechanism> = new Map(KMU_WRAPS.map(([mechanism, kmu]) => [kmu.code, mechanism]));
export const DEFAULT_WRAP_CODE = KMU_WRAPS.find(([, kmu]) => kmu.default)![1].code;
/** The codes of the RSA-OAEP mechanisms, which take -t. */
export const OAEP_WRAP_CODES: readonly number[] = KMU_WRAPS.filter(([mechanism]) => (WRAPS[mechanism] as WrapRow).oaep).map(([, kmu]) => kmu.code);

// Key types and classes (OBJ_ATTR_KEY_TYPE, -t, -kt; OBJ_ATTR_CLASS, -c, -kc).

export type KmuKeyType = keyof typeof KEY_TYPES;
export type KmuKeyClass = keyof typeof KEY_CLASSES;

/** The words KMU prints for each key type it names. */
const TYPE_LABELS: Readonly<Partial<Record<KmuKeyType, string>>> = { rsa: 'RSA', dsa: 'DSA', ec: 'EC', 'generic-secret': 'generic secret', rc4: 'RC4', des3: '3DES', aes: 'AES' };

/** The entries of some key types in code order; `labels` words some of them otherwise. */
export function typeEntries(types: readonly KmuKeyType[], labels: Readonly<Partial<Record<KmuKeyType, string>>> = {}): Entry[] {
  return byCode(types.map((type) => [KEY_TYPES[type].pkcs11, labels[type] ?? TYPE_LABELS[type] ?? type]));
}

/** The key types KMU names that the emulated HSM has. */
export const EMULATED_TYPES: readonly KmuKeyType[] = namesOf(KEY_TYPES).filter((type) => KEY_TYPES[type].emulated && TYPE_LABELS[type] !== undefined);

export const typeCode = (type: KmuKeyType): number => KEY_TYPES[type].pkcs11;
export const classCode = (keyClass: KmuKeyClass): number => KEY_CLASSES[keyClass].pkcs11;

/** `2 public, 3 private, 4 secret` for some classes. */
export function classEntries(classes: readonly KmuKeyClass[]): Entry[] {
  return byCode(classes.map((keyClass) => [classCode(keyClass), keyClass.replace(/-key$/, '')]));
}

// aesWrapUnwrap: the RFC 3394 default IV.

/** The default IV in hex (lowercase) and as KMU prints it (`0xA6A6A6A6A6A6A6A6`). */
export const DEFAULT_IV = KEY_WRAP_IVS['aes-key-wrap'];
export const DEFAULT_IV_TEXT = `0x${DEFAULT_IV.toUpperCase()}`;
export const DEFAULT_IV_BYTES = DEFAULT_IV.length / 2;
