/**
 * KMS grants (kms-custom-key-store.md §6.3 "grants"; KMS CreateGrant, ListGrants,
 * ListRetirableGrants, RetireGrant, RevokeGrant): a grant lets its grantee principal call the
 * operations it lists on one key, under an optional encryption context constraint
 * (EncryptionContextEquals or EncryptionContextSubset, not both; keys compared without case,
 * values with it; applied only to operations that take an encryption context). A grant is in
 * effect as soon as CreateGrant returns. A Name makes CreateGrant idempotent: the same name and
 * the same parameters give back the existing grant's ID (with a new token, as KMS does).
 *
 * A grantee whose grant allows CreateGrant may create grants for no more operations than its own
 * and with an encryption context constraint at least as strict. The retiring principal, the
 * grantee of a grant that lists RetireGrant, and the account the grant was made in may retire
 * it; RevokeGrant is authorized by the key policy. [emulator rule] The quota of 50,000 grants per
 * key is not enforced.
 */
import { awsError } from '../errors.js';
import { defineOperation, type ClusterInput } from '../engine.js';
import type { ReadView } from '../store/index.js';
import { keyByIdOrArn, kmsKeys, type KmsKeyRecord } from './keys.js';
import {
  accountOfKey,
  accountRoot,
  authorize,
  callerPrincipal,
  checkGrantTokens,
  GRANT_OPERATIONS,
  grantToken,
  lowerKeyed,
  parseGrantToken,
  SYMMETRIC_GRANT_OPERATIONS,
  type Authorization,
  type KmsCaller,
} from './access.js';
import { creationKey, grantsOf, kmsRecordKeys, pageAfter, type GrantConstraints, type GrantRecord, type Page } from './key-records.js';
import { samePrincipal } from './policy-document.js';

const GRANT_ID = /^[0-9a-f]{64}$/;
const NAME = /^[a-zA-Z0-9:/_-]{1,256}$/;
/** GranteePrincipal and RetiringPrincipal: KMS's pattern and length. */
const GRANT_PRINCIPAL = /^[\w+=,.@:/-]{1,256}$/;
const MAX_CONSTRAINT_PAIRS = 8;
const MAX_CONSTRAINT_VALUE_CHARS = 384;

const invalid = (operation: string, message: string) => awsError('INVALID_ARGUMENT', 'ValidationException', operation, message);

function checkGrantId(grantId: unknown, operation: string): string {
  if (typeof grantId !== 'string' || !GRANT_ID.test(grantId)) throw awsError('KMS_INVALID_GRANT_ID', 'InvalidGrantIdException', operation, 'GrantId is not a grant ID: give the 64 hexadecimal characters CreateGrant returned');
  return grantId;
}

function checkGrantPrincipal(value: unknown, field: string, operation: string): string {
  if (typeof value !== 'string' || !GRANT_PRINCIPAL.test(value)) throw invalid(operation, `${field} must be a principal ARN of 1 to 256 characters (letters, digits and _+=,.@:/-)`);
  return value;
}

function checkOperations(value: unknown, operation: string): string[] {
  if (!Array.isArray(value) || value.length === 0) throw invalid(operation, `Operations must list at least one of ${GRANT_OPERATIONS.join(', ')}`);
  const known: ReadonlySet<string> = new Set(GRANT_OPERATIONS);
  for (const op of value) {
    if (typeof op !== 'string' || !known.has(op)) throw invalid(operation, `${JSON.stringify(op)} is not a grant operation; use ${GRANT_OPERATIONS.join(', ')}`);
    if (!SYMMETRIC_GRANT_OPERATIONS.has(op)) throw invalid(operation, `${op} is not valid for a symmetric encryption KMS key; a grant for one lists ${[...SYMMETRIC_GRANT_OPERATIONS].join(', ')}`);
  }
  return [...new Set(value as string[])];
}

