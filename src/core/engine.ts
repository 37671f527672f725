/**
 * The single operation path. Every core operation is declared as data (who may run it, which
 * cluster it needs, whether it writes) and runs through `perform`, which authenticates the
 * caller, resolves the cluster, checks the role and session, and runs the operation in one
 * store transaction (or one consistent read). Audit logging and quorum checks hook in here.
 *
 * Authentication (users/authentication.ts) follows users-and-auth.md §5-6; the cluster's own
 * requirements (an ACTIVE HSM, activation) are cluster/model.ts's. The engine only puts the steps
 * in order.
 */
import { createHash } from 'node:crypto';
import type { EngineContext } from './context.js';
import { HsmError, asError, awsError } from './errors.js';
import { activeHsms, requireActivated, requireHsm, resolveCluster, type ClusterRecord, type HsmRecord } from './cluster/model.js';
import { replaceDueHsms, requireStillActive } from './cluster/replacement.js';
import type { KeyRecord } from './keys/model.js';
import type { ReadView, Transaction } from './store/index.js';
import { reach } from './store/faults.js';
import { housekeeping, scheduleHousekeeping } from './backups/lifecycle.js';
import { endDueKeyDeletions } from './kms/deletion.js';
import { LOCAL_ACCOUNT } from './kms/access.js';
import { accountOf } from './kms/policy-document.js';
import { backupKeys, type BackupSchedule } from './backups/model.js';
import { recordEvents, recordRefusal, type PlannedEvent } from './audit/record.js';
import { onClusterTime } from './time/clock.js';
import { revalidateSession, verifyCredentials, type Actor, type Credentials, type Session } from './users/authentication.js';
import { roleName } from './users/rules.js';
import { approve, type Approvals, type QuorumDemand } from './quorum/approval.js';

export type { Actor, Credentials, Session, SessionRecord } from './users/authentication.js';

/** Who may run an operation: nobody logged in, an admin, a crypto user, or either. */
export type Access = 'none' | 'admin' | 'crypto-user' | 'user';
/**
 * Which cluster an operation needs: none, any live one, any listed one (a live one, or when named
 * a DELETED one DescribeClusters still lists), or one with an ACTIVE HSM to talk to.
 */
export type ClusterNeed = 'none' | 'any' | 'listed' | 'hsm';

/** The caller of an operation: a shell session, or single-command credentials, or nobody. */
export interface Caller {
  session?: Session;
  credentials?: Credentials;
  /**
   * Session keys (token=false) of this caller's connection: kept only in its memory, never
   * written, gone when the shell logs out or the single command ends (keys.md §1).
   */
  sessionKeys?: Map<number, KeyRecord>;
}


export interface OperationEnv<P> {
  tx: Transaction;
  ctx: EngineContext;
  cluster: ClusterRecord;
  actor?: Actor;
  prepared: P;
  /** The caller's session keys (empty when it has none). */
  sessionKeys: Map<number, KeyRecord>;
  /** For an operation that talks to an HSM: the ACTIVE one the client sent it to. */
  hsm?: HsmRecord;
  /**
   * Writes audit events of what the operation did (audit-log.md §3-4), in its transaction, so that
   * they commit with it or not at all.
   */
  record: (plan: readonly PlannedEvent[]) => void;
  /**
   * Demands quorum approval (users-and-auth.md §8): a demand above 1 is met by the approval file
   * the input carries for its flag (or a token approved ahead of use), which is then consumed in
   * this transaction; otherwise the operation is refused. Every quorum-controlled operation asks
   * here, so no edge checks quorum on its own.
   */
  approve: (demand: QuorumDemand) => void;
  /**
   * Refuses the operation after committing what it wrote so far (a counted failure, its audit
   * event): `perform` rejects with `error` once the transaction has committed.
   */
  fail: (error: HsmError) => never;
}

export interface ClusterInput {
  clusterId?: string;
  /** Quorum approval files by flag name (`approval`, `payload-approval`, ...), parsed JSON. */
  approvals?: Approvals;
}

/** Refusals `env.fail` committed with their own events: not logged a second time (see `refusalLogged`). */
const committedRefusals = new WeakSet<HsmError>();

