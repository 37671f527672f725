/**
 * The one error type of the emulator and the public list of its codes.
 *
 * Every refusal carries a stable SCREAMING_SNAKE `code` (public: add codes, never rename them),
 * a message written for the operator (what rule was broken and how to fix it) and, for the
 * cluster plane, the AWS CloudHSMv2 error type the real service would return (cluster.md §2.1).
 * Messages never contain passwords or key material.
 */

export const ERROR_CODES = {
  INVALID_ARGUMENT: 'an input value is malformed or out of range',
  USAGE: 'the line is not a command as written (unknown command or flag, missing argument); exit status 2',
  INVALID_USERNAME: 'a username breaks the 1-31 letters/digits/underscore rule',
  INVALID_PASSWORD: 'a password breaks the 7-32 character rule',
  PASSWORD_REQUIRED: 'a password is needed but none was given and no terminal can prompt for it',
  CLUSTER_NOT_FOUND: 'no cluster with that ID (or it was deleted)',
  CLUSTER_NOT_SELECTED: 'several clusters exist and none was chosen with --cluster-id',
  HSM_NOT_FOUND: 'no HSM with that ID, ENI ID or ENI IP in the cluster',
  INVALID_STATE: 'the cluster or HSM is in a state that does not allow the operation',
  INVALID_REQUEST: 'the cluster-plane request is invalid (CloudHsmInvalidRequestException)',
  CERTIFICATE_REJECTED: 'the signed certificate or trust anchor failed validation',
  CLUSTER_HAS_HSMS: 'a cluster cannot be deleted while it still has HSMs',
  RESOURCE_LIMIT_EXCEEDED: 'a service quota (clusters, HSMs) would be exceeded',
  BACKUP_NOT_FOUND: 'no backup with that ID (CloudHsmResourceNotFoundException)',
  BACKUP_FOREIGN: 'the backup was made by another cloudhsm-local installation, whose backup keys this one does not hold',
  BACKUP_INTEGRITY: 'the backup file is missing, damaged or altered and cannot be opened',
  TAG_INVALID: 'a tag breaks the Tag rules: key 1-128 and value 0-256 of the allowed characters, no aws: prefix, no key twice (CloudHsmTagException)',
  TAG_LIMIT_EXCEEDED: 'a resource would carry more than 50 tags, or one request names more than 50 (CloudHsmTagException)',
  NO_ACTIVE_HSM: 'the cluster has no ACTIVE HSM to talk to',
  HSM_FAILED: 'the HSM an operation was sent to failed while it was in flight; retry it (the client sends it to another HSM)',
  KEY_NOT_AVAILABLE: 'the key availability check is on and the key is on fewer than 2 ACTIVE HSMs',
  CLUSTER_NOT_ACTIVATED: 'the cluster must be activated before this operation',
  CLUSTER_ALREADY_ACTIVATED: 'the cluster was already activated',
  NOT_LOGGED_IN: 'the operation needs a logged-in user',
  ALREADY_LOGGED_IN: 'a user is already logged in to this session',
  PERMISSION_DENIED: 'the logged-in role may not perform the operation',
  LOGIN_FAILED: 'wrong password or role for the user',
  USER_LOCKED: 'the user is locked after too many failed logins',
  USER_NOT_FOUND: 'no user with that name in the cluster',
  USER_EXISTS: 'a user with that name already exists',
  USER_LOGGED_IN: 'the user is logged in elsewhere, so it cannot be deleted or re-passworded',
  USER_LIMIT_EXCEEDED: 'the cluster already holds the maximum number of users',
  ROLE_MISMATCH: 'the role given does not match the user\'s role',
  BUILTIN_USER: 'the built-in users admin and app_user cannot be changed that way',
  KEY_SELECTION_NOT_UNIQUE: 'a single-key command matched zero or several keys',
  KEY_ACCESS_DENIED: 'only the owner of a key may do that (sharees may only use it)',
  KEY_ATTRIBUTE_REFUSED: 'the key attributes do not allow the operation or the change',
  KEY_LIMIT_EXCEEDED: 'the cluster holds the maximum number of keys for its HSM type',
  MECHANISM_NOT_ALLOWED: 'the mechanism, curve or key type is not available in this cluster mode',
  VERIFICATION_FAILED: 'the signature or MAC did not verify',
  USER_OWNS_KEYS: 'a crypto user that owns keys cannot be deleted',
  DETERMINISTIC_MODE: 'the deterministic test seed does not match how the cluster was created',
  STATE_LOCKED: 'another process holds the state lock past the timeout',
  STATE_INTEGRITY: 'a state file failed authentication (tampered, damaged or wrong passphrase)',
  STATE_PASSPHRASE: 'the state needs CLOUDHSM_STATE_PASSPHRASE (or must not have one)',
  STATE_VERSION: 'the state was written in a format this version cannot read',
  STATE_IO: 'the state folder could not be read or written',
  STATE_ROLLBACK: 'some state files were replaced by older copies (a rollback)',
  STATE_NOT_FOUND: 'the folder holds no state yet, and the command does not create one',
  STATE_DIR_NOT_EMPTY: 'a new state is made only in an empty folder',
  DECRYPTION_FAILED: 'ciphertext or tag did not authenticate, or padding was wrong',
  CLOCK_BACKWARDS: 'clock set to a moment before the current cluster time: the simulated clock only moves forward',
  AUDIT_INTEGRITY: 'an audit log event or stream head was changed, removed, reordered or cut off',
  MASKED_OBJECT_REFUSED: 'a masked object from another cluster (not a clone), changed, or not a masked object',
  QUORUM_FAILED: 'a quorum-controlled operation lacked valid approvals, or a quorum token was refused (expired, used, another user\'s)',
  MFA_REQUIRED: 'the user has multi-factor authentication: the login needs its signed token file (mfa-token-sign)',
  MFA_FAILED: 'a multi-factor token was not signed, or its signature does not verify with the registered public key',
  KEY_STORE_NOT_FOUND: 'no custom key store with that ID or name (CustomKeyStoreNotFoundException)',
  KEY_STORE_INVALID_STATE: 'the custom key store is not in a connection state that allows the operation (CustomKeyStoreInvalidStateException)',
  KEY_STORE_NAME_IN_USE: 'another custom key store has that name (CustomKeyStoreNameInUseException)',
  KEY_STORE_CLUSTER_IN_USE: 'another custom key store uses the cluster or a cluster of its backup lineage (CloudHsmClusterInUseException)',
  KEY_STORE_HAS_KEYS: 'the custom key store still holds KMS keys, pending deletion ones included (CustomKeyStoreHasCMKsException)',
  CLUSTER_NOT_ACTIVE: 'the cluster is not ACTIVE (created, initialized and activated) (CloudHsmClusterNotActiveException)',
  CLUSTER_INVALID_CONFIGURATION: 'the cluster lacks what a key store needs: two ACTIVE HSMs in different Availability Zones (CloudHsmClusterInvalidConfigurationException)',
  CLUSTER_NOT_RELATED: 'the cluster is not of the key store\'s backup lineage (another cluster certificate) (CloudHsmClusterNotRelatedException)',
  INCORRECT_TRUST_ANCHOR: 'the trust anchor certificate is not the cluster\'s (IncorrectTrustAnchorException)',
  KMS_LIMIT_EXCEEDED: 'a KMS quota would be exceeded (LimitExceededException)',
  KMS_KEY_NOT_FOUND: 'no KMS key with that ID or ARN (NotFoundException)',
  KMS_KEY_DISABLED: 'the KMS key is disabled (DisabledException)',
  KMS_INVALID_STATE: 'the KMS key, or its custom key store, is not in a state that allows the operation (KMSInvalidStateException)',
  KMS_INCORRECT_KEY: 'the ciphertext was not encrypted under the KMS key given (IncorrectKeyException)',
  KMS_INVALID_CIPHERTEXT: 'the ciphertext blob is damaged, or its encryption context differs (InvalidCiphertextException)',
  KMS_UNSUPPORTED: 'the operation or key spec is not supported for this kind of KMS key (UnsupportedOperationException)',
  KMS_INVALID_KEY_USAGE: 'the KMS key\'s KeyUsage does not allow the operation: every key here is a symmetric encryption key (InvalidKeyUsageException)',
  KMS_ALREADY_EXISTS: 'an alias of that name already exists (AlreadyExistsException)',
  AWS_ACCESS_DENIED: 'a signed request of a principal of another account asked for the CloudHSM cluster API on the local account (CloudHsmAccessDeniedException)',
  KMS_ACCESS_DENIED: 'neither the key policy nor a grant allows the caller the KMS operation on the key, or the key policy denies it (AccessDeniedException)',
  KMS_MALFORMED_POLICY: 'a key policy is not valid JSON, breaks the policy grammar, uses a condition the emulator does not evaluate, or would lock the caller out (MalformedPolicyDocumentException)',
  KMS_INVALID_GRANT_TOKEN: 'a grant token is not one CreateGrant returned (InvalidGrantTokenException)',
  KMS_INVALID_GRANT_ID: 'a grant ID is not of the form CreateGrant returns (InvalidGrantIdException)',
  KMS_INVALID_MARKER: 'a Marker is not one a previous response of that list gave (InvalidMarkerException)',
  KMS_TAG_INVALID: 'a KMS tag breaks the rules: key 1-128 characters, value 0-256, no aws: prefix (TagException)',
  SUBNET_NOT_FOUND: 'the subnet is not one of a cluster\'s, or it was deleted (InvalidSubnetID.NotFound; CloudHsmInvalidRequestException for an HSM in it)',
  SUBNET_IN_USE: 'the subnet still holds network interfaces (an HSM\'s, or KMS\'s while a key store is connected) and cannot be deleted (DependencyViolation)',
  SUBNET_FULL: 'the subnet has no free IP address for a new network interface (CloudHsmInvalidRequestException for an HSM)',
  SUBNET_NOT_DELETED: 'the subnet was not deleted, so there is nothing to restore',
  PROMPT_CANCELLED: 'the operator cancelled a prompt (Ctrl-C or end of input); nothing was changed',
  INTERNAL: 'an unexpected fault: a bug in the emulator',
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

/** The EC2 error codes of the subnet operations fault injection models (network/operations.ts). */
export type Ec2ErrorType = 'InvalidSubnetID.NotFound' | 'DependencyViolation' | 'InvalidParameterValue';

/** AWS CloudHSMv2 API error types (cluster.md §2.1). */
export type AwsErrorType =
  | KmsErrorType
  | Ec2ErrorType
  | 'CloudHsmAccessDeniedException'
  | 'CloudHsmInvalidRequestException'
  | 'CloudHsmResourceNotFoundException'
  | 'CloudHsmResourceLimitExceededException'
  | 'CloudHsmTagException'
  | 'CloudHsmInternalFailureException';

/** AWS KMS exception names (kms-custom-key-store.md §2-6). */
export type KmsErrorType =
  | 'CloudHsmClusterNotFoundException'
  | 'CloudHsmClusterNotActiveException'
  | 'CloudHsmClusterInUseException'
  | 'CloudHsmClusterInvalidConfigurationException'
  | 'CloudHsmClusterNotRelatedException'
  | 'IncorrectTrustAnchorException'
  | 'CustomKeyStoreNameInUseException'
  | 'CustomKeyStoreNotFoundException'
  | 'CustomKeyStoreInvalidStateException'
  | 'CustomKeyStoreHasCMKsException'
  | 'LimitExceededException'
  | 'KMSInternalException'
  | 'KMSInvalidStateException'
  | 'NotFoundException'
  | 'DisabledException'
  | 'IncorrectKeyException'
  | 'InvalidCiphertextException'
  | 'UnsupportedOperationException'
  | 'InvalidKeyUsageException'
  | 'AlreadyExistsException'
  | 'AccessDeniedException'
  | 'MalformedPolicyDocumentException'
  | 'InvalidGrantTokenException'
  | 'InvalidGrantIdException'
  | 'InvalidMarkerException'
  | 'TagException'
  | 'ValidationException';

export interface HsmErrorOptions {
  details?: Record<string, unknown>;
  /** Set on cluster-plane errors: the AWS error type and the API operation that failed. */
  aws?: { type: AwsErrorType; operation: string };
  cause?: unknown;
  /**
   * How to fix it, when the message itself must be the real tool's exact words (printed after
   * the message, and as `hint` in the JSON envelope except in cloudhsm-cli).
   */
  hint?: string;
}

export class HsmError extends Error {
  readonly code: ErrorCode;
  readonly details?: Record<string, unknown>;
  readonly aws?: { type: AwsErrorType; operation: string };
  readonly hint?: string;

  constructor(code: ErrorCode, message: string, options: HsmErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'HsmError';
    this.code = code;
    this.details = options.details;
    this.aws = options.aws;
    this.hint = options.hint;
  }

  /** The message as the operator sees it; cluster-plane errors read like the AWS CLI's. */
  get displayMessage(): string {
    if (this.aws) {
      return `An error occurred (${this.aws.type}) when calling the ${this.aws.operation} operation: ${this.message}`;
    }
    return this.message;
  }
}

export function isHsmError(err: unknown): err is HsmError {
  return err instanceof HsmError;
}

/** A cluster-plane error with the AWS type the real service uses. */
export function awsError(
  code: ErrorCode,
  type: AwsErrorType,
  operation: string,
  message: string,
): HsmError {
  return new HsmError(code, message, { aws: { type, operation } });
}

/** What a `catch` caught, as an Error to reject with (anything thrown that is not one is wrapped). */
export function asError(caught: unknown): Error {
  return caught instanceof Error ? caught : new Error(String(caught));
}