function checkContextMap(value: unknown, field: string, operation: string): Record<string, string> | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw invalid(operation, `${field} must map encryption context keys to values`);
  const entries = Object.entries(value as Record<string, unknown>);
  if (entries.length > MAX_CONSTRAINT_PAIRS) throw invalid(operation, `${field} has ${entries.length} pairs; a constraint has at most ${MAX_CONSTRAINT_PAIRS}`);
  for (const [k, v] of entries) {
    if (typeof v !== 'string' || k === '') throw invalid(operation, `${field} must map non-empty keys to string values`);
    if (v.length > MAX_CONSTRAINT_VALUE_CHARS) throw invalid(operation, `${field}.${k} has ${v.length} characters; at most ${MAX_CONSTRAINT_VALUE_CHARS}`);
  }
  // An empty map constrains nothing: it is left out, as KMS treats it.
  return entries.length === 0 ? undefined : (Object.fromEntries(entries) as Record<string, string>);
}

function checkConstraints(value: unknown, operation: string): GrantConstraints | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw invalid(operation, 'Constraints must be {"EncryptionContextSubset": {…}} or {"EncryptionContextEquals": {…}}');
  const { EncryptionContextSubset, EncryptionContextEquals, ...rest } = value as Record<string, unknown>;
  const unknown = Object.keys(rest);
  if (unknown.length > 0) throw invalid(operation, `Constraints has ${unknown.join(', ')}; a constraint is EncryptionContextSubset or EncryptionContextEquals`);
  const subset = checkContextMap(EncryptionContextSubset, 'EncryptionContextSubset', operation);
  const equals = checkContextMap(EncryptionContextEquals, 'EncryptionContextEquals', operation);
  if (subset && equals) throw invalid(operation, 'Constraints takes EncryptionContextSubset or EncryptionContextEquals, not both');
  return subset ? { EncryptionContextSubset: subset } : equals ? { EncryptionContextEquals: equals } : undefined;
}

const includesAll = (outer: Record<string, string>, inner: Record<string, string>) => {
  const o = lowerKeyed(outer);
  return Object.entries(inner).every(([k, v]) => o.get(k.toLowerCase()) === v);
};

/** Whether `child` constrains at least as strictly as `parent` (for grants made through a grant). */
function atLeastAsStrict(parent: GrantConstraints | undefined, child: GrantConstraints | undefined): boolean {
  if (!parent) return true;
  if (parent.EncryptionContextEquals) return !!child?.EncryptionContextEquals && includesAll(child.EncryptionContextEquals, parent.EncryptionContextEquals) && includesAll(parent.EncryptionContextEquals, child.EncryptionContextEquals);
  const wanted = parent.EncryptionContextSubset ?? {};
  const given = child?.EncryptionContextEquals ?? child?.EncryptionContextSubset;
  return !!given && includesAll(given, wanted);
}

const sameJson = (a: unknown, b: unknown) => JSON.stringify(a ?? null) === JSON.stringify(b ?? null);
const sortedMap = (m: Record<string, string> | undefined) => (m ? Object.fromEntries(Object.entries(m).sort(([a], [b]) => a.localeCompare(b))) : undefined);
const canonical = (c: GrantConstraints | undefined) => (c ? { s: sortedMap(c.EncryptionContextSubset), e: sortedMap(c.EncryptionContextEquals) } : undefined);

export interface CreateGrantInput extends ClusterInput, KmsCaller {
  KeyId: string;
  GranteePrincipal: string;
  Operations: string[];
  RetiringPrincipal?: string;
  Constraints?: GrantConstraints;
  Name?: string;
}

