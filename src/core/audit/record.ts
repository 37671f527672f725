/**
 * Which HSMs an event is written to (audit-log.md §1, §4), and the pieces every operation's
 * events share: the caller's session handle on each HSM and the user types of §2.
 *
 * An operation plans its events (engine.ts `record`): each on the HSM that ran it, on every
 * ACTIVE HSM (a login; a user change, which reaches every HSM here, cluster.md §6), or on the
 * others (a new key's masked-object insert, §4.4). The service's own events (initialization,
 * backup, restore) go to the one HSM they happened on (`recordOn`). A refused operation is
 * logged with the response of its refusal (`recordRefusal`).
 */
import { createHash } from 'node:crypto';
import type { EngineContext } from '../context.js';
import type { ErrorCode } from '../errors.js';
import { activeHsms, resolveCluster, type ClusterRecord, type HsmRecord } from '../cluster/model.js';
import type { Transaction } from '../store/index.js';
import { onClusterTime } from '../time/clock.js';
import { appendAuditEvents, RESPONSES, type AuditEventInput, type Opcode, type Response, type UserType } from './log.js';

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
  let handle = handles.get(hsmId);
  if (handle === undefined) {
    const digest = createHash('sha256').update(`${process.pid}/${hsmId}`).digest();
    handle = 0x1000000 | (digest.readUInt32BE(0) & 0xfffff);
    handles.set(hsmId, handle);
  }
  return handle;
}

const handles = new Map<string, number>();

/** Writes `plan`'s events to the HSMs they name, at cluster time (none for the bench's audit-off context, context.ts). */
export function recordEvents(tx: Transaction, ctx: EngineContext, cluster: ClusterRecord, routed: HsmRecord | undefined, plan: readonly PlannedEvent[]): void {
  if (plan.length === 0 || ctx.auditOffForBench) return;
  const active = activeHsms(cluster);
  const home = routed ?? active[0];
  // Each HSM's events in plan order, appended together: its stream head is written once.
  const byHsm = new Map<string, Array<[number, AuditEventInput]>>();
  for (const { on, event } of plan) {
    const targets = on === 'routed' ? (home ? [home] : []) : on === 'all' ? active : active.filter((h) => h !== home && h.hsmId !== home?.hsmId);
    for (const hsm of targets) {
      const list = byHsm.get(hsm.hsmId) ?? [];
      list.push([ctx.now(), { ...event, sessionHandle: sessionHandle(hsm.hsmId) }]);
      byHsm.set(hsm.hsmId, list);
    }
  }
  for (const [hsmId, events] of byHsm) appendAuditEvents(tx, cluster.clusterId, hsmId, events, ctx.random);
}

/** An event about a user (`username` as given, `role` as the CLI names it), on every HSM (cluster.md §6). */
export function userEvent(opcode: Opcode, username: string, role: string): PlannedEvent {
  return { on: 'all', event: { opcode, user: { name: username.toLowerCase(), type: userTypeOf(role) } } };
}

/** An event about a key on the HSM that ran it: its handle (0 when none is known yet) and, for a pair, the public one. */
export function keyEvent(opcode: Opcode, handle = 0, publicHandle = 0): PlannedEvent {
  return { on: 'routed', event: { opcode, keys: { secret: handle, public: publicHandle } } };
}

/** Writes `events` in order to the stream of `hsm` (which need not be in `cluster` yet: a new HSM's first events). */
export function recordOn(tx: Transaction, ctx: EngineContext, cluster: ClusterRecord, hsm: HsmRecord, events: ReadonlyArray<Omit<AuditEventInput, 'sessionHandle'>>): void {
  recordEvents(tx, ctx, cluster, hsm, events.map((event) => ({ on: 'routed', event })));
}

/**
 * The response a refusal is logged with (log.ts RESPONSES): the documented codes where a core
 * error code means the same, otherwise the error code's own name (errors.ts), without a number.
 */
const REFUSALS: Partial<Record<ErrorCode, Response>> = {
  USER_NOT_FOUND: RESPONSES.NO_SUCH_USER,
  KEY_SELECTION_NOT_UNIQUE: RESPONSES.INVALID_HANDLE,
  MECHANISM_NOT_ALLOWED: RESPONSES.POLICY_VIOLATION,
  KEY_ACCESS_DENIED: RESPONSES.KEY_ACCESS_DENIED,
  PERMISSION_DENIED: RESPONSES.INVALID_USER_TYPE,
  QUORUM_FAILED: RESPONSES.QUORUM_FAILED,
};

export function refusalResponse(code: ErrorCode): Response {
  return REFUSALS[code] ?? { text: `HSM Error: ${code}` };
}

/**
 * Errors that mean no HSM took the command in (no ACTIVE HSM, a session that has ended, a
 * cluster not found), or that the state cannot be read or written: nothing for an HSM to log.
 */
const NOT_RECEIVED: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  'NOT_LOGGED_IN',
  'NO_ACTIVE_HSM',
  'HSM_FAILED',
  'KEY_NOT_AVAILABLE',
  'CLUSTER_NOT_FOUND',
  'CLUSTER_NOT_SELECTED',
  'DETERMINISTIC_MODE',
  'STATE_LOCKED',
  'STATE_INTEGRITY',
  'STATE_PASSPHRASE',
  'STATE_VERSION',
  'STATE_IO',
  'STATE_ROLLBACK',
  'STATE_NOT_FOUND',
  'STATE_DIR_NOT_EMPTY',
  'PROMPT_CANCELLED',
  'USAGE',
  'INTERNAL',
]);

/**
 * Logs a refused operation (audit-log.md §2: a refusal is logged with its response code) in a
 * transaction of its own, at cluster time, on the HSM it was sent to (or every ACTIVE HSM, as
 * `planned` says). The refusal stands whatever happens here, so a failure to plan or write its
 * event is ignored: it never replaces the error the caller gets.
 */
export async function recordRefusal(ctx: EngineContext, clusterId: string | undefined, routed: HsmRecord | undefined, planned: () => PlannedEvent, code: ErrorCode): Promise<void> {
  if (NOT_RECEIVED.has(code)) return;
  await ctx.store
    .transact((tx) => {
      const { on, event } = planned();
      recordEvents(tx, onClusterTime(ctx, tx), resolveCluster(tx, clusterId), routed, [{ on, event: { ...event, response: refusalResponse(code) } }]);
    })
    .catch(() => undefined);
}
