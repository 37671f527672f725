/**
 * The one map from the core's error codes to the CKR_* values the CloudHSM PKCS #11 library
 * returns in the same situation. Where PKCS #11 names the situation by the call (an unknown
 * key is CKR_KEY_HANDLE_INVALID to C_SignInit, CKR_OBJECT_HANDLE_INVALID to
 * C_GetAttributeValue; a refused attribute is CKR_TEMPLATE_INCONSISTENT when generating), the
 * call says which it is. Anything that is not the core's error is a fault: CKR_GENERAL_ERROR.
 */
import { isHsmError, type ErrorCode } from '../../core/errors.js';
import { CKR } from './constants.js';

/** What the failed call was doing: it decides the few codes PKCS #11 names by call. */
export type CallKind = 'login' | 'object' | 'key' | 'generate' | 'general';

/** A refusal the PKCS #11 edge decides itself (a bad handle, a missing template attribute). */
export class CkrError extends Error {
  override name = 'CkrError';
  constructor(
    readonly ckr: number,
    message: string,
  ) {
    super(message);
  }
}

const BY_CODE: Partial<Record<ErrorCode, number>> = {
  NOT_LOGGED_IN: CKR.USER_NOT_LOGGED_IN,
  PERMISSION_DENIED: CKR.USER_NOT_LOGGED_IN,
  ALREADY_LOGGED_IN: CKR.USER_ALREADY_LOGGED_IN,
  // A wrong password, an unknown user or the wrong role: one answer, as the library gives.
  LOGIN_FAILED: CKR.PIN_INCORRECT,
  USER_NOT_FOUND: CKR.PIN_INCORRECT,
  ROLE_MISMATCH: CKR.PIN_INCORRECT,
  INVALID_USERNAME: CKR.PIN_INCORRECT,
  INVALID_PASSWORD: CKR.PIN_INCORRECT,
  USER_LOCKED: CKR.PIN_LOCKED,
  MFA_REQUIRED: CKR.FUNCTION_FAILED,
  KEY_ACCESS_DENIED: CKR.KEY_FUNCTION_NOT_PERMITTED,
  KEY_ATTRIBUTE_REFUSED: CKR.KEY_FUNCTION_NOT_PERMITTED,
  KEY_LIMIT_EXCEEDED: CKR.DEVICE_MEMORY,
  MECHANISM_NOT_ALLOWED: CKR.MECHANISM_INVALID,
  VERIFICATION_FAILED: CKR.SIGNATURE_INVALID,
  DECRYPTION_FAILED: CKR.ENCRYPTED_DATA_INVALID,
  INVALID_ARGUMENT: CKR.ARGUMENTS_BAD,
  NO_ACTIVE_HSM: CKR.TOKEN_NOT_PRESENT,
  CLUSTER_NOT_FOUND: CKR.TOKEN_NOT_PRESENT,
  CLUSTER_NOT_ACTIVATED: CKR.TOKEN_NOT_RECOGNIZED,
  HSM_FAILED: CKR.DEVICE_ERROR,
  KEY_NOT_AVAILABLE: CKR.FUNCTION_FAILED,
  QUORUM_FAILED: CKR.FUNCTION_FAILED,
  DETERMINISTIC_MODE: CKR.DEVICE_ERROR,
  STATE_LOCKED: CKR.DEVICE_ERROR,
  STATE_INTEGRITY: CKR.DEVICE_ERROR,
  STATE_PASSPHRASE: CKR.DEVICE_ERROR,
  STATE_VERSION: CKR.DEVICE_ERROR,
  STATE_IO: CKR.DEVICE_ERROR,
  STATE_ROLLBACK: CKR.DEVICE_ERROR,
  STATE_NOT_FOUND: CKR.DEVICE_ERROR,
};

/** The CKR_* value of an error raised by call of kind `kind`. */
export function ckrOf(err: unknown, kind: CallKind = 'general'): number {
  if (err instanceof CkrError) return err.ckr;
  if (!isHsmError(err)) return CKR.GENERAL_ERROR;
  if (err.code === 'KEY_SELECTION_NOT_UNIQUE') return kind === 'key' ? CKR.KEY_HANDLE_INVALID : CKR.OBJECT_HANDLE_INVALID;
  if (kind === 'generate' && (err.code === 'KEY_ATTRIBUTE_REFUSED' || err.code === 'INVALID_ARGUMENT')) return CKR.TEMPLATE_INCONSISTENT;
  return BY_CODE[err.code] ?? CKR.FUNCTION_FAILED;
}

/** The name of a CKR_* value, for log lines. */
export function ckrName(ckr: number): string {
  const found = Object.entries(CKR).find(([, v]) => v === ckr);
  return found ? `CKR_${found[0]}` : `CKR 0x${ckr.toString(16)}`;
}
