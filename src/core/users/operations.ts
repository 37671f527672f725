/**
 * HSM users (users-and-auth.md §1-6, cli-commands.md §3.4-3.9): list, create, delete, change
 * password, login and logout. Users are kept at cluster level and apply to every HSM at once
 * (cluster.md §6 [emulator rule]), so the lockout counter is one per user rather than one per
 * HSM. Only a failed HSM can miss a user (one made after it failed, or any on a zeroized one):
 * `cluster-coverage` is then "inconsistent" until it is replaced.
 */
import { randomUUID } from 'node:crypto';
import { HsmError } from '../errors.js';
import { defineOperation, type ClusterInput } from '../engine.js';
import { isLoggedInElsewhere, verifyCredentials, type Credentials, type Session, type SessionRecord } from './authentication.js';
import { storeKeys, tokenCoverage, type ClusterRecord } from '../cluster/model.js';
import { keyStoreKeys } from '../keys/filters.js';
import type { ReadView, Transaction } from '../store/index.js';
import type { EngineContext } from '../context.js';
import type { KeyRecord } from '../keys/model.js';
import { hashPassword } from './password.js';
import { userEvent, userTypeOf } from '../audit/record.js';
import { quorumKeys, settingsOf } from '../quorum/model.js';
import { tokensOf } from '../quorum/tokens.js';
import {
  APPLIANCE_USER,
  MAX_USERS,
  checkLoginRole,
  checkPassword,
  viewOfUser,
  type UserView,
  normaliseUsername,
  type LoginRole,
  type UserRecord,
} from './rules.js';

export const listUsers = defineOperation({
  name: 'ListUsers',
  cluster: 'hsm',
  access: 'none',
  write: false,
  run: ({ tx, cluster }) => {
    const users = tx
      .list<UserRecord>(storeKeys.userPrefix(cluster.clusterId))
      .map(([, u]) => u)
      // Creation order, with the appliance user last as in the CLI's examples.
      .sort((a, b) => (a.username === APPLIANCE_USER ? 1 : b.username === APPLIANCE_USER ? -1 : a.id - b.id));
    return { users: users.map((u): UserView => ({ ...viewOfUser(u), coverage: tokenCoverage(cluster, (f) => u.id <= f.lastUserId) === 'full' ? 'full' : 'inconsistent' })) };
  },
});

export interface UserInput extends ClusterInput {
  username: string;
  role: string;
}

export interface CreateUserInput extends UserInput {
  password: string;
}

/** audit-log.md §3: a crypto officer's creation is CN_CREATE_CO; a user change reaches every HSM (cluster.md §6). */
const creationEvent = (username: string, role: string) => userEvent(role === 'admin' ? 'CN_CREATE_CO' : 'CN_CREATE_USER', username, role);

export const createUser = defineOperation({
  name: 'CreateUser',
  cluster: 'hsm',
  access: 'admin',
  activated: true,
  write: true,
  audit: (input: CreateUserInput) => creationEvent(input.username, input.role),
  prepare: async (input: CreateUserInput, ctx) => {
    normaliseUsername(input.username);
    checkLoginRole(input.role);
    checkPassword(input.password);
    return hashPassword(input.password, ctx.random(16));
  },
  run: ({ tx, cluster, ctx, prepared, record, approve }, input) => {
    const username = normaliseUsername(input.username);
    const role = checkLoginRole(input.role);
    const key = storeKeys.user(cluster.clusterId, username);
    if (tx.has(key)) {
      throw new HsmError('USER_EXISTS', `user ${username} already exists in cluster ${cluster.clusterId}; choose another name or delete it first`);
    }
    if (tx.count(storeKeys.userPrefix(cluster.clusterId)) >= MAX_USERS) {
      throw new HsmError('USER_LIMIT_EXCEEDED', `cluster ${cluster.clusterId} already holds ${MAX_USERS} users, the maximum; delete a user first`);
    }
    // users-and-auth.md §8.1: user management is under the `user` service's quorum.
    approve({ service: 'user', required: settingsOf(tx, cluster.clusterId).values.user });
    const user: UserRecord = { id: cluster.nextUserId, username, role, passwordHash: prepared, failedLogins: 0, createdAt: ctx.now() };
    tx.put(key, user);
    tx.put(storeKeys.cluster(cluster.clusterId), { ...cluster, nextUserId: cluster.nextUserId + 1 });
    record([creationEvent(username, role)]);
    return { username, role };
  },
});

