/**
 * Quorum tokens (users-and-auth.md §8.2-8.3): issuing one, the token file the CLI writes, and
 * reading back the files approvers signed.
 *
 * A token's `approval_data` is JSON text naming the cluster, service, user (and key) with a
 * random nonce, so that an approver can read what it approves; the `token` (or `unsigned`) is its
 * SHA-256 digest. Approvers sign with `openssl dgst -sha256 -sign KEY` over the approval data,
 * or equivalently `openssl pkeyutl -sign -pkeyopt digest:sha256` over the digest.
 *
 * The token file (quorum services) is
 * `{"version":"2.0","service":S,["key_reference":R,]"approval_data":B64,"token":B64,"signatures":[]}`;
 * approvers add `{"username":U,"role":R,"signature":B64}` to `signatures`. A registration token
 * file is `{"version":"2.0","tokens":[{"approval_data":B64,"unsigned":B64,"signed":""}]}`; its
 * owner fills in `signed`.
 */
import type { EngineContext } from '../context.js';
import { HsmError } from '../errors.js';
import type { ClusterRecord } from '../cluster/model.js';
import type { Transaction, ReadView } from '../store/index.js';
import type { Actor } from '../users/authentication.js';
import { formatReference } from '../keys/model.js';
import { MAX_TOKENS, isKeyService, quorumKeys, settingsOf, type TokenRecord, type TokenService } from './model.js';
import { decodeBase64, sha256 } from './signatures.js';

export interface ApprovalSignature {
  username: string;
  role?: string;
  signature: string;
}

export interface QuorumTokenFile {
  version: '2.0';
  service: string;
  key_reference?: string;
  approval_data: string;
  token: string;
  signatures: ApprovalSignature[];
}

export interface RegistrationTokenFile {
  version: '2.0';
  tokens: Array<{ approval_data: string; unsigned: string; signed: string }>;
}

export const tokenId = (digest: Buffer): string => digest.subarray(0, 16).toString('hex');

export function tokensOf(view: ReadView, clusterId: string): TokenRecord[] {
  return view.list<TokenRecord>(quorumKeys.tokenPrefix(clusterId)).map(([, t]) => t);
}

/** A token counts as active until it expires (at cluster time). */
export function activeTokens(view: ReadView, clusterId: string, now: number): TokenRecord[] {
  return tokensOf(view, clusterId).filter((t) => t.expiresAt > now);
}

/** Only one active token per user for an admin service (and registration); key services have no limit. */
function limitedToOne(service: TokenService): boolean {
  return !isKeyService(service);
}

/** Issues a token for `actor`, purging expired ones first; refuses a second one for an admin service. */
export function issueToken(tx: Transaction, ctx: EngineContext, cluster: ClusterRecord, actor: Actor, service: TokenService, keyReference?: number): TokenRecord {
  const now = ctx.now();
  for (const token of tokensOf(tx, cluster.clusterId)) if (token.expiresAt <= now) tx.delete(quorumKeys.token(cluster.clusterId, token.id));
  const active = activeTokens(tx, cluster.clusterId, now);
  const held = active.find((t) => t.username === actor.username && t.service === service);
  if (held && limitedToOne(service)) {
    throw new HsmError(
      'QUORUM_FAILED',
      `${actor.username} already has an active token for the ${service} service (${Math.ceil((held.expiresAt - now) / 1000)} s left); a user holds one per service: use it, or delete it with \`quorum token-sign delete --scope user\``,
    );
  }
  if (active.length >= MAX_TOKENS) {
    throw new HsmError('QUORUM_FAILED', `the cluster already holds ${MAX_TOKENS} active quorum tokens, the most an HSM keeps; wait for some to expire or delete them with \`quorum token-sign delete --scope all\``);
  }
  const nonce = ctx.random(16).toString('hex');
  const content: Record<string, unknown> = { cluster: cluster.clusterId, service, username: actor.username, role: actor.role };
  if (keyReference !== undefined) content.key_reference = formatReference(keyReference);
  content.issued = new Date(now).toISOString();
  content.nonce = nonce;
  const approvalData = Buffer.from(JSON.stringify(content), 'utf8');
  const digest = sha256(approvalData);
  const record: TokenRecord = {
    id: tokenId(digest),
    username: actor.username,
    role: actor.role,
    service,
    ...(keyReference === undefined ? {} : { keyReference }),
    ...(actor.sessionId ? { sessionId: actor.sessionId } : {}),
    approvalData: approvalData.toString('base64'),
    digest: digest.toString('base64'),
    createdAt: now,
    expiresAt: now + settingsOf(tx, cluster.clusterId).timeouts.generated * 1000,
    approvedBy: [],
  };
  tx.put(quorumKeys.token(cluster.clusterId, record.id), record);
  return record;
}

