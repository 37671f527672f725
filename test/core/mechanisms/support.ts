/**
 * Shared helpers for the mechanism tests: the Wycheproof loader (vectors copied into
 * test/vectors/wycheproof, resolved from the compiled file: dist/test/core/mechanisms → project
 * root is four levels up), hex helpers, a seeded random source, and a runner that applies the
 * valid / invalid / acceptable rules to every case of a file for one provider.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { HsmError } from '../../../src/core/errors.js';
import { providers, type CryptoProvider, type HashName, type RandomBytes } from '../../../src/core/mechanisms/index.js';

export const PROVIDERS: readonly CryptoProvider[] = [providers.node, providers.noble];

export const VECTORS_DIR = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '..',
  '..',
  '..',
  '..',
  'test',
  'vectors',
  'wycheproof',
);

export type WycheproofResult = 'valid' | 'invalid' | 'acceptable';

export interface WycheproofTest {
  tcId: number;
  comment: string;
  flags: string[];
  result: WycheproofResult;
  [field: string]: unknown;
}

export interface WycheproofGroup {
  tests: WycheproofTest[];
  [field: string]: unknown;
}

export interface WycheproofFile {
  algorithm: string;
  numberOfTests: number;
  testGroups: WycheproofGroup[];
}

export function loadVectors(file: string): WycheproofFile {
  return JSON.parse(fs.readFileSync(path.join(VECTORS_DIR, file), 'utf8')) as WycheproofFile;
}

export function hex(value: unknown): Uint8Array {
  if (typeof value !== 'string') throw new Error(`expected a hex string, got ${typeof value}`);
  return new Uint8Array(Buffer.from(value, 'hex'));
}

export function toHex(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('hex');
}

export function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return Buffer.from(a).equals(Buffer.from(b));
}

export function assertBytes(actual: Uint8Array, expected: Uint8Array, message?: string): void {
  assert.equal(toHex(actual), toHex(expected), message);
}

/** Wycheproof hash names ("SHA-256", "SHA3-256") to ours. */
export function hashName(value: unknown): HashName {
  const map: Record<string, HashName> = {
    'SHA-1': 'sha1',
    'SHA-224': 'sha224',
    'SHA-256': 'sha256',
    'SHA-384': 'sha384',
    'SHA-512': 'sha512',
    'SHA3-224': 'sha3-224',
    'SHA3-256': 'sha3-256',
    'SHA3-384': 'sha3-384',
    'SHA3-512': 'sha3-512',
  };
  const name = map[String(value)];
  if (!name) throw new Error(`unknown hash ${String(value)}`);
  return name;
}

/** A deterministic random source (SHA-256 in counter mode over a seed). */
export function seededRandom(seed: string): RandomBytes {
  let counter = 0;
  let pool = new Uint8Array(0);
  return (n: number) => {
    while (pool.length < n) {
      const block = createHash('sha256').update(seed).update(String(counter++)).digest();
      const next = new Uint8Array(pool.length + block.length);
      next.set(pool);
      next.set(block, pool.length);
      pool = next;
    }
    const out = pool.slice(0, n);
    pool = pool.slice(n);
    return out;
  };
}

/** Runs `fn`; an HsmError becomes its code, anything else propagates (a crash). */
export function attempt<T>(fn: () => T): { ok: true; value: T } | { ok: false; code: string } {
  try {
    return { ok: true, value: fn() };
  } catch (err) {
    if (err instanceof HsmError) return { ok: false, code: err.code };
    throw err;
  }
}

/** Expects `fn` to throw an HsmError with `code`. */
export function assertRejects(fn: () => unknown, code: string, message?: string): HsmError {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof HsmError, `${message ?? ''} expected HsmError ${code}, got ${String(err)}`);
    assert.equal(err.code, code, `${message ?? ''} ${err.message}`);
    return err;
  }
  assert.fail(`${message ?? ''} expected HsmError ${code}, but the call succeeded`);
}

export interface CaseStats {
  valid: number;
  invalid: number;
  acceptable: number;
  /** acceptable cases the provider accepted. */
  acceptedAcceptable: number;
  rejectionCodes: Record<string, number>;
}

const REJECTION_CODES = new Set(['INVALID_ARGUMENT', 'DECRYPTION_FAILED']);

/**
 * Runs every case of a vector file: `check` returns true when the provider accepts the case (and
 * produced the expected output), false when it refuses it; an HsmError counts as a refusal. Valid
 * cases must be accepted, invalid ones refused, acceptable ones may go either way; nothing may
 * throw anything but an HsmError with one of the layer's codes.
 */
export function runVectors(
  file: WycheproofFile,
  check: (group: WycheproofGroup, test: WycheproofTest) => boolean,
  options: { expectCount?: number } = {},
): CaseStats {
  const stats: CaseStats = { valid: 0, invalid: 0, acceptable: 0, acceptedAcceptable: 0, rejectionCodes: {} };
  const failures: string[] = [];
  for (const group of file.testGroups) {
    for (const test of group.tests) {
      stats[test.result]++;
      let accepted: boolean;
      try {
        const outcome = attempt(() => check(group, test));
        if (outcome.ok) {
          accepted = outcome.value;
        } else {
          accepted = false;
          stats.rejectionCodes[outcome.code] = (stats.rejectionCodes[outcome.code] ?? 0) + 1;
          if (!REJECTION_CODES.has(outcome.code)) failures.push(`tcId ${test.tcId}: unexpected code ${outcome.code}`);
        }
      } catch (err) {
        failures.push(`tcId ${test.tcId} (${test.result}, ${test.flags.join(',')}): crashed with ${String(err)}`);
        continue;
      }
      if (test.result === 'valid' && !accepted) failures.push(`tcId ${test.tcId} (valid, ${test.flags.join(',')}): refused`);
      if (test.result === 'invalid' && accepted) failures.push(`tcId ${test.tcId} (invalid, ${test.flags.join(',')}): accepted`);
      if (test.result === 'acceptable' && accepted) stats.acceptedAcceptable++;
    }
  }
  assert.deepEqual(failures, [], `${failures.length} failing cases`);
  const total = stats.valid + stats.invalid + stats.acceptable;
  assert.equal(total, options.expectCount ?? file.numberOfTests, 'every case of the file ran');
  return stats;
}

export function summarize(stats: CaseStats): string {
  return `${stats.valid} valid, ${stats.invalid} invalid, ${stats.acceptable} acceptable (${stats.acceptedAcceptable} accepted)`;
}
