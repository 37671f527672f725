/**
 * KMS operations this local KMS answers only with the refusal the real service gives for its keys
 * (kms-custom-key-store.md §6.2), so that an application calling them learns why instead of
 * meeting an unknown operation:
 *
 * - EnableKeyRotation, DisableKeyRotation: a key in an AWS CloudHSM key store has no automatic
 *   rotation (UnsupportedOperationException, as AWS says); [emulator rule] neither has a standard
 *   key here (UnsupportedOperationException naming this local KMS). GetKeyRotationStatus answers
 *   false, which is then true of every key.
 * - Sign, Verify, GenerateMac, VerifyMac: every key here is a symmetric encryption key (an AWS
 *   CloudHSM key store holds no other kind, and this KMS makes no other), whose KeyUsage
 *   ENCRYPT_DECRYPT allows none of them: InvalidKeyUsageException, as AWS answers for such a key.
 */
import { awsError, type HsmError } from '../errors.js';
import { defineOperation, type ClusterInput } from '../engine.js';
import type { ReadView } from '../store/index.js';
import { findKey, type KmsKeyRecord } from './keys.js';
import { authorize, type KmsCaller } from './access.js';

interface KeyInput extends ClusterInput, KmsCaller {
  KeyId: string;
}

/** The key an operation names, once the caller may call it on the key: KMS authorizes before it answers. */
function authorizedKey(view: ReadView, input: KeyInput, operation: string): KmsKeyRecord {
  const key = findKey(view, input.KeyId, operation);
  authorize(view, key, input, { action: `kms:${operation}`, operation });
  return key;
}

const inStore = (key: KmsKeyRecord) => key.origin === 'AWS_CLOUDHSM';

/** An operation that names a key (NotFoundException when there is none, AccessDeniedException for a caller without access) and then refuses it with `refusal`. */
function refused(operation: string, refusal: (key: KmsKeyRecord) => HsmError) {
  return defineOperation({
    name: operation,
    cluster: 'none',
    access: 'none',
    write: false,
    run: ({ tx }, input: KeyInput): never => {
      throw refusal(authorizedKey(tx, input, operation));
    },
  });
}

/** UnsupportedOperationException: for a key in a store with the spec's reason, for a standard key as this local KMS's limit. */
function unsupported(operation: string, inStoreReason: string, standardReason: string) {
  return refused(operation, (key) =>
    awsError('KMS_UNSUPPORTED', 'UnsupportedOperationException', operation, inStore(key) ? `${key.arn} is in custom key store ${key.customKeyStoreId!}: ${inStoreReason}` : `${standardReason} (${key.arn} is a standard key)`),
  );
}

const rotation = (operation: string) => unsupported(operation, 'keys in an AWS CloudHSM key store have no automatic key rotation', 'automatic key rotation is not supported by this local KMS');

export const enableKmsKeyRotation = rotation('EnableKeyRotation');
export const disableKmsKeyRotation = rotation('DisableKeyRotation');

/** GetKeyRotationStatus: no key here rotates. */
export const getKmsKeyRotationStatus = defineOperation({
  name: 'GetKeyRotationStatus',
  cluster: 'none',
  access: 'none',
  write: false,
  run: ({ tx }, input: KeyInput) => {
    const key = authorizedKey(tx, input, 'GetKeyRotationStatus');
    return { KeyId: key.arn, KeyRotationEnabled: false };
  },
});

function wrongUsage(operation: 'Sign' | 'Verify' | 'GenerateMac' | 'VerifyMac') {
  const needs = operation === 'Sign' || operation === 'Verify' ? 'an asymmetric key with KeyUsage SIGN_VERIFY' : 'an HMAC key with KeyUsage GENERATE_VERIFY_MAC';
  return refused(operation, (key) => {
    const why = inStore(key) ? 'an AWS CloudHSM key store holds only symmetric encryption keys' : 'this local KMS makes only symmetric encryption keys';
    return awsError('KMS_INVALID_KEY_USAGE', 'InvalidKeyUsageException', operation, `${operation} needs ${needs}; ${key.arn} has KeyUsage ENCRYPT_DECRYPT (${why})`);
  });
}

export const kmsSign = wrongUsage('Sign');
export const kmsVerify = wrongUsage('Verify');
export const kmsGenerateMac = wrongUsage('GenerateMac');
export const kmsVerifyMac = wrongUsage('VerifyMac');
