/**
 * The single operation path. Every core operation is declared as data (who may run it, which
 * cluster it needs, whether it writes) and runs through `perform`, which authenticates the
 * caller, resolves the cluster, checks the role and session, and runs the operation in one
 * store transaction (or one consistent read). Audit logging and quorum checks hook in here.
 *
 * Authentication follows users-and-auth.md §5-6: credentials are checked against a salted hash
 * outside the writer lock; every failure is committed before the refusal is returned, so the
 * lockout counter is durable; a shell login is a session record that other processes see.
 */
import { createHash } from 'node:crypto';
import type { EngineContext } from './context.js';
import { HsmError } from './errors.js';
import { resolveCluster, storeKeys, type ClusterRecord } from './cluster/model.js';
import type { KeyRecord } from './keys/model.js';
import type { ReadView, Transaction } from './store/index.js';
import { isProcessAlive } from './store/lock.js';
import { verifyPassword } from './users/password.js';
import { LOCKOUT_THRESHOLD, isLocked, type LoginRole, type UserRecord } from './users/rules.js';

/** Who may run an operation: nobody logged in, an admin, a crypto user, or either. */
export type Access = 'none' | 'admin' | 'crypto-user' | 'user';
/** Which cluster an operation needs: none, any live one, or one with an ACTIVE HSM to talk to. */
export type ClusterNeed = 'none' | 'any' | 'hsm';

export interface Credentials {
  username: string;
  password: string;
  role: LoginRole;
}

export interface SessionRecord {
  username: string;
  role: LoginRole | 'unactivated-admin';
  pid: number;
  since: number;
}

export interface Session {
  clusterId: string;
  sessionId: string;
  username: string;
  role: LoginRole;
}

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

export interface Actor {
  username: string;
  role: LoginRole;
  sessionId?: string;
}

export interface OperationEnv<P> {
  tx: Transaction;
  ctx: EngineContext;
  cluster: ClusterRecord;
  actor?: Actor;
  prepared: P;
  /** The caller's session keys (empty when it has none). */
  sessionKeys: Map<number, KeyRecord>;
}

export interface ClusterInput {
  clusterId?: string;
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
  /** Slow work done before the lock is taken (password hashing, key generation). */
  prepare?: (input: I, ctx: EngineContext) => Promise<P>;
  run: (env: OperationEnv<P>, input: I) => O | Promise<O>;
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
    tx = { ...view, put: refuse, delete: refuse };
    readOnlyViews.set(view, tx);
  }
  return tx;
}

export function requireHsm(cluster: ClusterRecord): void {
  if (!cluster.hsms.some((h) => h.state === 'ACTIVE')) {
    throw new HsmError(
      'NO_ACTIVE_HSM',
      `cluster ${cluster.clusterId} has no ACTIVE HSM to connect to; add one with \`hsm create --availability-zone ${Object.keys(cluster.subnetMapping)[0]}\``,
    );
  }
}

export function requireActivated(cluster: ClusterRecord): void {
  if (!cluster.activatedAt) {
    const next =
      cluster.state === 'INITIALIZED'
        ? 'activate it with `cluster activate`'
        : 'sign its CSR, run `cluster initialize`, then `cluster activate` (or use `cluster quickstart`)';
    throw new HsmError('CLUSTER_NOT_ACTIVATED', `cluster ${cluster.clusterId} is not activated yet (${cluster.state}); ${next}`);
  }
}

/** Whether `username` has a live login session other than `exceptSessionId`. */
export function isLoggedInElsewhere(view: ReadView, clusterId: string, username: string, exceptSessionId?: string): boolean {
  return view
    .list<SessionRecord>(storeKeys.sessionPrefix(clusterId))
    .some(([key, s]) => s.username === username && key !== storeKeys.session(clusterId, exceptSessionId ?? '') && isProcessAlive(s.pid));
}

