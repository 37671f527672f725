/**
 * RSA key generation from a caller-supplied random stream, for the explicitly insecure
 * deterministic mode (CLOUDHSM_DETERMINISTIC_SEED): OpenSSL's generator cannot be seeded, so
 * this one draws prime candidates from the stream (FIPS 186-5 A.1.3 shape: top two bits set,
 * odd, gcd(e, p-1) = 1, |p - q| large) and tests them with OpenSSL's Miller-Rabin
 * (crypto.checkPrimeSync). Never used outside deterministic mode.
 */
import { checkPrimeSync, createPrivateKey, createPublicKey } from 'node:crypto';
import { HsmError } from '../errors.js';
import type { KeyPairMaterial, RandomBytes } from './provider.js';

const SMALL_PRIMES = [3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37, 41, 43, 47, 53, 59, 61, 67, 71, 73, 79, 83, 89, 97].map(BigInt);

function toBigInt(bytes: Uint8Array): bigint {
  return BigInt(`0x${Buffer.from(bytes).toString('hex') || '0'}`);
}

function gcd(a: bigint, b: bigint): bigint {
  while (b) [a, b] = [b, a % b];
  return a;
}

function modInverse(a: bigint, m: bigint): bigint {
  let [oldR, r] = [a % m, m];
  let [oldS, s] = [1n, 0n];
  while (r) {
    const q = oldR / r;
    [oldR, r] = [r, oldR - q * r];
    [oldS, s] = [s, oldS - q * s];
  }
  return ((oldS % m) + m) % m;
}

function b64u(n: bigint): string {
  let hex = n.toString(16);
  if (hex.length % 2) hex = `0${hex}`;
  return Buffer.from(hex, 'hex').toString('base64url');
}

function prime(random: RandomBytes, bits: number, e: bigint): bigint {
  const bytes = bits / 8;
  for (let attempt = 0; attempt < 100_000; attempt++) {
    const candidate = random(bytes);
    candidate[0] = candidate[0]! | 0xc0;
    candidate[bytes - 1] = candidate[bytes - 1]! | 1;
    const p = toBigInt(candidate);
    if (SMALL_PRIMES.some((sp) => p % sp === 0n)) continue;
    if (gcd(e, p - 1n) !== 1n) continue;
    if (checkPrimeSync(p, { checks: 40 })) return p;
  }
  throw new HsmError('INTERNAL', 'no prime found in 100,000 candidates');
}

export function generateRsaFromStream(random: RandomBytes, modulusBits: number, publicExponent: number): KeyPairMaterial {
  const e = BigInt(publicExponent);
  const half = modulusBits / 2;
  let p = prime(random, half, e);
  let q = prime(random, half, e);
  // FIPS 186-5 A.1.3: |p - q| > 2^(nlen/2 - 100).
  while (p === q || (p > q ? p - q : q - p) <= 1n << BigInt(half - 100)) q = prime(random, half, e);
  if (p < q) [p, q] = [q, p];
  const n = p * q;
  const lambda = ((p - 1n) * (q - 1n)) / gcd(p - 1n, q - 1n);
  const d = modInverse(e, lambda);
  const jwk = { kty: 'RSA', n: b64u(n), e: b64u(e), d: b64u(d), p: b64u(p), q: b64u(q), dp: b64u(d % (p - 1n)), dq: b64u(d % (q - 1n)), qi: b64u(modInverse(q, p)) };
  const privateKey = createPrivateKey({ key: jwk, format: 'jwk' });
  return {
    spec: { type: 'rsa' },
    privateKey: new Uint8Array(privateKey.export({ type: 'pkcs8', format: 'der' })),
    publicKey: new Uint8Array(createPublicKey(privateKey).export({ type: 'spki', format: 'der' })),
  };
}
