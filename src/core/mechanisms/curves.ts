/**
 * The five Weierstrass curves CloudHSM offers (keys.md §6), as views of the table of mechanisms
 * (their OIDs, OpenSSL names and orders), the scalar and point checks, and the FIPS 186-5 A.2.1
 * derivation of a private scalar from the caller's random bytes that both providers share. Plain
 * arithmetic on the table's numbers: no curve library is loaded here.
 */
import type { EcCurve, RandomBytes } from './provider.js';
import { EC_CURVE_BYTES } from './provider.js';
import { invalidArgument } from './checks.js';
import { CURVES, columnOf } from './table.js';

/** Named-curve OIDs as DER content bytes (hex). */
export const CURVE_OIDS: Readonly<Record<EcCurve, string>> = columnOf(CURVES, (row) => row.oid);

/** OpenSSL's names (node:crypto createECDH / asymmetricKeyDetails.namedCurve). */
export const OPENSSL_CURVE_NAMES: Readonly<Record<EcCurve, string>> = columnOf(CURVES, (row) => row.openssl);

const ORDERS: Readonly<Record<EcCurve, bigint>> = columnOf(CURVES, (row) => BigInt(`0x${row.order}`));

export function curveFromOid(oidHex: string): EcCurve | undefined {
  return (Object.keys(CURVE_OIDS) as EcCurve[]).find((c) => CURVE_OIDS[c] === oidHex);
}

export function curveFromOpenSslName(name: string | undefined): EcCurve | undefined {
  return (Object.keys(OPENSSL_CURVE_NAMES) as EcCurve[]).find((c) => OPENSSL_CURVE_NAMES[c] === name);
}

export function curveOrder(curve: EcCurve): bigint {
  return ORDERS[curve];
}

/** Big-endian bytes as an unsigned integer (through hex, which is native and several times faster than a BigInt per byte). */
export function bytesToBigInt(bytes: Uint8Array): bigint {
  if (bytes.length === 0) return 0n;
  return BigInt(`0x${Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('hex')}`);
}

/** `n`'s low `size` bytes, big-endian (higher bytes are dropped, as a fixed-width field does). */
export function bigIntToBytes(n: bigint, size: number): Uint8Array {
  if (n < 0n) throw new RangeError('bigIntToBytes takes a non-negative integer');
  const hex = n.toString(16);
  const width = 2 * size;
  const digits = hex.length > width ? hex.slice(hex.length - width) : hex.padStart(width, '0');
  const out = new Uint8Array(size);
  out.set(Buffer.from(digits, 'hex'));
  return out;
}

/** Refuses a private scalar that is not exactly the curve's width or not in [1, n-1]. */
export function checkScalar(curve: EcCurve, d: Uint8Array): void {
  const size = EC_CURVE_BYTES[curve];
  if (!(d instanceof Uint8Array) || d.length !== size) {
    throw invalidArgument(`${curve} private key must be ${size} bytes, got ${d instanceof Uint8Array ? d.length : 'no bytes'}`);
  }
  const value = bytesToBigInt(d);
  if (value === 0n || value >= curveOrder(curve)) {
    throw invalidArgument(`${curve} private key must be in [1, n-1]`);
  }
}

/** Refuses a public key that is not an uncompressed point of the curve's width (04‖X‖Y). */
export function checkPointEncoding(curve: EcCurve, point: Uint8Array, name = 'public key'): void {
  const expected = 1 + 2 * EC_CURVE_BYTES[curve];
  if (!(point instanceof Uint8Array) || point.length !== expected || point[0] !== 0x04) {
    throw invalidArgument(
      `${curve} ${name} must be an uncompressed point (04‖X‖Y, ${expected} bytes), got ${point instanceof Uint8Array ? point.length : 'no'} bytes`,
    );
  }
}

/**
 * FIPS 186-5 A.2.1 (key pair generation using extra random bits): take N+64 random bits c and
 * set d = (c mod (n-1)) + 1. Both providers use this, so one random stream gives one key pair.
 */
export function scalarFromRandom(curve: EcCurve, random: RandomBytes): Uint8Array {
  const size = EC_CURVE_BYTES[curve];
  const c = randomBytesFrom(random, size + 8);
  const n = curveOrder(curve);
  return bigIntToBytes((bytesToBigInt(c) % (n - 1n)) + 1n, size);
}

/** Calls the caller's random source and checks what it returned. */
export function randomBytesFrom(random: RandomBytes, byteLength: number): Uint8Array {
  if (typeof random !== 'function') throw invalidArgument('random must be a function returning random bytes');
  const out = random(byteLength);
  if (!(out instanceof Uint8Array) || out.length !== byteLength) {
    throw invalidArgument(`the random source returned ${out instanceof Uint8Array ? out.length : 'no'} bytes, expected ${byteLength}`);
  }
  return out;
}
