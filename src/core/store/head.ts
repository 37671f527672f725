/**
 * The `head` file: which snapshot generation is current and how many transactions are committed.
 *
 * Format 2 (written today) is three 512-byte sectors: the preamble (zero-padded), then two slots,
 * each holding one sealed record {w, generation, seq} (zero-padded). Writes go to the slots in
 * turn, in place: write number `w` goes to slot `w % 2`, and the slot with the higher `w` is the
 * head; the other keeps the previous one. Each record sits inside one sector, which a disk
 * writes whole, and its associated data is the whole first sector plus its slot number, so every
 * byte of the file is covered: any change to it is an integrity failure. (A reader that races a
 * writer may see a slot half-copied; it reads again.)
 *
 * Because the file is never replaced, no cached descriptor or file identity can go stale; and
 * because every record is sealed with a fresh nonce, the bytes of `head` differ after every
 * commit, which makes comparing them a "did anything change" check that equal timestamps or a
 * reused inode number cannot fool.
 *
 * Format 1 (read, and replaced by format 2 at the next commit) was one sealed record, replaced
 * by rename at each commit.
 *
 * The `counter` file has the same layout (its own file kind, format 2 from the start): it
 * repeats the sequence number, written between the log and `head`, so that no two of the three
 * files that every commit changes can be rolled back together unnoticed.
 */
import { HsmError } from '../errors.js';
import { FileKind, checkVersion, decodePreamble, encodePreamble, integrityError, seal, tryOpen, SEAL_OVERHEAD_BYTES, type Preamble } from './format.js';

export interface HeadState {
  /** How many times `head` was written; picks the slot. */
  w: number;
  generation: number;
  seq: number;
}

export const SECTOR_BYTES = 512;
export const HEAD_BYTES = 3 * SECTOR_BYTES;
const SLOT_PLAIN_BYTES = 96;
const SLOT_SEALED_BYTES = SLOT_PLAIN_BYTES + SEAL_OVERHEAD_BYTES;

export interface DecodedHead {
  state: HeadState;
  version: number;
}

function isCount(value: unknown): value is number {
  return Number.isSafeInteger(value) && (value as number) >= 0;
}

function parseState(plain: Buffer, name: SlottedName): HeadState {
  let parsed: Record<string, unknown>;
  try {
    const value: unknown = JSON.parse(plain.toString('utf8'));
    if (value === null || typeof value !== 'object') throw new SyntaxError('not an object');
    parsed = value as Record<string, unknown>;
  } catch {
    throw integrityError(name, 'its contents are not valid');
  }
  const w = parsed.w ?? 0;
  if (!isCount(w) || !isCount(parsed.generation) || !isCount(parsed.seq)) throw integrityError(name, 'its contents are not valid');
  return { w, generation: parsed.generation, seq: parsed.seq };
}

/** The first sector of a format-2 head: the preamble, zero-padded. */
/** The two files laid out this way: `head`, and `counter`, its witness (see store.ts). */
export type SlottedName = 'head' | 'counter';
const KINDS: Record<SlottedName, FileKind> = { head: FileKind.head, counter: FileKind.counter };

export function headSector(storeId: string, name: SlottedName = 'head'): Buffer {
  const sector = Buffer.alloc(SECTOR_BYTES);
  encodePreamble(KINDS[name], { storeId }).copy(sector);
  return sector;
}

function slotAad(sector: Buffer, slot: number): Buffer {
  return Buffer.concat([sector, Buffer.from([slot])]);
}

/** The offset in `head` of the slot that write `w` goes to. */
export function slotOffset(w: number): number {
  return SECTOR_BYTES * (1 + (w % 2));
}

/** One slot's sector holding `state`. */
export function sealSlot(dataKey: Buffer, sector: Buffer, state: HeadState): Buffer {
  const text = JSON.stringify(state);
  if (Buffer.byteLength(text) > SLOT_PLAIN_BYTES) throw new HsmError('INTERNAL', 'a head record outgrew its slot');
  const plain = Buffer.alloc(SLOT_PLAIN_BYTES, 0x20);
  plain.write(text, 0, 'utf8');
  const out = Buffer.alloc(SECTOR_BYTES);
  seal(dataKey, slotAad(sector, state.w % 2), plain).copy(out);
  return out;
}

/** A whole format-2 head holding `state` and, in the other slot, `previous`. */
export function encodeHead(dataKey: Buffer, storeId: string, state: HeadState, previous: HeadState, name: SlottedName = 'head'): Buffer {
  if (previous.w !== state.w - 1) throw new HsmError('INTERNAL', 'head records must be consecutive');
  const sector = headSector(storeId, name);
  const out = Buffer.alloc(HEAD_BYTES);
  sector.copy(out);
  sealSlot(dataKey, sector, previous).copy(out, slotOffset(previous.w));
  sealSlot(dataKey, sector, state).copy(out, slotOffset(state.w));
  return out;
}

/** Reads the head (or counter) in `data`; `storeId` is the state's own. */
export function decodeHead(data: Buffer, dataKey: Buffer, storeId: string, name: SlottedName = 'head'): DecodedHead {
  const preamble: Preamble = decodePreamble(data, KINDS[name], name);
  if (preamble.header.storeId !== storeId) throw integrityError(name, 'it belongs to another state');
  // A newer layout cannot be authenticated by this code: say so rather than call it damage.
  if (preamble.version > 2) checkVersion(preamble, name);
  if (preamble.version === 1 && name === 'head') {
    const plain = tryOpen(dataKey, preamble.bytes, data.subarray(preamble.bytes.length));
    if (!plain) throw integrityError(name, 'its contents failed authentication');
    return { state: { ...parseState(plain, name), w: 0 }, version: 1 };
  }
  if (data.length !== HEAD_BYTES) throw integrityError(name, `it is ${data.length} bytes, not ${HEAD_BYTES}`);
  const sector = data.subarray(0, SECTOR_BYTES);
  const states: HeadState[] = [];
  for (const slot of [0, 1]) {
    const start = SECTOR_BYTES * (1 + slot);
    const sealed = data.subarray(start, start + SLOT_SEALED_BYTES);
    const padding = data.subarray(start + SLOT_SEALED_BYTES, start + SECTOR_BYTES);
    const plain = tryOpen(dataKey, slotAad(sector, slot), sealed);
    if (!plain || padding.some((b) => b !== 0)) throw integrityError(name, `its record ${slot} failed authentication`);
    const state = parseState(plain, name);
    if (state.w % 2 !== slot) throw integrityError(name, 'a record sits in the wrong slot');
    states.push(state);
  }
  const [a, b] = states as [HeadState, HeadState];
  const [older, newer] = a.w < b.w ? [a, b] : [b, a];
  if (newer.w !== older.w + 1 || newer.seq < older.seq) throw integrityError(name, 'its two records do not follow each other');
  checkVersion(preamble, name);
  return { state: newer, version: 2 };
}
