/**
 * Section 8, what the audit log costs (audit-log.md §4, §7), on an activated two-HSM cluster with
 * a logged-in crypto user:
 *
 * (a) one AES-256 token key generation through `perform` with auditing on, against the same with
 *     auditing off, interleaved on one cluster (each key is deleted again, untimed). With auditing
 *     on it writes three events in its transaction (CN_GENERATE_KEY and
 *     CN_EXTRACT_MASKED_OBJECT_USER on the HSM that ran it, CN_INSERT_MASKED_OBJECT_USER on the
 *     other): one stream file per HSM appended and synced, and two stream heads.
 * (b) ECDSA P-256 sign through `perform`, 200 calls a run, on and off likewise. Signing is
 *     ordinary cryptographic use, which the HSM does not log (audit-log.md §1, no opcode in §3),
 *     and it runs read-only: it writes no event, so auditing costs it nothing and the ratio is
 *     about 1.0 by design. It is measured so that a change that put the log on this path shows.
 * (c) `audit verify` (the VerifyAuditLog operation the command runs) on a log of at least 10,000
 *     events, each written by a key generation through the engine: milliseconds per 10,000
 *     events, informational. The command itself is run once on the same folder to check that
 *     it verifies the log.
 *
 * The "off" runs use a copy of the same context with EngineContext.auditOffForBench set, which
 * only bench code sets; the store, the prepared keys and the cluster are shared.
 */
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import type { EngineContext } from '../src/core/context.js';
import { perform } from '../src/core/engine.js';
import { verifyAudit } from '../src/core/audit/operations.js';
import { generateKeyPair, generateSymmetric } from '../src/core/keys/generate.js';
import { byLabel } from '../src/core/keys/selector.js';
import { sign } from '../src/core/keys/sign.js';
import { timeGeneration } from './keys.js';
import { checkCliWorks, childEnv, compareInterleaved, LARGE_STORE, median, ms, PROJECT_ROOT, sessionCluster, timeMs, type SessionCluster } from './support.js';

const AUDIT_TARGET = 1.1;

const GENERATE_WARMUP = 10;
const GENERATE_RUNS = 200;

const SIGN_CALLS = 200;
const SIGN_WARMUP = 5;
const SIGN_RUNS = 41;

/** The size of the log `audit verify` is timed on, and the unit its figure is given in. */
const VERIFY_EVENTS = LARGE_STORE;
const VERIFY_WARMUP = 2;
const VERIFY_RUNS = 11;

/** The same cluster and caller, on a context that writes no audit event. */
function auditOff(cluster: SessionCluster): SessionCluster {
  const ctx: EngineContext = { ...cluster.ctx, auditOffForBench: true };
  return { ...cluster, ctx };
}

async function auditEvents(cluster: SessionCluster): Promise<number> {
  return (await perform(cluster.ctx, verifyAudit, {})).events;
}

/** Throws unless one generation writes `expected` events on `cluster`'s context. */
async function checkGenerationWrites(cluster: SessionCluster, expected: number): Promise<void> {
  const before = await auditEvents(cluster);
  await perform(cluster.ctx, generateSymmetric, { keyType: 'aes', label: `check-${expected}`, keyLengthBytes: 32 }, cluster.user);
  const written = (await auditEvents(cluster)) - before;
  if (written !== expected) throw new Error(`a key generation wrote ${written} audit events, expected ${expected}`);
}

export async function benchAudit(): Promise<void> {
  const on = await sessionCluster('audit');
  const off = auditOff(on);
  await checkGenerationWrites(on, 3);
  await checkGenerationWrites(off, 0);

  // (a) key generation
  await compareInterleaved({
    name: 'generate AES key, audit on vs off',
    baselineName: 'audit off',
    target: AUDIT_TARGET,
    warmup: GENERATE_WARMUP,
    runs: GENERATE_RUNS,
    baseline: (i) => timeGeneration(off, i),
    measured: (i) => timeGeneration(on, i),
  });

  // (b) sign: read-only and not logged, so the same work either way (see the header).
  await perform(on.ctx, generateKeyPair, { keyType: 'ec', curve: 'prime256v1', publicLabel: 'ec-pub', privateLabel: 'ec-priv', privateAttributes: ['sign=true'], publicAttributes: ['verify=true'] }, on.user);
  const input = { mechanism: 'ecdsa' as const, keyFilter: byLabel('ec-priv'), data: new Uint8Array(randomBytes(1024)), hash: 'sha256' };
  const before = await auditEvents(on);
  const signs = (cluster: SessionCluster) =>
    timeMs(async () => {
      for (let i = 0; i < SIGN_CALLS; i++) await perform(cluster.ctx, sign, input, cluster.user);
    });
  await compareInterleaved({
    name: `ECDSA sign x${SIGN_CALLS}, audit on vs off`,
    baselineName: 'audit off',
    target: AUDIT_TARGET,
    warmup: SIGN_WARMUP,
    runs: SIGN_RUNS,
    baseline: () => signs(off),
    measured: () => signs(on),
  });
  const signEvents = (await auditEvents(on)) - before;
  console.log(`${''.padEnd(34)} sign wrote ${signEvents} audit events in ${(SIGN_WARMUP + SIGN_RUNS) * SIGN_CALLS} calls with auditing on (ordinary cryptographic use is not logged)`);

  await benchVerify();
}

/** (c) `audit verify` on a log of at least VERIFY_EVENTS events, informational. */
async function benchVerify(): Promise<void> {
  const cluster = await sessionCluster('audit-verify');
  let events = await auditEvents(cluster);
  // Each token key generation writes three events (see the header).
  for (let i = 0; events < VERIFY_EVENTS; i++) {
    const missing = Math.ceil((VERIFY_EVENTS - events) / 3);
    for (let j = 0; j < missing; j++) {
      await perform(cluster.ctx, generateSymmetric, { keyType: 'aes', label: `log-${i}-${j}`, keyLengthBytes: 32 }, cluster.user);
    }
    events = await auditEvents(cluster);
  }
  const times: number[] = [];
  for (let i = -VERIFY_WARMUP; i < VERIFY_RUNS; i++) {
    const elapsed = await timeMs(() => perform(cluster.ctx, verifyAudit, {}));
    if (i >= 0) times.push(elapsed);
  }
  const { streams } = await perform(cluster.ctx, verifyAudit, {});
  const cli = checkCliWorks([path.join(PROJECT_ROOT, 'bin', 'run.js'), 'audit', 'verify', '--json'], childEnv(cluster.dir)).data as { events?: unknown } | undefined;
  if (cli?.events !== events) throw new Error(`\`audit verify\` checked ${String(cli?.events)} events, the log holds ${events}`);
  const perUnit = (median(times) * VERIFY_EVENTS) / events;
  console.log(
    `${`audit verify, per ${VERIFY_EVENTS.toLocaleString('en-US')} events`.padEnd(34)} ` +
      `median ${ms(perUnit)} (${ms(median(times))} for ${events.toLocaleString('en-US')} events in ${streams} streams)   informational, no target`,
  );
}
