/**
 * The harness for running the Wycheproof vectors through the engine's own path (STYLE "Tests"):
 * one activated NON_FIPS hsm2m.medium cluster per crypto provider, a crypto user logged in once
 * with a shell-style session (so each case costs no scrypt), and the ways a user brings keys in:
 * - secret keys (AES, generic secret) only by `key unwrap`: the test wraps the vector's key bytes
 *   itself, outside the engine (node:crypto `id-aes256-wrap`), under a KEK whose bytes it learnt
 *   the way a recipient would (the KEK is generated in the cluster, wrapped with rsa-oaep under a
 *   transport RSA public key the test imported, and decrypted outside with the matching private
 *   key, which only the test holds);
 * - public keys and RSA private keys by `key import pem`.
 * Cases then run through `perform(ctx, operation, input, caller)`. The runner applies the
 * valid / invalid / acceptable rules: valid cases must succeed with the expected output, invalid
 * ones must be refused with an HsmError of an expected code, nothing may throw anything else.
 */
import assert from 'node:assert/strict';
import { constants, createCipheriv, createDecipheriv, generateKeyPairSync, privateDecrypt, publicEncrypt, type KeyObject } from 'node:crypto';
import type { EngineContext } from '../../../src/core/context.js';
import { perform, type Caller, type Operation } from '../../../src/core/engine.js';
import { HsmError } from '../../../src/core/errors.js';
import { importPem } from '../../../src/core/keys/files.js';
import { generateSymmetric } from '../../../src/core/keys/generate.js';
import { unwrapKey, wrapKey } from '../../../src/core/keys/wrap.js';
import { getProvider, type ProviderName } from '../../../src/core/mechanisms/index.js';
import { login } from '../../../src/core/users/operations.js';
import { clusterContext } from '../../support/templates.js';

export const PROVIDER_NAMES: readonly ProviderName[] = ['node', 'noble'];

const ADMIN_PASSWORD = 'Admin-Pass-123';
const USER = 'vectors';
const USER_PASSWORD = 'Vectors-Pass-456';
/** RFC 3394 §2.2.3.1 default initial value. */
const KW_IV = Buffer.from('a6a6a6a6a6a6a6a6', 'hex');

// ---------------------------------------------------------------------------------------------
// Vectors

// The vector file types and loader are shared with the primitive-level tests.
import type { WycheproofFile, WycheproofGroup, WycheproofTest } from '../mechanisms/support.js';
import type { KeyView } from '../../../src/core/keys/model.js';
import { byReference, type KeySelector } from '../../../src/core/keys/selector.js';
export { loadVectors, type WycheproofFile, type WycheproofGroup, type WycheproofResult, type WycheproofTest } from '../mechanisms/support.js';

export function hex(value: unknown): Uint8Array {
  if (typeof value !== 'string') throw new Error(`expected a hex string, got ${typeof value}`);
  return new Uint8Array(Buffer.from(value, 'hex'));
}

export function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return Buffer.from(a).equals(Buffer.from(b));
}


