/**
 * AES key wrap with padding (KWP: RFC 5649, NIST SP 800-38F) of many messages at once.
 *
 * KWP is six passes of one AES block operation per 8-byte semiblock, each depending on the one
 * before, so one long message cannot go faster than one block at a time (node:crypto's
 * `id-aes256-wrap-pad` wraps about 10 MB/s). Independent messages of the same length can: at each
 * step of the algorithm, the block of every message goes through one AES-ECB call. A backup's
 * payload is wrapped as equal chunks this way (backups/encryption.ts), several times faster.
 *
 * Each message is wrapped exactly as RFC 5649 says (tests compare every output with node:crypto's
 * and with the Wycheproof vectors); unwrapping checks the integrity value, the length and the
 * padding, and refuses anything else.
 */
import { createCipheriv, createDecipheriv } from 'node:crypto';
import os from 'node:os';

const AIV_HIGH = 0xa65959a6;
const LITTLE_ENDIAN = os.endianness() === 'LE';

/** The 32-bit word `v` as the host reads big-endian bytes. */
function bigEndianWord(v: number): number {
  return LITTLE_ENDIAN ? (((v & 0xff) << 24) | ((v & 0xff00) << 8) | ((v >>> 8) & 0xff00) | (v >>> 24)) >>> 0 : v >>> 0;
}

const AIV_WORD = bigEndianWord(AIV_HIGH);

function ecbName(key: Buffer): string {
  if (key.length !== 16 && key.length !== 24 && key.length !== 32) throw new Error(`a KWP key is 16, 24 or 32 bytes, not ${key.length}`);
  return `aes-${key.length * 8}-ecb`;
}

/** Word arrays on fresh, aligned memory. */
function words(count: number): Uint32Array {
  return new Uint32Array(count);
}

function asBuffer(w: Uint32Array): Buffer {
  return Buffer.from(w.buffer, w.byteOffset, w.byteLength);
}

/** Copies `bytes` (a multiple of 4 long) into aligned words. */
function toWords(bytes: Buffer): Uint32Array {
  const w = words(bytes.length / 4);
  bytes.copy(asBuffer(w));
  return w;
}

/** Block k of `input` := (A_k with `t` XORed into its low word) || R_k[i], for every message k. */
function gather(input: Uint32Array, a: Uint32Array, r: Uint32Array, c: number, ri: number, stride: number, t: number): void {
  for (let k = 0, w = 0; k < c; k++, ri += stride, w += 4) {
    input[w] = a[2 * k]!;
    input[w + 1] = (a[2 * k + 1]! ^ t) >>> 0;
    input[w + 2] = r[ri]!;
    input[w + 3] = r[ri + 1]!;
  }
}

/** A_k := high half of block k of `b` (its low word XORed with `t`), R_k[i] := its low half. */
function scatter(b: Uint32Array, a: Uint32Array, r: Uint32Array, c: number, ri: number, stride: number, t: number): void {
  for (let k = 0, w = 0; k < c; k++, ri += stride, w += 4) {
    a[2 * k] = b[w]!;
    a[2 * k + 1] = (b[w + 1]! ^ t) >>> 0;
    r[ri] = b[w + 2]!;
    r[ri + 1] = b[w + 3]!;
  }
}

/** Groups the indexes of `lengths` by value, so that each group runs in lockstep. */
function bySemiblocks(counts: number[]): Map<number, number[]> {
  const groups = new Map<number, number[]>();
  counts.forEach((n, index) => {
    const group = groups.get(n);
    if (group) group.push(index);
    else groups.set(n, [index]);
  });
  return groups;
}

