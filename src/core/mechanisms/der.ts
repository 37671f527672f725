/**
 * A small, strict DER (X.690 §10) reader and writer for the few structures this layer needs:
 * ECDSA signatures (RFC 3279 Ecdsa-Sig-Value), DigestInfo (RFC 8017 §9.2), and the key containers
 * in key-encoding.ts. Strict means DER, not BER: definite minimal lengths, single-byte tags,
 * minimal non-negative INTEGERs and no trailing bytes, so the Wycheproof BER and malformed
 * encodings are refused.
 */
import { invalidArgument } from './checks.js';
import { HASHES, columnOf, type HashName } from './table.js';

export const TAG = Object.freeze({
  INTEGER: 0x02,
  BIT_STRING: 0x03,
  OCTET_STRING: 0x04,
  NULL: 0x05,
  OID: 0x06,
  SEQUENCE: 0x30,
  /** [0] IMPLICIT primitive (ML-DSA seed CHOICE). */
  CONTEXT_0_PRIMITIVE: 0x80,
  /** [0] and [1] EXPLICIT (SEC 1 ECPrivateKey parameters and publicKey). */
  CONTEXT_0: 0xa0,
  CONTEXT_1: 0xa1,
});

export interface DerElement {
  readonly tag: number;
  readonly content: Uint8Array;
}

/** Reads one element at `offset`; returns it and the offset just past it. */
function readElement(bytes: Uint8Array, offset: number, what: string): { element: DerElement; end: number } {
  if (offset + 2 > bytes.length) throw invalidArgument(`${what}: truncated DER`);
  const tag = bytes[offset]!;
  if ((tag & 0x1f) === 0x1f) throw invalidArgument(`${what}: multi-byte DER tags are not supported`);
  let length = bytes[offset + 1]!;
  let pos = offset + 2;
  if (length & 0x80) {
    const count = length & 0x7f;
    if (count === 0) throw invalidArgument(`${what}: indefinite length is not DER`);
    if (count > 4) throw invalidArgument(`${what}: DER length too large`);
    if (pos + count > bytes.length) throw invalidArgument(`${what}: truncated DER length`);
    if (bytes[pos] === 0) throw invalidArgument(`${what}: non-minimal DER length`);
    length = 0;
    for (let i = 0; i < count; i++) length = length * 256 + bytes[pos + i]!;
    if (length < 0x80) throw invalidArgument(`${what}: non-minimal DER length`);
    pos += count;
  }
  if (pos + length > bytes.length) throw invalidArgument(`${what}: DER length past the end of the data`);
  return { element: { tag, content: bytes.subarray(pos, pos + length) }, end: pos + length };
}

/** Parses `bytes` as exactly one DER element of the given tag (nothing may follow it). */
export function parseDer(bytes: Uint8Array, tag: number, what: string): DerElement {
  const { element, end } = readElement(bytes, 0, what);
  if (end !== bytes.length) throw invalidArgument(`${what}: trailing bytes after DER`);
  expectTag(element, tag, what);
  return element;
}

/** The elements inside a constructed element (a SEQUENCE, or an EXPLICIT tag). */
export function children(element: DerElement, what: string): DerElement[] {
  const out: DerElement[] = [];
  let offset = 0;
  while (offset < element.content.length) {
    const { element: child, end } = readElement(element.content, offset, what);
    out.push(child);
    offset = end;
  }
  return out;
}

export function expectTag(element: DerElement | undefined, tag: number, what: string): DerElement {
  if (element === undefined) throw invalidArgument(`${what}: missing DER element`);
  if (element.tag !== tag) {
    throw invalidArgument(`${what}: expected DER tag 0x${tag.toString(16)}, got 0x${element.tag.toString(16)}`);
  }
  return element;
}

/** A non-negative, minimally encoded INTEGER: its magnitude without the sign byte. */
export function readUnsignedInteger(element: DerElement | undefined, what: string): Uint8Array {
  const c = expectTag(element, TAG.INTEGER, what).content;
  if (c.length === 0) throw invalidArgument(`${what}: empty INTEGER`);
  if (c[0]! & 0x80) throw invalidArgument(`${what}: negative INTEGER`);
  if (c.length > 1 && c[0] === 0 && !(c[1]! & 0x80)) throw invalidArgument(`${what}: non-minimal INTEGER`);
  return c[0] === 0 ? c.subarray(1) : c;
}

export function readSmallInteger(element: DerElement | undefined, what: string): number {
  const magnitude = readUnsignedInteger(element, what);
  if (magnitude.length > 4) throw invalidArgument(`${what}: INTEGER too large`);
  let value = 0;
  for (const b of magnitude) value = value * 256 + b;
  return value;
}

/** A BIT STRING with no unused bits, as bytes. */
export function readBitString(element: DerElement | undefined, what: string): Uint8Array {
  const c = expectTag(element, TAG.BIT_STRING, what).content;
  if (c.length === 0 || c[0] !== 0) throw invalidArgument(`${what}: BIT STRING must have 0 unused bits`);
  return c.subarray(1);
}

export function readOid(element: DerElement | undefined, what: string): string {
  return toHex(expectTag(element, TAG.OID, what).content);
}

// Writing

function encodeLength(length: number): Uint8Array {
  if (length < 0x80) return Uint8Array.of(length);
  const bytes: number[] = [];
  for (let n = length; n > 0; n = Math.floor(n / 256)) bytes.unshift(n & 0xff);
  return Uint8Array.of(0x80 | bytes.length, ...bytes);
}