/** Thrown by `env.fail` inside a transaction: it commits, then `perform` rejects with `error`. */
class CommittedFailure extends Error {
  constructor(readonly error: HsmError) {
    super(error.message);
    committedRefusals.add(error);
  }
}

export interface Operation<I, O, P = undefined> {
  /** The API-style name (CreateUser, InitializeCluster), used in errors and, later, audit. */
  name: string;
  cluster: ClusterNeed;
  access: Access;
  /** Whether the cluster must have been activated. */
  activated?: boolean;
  write: boolean;
  /** Whether it may create the state in a folder that holds none (only creating a cluster does). */
  createsState?: boolean;
  /**
   * 'local': an AWS API operation on the local account's own resources (the CloudHSM cluster
   * API), which only that account's IAM policies could allow: an input `principal` (the signed
   * caller `serve` names) of another account is refused with CloudHsmAccessDeniedException.
   */
  account?: 'local';
  /** Slow work done before the lock is taken (password hashing, key generation). */
  prepare?: (input: I, ctx: EngineContext) => Promise<P>;
  run: (env: OperationEnv<P>, input: I) => O | Promise<O>;
  /**
   * The event the HSM logs when it refuses this operation (audit-log.md §2: refusals are logged
   * with their response code), from the input and the caller: a user's name, a key handle the
   * input names. Read only when an operation fails after its caller authenticated; `perform`
   * then writes it with the refusal's response (audit/record.ts recordRefusal). Operations
   * the HSM does not log (sign, encrypt, list) have none, and so cost nothing more.
   */
  audit?: (input: I, actor: Actor) => PlannedEvent;
}

export function defineOperation<I, O, P = undefined>(op: Operation<I, O, P>): Operation<I, O, P> {
  return Object.freeze(op);
}

/** Read-only transactions by the view they wrap: the store hands out the same view until it reloads. */
const readOnlyViews = new WeakMap<ReadView, Transaction>();

function readOnly(view: ReadView): Transaction {
  let tx = readOnlyViews.get(view);
  if (!tx) {
    const refuse = () => {
      throw new HsmError('INTERNAL', 'a read-only operation tried to change the state');
    };
    tx = { ...view, put: refuse, adopt: refuse, delete: refuse, loadCollection: refuse, appendToStream: refuse };
    readOnlyViews.set(view, tx);
  }
  return tx;
}

function checkAccess(access: Access, actor: Actor, operation: string): void {
  if (access === 'none' || access === 'user') return;
  if (actor.role !== access) {
    const what = access === 'admin' ? 'user and cluster management' : 'key management and cryptographic operations';
    throw new HsmError(
      'PERMISSION_DENIED',
      `${operation} needs ${roleName(access)} (${what}); ${actor.username} is logged in as ${roleName(actor.role)}. Log in as ${roleName(access)} instead`,
      { details: { required: access, actual: actor.role } },
    );
  }
}

/**
 * Runs `op` for `caller`: the one dispatch point of the emulator.
 *
 * A session call is the hot path of a long-running process, so it stays synchronous up to the
 * store, which runs a read at once when nothing else is queued: apart from the operation itself
 * it costs a few map lookups and one stat of the state's `head` file.
 */
export function perform<I extends ClusterInput, O, P>(ctx: EngineContext, op: Operation<I, O, P>, input: I, caller: Caller = {}): Promise<O> {
  if (op.account === 'local') {
    try {
      requireLocalPrincipal(op.name, (input as { principal?: unknown }).principal);
    } catch (err) {
      return Promise.reject(asError(err));
    }
  }
  if (op.access !== 'none' && !caller.session && caller.credentials) return performWithCredentials(ctx, op, input, caller, caller.credentials);
  try {
    let actor: Actor | undefined;
    if (op.access !== 'none') {
      const session = caller.session ?? notLoggedIn(op);
      if (input.clusterId !== session.clusterId) {
        if (input.clusterId) {
          throw new HsmError('NOT_LOGGED_IN', `this session is logged in to cluster ${session.clusterId}, not ${input.clusterId}; log out and log in to that cluster`);
        }
        input = { ...input, clusterId: session.clusterId };
      }
      actor = { username: session.username, role: session.role, sessionId: session.sessionId };
      if (op.audit) return refusalLogged(ctx, op, input, caller, actor);
      checkAccess(op.access, actor, op.name);
    }
    return prepareAndRun(ctx, op, input, caller, actor);
  } catch (err) {
    return Promise.reject(asError(err));
  }
}

