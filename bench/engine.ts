/**
 * Section 3, engine throughput vs raw node:crypto: operations per second of `perform` (sign,
 * verify, encrypt, hmacGenerate) on an activated cluster, against node:crypto doing the same
 * primitive with a KeyObject made once. The engine figure includes what every in-process call
 * pays: the store read (catching up with other processes), session revalidation, key selection
 * by label and the prepared-key cache lookup. The caller is a logged-in session (credentials
 * would run scrypt on every call) and one context is kept across calls, as a long-running shell
 * does. Fixed time windows alternate between engine and raw; the ratio is engine/raw, so here
 * HIGHER is better (target: >= 0.8 for RSA, >= 0.5 for the rest).
 *
 * The engine's rates are returned for the SoftHSM comparison (bench/softhsm.ts), which measures
 * in the same windows on the same payload.
 */
import {
  constants as cryptoConstants,
  createCipheriv,
  createHmac,
  generateKeyPairSync,
  randomBytes,
  sign as nodeSign,
  verify as nodeVerify,
  type KeyObject,
} from 'node:crypto';
import { perform } from '../src/core/engine.js';
import { encrypt, hmacGenerate } from '../src/core/keys/data-operations.js';
import { generateKeyPair, generateSymmetric, type GenerateKeyPairInput } from '../src/core/keys/generate.js';
import { sign, verify } from '../src/core/keys/sign.js';
import { byLabel } from '../src/core/keys/selector.js';
import { median, reportThroughput, sessionCluster } from './support.js';

const THROUGHPUT_WARMUP_MS = 150;
export const THROUGHPUT_WINDOWS = 5;
export const THROUGHPUT_WINDOW_MS = 300;
const RSA_TARGET = 0.8;
const CHEAP_OP_TARGET = 0.5;
export const PAYLOAD_BYTES = 1024;

/** Operations per second of `op`, awaited back to back for about `windowMs`. */
async function asyncRate(op: () => Promise<unknown>, windowMs: number): Promise<number> {
  const start = process.hrtime.bigint();
  const end = start + BigInt(Math.round(windowMs * 1e6));
  let count = 0;
  let now = start;
  while (now < end) {
    await op();
    count++;
    now = process.hrtime.bigint();
  }
  return count / (Number(now - start) / 1e9);
}

/** The same for a synchronous `op` (no await, which would add a microtask to every call). */
function syncRate(op: () => unknown, windowMs: number): number {
  const start = process.hrtime.bigint();
  const end = start + BigInt(Math.round(windowMs * 1e6));
  let count = 0;
  let now = start;
  while (now < end) {
    op();
    count++;
    now = process.hrtime.bigint();
  }
  return count / (Number(now - start) / 1e9);
}

interface ThroughputCase {
  id: 'rsa-sign' | 'ecdsa-sign' | 'ecdsa-verify' | 'ed25519-sign' | 'aes-gcm' | 'hmac';
  name: string;
  target: number;
  engine: () => Promise<unknown>;
  raw: () => unknown;
}

/** Median engine ops/s of each case, for the SoftHSM comparison. */
export type EngineRates = Map<ThroughputCase['id'], number>;

