/**
 * The five Weierstrass curves CloudHSM offers (keys.md §6), as @noble/curves ECDSA instances, with
 * their OIDs (RFC 5480 / SEC 2), OpenSSL names and orders, and the FIPS 186-5 A.2.1 derivation of
 * a private scalar from the caller's random bytes that both providers share.
 *
 * @noble/curves v2 dropped P-224, so secp224r1 is built here from the SEC 2 §2.6.1 domain
 * parameters with noble's generic weierstrass() and ecdsa(); it is cross-checked against OpenSSL.
 */
import { ecdsa, weierstrass, type ECDSA } from '@noble/curves/abstract/weierstrass.js';
import { p256, p384, p521 } from '@noble/curves/nist.js';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { sha224 } from '@noble/hashes/sha2.js';
import type { EcCurve, RandomBytes } from './provider.js';
import { EC_CURVE_BYTES } from './provider.js';
import { invalidArgument } from './checks.js';
import { CURVES, columnOf } from './table.js';

const p224Point = weierstrass({
  p: BigInt('0xffffffffffffffffffffffffffffffff000000000000000000000001'),
  n: BigInt('0xffffffffffffffffffffffffffff16a2e0b8f03e13dd29455c5c2a3d'),
  h: BigInt(1),
  a: BigInt('0xfffffffffffffffffffffffffffffffefffffffffffffffffffffffe'),
  b: BigInt('0xb4050a850c04b3abf54132565044b0b7d7bfd8ba270b39432355ffb4'),
  Gx: BigInt('0xb70e0cbd6bb4bf7f321390b94a03c1d356c21122343280d6115c1d21'),
  Gy: BigInt('0xbd376388b5f723fb4c22dfe6cd4375a05a07476444d5819985007e34'),
});
const p224 = ecdsa(p224Point, sha224);

export const NOBLE_CURVES: Readonly<Record<EcCurve, ECDSA>> = Object.freeze({
  secp224r1: p224,
  secp256r1: p256,
  secp384r1: p384,
  secp521r1: p521,
  secp256k1,
});

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

export function bytesToBigInt(bytes: Uint8Array): bigint {
  let n = 0n;
  for (const b of bytes) n = (n << 8n) | BigInt(b);
  return n;
}

export function bigIntToBytes(n: bigint, size: number): Uint8Array {
  const out = new Uint8Array(size);
  for (let i = size - 1; i >= 0; i--) {
    out[i] = Number(n & 0xffn);
    n >>= 8n;
  }
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
