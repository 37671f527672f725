/**
 * Password storage: salted scrypt hashes compared in constant time (PRODUCT.md "Security
 * model"). The encoded hash names its parameters so they can be raised later without a migration.
 */
import { scrypt, timingSafeEqual } from 'node:crypto';

interface HashParams {
  N: number;
  r: number;
  p: number;
  keyBytes: number;
}

const PARAMS: HashParams = { N: 1 << 14, r: 8, p: 1, keyBytes: 32 };
let params: HashParams = PARAMS;

/**
 * Tests only: hash new passwords with cheap parameters (scrypt N=2^4), so a unit test that makes
 * users and logs in does not spend most of its time in scrypt. Nothing in the program calls this;
 * the test runner's setup does. Hashes made this way still verify later, as every hash names its
 * own parameters.
 */
export function useCheapPasswordHashingForTests(): void {
  params = { N: 1 << 4, r: 1, p: 1, keyBytes: 32 };
}

function derive(password: string, salt: Buffer, N: number, r: number, p: number, keyBytes: number): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    scrypt(password, salt, keyBytes, { N, r, p, maxmem: 256 * N * r }, (err, key) => (err ? reject(err) : resolve(key))),
  );
}

export async function hashPassword(password: string, salt: Buffer): Promise<string> {
  const key = await derive(password, salt, params.N, params.r, params.p, params.keyBytes);
  return `scrypt$${params.N}$${params.r}$${params.p}$${salt.toString('base64')}$${key.toString('base64')}`;
}

/**
 * scrypt keys HMAC-SHA256 with the password, and HMAC pads a short key with zero bytes: "pw" and
 * "pw\0" hash alike. No password holds a NUL (rules.ts checkPassword), so a guess holding one is
 * wrong, whatever its hash.
 */
export async function verifyPassword(password: string, encoded: string): Promise<boolean> {
  const [scheme, n, r, p, saltB64, keyB64] = encoded.split('$');
  if (scheme !== 'scrypt' || !keyB64 || password.includes('\0')) return false;
  const expected = Buffer.from(keyB64, 'base64');
  const actual = await derive(password, Buffer.from(saltB64!, 'base64'), Number(n), Number(r), Number(p), expected.length);
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}
