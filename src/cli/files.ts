/**
 * Files named on the command line (--data-path, --path, --out, KMU's -f and -out). An input is
 * opened without blocking and must be a regular file within a size limit, so that a FIFO, a
 * device such as /dev/zero or a huge file is refused at once with a message naming the flag. An
 * output that may hold secret or sensitive bytes (plaintext, wrapped keys, MACs, random bytes) is
 * created, or cut back to, mode 0600.
 */
import fs from 'node:fs';

const { O_RDONLY, O_NONBLOCK } = fs.constants;

/** Why `file` cannot be read, in words for the operator, or undefined. */
function whyNot(err: unknown): string {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return 'no such file';
  if (code === 'EISDIR') return 'it is a folder';
  if (code === 'EACCES') return 'permission denied';
  return (err as Error).message;
}

export class InputFileError extends Error {}

/** The bytes of `file`, which must be a regular file of at most `maxBytes`; `what` names it in errors. */
export function readInputFile(what: string, file: string, maxBytes: number): Buffer {
  let fd: number;
  try {
    fd = fs.openSync(file, O_RDONLY | O_NONBLOCK);
  } catch (err) {
    throw new InputFileError(`cannot read ${what} ${file}: ${whyNot(err)}`);
  }
  try {
    const stats = fs.fstatSync(fd);
    if (stats.isDirectory()) throw new InputFileError(`cannot read ${what} ${file}: it is a folder`);
    if (!stats.isFile()) throw new InputFileError(`cannot read ${what} ${file}: it is a device, FIFO or socket, not a regular file; copy the data into a file first`);
    if (stats.size > maxBytes) throw new InputFileError(`${what} ${file} is ${stats.size} bytes; the limit is ${maxBytes}`);
    // Read one byte past the limit: a file that grew since fstat is refused too.
    const data = Buffer.alloc(Math.min(stats.size, maxBytes) + 1);
    let read = 0;
    for (;;) {
      const n = fs.readSync(fd, data, read, data.length - read, read);
      if (n === 0) break;
      read += n;
      if (read === data.length) break;
    }
    if (read > maxBytes) throw new InputFileError(`${what} ${file} is more than ${maxBytes} bytes, the limit`);
    return data.subarray(0, read);
  } catch (err) {
    if (err instanceof InputFileError) throw err;
    throw new InputFileError(`cannot read ${what} ${file}: ${whyNot(err)}`);
  } finally {
    fs.closeSync(fd);
  }
}

/** Writes `content` to `file`; with `secret`, the file is left readable by its owner only. */
export function writeOutputFile(what: string, file: string, content: string | Uint8Array, secret: boolean): void {
  let fd: number;
  try {
    fd = fs.openSync(file, 'w', secret ? 0o600 : 0o644);
  } catch (err) {
    throw new InputFileError(`cannot write ${what} ${file}: ${whyNot(err)}`);
  }
  try {
    // An existing file keeps its mode on open: tighten it before the bytes go in.
    if (secret && fs.fstatSync(fd).isFile()) fs.fchmodSync(fd, 0o600);
    fs.writeSync(fd, typeof content === 'string' ? Buffer.from(content) : content);
  } catch (err) {
    throw new InputFileError(`cannot write ${what} ${file}: ${whyNot(err)}`);
  } finally {
    fs.closeSync(fd);
  }
}
