/**
 * What every core operation receives from outside: the store, a clock and a random source.
 * Tests pass a seeded clock and random source; the CLI passes the real ones.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { CryptoProvider, PreparedKey } from './mechanisms/provider.js';
import type { Store } from './store/index.js';

export interface EngineContext {
  store: Store;
  /** Milliseconds since the epoch. */
  now: () => number;
  /** `n` random bytes. */
  random: (n: number) => Buffer;
  /** The primitive implementation (default: node:crypto, see mechanisms/). */
  crypto?: CryptoProvider;
  /**
   * Or just its name, resolved when an operation first needs cryptography, so that commands
   * without any (user list, cluster describe) never load the libraries.
   */
  cryptoName?: 'node' | 'noble';
  /** Keys parsed once and kept ready, by cluster and key reference (see keys/prepared.ts). */
  prepared?: Map<string, PreparedKey>;
  /**
   * CLOUDHSM_DETERMINISTIC_SEED: the explicitly insecure test mode. `random` is then a stream
   * derived from this seed, and clusters must have been created in that mode.
   */
  deterministicSeed?: string;
  /**
   * Bench only: no audit event is written (audit/record.ts), so that bench/audit.ts can measure
   * what auditing adds to an operation. The CLI, the shell and the Node API build their contexts
   * without it and no flag or environment variable sets it: for users the log is always on, as
   * on the real HSM (audit-log.md §1).
   */
  auditOffForBench?: true;
}

export const systemRandom = (n: number): Buffer => randomBytes(n);

/**
 * A reproducible byte stream (SHA-256 in counter mode over a seed). For tests and the explicit
 * deterministic mode only: it is not a secure random source.
 */
export function seededRandom(seed: string): (n: number) => Buffer {
  let counter = 0;
  let pool = Buffer.alloc(0);
  return (n: number) => {
    while (pool.length < n) {
      const block = createHash('sha256').update(seed).update(String(counter++)).digest();
      pool = Buffer.concat([pool, block]);
    }
    const out = pool.subarray(0, n);
    pool = pool.subarray(n);
    return Buffer.from(out);
  };
}
