/**
 * Which key material has transported keys (keys.md §5: key material never leaves in the clear).
 *
 * Once a key has been wrapped under some key material, that material must never decrypt data
 * again: `crypto decrypt` of the wrapped blob would print the wrapped key (the PKCS #11
 * wrap/decrypt attack). The mark belongs to the material, not to one key object, so that no copy
 * escapes it: a clone made by wrapping the key and unwrapping it again, a second import of the
 * same private key, a replica in another cluster. It is kept store-wide as one object per
 * fingerprint: SHA-256 of a secret key's bytes, or of an RSA key's modulus (a wrap under the
 * public key marks every private key of that modulus).
 */
import { createHash } from 'node:crypto';
import type { ReadView, Transaction } from '../store/index.js';
import type { KeyRecord } from './model.js';

const PREFIX = 'transport/';

/** Fingerprints by record: stored records are frozen and replaced, never changed. */
const fingerprints = new WeakMap<KeyRecord, string | null>();

/** The fingerprint of the material that opens what `key` wraps, or null for key types that wrap nothing. */
export function transportFingerprint(key: KeyRecord): string | null {
  let fp = fingerprints.get(key);
  if (fp === undefined) {
    if (key.class === 'secret-key') fp = `secret-${createHash('sha256').update(Buffer.from(key.material, 'base64')).digest('hex')}`;
    else if (key.keyType === 'rsa' && key.modulus) fp = `rsa-${createHash('sha256').update(key.modulus.toLowerCase().replace(/^0x/, '')).digest('hex')}`;
    else fp = null;
    fingerprints.set(key, fp);
  }
  return fp;
}

/** Records that keys were wrapped under `wrapping` (written once per material). */
export function markTransport(tx: Transaction, wrapping: KeyRecord): void {
  const fp = transportFingerprint(wrapping);
  if (fp && !tx.has(PREFIX + fp)) tx.put(PREFIX + fp, true);
}

/** Whether keys were ever wrapped under `key`'s material (or, for a private key, its public half's). */
export function hasTransported(view: ReadView, key: KeyRecord): boolean {
  const fp = transportFingerprint(key);
  return fp !== null && view.has(PREFIX + fp);
}
