/**
 * The encrypted, multi-process object store that plays the HSM's non-volatile memory.
 *
 * Layout of a state folder (README "State folder"):
 *   seal.key        32 random bytes: the sealing key (absent when a passphrase seals the state)
 *   keyring         the data key, sealed by the sealing key (or by scrypt(passphrase))
 *   head            which generation is current and how many transactions are committed (head.ts)
 *   snapshot-<g>    sealed image of every object as of the start of generation g (snapshot.ts)
 *   log-<g>         append-only sealed records, one per committed transaction after the snapshot
 *   lock            the writer lock (see lock.ts)
 *
 * A change appends one record (cost independent of the number of objects) and fsyncs it, then
 * writes its sequence number to `head`: that write is the commit. When the log outgrows the
 * snapshot it is folded into a new snapshot generation, so loading stays one read of each file
 * and compaction cost is amortised. Each record's associated data binds the store id, generation
 * and sequence number, so records cannot be swapped, replayed or reordered.
 *
 * Freshness: before every operation `head` is read by its path and compared byte for byte with
 * the copy last read (its slots are sealed with fresh nonces, so every commit changes its bytes);
 * only when it differs are the snapshot and log read. Under the writer lock the same comparison
 * runs, and in addition the log's end is checked, so that a writer never appends at a stale
 * offset.
 *
 * Crashes and rollback: a writer killed after appending its record but before writing `head`
 * leaves one complete record that was never reported committed; the next writer commits it
 * (rolls it forward), so that rolling `head` back by one write loses nothing. More than one
 * record past `head`, a log shorter than `head` says, `head` going back below what this process
 * already saw, or a newer snapshot than `head` names are rollbacks and refused (STATE_ROLLBACK).
 * A torn append (a partial record) is dropped by the next writer.
 */
import fs from 'node:fs';
import path from 'node:path';
import { HsmError, asError, isHsmError } from '../errors.js';
import { reach } from './faults.js';
import { MAX_BYTES, ioError, openStateFile, readAt, readStateFile, writeFileAtomic } from './files.js';
import { openStateFolder, type StoreOptions } from './folder.js';

export type { StoreOptions } from './folder.js';
import {
  FileKind,
  checkVersion,
  decodePreamble,
  encodePreamble,
  integrityError,
  open,
  seal,
  tryOpen,
  SEAL_OVERHEAD_BYTES,
} from './format.js';
import { HEAD_BYTES, decodeHead, encodeHead, headSector, sealSlot, slotOffset, type HeadState } from './head.js';
import { StateLock } from './lock.js';
import { ObjectTable, collectionOf, deepFreeze, type Overlay, type ReadView, type StoredValue } from './objects.js';
import { decodeSnapshot, snapshotImage } from './snapshot.js';

export type { ReadView, StoredValue } from './objects.js';


export interface Transaction extends ReadView {
  put(key: string, value: StoredValue): void;
  /**
   * Like put, but stores `value` itself (frozen) instead of a copy: for values nothing else holds,
   * such as those just parsed from a backup, where copying 10,000 of them costs more than the rest.
   */
  adopt(key: string, value: StoredValue): void;
  delete(key: string): void;
  /**
   * Fills the collection `prefix` (a collection name, ending in '/') from `json`, the JSON text
   * of an array of [key, value] whose keys all lie directly in it, without parsing it: the text
   * is written as it is and parsed only when the collection is first read. For restores, whose
   * text comes straight from a backup. When the collection already holds objects, or once the
   * transaction reads or writes inside it, the text is parsed and its objects put one by one.
   */
  loadCollection(prefix: string, json: Buffer): void;
  /**
   * Appends `entry` to the append-only stream `name` (a sealed file of its own under streams/):
   * written and synced before the transaction commits, and counted only once it has. A stream
   * is read with Store.readStream and costs nothing to open the state.
   */
  appendToStream(name: string, entry: Buffer): void;
}

const BACKUP_FOLDER = 'backups';

/** Collections a transaction filled from JSON text (Transaction.loadCollection), not yet parsed. */
type Bulk = Map<string, Buffer>;

/** Entries a transaction appends to streams (Transaction.appendToStream). */
type Streams = Map<string, Buffer[]>;

const STREAM_FOLDER = 'streams';
/** Where the committed length of a stream's file is kept: in the state, so it commits with it. */
export const streamLengthKey = (name: string) => `stream-length/${name}`;
/**
 * Entries an earlier version kept waiting in the state (`u:` text or `b:` base64, by position):
 * still read, and moved to the file by the next append.
 */
export const streamPendingCountKey = (name: string) => `stream-pending-count/${name}`;
export const streamPendingKey = (name: string, index: number) => `stream-pending/${name}/${String(index).padStart(6, '0')}`;


function streamAad(storeId: string, name: string, offset: number): Buffer {
  return Buffer.from(`stream/${storeId}/${name}/${offset}`, 'utf8');
}

const COMMA = Buffer.from(',');

