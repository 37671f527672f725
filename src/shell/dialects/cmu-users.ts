/**
 * CMU user commands (legacy-shells.md §2, users-and-auth.md §1-5): loginHSM, logoutHSM,
 * listUsers, createUser, deleteUser, changePswd and syncUser. Each runs the core operation the
 * CloudHSM CLI command runs (login, logout, user list/create/delete/change-password, cluster
 * activate); only the grammar (positional `<type> <name> <password>`) and the output differ.
 */
import { perform } from '../../core/engine.js';
import { isHsmError, type HsmError } from '../../core/errors.js';
import { activateCluster } from '../../core/cluster/operations.js';
import { listKeys } from '../../core/keys/operations.js';
import { changePassword, createUser, deleteUser, login, logout } from '../../core/users/operations.js';
import type { LoginRole, UserView } from '../../core/users/rules.js';
import { callerOf, type LineOutcome } from '../dialect.js';
import { CmuRefusal, CmuUsage, hint, serverFailure, serverName, successLines } from './cmu-output.js';
import { cmuError, confirmed, parseNumber, userById, userRecords, type Cmu, type CmuCall } from './cmu-context.js';
import { userType, yesNo, type UserType } from './legacy-users.js';

/** Parses a type argument; `preCO` is CMU's other spelling of PRECO; types are case-sensitive (§2). */
export function parseType(word: string, accepted: readonly UserType[], cmd: string): UserType {
  const type = (word === 'preCO' ? 'PRECO' : word) as UserType;
  if (accepted.includes(type)) return type;
  const why = word === 'AU' ? ' (AU, the appliance user app_user, is internal to the service)' : '';
  throw new CmuRefusal(`${cmd}: invalid user type "${word}"${why}; give one of ${accepted.join(', ')}`);
}

/** CO, PCO and PRECO are admins to the core (PCO = the activated built-in admin, PRECO = before activation). */
function roleOf(type: UserType): LoginRole {
  return type === 'CU' ? 'crypto-user' : 'admin';
}

function sameType(actual: UserType, given: UserType): boolean {
  const officer = (t: UserType) => (t === 'PCO' ? 'CO' : t);
  return officer(actual) === officer(given);
}

/** Usernames are case-insensitive and shown lowercase (users-and-auth.md §2). */
function displayName(name: string): string {
  return name.toLowerCase();
}

/** `<password | -hpswd> [-2fa <path>]`: the password word, or a hidden prompt for `-hpswd`. */
async function passwordArg(call: CmuCall, word: string, rest: readonly string[]): Promise<string> {
  if (rest[0] === '-2fa') throw new CmuRefusal(`${call.name}: -2fa (two-factor authentication) is not modelled by this emulator; leave it out`);
  if (rest.length > 0) throw new CmuUsage();
  return word === '-hpswd' ? call.host.io.password('Enter password:') : word;
}

/** The user a type/name pair names must have that type (users-and-auth.md §1). */
export async function checkType(cmu: Cmu, name: string, type: UserType): Promise<UserView | undefined> {
  const user = (await userRecords(cmu)).find((u) => u.username === displayName(name));
  if (user && !sameType(userType(user), type)) {
    throw cmuError('ROLE_MISMATCH', `${user.username} is a ${userType(user)}, not a ${type}; give its type as listUsers shows it`);
  }
  return user;
}

/**
 * `loginHSM <type> <name> <password | -hpswd>`: a script may leave out the password when
 * CLOUDHSM_PIN holds `name:password` for that user.
 */
export async function loginHsm(call: CmuCall): Promise<LineOutcome> {
  const [typeWord, name, passwordWord, ...rest] = call.args as string[];
  const type = parseType(typeWord!, ['CO', 'PCO', 'CU', 'PRECO'], call.name);
  const cmu = await call.open();
  if (call.host.session) {
    throw cmuError('ALREADY_LOGGED_IN', `${call.host.session.username} is already logged in; run logoutHSM first`);
  }
  const password = passwordWord === undefined ? pinPassword(call, name!) : await passwordArg(call, passwordWord, rest);
  const user = await checkType(cmu, name!, type);
  if (type === 'PRECO' && user?.role !== 'unactivated-admin') {
    throw cmuError('CLUSTER_ALREADY_ACTIVATED', 'there is no PRECO: the cluster is already activated, and its admin is now the PCO (loginHSM CO admin <password>)');
  }
  const result = await perform(
    cmu.engine,
    login,
    { clusterId: cmu.clusterId, credentials: { username: name!, password, role: roleOf(type) }, sessionPid: process.pid },
    {},
  );
  call.host.session = result.session;
  cmu.write(successLines('loginHSM', cmu.servers));
  return 'ok';
}

