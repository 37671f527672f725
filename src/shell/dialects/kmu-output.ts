/**
 * key_mgmt_util (KMU) output: return codes and their texts, the core error → KMU code map, and
 * the result blocks of legacy-shells.md §0 (8-space indent, blank lines between blocks, a
 * `Cluster Error Status` block with one line per ACTIVE HSM).
 *
 * The `HSM Error:` texts are KMU's alone: CMU words its failures as `<cmd> failed: RET_…` with
 * a hint (cmu-output.ts) and prints none of them, so there is nothing here to share with it.
 */
import { HsmError, type ErrorCode } from '../../core/errors.js';

export const INDENT = '        ';

/** Codes that mean the same in every KMU command (legacy-shells.md §0 table). */
export const SUCCESS = 0x00;
export const BAD_PKCS_DATA = 0x1b;
export const INVALID_HANDLE = 0xa8;
export const POLICY_VIOLATION = 0xb3;
export const KEY_ACCESS_DENIED = 0xc6;
export const INVALID_USER_TYPE = 0xdb;
export const SERVER_UNAVAILABLE = 0x30000085;
/**
 * [assumed] The docs give no code for these; each gets its own code (0xd0-0xdf, around the
 * documented 0xdb) so `Error2String` can explain every code the dialect prints.
 */
export const LOGIN_FAILURE = 0xd0;
export const USER_LOCKED = 0xd1;
export const ALREADY_LOGGED_IN = 0xd2;
export const NOT_LOGGED_IN = 0xd3;
export const NOT_PERMITTED = 0xd4;
export const NO_SUCH_USER = 0xd5;
export const INVALID_ARGUMENT = 0xd6;
export const ATTRIBUTE_REFUSED = 0xd7;
export const UNWRAP_FAILED = 0xd8;
export const OBJECT_LIMIT = 0xd9;
export const NOT_ACTIVATED = 0xda;
export const ATTRIBUTE_NOT_APPLICABLE = 0xdc;
export const FILE_ERROR = 0xdd;
export const MASKED_OBJECT_INVALID = 0xde;
export const OPERATION_FAILED = 0xdf;

/** Every code the dialect prints, with its text (`Error2String` reads this table). */
export const RETURN_TEXTS: ReadonlyMap<number, string> = new Map([
  [SUCCESS, 'HSM Return: SUCCESS'],
  [BAD_PKCS_DATA, 'CSP Error: ERR_BAD_PKCS_DATA'],
  [INVALID_HANDLE, 'HSM Error: Invalid object handle is passed to this operation'],
  [POLICY_VIOLATION, 'HSM Error: This operation violates the current configured/FIPS policies'],
  [KEY_ACCESS_DENIED, 'HSM Error: Key Access is denied'],
  [INVALID_USER_TYPE, 'HSM Error: Invalid User Type.'],
  [SERVER_UNAVAILABLE, 'HSM CLUSTER ERROR: Server in cluster is unavailable'],
  [LOGIN_FAILURE, 'HSM Error: Login failure'],
  [USER_LOCKED, 'HSM Error: User account locked'],
  [ALREADY_LOGGED_IN, 'HSM Error: User is already logged in'],
  [NOT_LOGGED_IN, 'HSM Error: User is not logged in'],
  [NOT_PERMITTED, 'HSM Error: Operation is not permitted for this user'],
  [NO_SUCH_USER, 'HSM Error: User does not exist'],
  [INVALID_ARGUMENT, 'HSM Error: Invalid argument'],
  [ATTRIBUTE_REFUSED, 'HSM Error: Key attributes do not allow this operation'],
  [UNWRAP_FAILED, 'HSM Error: Unwrap failed: wrong key, mechanism or data'],
  [OBJECT_LIMIT, 'HSM Error: Object limit reached'],
  [NOT_ACTIVATED, 'HSM Error: Cluster is not activated'],
  [ATTRIBUTE_NOT_APPLICABLE, 'HSM Error: Attribute is not applicable to this object'],
  [FILE_ERROR, 'HSM Error: File could not be read or written'],
  [MASKED_OBJECT_INVALID, 'HSM Error: Masked object is not valid in this cluster'],
  [OPERATION_FAILED, 'HSM Error: Operation failed'],
]);

/** Core error codes → KMU codes; anything unlisted is OPERATION_FAILED. */
const FROM_CORE: Partial<Record<ErrorCode, number>> = {
  KEY_SELECTION_NOT_UNIQUE: INVALID_HANDLE,
  KEY_ACCESS_DENIED: KEY_ACCESS_DENIED,
  MECHANISM_NOT_ALLOWED: POLICY_VIOLATION,
  VERIFICATION_FAILED: BAD_PKCS_DATA,
  ROLE_MISMATCH: INVALID_USER_TYPE,
  NO_ACTIVE_HSM: SERVER_UNAVAILABLE,
  LOGIN_FAILED: LOGIN_FAILURE,
  USER_LOCKED: USER_LOCKED,
  ALREADY_LOGGED_IN: ALREADY_LOGGED_IN,
  NOT_LOGGED_IN: NOT_LOGGED_IN,
  PERMISSION_DENIED: NOT_PERMITTED,
  USER_NOT_FOUND: NO_SUCH_USER,
  INVALID_ARGUMENT: INVALID_ARGUMENT,
  INVALID_USERNAME: INVALID_ARGUMENT,
  INVALID_PASSWORD: INVALID_ARGUMENT,
  KEY_ATTRIBUTE_REFUSED: ATTRIBUTE_REFUSED,
  DECRYPTION_FAILED: UNWRAP_FAILED,
  KEY_LIMIT_EXCEEDED: OBJECT_LIMIT,
  CLUSTER_NOT_ACTIVATED: NOT_ACTIVATED,
  MASKED_OBJECT_REFUSED: MASKED_OBJECT_INVALID,
};

