/**
 * Key selection (cli-commands.md §4): a KeySelector's reference and attribute values, ANDed,
 * matched against the attributes as the CLI prints them. What a user can see (keys.md §1): a
 * crypto user its own keys, keys shared with it and every public key; an admin every key,
 * without material-bearing detail.
 */
import { HsmError } from '../errors.js';
import type { ReadView } from '../store/index.js';
import { presentAttributes, type KeyRecord } from './model.js';
import type { KeySelector } from './selector.js';

export const keyStoreKeys = {
  prefix: (clusterId: string) => `key/${clusterId}/`,
  key: (clusterId: string, ref: number) => `key/${clusterId}/${ref.toString(16).padStart(16, '0')}`,
  counter: (clusterId: string) => `counter/${clusterId}/key-reference`,
} as const;

function text(value: unknown): string {
  return typeof value === 'string' ? value : String(value);
}

export function matches(key: KeyRecord, filter: KeySelector): boolean {
  if (filter.ref !== undefined && key.ref !== filter.ref) return false;
  if (filter.attributes.length === 0) return true;
  // The label is what most filters name: compare it without rendering every attribute.
  if (filter.attributes.some(([name, value]) => name === 'label' && key.label !== value)) return false;
  if (filter.attributes.every(([name]) => name === 'label')) return true;
  const shown = presentAttributes(key);
  return filter.attributes.every(([name, value]) => {
    if (!(name in shown)) return false;
    const actual = text(shown[name]);
    // Hex values compare without regard to case.
    return /^0x/i.test(value) ? actual.toLowerCase() === value.toLowerCase() : actual === value;
  });
}

export interface Viewer {
  username: string;
  role: 'admin' | 'crypto-user';
}

export function canSee(key: KeyRecord, viewer: Viewer): boolean {
  return viewer.role === 'admin' || key.class === 'public-key' || key.owner === viewer.username || key.sharedUsers.includes(viewer.username);
}

/**
 * Every key of the cluster the viewer can see that matches the filter, in reference order. A
 * reference or a label (what most filters name) is looked up directly, not by walking every key.
 */
export function findKeys(view: ReadView, clusterId: string, viewer: Viewer, filter: KeySelector, extra: readonly KeyRecord[] = []): KeyRecord[] {
  if (filter.ref !== undefined) {
    const one = view.get<KeyRecord>(keyStoreKeys.key(clusterId, filter.ref)) ?? extra.find((k) => k.ref === filter.ref);
    return one && canSee(one, viewer) && matches(one, filter) ? [one] : [];
  }
  const label = filter.attributes.find(([name]) => name === 'label');
  const stored = label ? view.lookup<KeyRecord>(keyStoreKeys.prefix(clusterId), 'label', label[1]) : view.list<KeyRecord>(keyStoreKeys.prefix(clusterId));
  const found: KeyRecord[] = [];
  for (const [, k] of stored) if (canSee(k, viewer) && matches(k, filter)) found.push(k);
  for (const k of extra) if (canSee(k, viewer) && matches(k, filter)) found.push(k);
  return extra.length > 0 ? found.sort((a, b) => a.ref - b.ref) : found;
}

/** The one key a single-key operation selects, among those the viewer can see (its session keys too). */
export function selectKey(view: ReadView, clusterId: string, viewer: Viewer, selector: KeySelector, sessionKeys: ReadonlyMap<number, KeyRecord>): KeyRecord {
  return selectOne(findKeys(view, clusterId, viewer, selector, [...sessionKeys.values()]));
}

/** cli-commands.md §4: single-key commands need exactly one match. */
export function selectOne(keys: KeyRecord[]): KeyRecord {
  if (keys.length !== 1) {
    throw new HsmError('KEY_SELECTION_NOT_UNIQUE', `Key selection criteria matched ${keys.length} keys. Refine selection criteria to select a single key.`, {
      details: { matched: keys.length },
    });
  }
  return keys[0]!;
}
