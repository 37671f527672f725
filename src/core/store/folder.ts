/**
 * The state folder as a whole: telling a state folder from an empty or foreign one, creating a
 * new store (only where none has existed), and unsealing the data key from `keyring` with
 * `seal.key` or the passphrase (README "State folder", "Security").
 */
import { randomBytes, scrypt as scryptCallback } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { HsmError } from '../errors.js';
import { reach } from './faults.js';
import { MAX_BYTES, fsyncDir, ioError, readStateFile, writeFileAtomic } from './files.js';
import { FileKind, checkVersion, decodePreamble, encodePreamble, integrityError, seal, tryOpen } from './format.js';
import { encodeHead } from './head.js';
import { StateLock } from './lock.js';
import { snapshotImage } from './snapshot.js';

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
  /**
   * Whether this open may create a new store when the folder holds none (only commands that
   * create a cluster do). Without it, a folder with no state reads as empty and is never written.
   */
  create?: boolean;
  /**
   * How many times a read outside the writer lock that finds a state file damaged or missing
   * reads again (a writer may be mid-way through it) before judging: 8 by default, about 80 ms
   * in all. Tests that damage files on purpose set fewer.
   */
  readRetries?: number;
}

const SCRYPT = { N: 1 << 15, r: 8, p: 1, keyBytes: 32 } as const;
/**
 * The scrypt parameters a keyring may name. They are read before anything authenticates them,
 * so they are bounded first: an edited header must not buy minutes of CPU or gigabytes of memory.
 */
const SCRYPT_BOUNDS = { minLog2N: 14, maxLog2N: 17, maxR: 8, maxP: 2, minSaltBytes: 16, maxSaltBytes: 64 } as const;
/** Files that only a cloudhsm-local state folder holds. */
const STATE_FILE = /^(seal\.key|keyring|head|counter|snapshot-\d+|log-\d+|backups)$/;
/** Files that may be left in a folder by an interrupted initialisation or a killed writer. */
const LEFTOVER = /^(lock|lock\..+|initialising|.*\.tmp)$/;
/** Written first when a store is created and removed once its keyring completes it. */
const INITIALISING = 'initialising';

function scrypt(passphrase: string, salt: Buffer, params: { N: number; r: number; p: number }): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    scryptCallback(
      passphrase,
      salt,
      SCRYPT.keyBytes,
      { ...params, maxmem: 256 * params.N * params.r + 1024 * 1024 },
      (err, key) => (err ? reject(err) : resolve(key)),
    ),
  );
}

/** The scrypt parameters of a keyring header, refused unless inside SCRYPT_BOUNDS. */
function scryptParams(sealing: Record<string, unknown>): { N: number; r: number; p: number; salt: Buffer } {
  const { N, r, p, salt } = sealing;
  const b = SCRYPT_BOUNDS;
  const log2N = typeof N === 'number' ? Math.log2(N) : NaN;
  const saltBytes = typeof salt === 'string' ? Buffer.from(salt, 'base64') : Buffer.alloc(0);
  if (
    !Number.isInteger(log2N) || log2N < b.minLog2N || log2N > b.maxLog2N ||
    !Number.isInteger(r) || (r as number) < 1 || (r as number) > b.maxR ||
    !Number.isInteger(p) || (p as number) < 1 || (p as number) > b.maxP ||
    saltBytes.length < b.minSaltBytes || saltBytes.length > b.maxSaltBytes
  ) {
    throw integrityError('keyring', 'its passphrase parameters are outside the bounds cloudhsm-local writes');
  }
  return { N: N as number, r: r as number, p: p as number, salt: saltBytes };
}

