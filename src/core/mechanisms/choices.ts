/**
 * What the core's operations offer, derived from the table of mechanisms (table.ts): the
 * mechanism names of `crypto sign|verify`, `crypto encrypt|decrypt` and `key wrap|unwrap`, the
 * hashes and MGF1 names each takes, and the GCM tag lengths in bits. The CLI's flag options and
 * the operations' refusals read these lists, so neither writes a name or a size again.
 */
import { AES_BLOCK_BYTES, AES_KEY_BYTES, CIPHERS, GCM_TAG_BYTES, HASHES, MGF1_PREFIX, SIGNATURES, WRAPS, namesOf, type HashName } from './table.js';

export const SIGN_MECHANISMS = namesOf(SIGNATURES);
export const CIPHER_MECHANISMS = namesOf(CIPHERS);
export const WRAP_MECHANISMS = namesOf(WRAPS);

const HASH_NAMES = namesOf(HASHES);

/** The hashes `crypto sign --hash-function` takes (HashRow.signs). */
export const SIGN_HASHES: readonly HashName[] = Object.freeze(HASH_NAMES.filter((hash) => HASHES[hash].signs));
/** The hashes RSA-OAEP and its MGF1 take (HashRow.oaep). */
export const OAEP_HASHES: readonly HashName[] = Object.freeze(HASH_NAMES.filter((hash) => HASHES[hash].oaep));

/** `mgf1-sha256` for sha256. */
export function mgf1Name(hash: string): string {
  return `${MGF1_PREFIX}${hash}`;
}

/** The hash an `--mgf` value names (`sha256` for `mgf1-sha256`); the text itself if it has no MGF1 prefix. */
export function mgf1Hash(name: string): string {
  return name.startsWith(MGF1_PREFIX) ? name.slice(MGF1_PREFIX.length) : name;
}

/** GCM tag lengths in bits (`--tag-length-bits`), from GCM_TAG_BYTES. */
export const GCM_TAG_BITS: readonly number[] = Object.freeze(GCM_TAG_BYTES.map((bytes) => bytes * 8));

/** The full GCM tag, one AES block: the default of `--tag-length-bits` for `crypto encrypt aes-gcm`. */
export const GCM_FULL_TAG_BITS = AES_BLOCK_BYTES * 8;

/** `a, b or c`: a list of choices as the refusals and help texts write it. */
export function orList(items: readonly (string | number)[]): string {
  return items.length < 2 ? items.join('') : `${items.slice(0, -1).join(', ')} or ${String(items.at(-1))}`;
}

export { AES_KEY_BYTES };
