/**
 * The records KMS keeps beside a KMS key (kms-custom-key-store.md §6.3: key policies, grants,
 * tags): where they live in the store, their shapes, and their removal with the key. Each kind
 * is one collection of its own under `kms/` (not under `kms/key/`, which lists only keys), keyed
 * by the key ID; a grant by `<key ID>:<grant ID>`, so that a key's grants are one prefix listing
 * and all grants one collection.
 *
 * A key made before policies existed here has no policy record: it has KMS's default policy.
 */
import type { ReadView, Transaction } from '../store/index.js';
import { awsError } from '../errors.js';

export const kmsRecordKeys = {
  policy: (keyId: string) => `kms/policy/${keyId}`,
  tags: (keyId: string) => `kms/tags/${keyId}`,
  grantPrefix: 'kms/grant/',
  grantsOf: (keyId: string) => `kms/grant/${keyId}:`,
  grant: (keyId: string, grantId: string) => `kms/grant/${keyId}:${grantId}`,
} as const;

export interface PolicyRecord {
  /** Always "default": KMS keys have one key policy. */
  name: 'default';
  /** The document as it was given (GetKeyPolicy returns it so). */
  document: string;
}

export interface GrantConstraints {
  EncryptionContextSubset?: Record<string, string>;
  EncryptionContextEquals?: Record<string, string>;
}

export interface GrantRecord {
  grantId: string;
  keyId: string;
  name?: string;
  granteePrincipal: string;
  retiringPrincipal?: string;
  operations: string[];
  constraints?: GrantConstraints;
  /** The account the grant was made in (the key's). */
  issuingAccount: string;
  createdAt: number;
}

export interface KmsTag {
  TagKey: string;
  TagValue: string;
}

export interface TagsRecord {
  tags: KmsTag[];
}

/** The key policy text of a key: its record's, or KMS's default one. */
export function policyTextOf(view: ReadView, keyId: string, fallback: string): string {
  return view.get<PolicyRecord>(kmsRecordKeys.policy(keyId))?.document ?? fallback;
}

/** Grants in the order they were made. */
export const byCreation = (a: GrantRecord, b: GrantRecord) => a.createdAt - b.createdAt || a.grantId.localeCompare(b.grantId);

/** A sort key for `pageAfter`, oldest first: cluster time (whole milliseconds, never negative) at a fixed width sorts as a number does, then the ID. */
export const creationKey = (createdAt: number, id: string): string => `${String(createdAt).padStart(16, '0')}/${id}`;

/** A key's grants, oldest first. */
export function grantsOf(view: ReadView, keyId: string): GrantRecord[] {
  return view
    .list<GrantRecord>(kmsRecordKeys.grantsOf(keyId))
    .map(([, g]) => g)
    .sort(byCreation);
}

/** Removes a key's policy, grants and tags: call it where the key itself is deleted. */
export function removeKeyRecords(tx: Transaction, keyId: string): void {
  tx.delete(kmsRecordKeys.policy(keyId));
  tx.delete(kmsRecordKeys.tags(keyId));
  for (const [path] of tx.list(kmsRecordKeys.grantsOf(keyId))) tx.delete(path);
}

/** KMS's tag quota per key. */
export const MAX_TAGS_PER_KEY = 50;

/** Characters as AWS counts them: code points, not UTF-16 units. */
function chars(text: string): number {
  let n = 0;
  for (const _ of text) n++;
  return n;
}

function tagError(operation: string, message: string) {
  return awsError('KMS_TAG_INVALID', 'TagException', operation, message);
}

/** A KMS tag key: 1 to 128 characters, not beginning with aws: (reserved for AWS). */
export function checkKmsTagKey(key: unknown, operation: string): string {
  if (typeof key !== 'string' || chars(key) < 1 || chars(key) > 128) throw tagError(operation, `TagKey must be 1 to 128 characters, not ${typeof key === 'string' ? `${chars(key)}` : 'missing'}`);
  if (/^aws:/i.test(key)) throw tagError(operation, `TagKey "${key}" begins with aws:, which AWS reserves for its own tags; choose another key`);
  return key;
}

