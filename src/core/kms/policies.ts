/**
 * Key policies (kms-custom-key-store.md §6.3 "key policies"; KMS GetKeyPolicy, PutKeyPolicy,
 * ListKeyPolicies): every KMS key has one key policy, named "default" (KMS's default key policy
 * unless CreateKey or PutKeyPolicy set another). PutKeyPolicy checks the document
 * (policy-document.ts: MalformedPolicyDocumentException) and KMS's lockout safety check, and
 * works in every key state, as KMS's does.
 */
import { awsError } from '../errors.js';
import { defineOperation, type ClusterInput } from '../engine.js';
import { keyByIdOrArn } from './keys.js';
import { accountOfKey, authorize, type KmsCaller } from './access.js';
import { kmsRecordKeys, pageAfter, policyTextOf, type PolicyRecord } from './key-records.js';
import { checkLockout, defaultKeyPolicy, parsePolicy } from './policy-document.js';

const POLICY_NAME = 'default';

function checkPolicyName(name: unknown, operation: string): void {
  if (name !== undefined && name !== POLICY_NAME) throw awsError('KMS_KEY_NOT_FOUND', 'NotFoundException', operation, `No key policy named ${JSON.stringify(name)}: a KMS key has one key policy, "${POLICY_NAME}"`);
}

/** GetKeyPolicy. */
export const getKmsKeyPolicy = defineOperation({
  name: 'GetKeyPolicy',
  cluster: 'none',
  access: 'none',
  write: false,
  run: ({ tx }, input: { KeyId: string; PolicyName?: string; clusterId?: string } & KmsCaller) => {
    const operation = 'GetKeyPolicy';
    const key = keyByIdOrArn(tx, input.KeyId, operation);
    checkPolicyName(input.PolicyName, operation);
    authorize(tx, key, input, { action: 'kms:GetKeyPolicy', operation });
    return { Policy: policyTextOf(tx, key.keyId, defaultKeyPolicy(accountOfKey(key))), PolicyName: POLICY_NAME };
  },
});

export interface PutKeyPolicyInput extends ClusterInput, KmsCaller {
  KeyId: string;
  Policy: string;
  PolicyName?: string;
  BypassPolicyLockoutSafetyCheck?: boolean;
}

/** PutKeyPolicy: authorized by the policy in force, checked against the lockout rule. */
export const putKmsKeyPolicy = defineOperation({
  name: 'PutKeyPolicy',
  cluster: 'none',
  access: 'none',
  write: true,
  run: ({ tx }, input: PutKeyPolicyInput): Record<string, never> => {
    const operation = 'PutKeyPolicy';
    const key = keyByIdOrArn(tx, input.KeyId, operation);
    checkPolicyName(input.PolicyName, operation);
    const policy = parsePolicy(input.Policy, operation);
    const { principal } = authorize(tx, key, input, { action: 'kms:PutKeyPolicy', operation });
    checkLockout(policy, principal, key.arn, input.BypassPolicyLockoutSafetyCheck, operation);
    tx.put(kmsRecordKeys.policy(key.keyId), { name: POLICY_NAME, document: input.Policy } satisfies PolicyRecord);
    return {};
  },
});

/** ListKeyPolicies: always ["default"]. */
export const listKmsKeyPolicies = defineOperation({
  name: 'ListKeyPolicies',
  cluster: 'none',
  access: 'none',
  write: false,
  run: ({ tx }, input: { KeyId: string; Limit?: number; Marker?: string; clusterId?: string } & KmsCaller) => {
    const operation = 'ListKeyPolicies';
    const key = keyByIdOrArn(tx, input.KeyId, operation);
    authorize(tx, key, input, { action: 'kms:ListKeyPolicies', operation });
    const p = pageAfter([POLICY_NAME], (name) => name, input.Limit, input.Marker, operation, 1000, 100);
    return { PolicyNames: p.items, ...(p.NextMarker ? { NextMarker: p.NextMarker } : {}), Truncated: p.Truncated };
  },
});