/** A loaded collection's objects, checked to lie directly in it. */
function parseCollection(prefix: string, json: Buffer): Array<[string, StoredValue]> {
  const entries = JSON.parse(json.toString('utf8')) as Array<[string, StoredValue]>;
  for (const [key] of entries) {
    if (typeof key !== 'string' || collectionOf(key) !== prefix) throw new HsmError('INTERNAL', `a loaded collection ${prefix} holds a key outside it`);
  }
  return entries;
}

function backupFileName(backupId: string): string {
  if (!/^backup-[2-7a-zA-Z]{11,16}$/.test(backupId)) throw new HsmError('INTERNAL', 'a backup file name must be a backup ID');
  return backupId;
}

const DEFAULT_COMPACT_AFTER_BYTES = 1 << 20;
const READ_RETRIES = 8;

function rollbackError(what: string): HsmError {
  return new HsmError(
    'STATE_ROLLBACK',
    `the state was rolled back: ${what}. Some state files were replaced by older copies; restore the whole state folder from one copy`,
  );
}

class MissingFile extends Error {}

const { O_RDONLY, O_NONBLOCK, O_NOFOLLOW } = fs.constants;

const sleeper = new Int32Array(new SharedArrayBuffer(4));
function sleepSync(ms: number): void {
  Atomics.wait(sleeper, 0, 0, ms);
}

function isPromiseLike(value: unknown): value is PromiseLike<unknown> {
  return typeof (value as PromiseLike<unknown> | undefined)?.then === 'function';
}

export class Store {
  private objects = new ObjectTable();
  private generation = -1;
  private seq = 0;
  /** The highest sequence number this process has seen committed: `head` never goes below it. */
  private seenSeq = 0;
  private logOffset = 0;
  private logPreamble: Buffer = Buffer.alloc(0);
  /** Size of the snapshot's plaintext: the log is folded into a new one once it outgrows this. */
  private snapshotBytes = 0;
  /** The bytes of `head` when memory was last brought up to date, and what they say. */
  private headRaw?: Buffer;
  private head: { state: HeadState; version: number } = { state: { w: 0, generation: 0, seq: 0 }, version: 2 };
  /** What `counter` said when last read (undefined: a format-1 state that has no counter yet). */
  private counter?: HeadState;
  /** Its bytes as last read or written, so that a write changes one slot of them. */
  private counterRaw?: Buffer;
  /** The generation whose folder was last checked for newer snapshots (a rollback sign). */
  private checkedGeneration = -1;
  private readonly lock: StateLock;
  private queue: Promise<unknown> = Promise.resolve();
  /** Operations queued or running; while there are none, a read may run at once. */
  private busy = 0;
  /** Shown in the lock file while this store writes: the command running now. */
  owner: string;

  private constructor(
    readonly dir: string,
    readonly storeId: string,
    private readonly dataKey: Buffer,
    private readonly options: StoreOptions,
    /** True when the folder holds no state: reads see nothing and nothing is written. */
    readonly absent = false,
  ) {
    this.lock = new StateLock(dir);
    this.owner = options.owner ?? 'cloudhsm-local';
    this.headPath = path.join(dir, 'head');
  }

  /**
   * Opens the store in `options.dir`. A folder with no state reads as empty unless
   * `options.create` is set, when a new store is made there (only in an empty folder).
   */
  static async open(options: StoreOptions): Promise<Store> {
    const found = await openStateFolder(options);
    if ('absent' in found) return new Store(found.dir, '', Buffer.alloc(0), options, true);
    const store = new Store(found.dir, found.storeId, found.dataKey, options);
    store.refresh(false);
    return store;
  }

  private file(name: string): string {
    return path.join(this.dir, name);
  }

  private loadSnapshot(generation: number): void {
    const name = `snapshot-${generation}`;
    const data = readStateFile(this.dir, name, MAX_BYTES.large);
    if (!data) throw new MissingFile(name);
    const preamble = decodePreamble(data, FileKind.snapshot, name);
    const h = preamble.header;
    if (h.storeId !== this.storeId || h.generation !== generation || !Number.isSafeInteger(h.seq)) {
      throw integrityError(name, 'it does not belong to this state');
    }
    // Nothing is parsed before the whole content authenticated (collections are parsed later).
    const content = open(this.dataKey, preamble.bytes, data.subarray(preamble.bytes.length), name);
    checkVersion(preamble, name);
    const { objects, plainBytes } = decodeSnapshot(content, preamble.version, Number(h.bytes), name);
    const logName = `log-${generation}`;
    const fd = openStateFile(this.dir, logName);
    if (fd === undefined) throw new MissingFile(logName);
    let logHead: Buffer;
    try {
      logHead = readAt(fd, 0, 4096);
    } finally {
      fs.closeSync(fd);
    }
    const expected = encodePreamble(FileKind.log, { storeId: this.storeId, generation });
    if (logHead.length < expected.length || !logHead.subarray(0, expected.length).equals(expected)) {
      decodePreamble(logHead, FileKind.log, logName);
      throw integrityError(logName, 'its header does not belong to this state');
    }
    this.objects = objects;
    this.generation = generation;
    this.seq = h.seq as number;
    this.logPreamble = expected;
    this.logOffset = expected.length;
    this.snapshotBytes = plainBytes;
  }

