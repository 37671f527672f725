/**
 * The encrypted, multi-process object store that plays the HSM's non-volatile memory.
 *
 * Layout of a state folder (README "State folder"):
 *   seal.key        32 random bytes: the sealing key (absent when a passphrase seals the state)
 *   keyring         the data key, sealed by the sealing key (or by scrypt(passphrase))
 *   head            sealed {generation, seq}: the newest committed transaction
 *   snapshot-<g>    sealed image of every object as of the start of generation g (snapshot.ts)
 *   log-<g>         append-only sealed records, one per committed transaction after the snapshot
 *   lock            the writer lock (see lock.ts)
 *
 * A change appends one record (cost independent of the number of objects), fsyncs it, then
 * atomically replaces `head`. When the log outgrows the snapshot it is folded into a new
 * snapshot generation, so loading stays one read of each file and compaction cost is amortised.
 * Each record's associated data binds the store id, generation and sequence number, so records
 * cannot be swapped, replayed or reordered; `head` catches a log cut short at a record boundary.
 * A record that a killed writer left half-written past `head` was never reported committed and
 * is dropped by the next writer.
 */
import { randomBytes, scrypt as scryptCallback } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { HsmError, isHsmError } from '../errors.js';
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
import { StateLock } from './lock.js';
import { ObjectTable, deepFreeze, type Overlay, type ReadView, type StoredValue } from './objects.js';
import { decodeSnapshot, encodeSnapshot } from './snapshot.js';

export type { ReadView, StoredValue } from './objects.js';

export interface StoreOptions {
  dir: string;
  /** CLOUDHSM_STATE_PASSPHRASE, passed in by the caller (core reads no environment). */
  passphrase?: string;
  /** How long a writer waits for the lock before failing with STATE_LOCKED. */
  lockTimeoutMs?: number;
  /** Shown to other processes while this one holds the lock (a command id, never arguments). */
  owner?: string;
  /** Fold the log into a new snapshot once it exceeds this many bytes (and the snapshot size). */
  compactAfterBytes?: number;
}

export interface Transaction extends ReadView {
  put(key: string, value: StoredValue): void;
  delete(key: string): void;
}

const SCRYPT = { N: 1 << 15, r: 8, p: 1, keyBytes: 32 } as const;
const DEFAULT_COMPACT_AFTER_BYTES = 1 << 20;
const READ_RETRIES = 8;

function scrypt(passphrase: string, salt: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    scryptCallback(
      passphrase,
      salt,
      SCRYPT.keyBytes,
      { N: SCRYPT.N, r: SCRYPT.r, p: SCRYPT.p, maxmem: 256 * SCRYPT.N * SCRYPT.r },
      (err, key) => (err ? reject(err) : resolve(key)),
    ),
  );
}