export function pem(label: string, der: Uint8Array): string {
  const lines = Buffer.from(der).toString('base64').match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----\n`;
}

/**
 * A strict DER Ecdsa-Sig-Value (RFC 3279) → fixed-width r‖s, written here apart from the engine's
 * own converter so that the two cannot share a bug. Strict: definite minimal lengths, exactly two
 * minimal non-negative INTEGERs, nothing after them, each at most `size` bytes. Returns undefined
 * for anything else: such a signature is invalid before it ever reaches the engine.
 */
export function strictDerToP1363(der: Uint8Array, size: number): Uint8Array | undefined {
  let pos = 0;
  const length = (): number | undefined => {
    if (pos >= der.length) return undefined;
    const first = der[pos++]!;
    if (first < 0x80) return first;
    if (first !== 0x81 || pos >= der.length) return undefined; // nothing here needs more than one length byte
    const value = der[pos++]!;
    return value < 0x80 ? undefined : value; // 0x81 with a value below 128 is not minimal
  };
  const integer = (): Uint8Array | undefined => {
    if (der[pos++] !== 0x02) return undefined;
    const n = length();
    if (n === undefined || n === 0 || pos + n > der.length) return undefined;
    const body = der.subarray(pos, pos + n);
    pos += n;
    if (body[0]! & 0x80) return undefined; // negative
    if (body[0] === 0 && n > 1 && !(body[1]! & 0x80)) return undefined; // non-minimal
    const magnitude = body[0] === 0 && n > 1 ? body.subarray(1) : body;
    if (magnitude.length > size) return undefined;
    const out = new Uint8Array(size);
    out.set(magnitude, size - magnitude.length);
    return out;
  };
  if (der[pos++] !== 0x30) return undefined;
  const total = length();
  if (total === undefined || pos + total !== der.length) return undefined;
  const r = integer();
  const s = r && integer();
  if (!r || !s || pos !== der.length) return undefined;
  return Uint8Array.from([...r, ...s]);
}

// ---------------------------------------------------------------------------------------------
// Wrapping outside the engine (what a user does with OpenSSL before `key unwrap`)

function kwCipher(kek: Uint8Array): string {
  return `id-aes${kek.length * 8}-wrap`;
}

/** RFC 3394 key wrap with node:crypto (OpenSSL). */
export function keyWrap(kek: Uint8Array, data: Uint8Array): Uint8Array {
  const c = createCipheriv(kwCipher(kek), kek, KW_IV);
  return new Uint8Array(Buffer.concat([c.update(data), c.final()]));
}

function pkcs5Pad(data: Uint8Array): Uint8Array {
  const n = 8 - (data.length % 8);
  return Uint8Array.from([...data, ...new Array<number>(n).fill(n)]);
}

// ---------------------------------------------------------------------------------------------
// One cluster per provider

export interface Bench {
  provider: ProviderName;
  ctx: EngineContext;
  clusterId: string;
  /** The crypto user's shell-style session: no credential check per operation. */
  caller: Caller;
  /** Runs one engine operation as the crypto user. */
  run<I extends { clusterId?: string }, O, P>(op: Operation<I, O, P>, input: I): Promise<O>;
  /** Brings secret key bytes in by `key unwrap` (under the test's KEK, or the transport key below 8 bytes); returns a key selector. */
  importSecret(bytes: Uint8Array, keyTypeClass: 'aes' | 'generic-secret', attributes: string[]): Promise<KeySelector>;
  /** `key import pem`; returns a key selector. */
  importPem(pemText: string, keyTypeClass: string, attributes: string[]): Promise<KeySelector>;
  /** The bytes of a secret key the user owns: wrapped by the engine (aes-gcm), opened outside. */
  secretBytes(selector: KeySelector): Promise<Uint8Array>;
  /** RSA-OAEP (SHA-256) encryption under the transport public key, for rsa-aes payloads. */
  encryptForTransport(data: Uint8Array): Uint8Array;
  /** Selector of the transport RSA private key inside the cluster (unwrap=true). */
  transportPrivate: KeySelector;
}

let labels = 0;
const nextLabel = (kind: string) => `${kind}-${++labels}`;
const reference = (key: KeyView) => byReference(key.ref);

/**
 * Quickstart (NON_FIPS, so Ed25519 is allowed), a crypto user logged in with a session, a
 * transport RSA pair made outside and imported (public wrap=true, private unwrap=true), and an
 * AES-256 KEK generated inside whose bytes the test recovers through that transport key.
 */
export async function openBench(provider: ProviderName): Promise<Bench> {
  const ctx = await clusterContext({ seed: `engine-vectors-${provider}`, password: ADMIN_PASSWORD, mode: 'NON_FIPS', cryptoUsers: { [USER]: USER_PASSWORD } });
  ctx.crypto = getProvider(provider);
  ctx.prepared = new Map();
  const { session } = await perform(ctx, login, { credentials: { username: USER, password: USER_PASSWORD, role: 'crypto-user' }, sessionPid: process.pid });
  assert.ok(session, 'login with a session pid records a session');
  const caller: Caller = { session: session, sessionKeys: new Map() };
  const run = <I extends { clusterId?: string }, O, P>(op: Operation<I, O, P>, input: I) => perform(ctx, op, input, caller);

  const transport = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const exportPem = (k: KeyObject, type: 'spki' | 'pkcs8') => k.export({ type, format: 'pem' }) as string;
  const doImport = async (pemText: string, keyTypeClass: string, attributes: string[]) =>
    reference((await run(importPem, { pem: pemText, label: nextLabel(keyTypeClass), keyTypeClass, attributes })).key);
  const transportPublic = await doImport(exportPem(transport.publicKey, 'spki'), 'rsa-public', ['wrap=true']);
  const transportPrivate = await doImport(exportPem(transport.privateKey, 'pkcs8'), 'rsa-private', ['unwrap=true']);

  const kekFilter = reference((await run(generateSymmetric, { keyType: 'aes', label: 'kek', keyLengthBytes: 32, attributes: ['wrap=true', 'unwrap=true'] })).key);
  const wrappedKek = await run(wrapKey, { mechanism: 'rsa-oaep', payloadFilter: kekFilter, wrappingFilter: transportPublic, hash: 'sha256', mgf: 'mgf1-sha256' });
  const kek = new Uint8Array(
    privateDecrypt({ key: transport.privateKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' }, Buffer.from(wrappedKek.wrapped)),
  );
  assert.equal(kek.length, 32);

  return {
    provider,
    ctx,
    clusterId: session.clusterId,
    caller,
    run,
    transportPrivate,
    importPem: doImport,
    async importSecret(bytes, keyTypeClass, attributes) {
      if (bytes.length < 8) {
        // Too short for RFC 3394 even when padded: sent under the transport key with RSA-OAEP.
        const data = new Uint8Array(publicEncrypt({ key: transport.publicKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' }, bytes));
        const { key } = await run(unwrapKey, { mechanism: 'rsa-oaep', filter: transportPrivate, data, keyTypeClass, label: nextLabel(keyTypeClass), attributes, hash: 'sha256', mgf: 'mgf1-sha256' });
        return reference(key);
      }
      const exact = bytes.length >= 16 && bytes.length % 8 === 0;
      const data = keyWrap(kek, exact ? bytes : pkcs5Pad(bytes));
      const { key } = await run(unwrapKey, { mechanism: exact ? 'aes-no-pad' : 'aes-pkcs5-pad', filter: kekFilter, data, keyTypeClass, label: nextLabel(keyTypeClass), attributes });
      return reference(key);
    },
    async secretBytes(selector) {
      // aes-gcm, because the engine's aes-pkcs5-pad (RFC 3394 underneath) cannot wrap fewer than 8 bytes.
      const wrapped = await run(wrapKey, { mechanism: 'aes-gcm', payloadFilter: selector, wrappingFilter: kekFilter, tagLengthBits: 128 });
      const data = Buffer.from(wrapped.wrapped);
      const d = createDecipheriv('aes-256-gcm', kek, wrapped.iv!);
      d.setAuthTag(data.subarray(data.length - 16));
      return new Uint8Array(Buffer.concat([d.update(data.subarray(0, data.length - 16)), d.final()]));
    },
    encryptForTransport(data) {
      return new Uint8Array(publicEncrypt({ key: transport.publicKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' }, data));
    },
  };
}

/** Opens one bench per provider in a `before` hook and hands them to the tests. */
export function benches(): Record<ProviderName, Bench> {
  const open = {} as Record<ProviderName, Bench>;
  before(async function () {
    this.timeout(120_000);
    for (const name of PROVIDER_NAMES) open[name] = await openBench(name);
  });
  return open;
}

/** Keys brought in once per distinct material (several cases share a key). */
export function keyCache(bring: (material: string) => Promise<KeySelector>): (material: string) => Promise<KeySelector> {
  const known = new Map<string, Promise<KeySelector>>();
  return (material) => {
    let selector = known.get(material);
    if (!selector) {
      selector = bring(material);
      known.set(material, selector);
    }
    return selector;
  };
}

// ---------------------------------------------------------------------------------------------
// The case runner

/** What a refusal may look like: the engine's codes for a bad input, MAC, signature or ciphertext. */
export const REFUSAL_CODES: ReadonlySet<string> = new Set(['INVALID_ARGUMENT', 'DECRYPTION_FAILED', 'VERIFICATION_FAILED']);

/** A case the test itself refuses before the engine sees it (such as non-DER signature bytes). */
export class RefusedBeforeEngine extends Error {
  constructor(readonly reason: string) {
    super(reason);
  }
}

export interface CaseStats {
  valid: number;
  invalid: number;
  acceptable: number;
  acceptedAcceptable: number;
  /** Refusals by HsmError code (and `before-engine: reason`). */
  refusals: Record<string, number>;
  /** Cases the engine cannot give the Wycheproof answer for, by reason (pinned by each test). */
  gaps: Record<string, number>;
}

export interface RunOptions {
  /**
   * Names a known engine gap for a case (for instance a parameter the operation does not take):
   * such a case must then be refused with one of `REFUSAL_CODES`, whatever its result says.
   */
  gap?: (group: WycheproofGroup, test: WycheproofTest) => string | undefined;
  /** Codes that count as a refusal (default REFUSAL_CODES). */
  codes?: ReadonlySet<string>;
}

/**
 * Runs every case of `file`: `check` resolves true when the engine accepted the case and gave
 * the expected output, false when it gave another output; a rejected promise with an HsmError is
 * a refusal. Valid cases must be accepted, invalid ones refused, acceptable ones may go either
 * way; a refusal with another code, or any other exception, fails the case.
 */
export async function runCases(file: WycheproofFile, check: (group: WycheproofGroup, test: WycheproofTest) => Promise<boolean>, options: RunOptions = {}): Promise<CaseStats> {
  const codes = options.codes ?? REFUSAL_CODES;
  const stats: CaseStats = { valid: 0, invalid: 0, acceptable: 0, acceptedAcceptable: 0, refusals: {}, gaps: {} };
  const failures: string[] = [];
  for (const group of file.testGroups) {
    for (const test of group.tests) {
      stats[test.result]++;
      const label = `tcId ${test.tcId} (${test.result}; ${test.flags.join(',')})`;
      let accepted: boolean;
      let refusal: string | undefined;
      try {
        accepted = await check(group, test);
      } catch (err) {
        const code = err instanceof HsmError ? err.code : err instanceof RefusedBeforeEngine ? `before-engine: ${err.reason}` : undefined;
        if (code === undefined) {
          failures.push(`${label}: crashed with ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
          continue;
        }
        if (err instanceof HsmError && !codes.has(code)) {
          failures.push(`${label}: refused with unexpected code ${code}: ${err.message}`);
          continue;
        }
        stats.refusals[code] = (stats.refusals[code] ?? 0) + 1;
        refusal = err instanceof Error ? `${code}: ${err.message}` : code;
        accepted = false;
      }
      const gap = options.gap?.(group, test);
      if (gap) {
        stats.gaps[gap] = (stats.gaps[gap] ?? 0) + 1;
        if (accepted) failures.push(`${label}: expected a refusal (${gap}), but the engine accepted it`);
        else if (refusal === undefined) failures.push(`${label}: expected a refusal (${gap}), but the engine gave another output`);
        continue;
      }
      if (test.result === 'valid' && !accepted) failures.push(`${label}: refused (${refusal ?? 'wrong output'})`);
      if (test.result === 'invalid' && accepted) failures.push(`${label}: accepted`);
      if (test.result === 'acceptable' && accepted) stats.acceptedAcceptable++;
    }
  }
  assert.deepEqual(failures.slice(0, 20), [], `${failures.length} failing cases`);
  assert.equal(stats.valid + stats.invalid + stats.acceptable, file.numberOfTests, 'every case of the file ran');
  return stats;
}

export function summarize(stats: CaseStats): string {
  return JSON.stringify(stats);
}