  private recordAad(seq: number): Buffer {
    const s = Buffer.alloc(8);
    s.writeBigUInt64BE(BigInt(seq));
    return Buffer.concat([this.logPreamble, s]);
  }

  /** The bytes of the current log from the end of what memory holds. */
  private readLogTail(): Buffer {
    const name = `log-${this.generation}`;
    const fd = openStateFile(this.dir, name);
    if (fd === undefined) throw new MissingFile(name);
    try {
      return readAt(fd, this.logOffset, MAX_BYTES.large);
    } finally {
      fs.closeSync(fd);
    }
  }

  /**
   * Walks the sealed records at the start of `data` (the log past memory), calling `apply` for
   * each that authenticates as the next sequence number, until `stop` says so. Returns how many
   * bytes the records took and why it stopped.
   */
  private walkRecords(data: Buffer, stop: (seq: number) => boolean, apply: (ops: Array<[string, StoredValue | null]>, bytes: number) => void): 'stopped' | 'end' | 'torn' | 'bad' {
    let pos = 0;
    for (let seq = this.seq + 1; ; seq++) {
      if (stop(seq)) return 'stopped';
      if (pos === data.length) return 'end';
      if (pos + 4 > data.length) return 'torn';
      const length = data.readUInt32BE(pos);
      const end = pos + 4 + length;
      if (length < SEAL_OVERHEAD_BYTES || end > data.length) return 'torn';
      const plain = tryOpen(this.dataKey, this.recordAad(seq), data.subarray(pos + 4, end));
      if (!plain) return end < data.length ? 'bad' : 'torn';
      apply(JSON.parse(plain.toString('utf8')) as Array<[string, StoredValue | null]>, 4 + length);
      pos = end;
    }
  }

  private applyRecord(ops: Array<[string, StoredValue | null]>, bytes: number): void {
    for (const [key, value] of ops) this.objects.set(key, value);
    this.seq += 1;
    this.logOffset += bytes;
  }

  /** Applies the log's records up to `headSeq`, which the log must hold. */
  private readLog(headSeq: number): void {
    if (this.seq > headSeq) throw integrityError(`snapshot-${this.generation}`, 'it is newer than head says');
    if (this.seq === headSeq) return;
    const name = `log-${this.generation}`;
    const outcome = this.walkRecords(this.readLogTail(), (seq) => seq > headSeq, (ops, bytes) => this.applyRecord(ops, bytes));
    if (outcome === 'stopped') return;
    if (outcome === 'bad') throw integrityError(name, `record ${this.seq + 1} failed authentication`);
    if (outcome === 'torn') throw integrityError(name, `record ${this.seq + 1} is cut off`);
    throw integrityError(name, `it ends at record ${this.seq} but the head says ${headSeq} were committed (the log was cut short)`);
  }

  /**
   * Under the lock, where no commit can be under way, the three files every commit changes must
   * agree: with h the changes `head` names, c those `counter` names and L the complete records
   * the log holds, h ≤ c ≤ h+1 and c ≤ L ≤ h+1 (a writer appends, then writes `counter`, then
   * `head`). One record past `head` is a writer killed before its `head` write, never reported
   * committed: it is committed now, so that rolling `head` back by one write loses nothing. A
   * partial record is a torn append, which the next commit cuts off. Anything else is a
   * rollback of some of the files.
   */
  private settleTail(): void {
    const name = `log-${this.generation}`;
    const h = this.seq;
    const c = this.counter?.seq ?? h;
    const tail = this.readLogTail();
    const found: Array<[Array<[string, StoredValue | null]>, number]> = [];
    const outcome = tail.length === 0 ? 'end' : this.walkRecords(tail, () => found.length > 1, (ops, bytes) => found.push([ops, bytes]));
    if (outcome === 'bad') throw integrityError(name, `record ${h + 1} failed authentication`);
    const L = h + found.length;
    if (c < h) throw rollbackError(`counter names ${c} changes but head names ${h}`);
    if (L > h + 1) throw rollbackError(`${name} holds records past the ${h} that head names`);
    if (c > L) throw rollbackError(`counter names ${c} changes but ${name} holds only ${L}`);
    const [first] = found;
    if (!first) return;
    this.applyRecord(...first);
    if (c < this.seq) this.writeCounter({ generation: this.generation, seq: this.seq });
    this.writeHead({ w: this.head.state.w + 1, generation: this.generation, seq: this.seq });
    this.seenSeq = Math.max(this.seenSeq, this.seq);
  }

