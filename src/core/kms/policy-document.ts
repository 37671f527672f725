/**
 * Key policy documents (kms-custom-key-store.md §6.3 "key policies"; the AWS KMS key policy
 * grammar): parsing, the checks PutKeyPolicy and CreateKey make, and evaluating a request
 * against the statements. Pure: no store, no key records.
 *
 * A document is a JSON object with an optional `Version` (2012-10-17 or 2008-10-17), an optional
 * `Id` and `Statement` (one statement or a list). A statement has `Effect` (Allow or Deny),
 * `Principal` (`"*"` or an object of `AWS`, `Service`, `Federated`, `CanonicalUser`), `Action`,
 * `Resource`, optionally `Sid` and `Condition`. [emulator rule] `NotPrincipal`, `NotAction`,
 * `NotResource` and any condition other than `StringEquals`/`StringLike` on
 * `kms:EncryptionContext:<key>`, `kms:CallerAccount` or `kms:ViaService` are refused with
 * MalformedPolicyDocumentException naming them, rather than accepted and evaluated wrongly.
 *
 * Evaluation follows IAM's order as far as a key policy alone decides it: a matching Deny wins,
 * else a matching Allow allows, else nothing does (grants may still). A principal of the form
 * `arn:aws:iam::ACCT:root` (or the bare account ID) stands for the account: since IAM would
 * delegate to that account's identity policies, and there are none locally, [emulator rule] every
 * principal of that account is allowed by it.
 */
import { awsError } from '../errors.js';