function requireLocalPrincipal(operation: string, principal: unknown): void {
  if (principal === undefined) return;
  const account = typeof principal === 'string' ? accountOf(principal) : undefined;
  if (account === LOCAL_ACCOUNT) return;
  throw awsError(
    'AWS_ACCESS_DENIED',
    'CloudHsmAccessDeniedException',
    operation,
    `User: ${typeof principal === 'string' ? principal : JSON.stringify(principal)} is not authorized to perform: cloudhsm:${operation} in account ${LOCAL_ACCOUNT}: only the local account's principals may use its clusters`,
  );
}

/** Single-command credentials: checked (scrypt, off the main thread) before the operation runs. */
async function performWithCredentials<I extends ClusterInput, O, P>(ctx: EngineContext, op: Operation<I, O, P>, input: I, caller: Caller, credentials: Credentials): Promise<O> {
  const verified = await verifyCredentials(ctx, input.clusterId, credentials);
  const authenticated = { ...input, clusterId: verified.clusterId };
  if (op.audit) return refusalLogged(ctx, op, authenticated, caller, verified.actor);
  checkAccess(op.access, verified.actor, op.name);
  return prepareAndRun(ctx, op, authenticated, caller, verified.actor);
}

/**
 * Runs an operation that declares its `audit` event for an authenticated `actor`; if the HSM
 * refuses it (an HsmError from the role check on, other than a refusal `env.fail` committed with
 * its own events), logs that event with the refusal's response before the caller gets the
 * error. The attempt keeps the HSM the operation was sent to, so the refusal is logged there.
 */
function refusalLogged<I extends ClusterInput, O, P>(ctx: EngineContext, op: Operation<I, O, P>, input: I, caller: Caller, actor: Actor): Promise<O> {
  const attempt: Attempt = {};
  let pending: Promise<O>;
  try {
    checkAccess(op.access, actor, op.name);
    pending = prepareAndRun(ctx, op, input, caller, actor, attempt);
  } catch (err) {
    pending = Promise.reject(asError(err));
  }
  return pending.catch(async (err: unknown) => {
    if (err instanceof HsmError && !committedRefusals.has(err)) await recordRefusal(ctx, input.clusterId, attempt.hsm, () => op.audit!(input, actor), err.code);
    throw err;
  });
}

/** Where an attempt went: filled in by the run, for its refusal's event. */
interface Attempt {
  hsm?: HsmRecord;
}

function notLoggedIn(op: { name: string; access: Access }): never {
  throw new HsmError(
    'NOT_LOGGED_IN',
    `${op.name} needs a logged-in ${op.access === 'user' ? 'user' : op.access}: run \`login --username NAME --role ${op.access === 'crypto-user' ? 'crypto-user' : 'admin'}\` in the shell, or set CLOUDHSM_ROLE and CLOUDHSM_PIN=username:password for a single command`,
  );
}

/**
 * cluster.md §7 [emulator rule]: the client spreads operations over the ACTIVE HSMs; with one
 * operation at a time per client, least-outstanding-requests is round-robin.
 */
let nextHsm = 0;

function route(cluster: ClusterRecord): HsmRecord | undefined {
  const active = activeHsms(cluster);
  return active.length === 0 ? undefined : active[nextHsm++ % active.length];
}

/**
 * An operation with slow work before the lock (key generation) is sent to its HSM first: if that
 * HSM fails meanwhile, the operation fails as in-flight work on a failed HSM does (cluster.md §7).
 */