  /**
   * Outside the lock, `counter` (read after `head`) may name changes a writer is committing now;
   * those are already in the log, since the log is written first. A log without them was rolled
   * back. Their records are checked, not applied: they are not committed until `head` names them.
   */
  private checkLogHolds(seq: number): void {
    if (seq <= this.seq) return;
    const name = `log-${this.generation}`;
    let records = 0;
    this.walkRecords(this.readLogTail(), (next) => next > seq, () => records++);
    if (this.seq + records < seq) throw rollbackError(`counter names ${seq} changes but ${name} holds only ${this.seq + records}`);
  }

  /**
   * Under the lock, once per generation: a snapshot newer than the one `head` names and holding
   * more than memory does means `head` and the log were replaced by older copies. (One holding
   * the same is what a compaction killed before its `head` write leaves behind.)
   */
  private checkNewerGenerations(): void {
    if (this.checkedGeneration === this.generation) return;
    for (const name of fs.readdirSync(this.dir)) {
      const m = /^snapshot-(\d+)$/.exec(name);
      if (!m || Number(m[1]) <= this.generation) continue;
      const data = readStateFile(this.dir, name, MAX_BYTES.large);
      if (!data) continue;
      const preamble = decodePreamble(data, FileKind.snapshot, name);
      open(this.dataKey, preamble.bytes, data.subarray(preamble.bytes.length), name);
      if (preamble.header.storeId !== this.storeId) throw integrityError(name, 'it does not belong to this state');
      if (Number(preamble.header.seq) > this.seq) throw rollbackError(`${name} holds ${String(preamble.header.seq)} changes, but head names only ${this.seq}`);
    }
    this.checkedGeneration = this.generation;
  }

  /** Reused by `headUnchanged`: one byte more than `head` holds, so a longer file reads as changed. */
  private readonly peek = Buffer.alloc(HEAD_BYTES + 1);
  private readonly headPath: string;

  /** Whether `head`, read by its path, is byte for byte what memory was last brought up to date with. */
  private headUnchanged(): boolean {
    let fd: number;
    try {
      fd = fs.openSync(this.headPath, O_RDONLY | O_NONBLOCK | O_NOFOLLOW);
    } catch {
      return false;
    }
    try {
      const n = fs.readSync(fd, this.peek, 0, this.peek.length, 0);
      return n === this.headRaw!.length && this.peek.subarray(0, n).equals(this.headRaw!);
    } catch {
      return false; // a folder or special file: the checked path reports it
    } finally {
      fs.closeSync(fd);
    }
  }

  /** Brings memory up to date with what every process has committed (`locked`: under the writer lock). */
  private refresh(locked: boolean): void {
    if (this.absent) return;
    // The common case, once per operation: nothing changed. Three system calls by path (open,
    // one read, close) and a byte comparison; anything unusual takes the checked path below.
    if (!locked && this.headRaw && this.generation >= 0 && this.headUnchanged()) return;
    for (let attempt = 0; ; attempt++) {
      try {
        const raw = readStateFile(this.dir, 'head', MAX_BYTES.small);
        if (!raw) throw integrityError('head', 'it is missing');
        if (!this.headRaw || !raw.equals(this.headRaw) || this.generation < 0) {
          const head = decodeHead(raw, this.dataKey, this.storeId);
          reach('refresh.head-read', this.dir);
          if (head.state.seq < this.seenSeq) throw rollbackError(`head names ${head.state.seq} changes, but ${this.seenSeq} were already committed`);
          const counter = this.readCounter(head.version);
          if (counter && counter.state.seq < head.state.seq) throw rollbackError(`counter names ${counter.state.seq} changes but head names ${head.state.seq}`);
          if (head.state.generation !== this.generation) {
            this.loadSnapshot(head.state.generation);
            reach('refresh.snapshot-loaded', this.dir);
          }
          this.readLog(head.state.seq);
          if (counter && counter.state.generation === head.state.generation) this.checkLogHolds(counter.state.seq);
          this.headRaw = raw;
          this.head = head;
          this.counter = counter?.state;
          this.seenSeq = Math.max(this.seenSeq, this.seq);
        } else if (locked) {
          // Under the lock `counter` must be read even when `head` did not change: a writer may
          // have been killed between the two.
          const counter = this.readCounter(this.head.version);
          this.counter = counter?.state;
        }
        if (locked) {
          this.checkNewerGenerations();
          this.settleTail();
        }
        return;
      } catch (err) {
        // A writer compacted between our reading `head` and its files: read again.
        if (err instanceof MissingFile && attempt < (this.options.readRetries ?? READ_RETRIES)) {
          this.generation = -1;
          this.headRaw = undefined;
          continue;
        }
        // Outside the lock a writer may be mid-way through a slot of head or counter: read
        // again before judging.
        if (!locked && isHsmError(err) && (err.code === 'STATE_INTEGRITY' || err.code === 'STATE_ROLLBACK') && attempt < (this.options.readRetries ?? READ_RETRIES)) {
          sleepSync(1 << Math.min(attempt, 4));
          this.generation = -1;
          this.headRaw = undefined;
          continue;
        }
        if (err instanceof MissingFile) throw integrityError(err.message, 'it is missing');
        if (err instanceof SyntaxError) throw integrityError(`log-${this.generation}`, 'a record is not valid');
        throw ioError(err, `read the state in ${this.dir}`);
      }
    }
  }

