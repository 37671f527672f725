/**
 * The quorum commands (cli-commands.md §3.11, §3.13; legacy-shells.md §2 for cloudhsm_mgmt_util):
 * generate, list and delete tokens; list and set the cluster's minimum values and the token
 * timeouts; register a user's public key; approve a token ahead of use.
 */
import { HsmError } from '../errors.js';
import { defineOperation, type Actor, type ClusterInput } from '../engine.js';
import { storeKeys } from '../cluster/model.js';
import { selectKey } from '../keys/filters.js';
import type { KeySelector } from '../keys/selector.js';
import { userEvent } from '../audit/record.js';
import type { Opcode } from '../audit/log.js';
import { roleName, type UserRecord } from '../users/rules.js';
import { orList } from '../mechanisms/choices.js';
import {
  MAX_QUORUM_VALUE,
  MAX_TOKEN_TIMEOUT_S,
  adminServicesOf,
  checkTokenService,
  isKeyService,
  quorumKeys,
  secondsLeft,
  settingsOf,
  type AdminService,
  type TokenRecord,
} from './model.js';
import { activeTokens, issueToken, parseRegistrationFile, tokenFileOf, tokenId, tokensOf, type QuorumTokenFile, type RegistrationTokenFile } from './tokens.js';
import { checkRegisteredKey, decodeBase64, sha256, verifyTokenSignature } from './signatures.js';

/** A quorum event names the user who ran it, on every HSM (audit-log.md §3). */
const byCaller = (opcode: Opcode) => (_input: unknown, actor: Actor) => userEvent(opcode, actor.username, actor.role);

export interface GenerateTokenInput extends ClusterInput {
  service: string;
  /** A key service token may be tied to one key. */
  keyFilter?: KeySelector;
}

/** `quorum token-sign generate`: the token file to write (§3.13), for the logged-in user. */
export const generateToken = defineOperation({
  name: 'GenerateQuorumToken',
  cluster: 'hsm',
  access: 'user',
  activated: true,
  write: true,
  audit: byCaller('CN_GET_TOKEN'),
  run: ({ tx, ctx, cluster, actor, sessionKeys, record }, input: GenerateTokenInput): { token: QuorumTokenFile | RegistrationTokenFile; service: string } => {
    const service = checkTokenService(input.service, cluster);
    // key-quorum-auth-chsm-cli: admin services are for admins, key services for crypto users.
    if (isKeyService(service) && actor!.role !== 'crypto-user') {
      throw new HsmError('PERMISSION_DENIED', `the ${service} service is a crypto-user service (key quorum); ${actor!.username} is ${roleName(actor!.role)}. Log in as the crypto user that uses the key`);
    }
    if (service !== 'registration' && !isKeyService(service) && actor!.role !== 'admin') {
      throw new HsmError('PERMISSION_DENIED', `the ${service} service is an admin service; ${actor!.username} is ${roleName(actor!.role)}. Log in as an admin`);
    }
    if (input.keyFilter && !isKeyService(service)) throw new HsmError('INVALID_ARGUMENT', `--filter names a key, so it applies to the key-management and key-usage services only, not ${service}`);
    const key = input.keyFilter ? selectKey(tx, cluster.clusterId, actor!, input.keyFilter, sessionKeys) : undefined;
    const token = issueToken(tx, ctx, cluster, actor!, service, key?.ref);
    record([userEvent('CN_GET_TOKEN', actor!.username, actor!.role)]);
    return { token: tokenFileOf(token), service };
  },
});

export interface TokenListing {
  username: string;
  service: string;
  'approvals-required': number;
  'number-of-approvals': number;
  'token-timeout-seconds': number;
  'cluster-coverage': 'full';
  /** Who approved it ahead of use, when asked for (cloudhsm_mgmt_util listTokens names them). */
  approvers?: string[];
}

export interface ListTokensInput extends ClusterInput {
  /** Adds each token's `approvers`; the CloudHSM CLI listing has no such field. */
  approvers?: boolean;
}

/** The approvals a token needs now: the cluster's value for an admin service, the key's for a key service. */
function approvalsRequired(tx: Parameters<typeof settingsOf>[0], clusterId: string, token: TokenRecord): number {
  if (token.service === 'registration') return 1;
  if (isKeyService(token.service)) return 0;
  return settingsOf(tx, clusterId).values[token.service];
}