export function encode(tag: number, ...contents: Uint8Array[]): Uint8Array {
  let length = 0;
  for (const c of contents) length += c.length;
  const header = encodeLength(length);
  const out = new Uint8Array(1 + header.length + length);
  out[0] = tag;
  out.set(header, 1);
  let offset = 1 + header.length;
  for (const c of contents) {
    out.set(c, offset);
    offset += c.length;
  }
  return out;
}

export const sequence = (...items: Uint8Array[]): Uint8Array => encode(TAG.SEQUENCE, ...items);
export const octetString = (bytes: Uint8Array): Uint8Array => encode(TAG.OCTET_STRING, bytes);
export const bitString = (bytes: Uint8Array): Uint8Array => encode(TAG.BIT_STRING, Uint8Array.of(0), bytes);
export const oid = (contentHex: string): Uint8Array => encode(TAG.OID, fromHex(contentHex));
export const derNull = (): Uint8Array => Uint8Array.of(TAG.NULL, 0);

/** An INTEGER from an unsigned big-endian magnitude (leading zeros dropped, sign byte added). */
export function unsignedInteger(magnitude: Uint8Array): Uint8Array {
  let start = 0;
  while (start < magnitude.length - 1 && magnitude[start] === 0) start++;
  const m = magnitude.length === 0 ? Uint8Array.of(0) : magnitude.subarray(start);
  return m[0]! & 0x80 ? encode(TAG.INTEGER, Uint8Array.of(0), m) : encode(TAG.INTEGER, m);
}

export function smallInteger(value: number): Uint8Array {
  const bytes: number[] = [];
  for (let n = value; n > 0; n = Math.floor(n / 256)) bytes.unshift(n & 0xff);
  return unsignedInteger(Uint8Array.from(bytes));
}

/** Left-pads an unsigned magnitude to `size` bytes; refuses one that does not fit. */
export function leftPad(magnitude: Uint8Array, size: number, what: string): Uint8Array {
  let start = 0;
  while (start < magnitude.length && magnitude[start] === 0) start++;
  const m = magnitude.subarray(start);
  if (m.length > size) throw invalidArgument(`${what}: value longer than ${size} bytes`);
  const out = new Uint8Array(size);
  out.set(m, size - m.length);
  return out;
}

// ECDSA signatures

/**
 * DER Ecdsa-Sig-Value ::= SEQUENCE { r INTEGER, s INTEGER } to fixed-width r‖s. Strict: refuses
 * BER, negative or non-minimal integers, extra elements and integers wider than the curve.
 */
export function ecdsaDerToP1363(der: Uint8Array, scalarBytes: number): Uint8Array {
  const what = 'ECDSA signature';
  const items = children(parseDer(der, TAG.SEQUENCE, what), what);
  if (items.length !== 2) throw invalidArgument(`${what}: expected SEQUENCE of r and s`);
  const r = leftPad(readUnsignedInteger(items[0], what), scalarBytes, what);
  const s = leftPad(readUnsignedInteger(items[1], what), scalarBytes, what);
  const out = new Uint8Array(2 * scalarBytes);
  out.set(r, 0);
  out.set(s, scalarBytes);
  return out;
}

export function ecdsaP1363ToDer(signature: Uint8Array): Uint8Array {
  if (signature.length === 0 || signature.length % 2 !== 0) {
    throw invalidArgument(`ECDSA r‖s signature must have an even, non-zero length, got ${signature.length}`);
  }
  const half = signature.length / 2;
  return sequence(unsignedInteger(signature.subarray(0, half)), unsignedInteger(signature.subarray(half)));
}

// DigestInfo (RFC 8017 §9.2, with the NULL parameters its note 1 lists; NIST OIDs for SHA-3)

export const HASH_OIDS: Readonly<Record<HashName, string>> = columnOf(HASHES, (row) => row.oid);

export function encodeDigestInfo(hash: HashName, digest: Uint8Array): Uint8Array {
  return sequence(sequence(oid(HASH_OIDS[hash]), derNull()), octetString(digest));
}

/** The DER bytes a DigestInfo for `hash` starts with (RFC 8017 §9.2 note 1), derived from its OID. */
export function digestInfoPrefix(hash: HashName): Uint8Array {
  const bytes = HASHES[hash].bytes;
  const encoded = encodeDigestInfo(hash, new Uint8Array(bytes));
  return encoded.subarray(0, encoded.length - bytes);
}

/** Parses a DER DigestInfo (as `crypto sign rsa-pkcs --data-type digest` receives it). */
export function decodeDigestInfo(der: Uint8Array): { hash: HashName; digest: Uint8Array } {
  const what = 'DigestInfo';
  const items = children(parseDer(der, TAG.SEQUENCE, what), what);
  if (items.length !== 2) throw invalidArgument(`${what}: expected SEQUENCE of algorithm and digest`);
  const alg = children(expectTag(items[0], TAG.SEQUENCE, what), what);
  const oidHex = readOid(alg[0], what);
  const hash = (Object.keys(HASH_OIDS) as HashName[]).find((h) => HASH_OIDS[h] === oidHex);
  if (hash === undefined) throw invalidArgument(`${what}: unsupported hash algorithm`);
  if (alg.length !== 2 || alg[1]!.tag !== TAG.NULL || alg[1]!.content.length !== 0) {
    throw invalidArgument(`${what}: algorithm parameters must be NULL`);
  }
  const digest = expectTag(items[1], TAG.OCTET_STRING, what).content;
  return { hash, digest };
}

// Hex helpers (also used by tests and the key engine)

export function toHex(bytes: Uint8Array): string {
  let out = '';
  for (const b of bytes) out += b.toString(16).padStart(2, '0');
  return out;
}

export function fromHex(hex: string): Uint8Array {
  if (hex.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(hex)) throw invalidArgument('hex string is malformed');
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return out;
}
