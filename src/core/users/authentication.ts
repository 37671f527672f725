/**
 * Who the caller is (users-and-auth.md §5-6): credentials checked against the user's salted hash,
 * with failures counted durably toward lockout; login sessions, which other processes see; and the
 * check that a session is still good. The engine calls these before an operation runs. Every
 * login attempt is written to the audit log, in the transaction that counts it (refusals before
 * the password is looked at in one of their own).
 */
import { createHash } from 'node:crypto';
import type { EngineContext } from '../context.js';
import { HsmError } from '../errors.js';
import { requireHsm, resolveCluster, storeKeys, type ClusterRecord } from '../cluster/model.js';
import { isProcessAlive, type ReadView, type Transaction } from '../store/index.js';
import { RESPONSES, type Response } from '../audit/log.js';
import { recordEvents, userTypeOf, type PlannedEvent } from '../audit/record.js';
import { onClusterTime } from '../time/clock.js';
import { verifyPassword } from './password.js';
import { LOCKOUT_THRESHOLD, isLocked, roleName, type LoginRole, type UserRecord } from './rules.js';

export interface Credentials {
  username: string;
  password: string;
  role: LoginRole;
  /** The login will go on to the MFA step (mfa.ts): a user with MFA may pass the password step. */
  secondFactor?: boolean;
}

export interface SessionRecord {
  username: string;
  role: LoginRole | 'unactivated-admin';
  pid: number;
  since: number;
  /**
   * A login a service holds rather than a process (a KMS custom key store while CONNECTED, as
   * `kms/<store ID>`): live until the service ends it, whatever process wrote it.
   */
  heldBy?: string;
}

export interface Session {
  clusterId: string;
  sessionId: string;
  username: string;
  role: LoginRole;
}

export interface Actor {
  username: string;
  role: LoginRole;
  sessionId?: string;
}

/** Whether `username` has a live login session other than `exceptSessionId` (a process's, or one a service holds). */
export function isLoggedInElsewhere(view: ReadView, clusterId: string, username: string, exceptSessionId?: string): boolean {
  return view
    .list<SessionRecord>(storeKeys.sessionPrefix(clusterId))
    .some(([key, s]) => s.username === username && key !== storeKeys.session(clusterId, exceptSessionId ?? '') && (s.heldBy !== undefined || isProcessAlive(s.pid)));
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
  const cluster = first.cluster;
  // audit-log.md §2: a login is logged on every HSM the client reaches, refused ones with the
  // name and type the caller gave.
  const loginEvents = (response?: Response): PlannedEvent[] => [
    { on: 'all', event: { opcode: 'CN_LOGIN', response, user: { name: username, type: userTypeOf(credentials.role) } } },
  ];
  const recordLogin = (tx: Transaction, response?: Response) => recordEvents(tx, onClusterTime(ctx, tx), cluster, undefined, loginEvents(response));
  // Refusals that need no password (no such user, wrong role, locked) come before any waiting.
  try {
    checkLoginTarget(cluster.clusterId, username, first.user, credentials.role, credentials.secondFactor);
  } catch (err) {
    // The refusal stands even if its record cannot be written: it says nothing of the password.
    await ctx.store.transact((tx) => recordLogin(tx, first.user ? RESPONSES.LOGIN_FAILURE : RESPONSES.NO_SUCH_USER)).catch(() => undefined);
    throw err;
  }
  const key = storeKeys.user(cluster.clusterId, username);
  const userLock = `login-${createHash('sha256').update(key).digest('hex').slice(0, 16)}`;
  return ctx.store.exclusive(userLock, async () => {
    // What other guessers committed while this one waited for its turn.
    const current = checkLoginTarget(cluster.clusterId, username, (await readUser()).user, credentials.role, credentials.secondFactor);
    // scrypt runs in the threadpool for tens of milliseconds while this thread would idle: parse
    // the rest of the state meanwhile (a command reads it next, e.g. the keys to list).
    const verification = verifyPassword(credentials.password, current.passwordHash);
    ctx.store.warm();
    const right = await verification;
    const failures = await ctx.store.transact((tx) => {
      const now = tx.get<UserRecord>(key);
      if (!now || now.passwordHash !== current.passwordHash) return right ? 0 : now?.failedLogins ?? LOCKOUT_THRESHOLD;
      recordLogin(tx, right ? undefined : RESPONSES.LOGIN_FAILURE);
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
function checkLoginTarget(clusterId: string, username: string, user: UserRecord | undefined, role: LoginRole, secondFactor = false): UserRecord {
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
  // users-and-auth.md §7: a user with MFA logs in only with its signed token file.
  if (user.mfa && !secondFactor) {
    throw new HsmError(
      'MFA_REQUIRED',
      `${username} uses MFA: log in with \`login --username ${username} --role ${effectiveRole} mfa-token-sign --token FILE\` and sign the token file it writes; a single command (CLOUDHSM_PIN) cannot give the second factor`,
    );
  }
  return user;
}

function lockedError(username: string): HsmError {
  return new HsmError(
    'USER_LOCKED',
    `user ${username} is locked after ${LOCKOUT_THRESHOLD} failed logins; an admin must reset its password with \`user change-password --username ${username} --role ROLE\``,
  );
}

/** A session stays valid only while its user exists with the same role and is not locked. */
export function revalidateSession(view: ReadView, cluster: ClusterRecord, actor: Actor): void {
  const user = view.get<UserRecord>(storeKeys.user(cluster.clusterId, actor.username));
  const role = user?.role === 'unactivated-admin' ? 'admin' : user?.role;
  if (!user || role !== actor.role) {
    throw new HsmError('NOT_LOGGED_IN', `the session of ${actor.username} is no longer valid (the user was deleted or changed); log in again`);
  }
  if (actor.sessionId && !view.has(storeKeys.session(cluster.clusterId, actor.sessionId))) {
    throw new HsmError('NOT_LOGGED_IN', `the session of ${actor.username} has ended; log in again`);
  }
}