/** `quorum token-sign list`: every active token of the cluster, other users' included (§3.13). */
export const listTokens = defineOperation({
  name: 'ListQuorumTokens',
  cluster: 'hsm',
  access: 'user',
  activated: true,
  write: false,
  run: ({ tx, ctx, cluster }, input: ListTokensInput): { tokens: TokenListing[] } => {
    const now = ctx.now();
    const tokens = activeTokens(tx, cluster.clusterId, now).sort((a, b) => a.createdAt - b.createdAt);
    return {
      tokens: tokens.map((t) => ({
        username: t.username,
        service: t.service,
        'approvals-required': approvalsRequired(tx, cluster.clusterId, t),
        'number-of-approvals': t.approvedBy.length,
        'token-timeout-seconds': secondsLeft(t, now),
        'cluster-coverage': 'full',
        ...(input.approvers ? { approvers: [...t.approvedBy] } : {}),
      })),
    };
  },
});

export interface DeleteTokensInput extends ClusterInput {
  scope: string;
  /** cloudhsm_mgmt_util delToken: only this service's tokens. */
  service?: string;
}

/** `quorum token-sign delete --scope user|all`. */
export const deleteTokens = defineOperation({
  name: 'DeleteQuorumTokens',
  cluster: 'hsm',
  access: 'admin',
  activated: true,
  write: true,
  audit: byCaller('CN_DELETE_TOKEN'),
  run: ({ tx, cluster, actor, record }, input: DeleteTokensInput) => {
    if (input.scope !== 'user' && input.scope !== 'all') throw new HsmError('INVALID_ARGUMENT', `--scope must be user (your tokens) or all (every user's), not "${input.scope}"`);
    for (const token of tokensOf(tx, cluster.clusterId)) {
      if (input.scope === 'user' && token.username !== actor!.username) continue;
      if (input.service !== undefined && token.service !== input.service) continue;
      tx.delete(quorumKeys.token(cluster.clusterId, token.id));
    }
    record([userEvent('CN_DELETE_TOKEN', actor!.username, actor!.role)]);
    return 'Deletion of quorum token(s) successful';
  },
});

/** `quorum token-sign list-quorum-values`: anyone may ask (§3.13). */
export const listQuorumValues = defineOperation({
  name: 'ListQuorumValues',
  cluster: 'hsm',
  access: 'none',
  write: false,
  run: ({ tx, cluster }): Partial<Record<AdminService, number>> => {
    const values = settingsOf(tx, cluster.clusterId).values;
    return Object.fromEntries(adminServicesOf(cluster).map((s) => [s, values[s]]));
  },
});

export interface SetQuorumValueInput extends ClusterInput {
  service: string;
  value: number;
}

/**
 * `quorum token-sign set-quorum-value`: a value of 1 to 8, at most the number of admins
 * (§8.1). Changing any value while the `quorum` service's own value is above 1 needs an approval
 * under the quorum service.
 */
export const setQuorumValue = defineOperation({
  name: 'SetQuorumValue',
  cluster: 'hsm',
  access: 'admin',
  activated: true,
  write: true,
  audit: byCaller('CN_SET_M_VALUE'),
  run: ({ tx, cluster, actor, record, approve }, input: SetQuorumValueInput) => {
    const services = adminServicesOf(cluster);
    if (!(services as string[]).includes(input.service)) {
      const why = isKeyService(input.service) ? ' (key quorum values are set on each key when it is created)' : input.service === 'cluster' ? ' (the cluster service exists on hsm2m.medium clusters only)' : '';
      throw new HsmError('INVALID_ARGUMENT', `--service must be ${orList(services)}, not "${input.service}"${why}`);
    }
    const service = input.service as AdminService;
    if (!Number.isInteger(input.value) || input.value < 1 || input.value > MAX_QUORUM_VALUE) {
      throw new HsmError('INVALID_ARGUMENT', `--value must be a whole number from 1 (no quorum) to ${MAX_QUORUM_VALUE}, not ${input.value}`);
    }
    const admins = tx.list<UserRecord>(storeKeys.userPrefix(cluster.clusterId)).filter(([, u]) => u.role === 'admin').length;
    if (input.value > admins) {
      throw new HsmError('INVALID_ARGUMENT', `--value ${input.value} is more than the ${admins} admin(s) of cluster ${cluster.clusterId}, so no quorum could ever be reached; create more admins first`);
    }
    const settings = settingsOf(tx, cluster.clusterId);
    approve({ service: 'quorum', required: settings.values.quorum });
    tx.put(quorumKeys.settings(cluster.clusterId), { ...settings, values: { ...settings.values, [service]: input.value } });
    record([userEvent('CN_SET_M_VALUE', actor!.username, actor!.role)]);
    return 'Set Quorum Value successful';
  },
});

