/**
 * ECDSA nonces for the node backend's signatures over a digest (families/ec.ts): pairs (r, k⁻¹ mod n)
 * for fresh random nonces k, each handed out once.
 *
 * A nonce is a fresh ECDH key: OpenSSL draws k uniformly in [1, n-1] from its CSPRNG, as its own
 * ECDSA draws a random nonce, and computes R = kG, the key's public point; r = x(R) mod n. Nonces
 * are made in batches so that one modular inversion serves a batch (Montgomery's trick).
 *
 * The multiplication is most of a signature's cost, and it does not depend on what is signed. So a
 * process that keeps signing has its nonces made ahead on a worker thread, on another core, once it
 * has used WORKER_AFTER nonces; the worker keeps each curve's pool above LOW_WATER. Its batches
 * arrive as messages, so they reach a process whose event loop runs between signatures (`serve`,
 * an application doing I/O between them); a loop of signatures alone (the store's file calls are
 * synchronous) keeps making them on the spot. When the pool is empty (the worker has not caught
 * up, or it failed) a batch is made on the spot, as a one-off command always does. The worker is unreferenced: it
 * never keeps a process alive.
 */
import { createECDH, type ECDH } from 'node:crypto';
import { Worker } from 'node:worker_threads';
import { OPENSSL_CURVE_NAMES, curveOrder } from './curves.js';
import { EC_CURVE_BYTES, type EcCurve } from './provider.js';

export interface Nonce {
  readonly r: bigint;
  readonly kInverse: bigint;
}

/** Nonces made on the spot when a pool is empty. */
const SYNC_BATCH = 32;
/** Nonces used by this process before a worker starts making them ahead. */
const WORKER_AFTER = 2 * SYNC_BATCH;
/** A pool holding fewer than this asks the worker for more… */
const LOW_WATER = 256;
/** …this many at a time. */
const WORKER_BATCH = 256;

/** What a batch needs of node:crypto's ECDH: a fresh key's public point, and then the key. */
export interface NonceMultiplier {
  generateKeys(): Uint8Array;
  getPrivateKey(): Uint8Array;
}

/**
 * `count` nonces on `ecdh`'s curve, as flat pairs [r₀, k₀⁻¹, r₁, k₁⁻¹, …]. Self-contained (its only
 * inputs are its parameters) because the worker runs its source text.
 */
export function nonceBatch(ecdh: NonceMultiplier, n: bigint, size: number, count: number): bigint[] {
  // The leading 0 makes no bytes 0 (BigInt('0x') throws), so the k = 0 check below can skip such a key.
  const toBigInt = (bytes: Uint8Array) => BigInt(`0x0${Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('hex')}`);
  const ks: bigint[] = [];
  const rs: bigint[] = [];
  while (ks.length < count) {
    const point = ecdh.generateKeys();
    const r = toBigInt(point.subarray(1, 1 + size)) % n;
    const k = toBigInt(ecdh.getPrivateKey());
    if (r === 0n || k === 0n || k >= n) continue; // r = 0 cannot sign; OpenSSL never gives such a k
    ks.push(k);
    rs.push(r);
  }
  // Montgomery's trick: prefix products, one inversion (extended Euclid; n is prime), then back.
  const prefix: bigint[] = [];
  let product = 1n;
  for (const k of ks) {
    prefix.push(product);
    product = (product * k) % n;
  }
  let [a, b, x, y] = [product, n, 1n, 0n];
  while (b !== 0n) {
    const q = a / b;
    [a, b, x, y] = [b, a - q * b, y, x - q * y];
  }
  let inverse = ((x % n) + n) % n;
  const pairs = new Array<bigint>(2 * count);
  for (let i = count - 1; i >= 0; i--) {
    pairs[2 * i] = rs[i]!;
    pairs[2 * i + 1] = (inverse * prefix[i]!) % n;
    inverse = (inverse * ks[i]!) % n;
  }
  return pairs;
}

/**
 * What the worker runs (as a script or, under --input-type=module, which workers inherit, as a
 * module: so no require): it answers {curve, name (OpenSSL's), n, size, count} with {curve, pairs}. */