async function prepareAndRun<I extends ClusterInput, O, P>(ctx: EngineContext, op: Operation<I, O, P>, input: I, caller: Caller, actor: Actor | undefined, attempt?: Attempt): Promise<O> {
  if (!op.prepare) return runInStore(ctx, op, input, caller, actor, undefined as P, undefined, attempt);
  const look = (view: ReadView) => ({ due: housekeepingDue(view, onClusterTime(ctx, view).now()), routed: op.cluster === 'hsm' ? routeIfAny(view, input.clusterId) : undefined });
  const first = await ctx.store.read(look);
  let routed = first.routed;
  // The slow work reads the state too (connecting a key store checks kmsuser's password there):
  // it sees the state as due housekeeping leaves it (an HSM replaced), as the run will. If the
  // catch-up fails, the run tries again and reports why.
  if (first.due && (await catchUp(ctx).then(() => true, () => false))) ({ routed } = await ctx.store.read(look));
  if (attempt) attempt.hsm = routed;
  const prepared = await op.prepare(input, ctx);
  reach('operation.prepared', ctx.store.dir);
  return runInStore(ctx, op, input, caller, actor, prepared, routed, attempt);
}

/** The HSM an operation goes to, or none when its cluster cannot be resolved yet (the run reports why). */
function routeIfAny(view: ReadView, clusterId: string | undefined): HsmRecord | undefined {
  try {
    return route(resolveCluster(view, clusterId));
  } catch {
    return undefined;
  }
}

/** Whether housekeeping (daily backups, retention, HSM replacement, KMS key deletions) has work due at `now`. */
function housekeepingDue(view: ReadView, now: number): boolean {
  const schedule = view.get<BackupSchedule>(backupKeys.schedule);
  return schedule !== undefined && schedule.dueAt <= now;
}

/** Session keys live on one HSM: when it fails, they are gone (cluster.md §6-7). */
function dropLostSessionKeys(cluster: ClusterRecord, sessionKeys: Map<number, KeyRecord> | undefined): void {
  if (!sessionKeys?.size) return;
  for (const [ref, key] of sessionKeys) {
    if (key.hsmId && !cluster.hsms.some((h) => h.hsmId === key.hsmId && h.state === 'ACTIVE')) sessionKeys.delete(ref);
  }
}

const DUE = Symbol('housekeeping due');

/**
 * Runs the operation in one transaction, or for a read-only one on one consistent view. Its
 * context's `now()` is the cluster time of that state (time/clock.ts). When housekeeping is due
 * at that time (there is no daemon to run it), it runs first (see below).
 */
