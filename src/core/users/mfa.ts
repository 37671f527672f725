/**
 * Multi-factor authentication, token-sign strategy (users-and-auth.md §7, cli-commands.md §3.4,
 * §3.10): the HSMs issue one unsigned token per ACTIVE HSM, the user signs each with its private
 * key off the HSM, and the signatures must all verify with its registered public key. Used to
 * log in (after the password) and to register or rotate the key.
 *
 * The unsigned tokens wait in the state as a challenge, bound to the user and the purpose, until
 * they are answered once or expire (the token timeout for generated quorum tokens).
 */
import { HsmError } from '../errors.js';
import { defineOperation, type ClusterInput, type OperationEnv } from '../engine.js';
import { activeHsms, storeKeys, type ClusterRecord } from '../cluster/model.js';
import type { Transaction } from '../store/index.js';
import type { EngineContext } from '../context.js';
import { RESPONSES, type Response } from '../audit/log.js';
import { userTypeOf } from '../audit/record.js';
import { quorumKeys, settingsOf } from '../quorum/model.js';
import { checkRegisteredKey, decodeBase64, sha256, verifyTokenSignature } from '../quorum/signatures.js';
import { verifyCredentials, type Credentials } from './authentication.js';
import { hashPassword } from './password.js';
import { LOCKOUT_THRESHOLD, checkLoginRole, checkPassword, normaliseUsername, type LoginRole, type UserRecord } from './rules.js';
import { loadTarget, openSession, withoutFactors, type LoginResult, type UserInput } from './operations.js';

/** The token file the CLI writes for the user to sign (users-and-auth.md §7). */
export interface MfaTokenFile {
  version: '2.0';
  tokens: Array<{ unsigned: string; signed: string }>;
}

interface ChallengeRecord {
  id: string;
  purpose: 'login' | 'register';
  username: string;
  role: LoginRole;
  /** Per HSM: the data (base64) whose SHA-256 is the unsigned token. */
  tokens: Array<{ hsmId: string; data: string }>;
  expiresAt: number;
}

/** A challenge's reply: the file the user signed, by the challenge ID the CLI kept. */
export interface MfaAnswer {
  challengeId: string;
  /** The signed token file (parsed JSON). */
  signed: unknown;
}

function issueChallenge(tx: Transaction, ctx: EngineContext, cluster: ClusterRecord, purpose: ChallengeRecord['purpose'], username: string, role: LoginRole): { challengeId: string; file: MfaTokenFile } {
  const now = ctx.now();
  for (const [key, c] of tx.list<ChallengeRecord>(quorumKeys.challengePrefix(cluster.clusterId))) if (c.expiresAt <= now) tx.delete(key);
  const id = ctx.random(16).toString('hex');
  const tokens = activeHsms(cluster).map((h) => ({ hsmId: h.hsmId, data: Buffer.concat([Buffer.from(`${cluster.clusterId}/${h.hsmId}/${purpose}/${username}/`), ctx.random(32)]).toString('base64') }));
  const record: ChallengeRecord = { id, purpose, username, role, tokens, expiresAt: now + settingsOf(tx, cluster.clusterId).timeouts.generated * 1000 };
  tx.put(quorumKeys.challenge(cluster.clusterId, id), record);
  return { challengeId: id, file: { version: '2.0', tokens: tokens.map((t) => ({ unsigned: sha256(Buffer.from(t.data, 'base64')).toString('base64'), signed: '' })) } };
}

const SIGN_HOW = 'sign each token\'s "unsigned" value with your private key (`echo UNSIGNED | base64 -d | openssl pkeyutl -sign -inkey KEY.pem -pkeyopt digest:sha256 | base64 -w0`) and put it in its "signed"';

/**
 * Checks `answer` against its challenge with `publicKeyPem`; returns why it fails, or undefined.
 * The challenge is consumed either way.
 */