export function loadTarget(tx: ReadView, clusterId: string, input: UserInput): { key: string; user: UserRecord; role: LoginRole } {
  const username = normaliseUsername(input.username);
  const role = checkLoginRole(input.role);
  const key = storeKeys.user(clusterId, username);
  const user = tx.get<UserRecord>(key);
  if (!user) throw new HsmError('USER_NOT_FOUND', `there is no user ${username} in cluster ${clusterId}; \`user list\` shows the users`);
  if (user.role === 'internal(APPLIANCE_USER)') {
    throw new HsmError('BUILTIN_USER', `${username} is the appliance user the service uses to synchronise HSMs; it cannot be changed or deleted`);
  }
  const actual = user.role === 'unactivated-admin' ? 'admin' : user.role;
  if (actual !== role) throw new HsmError('ROLE_MISMATCH', `${username} is a ${user.role}, not a ${role}; give --role ${actual}`);
  return { key, user, role };
}

export const deleteUser = defineOperation({
  name: 'DeleteUser',
  cluster: 'hsm',
  access: 'admin',
  activated: true,
  write: true,
  audit: (input: UserInput) => userEvent('CN_DELETE_USER', input.username, input.role),
  run: ({ tx, cluster, actor, record, approve }, input: UserInput) => {
    const { key, user, role } = loadTarget(tx, cluster.clusterId, input);
    if (user.username === actor!.username || isLoggedInElsewhere(tx, cluster.clusterId, user.username)) {
      throw new HsmError('USER_LOGGED_IN', `${user.username} is logged in, so it cannot be deleted; it must log out first`);
    }
    // users-and-auth.md §3: a crypto user that owns keys cannot be deleted.
    const owned = tx.list<KeyRecord>(keyStoreKeys.prefix(cluster.clusterId)).filter(([, k]) => k.owner === user.username).length;
    if (owned > 0) {
      throw new HsmError('USER_OWNS_KEYS', `${user.username} owns ${owned} key(s); delete them first (log in as ${user.username} and run \`key delete\`)`);
    }
    if (role === 'admin') {
      const admins = tx.list<UserRecord>(storeKeys.userPrefix(cluster.clusterId)).filter(([, u]) => u.role === 'admin');
      if (admins.length <= 1) throw new HsmError('BUILTIN_USER', `${user.username} is the last admin; create another admin before deleting it`);
      // §8.1: no quorum value may exceed the number of admins, or no quorum could be reached again.
      const highest = Math.max(...Object.values(settingsOf(tx, cluster.clusterId).values));
      if (highest > admins.length - 1) {
        throw new HsmError('INVALID_ARGUMENT', `deleting ${user.username} would leave ${admins.length - 1} admin(s), fewer than a quorum value of ${highest}; lower it first with \`quorum token-sign set-quorum-value\``);
      }
    }
    approve({ service: 'user', required: settingsOf(tx, cluster.clusterId).values.user });
    tx.delete(key);
    record([userEvent('CN_DELETE_USER', user.username, role)]);
    return { username: user.username, role };
  },
});

export interface ChangePasswordInput extends UserInput {
  password: string;
  /** cli-commands.md §3.9: also remove the user's MFA, or its quorum key registration. */
  deregisterMfa?: boolean;
  deregisterQuorum?: boolean;
  /**
   * cloudhsm_mgmt_util changePswd without -2fa (legacy-shells.md §2): a user with 2FA loses it,
   * and with it its quorum key (users-and-auth.md §7).
   */
  dropTwoFactor?: boolean;
}

export const changePassword = defineOperation({
  name: 'ChangePassword',
  cluster: 'hsm',
  access: 'user',
  activated: true,
  write: true,
  audit: (input: ChangePasswordInput) => userEvent('CN_CHANGE_PSWD', input.username, input.role),
  prepare: async (input: ChangePasswordInput, ctx) => {
    checkPassword(input.password);
    return hashPassword(input.password, ctx.random(16));
  },
  run: ({ tx, cluster, actor, prepared, record, approve }, input) => {
    const { key, user, role } = loadTarget(tx, cluster.clusterId, input);
    const self = user.username === actor!.username;
    if (!self && actor!.role !== 'admin') {
      throw new HsmError('PERMISSION_DENIED', `a crypto-user may change only its own password; ask an admin to reset the password of ${user.username}`);
    }
    if (!self && isLoggedInElsewhere(tx, cluster.clusterId, user.username)) {
      throw new HsmError('USER_LOGGED_IN', `${user.username} is logged in, so its password cannot be changed by someone else; it must log out first`);
    }
    // users-and-auth.md §8.1: changing another user's password is under the `user` quorum.
    if (!self) approve({ service: 'user', required: settingsOf(tx, cluster.clusterId).values.user });
    // users-and-auth.md §6: resetting the password is the only unlock; it clears the counter.
    const dropBoth = Boolean(input.dropTwoFactor && user.mfa);
    tx.put(key, { ...user, passwordHash: prepared, failedLogins: 0, ...withoutFactors(user, input.deregisterMfa || dropBoth, input.deregisterQuorum || dropBoth) });
    record([userEvent('CN_CHANGE_PSWD', user.username, role)]);
    return { username: user.username, role };
  },
});

