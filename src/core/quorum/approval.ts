/**
 * Quorum approval of one operation (users-and-auth.md §8.3 steps 3-4), which the engine runs for
 * every quorum-controlled operation (engine.ts `approve`): the caller's approval file (CLI
 * `--approval`), or a token approved ahead of use (cloudhsm_mgmt_util `approveToken`), must carry
 * at least the required number of valid signatures by distinct registered approvers; the token
 * is then consumed, in the operation's transaction, so that it authorises that one operation.
 */
import { HsmError } from '../errors.js';
import { storeKeys, type ClusterRecord } from '../cluster/model.js';
import type { Transaction } from '../store/index.js';
import type { KeyRecord } from '../keys/model.js';
import { formatReference } from '../keys/model.js';
import type { Actor } from '../users/authentication.js';
import type { UserRecord } from '../users/rules.js';
import type { PlannedEvent } from '../audit/record.js';
import { userEvent } from '../audit/record.js';
import { isKeyService, quorumKeys, type QuorumService, type TokenRecord } from './model.js';
import { parseApprovalFile, tokenId, tokensOf } from './tokens.js';
import { verifyTokenSignature } from './signatures.js';

/** What an operation needs approved: a service, its minimum value, and for a key service the key. */
export interface QuorumDemand {
  service: QuorumService;
  required: number;
  /** The flag that carries the approval file (`approval`, `payload-approval`, `wrapping-approval`). */
  flag?: string;
  key?: KeyRecord;
}

/** Approval files by flag name, as the operation's input carries them (the parsed JSON). */
export type Approvals = Readonly<Record<string, unknown>>;

export interface ApprovalEnv {
  tx: Transaction;
  now: number;
  cluster: ClusterRecord;
  actor: Actor;
  record: (plan: readonly PlannedEvent[]) => void;
}

/** The documented refusal (cli-commands.md §3.7, users-and-auth.md §8.3). */
export const QUORUM_REQUIRED_MESSAGE = 'Quorum approval is required for this operation';

function what(demand: QuorumDemand): string {
  return demand.key ? `the ${demand.service} service of key ${formatReference(demand.key.ref)}` : `the ${demand.service} service`;
}

function quorumRequired(demand: QuorumDemand, flag: string): HsmError {
  const approvers = isKeyService(demand.service) ? 'crypto users the key is owned by or shared with' : 'admins';
  return new HsmError('QUORUM_FAILED', QUORUM_REQUIRED_MESSAGE, {
    hint: `${what(demand)} needs ${demand.required} approvals: generate a token with \`quorum token-sign generate --service ${demand.service} --token FILE\`, have ${demand.required} registered ${approvers} sign it, and give it with --${flag} FILE`,
    details: { service: demand.service, required: demand.required },
  });
}

function invalidPair(why: string): HsmError {
  return new HsmError('QUORUM_FAILED', `Invalid username-signature pair for quorum authorization: ${why}`);
}

/** Whether `username` may approve for `demand`: an admin for admin services, an owner or sharee of the key for key services. */
function mayApprove(user: UserRecord, demand: QuorumDemand): boolean {
  if (!demand.key) return user.role === 'admin';
  return user.role === 'crypto-user' && (demand.key.owner === user.username || demand.key.sharedUsers.includes(user.username));
}

/** Refuses a token that is not the caller's to use for this demand now. */
function checkTokenUse(env: ApprovalEnv, token: TokenRecord, demand: QuorumDemand): void {
  if (token.username !== env.actor.username) {
    throw invalidPair(`the token belongs to ${token.username}; a token can be used only by the user who generated it`);
  }
  if (token.sessionId && token.sessionId !== env.actor.sessionId) {
    throw invalidPair('the token was generated in another login session; a token generated in a shell is valid only in that session until it logs out. Generate a new one');
  }
  if (token.expiresAt <= env.now) {
    const ago = Math.ceil((env.now - token.expiresAt) / 1000);
    throw new HsmError('QUORUM_FAILED', `the quorum token expired ${ago} s ago (\`quorum token-sign list-timeouts\` shows how long tokens last); generate a new one and have it signed again`);
  }
  if (token.service !== demand.service) {
    throw new HsmError('QUORUM_FAILED', `the token is for the ${token.service} service, but this operation needs one for ${what(demand)}; generate one with --service ${demand.service}`);
  }
  if (demand.key && token.keyReference !== undefined && token.keyReference !== demand.key.ref) {
    throw new HsmError('QUORUM_FAILED', `the token was generated for key ${formatReference(token.keyReference)}, not key ${formatReference(demand.key.ref)}`);
  }
}

