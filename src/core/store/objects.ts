/**
 * The store's objects in memory, arranged so that reads cost what they return rather than what
 * the store holds: objects are grouped by collection (listing or counting one collection does not
 * walk the others), each collection keeps its keys sorted until one is added or removed, and an
 * equality index on a field (a key's label) is built on first use and then kept up to date by
 * every change, so finding an object by that field is one map lookup.
 *
 * Values handed out are deeply frozen, so that no caller can change the state behind a
 * transaction. Values loaded from the files are frozen when first handed out rather than on
 * load: opening a large state then costs no walk over every object it holds.
 *
 * A collection read from a snapshot stays "pending" (its JSON text, not parsed) until something
 * touches it, and changes made to it meanwhile (log records replayed at load) are queued and
 * applied right after it is parsed. A command then parses only what it reads, and `warm()`
 * parses the rest at a moment of its choosing (while scrypt runs in the threadpool).
 */
import { constants, inflateRawSync } from 'node:zlib';
import { integrityError } from './format.js';

/** A value the store keeps: anything JSON holds but null (a deletion is recorded as null). */
export type StoredValue = object | string | number | boolean;

/** Read access to a consistent view of the objects. Values are deeply frozen. */
export interface ReadView {
  /** The value under `key`, typed as its collection holds it (the key's prefix decides, not a check). */
  // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-parameters
  get<T = StoredValue>(key: string): T | undefined;
  has(key: string): boolean;
  /** Every [key, value] whose key starts with `prefix`, in key order. */
  list<T = StoredValue>(prefix: string): Array<[string, T]>;
  count(prefix: string): number;
  /**
   * Every [key, value] whose key starts with `prefix` and whose value's `field` is exactly
   * `value`, in key order: `list(prefix)` filtered, but served from an index.
   */
  lookup<T = StoredValue>(prefix: string, field: string, value: unknown): Array<[string, T]>;
}

/** Changes a transaction made and has not committed yet: a value, or null for a deletion. */
export type Overlay = Map<string, StoredValue | null>;

export function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value as Record<string, unknown>)) deepFreeze(v);
  }
  return value;
}

/** The collection of an object key: everything up to its last '/' ("key/cluster-x/"). */
export function collectionOf(key: string): string {
  return key.slice(0, key.lastIndexOf('/') + 1);
}

function fieldOf(value: StoredValue, field: string): unknown {
  return typeof value === 'object' ? (value as Record<string, unknown>)[field] : undefined;
}

/** Prefixes are collection names, a few per cluster; the bound only guards against odd callers. */
const EXACT_CACHE_MAX = 1024;

const byKey = (a: [string, unknown], b: [string, unknown]): number => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0);

/** One object set or (null) deleted. */
type Change = [key: string, value: StoredValue | null];

interface Collection {
  objects: Map<string, StoredValue>;
  /** Its keys in order, kept until a key is added or removed. */
  sortedKeys?: string[];
  /** field → value of that field → keys of the objects holding it. */
  indexes: Map<string, Map<unknown, Set<string>>>;
  /** Fields looked up once by a scan: the next lookup on one builds its index. */
  scanned?: Set<string>;
  /**
   * Not parsed yet: its JSON text (or, from a snapshot of format 3, that text deflated, inflated
   * only when it is read), and the changes to apply once it is.
   */
  pending?: Chunk & { changes: Change[] };
}

/**
 * A collection as a snapshot holds it: the JSON text of its [key, value] array, its deflated
 * form, or both. A compaction writes an untouched collection's deflated form again as it was.
 */
export interface Chunk {
  json?: Buffer;
  deflated?: Buffer;
  /** The length of the JSON text of a chunk given deflated only. */
  jsonLength?: number;
  /**
   * Changes to apply on top (the JSON array of [key, value or null]): a compaction that finds a
   * few changes to a large collection writes them beside its deflated text, instead of parsing,
   * changing and deflating all of it again.
   */
  delta?: Buffer;
}