/** The user fields left after removing its MFA and/or its quorum registration (one key serves both). */
export function withoutFactors(user: UserRecord, mfa?: boolean, quorum?: boolean): Partial<UserRecord> {
  const keepMfa = Boolean(user.mfa) && !mfa;
  const keepQuorum = Boolean(user.quorum) && !quorum;
  return { mfa: keepMfa || undefined, quorum: keepQuorum || undefined, publicKeyPem: keepMfa || keepQuorum ? user.publicKeyPem : undefined };
}

export interface LoginInput extends ClusterInput {
  credentials: Credentials;
  /** The pid of a shell that keeps the login; absent for a one-off credential check. */
  sessionPid?: number;
}

export interface LoginResult {
  username: string;
  role: LoginRole;
  session?: Session;
}

/**
 * `login`: checks the credentials (counting failures toward lockout) and, for a shell, records
 * a session so that other processes see the user as logged in (users-and-auth.md §5).
 */
export const login = defineOperation({
  name: 'Login',
  cluster: 'hsm',
  access: 'none',
  write: true,
  prepare: async (input: LoginInput, ctx) => {
    const credentials = { ...input.credentials, role: checkLoginRole(input.credentials.role), username: normaliseUsername(input.credentials.username) };
    return verifyCredentials(ctx, input.clusterId, credentials);
  },
  run: ({ tx, ctx, cluster, prepared }, input): LoginResult => openSession(tx, ctx, cluster, prepared.user, prepared.actor.role, input.sessionPid),
});

/** A successful login's result; for a shell (`sessionPid`), with the session it records. */
export function openSession(tx: Transaction, ctx: EngineContext, cluster: ClusterRecord, user: UserRecord, role: LoginRole, sessionPid: number | undefined): LoginResult {
  const result = { username: user.username, role };
  if (sessionPid === undefined) return result;
  const sessionId = randomUUID();
  const record: SessionRecord = { username: user.username, role: user.role === 'unactivated-admin' ? 'unactivated-admin' : role, pid: sessionPid, since: ctx.now() };
  tx.put(storeKeys.session(cluster.clusterId, sessionId), record);
  return { ...result, session: { clusterId: cluster.clusterId, sessionId, username: user.username, role } };
}

/**
 * Ends the caller's shell session and its quorum tokens, logged as `opcode` only by the HSM that
 * ran it (audit-log.md §4.3).
 */
function endSession(opcode: 'CN_LOGOUT' | 'CN_APP_FINALIZE', name: string) {
  return defineOperation({
    name,
    cluster: 'any',
    access: 'user',
    write: true,
    run: ({ tx, cluster, actor, record }) => {
      if (actor?.sessionId) {
        tx.delete(storeKeys.session(cluster.clusterId, actor.sessionId));
        // users-and-auth.md §8.3 step 4: the session's quorum tokens end with it.
        for (const token of tokensOf(tx, cluster.clusterId)) if (token.sessionId === actor.sessionId) tx.delete(quorumKeys.token(cluster.clusterId, token.id));
      }
      if (actor) record([{ on: 'routed', event: { opcode, user: { name: actor.username, type: userTypeOf(actor.role) } } }]);
      return 'Logout successful';
    },
  });
}

/** `logout`: ends the caller's shell session. */
export const logout = endSession('CN_LOGOUT', 'Logout');

/**
 * A shell left without `logout` (quit, end of input) closes its connection: its session ends as
 * at a logout, and the HSM logs CN_APP_FINALIZE instead of CN_LOGOUT (audit-log.md §3-4.3).
 */
export const closeConnection = endSession('CN_APP_FINALIZE', 'CloseConnection');