function pinPassword(call: CmuCall, name: string): string {
  const pin = call.host.env.CLOUDHSM_PIN ?? '';
  const colon = pin.indexOf(':');
  if (colon > 0 && pin.slice(0, colon).toLowerCase() === name.toLowerCase()) return pin.slice(colon + 1);
  throw new CmuUsage();
}

export async function logoutHsm(call: CmuCall): Promise<LineOutcome> {
  const cmu = await call.open();
  const session = call.host.session;
  if (!session) throw cmuError('NOT_LOGGED_IN', 'nobody is logged in');
  await perform(cmu.engine, logout, { clusterId: session.clusterId }, { session });
  call.host.session = undefined;
  call.host.sessionKeys.clear();
  cmu.write(successLines('logoutHSM', cmu.servers));
  return 'ok';
}

/**
 * §2 listUsers: per server a header and one row per user in ID order. Column positions follow
 * the spec's example row (ID right-aligned, YES/NO and counts right-aligned under their headers).
 * MofnPubKey is YES for a user with a key registered for quorum (registerQuorumPubKey, or
 * `user change-quorum token-sign register`), 2FA for one with MFA (users-and-auth.md §7-8).
 */
export async function listUsersCommand(call: CmuCall): Promise<LineOutcome> {
  const cmu = await call.open();
  const records = await userRecords(cmu);
  const header = '    User Id             User Type       User Name                          MofnPubKey    LoginFailureCnt         2FA\n';
  const rows = records.map(
    (u) => `${String(u.id).padStart(10)}${' '.repeat(14)}${userType(u).padEnd(16)}${u.username.padEnd(40)}${yesNo(u.quorum).padStart(3)}${String(u.failedLogins).padStart(16)}${yesNo(u.mfa).padStart(17)}\n`,
  );
  for (const server of cmu.servers) {
    cmu.write(`Users on server ${serverName(server)}:\nNumber of users found:${records.length}\n\n${header}${rows.join('')}`);
  }
  return 'ok';
}

/** A question answered by one of `letters` (either case); anything else asks again, end of input is null. */
async function choice(call: CmuCall, question: string, letters: string): Promise<string | null> {
  for (;;) {
    const answer = await call.host.io.ask(question);
    if (answer === null) return null;
    const letter = answer.trim().toUpperCase();
    if (letter.length === 1 && letters.includes(letter)) return letter;
  }
}

/**
 * §0: createUser and deleteUser report a failure server by server, each part followed by a
 * question: createUser `Retry/Ignore/Abort?(R/I/A):`, deleteUser `Retry/rollBack/Ignore?(R/B/I):`.
 * Every emulated server holds the same users, so what fails on one fails on each: R runs the
 * operation again, I goes on to the next server, A (or B, with nothing to roll back since no
 * server took the change) stops. [assumed] Another answer asks again; end of input stops.
 */
