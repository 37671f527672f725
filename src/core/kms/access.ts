/**
 * Who may use a KMS key (kms-custom-key-store.md §6.3; KMS authorization with key policies and
 * grants), kept small: the caller is an IAM principal ARN (`principal` in an operation's input;
 * the endpoint sets it from the request's credentials, the CLI and the Node API leave it out and
 * so act as the account root). A request is allowed when the key policy allows it and does not
 * deny it, or when a grant to the caller lists the operation and its encryption context
 * constraint holds for the request; an explicit Deny in the key policy wins over both. Otherwise
 * AccessDeniedException, worded as KMS words it.
 *
 * There are no IAM identity policies locally: operations KMS authorizes by IAM alone (CreateKey,
 * ListKeys, ListAliases, the alias resource of CreateAlias, UpdateAlias and DeleteAlias, the custom
 * key store operations) are open to every principal of the local account and refused to any other
 * (authorizeInAccount: another account's identity policies cannot reach this account's
 * resources); GenerateRandom without a key store and ListRetirableGrants touch no resource of
 * it and are open to all. A key policy naming the account lets every principal of that account
 * (policy-document.ts). Grants are effective as soon as CreateGrant returns (nothing here is
 * eventually consistent), so grant tokens are only checked to be tokens CreateGrant issued.
 */
import { awsError } from '../errors.js';
import type { ReadView } from '../store/index.js';
import { accountOf, defaultKeyPolicy, evaluatePolicy, parsePolicy, PRINCIPAL_ARN, samePrincipal } from './policy-document.js';
import { grantsOf, policyTextOf, type GrantConstraints, type GrantRecord } from './key-records.js';

/** What every KMS key operation's input may carry about its caller. */
export interface KmsCaller {
  /**
   * The calling IAM principal's ARN (`arn:aws:iam::ACCOUNT:user/NAME`, `:role/NAME`, `:root`, or
   * an `arn:aws:sts::ACCOUNT:assumed-role/…` session); default: the root of the local account.
   */
  principal?: string;
  /** Grant tokens from CreateGrant (at most 10). */
  GrantTokens?: string[];
}

/** The KMS key fields authorization reads. */
interface KeyRef {
  keyId: string;
  arn: string;
}

/** KMS's grant operations (GrantOperation). */
export const GRANT_OPERATIONS = [
  'Decrypt',
  'Encrypt',
  'GenerateDataKey',
  'GenerateDataKeyWithoutPlaintext',
  'ReEncryptFrom',
  'ReEncryptTo',
  'Sign',
  'Verify',
  'GetPublicKey',
  'CreateGrant',
  'RetireGrant',
  'DescribeKey',
  'GenerateDataKeyPair',
  'GenerateDataKeyPairWithoutPlaintext',
  'GenerateMac',
  'VerifyMac',
  'DeriveSharedSecret',
] as const;

/** The grant operations a symmetric encryption key allows: all but the asymmetric and HMAC ones. */
export const SYMMETRIC_GRANT_OPERATIONS: ReadonlySet<string> = new Set(
  GRANT_OPERATIONS.filter((op) => !['Sign', 'Verify', 'GetPublicKey', 'GenerateMac', 'VerifyMac', 'DeriveSharedSecret'].includes(op)),
);

/** Grant operations that take an encryption context: the only ones grant constraints apply to. */
const CONTEXT_OPERATIONS: ReadonlySet<string> = new Set([...SYMMETRIC_GRANT_OPERATIONS].filter((op) => !['CreateGrant', 'RetireGrant', 'DescribeKey'].includes(op)));

/** [emulator rule] The local account every ARN names. */
export const LOCAL_ACCOUNT = '000000000000';

const MAX_GRANT_TOKENS = 10;
const TOKEN_TAG = 'kmsgt1';

export const accountRoot = (account: string) => `arn:aws:iam::${account}:root`;

/** The account a key's ARN names. */
export const accountOfKey = (key: KeyRef) => key.arn.split(':')[4] ?? '';

/** The caller's principal, checked; the account root when none is given. */
export function callerPrincipal(caller: KmsCaller, account: string, operation: string): string {
  const principal = caller.principal ?? accountRoot(account);
  if (typeof principal !== 'string' || !PRINCIPAL_ARN.test(principal)) {
    throw awsError('INVALID_ARGUMENT', 'ValidationException', operation, `principal must be an IAM principal ARN such as arn:aws:iam::111122223333:user/NAME, not ${JSON.stringify(principal)}`);
  }
  return principal;
}

/**
 * Allows an operation KMS authorizes by IAM identity policies alone (`action` on a resource of
 * `account`, by default the local one, that no key policy governs) for a principal of that account; AccessDeniedException
 * for a principal of another. Returns the caller's principal.
 */
export function authorizeInAccount(caller: KmsCaller, action: string, operation: string, account = LOCAL_ACCOUNT): string {
  const principal = callerPrincipal(caller, account, operation);
  if (accountOf(principal) !== account) {
    throw awsError('KMS_ACCESS_DENIED', 'AccessDeniedException', operation, `User: ${principal} is not authorized to perform: ${action} in account ${account} because no identity-based policy of that account can allow a principal of another account`);
  }
  return principal;
}