/** `quorum token-sign list-timeouts`: seconds a generated and an approved token last. */
export const listTimeouts = defineOperation({
  name: 'ListQuorumTimeouts',
  cluster: 'hsm',
  access: 'none',
  write: false,
  run: ({ tx, cluster }) => ({ ...settingsOf(tx, cluster.clusterId).timeouts }),
});

export interface SetTimeoutInput extends ClusterInput {
  generated?: number;
  approved?: number;
}

/** `quorum token-sign set-timeout --generated S | --approved S`; tokens issued later get it. */
export const setTimeout = defineOperation({
  name: 'SetQuorumTimeout',
  cluster: 'hsm',
  access: 'admin',
  activated: true,
  write: true,
  run: ({ tx, cluster }, input: SetTimeoutInput) => {
    const given = (['generated', 'approved'] as const).filter((k) => input[k] !== undefined);
    if (given.length !== 1) throw new HsmError('INVALID_ARGUMENT', 'give one of --generated SECONDS or --approved SECONDS');
    const which = given[0]!;
    const seconds = input[which]!;
    if (!Number.isInteger(seconds) || seconds < 1 || seconds > MAX_TOKEN_TIMEOUT_S) {
      throw new HsmError('INVALID_ARGUMENT', `--${which} must be a whole number of seconds from 1 to ${MAX_TOKEN_TIMEOUT_S}, not ${seconds}`);
    }
    const settings = settingsOf(tx, cluster.clusterId);
    tx.put(quorumKeys.settings(cluster.clusterId), { ...settings, timeouts: { ...settings.timeouts, [which]: seconds } });
    return 'Set token timeout successful';
  },
});

export interface RegisterQuorumKeyInput extends ClusterInput {
  publicKeyPem: string;
  /** CLI: the signed registration token file (parsed JSON). */
  signedToken?: unknown;
  /** cloudhsm_mgmt_util: any data of at most 245 bytes and its signature (§8.2), base64. */
  proof?: { data: string; signature: string };
  /** cloudhsm_mgmt_util names the user; it must be the logged-in one. */
  username?: string;
}

/** cloudhsm_mgmt_util registerQuorumPubKey: the registration data is at most 245 bytes. */
export const MAX_REGISTRATION_DATA = 245;

/**
 * `user change-quorum token-sign register` (§3.11): the logged-in user registers its public key
 * for quorum approvals, proving it holds the private key by a signed registration token.
 */