const WORKER_SOURCE = `
const { parentPort } = process.getBuiltinModule('node:worker_threads');
const { createECDH } = process.getBuiltinModule('node:crypto');
const nonceBatch = ${nonceBatch.toString()};
const multipliers = new Map();
parentPort.on('message', ({ curve, name, n, size, count }) => {
  let ecdh = multipliers.get(name);
  if (!ecdh) multipliers.set(name, (ecdh = createECDH(name)));
  parentPort.postMessage({ curve, pairs: nonceBatch(ecdh, n, size, count) });
});
`;

interface CurvePool {
  readonly nonces: Nonce[];
  readonly ecdh: ECDH;
  asked: boolean;
}

/** Where this process's nonces came from (for tests and the bench). */
export interface NonceStats {
  made: { onTheSpot: number; ahead: number };
  worker: 'not started' | 'running' | 'failed' | 'stopped';
  failure?: string;
}

const pools = new Map<EcCurve, CurvePool>();
const stats: NonceStats = { made: { onTheSpot: 0, ahead: 0 }, worker: 'not started' };
let worker: Worker | undefined;
let used = 0;

function poolOf(curve: EcCurve): CurvePool {
  let pool = pools.get(curve);
  if (!pool) pools.set(curve, (pool = { nonces: [], ecdh: createECDH(OPENSSL_CURVE_NAMES[curve]), asked: false }));
  return pool;
}

function pushPairs(pool: CurvePool, pairs: readonly bigint[]): void {
  for (let i = 0; i + 1 < pairs.length; i += 2) pool.nonces.push({ r: pairs[i]!, kInverse: pairs[i + 1]! });
}

function failed(reason: string, state: 'failed' | 'stopped' = 'failed'): void {
  if (stats.worker !== 'running') return;
  stats.worker = state;
  stats.failure = reason;
  worker = undefined;
  for (const pool of pools.values()) pool.asked = false;
}

function startWorker(): Worker | undefined {
  if (worker || stats.worker !== 'not started') return worker;
  try {
    worker = new Worker(WORKER_SOURCE, { eval: true });
  } catch (err) {
    stats.worker = 'running';
    failed(err instanceof Error ? err.message : String(err));
    return undefined;
  }
  stats.worker = 'running';
  const started = worker;
  started.on('message', ({ curve, pairs }: { curve: EcCurve; pairs: bigint[] }) => {
    const pool = pools.get(curve);
    if (!pool || worker !== started) return;
    pool.asked = false;
    pushPairs(pool, pairs);
    stats.made.ahead += pairs.length / 2;
  });
  started.on('error', (err) => failed(err.message));
  started.on('exit', (code) => failed(`the worker exited with code ${code}`));
  // Last, after the listeners (which would reference it again): the worker never holds the process open.
  started.unref();
  return started;
}

/** A nonce no signature has used, taken out of `curve`'s pool. */
export function takeNonce(curve: EcCurve): Nonce {
  const pool = poolOf(curve);
  if (pool.nonces.length === 0) {
    pushPairs(pool, nonceBatch(pool.ecdh, curveOrder(curve), EC_CURVE_BYTES[curve], SYNC_BATCH));
    stats.made.onTheSpot += SYNC_BATCH;
  }
  const nonce = pool.nonces.pop()!;
  used++;
  if (used >= WORKER_AFTER && pool.nonces.length < LOW_WATER && !pool.asked) {
    const ahead = startWorker();
    if (ahead) {
      pool.asked = true;
      ahead.postMessage({ curve, name: OPENSSL_CURVE_NAMES[curve], n: curveOrder(curve), size: EC_CURVE_BYTES[curve], count: WORKER_BATCH });
    }
  }
  return nonce;
}

export function nonceStats(): NonceStats {
  return structuredClone(stats);
}

/** Test hook: stops the worker (later nonces are made on the spot, as after a failure). */
export async function stopNonceWorker(): Promise<void> {
  const running = worker;
  if (!running) return;
  failed('stopped by a test', 'stopped');
  await running.terminate();
}