/** A delta is kept while it is at most this fraction of its collection's JSON. */
const DELTA_FRACTION = 0.25;

function emptyCollection(): Collection {
  return { objects: new Map(), indexes: new Map() };
}

/** Whether keys of `collection` may start with `prefix` (the prefix may end inside a key's last part). */
function touches(collection: string, prefix: string): boolean {
  return collection.startsWith(prefix) || prefix.startsWith(collection);
}

export class ObjectTable {
  private readonly collections = new Map<string, Collection>();
  /** exactCollection's answers (null: none), kept until a collection is added. */
  private readonly exact = new Map<string, Collection | null>();
  private plainView?: ReadView;

  /** `source` names the snapshot file in the error should a chunk not parse. */
  constructor(private readonly source = 'snapshot') {}

  static from(entries: Iterable<[string, StoredValue]>): ObjectTable {
    const table = new ObjectTable();
    for (const [key, value] of entries) table.set(key, value);
    return table;
  }

  /** A table of collections given as chunks, parsed (and inflated) on first use. */
  static fromChunks(chunks: Iterable<[collection: string, chunk: Chunk | Buffer]>, source: string): ObjectTable {
    const table = new ObjectTable(source);
    for (const [name, chunk] of chunks) {
      const { delta, ...given }: Chunk = Buffer.isBuffer(chunk) ? { json: chunk } : chunk;
      const changes = delta ? (JSON.parse(delta.toString('utf8')) as Change[]) : [];
      table.collections.set(name, { ...emptyCollection(), pending: { ...given, changes } });
    }
    return table;
  }

  /** Parses every collection still pending. */
  warm(): void {
    for (const [name, collection] of this.collections) this.load(name, collection);
  }

  /**
   * Each collection that holds objects, as a chunk for `fromChunks`. A pending collection that
   * nothing changed is handed back as it was read, unparsed; one that was read deflated and has
   * few changes, as its deflated text and those changes (its delta).
   */
  chunks(): Array<[string, Chunk]> {
    const out: Array<[string, Chunk]> = [];
    for (const [name, collection] of this.collections) {
      const pending = collection.pending;
      if (pending) {
        const { json, deflated, jsonLength, changes } = pending;
        if (changes.length === 0) {
          out.push([name, { json, deflated, jsonLength }]);
          continue;
        }
        if (deflated && !json) {
          const delta = Buffer.from(JSON.stringify(changes), 'utf8');
          if (delta.length <= (jsonLength ?? 0) * DELTA_FRACTION) {
            out.push([name, { deflated, jsonLength, delta }]);
            continue;
          }
        }
      }
      const { objects } = this.load(name, collection);
      if (objects.size > 0) out.push([name, { json: Buffer.from(JSON.stringify([...objects]), 'utf8') }]);
    }
    return out;
  }

  /**
   * Makes the empty collection `name` hold the objects of `json` (the JSON array of their [key,
   * value]), parsed on first use like a snapshot's (Transaction.loadCollection).
   */
  loadCollection(name: string, json: Buffer): void {
    const existing = this.collections.get(name);
    if (existing && (existing.pending || existing.objects.size > 0)) throw new Error(`collection ${name} is not empty`);
    this.collections.set(name, { ...emptyCollection(), pending: { json, changes: [] } });
    this.exact.clear();
  }

  /** Sets or (with null) deletes one object, keeping collections and indexes. */
  set(key: string, value: StoredValue | null): void {
    const name = collectionOf(key);
    let collection = this.collections.get(name);
    if (!collection) {
      if (value === null) return;
      collection = emptyCollection();
      this.collections.set(name, collection);
      this.exact.clear();
    }
    // Applying it now would be overwritten by parsing the chunk: queue it behind the chunk.
    if (collection.pending) collection.pending.changes.push([key, value]);
    else apply(collection, key, value);
  }

  /** A view of the objects as they stand, or as `overlay` would leave them. */
  view(overlay?: Overlay): ReadView {
    if (!overlay) return (this.plainView ??= this.makeView());
    return this.makeView(overlay);
  }