/** Wraps each of `messages` under `key` (each at least 1 byte). */
export function kwpWrapMany(key: Buffer, messages: readonly Buffer[]): Buffer[] {
  const name = ecbName(key);
  const out: Buffer[] = new Array<Buffer>(messages.length);
  const counts = messages.map((m) => {
    if (m.length === 0 || m.length > 0xffffffff) throw new Error('KWP wraps 1 to 2^32-1 bytes');
    return Math.ceil(m.length / 8);
  });
  for (const [n, group] of bySemiblocks(counts)) {
    const c = group.length;
    // A: 2 words per message; R: 2n words per message (the zero-padded plaintext).
    const a = words(2 * c);
    const r = words(2 * n * c);
    const rBytes = asBuffer(r);
    group.forEach((index, k) => {
      const m = messages[index]!;
      a[2 * k] = AIV_WORD;
      a[2 * k + 1] = bigEndianWord(m.length);
      m.copy(rBytes, k * n * 8);
    });
    const cipher = createCipheriv(name, key, null).setAutoPadding(false);
    const input = words(4 * c);
    if (n === 1) {
      // RFC 5649 §4.1: a single semiblock is encrypted once, with the AIV, as one block.
      for (let k = 0; k < c; k++) input.set([a[2 * k]!, a[2 * k + 1]!, r[2 * k]!, r[2 * k + 1]!], 4 * k);
      const result = cipher.update(asBuffer(input));
      group.forEach((index, k) => (out[index] = Buffer.from(result.subarray(16 * k, 16 * k + 16))));
      continue;
    }
    const inputBytes = asBuffer(input);
    const b = words(4 * c);
    const bBytes = asBuffer(b);
    for (let j = 0; j < 6; j++) {
      for (let i = 0; i < n; i++) {
        gather(input, a, r, c, 2 * i, 2 * n, 0);
        cipher.update(inputBytes).copy(bBytes);
        scatter(b, a, r, c, 2 * i, 2 * n, bigEndianWord(n * j + i + 1));
      }
    }
    const aBytes = asBuffer(a);
    group.forEach((index, k) => {
      out[index] = Buffer.concat([aBytes.subarray(8 * k, 8 * k + 8), rBytes.subarray(k * n * 8, (k + 1) * n * 8)]);
    });
  }
  return out;
}

/** Unwraps each of `wrapped` under `key`; throws if any fails its integrity check. */
export function kwpUnwrapMany(key: Buffer, wrapped: readonly Buffer[]): Buffer[] {
  const name = ecbName(key);
  const out: Buffer[] = new Array<Buffer>(wrapped.length);
  const counts = wrapped.map((w) => {
    if (w.length < 16 || w.length % 8 !== 0) throw new Error('a KWP ciphertext is a multiple of 8 bytes, at least 16');
    return w.length / 8 - 1;
  });
  for (const [n, group] of bySemiblocks(counts)) {
    const c = group.length;
    const a = words(2 * c);
    const r = words(2 * n * c);
    const rBytes = asBuffer(r);
    const decipher = createDecipheriv(name, key, null).setAutoPadding(false);
    const input = words(4 * c);
    if (n === 1) {
      group.forEach((index, k) => wrapped[index]!.copy(asBuffer(input), 16 * k));
      const b = toWords(decipher.update(asBuffer(input)));
      for (let k = 0; k < c; k++) {
        a[2 * k] = b[4 * k]!;
        a[2 * k + 1] = b[4 * k + 1]!;
        r[2 * k] = b[4 * k + 2]!;
        r[2 * k + 1] = b[4 * k + 3]!;
      }
    } else {
      const aBytes = asBuffer(a);
      group.forEach((index, k) => {
        const w = wrapped[index]!;
        w.copy(aBytes, 8 * k, 0, 8);
        w.copy(rBytes, k * n * 8, 8);
      });
      const inputBytes = asBuffer(input);
      const b = words(4 * c);
      const bBytes = asBuffer(b);
      for (let j = 5; j >= 0; j--) {
        for (let i = n - 1; i >= 0; i--) {
          gather(input, a, r, c, 2 * i, 2 * n, bigEndianWord(n * j + i + 1));
          decipher.update(inputBytes).copy(bBytes);
          scatter(b, a, r, c, 2 * i, 2 * n, 0);
        }
      }
    }
    group.forEach((index, k) => {
      // RFC 5649 §3: the AIV's constant, a length that fits n semiblocks, and zero padding.
      const length = bigEndianWord(a[2 * k + 1]!);
      const plain = rBytes.subarray(k * n * 8, (k + 1) * n * 8);
      if (a[2 * k] !== AIV_WORD || length <= 8 * (n - 1) || length > 8 * n || plain.subarray(length).some((byte) => byte !== 0)) {
        throw new Error('KWP integrity check failed');
      }
      out[index] = Buffer.from(plain.subarray(0, length));
    });
  }
  return out;
}
