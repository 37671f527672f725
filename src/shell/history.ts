/**
 * Shell history, kept per state folder across sessions. The state folder plays the HSM and holds
 * nothing in clear, so the history lives with the operator instead, like a shell's own history:
 * `$XDG_STATE_HOME/cloudhsm-local/history/<hash of the state folder's path>` (mode 0600), or the
 * file CLOUDHSM_HISTORY_FILE names (empty: no history file). Only redacted lines ever reach it
 * (the dialect removes passwords and PINs before a line is remembered); hidden prompt answers
 * never do. Several shells may share one file: each appends whole lines with O_APPEND, so lines
 * interleave but never tear; the file is cut back to the newest lines, by an atomic rename, when
 * it grows too long.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** Lines offered to the up arrow and kept in the file. */
export const HISTORY_LINES = 1000;
/** The file is cut back once it outgrows this, to half of it, so that cutting stays rare. */
export const HISTORY_MAX_BYTES = 400 * 1024;
/** A longer line is kept cut to this many characters. */
const LINE_MAX_CHARS = 4096;

export class History {
  /** Newest last. */
  readonly lines: string[];

  constructor(readonly file: string | undefined) {
    this.lines = file ? readLines(file).slice(-HISTORY_LINES) : [];
  }

  /** The history of the shells on state folder `dir`. */
  static forStateDir(dir: string, env: Record<string, string | undefined>): History {
    return new History(historyFile(dir, env));
  }

  /** Remembers an already redacted line (in memory and in the file). */
  add(line: string): void {
    if (line.length > LINE_MAX_CHARS) line = line.slice(0, LINE_MAX_CHARS);
    if (line.trim() === '' || line === this.lines.at(-1)) return;
    this.lines.push(line);
    if (this.lines.length > HISTORY_LINES) this.lines.shift();
    if (!this.file) return;
    try {
      fs.mkdirSync(path.dirname(this.file), { recursive: true, mode: 0o700 });
      fs.appendFileSync(this.file, `${line.replace(/[\r\n]/g, ' ')}\n`, { mode: 0o600 });
      if (fs.statSync(this.file).size > HISTORY_MAX_BYTES) this.trim();
    } catch {
      // History is a convenience: a read-only or full disk must not stop the shell.
    }
  }

  private trim(): void {
    // The newest lines that fit in half the budget, so that the next cut is far off whatever the
    // lines' length.
    const keep: string[] = [];
    let bytes = 0;
    for (const l of readLines(this.file!).reverse()) {
      bytes += Buffer.byteLength(l) + 1;
      if (keep.length >= HISTORY_LINES || bytes > HISTORY_MAX_BYTES / 2) break;
      keep.unshift(l);
    }
    const temp = `${this.file}.trim-${process.pid}`;
    fs.writeFileSync(temp, keep.map((l) => `${l}\n`).join(''), { mode: 0o600 });
    fs.renameSync(temp, this.file!);
  }
}

function readLines(file: string): string[] {
  try {
    return fs.readFileSync(file, 'utf8').split('\n').filter((l) => l.trim() !== '');
  } catch {
    return [];
  }
}

export function historyFile(stateDir: string, env: Record<string, string | undefined>): string | undefined {
  if (env.CLOUDHSM_HISTORY_FILE !== undefined) return env.CLOUDHSM_HISTORY_FILE || undefined;
  const base = env.XDG_STATE_HOME || path.join(env.HOME || os.homedir(), '.local', 'state');
  let where = path.resolve(stateDir);
  try {
    where = fs.realpathSync(where);
  } catch {
    // a folder not made yet keeps its absolute path
  }
  return path.join(base, 'cloudhsm-local', 'history', createHash('sha256').update(where).digest('hex').slice(0, 16));
}