function roleName(role: string): string {
  return role === 'admin' ? 'an admin' : role === 'crypto-user' ? 'a crypto-user' : `a ${role}`;
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
 * Checks credentials, counting a failure durably toward lockout (users-and-auth.md §6).
 * Returns the user as an actor.
 *
 * Guesses for one user are evaluated one at a time, across processes (a lock per user in the
 * state folder), and each outcome is committed under the writer lock before the next guess is
 * evaluated and before this one is answered. So at most LOCKOUT_THRESHOLD wrong guesses are ever
 * evaluated however many processes guess at once; and a guess whose outcome cannot be committed
 * (another process holds the writer lock past the timeout) is answered STATE_LOCKED whether it
 * was right or wrong, so the refusal says nothing about the password. A right guess clears the
 * count, as a successful login does on the real HSM, and writes nothing when there was none.
 */
export async function verifyCredentials(ctx: EngineContext, clusterId: string | undefined, credentials: Credentials): Promise<{ actor: Actor; clusterId: string; user: UserRecord }> {
  const username = credentials.username.toLowerCase();
  const readUser = () =>
    ctx.store.read((view) => {
      const cluster = resolveCluster(view, clusterId, 'Login');
      requireHsm(cluster);
      return { cluster, user: view.get<UserRecord>(storeKeys.user(cluster.clusterId, username)) };
    });
  const first = await readUser();
  // Refusals that need no password (no such user, wrong role, locked) come before any waiting.
  checkLoginTarget(first.cluster.clusterId, username, first.user, credentials.role);
  const cluster = first.cluster;
  const key = storeKeys.user(cluster.clusterId, username);
  const userLock = `login-${createHash('sha256').update(key).digest('hex').slice(0, 16)}`;
  return ctx.store.exclusive(userLock, async () => {
    // What other guessers committed while this one waited for its turn.
    const current = checkLoginTarget(cluster.clusterId, username, (await readUser()).user, credentials.role);
    // scrypt runs in the threadpool for tens of milliseconds while this thread would idle: parse
    // the rest of the state meanwhile (a command reads it next, e.g. the keys to list).
    const verification = verifyPassword(credentials.password, current.passwordHash);
    ctx.store.warm();
    const right = await verification;
    const failures = await ctx.store.transact((tx) => {
      const now = tx.get<UserRecord>(key);
      if (!now || now.passwordHash !== current.passwordHash) return right ? 0 : now?.failedLogins ?? LOCKOUT_THRESHOLD;
      if (!right) {
        tx.put(key, { ...now, failedLogins: now.failedLogins + 1 });
        return now.failedLogins + 1;
      }
      if (now.failedLogins !== 0) tx.put(key, { ...now, failedLogins: 0 });
      return 0;
    });
    if (!right) {
      if (failures >= LOCKOUT_THRESHOLD) throw lockedError(username);
      throw new HsmError(
        'LOGIN_FAILED',
        `wrong password for ${username} (${failures} failed login${failures === 1 ? '' : 's'} in a row; the user is locked after ${LOCKOUT_THRESHOLD})`,
        { details: { failedLogins: failures } },
      );
    }
    const role: LoginRole = current.role === 'unactivated-admin' ? 'admin' : (current.role as LoginRole);
    return { actor: { username, role }, clusterId: cluster.clusterId, user: current };
  });
}

/** The user a login names, refused before any password is looked at when it cannot log in. */
function checkLoginTarget(clusterId: string, username: string, user: UserRecord | undefined, role: LoginRole): UserRecord {
  if (!user) {
    throw new HsmError('USER_NOT_FOUND', `there is no user ${username} in cluster ${clusterId}; \`user list\` shows the users`);
  }
  if (user.role === 'internal(APPLIANCE_USER)') {
    throw new HsmError('LOGIN_FAILED', `${username} is the appliance user; it is internal to the service and cannot log in`);
  }
  const effectiveRole: LoginRole = user.role === 'unactivated-admin' ? 'admin' : user.role;
  if (effectiveRole !== role) {
    throw new HsmError('ROLE_MISMATCH', `${username} is ${roleName(user.role)}, not ${roleName(role)}; log in with --role ${effectiveRole}`);
  }
  if (isLocked(user)) throw lockedError(username);
  return user;
}

function lockedError(username: string): HsmError {
  return new HsmError(
    'USER_LOCKED',
    `user ${username} is locked after ${LOCKOUT_THRESHOLD} failed logins; an admin must reset its password with \`user change-password --username ${username} --role ROLE\``,
  );
}

/**
 * Runs `op` for `caller`: the one dispatch point of the emulator.
 *
 * A session call is the hot path of a long-running process, so it stays synchronous up to the
 * store, which runs a read at once when nothing else is queued: apart from the operation itself
 * it costs a few map lookups and one stat of the state's `head` file.
 */
export function perform<I extends ClusterInput, O, P>(ctx: EngineContext, op: Operation<I, O, P>, input: I, caller: Caller = {}): Promise<O> {
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
      checkAccess(op.access, actor, op.name);
    }
    return prepareAndRun(ctx, op, input, caller, actor);
  } catch (err) {
    return Promise.reject(err);
  }
}

