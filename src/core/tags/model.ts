/**
 * Tags on cluster-plane resources (cluster.md §10; CloudHSMv2 API Tag, TagResource,
 * UntagResource, ListTags). A tag is a key of 1-128 characters and a value of 0-256, both drawn
 * from Unicode letters, digits and spaces and `_ . : / = + - @` (the API's pattern
 * `^([\p{L}\p{Z}\p{N}_.:/=+\-@]*)$`); keys are unique on a resource, which carries at most 50,
 * and a request names 1 to 50. Keys beginning with `aws:` (in any case) are reserved for AWS:
 * they can be neither set nor removed. Lengths count characters (code points), as AWS does, not
 * UTF-16 units.
 *
 * A resource keeps its tags in its own record (`tags`, in the order they were first set), so the
 * record and its tags change together. Every violation is a CloudHsmTagException (cluster.md
 * §2.1: "tag validation failures"), the count limits included.
 */
import { awsError, type ErrorCode, type HsmError } from '../errors.js';

export interface Tag {
  key: string;
  value: string;
}

export const TAG_LIMITS = { perResource: 50, perRequest: 50, keyMaxChars: 128, valueMaxChars: 256 } as const;

const TAG_TEXT = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u;
const RESERVED_PREFIX = /^aws:/i;
const ALLOWED = 'letters, digits, spaces and _ . : / = + - @';

export function tagError(operation: string, message: string, code: ErrorCode = 'TAG_INVALID'): HsmError {
  return awsError(code, 'CloudHsmTagException', operation, message);
}

function chars(text: string): number {
  let n = 0;
  for (const _ of text) n++;
  return n;
}

/** Checks one tag key (for TagResource, UntagResource and CreateCluster). */
export function checkTagKey(operation: string, key: unknown): string {
  if (typeof key !== 'string') throw tagError(operation, `a tag key must be text, not ${key === undefined ? 'missing' : typeof key}`);
  const length = chars(key);
  if (length < 1 || length > TAG_LIMITS.keyMaxChars) {
    throw tagError(operation, `tag key "${key}" has ${length} characters; a key has 1 to ${TAG_LIMITS.keyMaxChars}`);
  }
  if (!TAG_TEXT.test(key)) throw tagError(operation, `tag key "${key}" holds a character outside ${ALLOWED}; use only those`);
  if (RESERVED_PREFIX.test(key)) throw tagError(operation, `tag key "${key}" begins with aws:, which AWS reserves for its own tags; choose another key`);
  return key;
}

function checkTagValue(operation: string, key: string, value: unknown): string {
  if (typeof value !== 'string') throw tagError(operation, `tag ${key} needs a value (text, possibly empty), not ${value === undefined ? 'none' : typeof value}`);
  const length = chars(value);
  if (length > TAG_LIMITS.valueMaxChars) throw tagError(operation, `the value of tag ${key} has ${length} characters; a value has at most ${TAG_LIMITS.valueMaxChars}`);
  if (!TAG_TEXT.test(value)) throw tagError(operation, `the value of tag ${key} holds a character outside ${ALLOWED}; use only those`);
  return value;
}

function checkCount(operation: string, list: unknown, what: string): unknown[] {
  if (!Array.isArray(list) || list.length === 0) throw tagError(operation, `give at least one ${what}`);
  if (list.length > TAG_LIMITS.perRequest) {
    throw tagError(operation, `${list.length} ${what}s were given; a request takes at most ${TAG_LIMITS.perRequest}`, 'TAG_LIMIT_EXCEEDED');
  }
  return list;
}

/** The tags of a TagResource or CreateCluster request: 1 to 50, each valid, no key twice. */
export function checkTags(operation: string, tags: unknown): Tag[] {
  const seen = new Set<string>();
  return checkCount(operation, tags, 'tag').map((tag) => {
    const { key, value } = (tag ?? {}) as Partial<Tag>;
    const checked = { key: checkTagKey(operation, key), value: checkTagValue(operation, String(key), value) };
    if (seen.has(checked.key)) throw tagError(operation, `tag key ${checked.key} is given twice; a key appears once per resource`);
    seen.add(checked.key);
    return checked;
  });
}

/** The keys of an UntagResource request: 1 to 50 valid keys. */
export function checkTagKeys(operation: string, keys: unknown): string[] {
  return checkCount(operation, keys, 'tag key').map((key) => checkTagKey(operation, key));
}

/** `existing` with `added` set: a key already there takes the new value in its place; at most 50 in all. */
export function withTags(operation: string, resourceId: string, existing: readonly Tag[], added: readonly Tag[]): Tag[] {
  const out = existing.map((tag) => ({ ...tag }));
  for (const tag of added) {
    const at = out.findIndex((t) => t.key === tag.key);
    if (at >= 0) out[at] = { ...tag };
    else out.push({ ...tag });
  }
  if (out.length > TAG_LIMITS.perResource) {
    throw tagError(
      operation,
      `${resourceId} would carry ${out.length} tags; a resource carries at most ${TAG_LIMITS.perResource} (it has ${existing.length}). Remove some with \`untag\` first`,
      'TAG_LIMIT_EXCEEDED',
    );
  }
  return out;
}

/** `existing` without `keys` (keys it does not carry are ignored, as UntagResource does). */
export function withoutTags(existing: readonly Tag[], keys: readonly string[]): Tag[] {
  const gone = new Set(keys);
  return existing.filter((tag) => !gone.has(tag.key)).map((tag) => ({ ...tag }));
}