export const registerQuorumKey = defineOperation({
  name: 'RegisterQuorumKey',
  cluster: 'hsm',
  access: 'user',
  activated: true,
  write: true,
  run: ({ tx, ctx, cluster, actor }, input: RegisterQuorumKeyInput) => {
    if (input.username !== undefined && input.username.toLowerCase() !== actor!.username) {
      throw new HsmError('PERMISSION_DENIED', `a user registers only its own quorum key; log in as ${input.username.toLowerCase()} to register its key`);
    }
    const pem = checkRegisteredKey(input.publicKeyPem, '--public-key');
    const key = storeKeys.user(cluster.clusterId, actor!.username);
    const user = tx.get<UserRecord>(key)!;
    // users-and-auth.md §7: a user with MFA has one key for both; MFA changes it.
    if (user.mfa && user.publicKeyPem && user.publicKeyPem !== pem) {
      throw new HsmError('INVALID_ARGUMENT', `${user.username} uses MFA, whose public key is also its quorum key; change both with \`user change-mfa token-sign --username ${user.username} --role ${actor!.role} --token FILE --change-quorum\``);
    }
    if (input.proof) {
      const data = decodeBase64(input.proof.data);
      const signature = decodeBase64(input.proof.signature);
      if (!data || data.length > MAX_REGISTRATION_DATA) throw new HsmError('INVALID_ARGUMENT', `the registration token must hold 1 to ${MAX_REGISTRATION_DATA} bytes`);
      if (!signature || !verifyTokenSignature(pem, data, signature)) {
        throw new HsmError('QUORUM_FAILED', 'the signed registration token does not verify with this public key; sign the token with the matching private key (`openssl dgst -sha256 -sign KEY.pem -out SIGNED TOKEN`)');
      }
    } else {
      const signed = parseRegistrationFile(input.signedToken, '--signed-token');
      for (const { digest, signature } of signed) {
        const token = tx.get<TokenRecord>(quorumKeys.token(cluster.clusterId, tokenId(digest)));
        if (!token || token.service !== 'registration' || token.digest !== digest.toString('base64') || token.username !== actor!.username || token.expiresAt <= ctx.now()) {
          throw new HsmError('QUORUM_FAILED', `--signed-token: not an active registration token of ${actor!.username} (it was used, expired or never issued); generate one with \`quorum token-sign generate --service registration --token FILE\``);
        }
        if (!verifyTokenSignature(pem, Buffer.from(token.approvalData, 'base64'), signature)) {
          throw new HsmError('QUORUM_FAILED', '--signed-token: the signature does not verify with the public key given; sign the token with the private key of --public-key');
        }
        tx.delete(quorumKeys.token(cluster.clusterId, token.id));
      }
    }
    tx.put(key, { ...user, publicKeyPem: pem, quorum: true });
    return { username: user.username, role: actor!.role };
  },
});

export interface ApproveTokenInput extends ClusterInput {
  /** The token file's bytes (what getToken wrote), base64. */
  token: string;
  signatures: Array<{ username: string; role: string; signature: string }>;
}

/**
 * cloudhsm_mgmt_util approveToken: approvers' signatures over a token are checked and recorded,
 * and the approved token lasts the approved timeout; the protected command then uses it.
 */
export const approveToken = defineOperation({
  name: 'ApproveQuorumToken',
  cluster: 'hsm',
  access: 'admin',
  activated: true,
  write: true,
  audit: byCaller('CN_APPROVE_TOKEN'),
  run: ({ tx, ctx, cluster, actor, record }, input: ApproveTokenInput) => {
    const data = decodeBase64(input.token) ?? Buffer.alloc(0);
    const digest = sha256(data);
    const token = tx.get<TokenRecord>(quorumKeys.token(cluster.clusterId, tokenId(digest)));
    if (!token || token.approvalData !== data.toString('base64') || token.expiresAt <= ctx.now()) {
      throw new HsmError('QUORUM_FAILED', 'the token file is not an active token of this cluster (it was used, deleted or expired); get a new one with getToken');
    }
    const approvedBy = new Set(token.approvedBy);
    for (const approval of input.signatures) {
      const username = approval.username.toLowerCase();
      const user = tx.get<UserRecord>(storeKeys.user(cluster.clusterId, username));
      if (!user || !user.quorum || !user.publicKeyPem) throw new HsmError('QUORUM_FAILED', `${username} has no public key registered for quorum (registerQuorumPubKey)`);
      if (user.role !== 'admin') throw new HsmError('QUORUM_FAILED', `${username} is not a crypto officer, so it cannot approve a ${token.service} token`);
      const signature = decodeBase64(approval.signature);
      if (!signature || !verifyTokenSignature(user.publicKeyPem, data, signature)) {
        throw new HsmError('QUORUM_FAILED', `the approval of ${username} does not verify with its registered public key; sign the token file with \`openssl dgst -sha256 -sign KEY.pem\``);
      }
      approvedBy.add(username);
    }
    const now = ctx.now();
    const approved = settingsOf(tx, cluster.clusterId).timeouts.approved;
    tx.put(quorumKeys.token(cluster.clusterId, token.id), { ...token, approvedBy: [...approvedBy], approvedAt: now, expiresAt: now + approved * 1000 });
    record([userEvent('CN_APPROVE_TOKEN', actor!.username, actor!.role)]);
    return { approvals: approvedBy.size };
  },
});