async function onEachServer(call: CmuCall, cmu: Cmu, question: string, operation: () => Promise<unknown>): Promise<LineOutcome> {
  const letters = question.slice(question.lastIndexOf('(') + 1, question.lastIndexOf(')')).replace(/\//g, '');
  let index = 0;
  let explained = false;
  for (;;) {
    let failure: HsmError;
    try {
      await operation();
      return 'ok';
    } catch (err) {
      // A cancelled prompt or a fault in the emulator goes to the dispatcher.
      if (!isHsmError(err) || err.code === 'INTERNAL') throw err;
      failure = err;
    }
    if (!explained) call.host.io.explain?.(hint(failure));
    explained = true;
    for (;;) {
      cmu.write(`${serverFailure(call.name, failure, cmu.servers[index]!)}\n`);
      const answer = await choice(call, question, letters);
      if (answer === 'R') break;
      if (answer !== 'I' || ++index >= cmu.servers.length) return 'failed';
    }
  }
}

/** §2 createUser: the confirmation, `Creating User <name>(<type>) on <n> nodes`, and nothing more on success. */
export async function createUserCommand(call: CmuCall): Promise<LineOutcome> {
  const [typeWord, name, passwordWord, ...rest] = call.args as string[];
  const type = parseType(typeWord!, ['CO', 'PCO', 'CU', 'PRECO'], call.name);
  if (type === 'PRECO') throw new CmuRefusal('createUser: a PRECO exists only on a cluster that was never activated and cannot be created; create a CO or a CU');
  const password = await passwordArg(call, passwordWord!, rest);
  const cmu = await call.open();
  const stop = await confirmed(call.host);
  if (stop) return stop;
  cmu.write(`Creating User ${displayName(name!)}(${type}) on ${cmu.servers.length} nodes\n`);
  return onEachServer(call, cmu, 'Retry/Ignore/Abort?(R/I/A):', () =>
    perform(cmu.engine, createUser, { clusterId: cmu.clusterId, username: name!, role: roleOf(type), password }, callerOf(call.host)),
  );
}

/** §2: deleteUser shows no confirmation in the docs, so it asks none. */
export async function deleteUserCommand(call: CmuCall): Promise<LineOutcome> {
  const [typeWord, name] = call.args as string[];
  const type = parseType(typeWord!, ['CO', 'PCO', 'CU'], call.name);
  const cmu = await call.open();
  cmu.write(`Deleting user ${displayName(name!)}(${type}) on ${cmu.servers.length} nodes\n`);
  const outcome = await onEachServer(call, cmu, 'Retry/rollBack/Ignore?(R/B/I):', async () => {
    await checkType(cmu, name!, type);
    await perform(cmu.engine, deleteUser, { clusterId: cmu.clusterId, username: name!, role: roleOf(type) }, callerOf(call.host));
  });
  if (outcome === 'ok') cmu.write(successLines('deleteUser', cmu.servers));
  return outcome;
}

/**
 * `changePswd <type> <name> <password | -hpswd>`: the confirmation, then `Changing password for
 * <name>(<type>) on <n> nodes`. For the PRECO it is the activation
 * (users-and-auth.md §4): the same core operation as `cluster activate`, run by the logged-in
 * PRECO; the admin then becomes the PCO.
 */
export async function changePswdCommand(call: CmuCall): Promise<LineOutcome> {
  const [typeWord, name, passwordWord, ...rest] = call.args as string[];
  const type = parseType(typeWord!, ['CO', 'PCO', 'CU', 'PRECO'], call.name);
  const password = await passwordArg(call, passwordWord!, rest);
  const cmu = await call.open();
  const stop = await confirmed(call.host);
  if (stop) return stop;
  cmu.write(`Changing password for ${displayName(name!)}(${type}) on ${cmu.servers.length} nodes\n`);
  await checkType(cmu, name!, type);
  if (type === 'PRECO') await activate(call, cmu, name!, password);
  else await perform(cmu.engine, changePassword, { clusterId: cmu.clusterId, username: name!, role: roleOf(type), password, dropTwoFactor: true }, callerOf(call.host));
  // §2: the docs show nothing after this line on success. [assumed] A failure prints the usual
  // per-server lines, without createUser's question (none is documented for changePswd).
  return 'ok';
}

async function activate(call: CmuCall, cmu: Cmu, name: string, password: string): Promise<void> {
  if (cmu.cluster.activatedAt) throw cmuError('CLUSTER_ALREADY_ACTIVATED', 'the cluster is already activated; there is no PRECO any more');
  if (call.host.session?.username !== displayName(name)) {
    throw cmuError('NOT_LOGGED_IN', `activation is done by the PRECO itself: loginHSM PRECO ${displayName(name)} <initial-password> first`);
  }
  await perform(cmu.engine, activateCluster, { clusterId: cmu.clusterId, password });
}

/**
 * The login checked through the core (it still exists, its user unchanged): `key list` is the
 * cheapest operation every logged-in user may run. Returns the login.
 */
export async function requireLogin(cmu: Cmu): Promise<NonNullable<Cmu['host']['session']>> {
  await perform(cmu.engine, listKeys, { clusterId: cmu.clusterId, maxItems: 1 }, callerOf(cmu.host));
  return cmu.host.session!;
}

/** The destination server of syncKey/syncUser: another server of the cluster. */
export function destinationServer(cmu: Cmu, word: string): void {
  const dest = parseNumber(word, 'the destination server');
  if (!cmu.all[dest]) throw new CmuRefusal(`there is no server ${dest}; the servers are 0 to ${cmu.all.length - 1} (info server <n>)`);
  if (!cmu.all[dest].connected) throw new CmuRefusal(`server ${dest} (${cmu.all[dest].ip}) is not connected: its HSM failed and is being replaced`);
  if (dest === cmu.servers[0]!.index) throw new CmuRefusal(`server ${dest} is the source server (the one in server mode); give another server`);
}

/**
 * `syncUser <user-id> <dest-server>` (server mode, CO): every HSM of an emulated cluster holds
 * the same users, so after the checks there is nothing to copy.
 */
export async function syncUserCommand(call: CmuCall): Promise<LineOutcome> {
  const [idWord, destWord] = call.args as string[];
  const id = parseNumber(idWord!, 'the user ID');
  const cmu = await call.open();
  destinationServer(cmu, destWord!);
  const session = await requireLogin(cmu);
  if (session.role !== 'admin') throw cmuError('PERMISSION_DENIED', 'syncUser is for crypto officers (CO, PCO); log in as a CO');
  await userById(cmu, id);
  cmu.write('ExtractMaskedObject: 0x0 !\nInsertMaskedObject: 0x0 !\nsyncUser success\n');
  return 'ok';
}