  /** Runs `fn` on the newest committed state, without taking the writer lock. */
  read<T>(fn: (view: ReadView) => T | Promise<T>): Promise<T> {
    if (this.busy > 0) return this.serialise(async () => this.readNow(fn));
    // Nothing is queued: run now. A synchronous `fn` cannot be interleaved with anything, so it
    // needs no place in the queue (this keeps an in-process call down to microseconds); one that
    // returns a promise holds the queue until it settles, as if it had been queued.
    let result: T | Promise<T>;
    try {
      result = this.readNow(fn);
    } catch (err) {
      return Promise.reject(asError(err));
    }
    if (!isPromiseLike(result)) return Promise.resolve(result);
    const run = Promise.resolve(result);
    this.hold(run);
    return run;
  }

  private readNow<T>(fn: (view: ReadView) => T | Promise<T>): T | Promise<T> {
    this.refresh(false);
    return fn(this.objects.view());
  }

  /**
   * Runs `fn` as one atomic change: lock, catch up with other processes, apply, make durable,
   * unlock. If `fn` throws, nothing is written and memory is untouched.
   */
  async transact<T>(fn: (tx: Transaction) => T | Promise<T>): Promise<T> {
    if (this.absent) return this.transactAbsent(fn);
    return this.serialise(async () => {
      await this.lock.acquire({ timeoutMs: this.options.lockTimeoutMs ?? 10_000, command: this.owner });
      try {
        this.refresh(true);
        reach('commit.locked', this.dir);
        const overlay: Overlay = new Map();
        const bulk: Bulk = new Map();
        const streams: Streams = new Map();
        const result = await fn(this.transaction(this.objects.view(overlay), overlay, bulk, streams));
        if (streams.size > 0) {
          this.appendStreams(streams, overlay);
          reach('commit.streams-written', this.dir);
        }
        if (overlay.size > 0 || bulk.size > 0) this.commit(overlay, bulk);
        return result;
      } finally {
        this.lock.release();
      }
    });
  }

  private transaction(base: ReadView, overlay: Overlay, bulk: Bulk, streams: Streams = new Map()): Transaction {
    /** Puts the objects of every loaded collection that `touches` names, parsed, into the overlay. */
    const settle = (touches: (prefix: string) => boolean): void => {
      for (const [prefix, json] of bulk) {
        if (!touches(prefix)) continue;
        bulk.delete(prefix);
        for (const [key, value] of parseCollection(prefix, json)) overlay.set(key, deepFreeze(value));
      }
    };
    const atKey = (key: string) => bulk.size > 0 && settle((prefix) => key.startsWith(prefix));
    const atPrefix = (wanted: string) => bulk.size > 0 && settle((prefix) => prefix.startsWith(wanted) || wanted.startsWith(prefix));
    return {
      get: (key) => (atKey(key), base.get(key)),
      has: (key) => (atKey(key), base.has(key)),
      list: (prefix) => (atPrefix(prefix), base.list(prefix)),
      count: (prefix) => (atPrefix(prefix), base.count(prefix)),
      lookup: (prefix, field, value) => (atPrefix(prefix), base.lookup(prefix, field, value)),
      put: (key, value) => {
        atKey(key);
        overlay.set(key, deepFreeze(structuredClone(value)));
      },
      adopt: (key, value) => {
        atKey(key);
        overlay.set(key, deepFreeze(value));
      },
      delete: (key) => {
        atKey(key);
        overlay.set(key, null);
      },
      appendToStream: (name, entry) => {
        if (!/^[a-z0-9-]{1,100}$/.test(name)) throw new HsmError('INTERNAL', `a stream name is 1-100 lowercase letters, digits and dashes, not "${name}"`);
        const list = streams.get(name) ?? [];
        list.push(entry);
        streams.set(name, list);
      },
      loadCollection: (prefix, json) => {
        if (!prefix.endsWith('/')) throw new HsmError('INTERNAL', `loadCollection takes a collection name ending in '/', not "${prefix}"`);
        atPrefix(prefix);
        if (base.count(prefix) > 0) {
          for (const [key, value] of parseCollection(prefix, json)) overlay.set(key, deepFreeze(value));
        } else bulk.set(prefix, json);
      },
    };
  }