/** KMS's default key policy: the account (its root) may do anything with the key. */
export function defaultKeyPolicy(account: string): string {
  return JSON.stringify(
    {
      Version: '2012-10-17',
      Id: 'key-default-1',
      Statement: [{ Sid: 'Enable IAM User Permissions', Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${account}:root` }, Action: 'kms:*', Resource: '*' }],
    },
    null,
    2,
  );
}

/** The largest key policy document, in characters (KMS's key policy size quota: 32 KB). */
export const MAX_POLICY_CHARS = 32_768;

const VERSIONS = new Set(['2012-10-17', '2008-10-17']);
const STATEMENT_FIELDS = new Set(['Sid', 'Effect', 'Principal', 'Action', 'Resource', 'Condition']);
const UNSUPPORTED_FIELDS = new Set(['NotPrincipal', 'NotAction', 'NotResource']);
const PRINCIPAL_KINDS = new Set(['AWS', 'Service', 'Federated', 'CanonicalUser']);
const OPERATORS = new Set(['StringEquals', 'StringLike']);
const CONTEXT_KEY = /^kms:encryptioncontext:(.+)$/i;

/** An IAM principal ARN: the account root, a user, a role, or an STS assumed-role session. */
export const PRINCIPAL_ARN = /^arn:aws:(?:iam::(\d{12}):(?:root|user\/[\w+=,.@/-]+|role\/[\w+=,.@/-]+)|sts::(\d{12}):assumed-role\/[\w+=,.@-]+\/[\w+=,.@-]+)$/;

interface Statement {
  effect: 'Allow' | 'Deny';
  /** Undefined: any principal. */
  principals?: string[];
  actions: string[];
  resources: string[];
  conditions: Array<{ operator: string; key: string; values: string[] }>;
}

export interface PolicyDocument {
  statements: Statement[];
}

function malformed(operation: string, message: string) {
  return awsError('KMS_MALFORMED_POLICY', 'MalformedPolicyDocumentException', operation, message);
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** A string or a non-empty list of strings, as the policy grammar allows for most elements. */
function stringList(value: unknown, what: string, operation: string): string[] {
  const list = Array.isArray(value) ? value : [value];
  if (list.length === 0 || list.some((v) => typeof v !== 'string' || v === '')) throw malformed(operation, `${what} must be a non-empty string or a list of them`);
  return list as string[];
}

function parsePrincipal(value: unknown, where: string, operation: string): string[] | undefined {
  if (value === '*') return undefined;
  if (!isObject(value) || Object.keys(value).length === 0) throw malformed(operation, `${where}: Principal must be "*" or an object such as {"AWS": "arn:aws:iam::111122223333:root"}`);
  const principals: string[] = [];
  for (const [kind, entry] of Object.entries(value)) {
    if (!PRINCIPAL_KINDS.has(kind)) throw malformed(operation, `${where}: Principal has an unknown kind "${kind}"; use AWS, Service, Federated or CanonicalUser`);
    for (const p of stringList(entry, `${where}: Principal.${kind}`, operation)) {
      if (kind !== 'AWS') {
        // Service and federated principals are valid but never call this local KMS.
        principals.push(`${kind}:${p}`);
        continue;
      }
      if (p !== '*' && !/^\d{12}$/.test(p) && !PRINCIPAL_ARN.test(p)) {
        throw malformed(operation, `${where}: Principal.AWS "${p}" is not "*", an account ID or an IAM principal ARN (arn:aws:iam::ACCOUNT:root, :user/NAME, :role/NAME)`);
      }
      principals.push(p);
    }
  }
  return principals;
}

function parseCondition(value: unknown, where: string, operation: string): Statement['conditions'] {
  if (value === undefined) return [];
  if (!isObject(value)) throw malformed(operation, `${where}: Condition must be an object of operators`);
  const conditions: Statement['conditions'] = [];
  for (const [operator, block] of Object.entries(value)) {
    if (!OPERATORS.has(operator)) throw malformed(operation, `${where}: condition operator ${operator} is not supported by this emulator; use StringEquals or StringLike`);
    if (!isObject(block) || Object.keys(block).length === 0) throw malformed(operation, `${where}: ${operator} must map condition keys to values`);
    for (const [key, values] of Object.entries(block)) {
      const lower = key.toLowerCase();
      if (!CONTEXT_KEY.test(key) && lower !== 'kms:calleraccount' && lower !== 'kms:viaservice') {
        throw malformed(operation, `${where}: condition key ${key} is not supported by this emulator; use kms:EncryptionContext:<key>, kms:CallerAccount or kms:ViaService`);
      }
      conditions.push({ operator, key, values: stringList(values, `${where}: ${operator}.${key}`, operation) });
    }
  }
  return conditions;
}

/** Parses and checks a key policy, refusing what KMS (or this emulator) would refuse. */
export function parsePolicy(text: unknown, operation: string): PolicyDocument {
  if (typeof text !== 'string' || text.trim() === '') throw awsError('INVALID_ARGUMENT', 'ValidationException', operation, 'Policy must be a JSON key policy document');
  if (text.length > MAX_POLICY_CHARS) throw awsError('KMS_LIMIT_EXCEEDED', 'LimitExceededException', operation, `The key policy has ${text.length} characters; a key policy has at most ${MAX_POLICY_CHARS}`);
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    throw malformed(operation, 'The key policy is not valid JSON');
  }
  if (!isObject(doc)) throw malformed(operation, 'The key policy must be a JSON object with a Statement');
  for (const field of Object.keys(doc)) {
    if (field !== 'Version' && field !== 'Id' && field !== 'Statement') throw malformed(operation, `The key policy has an unknown element ${field}; a policy has Version, Id and Statement`);
  }
  if (doc.Version !== undefined && (typeof doc.Version !== 'string' || !VERSIONS.has(doc.Version))) throw malformed(operation, 'Version must be "2012-10-17" (or "2008-10-17")');
  const raw = Array.isArray(doc.Statement) ? doc.Statement : doc.Statement === undefined ? [] : [doc.Statement];
  if (raw.length === 0) throw malformed(operation, 'The key policy needs at least one Statement');
  const statements = raw.map((s: unknown, i): Statement => {
    const where = `Statement ${i + 1}`;
    if (!isObject(s)) throw malformed(operation, `${where} must be an object`);
    for (const field of Object.keys(s)) {
      if (UNSUPPORTED_FIELDS.has(field)) throw malformed(operation, `${where}: ${field} is not supported by this emulator; write the statement with Principal, Action and Resource`);
      if (!STATEMENT_FIELDS.has(field)) throw malformed(operation, `${where} has an unknown element ${field}`);
    }
    if (s.Effect !== 'Allow' && s.Effect !== 'Deny') throw malformed(operation, `${where}: Effect must be Allow or Deny`);
    if (s.Principal === undefined) throw malformed(operation, `${where} has no Principal; a key policy statement names who it applies to`);
    if (s.Action === undefined) throw malformed(operation, `${where} has no Action`);
    if (s.Resource === undefined) throw malformed(operation, `${where} has no Resource; in a key policy it is "*" (this key)`);
    const actions = stringList(s.Action, `${where}: Action`, operation);
    for (const a of actions) if (a !== '*' && !/^[a-zA-Z0-9-]+:[a-zA-Z0-9*?]+$/.test(a)) throw malformed(operation, `${where}: Action "${a}" is not of the form kms:Operation (wildcards * and ? allowed)`);
    return {
      effect: s.Effect,
      principals: parsePrincipal(s.Principal, where, operation),
      actions,
      resources: stringList(s.Resource, `${where}: Resource`, operation),
      conditions: parseCondition(s.Condition, where, operation),
    };
  });
  return { statements };
}

/** IAM's wildcard match: `*` any run, `?` one character. */
export function wildcardMatch(pattern: string, value: string, ignoreCase = false): boolean {
  const source = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${source}$`, ignoreCase ? 'is' : 's').test(value);
}

/** The account of a principal ARN. */
export function accountOf(principal: string): string | undefined {
  const m = PRINCIPAL_ARN.exec(principal);
  return m ? (m[1] ?? m[2]) : undefined;
}

/**
 * Whether `named` (in a policy or a grant) names the caller: the same ARN, or a role whose
 * assumed-role session the caller is.
 */
export function samePrincipal(named: string, caller: string): boolean {
  if (named === caller) return true;
  const session = /^arn:aws:sts::(\d{12}):assumed-role\/([^/]+)\//.exec(caller);
  const role = /^arn:aws:iam::(\d{12}):role\/(?:.*\/)?([^/]+)$/.exec(named);
  return !!session && !!role && session[1] === role[1] && session[2] === role[2];
}

function principalMatches(principals: string[] | undefined, caller: string): boolean {
  if (principals === undefined) return true;
  const account = accountOf(caller);
  return principals.some((p) => p === '*' || p === account || p === `arn:aws:iam::${account}:root` || samePrincipal(p, caller));
}

export interface PolicyRequest {
  principal: string;
  /** `kms:Encrypt`, … */
  action: string;
  /** The key's ARN. */
  resource: string;
  /** The request's encryption context, where the operation takes one. */
  context?: Record<string, string>;
}

function conditionValues(key: string, request: PolicyRequest): string[] {
  const lower = key.toLowerCase();
  if (lower === 'kms:calleraccount') return [accountOf(request.principal) ?? ''];
  if (lower === 'kms:viaservice') return []; // No AWS service calls this local KMS on anyone's behalf.
  // Condition keys are not case sensitive, so neither is the context key they name; values are.
  const wanted = CONTEXT_KEY.exec(key)![1]!.toLowerCase();
  return Object.entries(request.context ?? {})
    .filter(([k]) => k.toLowerCase() === wanted)
    .map(([, v]) => v);
}

function conditionsHold(statement: Statement, request: PolicyRequest): boolean {
  return statement.conditions.every(({ operator, key, values }) => {
    const present = conditionValues(key, request);
    return present.some((v) => values.some((want) => (operator === 'StringEquals' ? v === want : wildcardMatch(want, v))));
  });
}

/** What the key policy says to `request`: an explicit deny, an allow, or nothing. */
export function evaluatePolicy(policy: PolicyDocument, request: PolicyRequest): 'deny' | 'allow' | 'none' {
  let allowed = false;
  for (const s of policy.statements) {
    const applies =
      principalMatches(s.principals, request.principal) &&
      s.actions.some((a) => wildcardMatch(a, request.action, true)) &&
      s.resources.some((r) => wildcardMatch(r, request.resource)) &&
      conditionsHold(s, request);
    if (!applies) continue;
    if (s.effect === 'Deny') return 'deny';
    allowed = true;
  }
  return allowed ? 'allow' : 'none';
}

/**
 * KMS's policy lockout safety check: a new key policy must let the principal setting it call
 * PutKeyPolicy later, unless the caller bypasses the check (BypassPolicyLockoutSafetyCheck).
 */
export function checkLockout(policy: PolicyDocument, principal: string, resource: string, bypass: boolean | undefined, operation: string): void {
  if (bypass === true) return;
  if (evaluatePolicy(policy, { principal, action: 'kms:PutKeyPolicy', resource }) !== 'allow') {
    throw malformed(operation, `The new key policy will not allow you to update the key policy in the future: it must allow ${principal} kms:PutKeyPolicy (or set BypassPolicyLockoutSafetyCheck)`);
  }
}