  private makeView(overlay?: Overlay): ReadView {
    // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-parameters
    const get = <T>(key: string): T | undefined => {
      if (overlay?.has(key)) return (overlay.get(key) ?? undefined) as T | undefined;
      return deepFreeze(this.stored(key)) as T | undefined;
    };
    return {
      get,
      has: (key) => (overlay?.has(key) ? overlay.get(key) != null : this.stored(key) !== undefined),
      list: <T>(prefix: string) => withOverlay(this.listBase(prefix), overlay, prefix, () => true) as Array<[string, T]>,
      count: (prefix) => this.count(prefix, overlay),
      lookup: <T>(prefix: string, field: string, value: unknown) =>
        withOverlay(this.lookupBase(prefix, field, value), overlay, prefix, (v) => fieldOf(v, field) === value) as Array<[string, T]>,
    };
  }

  /** The collection, parsed first if it is pending. */
  private load(name: string, collection: Collection): Collection {
    const pending = collection.pending;
    if (!pending) return collection;
    let entries: Array<[string, StoredValue]>;
    try {
      // Inflated into one buffer of the known size (snapshot.ts).
      const json = pending.json ?? inflateRawSync(pending.deflated ?? Buffer.alloc(0), { chunkSize: Math.max(constants.Z_MIN_CHUNK, pending.jsonLength ?? 0) });
      entries = JSON.parse(json.toString('utf8')) as Array<[string, StoredValue]>;
    } catch {
      throw integrityError(this.source, `its collection ${name} is not valid`);
    }
    collection.objects = new Map(entries);
    collection.pending = undefined;
    for (const [key, value] of pending.changes) apply(collection, key, value);
    return collection;
  }

  private stored(key: string): StoredValue | undefined {
    const name = collectionOf(key);
    const collection = this.collections.get(name);
    return collection && this.load(name, collection).objects.get(key);
  }

  /** Every collection whose keys may start with `prefix`, parsed. */
  private touching(prefix: string): Collection[] {
    const out: Collection[] = [];
    for (const [name, collection] of this.collections) if (touches(name, prefix)) out.push(this.load(name, collection));
    return out;
  }

  /**
   * The collection that is exactly `prefix`, parsed, when no other collection lies inside it (so
   * that its objects are all the prefix covers); an empty one when there is none yet.
   */
  private exactCollection(prefix: string): Collection | undefined {
    let found = this.exact.get(prefix);
    if (found === undefined) {
      found = this.findExactCollection(prefix);
      if (this.exact.size >= EXACT_CACHE_MAX) this.exact.clear();
      this.exact.set(prefix, found);
    }
    return found ? this.load(prefix, found) : undefined;
  }

  private findExactCollection(prefix: string): Collection | null {
    if (!prefix.endsWith('/')) return null;
    for (const name of this.collections.keys()) if (name !== prefix && name.startsWith(prefix)) return null;
    return this.collections.get(prefix) ?? emptyCollection();
  }

  private listBase(prefix: string): Array<[string, StoredValue]> {
    const collection = this.exactCollection(prefix);
    if (!collection) {
      const out: Array<[string, StoredValue]> = [];
      for (const { objects } of this.touching(prefix)) {
        for (const [k, v] of objects) if (k.startsWith(prefix)) out.push([k, deepFreeze(v)]);
      }
      return out.sort(byKey);
    }
    collection.sortedKeys ??= [...collection.objects.keys()].sort();
    return collection.sortedKeys.map((k) => [k, deepFreeze(collection.objects.get(k)!)]);
  }

  private lookupBase(prefix: string, field: string, value: unknown): Array<[string, StoredValue]> {
    const collection = this.exactCollection(prefix);
    if (!collection) return this.listBase(prefix).filter(([, v]) => fieldOf(v, field) === value);
    const index = this.indexFor(prefix, collection, field);
    const keys = index ? [...(index.get(value) ?? [])] : scan(collection, field, value);
    return keys.sort().map((k) => [k, deepFreeze(collection.objects.get(k)!)]);
  }