  /**
   * Writes the entries of each stream to its file, after its committed length (a longer file is
   * what a failed or killed transaction left: cut), syncs it, and puts the new length into the
   * transaction's changes, so that the entries count once it commits and not before.
   */
  private appendStreams(streams: Streams, overlay: Overlay): void {
    const dir = this.file(STREAM_FOLDER);
    const view = this.objects.view(overlay);
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    for (const [name, appended] of streams) {
      // Entries an earlier version left waiting in the state go to the file first, and leave it.
      const pending = view.get<number>(streamPendingCountKey(name)) ?? 0;
      const entries = pending > 0 ? [...this.pendingEntries(name, view, pending), ...appended] : appended;
      for (let i = 0; i < pending; i++) overlay.set(streamPendingKey(name, i), null);
      if (pending > 0) overlay.set(streamPendingCountKey(name), null);
      const key = streamLengthKey(name);
      const committed = view.get<number>(key) ?? 0;
      // Each entry is sealed with the store, the stream and its offset: it cannot be moved.
      let offset = committed;
      const records = entries.map((entry) => {
        const sealed = seal(this.dataKey, streamAad(this.storeId, name, offset), entry);
        const frame = Buffer.alloc(4 + sealed.length);
        frame.writeUInt32BE(sealed.length, 0);
        sealed.copy(frame, 4);
        offset += frame.length;
        return frame;
      });
      const bytes = Buffer.concat(records);
      const file = path.join(dir, name);
      let fd: number | undefined;
      try {
        fd = fs.openSync(file, fs.constants.O_RDWR | fs.constants.O_CREAT, 0o600);
        if (fs.fstatSync(fd).size !== committed) fs.ftruncateSync(fd, committed);
        fs.writeSync(fd, bytes, 0, bytes.length, committed);
        fs.fsyncSync(fd);
      } catch (err) {
        throw ioError(err, `write stream ${name} in ${this.dir}`);
      } finally {
        if (fd !== undefined) fs.closeSync(fd);
      }
      overlay.set(key, committed + bytes.length);
    }
  }

  /** The entries of stream `name` waiting in the state (`count` of them), in order. */
  private pendingEntries(name: string, view: ReadView, count = view.get<number>(streamPendingCountKey(name)) ?? 0): Buffer[] {
    const out: Buffer[] = [];
    for (let i = 0; i < count; i++) {
      const text = view.get<string>(streamPendingKey(name, i));
      if (typeof text !== 'string' || !/^[ub]:/.test(text)) throw integrityError(`the state`, `entry ${i} of stream ${name} is missing`);
      out.push(text.startsWith('u:') ? Buffer.from(text.slice(2), 'utf8') : Buffer.from(text.slice(2), 'base64'));
    }
    return out;
  }

  /**
   * The committed entries of stream `name`, in order: those in its file (what a failed
   * transaction left past the committed length is not read), then those waiting in the state.
   */
  readStream(name: string, view: ReadView): Buffer[] {
    const waiting = this.pendingEntries(name, view);
    const length = view.get<number>(streamLengthKey(name)) ?? 0;
    if (length === 0) return waiting;
    const data = readStateFile(this.file(STREAM_FOLDER), name, 2 ** 31 - 1);
    if (!data || data.length < length) throw integrityError(`${STREAM_FOLDER}/${name}`, 'it is shorter than what was committed');
    const out: Buffer[] = [];
    for (let pos = 0; pos < length; ) {
      if (pos + 4 > length) throw integrityError(`${STREAM_FOLDER}/${name}`, 'an entry is cut short');
      const end = pos + 4 + data.readUInt32BE(pos);
      if (end > length) throw integrityError(`${STREAM_FOLDER}/${name}`, 'an entry is cut short');
      const plain = tryOpen(this.dataKey, streamAad(this.storeId, name, pos), data.subarray(pos + 4, end));
      if (!plain) throw integrityError(`${STREAM_FOLDER}/${name}`, `the entry at byte ${pos} failed authentication`);
      out.push(plain);
      pos = end;
    }
    return [...out, ...waiting];
  }

  /** Folds the log into a new snapshot now, as a write that grows the log far enough does. */
  async compactNow(): Promise<void> {
    if (this.absent) return;
    return this.serialise(async () => {
      await this.lock.acquire({ timeoutMs: this.options.lockTimeoutMs ?? 10_000, command: this.owner });
      try {
        this.refresh(true);
        this.compact();
      } finally {
        this.lock.release();
      }
    });
  }

  /** A folder with no state: a transaction that would write anything is refused. */
  private async transactAbsent<T>(fn: (tx: Transaction) => T | Promise<T>): Promise<T> {
    const overlay: Overlay = new Map();
    const bulk: Bulk = new Map();
    const streams: Streams = new Map();
    const result = await fn(this.transaction(this.objects.view(overlay), overlay, bulk, streams));
    if (overlay.size > 0 || bulk.size > 0 || streams.size > 0) {
      throw new HsmError('STATE_NOT_FOUND', `there is no state in ${this.dir} yet; create a cluster first with \`cluster create\` or \`cluster quickstart\``);
    }
    return result;
  }