/** The tags of a TagResource or CreateKey request: each valid, no key twice. */
export function checkKmsTags(tags: unknown, operation: string): KmsTag[] {
  if (!Array.isArray(tags)) throw awsError('INVALID_ARGUMENT', 'ValidationException', operation, 'Tags must be a list of {TagKey, TagValue}');
  const seen = new Set<string>();
  return tags.map((tag: unknown) => {
    const { TagKey, TagValue } = (tag ?? {}) as Partial<Record<keyof KmsTag, unknown>>;
    const key = checkKmsTagKey(TagKey, operation);
    if (typeof TagValue !== 'string' || chars(TagValue) > 256) throw tagError(operation, `TagValue of ${key} must be 0 to 256 characters`);
    if (seen.has(key)) throw tagError(operation, `TagKey ${key} is given twice; a key appears once per KMS key`);
    seen.add(key);
    return { TagKey: key, TagValue };
  });
}

/** `existing` with `added` set (a key there takes the new value), within the quota. */
export function withKmsTags(existing: readonly KmsTag[], added: readonly KmsTag[], operation: string): KmsTag[] {
  const out = existing.map((t) => ({ ...t }));
  for (const tag of added) {
    const at = out.findIndex((t) => t.TagKey === tag.TagKey);
    if (at >= 0) out[at] = { ...tag };
    else out.push({ ...tag });
  }
  if (out.length > MAX_TAGS_PER_KEY) throw awsError('KMS_LIMIT_EXCEEDED', 'LimitExceededException', operation, `The key would carry ${out.length} tags; a KMS key carries at most ${MAX_TAGS_PER_KEY}. Remove some with UntagResource first`);
  return out;
}

export interface Page<T> {
  items: T[];
  NextMarker?: string;
  Truncated: boolean;
}

function pageSize(limit: unknown, operation: string, max: number, fallback: number): number {
  const n = limit ?? fallback;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 1 || n > max) throw awsError('INVALID_ARGUMENT', 'ValidationException', operation, `Limit must be a whole number from 1 to ${max}`);
  return n;
}

const invalidMarker = (operation: string) =>
  awsError('KMS_INVALID_MARKER', 'InvalidMarkerException', operation, 'Marker is not one a previous response gave (NextMarker); leave it out to list from the start');

/** What a Marker holds after `prefix`, or InvalidMarkerException. */
function markerText(marker: unknown, prefix: string, operation: string): string {
  const text = typeof marker === 'string' ? Buffer.from(marker, 'base64url').toString('utf8') : '';
  if (!text.startsWith(prefix)) throw invalidMarker(operation);
  return text.slice(prefix.length);
}

/**
 * A page of `items` in the order of their sort keys (`sortKey`, strings as JavaScript compares
 * them), whose Marker names the last item of the page before: the next page starts after it. So
 * an item added or removed before that point (by another process, between two calls) neither
 * repeats an item nor skips one that was there all along, as an offset would. The marker names
 * its operation, so one listing's marker is not another's.
 */
export function pageAfter<T>(items: readonly T[], sortKey: (item: T) => string, limit: unknown, marker: unknown, operation: string, max = 100, fallback = 50): Page<T> {
  const n = pageSize(limit, operation, max, fallback);
  const sorted = items.map((item) => ({ item, key: sortKey(item) })).sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  const prefix = `${operation}:`;
  const after = marker === undefined ? undefined : markerText(marker, prefix, operation);
  const start = after === undefined ? 0 : sorted.findIndex((entry) => entry.key > after);
  const rest = start < 0 ? [] : sorted.slice(start);
  const taken = rest.slice(0, n);
  const more = rest.length > n;
  return { items: taken.map((entry) => entry.item), Truncated: more, ...(more ? { NextMarker: Buffer.from(`${prefix}${taken.at(-1)!.key}`).toString('base64url') } : {}) };
}