/** CreateGrant: a grant on a key that is not disabled or pending deletion. */
export const createKmsGrant = defineOperation({
  name: 'CreateGrant',
  cluster: 'none',
  access: 'none',
  write: true,
  run: ({ tx, ctx }, input: CreateGrantInput): { GrantToken: string; GrantId: string } => {
    const operation = 'CreateGrant';
    const grantee = checkGrantPrincipal(input.GranteePrincipal, 'GranteePrincipal', operation);
    const retiring = input.RetiringPrincipal === undefined ? undefined : checkGrantPrincipal(input.RetiringPrincipal, 'RetiringPrincipal', operation);
    const operations = checkOperations(input.Operations, operation);
    const constraints = checkConstraints(input.Constraints, operation);
    if (input.Name !== undefined && (typeof input.Name !== 'string' || !NAME.test(input.Name))) throw invalid(operation, 'Name must be 1 to 256 letters, digits, :, /, _ or -');
    const key = keyByIdOrArn(tx, input.KeyId, operation);
    const by: Authorization = authorize(tx, key, input, { action: 'kms:CreateGrant', operation });
    if (by.by === 'grant') {
      const beyond = operations.filter((op) => !by.grant.operations.includes(op));
      if (beyond.length > 0) throw awsError('KMS_ACCESS_DENIED', 'AccessDeniedException', operation, `User: ${by.principal} may create grants through grant ${by.grant.grantId} only for its operations, not ${beyond.join(', ')}`);
      if (!atLeastAsStrict(by.grant.constraints, constraints)) {
        throw awsError('KMS_ACCESS_DENIED', 'AccessDeniedException', operation, `User: ${by.principal} may create grants through grant ${by.grant.grantId} only with an encryption context constraint at least as strict as its own`);
      }
    }
    if (key.deletionDate !== undefined) throw awsError('KMS_INVALID_STATE', 'KMSInvalidStateException', operation, `${key.arn} is pending deletion`);
    if (!key.enabled) throw awsError('KMS_KEY_DISABLED', 'DisabledException', operation, `${key.arn} is disabled`);
    const same =
      input.Name === undefined
        ? undefined
        : grantsOf(tx, key.keyId).find(
            (g) =>
              g.name === input.Name &&
              g.granteePrincipal === grantee &&
              g.retiringPrincipal === retiring &&
              sameJson([...g.operations].sort(), [...operations].sort()) &&
              sameJson(canonical(g.constraints), canonical(constraints)),
          );
    // Each call gets a token of its own, even when it names an existing grant.
    if (same) return { GrantToken: grantToken(key.keyId, same.grantId, ctx.random(16)), GrantId: same.grantId };
    const grantId = ctx.random(32).toString('hex');
    const grant: GrantRecord = {
      grantId,
      keyId: key.keyId,
      ...(input.Name !== undefined ? { name: input.Name } : {}),
      granteePrincipal: grantee,
      ...(retiring !== undefined ? { retiringPrincipal: retiring } : {}),
      operations,
      ...(constraints ? { constraints } : {}),
      issuingAccount: accountRoot(accountOfKey(key)),
      createdAt: ctx.now(),
    };
    tx.put(kmsRecordKeys.grant(key.keyId, grantId), grant);
    return { GrantToken: grantToken(key.keyId, grantId, ctx.random(16)), GrantId: grantId };
  },
});

export interface GrantListEntry {
  KeyId: string;
  GrantId: string;
  Name?: string;
  CreationDate: Date;
  GranteePrincipal: string;
  RetiringPrincipal?: string;
  IssuingAccount: string;
  Operations: string[];
  Constraints?: GrantConstraints;
}

function entryOf(view: ReadView, grant: GrantRecord): GrantListEntry {
  const key = view.get<KmsKeyRecord>(kmsKeys.key(grant.keyId));
  return {
    KeyId: key?.arn ?? grant.keyId,
    GrantId: grant.grantId,
    ...(grant.name !== undefined ? { Name: grant.name } : {}),
    CreationDate: new Date(grant.createdAt),
    GranteePrincipal: grant.granteePrincipal,
    ...(grant.retiringPrincipal !== undefined ? { RetiringPrincipal: grant.retiringPrincipal } : {}),
    IssuingAccount: grant.issuingAccount,
    Operations: [...grant.operations],
    ...(grant.constraints ? { Constraints: grant.constraints } : {}),
  };
}

const listed = (view: ReadView, p: Page<GrantRecord>) => ({ Grants: p.items.map((g) => entryOf(view, g)), ...(p.NextMarker ? { NextMarker: p.NextMarker } : {}), Truncated: p.Truncated });

/** Grants are listed oldest first. */
const byGrantCreation = (g: GrantRecord) => creationKey(g.createdAt, g.grantId);

/** ListGrants: a key's grants, optionally one grant or one grantee's. */
export const listKmsGrants = defineOperation({
  name: 'ListGrants',
  cluster: 'none',
  access: 'none',
  write: false,
  run: ({ tx }, input: { KeyId: string; GrantId?: string; GranteePrincipal?: string; Limit?: number; Marker?: string; clusterId?: string } & KmsCaller) => {
    const operation = 'ListGrants';
    const grantId = input.GrantId === undefined ? undefined : checkGrantId(input.GrantId, operation);
    const key = keyByIdOrArn(tx, input.KeyId, operation);
    authorize(tx, key, input, { action: 'kms:ListGrants', operation });
    const grants = grantsOf(tx, key.keyId).filter((g) => (grantId === undefined || g.grantId === grantId) && (input.GranteePrincipal === undefined || g.granteePrincipal === input.GranteePrincipal));
    return listed(tx, pageAfter(grants, byGrantCreation, input.Limit, input.Marker, operation));
  },
});