  /**
   * Runs `fn` holding the lock named `name` (a file `lock.<name>` in the state folder), which
   * excludes every other process and store handle that asks for the same name, and nothing else.
   * The writer lock is separate: `fn` may run transactions.
   */
  async exclusive<T>(name: string, fn: () => Promise<T>): Promise<T> {
    if (this.absent) return fn();
    if (!/^[a-z0-9-]+$/.test(name)) throw new HsmError('INTERNAL', `lock name ${name} is not a plain name`);
    const lock = new StateLock(this.dir, `lock.${name}`);
    await lock.acquire({ timeoutMs: this.options.lockTimeoutMs ?? 10_000, command: this.owner });
    try {
      return await fn();
    } finally {
      lock.release();
    }
  }

  /** Runs `fn` after every operation queued before it. */
  private serialise<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(fn, fn);
    this.hold(run);
    return run;
  }

  /** Keeps later operations queued until `run` settles. */
  private hold(run: Promise<unknown>): void {
    this.busy++;
    const done = () => {
      this.busy--;
    };
    this.queue = run.then(done, done);
  }

  private commit(overlay: Overlay, bulk: Bulk): void {
    const seq = this.seq + 1;
    // One JSON array of [key, value]: the overlay's, then each loaded collection's, as it came.
    const parts = [Buffer.from(JSON.stringify([...overlay]), 'utf8'), ...bulk.values()].map((json) => json.subarray(1, -1)).filter((inner) => inner.length > 0);
    const plain = Buffer.concat([Buffer.from('['), ...parts.flatMap((inner, i) => (i === 0 ? [inner] : [COMMA, inner])), Buffer.from(']')]);
    const sealed = seal(this.dataKey, this.recordAad(seq), plain);
    const record = Buffer.alloc(4 + sealed.length);
    record.writeUInt32BE(sealed.length, 0);
    sealed.copy(record, 4);
    const logName = `log-${this.generation}`;
    let fd: number | undefined;
    try {
      fd = openStateFile(this.dir, logName, true);
      if (fd === undefined) throw integrityError(logName, 'it is missing');
      // Drop a torn tail left by a killed writer, then append at the committed end.
      if (fs.fstatSync(fd).size !== this.logOffset) fs.ftruncateSync(fd, this.logOffset);
      fs.writeSync(fd, record, 0, record.length, this.logOffset);
      fs.fsyncSync(fd);
      reach('commit.log-appended', this.dir);
    } catch (err) {
      // Nothing else was written: take the record back, so that no later writer rolls it forward.
      if (fd !== undefined) {
        try {
          fs.ftruncateSync(fd, this.logOffset);
        } catch {
          /* counter and head were not written: a later writer sees at most this one record past them */
        }
        fs.closeSync(fd);
      }
      throw ioError(err, `write the state in ${this.dir}`);
    }
    fs.closeSync(fd);
    try {
      this.writeCounter({ generation: this.generation, seq });
      reach('commit.counter-written', this.dir);
      this.writeHead({ w: this.head.state.w + 1, generation: this.generation, seq });
    } catch (err) {
      // The record is durable but not committed; the next writer commits it (settleTail).
      this.generation = -1;
      this.headRaw = undefined;
      const cause = isHsmError(err) ? err.message : (err as Error).message;
      throw new HsmError(
        'STATE_IO',
        `the change was saved in the log of ${this.dir}, but recording its commit failed (${cause}); the next command that writes completes it. Check the disk`,
        { cause: err },
      );
    }
    for (const [key, value] of overlay) this.objects.set(key, value);
    for (const [prefix, json] of bulk) this.objects.loadCollection(prefix, json);
    this.seq = seq;
    this.seenSeq = Math.max(this.seenSeq, seq);
    this.logOffset += record.length;
    reach('commit.head-written', this.dir);
    const limit = Math.max(this.options.compactAfterBytes ?? DEFAULT_COMPACT_AFTER_BYTES, this.snapshotBytes);
    if (this.logOffset > limit) this.compact();
  }

  /**
   * Writes `state` to `head`: in place into its slot (format 2), or, the first time after a
   * format-1 head, as a whole new file. Memory's copy of `head` follows.
   */
  /** The `counter` file; absent only in a format-1 state that has not been written since. */
  private readCounter(headVersion: number): { state: HeadState; raw: Buffer } | undefined {
    const raw = readStateFile(this.dir, 'counter', MAX_BYTES.small);
    if (!raw) {
      if (headVersion >= 2) throw integrityError('counter', 'it is missing');
      this.counterRaw = undefined;
      return undefined;
    }
    const { state } = decodeHead(raw, this.dataKey, this.storeId, 'counter');
    this.counterRaw = raw;
    return { state, raw };
  }

  /** Writes the next `counter` record (in place, or the whole file the first time). */
  private writeCounter(next: { generation: number; seq: number }): void {
    const previous = this.counter;
    const state: HeadState = { w: (previous?.w ?? 0) + 1, ...next };
    this.counter = undefined;
    if (!previous || !this.counterRaw) {
      const data = encodeHead(this.dataKey, this.storeId, state, { ...(previous ?? next), w: state.w - 1 }, 'counter');
      this.counterRaw = undefined;
      writeFileAtomic(this.file('counter'), data);
      this.counterRaw = data;
    } else {
      this.counterRaw = this.writeSlot('counter', this.counterRaw, state);
    }
    this.counter = state;
  }

  /** Writes `state` into its slot of `name` in place and makes it durable; returns the new bytes. */
  private writeSlot(name: 'head' | 'counter', current: Buffer, state: HeadState): Buffer {
    const slot = sealSlot(this.dataKey, headSector(this.storeId, name), state);
    const at = slotOffset(state.w);
    const fd = openStateFile(this.dir, name, true);
    if (fd === undefined) throw integrityError(name, 'it is missing');
    try {
      fs.writeSync(fd, slot, 0, slot.length, at);
      fs.fdatasyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    const raw = Buffer.from(current);
    slot.copy(raw, at);
    return raw;
  }

  private writeHead(state: HeadState): void {
    if (this.head.version !== 2 || !this.headRaw) {
      const data = encodeHead(this.dataKey, this.storeId, state, { ...this.head.state, w: state.w - 1 });
      this.headRaw = undefined;
      writeFileAtomic(this.file('head'), data);
      this.headRaw = data;
      this.head = { state, version: 2 };
      return;
    }
    const current = this.headRaw;
    this.headRaw = undefined;
    this.headRaw = this.writeSlot('head', current, state);
    this.head = { state, version: 2 };
  }

  /** Folds the log into a new snapshot generation. Runs under the lock after a commit. */
  private compact(): void {
    const generation = this.generation + 1;
    try {
      const { image, plainBytes } = snapshotImage(this.dataKey, { storeId: this.storeId, generation, seq: this.seq }, this.objects.chunks());
      writeFileAtomic(this.file(`snapshot-${generation}`), image);
      reach('compact.snapshot-written', this.dir);
      const logPreamble = encodePreamble(FileKind.log, { storeId: this.storeId, generation });
      writeFileAtomic(this.file(`log-${generation}`), logPreamble);
      reach('compact.log-written', this.dir);
      this.writeCounter({ generation, seq: this.seq });
      this.writeHead({ w: this.head.state.w + 1, generation, seq: this.seq });
      const previous = this.generation;
      this.generation = generation;
      this.checkedGeneration = generation;
      this.logPreamble = logPreamble;
      this.logOffset = logPreamble.length;
      this.snapshotBytes = plainBytes;
      reach('compact.head-written', this.dir);
      for (const name of fs.readdirSync(this.dir)) {
        const m = /^(snapshot|log)-(\d+)$/.exec(name);
        if (m && Number(m[2]) <= previous) fs.rmSync(this.file(name), { force: true });
        // Temp files are only written under the lock we hold: any left over is from a killed writer.
        else if (name.endsWith('.tmp')) fs.rmSync(this.file(name), { force: true });
      }
      reach('compact.cleaned', this.dir);
    } catch {
      // Compaction is an optimisation: the committed change is already durable, and a later
      // writer retries. Force a full reload so memory matches whatever `head` now says.
      this.generation = -1;
      this.headRaw = undefined;
    }
  }

  /**
   * Parses every collection of the snapshot that nothing has read yet. A caller about to wait on
   * the threadpool (scrypt) calls this first, so that the parsing happens while it would idle.
   */
  warm(): void {
    this.objects.warm();
  }

  /**
   * Backup files (cluster.md §8) live beside the store, one sealed file each under `backups/`,
   * outside the snapshot and the log: ordinary operations never read or rewrite them, so their
   * cost does not depend on how many backups are kept. The store's records say which exist.
   */
  writeBackupFile(backupId: string, bytes: Buffer): void {
    if (this.absent) throw new HsmError('INTERNAL', 'a backup was written to a folder with no state');
    const dir = this.file(BACKUP_FOLDER);
    try {
      fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
      writeFileAtomic(path.join(dir, backupFileName(backupId)), bytes);
    } catch (err) {
      throw ioError(err, `write backup ${backupId}`);
    }
  }

  /** A backup file's bytes, or undefined when it does not exist. */
  readBackupFile(backupId: string): Buffer | undefined {
    return readStateFile(this.file(BACKUP_FOLDER), backupFileName(backupId), MAX_BYTES.large);
  }

  /** The IDs of the backup files present (for the sweep of files a failed transaction left). */
  listBackupFiles(): string[] {
    try {
      return fs.readdirSync(this.file(BACKUP_FOLDER)).filter((name) => /^backup-[2-7a-zA-Z]{11,16}$/.test(name));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw ioError(err, 'list the backup files');
    }
  }

  removeBackupFile(backupId: string): void {
    fs.rmSync(path.join(this.file(BACKUP_FOLDER), backupFileName(backupId)), { force: true });
  }

  /** Number of committed transactions (for tests and diagnostics). */
  get committedSeq(): number {
    return this.seq;
  }
}