function runInStore<I extends ClusterInput, O, P>(base: EngineContext, op: Operation<I, O, P>, input: I, caller: Caller, actor: Actor | undefined, prepared: P, routed?: HsmRecord, attempt?: Attempt): Promise<O> {
  const body = (tx: Transaction): O | Promise<O> => {
    const ctx = onClusterTime(base, tx);
    const found = op.cluster === 'none' ? undefined : resolveCluster(tx, input.clusterId, op.name, op.cluster === 'listed' ? ctx.now() : undefined);
    if (found) {
      checkDeterministicMode(ctx, found);
      dropLostSessionKeys(found, caller.sessionKeys);
    }
    // An operation that needs no cluster never reads `cluster`.
    const cluster = found as ClusterRecord;
    let hsm: HsmRecord | undefined;
    if (op.cluster === 'hsm') {
      requireHsm(cluster);
      if (routed) requireStillActive(cluster, routed.hsmId);
      hsm = routed ?? route(cluster);
      if (attempt) attempt.hsm = hsm;
    }
    if (op.activated) requireActivated(cluster);
    if (actor) revalidateSession(tx, cluster, actor);
    const record = (plan: readonly PlannedEvent[]) => recordEvents(tx, ctx, cluster, hsm, plan);
    const approvals = input.approvals ?? {};
    const approveDemand = (demand: QuorumDemand) => {
      if (demand.required <= 1) return;
      if (!actor) throw new HsmError('INTERNAL', `${op.name} demanded quorum approval without a logged-in user`);
      approve({ tx, now: ctx.now(), cluster, actor, record }, approvals[demand.flag ?? 'approval'], demand);
    };
    const fail = (error: HsmError): never => {
      throw new CommittedFailure(error);
    };
    return op.run({ tx, ctx, cluster, actor, prepared, sessionKeys: caller.sessionKeys ?? new Map<number, KeyRecord>(), hsm, record, approve: approveDemand, fail }, input);
  };
  // A read-only operation given an approval writes: using the approval consumes its token.
  const write = op.write || (input.approvals !== undefined && Object.keys(input.approvals).length > 0);
  const transact = (fn: (tx: Transaction) => O | Promise<O> | typeof DUE) =>
    base.store.transact(async (tx) => {
      try {
        return await fn(tx);
      } catch (err) {
        if (err instanceof CommittedFailure) return err;
        throw err;
      }
    });
  const settle = <T>(result: T | CommittedFailure): T => {
    if (result instanceof CommittedFailure) throw result.error;
    return result;
  };
  // A read-only operation has nothing to commit: its failure is just its error.
  const read = <T>(fn: (view: ReadView) => T | Promise<T>): Promise<T> =>
    base.store.read(fn).catch((err: unknown) => {
      throw err instanceof CommittedFailure ? err.error : err;
    });
  const run = (): Promise<O> => (write ? transact(body).then((r) => settle(r as O | CommittedFailure)) : read((view) => body(readOnly(view))));
  const due = (view: ReadView) => housekeepingDue(view, onClusterTime(base, view).now());
  const first: Promise<O | typeof DUE | CommittedFailure> = write ? transact((tx) => (due(tx) ? DUE : body(tx))) : read((view) => (due(view) ? DUE : body(readOnly(view))));
  return first.then((result) => {
    if (result !== DUE) return settle(result);
    // HSM replacements, daily backups, retention, deletion windows and the end of KMS keys'
    // waiting periods catch up with cluster time first, in a transaction of their own, so that an
    // operation that then fails undoes none of it. If the state cannot be written now (a read-only
    // folder, a lock held too long), a read still answers from the state as it is.
    const caughtUp = catchUp(base);
    const unwritable = (err: unknown) => !op.write && err instanceof HsmError && (err.code === 'STATE_IO' || err.code === 'STATE_LOCKED');
    return caughtUp.then(run, (err: unknown) => (unwritable(err) ? run() : Promise.reject(asError(err))));
  });
}

/** Runs the housekeeping due at cluster time (a no-op when another process just did), in a transaction of its own. */
function catchUp(base: EngineContext): Promise<void> {
  return base.store.transact((tx) => {
    const ctx = onClusterTime(base, tx);
    replaceDueHsms(tx, ctx);
    const nextKeyDeletion = endDueKeyDeletions(tx, ctx);
    housekeeping(tx, ctx);
    // Housekeeping schedules its own next work; a KMS key's deletion date may come sooner.
    if (nextKeyDeletion !== undefined) scheduleHousekeeping(tx, nextKeyDeletion);
  });
}

/**
 * The deterministic test mode is chosen when a cluster is created and cannot be mixed: a seed is
 * refused on a cluster made without one, and a cluster made with one needs that same seed.
 */
export function checkDeterministicMode(ctx: EngineContext, cluster: ClusterRecord): void {
  const given = ctx.deterministicSeed === undefined ? undefined : seedSha256(ctx.deterministicSeed);
  if (given === cluster.deterministicSeedSha256) return;
  if (!cluster.deterministicSeedSha256) {
    throw new HsmError('DETERMINISTIC_MODE', `CLOUDHSM_DETERMINISTIC_SEED is set, but cluster ${cluster.clusterId} was created without it; the insecure deterministic mode is chosen only when a cluster is created. Unset it`);
  }
  throw new HsmError(
    'DETERMINISTIC_MODE',
    given === undefined
      ? `cluster ${cluster.clusterId} runs in the insecure deterministic mode: set CLOUDHSM_DETERMINISTIC_SEED to the seed it was created with`
      : `CLOUDHSM_DETERMINISTIC_SEED differs from the seed cluster ${cluster.clusterId} was created with`,
  );
}

/** The seed hashed last: a process uses one seed, and hashing it on every call would cost more than many operations. */
let lastSeed: { seed: string; sha256: string } | undefined;

function seedSha256(seed: string): string {
  if (lastSeed?.seed !== seed) lastSeed = { seed, sha256: createHash('sha256').update(seed).digest('hex') };
  return lastSeed.sha256;
}
