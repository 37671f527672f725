/**
 * The writer lock of a state folder: one file created with O_EXCL, holding the owner's pid, the
 * command it runs (never its arguments, which may hold names or passwords) and the time.
 *
 * Stale-lock rule: a lock whose pid no longer runs on this machine is broken. Breaking goes
 * through a second short-lived O_EXCL file (`lock.break`) so that two processes which both see
 * the same stale lock cannot remove each other's fresh one.
 */
import fs from 'node:fs';
import path from 'node:path';
import { HsmError } from '../errors.js';

export interface LockInfo {
  pid: number;
  command: string;
  since: string;
}

export interface LockOptions {
  timeoutMs: number;
  command: string;
}

const BREAKER_STALE_MS = 5_000;
const EMPTY_LOCK_STALE_MS = 2_000;

export function isProcessAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function notAFile(file: string, stats: fs.Stats): HsmError {
  const what = stats.isDirectory() ? 'a folder' : stats.isSymbolicLink() ? 'a symbolic link' : 'a special file';
  return new HsmError('STATE_IO', `the state lock ${file} is ${what}, not a regular file; no cloudhsm-local process made it. Remove it and run the command again`);
}

function readLock(file: string): { info?: LockInfo; mtimeMs: number } | undefined {
  try {
    // Looked at before it is opened: a FIFO here must not hang the command.
    const stats = fs.lstatSync(file);
    if (!stats.isFile()) throw notAFile(file, stats);
    if (stats.size > 4096) return { mtimeMs: stats.mtimeMs };
    const text = fs.readFileSync(file, 'utf8');
    const mtimeMs = stats.mtimeMs;
    try {
      const info = JSON.parse(text) as Partial<LockInfo> | null;
      return { info: typeof info?.pid === 'number' ? (info as LockInfo) : undefined, mtimeMs };
    } catch {
      return { mtimeMs };
    }
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

function tryCreate(file: string, info: LockInfo): boolean {
  let fd: number;
  try {
    fd = fs.openSync(file, 'wx', 0o600);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw new HsmError('STATE_IO', `cannot create the state lock ${file}: ${(err as Error).message}`);
  }
  try {
    fs.writeSync(fd, JSON.stringify(info));
  } finally {
    fs.closeSync(fd);
  }
  return true;
}

/** Removes `file` if it still holds exactly the stale owner we saw. */
function breakStale(file: string, seen: { info?: LockInfo; mtimeMs: number }): void {
  const breaker = `${file}.break`;
  if (!tryCreate(breaker, { pid: process.pid, command: 'break stale lock', since: new Date().toISOString() })) {
    const b = readLock(breaker);
    if (b && Date.now() - b.mtimeMs > BREAKER_STALE_MS) fs.rmSync(breaker, { force: true });
    return;
  }
  try {
    const now = readLock(file);
    if (now && now.mtimeMs === seen.mtimeMs && now.info?.pid === seen.info?.pid) fs.rmSync(file, { force: true });
  } finally {
    fs.rmSync(breaker, { force: true });
  }
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export class StateLock {
  private held = false;
  /** `name` is the lock file: `lock` for the writer lock, `lock.<what>` for narrower ones. */
  constructor(
    private readonly dir: string,
    private readonly name = 'lock',
  ) {}

  get file(): string {
    return path.join(this.dir, this.name);
  }

  async acquire(options: LockOptions): Promise<void> {
    const info: LockInfo = { pid: process.pid, command: options.command, since: new Date().toISOString() };
    const deadline = Date.now() + options.timeoutMs;
    let delayMs = 2;
    for (;;) {
      info.since = new Date().toISOString();
      if (tryCreate(this.file, info)) {
        this.held = true;
        return;
      }
      const seen = readLock(this.file);
      if (seen) {
        const dead = seen.info ? !isProcessAlive(seen.info.pid) : Date.now() - seen.mtimeMs > EMPTY_LOCK_STALE_MS;
        if (dead) {
          breakStale(this.file, seen);
          continue;
        }
      }
      if (Date.now() >= deadline) {
        const who = seen?.info
          ? `pid ${seen.info.pid} (${seen.info.command}) since ${seen.info.since}`
          : 'a process that is still starting';
        throw new HsmError(
          'STATE_LOCKED',
          `state is locked by ${who}; waited ${options.timeoutMs} ms. Wait for it to finish, raise CLOUDHSM_LOCK_TIMEOUT_MS, or delete ${this.file} if that process is gone`,
          { details: { lock: seen?.info } },
        );
      }
      await sleep(delayMs + Math.random() * delayMs);
      delayMs = Math.min(delayMs * 2, 25);
    }
  }

  release(): void {
    if (!this.held) return;
    this.held = false;
    let seen: ReturnType<typeof readLock>;
    try {
      seen = readLock(this.file);
    } catch {
      return; // no longer a lock file of ours: nothing to remove
    }
    if (seen?.info?.pid === process.pid) fs.rmSync(this.file, { force: true });
  }
}