/** Codes whose documented text says enough: the core's message is not printed after them. */
const SELF_EXPLAINING = new Set([INVALID_HANDLE, KEY_ACCESS_DENIED, INVALID_USER_TYPE, BAD_PKCS_DATA]);

/**
 * A refusal to print: the KMU code, and for a person (`shell --explain`) why it was refused. The
 * real tool prints only its code and text, so the reason never reaches the dialect's output.
 */
export class KmuFailure extends Error {
  /** A fault in the emulator rather than a refusal: its message is printed, since it is a bug to report. */
  internal = false;

  constructor(
    readonly code: number,
    /** Why, and what to do instead: shown only by `shell --explain`. */
    readonly detail?: string,
    /** Whether the HSMs answered (their per-node err state is then printed). */
    readonly fromHsm = false,
    /** The per-node err state when it is not the return code (genECCKeyPair -i 1: 0x30000085). */
    readonly nodeCode?: number,
  ) {
    super(detail ?? RETURN_TEXTS.get(code) ?? 'failed');
  }
}

/** What any thrown value means to the operator, in KMU terms. */
export function toFailure(err: unknown): KmuFailure {
  if (err instanceof KmuFailure) return err;
  if (err instanceof HsmError) {
    const code = FROM_CORE[err.code] ?? OPERATION_FAILED;
    return new KmuFailure(code, SELF_EXPLAINING.has(code) ? undefined : err.message, true);
  }
  const failure = new KmuFailure(OPERATION_FAILED, `internal error: ${err instanceof Error ? err.message : String(err)}`);
  failure.internal = true;
  return failure;
}

export function codeText(code: number): string {
  return RETURN_TEXTS.get(code) ?? 'HSM Error: Unknown error code';
}

/** `0x00` for one-byte codes, the full width for cluster codes (0x30000085). */
export function hexCode(code: number): string {
  return `0x${code.toString(16).padStart(2, '0')}`;
}

/** `Cfm3<Operation> returned: 0x00 : HSM Return: SUCCESS` (the op name carries its prefix). */
export function returnLine(op: string, code = SUCCESS): string {
  return `${op} returned: ${hexCode(code)} : ${codeText(code)}`;
}

/**
 * The per-node blocks key_mgmt_util prints after a result (legacy-shells.md §0, §3), by command:
 * `error` is `Cluster Error Status` / `Node id N and err state 0x%08x : <text>` (most commands);
 * `status` is `Cluster Status` with the same node lines (loginHSM, logoutHSM); `colon` is
 * genRSAKeyPair's `Cluster Status:` / `Node id N status: 0x%08x : <text>`; `none` prints no
 * block (wrapKey, verify, getAttribute, getKeyInfo, exportPubKey, listUsers, ...).
 */
export type StatusStyle = 'error' | 'status' | 'colon' | 'none';

/** One node line per ACTIVE HSM, in the style of the command's block. */
export function clusterBlock(nodes: number, code = SUCCESS, style: StatusStyle = 'error'): string[] {
  if (style === 'none') return [];
  const state = `0x${code.toString(16).padStart(8, '0')}`;
  const line = (i: number) => (style === 'colon' ? `Node id ${i} status: ${state} : ${codeText(code)}` : `Node id ${i} and err state ${state} : ${codeText(code)}`);
  const heading = style === 'error' ? 'Cluster Error Status' : style === 'status' ? 'Cluster Status' : 'Cluster Status:';
  return [heading, ...Array.from({ length: nodes }, (_, i) => line(i))];
}

/**
 * Renders blocks as KMU prints them: a blank line before, between and after blocks; lines
 * indented by 8 spaces unless already given as `raw(...)` (findKey's count lines have none).
 */
export function render(blocks: ReadonlyArray<ReadonlyArray<string>>): string {
  const body = blocks
    .filter((b) => b.length > 0)
    .map((b) => b.map((l) => (l.startsWith(RAW) ? l.slice(RAW.length) : l === '' ? '' : INDENT + l)).join('\n'))
    .join('\n\n');
  return `\n${body}\n\n`;
}

const RAW = '\u0000raw:';
/** A line printed without the 8-space indent. */
export function raw(line: string): string {
  return RAW + line;
}

/**
 * The error block of legacy-shells.md §0: the return line, then the node states when the HSMs
 * answered and the command prints them. deleteKey's documented `0xc6` (not the owner) has no node
 * block, so no access refusal prints one. Only a fault in the emulator adds a line of its own.
 */
export function failureBlocks(op: string, failure: KmuFailure, nodes: number, style: StatusStyle): string[][] {
  const blocks = [[returnLine(op, failure.code)]];
  if (failure.internal && failure.detail) blocks.push([failure.detail]);
  if (failure.fromHsm && nodes > 0 && failure.code !== KEY_ACCESS_DENIED) blocks.push(clusterBlock(nodes, failure.nodeCode ?? failure.code, style));
  return blocks;
}