function answerProblem(tx: Transaction, ctx: EngineContext, cluster: ClusterRecord, answer: MfaAnswer, purpose: ChallengeRecord['purpose'], username: string, publicKeyPem: string | undefined): string | undefined {
  const key = quorumKeys.challenge(cluster.clusterId, answer.challengeId);
  const challenge = tx.get<ChallengeRecord>(key);
  if (!challenge || challenge.purpose !== purpose || challenge.username !== username || challenge.expiresAt <= ctx.now()) {
    throw new HsmError('MFA_FAILED', 'the MFA token file has expired or was already used; start again to get a new one');
  }
  tx.delete(key);
  const file = answer.signed as { tokens?: unknown } | undefined;
  if (!file || typeof file !== 'object' || !Array.isArray(file.tokens)) return `the signed token file is not a token file (one with a "tokens" list); ${SIGN_HOW}`;
  const entries = file.tokens as Array<Record<string, unknown>>;
  for (const [i, token] of challenge.tokens.entries()) {
    const data = Buffer.from(token.data, 'base64');
    const unsigned = sha256(data).toString('base64');
    const entry = entries.find((e) => (e as Record<string, unknown> | null)?.unsigned === unsigned);
    if (!entry) return `the signed token file lacks token ${i + 1} (for ${token.hsmId}) of the file that was written; sign the file as written`;
    const signature = decodeBase64(entry.signed);
    if (!signature) return `token ${i + 1} (for ${token.hsmId}) is not signed; ${SIGN_HOW}`;
    if (!publicKeyPem || !verifyTokenSignature(publicKeyPem, data, signature)) {
      return `the signature of token ${i + 1} (for ${token.hsmId}) does not verify with ${publicKeyPem ? 'the registered public key' : 'the public key given'}; sign with the matching private key`;
    }
  }
  return undefined;
}

export interface MfaLoginInput extends ClusterInput {
  credentials: Credentials;
  sessionPid?: number;
}

export type MfaLoginStart = LoginResult | { challengeId: string; file: MfaTokenFile };

/**
 * `login … mfa-token-sign`, first step: the password. A user without MFA is logged in at once
 * (the token is not needed); a user with MFA gets the token file to sign.
 */
export const startMfaLogin = defineOperation({
  name: 'Login',
  cluster: 'hsm',
  access: 'none',
  write: true,
  prepare: async (input: MfaLoginInput, ctx) => {
    const credentials = { ...input.credentials, role: checkLoginRole(input.credentials.role), username: normaliseUsername(input.credentials.username), secondFactor: true };
    return verifyCredentials(ctx, input.clusterId, credentials);
  },
  run: ({ tx, ctx, cluster, prepared }, input): MfaLoginStart => {
    const { actor, user } = prepared;
    if (!user.mfa) return openSession(tx, ctx, cluster, user, actor.role, input.sessionPid);
    return issueChallenge(tx, ctx, cluster, 'login', actor.username, actor.role);
  },
});

export interface MfaLoginFinishInput extends ClusterInput, MfaAnswer {
  username: string;
  sessionPid?: number;
}

/** `login … mfa-token-sign`, second step: the signed tokens. A bad one counts as a failed login. */
export const finishMfaLogin = defineOperation({
  name: 'Login',
  cluster: 'hsm',
  access: 'none',
  write: true,
  run: ({ tx, ctx, cluster, record, fail }, input: MfaLoginFinishInput): LoginResult => {
    const username = normaliseUsername(input.username);
    const key = storeKeys.user(cluster.clusterId, username);
    const user = tx.get<UserRecord>(key);
    if (!user?.mfa) throw new HsmError('MFA_FAILED', `${username} has no MFA; log in without mfa-token-sign`);
    const role: LoginRole = user.role === 'crypto-user' ? 'crypto-user' : 'admin';
    const problem = answerProblem(tx, ctx, cluster, input, 'login', username, user.publicKeyPem);
    const loginEvent = (response?: Response) => record([{ on: 'all', event: { opcode: 'CN_LOGIN', response, user: { name: username, type: userTypeOf(user.role) } } }]);
    if (problem) {
      const failures = user.failedLogins + 1;
      tx.put(key, { ...user, failedLogins: failures });
      loginEvent(RESPONSES.LOGIN_FAILURE);
      return fail(new HsmError('MFA_FAILED', `${problem} (${failures} failed login${failures === 1 ? '' : 's'} in a row; the user is locked after ${LOCKOUT_THRESHOLD})`));
    }
    return openSession(tx, ctx, cluster, user, role, input.sessionPid);
  },
});

