/**
 * cloudhsm_mgmt_util (CMU) output shared by its commands (legacy-shells.md §0, §2): the servers a
 * command reaches, the per-server result lines, the CAUTION confirmation, and failures in CMU's
 * `<cmd> failed: RET_…` form.
 *
 * The docs name only one return code (RET_MXN_AUTH_FAILED, quorum); the others are [assumed],
 * one per core error code, with Cavium-style names where the real tool's are well known. The
 * core's messages name modern commands (`user list`, `--role`); where that would mislead a CMU
 * user, the hint below names the CMU command instead.
 */
import type { ErrorCode } from '../../core/errors.js';
import { HsmError, isHsmError } from '../../core/errors.js';

/** One HSM as CMU numbers it: ACTIVE HSMs of the cluster in order, 0..n-1 (§0). */
export interface Server {
  index: number;
  ip: string;
  hsmId: string;
  /** A failed (DEGRADED) HSM is in the configuration but does not answer. */
  connected: boolean;
}

export function serverName(server: Server): string {
  return `${server.index}(${server.ip})`;
}

/** `<cmd> success on server N(IP)`, one line per server (§0). */
export function successLines(cmd: string, servers: readonly Server[]): string {
  return servers.map((s) => `${cmd} success on server ${serverName(s)}\n`).join('');
}

/** A refusal found before any server is asked (bad type, not in server mode): printed as it is. */
export class CmuRefusal extends Error {}

/** Wrong arguments: the command's usage line is printed. */
export class CmuUsage extends Error {}

/** §0: the confirmation CMU shows before createUser, changePswd, setAttribute, shareKey, registerQuorumPubKey and setMValue. */
export const CAUTION = [
  '*************************CAUTION********************************',
  'This is a CRITICAL operation, should be done on all nodes in the',
  'cluster. AWS does NOT synchronize these changes automatically with the',
  'nodes on which this operation is not executed or failed, please',
  'ensure this operation is executed on all nodes in the cluster.',
  '****************************************************************',
  '',
  'Do you want to continue(y/n)?',
].join('\n');
export const QUESTION = 'Do you want to continue(y/n)?';
export const INVALID_OPTION = "Invalid option, please type 'y' or 'n'\n\n";

const RET_NAMES: Partial<Record<ErrorCode, string>> = {
  INVALID_ARGUMENT: 'RET_INVALID_INPUT',
  INVALID_USERNAME: 'RET_INVALID_INPUT',
  INVALID_PASSWORD: 'RET_INVALID_INPUT',
  LOGIN_FAILED: 'RET_USER_LOGIN_FAILURE',
  USER_LOCKED: 'RET_USER_LOCKED',
  ALREADY_LOGGED_IN: 'RET_USER_ALREADY_LOGGED_IN',
  NOT_LOGGED_IN: 'RET_USER_NOT_LOGGED_IN',
  PERMISSION_DENIED: 'RET_USER_NOT_AUTHORIZED',
  ROLE_MISMATCH: 'RET_INVALID_USER_TYPE',
  USER_EXISTS: 'RET_USER_ALREADY_EXISTS',
  KEY_SELECTION_NOT_UNIQUE: 'RET_INVALID_HANDLE',
  KEY_ACCESS_DENIED: 'RET_KEY_ACCESS_DENIED',
  KEY_ATTRIBUTE_REFUSED: 'RET_ATTRIBUTE_NOT_MODIFIABLE',
  // §0: the documented code of a quorum-controlled command without enough approvals.
  QUORUM_FAILED: 'RET_MXN_AUTH_FAILED',
};

/** [assumed] The RET_ name CMU prints for a core error code. */
export function retName(code: ErrorCode): string {
  return RET_NAMES[code] ?? `RET_${code}`;
}

/**
 * Why a command failed and what to do next, in CMU terms where the core's message names a modern
 * command. For a person only (`shell --explain`): CMU itself prints just its RET_ code.
 */
export function hint(err: HsmError): string {
  if (err.details?.cmu) return err.message;
  switch (err.code) {
    case 'NOT_LOGGED_IN':
      return 'nobody is logged in (or the login has ended): log in with loginHSM <CO|CU> <user-name> <password>';
    case 'USER_NOT_FOUND':
      return 'no such user; listUsers shows the users';
    case 'ROLE_MISMATCH':
      return 'the user type given does not match the user; listUsers shows each user\'s type';
    case 'USER_LOCKED':
      return 'the user is locked after too many failed logins; a CO must reset its password with changePswd';
    case 'KEY_SELECTION_NOT_UNIQUE':
      return 'no key with that handle is visible to the logged-in user; findAllKeys (CO) lists handles by user';
    case 'PERMISSION_DENIED': {
      // The core names the role it needs in `details.required`; CMU calls it a CO or a CU.
      const required = err.details?.required;
      if (!required) return err.message;
      return `${err.message.replace(/\. Log in as .*$/, '')}; log in as a ${required === 'admin' ? 'CO' : 'CU'} (see help <command>)`;
    }
    case 'USER_OWNS_KEYS':
      return err.message.replace(/ \(log in as .*$/, ' (the owner deletes them with KMU deleteKey or `key delete`)');
    case 'CLUSTER_ALREADY_ACTIVATED':
      return 'the cluster is already activated; the PCO logs in with loginHSM CO admin <password>';
    case 'QUORUM_FAILED': {
      // The core names the service and its minimum value when no approved token was found.
      const service = err.details?.service;
      if (service !== 'user' && service !== 'quorum') return err.message;
      const id = service === 'user' ? 3 : 4;
      return `service ${id} needs ${String(err.details?.required)} approvals: getToken ${id} <your-name> <token-file>, have the approvers sign it (openssl dgst -sha256 -sign KEY.pem -out SIGNATURE <token-file>), approveToken <approval-file>, then run the command again`;
    }
    case 'CLUSTER_NOT_ACTIVATED':
      return 'the cluster is not activated yet: loginHSM PRECO admin <initial-password>, then changePswd PRECO admin <new-password>';
    default:
      return err.message;
  }
}

/**
 * One server's part of a failure, as the docs show it for deleteUser (§0): `<cmd> failed: RET_…`
 * then `<cmd> failed on server N(IP)`; createUser words its second line
 * `creating user on server N(IP) failed`.
 */
export function serverFailure(cmd: string, err: HsmError, server: Server): string {
  const where = cmd === 'createUser' ? `creating user on server ${serverName(server)} failed` : `${cmd} failed on server ${serverName(server)}`;
  return `${cmd} failed: ${retName(err.code)}\n${where}\n`;
}

/**
 * A failure reported by the servers: each server's part (createUser and deleteUser, which ask
 * what to do next after each server, print theirs themselves). Only a fault in the emulator
 * adds its message, since that is a bug to report; the reason for a refusal goes to `explain`.
 */
export function failureText(cmd: string, err: HsmError, servers: readonly Server[]): string {
  const internal = err.code === 'INTERNAL' ? `${err.message}\n` : '';
  // No server reached (the cluster has none ACTIVE, say): the code alone.
  const parts = servers.length > 0 ? servers.map((s) => serverFailure(cmd, err, s)).join('') : `${cmd} failed: ${retName(err.code)}\n`;
  return `${parts}${internal}`;
}

/** Any error as an HsmError (a non-core error is a fault in the emulator, never the user's input). */
export function asHsmError(err: unknown): HsmError {
  if (isHsmError(err)) return err;
  return new HsmError('INTERNAL', `unexpected fault in the emulator: ${err instanceof Error ? err.message : String(err)}`);
}