async function throughputCases(): Promise<ThroughputCase[]> {
  // NON_FIPS so that Ed25519 is allowed; the other mechanisms behave the same in both modes.
  const { ctx, user } = await sessionCluster('engine', 'NON_FIPS');
  const pairs: Array<Pick<GenerateKeyPairInput, 'keyType' | 'publicLabel' | 'privateLabel' | 'modulusSizeBits' | 'publicExponent' | 'curve'>> = [
    { keyType: 'rsa', publicLabel: 'rsa-pub', privateLabel: 'rsa-priv', modulusSizeBits: 2048, publicExponent: '65537' },
    { keyType: 'ec', publicLabel: 'ec-pub', privateLabel: 'ec-priv', curve: 'prime256v1' },
    { keyType: 'ec', publicLabel: 'ed-pub', privateLabel: 'ed-priv', curve: 'ed25519' },
  ];
  for (const pair of pairs) {
    await perform(ctx, generateKeyPair, { ...pair, privateAttributes: ['sign=true'], publicAttributes: ['verify=true'] }, user);
  }
  await perform(ctx, generateSymmetric, { keyType: 'aes', label: 'aes', keyLengthBytes: 32, attributes: ['encrypt=true'] }, user);
  await perform(ctx, generateSymmetric, { keyType: 'generic-secret', label: 'mac', keyLengthBytes: 32 }, user);

  const data = new Uint8Array(randomBytes(PAYLOAD_BYTES));
  const hash = 'sha256';
  const iv = Buffer.alloc(12, 7);
  const rsaSign = { mechanism: 'rsa-pkcs' as const, keyFilter: byLabel('rsa-priv'), data, hash };
  const ecSign = { mechanism: 'ecdsa' as const, keyFilter: byLabel('ec-priv'), data, hash };
  const signed = await perform(ctx, sign, ecSign, user);
  const ecVerify = { mechanism: 'ecdsa' as const, keyFilter: byLabel('ec-pub'), data, hash, signature: signed.signature };
  const edSign = { mechanism: 'ed25519' as const, keyFilter: byLabel('ed-priv'), data };
  const gcm = { mechanism: 'aes-gcm' as const, keyFilter: byLabel('aes'), data, iv: iv.toString('base64') };
  const mac = { keyFilter: byLabel('mac'), hash, data };

  const rsaKey = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
  const ec = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const ecSignature = nodeSign(hash, data, { key: ec.privateKey, dsaEncoding: 'ieee-p1363' });
  const edKey: KeyObject = generateKeyPairSync('ed25519').privateKey;
  const aesKey = randomBytes(32);
  const macKey = randomBytes(32);
  if (!nodeVerify(hash, data, { key: ec.publicKey, dsaEncoding: 'ieee-p1363' }, ecSignature)) throw new Error('raw ECDSA verify failed');

  return [
    {
      id: 'rsa-sign',
      name: 'engine RSA-2048 sign (rsa-pkcs)',
      target: RSA_TARGET,
      engine: () => perform(ctx, sign, rsaSign, user),
      raw: () => nodeSign(hash, data, { key: rsaKey, padding: cryptoConstants.RSA_PKCS1_PADDING }),
    },
    {
      id: 'ecdsa-sign',
      name: 'engine ECDSA P-256 sign',
      target: CHEAP_OP_TARGET,
      engine: () => perform(ctx, sign, ecSign, user),
      raw: () => nodeSign(hash, data, { key: ec.privateKey, dsaEncoding: 'ieee-p1363' }),
    },
    {
      id: 'ecdsa-verify',
      name: 'engine ECDSA P-256 verify',
      target: CHEAP_OP_TARGET,
      engine: () => perform(ctx, verify, ecVerify, user),
      raw: () => nodeVerify(hash, data, { key: ec.publicKey, dsaEncoding: 'ieee-p1363' }, ecSignature),
    },
    {
      id: 'ed25519-sign',
      name: 'engine Ed25519 sign',
      target: CHEAP_OP_TARGET,
      engine: () => perform(ctx, sign, edSign, user),
      raw: () => nodeSign(null, data, edKey),
    },
    {
      id: 'aes-gcm',
      name: 'engine AES-256-GCM encrypt 1 KiB',
      target: CHEAP_OP_TARGET,
      engine: () => perform(ctx, encrypt, gcm, user),
      raw: () => {
        const cipher = createCipheriv('aes-256-gcm', aesKey, iv);
        return [cipher.update(data), cipher.final(), cipher.getAuthTag()];
      },
    },
    {
      id: 'hmac',
      name: 'engine HMAC-SHA256 1 KiB',
      target: CHEAP_OP_TARGET,
      engine: () => perform(ctx, hmacGenerate, mac, user),
      raw: () => createHmac(hash, macKey).update(data).digest(),
    },
  ];
}

export async function benchEngineThroughput(): Promise<EngineRates> {
  const rates: EngineRates = new Map();
  for (const c of await throughputCases()) {
    await asyncRate(c.engine, THROUGHPUT_WARMUP_MS);
    syncRate(c.raw, THROUGHPUT_WARMUP_MS);
    const engineRates: number[] = [];
    const rawRates: number[] = [];
    for (let w = 0; w < THROUGHPUT_WINDOWS; w++) {
      // Alternate which side goes first, so that a drift in background load hits both alike.
      if (w % 2 === 0) {
        engineRates.push(await asyncRate(c.engine, THROUGHPUT_WINDOW_MS));
        rawRates.push(syncRate(c.raw, THROUGHPUT_WINDOW_MS));
      } else {
        rawRates.push(syncRate(c.raw, THROUGHPUT_WINDOW_MS));
        engineRates.push(await asyncRate(c.engine, THROUGHPUT_WINDOW_MS));
      }
    }
    rates.set(c.id, median(engineRates));
    reportThroughput({
      name: c.name,
      opsPerSecond: median(engineRates),
      baselineName: 'node:crypto',
      baselineOpsPerSecond: median(rawRates),
      target: c.target,
    });
  }
  return rates;
}
