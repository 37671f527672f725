/**
 * Which HSMs an event is written to (audit-log.md §1, §4), and the pieces every operation's
 * events share: the caller's session handle on each HSM and the user types of §2.
 *
 * An operation plans its events (engine.ts `record`): each on the HSM that ran it, on every
 * ACTIVE HSM (a login; a user change, which reaches every HSM here, cluster.md §6), or on the
 * others (a new key's masked-object insert, §4.4). The service's own events (initialization,
 * backup, restore) go to the one HSM they happened on (`recordOn`).
 */
import { createHash } from 'node:crypto';
import type { EngineContext } from '../context.js';
import { activeHsms, type ClusterRecord, type HsmRecord } from '../cluster/model.js';
import type { Transaction } from '../store/index.js';
import { appendAuditEvent, type AuditEventInput, type Opcode, type UserType } from './log.js';

export interface PlannedEvent {
  on: 'routed' | 'all' | 'others';
  /** The session handle is each HSM's own (sessionHandle). */
  event: Omit<AuditEventInput, 'sessionHandle'>;
}

/** §2 user types by role; a caller's claimed role for a refused login. */
export function userTypeOf(role: string): UserType {
  if (role === 'crypto-user') return 'CN_CRYPTO_USER';
  if (role === 'unactivated-admin') return 'CN_CRYPTO_PRE_OFFICER';
  if (role === 'internal(APPLIANCE_USER)') return 'CN_APPLIANCE_USER';
  return 'CN_CRYPTO_OFFICER';
}

/**
 * The handle of this client's session on `hsmId`: one client process holds one session per HSM,
 * so the handle is the same for every event of the process on that HSM, and differs between HSMs.
 */
export function sessionHandle(hsmId: string): number {
  const digest = createHash('sha256').update(`${process.pid}/${hsmId}`).digest();
  return 0x1000000 | (digest.readUInt32BE(0) & 0xfffff);
}

/** Writes `plan`'s events to the HSMs they name, at cluster time (none for the bench's audit-off context, context.ts). */
export function recordEvents(tx: Transaction, ctx: EngineContext, cluster: ClusterRecord, routed: HsmRecord | undefined, plan: readonly PlannedEvent[]): void {
  if (plan.length === 0 || ctx.auditOffForBench) return;
  const active = activeHsms(cluster);
  const home = routed ?? active[0];
  for (const { on, event } of plan) {
    const targets = on === 'routed' ? (home ? [home] : []) : on === 'all' ? active : active.filter((h) => h !== home && h.hsmId !== home?.hsmId);
    for (const hsm of targets) appendAuditEvent(tx, cluster.clusterId, hsm.hsmId, ctx.now(), { ...event, sessionHandle: sessionHandle(hsm.hsmId) }, ctx.random);
  }
}

/** Writes `events` in order to the stream of `hsm` (which need not be in `cluster` yet: a new HSM's first events). */
export function recordOn(tx: Transaction, ctx: EngineContext, cluster: ClusterRecord, hsm: HsmRecord, events: ReadonlyArray<Omit<AuditEventInput, 'sessionHandle'>>): void {
  recordEvents(tx, ctx, cluster, hsm, events.map((event) => ({ on: 'routed', event })));
}

/** An event about a key on the HSM that ran it: its handle (0 when none is known yet) and, for a pair, the public one. */
export function keyEvent(opcode: Opcode, handle = 0, publicHandle = 0): PlannedEvent {
  return { on: 'routed', event: { opcode, keys: { secret: handle, public: publicHandle } } };
}