/** ListRetirableGrants: the grants of this account's keys that a principal may retire. */
export const listKmsRetirableGrants = defineOperation({
  name: 'ListRetirableGrants',
  cluster: 'none',
  access: 'none',
  write: false,
  run: ({ tx }, input: { RetiringPrincipal: string; Limit?: number; Marker?: string; clusterId?: string } & KmsCaller) => {
    const operation = 'ListRetirableGrants';
    const retiring = checkGrantPrincipal(input.RetiringPrincipal, 'RetiringPrincipal', operation);
    const grants = tx
      .lookup<GrantRecord>(kmsRecordKeys.grantPrefix, 'retiringPrincipal', retiring)
      .map(([, g]) => g)
      // A grant whose key is gone went with it.
      .filter((g) => tx.has(kmsKeys.key(g.keyId)));
    return listed(tx, pageAfter(grants, byGrantCreation, input.Limit, input.Marker, operation));
  },
});

/** RetireGrant: by its token, or by KeyId and GrantId; by whom the grant lets retire it. */
export const retireKmsGrant = defineOperation({
  name: 'RetireGrant',
  cluster: 'none',
  access: 'none',
  write: true,
  run: ({ tx }, input: { GrantToken?: string; KeyId?: string; GrantId?: string; clusterId?: string } & KmsCaller): Record<string, never> => {
    const operation = 'RetireGrant';
    let keyId: unknown = input.KeyId;
    let grantId: string;
    if (input.GrantToken !== undefined) {
      if (input.GrantId !== undefined || input.KeyId !== undefined) throw invalid(operation, 'Give GrantToken, or KeyId and GrantId, not both');
      ({ keyId, grantId } = parseGrantToken(input.GrantToken, operation));
    } else {
      if (input.GrantId === undefined || input.KeyId === undefined) throw invalid(operation, 'Give GrantToken, or KeyId and GrantId');
      grantId = checkGrantId(input.GrantId, operation);
    }
    const key = keyByIdOrArn(tx, keyId, operation);
    const grant = tx.get<GrantRecord>(kmsRecordKeys.grant(key.keyId, grantId));
    if (!grant) throw awsError('KMS_KEY_NOT_FOUND', 'NotFoundException', operation, `Grant ${grantId} does not exist on ${key.arn}`);
    const principal = callerPrincipal(input, accountOfKey(key), operation);
    checkGrantTokens(input.GrantTokens, operation);
    const may =
      (grant.retiringPrincipal !== undefined && samePrincipal(grant.retiringPrincipal, principal)) ||
      (samePrincipal(grant.granteePrincipal, principal) && grant.operations.includes('RetireGrant')) ||
      principal === grant.issuingAccount;
    if (!may) {
      throw awsError('KMS_ACCESS_DENIED', 'AccessDeniedException', operation, `User: ${principal} is not authorized to perform: kms:RetireGrant on resource: ${key.arn}: it is not the grant's retiring principal, nor its grantee with RetireGrant, nor the account root`);
    }
    tx.delete(kmsRecordKeys.grant(key.keyId, grantId));
    return {};
  },
});

/** RevokeGrant: the key policy decides who may. */
export const revokeKmsGrant = defineOperation({
  name: 'RevokeGrant',
  cluster: 'none',
  access: 'none',
  write: true,
  run: ({ tx }, input: { KeyId: string; GrantId: string; clusterId?: string } & KmsCaller): Record<string, never> => {
    const operation = 'RevokeGrant';
    const grantId = checkGrantId(input.GrantId, operation);
    const key = keyByIdOrArn(tx, input.KeyId, operation);
    authorize(tx, key, input, { action: 'kms:RevokeGrant', operation });
    if (!tx.has(kmsRecordKeys.grant(key.keyId, grantId))) throw awsError('KMS_KEY_NOT_FOUND', 'NotFoundException', operation, `Grant ${grantId} does not exist on ${key.arn}`);
    tx.delete(kmsRecordKeys.grant(key.keyId, grantId));
    return {};
  },
});