  /**
   * The index of `field`, built by the second lookup on it; undefined for the first, which scans.
   * A single CLI command looks up once, and a scan of 10,000 objects costs a fraction of an index
   * holding a set per value; a long-lived process (the shell) looks up again and gets the index.
   */
  private indexFor(prefix: string, collection: Collection, field: string): Map<unknown, Set<string>> | undefined {
    let index = collection.indexes.get(field);
    if (index) return index;
    // An index is kept only on a collection the table holds (the empty stand-in is not).
    if (this.collections.get(prefix) !== collection) return undefined;
    collection.scanned ??= new Set();
    if (!collection.scanned.has(field)) {
      collection.scanned.add(field);
      return undefined;
    }
    index = new Map();
    for (const [k, v] of collection.objects) addTo(index, fieldOf(v, field), k);
    collection.indexes.set(field, index);
    return index;
  }

  private count(prefix: string, overlay: Overlay | undefined): number {
    const collection = this.exactCollection(prefix);
    let n = 0;
    if (collection) {
      // A whole collection: its size, corrected by what the transaction changed.
      n = collection.objects.size;
      if (overlay) {
        for (const [k, v] of overlay) {
          if (collectionOf(k) !== prefix) continue;
          if (v === null && collection.objects.has(k)) n--;
          else if (v !== null && !collection.objects.has(k)) n++;
        }
      }
      return n;
    }
    for (const { objects } of this.touching(prefix)) {
      for (const k of objects.keys()) if (k.startsWith(prefix) && !(overlay?.get(k) === null)) n++;
    }
    if (overlay) for (const [k, v] of overlay) if (v !== null && k.startsWith(prefix) && this.stored(k) === undefined) n++;
    return n;
  }
}

/** Sets or (with null) deletes one object of a parsed collection, keeping its order and indexes. */
function apply(collection: Collection, key: string, value: StoredValue | null): void {
  const old = collection.objects.get(key);
  if (old !== undefined) unindex(collection, key, old);
  if (value === null) {
    if (old === undefined) return;
    collection.objects.delete(key);
    collection.sortedKeys = undefined;
    return;
  }
  collection.objects.set(key, value);
  if (old === undefined) collection.sortedKeys = undefined;
  for (const [field, index] of collection.indexes) addTo(index, fieldOf(value, field), key);
}

/** Keys of the objects whose `field` is `value`, by a walk over the collection. */
function scan(collection: Collection, field: string, value: unknown): string[] {
  const keys: string[] = [];
  for (const [k, v] of collection.objects) if (fieldOf(v, field) === value) keys.push(k);
  return keys;
}

function addTo(index: Map<unknown, Set<string>>, value: unknown, key: string): void {
  let keys = index.get(value);
  if (!keys) index.set(value, (keys = new Set()));
  keys.add(key);
}

function unindex(collection: Collection, key: string, old: StoredValue): void {
  for (const [field, index] of collection.indexes) {
    const value = fieldOf(old, field);
    const keys = index.get(value);
    keys?.delete(key);
    if (keys?.size === 0) index.delete(value);
  }
}

/** `base` (sorted entries under `prefix`) as `overlay` changes it, keeping entries that `keep`. */
function withOverlay(
  base: Array<[string, StoredValue]>,
  overlay: Overlay | undefined,
  prefix: string,
  keep: (value: StoredValue) => boolean,
): Array<[string, StoredValue]> {
  if (!overlay) return base;
  let touched = false;
  for (const k of overlay.keys()) {
    if (k.startsWith(prefix)) {
      touched = true;
      break;
    }
  }
  if (!touched) return base;
  const out = new Map(base);
  for (const [k, v] of overlay) {
    if (!k.startsWith(prefix)) continue;
    if (v === null || !keep(v)) out.delete(k);
    else out.set(k, v);
  }
  return [...out].sort(byKey);
}