/** What a folder holds, as far as creating a store there is concerned. */
function survey(dir: string): { exists: boolean; stateFiles: string[]; foreign: string[]; initialising: boolean } {
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return { exists: false, stateFiles: [], foreign: [], initialising: false };
    if (code === 'ENOTDIR') throw new HsmError('STATE_IO', `the state folder ${dir} is a file, not a folder; give --state-dir a folder`);
    throw ioError(err, `read the state folder ${dir}`);
  }
  return {
    exists: true,
    stateFiles: names.filter((n) => STATE_FILE.test(n)).sort(),
    // Hidden files (a checkout's state/.gitignore, .DS_Store) do not make a folder someone's.
    foreign: names.filter((n) => !STATE_FILE.test(n) && !LEFTOVER.test(n) && !n.startsWith('.')).sort(),
    initialising: names.includes(INITIALISING),
  };
}

function missingKeyring(dir: string, stateFiles: string[]): HsmError {
  return new HsmError(
    'STATE_INTEGRITY',
    `state file keyring failed its integrity check: it is missing, but ${dir} holds other state files (${stateFiles.join(', ')}). Without it nothing in the folder can be read, and cloudhsm-local will not start a new state over it; restore keyring (or the whole folder) from a copy`,
    { details: { file: 'keyring' } },
  );
}

/**
 * Finds the store in `options.dir`: its id and data key, or `absent` when the folder holds no
 * state and `options.create` is not set. With `options.create`, a new store is made there (only
 * in an empty folder, or over a creation that was cut short).
 */
export async function openStateFolder(options: StoreOptions): Promise<{ dir: string; storeId: string; dataKey: Buffer } | { dir: string; absent: true }> {
  const dir = path.resolve(options.dir);
  let keyring = readKeyring(dir);
  if (!keyring) {
    const found = survey(dir);
    if (found.stateFiles.length > 0 && !found.initialising) throw missingKeyring(dir, found.stateFiles);
    if (!options.create) {
      if (found.stateFiles.length > 0) {
        throw new HsmError('STATE_NOT_FOUND', `the creation of a state in ${dir} was interrupted; create the cluster again to start it afresh`);
      }
      return { dir, absent: true };
    }
    keyring = await createState(dir, options);
  }
  return { dir, ...(await unlock(dir, keyring, options.passphrase)) };
}

function readKeyring(dir: string): Buffer | undefined {
  try {
    return readStateFile(dir, 'keyring', MAX_BYTES.small);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOTDIR') {
      throw new HsmError('STATE_IO', `the state folder ${dir} is a file, not a folder; give --state-dir a folder`);
    }
    throw ioError(err, `read the state in ${dir}`);
  }
}

/** Creates a store in `dir`, which must be empty (or hold an interrupted creation). */
async function createState(dir: string, options: StoreOptions): Promise<Buffer> {
  const before = survey(dir);
  if (before.foreign.length > 0) {
    throw new HsmError(
      'STATE_DIR_NOT_EMPTY',
      `${dir} holds files that are not cloudhsm-local state (${before.foreign.slice(0, 5).join(', ')}${before.foreign.length > 5 ? ', …' : ''}); a new state is made only in an empty folder. Give --state-dir a new or empty folder`,
    );
  }
  const passphraseKey = options.passphrase === undefined ? undefined : await newPassphraseKey(options.passphrase);
  try {
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    fs.chmodSync(dir, 0o700);
  } catch (err) {
    throw ioError(err, `create the state folder ${dir}`);
  }
  const lock = new StateLock(dir);
  await lock.acquire({ timeoutMs: options.lockTimeoutMs ?? 10_000, command: 'initialise state' });
  try {
    // Another process may have created it, or filled the folder, while this one waited.
    const keyring = readKeyring(dir);
    if (keyring) return keyring;
    const now = survey(dir);
    if (now.stateFiles.length > 0 && !now.initialising) throw missingKeyring(dir, now.stateFiles);
    if (now.foreign.length > 0) throw new HsmError('STATE_DIR_NOT_EMPTY', `${dir} holds files that are not cloudhsm-local state (${now.foreign.slice(0, 5).join(', ')}); give --state-dir a new or empty folder`);
    return initialise(dir, passphraseKey);
  } catch (err) {
    throw ioError(err, `initialise the state folder ${dir}`);
  } finally {
    lock.release();
  }
}