/**
 * Checks and consumes the approval for `demand`; a demand of 1 or less needs none. `given` is the
 * parsed approval file, or undefined when the caller gave none.
 */
export function approve(env: ApprovalEnv, given: unknown, demand: QuorumDemand): void {
  if (demand.required <= 1) return;
  const flag = demand.flag ?? 'approval';
  const { tx, cluster } = env;
  if (given === undefined) {
    // A token approved ahead of use, as cloudhsm_mgmt_util's approveToken leaves one.
    const approved = tokensOf(tx, cluster.clusterId).find(
      (t) => t.username === env.actor.username && t.service === demand.service && t.approvedBy.length > 0 && t.expiresAt > env.now && (!t.sessionId || t.sessionId === env.actor.sessionId),
    );
    if (!approved) throw quorumRequired(demand, flag);
    if (approved.approvedBy.length < demand.required) {
      throw new HsmError('QUORUM_FAILED', `Too few quorum approvals: currently ${approved.approvedBy.length} approvals, but ${demand.required} approvals required`);
    }
    tx.delete(quorumKeys.token(cluster.clusterId, approved.id));
    return;
  }
  const file = parseApprovalFile(given, `--${flag}`);
  const token = tx.get<TokenRecord>(quorumKeys.token(cluster.clusterId, tokenId(file.digest)));
  if (!token || token.digest !== file.digest.toString('base64')) {
    throw invalidPair('the token of this approval is not an active token of this cluster (it was used already, deleted, or never issued here); generate a new one with `quorum token-sign generate`');
  }
  checkTokenUse(env, token, demand);
  const data = Buffer.from(token.approvalData, 'base64');
  const approvers = new Set(token.approvedBy);
  for (const entry of file.signatures) {
    if (approvers.has(entry.username)) continue;
    const user = tx.get<UserRecord>(storeKeys.user(cluster.clusterId, entry.username));
    if (!user) throw invalidPair(`there is no user ${entry.username} in cluster ${cluster.clusterId}`);
    if (entry.role !== undefined && entry.role !== user.role) throw invalidPair(`${entry.username} is ${user.role}, not ${entry.role}`);
    if (!user.quorum || !user.publicKeyPem) {
      throw invalidPair(`${entry.username} has no public key registered for quorum (\`user change-quorum token-sign register\`)`);
    }
    if (!mayApprove(user, demand)) {
      throw invalidPair(demand.key ? `${entry.username} is neither the owner of key ${formatReference(demand.key.ref)} nor a user it is shared with` : `${entry.username} is not an admin`);
    }
    if (!verifyTokenSignature(user.publicKeyPem, data, entry.signature)) {
      throw invalidPair(`the signature of ${entry.username} does not verify with the public key registered for ${entry.username}; sign the token with the matching private key`);
    }
    approvers.add(entry.username);
  }
  if (approvers.size < demand.required) {
    throw new HsmError('QUORUM_FAILED', `Too few quorum approvals: currently ${approvers.size} approvals, but ${demand.required} approvals required`);
  }
  tx.delete(quorumKeys.token(cluster.clusterId, token.id));
  // audit-log.md §3: the HSMs approve the token (the operation's own event follows).
  env.record([userEvent('CN_APPROVE_TOKEN', env.actor.username, env.actor.role)]);
}
