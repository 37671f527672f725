/**
 * Keys as the CloudHSM CLI prints them (cli-commands.md §3): the core returns key views; this is
 * where they take the JSON shapes of the commands (`key-reference`, `key-info`, `attributes`).
 */
import { formatReference, presentAttributes, type KeyView } from '../../core/keys/model.js';
import type { KeyListing } from '../../core/keys/operations.js';
import type { WrappedKey } from '../../core/keys/wrap.js';

export function presentKeyInfo(key: KeyView): Record<string, unknown> {
  // keys.md §3: "full" when the key is on every HSM; "partial" while one lacks it [value uncertain].
  const coverage = key.coverage ?? 'full';
  return {
    'key-owners': [{ username: key.owner, 'key-coverage': coverage }],
    'shared-users': key.sharedUsers.map((username) => ({ username, 'key-coverage': coverage })),
    'key-quorum-values': { 'manage-key-quorum-value': key.manageQuorum, 'use-key-quorum-value': key.useQuorum },
    'cluster-coverage': coverage,
  };
}

/** The `{key-reference, key-info, attributes}` object of creation output and verbose listings. */
export function presentKey(key: KeyView): Record<string, unknown> {
  return { 'key-reference': formatReference(key.ref), 'key-info': presentKeyInfo(key), attributes: presentAttributes(key) };
}

/** The non-verbose `key list` item. */
export function presentKeyBrief(key: KeyView): Record<string, unknown> {
  return { 'key-reference': formatReference(key.ref), attributes: { label: key.label } };
}

/** A page of `key list`: verbose items for crypto users who asked, brief ones otherwise. */
export function presentKeyListing(listing: KeyListing): { matched_keys: Array<Record<string, unknown>>; total_key_count: number; returned_key_count: number; next_token?: string } {
  const data: ReturnType<typeof presentKeyListing> = {
    matched_keys: listing.keys.map((k) => (listing.verbose ? presentKey(k) : presentKeyBrief(k))),
    total_key_count: listing.totalKeyCount,
    returned_key_count: listing.keys.length,
  };
  if (listing.nextToken !== undefined) data.next_token = listing.nextToken;
  return data;
}

/** `key wrap`'s JSON (cli-commands.md §3): references as 0x… text, the IV as 0x-hex, the bytes as base64. */
export function presentWrappedKey(w: WrappedKey): Record<string, string> {
  return {
    payload_key_reference: formatReference(w.payloadRef),
    wrapping_key_reference: formatReference(w.wrappingRef),
    ...(w.iv ? { iv: `0x${Buffer.from(w.iv).toString('hex')}` } : {}),
    wrapped_key_data: Buffer.from(w.wrapped).toString('base64'),
  };
}