async function newPassphraseKey(passphrase: string): Promise<{ salt: Buffer; key: Buffer }> {
  if (passphrase.length === 0) {
    throw new HsmError('STATE_PASSPHRASE', 'CLOUDHSM_STATE_PASSPHRASE is set but empty; give a passphrase or unset it');
  }
  const salt = randomBytes(16);
  return { salt, key: await scrypt(passphrase, salt, SCRYPT) };
}

/**
 * Creates the files of an empty store; returns the keyring bytes. Runs under the lock. The
 * `initialising` marker comes first and the keyring last: a folder with state files but no
 * keyring is damage unless the marker says a creation was cut short.
 */
function initialise(dir: string, passphraseKey: { salt: Buffer; key: Buffer } | undefined): Buffer {
  writeFileAtomic(path.join(dir, INITIALISING), Buffer.from(`${process.pid}\n`));
  const storeId = randomBytes(16).toString('hex');
  let sealingKey: Buffer;
  let sealing: Record<string, unknown>;
  if (passphraseKey) {
    sealingKey = passphraseKey.key;
    sealing = { type: 'scrypt', N: SCRYPT.N, r: SCRYPT.r, p: SCRYPT.p, salt: passphraseKey.salt.toString('base64') };
  } else {
    sealingKey = randomBytes(32);
    sealing = { type: 'seal-key' };
    writeFileAtomic(path.join(dir, 'seal.key'), Buffer.concat([encodePreamble(FileKind.sealKey, { storeId }), sealingKey]));
  }
  const dataKey = randomBytes(32);
  const preamble = encodePreamble(FileKind.keyring, { storeId, sealing });
  const keyring = Buffer.concat([preamble, seal(sealingKey, preamble, dataKey)]);
  writeFileAtomic(path.join(dir, 'snapshot-0'), snapshotImage(dataKey, { storeId, generation: 0, seq: 0 }, []).image);
  writeFileAtomic(path.join(dir, 'log-0'), encodePreamble(FileKind.log, { storeId, generation: 0 }));
  writeFileAtomic(path.join(dir, 'counter'), encodeHead(dataKey, storeId, { w: 1, generation: 0, seq: 0 }, { w: 0, generation: 0, seq: 0 }, 'counter'));
  writeFileAtomic(path.join(dir, 'head'), encodeHead(dataKey, storeId, { w: 1, generation: 0, seq: 0 }, { w: 0, generation: 0, seq: 0 }));
  reach('init.files-written', dir);
  writeFileAtomic(path.join(dir, 'keyring'), keyring);
  fs.rmSync(path.join(dir, INITIALISING), { force: true });
  fsyncDir(dir);
  return keyring;
}

async function unlock(
  dir: string,
  keyring: Buffer,
  passphrase: string | undefined,
): Promise<{ storeId: string; dataKey: Buffer }> {
  const preamble = decodePreamble(keyring, FileKind.keyring, 'keyring');
  const storeId = preamble.header.storeId;
  const sealing = preamble.header.sealing as Record<string, unknown> | undefined;
  if (typeof storeId !== 'string' || !sealing || typeof sealing !== 'object') throw integrityError('keyring', 'its header is incomplete');
  const blob = keyring.subarray(preamble.bytes.length);
  if (sealing.type === 'scrypt') {
    if (passphrase === undefined) {
      throw new HsmError(
        'STATE_PASSPHRASE',
        `the state in ${dir} is sealed with a passphrase; set CLOUDHSM_STATE_PASSPHRASE to open it`,
      );
    }
    const { salt, ...params } = scryptParams(sealing);
    const key = await scrypt(passphrase, salt, params).catch(() => {
      throw integrityError('keyring', 'its passphrase parameters are invalid');
    });
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
  const sealKeyFile = readStateFile(dir, 'seal.key', MAX_BYTES.small);
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
