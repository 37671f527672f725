/**
 * File access for the state folder. Every state file is opened without following a symbolic link
 * and without blocking (a FIFO put in place of `head` must not hang a command), checked to be a
 * regular file, and read only up to a size bound, so that a special file, a link or a huge file
 * in the folder is reported as damage instead of hanging, crashing or exhausting memory.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { HsmError, isHsmError } from '../errors.js';
import { integrityError } from './format.js';

const { O_RDONLY, O_RDWR, O_NONBLOCK, O_NOFOLLOW } = fs.constants;

/** Upper bounds per file kind: far above what a valid file holds, far below what hurts. */
export const MAX_BYTES = {
  small: 64 * 1024,
  /** Snapshots and logs: a cluster's key capacity times a generous size per key. */
  large: 1 << 30,
} as const;

function openChecked(file: string, flags: number, name: string): number | undefined {
  let fd: number;
  try {
    fd = fs.openSync(file, flags | O_NONBLOCK | O_NOFOLLOW);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return undefined;
    if (code === 'ELOOP') throw integrityError(name, 'it is a symbolic link, not a regular file');
    if (code === 'EISDIR') throw integrityError(name, 'it is a folder, not a regular file');
    if (code === 'ENXIO') throw integrityError(name, 'it is a special file, not a regular file');
    throw err;
  }
  try {
    if (!fs.fstatSync(fd).isFile()) throw integrityError(name, 'it is a special file, not a regular file');
  } catch (err) {
    fs.closeSync(fd);
    throw err;
  }
  return fd;
}

/** Opens a state file for reading (or, with `write`, reading and writing); undefined when absent. */
export function openStateFile(dir: string, name: string, write = false): number | undefined {
  return openChecked(path.join(dir, name), write ? O_RDWR : O_RDONLY, name);
}

/** Reads at most `maxBytes` of `fd` from `position`. */
export function readAt(fd: number, position: number, maxBytes: number): Buffer {
  const size = fs.fstatSync(fd).size;
  const length = Math.max(0, Math.min(size - position, maxBytes));
  const data = Buffer.allocUnsafe(length);
  let read = 0;
  while (read < length) {
    const n = fs.readSync(fd, data, read, length - read, position + read);
    if (n === 0) break;
    read += n;
  }
  return data.subarray(0, read);
}

/** The whole of a state file, or undefined when it does not exist. */
export function readStateFile(dir: string, name: string, maxBytes: number): Buffer | undefined {
  const fd = openStateFile(dir, name);
  if (fd === undefined) return undefined;
  try {
    const size = fs.fstatSync(fd).size;
    if (size > maxBytes) throw integrityError(name, `it is ${size} bytes, more than the ${maxBytes} a state file of its kind may hold`);
    return readAt(fd, 0, maxBytes);
  } finally {
    fs.closeSync(fd);
  }
}

export function fsyncDir(dir: string): void {
  const fd = fs.openSync(dir, 'r');
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

/** Writes `data` to `file` atomically: temp file, fsync, rename, fsync the folder. */
export function writeFileAtomic(file: string, data: Buffer): void {
  const tmp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  const fd = fs.openSync(tmp, 'wx', 0o600);
  try {
    fs.writeSync(fd, data);
    fs.fsyncSync(fd);
  } catch (err) {
    fs.closeSync(fd);
    fs.rmSync(tmp, { force: true });
    throw err;
  }
  fs.closeSync(fd);
  try {
    fs.renameSync(tmp, file);
  } catch (err) {
    fs.rmSync(tmp, { force: true });
    throw err;
  }
  fsyncDir(path.dirname(file));
}

/** A failure of the file system as our error (ours pass through): the operation names what failed. */
export function ioError(err: unknown, what: string): HsmError {
  if (isHsmError(err)) return err;
  return new HsmError('STATE_IO', `cannot ${what}: ${(err as Error).message}`, { cause: err });
}