/** The file `quorum token-sign generate --token PATH` writes. */
export function tokenFileOf(token: TokenRecord): QuorumTokenFile | RegistrationTokenFile {
  if (token.service === 'registration') {
    return { version: '2.0', tokens: [{ approval_data: token.approvalData, unsigned: token.digest, signed: '' }] };
  }
  return {
    version: '2.0',
    service: token.service,
    ...(token.keyReference === undefined ? {} : { key_reference: formatReference(token.keyReference) }),
    approval_data: token.approvalData,
    token: token.digest,
    signatures: [],
  };
}

function malformed(flag: string, why: string): HsmError {
  return new HsmError(
    'INVALID_ARGUMENT',
    `${flag}: ${why}. Give the token file \`quorum token-sign generate\` wrote, with each approver's {"username", "role", "signature"} added to its "signatures"`,
  );
}

/** Reads an approval (a quorum token file with signatures added), naming what is wrong with it. */
export function parseApprovalFile(value: unknown, flag: string): { digest: Buffer; signatures: Array<{ username: string; role?: string; signature: Buffer }> } {
  if (!value || typeof value !== 'object' || Array.isArray(value)) throw malformed(flag, 'the file is not a JSON object');
  const doc = value as Record<string, unknown>;
  if (Array.isArray(doc.tokens)) throw malformed(flag, 'this is a registration token file (it has "tokens"); it is used with `user change-quorum token-sign register`, not as an approval');
  const digest = decodeBase64(doc.token);
  if (!digest || digest.length !== 32) throw malformed(flag, 'its "token" is missing or is not a base64 SHA-256 digest');
  if (!Array.isArray(doc.signatures)) throw malformed(flag, 'it has no "signatures" list');
  const signatures = doc.signatures.map((entry, i) => {
    const e = (entry ?? {}) as Record<string, unknown>;
    if (typeof e.username !== 'string' || e.username.length === 0) throw malformed(flag, `signature ${i + 1} has no "username"`);
    const signature = decodeBase64(e.signature);
    if (!signature) throw malformed(flag, `the signature of ${e.username} is missing or not base64`);
    return { username: e.username.toLowerCase(), role: typeof e.role === 'string' ? e.role : undefined, signature };
  });
  return { digest, signatures };
}

/** Reads a signed registration token file: each token's digest and its owner's signature. */
export function parseRegistrationFile(value: unknown, flag: string): Array<{ digest: Buffer; signature: Buffer }> {
  const fix = 'sign each token\'s "unsigned" value with your private key (`openssl pkeyutl -sign -inkey KEY.pem -pkeyopt digest:sha256`) and put the base64 signature in its "signed"';
  if (!value || typeof value !== 'object' || !Array.isArray((value as { tokens?: unknown }).tokens) || (value as { tokens: unknown[] }).tokens.length === 0) {
    throw new HsmError('INVALID_ARGUMENT', `${flag}: not a registration token file (one with a "tokens" list) from \`quorum token-sign generate --service registration\`; ${fix}`);
  }
  return (value as { tokens: Array<Record<string, unknown>> }).tokens.map((t, i) => {
    const digest = decodeBase64(t.unsigned);
    if (!digest || digest.length !== 32) throw new HsmError('INVALID_ARGUMENT', `${flag}: token ${i + 1} has no base64 "unsigned" digest`);
    const signature = decodeBase64(t.signed);
    if (!signature) throw new HsmError('INVALID_ARGUMENT', `${flag}: token ${i + 1} is not signed; ${fix}`);
    return { digest, signature };
  });
}