/** A grant token as CreateGrant issues it: opaque to callers, naming the key and the grant. */
export function grantToken(keyId: string, grantId: string, nonce: Buffer): string {
  return Buffer.from(`${TOKEN_TAG}:${keyId}:${grantId}:${nonce.toString('hex')}`, 'utf8').toString('base64url');
}

/** The key and grant a token names; InvalidGrantTokenException for anything CreateGrant did not issue. */
export function parseGrantToken(token: unknown, operation: string): { keyId: string; grantId: string } {
  const invalid = () => awsError('KMS_INVALID_GRANT_TOKEN', 'InvalidGrantTokenException', operation, 'The grant token is not valid: give a token exactly as CreateGrant returned it');
  if (typeof token !== 'string' || token.length === 0 || token.length > 8192 || !/^[A-Za-z0-9_-]+$/.test(token)) throw invalid();
  const decoded = Buffer.from(token, 'base64url');
  // Only the exact text CreateGrant gave: base64 decoders let trailing characters pass.
  const m = new RegExp(`^${TOKEN_TAG}:([0-9a-f-]{36}):([0-9a-f]{64}):[0-9a-f]{32}$`).exec(decoded.toString('utf8'));
  if (!m || decoded.toString('base64url') !== token) throw invalid();
  return { keyId: m[1]!, grantId: m[2]! };
}

/** Checks the GrantTokens of a request: at most 10, each one CreateGrant issued. */
export function checkGrantTokens(tokens: unknown, operation: string): void {
  if (tokens === undefined) return;
  if (!Array.isArray(tokens) || tokens.length > MAX_GRANT_TOKENS) throw awsError('INVALID_ARGUMENT', 'ValidationException', operation, `GrantTokens must be a list of at most ${MAX_GRANT_TOKENS} grant tokens`);
  for (const token of tokens) parseGrantToken(token, operation);
}

/** An encryption context keyed by lower-case keys, as grant constraints compare keys. */
export const lowerKeyed = (context: Record<string, string>) => new Map(Object.entries(context).map(([k, v]) => [k.toLowerCase(), v]));

/**
 * Whether a grant's constraints hold for a request's encryption context: keys compared without
 * case, values with it, as KMS compares them in grant constraints.
 */
export function constraintsHold(constraints: GrantConstraints | undefined, context: Record<string, string> | undefined): boolean {
  if (!constraints) return true;
  const given = lowerKeyed(context ?? {});
  const holds = (wanted: Record<string, string>) => Object.entries(wanted).every(([k, v]) => given.get(k.toLowerCase()) === v);
  // The request's own pair count: keys differing only by case are two pairs, not one (fail closed).
  if (constraints.EncryptionContextEquals) return holds(constraints.EncryptionContextEquals) && Object.keys(context ?? {}).length === lowerKeyed(constraints.EncryptionContextEquals).size;
  if (constraints.EncryptionContextSubset) return holds(constraints.EncryptionContextSubset);
  return true;
}

export interface AccessRequest {
  /** The KMS action: `kms:Encrypt`, `kms:PutKeyPolicy`, … */
  action: string;
  operation: string;
  /** The request's encryption context, for the operations that take one. */
  context?: Record<string, string>;
}

/** How a request was allowed: by the key policy, or by this grant. */
export type Authorization = { by: 'policy'; principal: string } | { by: 'grant'; principal: string; grant: GrantRecord };

/** Allows `request` on `key` for the caller, or throws AccessDeniedException. */
export function authorize(view: ReadView, key: KeyRef, caller: KmsCaller, request: AccessRequest): Authorization {
  const account = accountOfKey(key);
  const principal = callerPrincipal(caller, account, request.operation);
  checkGrantTokens(caller.GrantTokens, request.operation);
  const policy = parsePolicy(policyTextOf(view, key.keyId, defaultKeyPolicy(account)), request.operation);
  const decision = evaluatePolicy(policy, { principal, action: request.action, resource: key.arn, context: request.context });
  const denied = (why: string) =>
    awsError('KMS_ACCESS_DENIED', 'AccessDeniedException', request.operation, `User: ${principal} is not authorized to perform: ${request.action} on resource: ${key.arn} ${why}`);
  if (decision === 'deny') throw denied('with an explicit deny in a resource-based policy');
  if (decision === 'allow') return { by: 'policy', principal };
  const operation = request.action.replace(/^kms:/, '');
  const grant = grantsOf(view, key.keyId).find(
    (g) => samePrincipal(g.granteePrincipal, principal) && g.operations.includes(operation) && (!CONTEXT_OPERATIONS.has(operation) || constraintsHold(g.constraints, request.context)),
  );
  if (grant) return { by: 'grant', principal, grant };
  throw denied(`because no resource-based policy allows the ${request.action} action`);
}