/** `user change-mfa token-sign --token PATH`, first step: the token file to sign (your own MFA only). */
export const startMfaRegistration = defineOperation({
  name: 'ChangeMfa',
  cluster: 'hsm',
  access: 'user',
  activated: true,
  write: true,
  run: ({ tx, ctx, cluster, actor }, input: UserInput) => {
    const { user, role } = loadTarget(tx, cluster.clusterId, input);
    if (user.username !== actor!.username) {
      throw new HsmError('PERMISSION_DENIED', `a user registers MFA only for itself, since it must sign with its own private key; log in as ${user.username} (an admin may --deregister another user's MFA)`);
    }
    return issueChallenge(tx, ctx, cluster, 'register', user.username, role);
  },
});

export interface ChangeMfaInput extends UserInput {
  deregister?: boolean;
  /** Registration: the signed token file and the public key to register. */
  answer?: MfaAnswer;
  publicKeyPem?: string;
  /** Also make the key the user's quorum key (registering), or remove the quorum key (deregistering). */
  changeQuorum?: boolean;
  /** --change-password: a password to set at the same time. */
  password?: string;
}

/**
 * `user change-mfa token-sign` (§3.10): registers or rotates the user's MFA key (its own only),
 * or removes MFA (its own, or as an admin another's under the `user` quorum).
 */
export const changeMfa = defineOperation({
  name: 'ChangeMfa',
  cluster: 'hsm',
  access: 'user',
  activated: true,
  write: true,
  prepare: async (input: ChangeMfaInput, ctx) => {
    if (input.password === undefined) return undefined;
    checkPassword(input.password);
    return hashPassword(input.password, ctx.random(16));
  },
  run: (env: OperationEnv<string | undefined>, input) => {
    const { tx, ctx, cluster, actor, prepared, record, approve } = env;
    const { key, user, role } = loadTarget(tx, cluster.clusterId, input);
    const self = user.username === actor!.username;
    if (!self && actor!.role !== 'admin') throw new HsmError('PERMISSION_DENIED', `a crypto-user may change only its own MFA; ask an admin to deregister the MFA of ${user.username}`);
    const password = prepared === undefined ? {} : { passwordHash: prepared, failedLogins: 0 };
    let next: UserRecord;
    if (input.deregister) {
      if (!user.mfa) throw new HsmError('INVALID_ARGUMENT', `${user.username} has no MFA to deregister`);
      if (!self) approve({ service: 'user', required: settingsOf(tx, cluster.clusterId).values.user });
      next = { ...user, ...password, ...withoutFactors(user, true, input.changeQuorum) };
    } else {
      if (!self) throw new HsmError('PERMISSION_DENIED', `a user registers MFA only for itself; log in as ${user.username}`);
      if (!input.answer || input.publicKeyPem === undefined) throw new HsmError('INVALID_ARGUMENT', 'registering MFA needs the signed token file and the public key; give --token PATH');
      const pem = checkRegisteredKey(input.publicKeyPem, 'the public key');
      if (user.quorum && user.publicKeyPem && user.publicKeyPem !== pem && !input.changeQuorum) {
        throw new HsmError('INVALID_ARGUMENT', `${user.username} has another public key registered for quorum, and one key serves both MFA and quorum; add --change-quorum to replace it with this one`);
      }
      const problem = answerProblem(tx, ctx, cluster, input.answer, 'register', user.username, pem);
      if (problem) throw new HsmError('MFA_FAILED', problem);
      // users-and-auth.md §7: the MFA key is the quorum key too.
      next = { ...user, ...password, mfa: true, quorum: true, publicKeyPem: pem };
    }
    tx.put(key, next);
    record([{ on: 'all', event: { opcode: 'CN_CHANGE_PSWD', user: { name: user.username, type: userTypeOf(role) } } }]);
    return { username: user.username, role };
  },
});