/** Single-command credentials: checked (scrypt, off the main thread) before the operation runs. */
async function performWithCredentials<I extends ClusterInput, O, P>(ctx: EngineContext, op: Operation<I, O, P>, input: I, caller: Caller, credentials: Credentials): Promise<O> {
  const verified = await verifyCredentials(ctx, input.clusterId, credentials);
  checkAccess(op.access, verified.actor, op.name);
  return prepareAndRun(ctx, op, { ...input, clusterId: verified.clusterId }, caller, verified.actor);
}

function notLoggedIn(op: { name: string; access: Access }): never {
  throw new HsmError(
    'NOT_LOGGED_IN',
    `${op.name} needs a logged-in ${op.access === 'user' ? 'user' : op.access}: run \`login --username NAME --role ${op.access === 'crypto-user' ? 'crypto-user' : 'admin'}\` in the shell, or set CLOUDHSM_ROLE and CLOUDHSM_PIN=username:password for a single command`,
  );
}

function prepareAndRun<I extends ClusterInput, O, P>(ctx: EngineContext, op: Operation<I, O, P>, input: I, caller: Caller, actor: Actor | undefined): Promise<O> {
  if (op.prepare) return op.prepare(input, ctx).then((prepared) => runInStore(ctx, op, input, caller, actor, prepared));
  return runInStore(ctx, op, input, caller, actor, undefined as P);
}

/** Runs the operation in one transaction, or for a read-only one on one consistent view. */
function runInStore<I extends ClusterInput, O, P>(ctx: EngineContext, op: Operation<I, O, P>, input: I, caller: Caller, actor: Actor | undefined, prepared: P): Promise<O> {
  const body = (tx: Transaction): O | Promise<O> => {
    const cluster = op.cluster === 'none' ? (undefined as unknown as ClusterRecord) : resolveCluster(tx, input.clusterId, op.name);
    if (cluster) checkDeterministicMode(ctx, cluster);
    if (op.cluster === 'hsm') requireHsm(cluster);
    if (op.activated) requireActivated(cluster);
    if (actor) revalidate(tx, cluster, actor);
    return op.run({ tx, ctx, cluster, actor, prepared, sessionKeys: caller.sessionKeys ?? new Map() }, input);
  };
  return op.write ? ctx.store.transact(body) : ctx.store.read((view) => body(readOnly(view)));
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

/** A session stays valid only while its user exists with the same role and is not locked. */
function revalidate(view: ReadView, cluster: ClusterRecord, actor: Actor): void {
  const user = view.get<UserRecord>(storeKeys.user(cluster.clusterId, actor.username));
  const role = user?.role === 'unactivated-admin' ? 'admin' : user?.role;
  if (!user || role !== actor.role) {
    throw new HsmError('NOT_LOGGED_IN', `the session of ${actor.username} is no longer valid (the user was deleted or changed); log in again`);
  }
  if (actor.sessionId && !view.has(storeKeys.session(cluster.clusterId, actor.sessionId))) {
    throw new HsmError('NOT_LOGGED_IN', `the session of ${actor.username} has ended; log in again`);
  }
}
