/**
 * Digests: FIPS 180-4 (SHA-1, SHA-224/256/384/512) and FIPS 202 (SHA3-224/256/384/512), on
 * node:crypto (OpenSSL) and on @noble/hashes. Each backend also lends its hash functions to the
 * families that hash inside an operation (HMAC, ECDSA, RSA), so that a provider hashes with one
 * library throughout.
 */
import { createHash } from 'node:crypto';
import { checkBytes, checkHash, plain } from '../checks.js';
import { memo, nobleLegacy, nobleSha2, nobleSha3 } from '../noble.js';
import type { HashName } from '../provider.js';

export type Hasher = (data: Uint8Array) => Uint8Array;

export interface DigestFamily {
  /** The checked operation of CryptoProvider (a function property: providers take it as it is). */
  readonly digest: (hash: HashName, data: Uint8Array) => Uint8Array;
  /** The hash function itself, for a caller that has checked `hash` already. */
  hasher(hash: HashName): Hasher;
}

function digestFamily(hasher: (hash: HashName) => Hasher): DigestFamily {
  return Object.freeze({
    hasher,
    digest(hash: HashName, data: Uint8Array): Uint8Array {
      checkHash(hash);
      checkBytes(data, 'data');
      return hasher(hash)(data);
    },
  });
}

/** OpenSSL knows every hash of the table under the table's own name. */
export const digestNode = digestFamily((hash) => (data) => plain(createHash(hash).update(data).digest()));

/** noble's hash functions by name, made on first use. */
const nobleHashes = memo((): Readonly<Record<HashName, Hasher>> => {
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
});

export const digestNoble = digestFamily((hash) => nobleHashes()[hash]);