function fsyncDir(dir: string): void {
  const fd = fs.openSync(dir, 'r');
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

/** Writes `data` to `file` atomically: temp file, fsync, rename, fsync the folder. */
function writeFileAtomic(file: string, data: Buffer): void {
  const tmp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  const fd = fs.openSync(tmp, 'wx', 0o600);
  try {
    fs.writeSync(fd, data);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(tmp, file);
  fsyncDir(path.dirname(file));
}

/**
 * A snapshot file holding `chunks` (snapshot.ts), and the size of their JSON. Its header gives
 * that size, so that a reader inflates into one buffer of the right size.
 */
function snapshotImage(
  dataKey: Buffer,
  header: { storeId: string; generation: number; seq: number },
  chunks: Array<[string, Buffer]>,
): { image: Buffer; plainBytes: number } {
  const { content, plainBytes } = encodeSnapshot(chunks);
  const preamble = encodePreamble(FileKind.snapshot, { ...header, bytes: plainBytes });
  return { image: Buffer.concat([preamble, seal(dataKey, preamble, content)]), plainBytes };
}

function readIfExists(file: string): Buffer | undefined {
  try {
    return fs.readFileSync(file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

function ioError(err: unknown, what: string): HsmError {
  if (isHsmError(err)) return err;
  return new HsmError('STATE_IO', `cannot ${what}: ${(err as Error).message}`, { cause: err });
}

class MissingFile extends Error {}

/**
 * What identifies one version of `head`. Every commit replaces the file (a new inode and times);
 * replacing it also changes the old inode's link count and change time, which is how an open
 * descriptor of the old file tells that it is no longer the one at `head`.
 */
type HeadIdentity = Pick<fs.BigIntStats, 'ino' | 'size' | 'mtimeNs' | 'ctimeNs' | 'nlink'>;

function sameHead(a: HeadIdentity | undefined, b: HeadIdentity | undefined): boolean {
  return (
    a !== undefined &&
    b !== undefined &&
    a.ino === b.ino &&
    a.size === b.size &&
    a.mtimeNs === b.mtimeNs &&
    a.ctimeNs === b.ctimeNs &&
    a.nlink === b.nlink
  );
}

/** Closes the `head` descriptor of a store that was dropped without being closed. */
const headDescriptors = new FinalizationRegistry<number>((fd) => fs.close(fd, () => undefined));

function isPromiseLike(value: unknown): value is PromiseLike<unknown> {
  return typeof (value as PromiseLike<unknown> | undefined)?.then === 'function';
}

export class Store {
  private objects = new ObjectTable();
  private generation = -1;
  private seq = 0;
  private logOffset = 0;
  private logPreamble: Buffer = Buffer.alloc(0);
  /** Size of the snapshot's plaintext: the log is folded into a new one once it outgrows this. */
  private snapshotBytes = 0;
  private readonly lock: StateLock;
  private queue: Promise<unknown> = Promise.resolve();
  /** Operations queued or running; while there are none, a read may run at once. */
  private busy = 0;

  private constructor(
    readonly dir: string,
    readonly storeId: string,
    private readonly dataKey: Buffer,
    private readonly options: StoreOptions,
  ) {
    this.lock = new StateLock(dir);
  }

  /** Opens the store in `options.dir`, creating an empty one when the folder holds none. */
  static async open(options: StoreOptions): Promise<Store> {
    const dir = path.resolve(options.dir);
    try {
      fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
      fs.chmodSync(dir, 0o700);
    } catch (err) {
      throw ioError(err, `create the state folder ${dir}`);
    }
    let keyring = readIfExists(path.join(dir, 'keyring'));
    if (!keyring) {
      const lock = new StateLock(dir);
      await lock.acquire({ timeoutMs: options.lockTimeoutMs ?? 10_000, command: 'initialise state' });
      try {
        keyring = readIfExists(path.join(dir, 'keyring')) ?? Store.initialise(dir, options.passphrase === undefined ? undefined : await Store.newPassphraseKey(options.passphrase));
      } catch (err) {
        throw ioError(err, `initialise the state folder ${dir}`);
      } finally {
        lock.release();
      }
    }
    const { storeId, dataKey } = await Store.unlock(dir, keyring, options.passphrase);
    const store = new Store(dir, storeId, dataKey, options);
    store.refresh();
    return store;
  }

  private static async newPassphraseKey(passphrase: string): Promise<{ salt: Buffer; key: Buffer }> {
    if (passphrase.length === 0) {
      throw new HsmError('STATE_PASSPHRASE', 'CLOUDHSM_STATE_PASSPHRASE is set but empty; give a passphrase or unset it');
    }
    const salt = randomBytes(16);
    return { salt, key: await scrypt(passphrase, salt) };
  }

  /** Creates the files of an empty store; returns the keyring bytes. Runs under the lock. */
  private static initialise(dir: string, passphraseKey: { salt: Buffer; key: Buffer } | undefined): Buffer {
    const storeId = randomBytes(16).toString('hex');
    let sealingKey: Buffer;
    let sealing: Record<string, unknown>;
    if (passphraseKey) {
      sealingKey = passphraseKey.key;
      sealing = { type: 'scrypt', N: SCRYPT.N, r: SCRYPT.r, p: SCRYPT.p, salt: passphraseKey.salt.toString('base64') };
    } else {
      sealingKey = randomBytes(32);
      sealing = { type: 'seal-key' };
      writeFileAtomic(
        path.join(dir, 'seal.key'),
        Buffer.concat([encodePreamble(FileKind.sealKey, { storeId }), sealingKey]),
      );
    }
    const dataKey = randomBytes(32);
    const preamble = encodePreamble(FileKind.keyring, { storeId, sealing });
    const keyring = Buffer.concat([preamble, seal(sealingKey, preamble, dataKey)]);
    writeFileAtomic(path.join(dir, 'snapshot-0'), snapshotImage(dataKey, { storeId, generation: 0, seq: 0 }, []).image);
    writeFileAtomic(path.join(dir, 'log-0'), encodePreamble(FileKind.log, { storeId, generation: 0 }));
    const headPreamble = encodePreamble(FileKind.head, { storeId });
    writeFileAtomic(
      path.join(dir, 'head'),
      Buffer.concat([headPreamble, seal(dataKey, headPreamble, Buffer.from(JSON.stringify({ generation: 0, seq: 0 })))]),
    );
    // The keyring is written last: its presence marks a complete store.
    writeFileAtomic(path.join(dir, 'keyring'), keyring);
    return keyring;
  }

  private static async unlock(
    dir: string,
    keyring: Buffer,
    passphrase: string | undefined,
  ): Promise<{ storeId: string; dataKey: Buffer }> {
    const preamble = decodePreamble(keyring, FileKind.keyring, 'keyring');
    const storeId = preamble.header.storeId;
    const sealing = preamble.header.sealing as Record<string, unknown> | undefined;
    if (typeof storeId !== 'string' || !sealing) throw integrityError('keyring', 'its header is incomplete');
    const blob = keyring.subarray(preamble.bytes.length);
    if (sealing.type === 'scrypt') {
      if (passphrase === undefined) {
        throw new HsmError(
          'STATE_PASSPHRASE',
          `the state in ${dir} is sealed with a passphrase; set CLOUDHSM_STATE_PASSPHRASE to open it`,
        );
      }
      const salt = Buffer.from(String(sealing.salt), 'base64');
      const key = await new Promise<Buffer>((resolve, reject) =>
        scryptCallback(
          passphrase,
          salt,
          SCRYPT.keyBytes,
          { N: Number(sealing.N), r: Number(sealing.r), p: Number(sealing.p), maxmem: 512 * 1024 * 1024 },
          (err, k) => (err ? reject(integrityError('keyring', 'its passphrase parameters are invalid')) : resolve(k)),
        ),
      );
      const dataKey = tryOpen(key, preamble.bytes, blob);
      if (!dataKey) {
        throw new HsmError(
          'STATE_INTEGRITY',
          `state file keyring could not be unsealed: CLOUDHSM_STATE_PASSPHRASE is wrong, or the keyring file was modified`,
          { details: { file: 'keyring' } },
        );
      }
      checkVersion(preamble, 'keyring');
      return { storeId, dataKey };
    }
    if (sealing.type !== 'seal-key') throw integrityError('keyring', 'it names an unknown sealing method');
    if (passphrase !== undefined) {
      throw new HsmError(
        'STATE_PASSPHRASE',
        `the state in ${dir} is sealed with its seal.key file, not a passphrase; unset CLOUDHSM_STATE_PASSPHRASE`,
      );
    }
    const sealKeyFile = readIfExists(path.join(dir, 'seal.key'));
    if (!sealKeyFile) throw integrityError('seal.key', 'it is missing');
    if (sealKeyFile.length < 32) throw integrityError('seal.key', 'it is cut off');
    const sealingKey = sealKeyFile.subarray(sealKeyFile.length - 32);
    const dataKey = tryOpen(sealingKey, preamble.bytes, blob);
    if (!dataKey) {
      throw new HsmError(
        'STATE_INTEGRITY',
        'state files keyring and seal.key do not match: one of them was modified. Restore the state folder from a copy',
        { details: { file: 'keyring' } },
      );
    }
    // seal.key is not itself sealed, so its preamble must match byte for byte.
    const expected = encodePreamble(FileKind.sealKey, { storeId });
    if (sealKeyFile.length !== expected.length + 32 || !sealKeyFile.subarray(0, expected.length).equals(expected)) {
      throw integrityError('seal.key', 'its header does not belong to this state');
    }
    checkVersion(preamble, 'keyring');
    return { storeId, dataKey };
  }

  private file(name: string): string {
    return path.join(this.dir, name);
  }

  /** An open descriptor of the `head` file last seen, so that checking it needs no path lookup. */
  private headFd?: number;

  /**
   * The identity of `head` now. This runs before every operation, so while nothing changed it
   * costs one fstat of the open descriptor; when that file changed or was replaced, `head` is
   * opened again by its path.
   */
  private headIdentity(): HeadIdentity | undefined {
    if (this.headFd !== undefined) {
      const held = fs.fstatSync(this.headFd, { bigint: true });
      if (sameHead(held, this.headSeen)) return held;
      headDescriptors.unregister(this);
      fs.closeSync(this.headFd);
      this.headFd = undefined;
    }
    try {
      this.headFd = fs.openSync(this.file('head'), 'r');
    } catch {
      return undefined;
    }
    headDescriptors.register(this, this.headFd, this);
    return fs.fstatSync(this.headFd, { bigint: true });
  }

  private readHead(): { generation: number; seq: number } {
    const data = readIfExists(this.file('head'));
    if (!data) throw integrityError('head', 'it is missing');
    const preamble = decodePreamble(data, FileKind.head, 'head');
    if (preamble.header.storeId !== this.storeId) throw integrityError('head', 'it belongs to another state');
    const head = JSON.parse(open(this.dataKey, preamble.bytes, data.subarray(preamble.bytes.length), 'head').toString('utf8'));
    checkVersion(preamble, 'head');
    return { generation: Number(head.generation), seq: Number(head.seq) };
  }

  private loadSnapshot(generation: number): void {
    const name = `snapshot-${generation}`;
    const data = readIfExists(this.file(name));
    if (!data) throw new MissingFile(name);
    const preamble = decodePreamble(data, FileKind.snapshot, name);
    const h = preamble.header;
    if (h.storeId !== this.storeId || h.generation !== generation || typeof h.seq !== 'number') {
      throw integrityError(name, 'it does not belong to this state');
    }
    // Nothing is parsed before the whole content authenticated (collections are parsed later).
    const content = open(this.dataKey, preamble.bytes, data.subarray(preamble.bytes.length), name);
    checkVersion(preamble, name);
    const { objects, plainBytes } = decodeSnapshot(content, preamble.version, Number(h.bytes), name);
    const logName = `log-${generation}`;
    const logHead = Buffer.alloc(4096);
    let fd: number;
    try {
      fd = fs.openSync(this.file(logName), 'r');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new MissingFile(logName);
      throw err;
    }
    let n: number;
    try {
      n = fs.readSync(fd, logHead, 0, logHead.length, 0);
    } finally {
      fs.closeSync(fd);
    }
    const expected = encodePreamble(FileKind.log, { storeId: this.storeId, generation });
    if (n < expected.length || !logHead.subarray(0, expected.length).equals(expected)) {
      decodePreamble(logHead.subarray(0, n), FileKind.log, logName);
      throw integrityError(logName, 'its header does not belong to this state');
    }
    this.objects = objects;
    this.generation = generation;
    this.seq = h.seq;
    this.logPreamble = expected;
    this.logOffset = expected.length;
    this.snapshotBytes = plainBytes;
  }

  private recordAad(seq: number): Buffer {
    const s = Buffer.alloc(8);
    s.writeBigUInt64BE(BigInt(seq));
    return Buffer.concat([this.logPreamble, s]);
  }

  /** Reads the records appended since the last read; applies them to memory. */
  private readLog(headSeq: number): void {
    const name = `log-${this.generation}`;
    let data: Buffer;
    const fd = (() => {
      try {
        return fs.openSync(this.file(name), 'r');
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new MissingFile(name);
        throw err;
      }
    })();
    try {
      const size = fs.fstatSync(fd).size;
      data = Buffer.alloc(Math.max(0, size - this.logOffset));
      let read = 0;
      while (read < data.length) {
        const n = fs.readSync(fd, data, read, data.length - read, this.logOffset + read);
        if (n === 0) break;
        read += n;
      }
      data = data.subarray(0, read);
    } finally {
      fs.closeSync(fd);
    }
    let pos = 0;
    while (pos + 4 <= data.length) {
      const length = data.readUInt32BE(pos);
      const seq = this.seq + 1;
      const end = pos + 4 + length;
      if (length < SEAL_OVERHEAD_BYTES || end > data.length) {
        if (seq <= headSeq) throw integrityError(name, `record ${seq} is cut off`);
        break; // a torn append by a writer that was killed before committing
      }
      const plain = tryOpen(this.dataKey, this.recordAad(seq), data.subarray(pos + 4, end));
      if (!plain) {
        if (seq <= headSeq || end < data.length) throw integrityError(name, `record ${seq} failed authentication`);
        break;
      }
      const ops = JSON.parse(plain.toString('utf8')) as Array<[string, StoredValue | null]>;
      for (const [key, value] of ops) this.objects.set(key, value);
      this.seq = seq;
      this.logOffset += 4 + length;
      pos = end;
    }
    if (this.seq < headSeq) {
      throw integrityError(name, `it ends at record ${this.seq} but the head says ${headSeq} were committed (the log was cut short)`);
    }
  }

  /** Identity of the `head` file when memory was last brought up to date. */
  private headSeen?: HeadIdentity;

  /** Brings memory up to date with what every process has committed. */
  private refresh(): void {
    for (let attempt = 0; ; attempt++) {
      try {
        // Every commit replaces `head` (a new inode and times), so an unchanged `head` means
        // nothing was committed since the last refresh: skip reading and decrypting anything.
        const seen = this.headIdentity();
        if (sameHead(seen, this.headSeen) && this.generation >= 0) return;
        const head = this.readHead();
        if (head.generation !== this.generation) this.loadSnapshot(head.generation);
        this.readLog(head.seq);
        this.headSeen = seen;
        return;
      } catch (err) {
        // A writer compacted between our reading `head` and its files: read again.
        if (err instanceof MissingFile && attempt < READ_RETRIES) {
          this.generation = -1;
          continue;
        }
        if (err instanceof MissingFile) throw integrityError(err.message, 'it is missing');
        if (err instanceof SyntaxError) throw integrityError('head', 'its contents are not valid');
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
      return Promise.reject(err);
    }
    if (!isPromiseLike(result)) return Promise.resolve(result);
    const run = Promise.resolve(result);
    this.hold(run);
    return run;
  }

  private readNow<T>(fn: (view: ReadView) => T | Promise<T>): T | Promise<T> {
    this.refresh();
    return fn(this.objects.view());
  }

  /**
   * Runs `fn` as one atomic change: lock, catch up with other processes, apply, make durable,
   * unlock. If `fn` throws, nothing is written and memory is untouched.
   */
  async transact<T>(fn: (tx: Transaction) => T | Promise<T>): Promise<T> {
    return this.serialise(async () => {
      await this.lock.acquire({ timeoutMs: this.options.lockTimeoutMs ?? 10_000, command: this.options.owner ?? 'cloudhsm-local' });
      try {
        this.refresh();
        const overlay: Overlay = new Map();
        const base = this.objects.view(overlay);
        const tx: Transaction = {
          ...base,
          put: (key, value) => {
            overlay.set(key, deepFreeze(structuredClone(value)));
          },
          delete: (key) => {
            overlay.set(key, null);
          },
        };
        const result = await fn(tx);
        if (overlay.size > 0) this.commit(overlay);
        return result;
      } finally {
        this.lock.release();
      }
    });
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

  private commit(overlay: Overlay): void {
    const seq = this.seq + 1;
    const plain = Buffer.from(JSON.stringify([...overlay]), 'utf8');
    const sealed = seal(this.dataKey, this.recordAad(seq), plain);
    const record = Buffer.alloc(4 + sealed.length);
    record.writeUInt32BE(sealed.length, 0);
    sealed.copy(record, 4);
    const logFile = this.file(`log-${this.generation}`);
    try {
      const fd = fs.openSync(logFile, 'r+');
      try {
        // Drop a torn tail left by a killed writer, then append at the committed end.
        if (fs.fstatSync(fd).size !== this.logOffset) fs.ftruncateSync(fd, this.logOffset);
        fs.writeSync(fd, record, 0, record.length, this.logOffset);
        fs.fsyncSync(fd);
      } catch (err) {
        try {
          fs.ftruncateSync(fd, this.logOffset);
        } catch {
          /* the next writer truncates it */
        }
        throw err;
      } finally {
        fs.closeSync(fd);
      }
      this.writeHead(this.generation, seq);
    } catch (err) {
      throw ioError(err, `write the state in ${this.dir}`);
    }
    for (const [key, value] of overlay) this.objects.set(key, value);
    this.seq = seq;
    this.logOffset += record.length;
    const limit = Math.max(this.options.compactAfterBytes ?? DEFAULT_COMPACT_AFTER_BYTES, this.snapshotBytes);
    if (this.logOffset > limit) this.compact();
    // Under the lock, `head` is what this process just wrote and memory matches it: note it, so
    // that the next operation does not read back its own commit. (A failed compaction asked for
    // a full reload instead.)
    if (this.generation >= 0) this.headSeen = this.headIdentity();
  }

  private writeHead(generation: number, seq: number): void {
    const preamble = encodePreamble(FileKind.head, { storeId: this.storeId });
    writeFileAtomic(
      this.file('head'),
      Buffer.concat([preamble, seal(this.dataKey, preamble, Buffer.from(JSON.stringify({ generation, seq })))]),
    );
  }

  /** Folds the log into a new snapshot generation. Runs under the lock after a commit. */
  private compact(): void {
    const generation = this.generation + 1;
    try {
      const { image, plainBytes } = snapshotImage(this.dataKey, { storeId: this.storeId, generation, seq: this.seq }, this.objects.chunks());
      writeFileAtomic(this.file(`snapshot-${generation}`), image);
      const logPreamble = encodePreamble(FileKind.log, { storeId: this.storeId, generation });
      writeFileAtomic(this.file(`log-${generation}`), logPreamble);
      this.writeHead(generation, this.seq);
      const previous = this.generation;
      this.generation = generation;
      this.logPreamble = logPreamble;
      this.logOffset = logPreamble.length;
      this.snapshotBytes = plainBytes;
      for (const name of fs.readdirSync(this.dir)) {
        const m = /^(snapshot|log)-(\d+)$/.exec(name);
        if (m && Number(m[2]) <= previous) fs.rmSync(this.file(name), { force: true });
        // Temp files are only written under the lock we hold: any left over is from a killed writer.
        else if (name.endsWith('.tmp')) fs.rmSync(this.file(name), { force: true });
      }
    } catch {
      // Compaction is an optimisation: the committed change is already durable, and a later
      // writer retries. Force a full reload so memory matches whatever `head` now says.
      this.generation = -1;
      this.headSeen = undefined;
    }
  }

  /**
   * Parses every collection of the snapshot that nothing has read yet. A caller about to wait on
   * the threadpool (scrypt) calls this first, so that the parsing happens while it would idle.
   */
  warm(): void {
    this.objects.warm();
  }

  /** Number of committed transactions (for tests and diagnostics). */
  get committedSeq(): number {
    return this.seq;
  }
}
