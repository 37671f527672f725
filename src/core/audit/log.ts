/**
 * The HSM audit log (audit-log.md): a stream of events per HSM (log group per cluster, stream
 * per HSM ID, §1), with the fields, opcodes and layouts of §2-3 and §7, kept in the sealed store.
 *
 * Events live in append-only sealed files, one per stream (audit-log.md §7; Store streams), so
 * that opening the state never grows with the log: the state holds only each stream's head (next
 * sequence number, last hash, reboot counter). Appending an event writes one entry and the
 * head, whatever the log holds. Each
 * event is chained to the one before it by an HMAC-SHA256 under the HSM's audit key (§7
 * [extension]), derived from an installation secret that lives only in the sealed store; the head
 * carries an HMAC too. So an edited, deleted, reordered or inserted event, and a tail cut off
 * (with the head rolled back to match), fail `verifyAuditLog`, which names the first event that
 * does not verify and why.
 *
 * Events hold names, types, handles and response codes: never a password, PIN or key byte.
 */
import { createHmac, randomBytes } from 'node:crypto';
import type { ReadView, Transaction } from '../store/index.js';

/** §3: opcodes, with their published codes (the rest are printed by name only). */
export const OPCODES = {
  CN_LOGIN: 0xd,
  CN_LOGOUT: 0xe,
  CN_APP_FINALIZE: undefined,
  CN_CLOSE_SESSION: undefined,
  CN_CREATE_USER: 0x3,
  CN_CREATE_CO: 0x4,
  CN_CREATE_APPLIANCE_USER: 0xfc,
  CN_DELETE_USER: 0xa1,
  CN_CHANGE_PSWD: 0x9,
  CN_SET_M_VALUE: undefined,
  CN_APPROVE_TOKEN: undefined,
  CN_DELETE_TOKEN: undefined,
  CN_GET_TOKEN: undefined,
  CN_GENERATE_KEY: 0x17,
  CN_GENERATE_KEY_PAIR: 0x19,
  CN_CREATE_OBJECT: undefined,
  CN_MODIFY_OBJECT: undefined,
  CN_DESTROY_OBJECT: 0x11,
  CN_TOMBSTONE_OBJECT: undefined,
  CN_SHARE_OBJECT: 0x12,
  CN_WRAP_KEY: 0x1a,
  CN_UNWRAP_KEY: 0x1b,
  CN_DERIVE_KEY: undefined,
  CN_NIST_AES_WRAP: 0x1e,
  CN_EXTRACT_MASKED_OBJECT_USER: 0xf0,
  CN_INSERT_MASKED_OBJECT_USER: 0xf1,
  CN_BACKUP_BEGIN: undefined,
  CN_BACKUP_END: undefined,
  CN_RESTORE_BEGIN: undefined,
  CN_RESTORE_END: undefined,
  CN_INIT_TOKEN: 0x1,
  CN_INIT_DONE: 0x95,
  CN_GEN_KEY_ENC_KEY: undefined,
  CN_GEN_PSWD_ENC_KEY: 0x1d,
  CN_CLOSE_PARTITION_SESSIONS: undefined,
  CN_ZEROIZE: undefined,
  CN_FIPS_RAND: undefined,
} as const satisfies Record<string, number | undefined>;
export type Opcode = keyof typeof OPCODES;

/** §2 log types, by the opcodes that use them (§3 table); every other opcode is MINIMAL_LOG_ENTRY. */
const LOG_TYPES = { MINIMAL_LOG_ENTRY: 0, MGMT_KEY_DETAILS_LOG: 1, MGMT_USER_DETAILS_LOG: 2, UNKNOWN_LOG_TYPE: 5 } as const;
type LogType = keyof typeof LOG_TYPES;
const USER_OPCODES: readonly Opcode[] = [
  'CN_LOGIN',
  'CN_LOGOUT',
  'CN_APP_FINALIZE',
  'CN_CLOSE_SESSION',
  'CN_CREATE_USER',
  'CN_CREATE_CO',
  'CN_CREATE_APPLIANCE_USER',
  'CN_DELETE_USER',
  'CN_CHANGE_PSWD',
  'CN_SET_M_VALUE',
  'CN_APPROVE_TOKEN',
  'CN_DELETE_TOKEN',
  'CN_GET_TOKEN',
];
const KEY_OPCODES: readonly Opcode[] = [
  'CN_GENERATE_KEY',
  'CN_GENERATE_KEY_PAIR',
  'CN_CREATE_OBJECT',
  'CN_MODIFY_OBJECT',
  'CN_DESTROY_OBJECT',
  'CN_TOMBSTONE_OBJECT',
  'CN_WRAP_KEY',
  'CN_UNWRAP_KEY',
  'CN_DERIVE_KEY',
  'CN_NIST_AES_WRAP',
  'CN_EXTRACT_MASKED_OBJECT_USER',
  'CN_INSERT_MASKED_OBJECT_USER',
];

function logTypeOf(opcode: Opcode): LogType {
  if (USER_OPCODES.includes(opcode)) return 'MGMT_USER_DETAILS_LOG';
  if (KEY_OPCODES.includes(opcode)) return 'MGMT_KEY_DETAILS_LOG';
  // Observed in AWS's share examples (§2).
  if (opcode === 'CN_SHARE_OBJECT') return 'UNKNOWN_LOG_TYPE';
  return 'MINIMAL_LOG_ENTRY';
}

/** §2 user types. */
export const USER_TYPES = { CN_CRYPTO_USER: 1, CN_CRYPTO_OFFICER: 2, CN_APPLIANCE_USER: 5, CN_CRYPTO_PRE_OFFICER: 6 } as const;
export type UserType = keyof typeof USER_TYPES;

/**
 * §2: success, and the documented errors. The HSM answers the management commands of every tool
 * from one table of return codes, so the refusals key_mgmt_util documents with their codes
 * (legacy-shells.md §0: 0xa8, 0xb3, 0xc6, 0xdb) are logged with those codes too, in decimal as
 * §2 prints them [emulator rule]. A response whose code is not published (cloudhsm_mgmt_util's
 * quorum refusal RET_MXN_AUTH_FAILED, and every other refusal) is logged by name only, without a
 * number, as §3 does for unpublished opcodes.
 */
export const RESPONSES = {
  SUCCESS: { code: 0, text: 'HSM Return: SUCCESS' },
  NO_SUCH_USER: { code: 157, text: "HSM Error: user isn't initialized or user with this name doesn't exist" },
  LOGIN_FAILURE: { code: 163, text: 'HSM Error: RET_USER_LOGIN_FAILURE' },
  INVALID_HANDLE: { code: 0xa8, text: 'HSM Error: Invalid object handle is passed to this operation' },
  POLICY_VIOLATION: { code: 0xb3, text: 'HSM Error: This operation violates the current configured/FIPS policies' },
  KEY_ACCESS_DENIED: { code: 0xc6, text: 'HSM Error: Key Access is denied' },
  INVALID_USER_TYPE: { code: 0xdb, text: 'HSM Error: Invalid User Type.' },
  QUORUM_FAILED: { text: 'HSM Error: RET_MXN_AUTH_FAILED' },
} as const;
export interface Response {
  /** Absent when the code is not published: the text alone names the response. */
  code?: number;
  text: string;
}

/** What an operation says happened on one HSM. */
export interface AuditEventInput {
  opcode: Opcode;
  sessionHandle: number;
  response?: Response;
  user?: { name: string; type: UserType };
  /** Key handles (decimal in the log; 0 where not applicable). */
  keys?: { secret: number; public: number };
}

/** An event as stored and as the JSON form shows it (§7). */
export interface AuditRecord {
  time: string;
  usecs: string;
  seq: string;
  rebootCounter: string;
  commandType: { name: 'CN_MGMT_CMD' | 'CN_CERT_AUTH_CMD'; code: number };
  opcode: { name: Opcode; code?: number };
  sessionHandle: string;
  response: Response;
  logType: { name: LogType; code: number };
  userName?: string;
  userType?: { name: UserType; code: number };
  privSecretKeyHandle?: number;
  publicKeyHandle?: number;
  prevHash: string;
  hash: string;
}

interface StreamHead {
  clusterId: string;
  hsmId: string;
  nextSeq: number;
  lastHash: string;
  lastUsecs: number;
  rebootCounter: number;
  /** HMAC of the fields above under the HSM's audit key. */
  mac: string;
}

export const auditKeys = {
  secret: 'installation/audit-secret',
  streamPrefix: 'audit-stream/',
  stream: (clusterId: string, hsmId: string) => `audit-stream/${clusterId}/${hsmId}`,
  /** The events of a stream not yet chained into its file, one object per append, in order. */
  waitingPrefix: (clusterId: string, hsmId: string) => `audit-pending/${clusterId}/${hsmId}/`,
  waiting: (clusterId: string, hsmId: string, index: number) => `audit-pending/${clusterId}/${hsmId}/${String(index).padStart(4, '0')}`,
  /** The store stream (file) holding the events of one HSM. */
  file: (clusterId: string, hsmId: string) => `audit-${clusterId}-${hsmId}`,
} as const;

/**
 * Whether state key `key` belongs to the audit log: a stream head, the installation's audit
 * secret, or the store's bookkeeping of an audit stream (its file length, its waiting entries).
 */
export function isAuditObject(key: string): boolean {
  return key.startsWith(auditKeys.streamPrefix) || key === auditKeys.secret || /^audit-pending\//.test(key) || /^stream-(length|pending-count|pending)\/audit-/.test(key);
}

/** Reads the committed entries of a store stream (Store.readStream on the same view). */
export type StreamReader = (name: string) => Buffer[];

const ZERO_HASH = '0'.repeat(64);

/** HSM audit keys derived in this process, by secret and HSM ID: one HMAC each, not one per event. */
const derivedKeys = new Map<string, Buffer>();

/** The HSM's audit key: HMAC-SHA256 of its ID under the installation's audit secret (made on first use). */
function hsmAuditKey(view: ReadView, hsmId: string, tx?: Transaction): Buffer | undefined {
  let secret = view.get<string>(auditKeys.secret);
  if (secret === undefined) {
    if (!tx) return undefined;
    secret = randomBytes(32).toString('base64');
    tx.put(auditKeys.secret, secret);
  }
  const id = `${secret}/${hsmId}`;
  let key = derivedKeys.get(id);
  if (!key) {
    key = createHmac('sha256', Buffer.from(secret, 'base64')).update(`cloudhsm-audit/${hsmId}`).digest();
    if (derivedKeys.size > 1000) derivedKeys.clear();
    derivedKeys.set(id, key);
  }
  return key;
}

function headMac(key: Buffer, head: Omit<StreamHead, 'mac'>): string {
  const { clusterId, hsmId, nextSeq, lastHash, lastUsecs, rebootCounter } = head;
  return createHmac('sha256', key).update(JSON.stringify([clusterId, hsmId, nextSeq, lastHash, lastUsecs, rebootCounter])).digest('hex');
}

function eventHash(key: Buffer, prevHash: string, body: Omit<AuditRecord, 'hash'>): string {
  return createHmac('sha256', key).update(prevHash).update(JSON.stringify(body)).digest('hex');
}

const hex = (n: number) => `0x${n.toString(16)}`;

/** `usecs` (a decimal string of microseconds since the epoch) as §7's ISO time with 6 decimals. */
function isoMicros(usecs: bigint): string {
  const ms = Number(usecs / 1000n);
  return `${new Date(ms).toISOString().slice(0, 19)}.${(usecs % 1_000_000n).toString().padStart(6, '0')}Z`;
}

/** How many appends a stream gathers in the state before their events are chained into its file. */
export const AUDIT_BATCH = 32;

/** A waiting event: the stored form (StoredContent) but for its version and chain fields. */
type WaitingEvent = [string, number, number, number, Opcode, number, StoredContent[7], StoredContent[8], StoredContent[9]];

/**
 * Appends one event to the stream of `hsmId` at cluster time `nowMs`. A new stream starts at
 * sequence 0 with a reboot counter from `random` (§5).
 */
export function appendAuditEvent(tx: Transaction, clusterId: string, hsmId: string, nowMs: number, event: AuditEventInput, random: (n: number) => Buffer, batch = AUDIT_BATCH): void {
  appendAuditEvents(tx, clusterId, hsmId, [[nowMs, event]], random, batch);
}

/**
 * Appends `events` (each with its cluster time) in order to the stream of `hsmId`, in the
 * operation's transaction. They first wait in the state, one small object for the lot, sealed
 * and committed with the operation like any other change; once `batch` such objects wait, their
 * events are chained (each one's hash over the one before, under the HSM's key) and moved to the
 * stream's file in one write, and the head that seals the file's end is updated. So an append
 * costs the same however long the log is, and the chain's HMACs are computed a batch at a time.
 */
export function appendAuditEvents(tx: Transaction, clusterId: string, hsmId: string, events: ReadonlyArray<readonly [number, AuditEventInput]>, random: (n: number) => Buffer, batch = AUDIT_BATCH): void {
  if (events.length === 0) return;
  const headKey = auditKeys.stream(clusterId, hsmId);
  let head = tx.get<StreamHead>(headKey);
  if (!head) {
    const key = hsmAuditKey(tx, hsmId, tx)!;
    const fields = { clusterId, hsmId, nextSeq: 0, lastHash: ZERO_HASH, lastUsecs: 0, rebootCounter: 1 + (random(1)[0]! % 0xff) };
    head = { ...fields, mac: headMac(key, fields) };
    tx.put(headKey, head);
  }
  const prefix = auditKeys.waitingPrefix(clusterId, hsmId);
  let index = tx.count(prefix);
  let lastChunk = index > 0 ? tx.get<WaitingEvent[]>(auditKeys.waiting(clusterId, hsmId, index - 1)) : undefined;
  if (index > 0 && (!lastChunk || tx.has(auditKeys.waiting(clusterId, hsmId, index)))) {
    // Not numbered 0…n-1 (the state was edited): go on after the highest.
    const [lastKey, chunk] = tx.list<WaitingEvent[]>(prefix).at(-1)!;
    index = Number(lastKey.slice(prefix.length)) + 1;
    lastChunk = chunk;
  }
  const last = lastChunk?.at(-1);
  let nextSeq = last ? last[1] + 1 : head.nextSeq;
  let lastUsecs = last ? Number(last[0]) : head.lastUsecs;
  const appended = events.map(([nowMs, event]): WaitingEvent => {
    // Strictly increasing within a stream: a tie moves on by a microsecond (§7).
    const usecs = Math.max(Math.round(nowMs * 1000), lastUsecs + 1);
    lastUsecs = usecs;
    const logType = logTypeOf(event.opcode);
    const response = event.response;
    return [
      String(usecs),
      nextSeq++,
      head.rebootCounter,
      0,
      event.opcode,
      event.sessionHandle,
      !response || (response.code === RESPONSES.SUCCESS.code && response.text === RESPONSES.SUCCESS.text) ? 0 : [response.code ?? null, response.text],
      logType === 'MGMT_USER_DETAILS_LOG' && event.user ? [event.user.name, event.user.type] : 0,
      logType === 'MGMT_KEY_DETAILS_LOG' ? [event.keys?.secret ?? 0, event.keys?.public ?? 0] : 0,
    ];
  });
  // Built here and held by nothing else: stored as it is, without the copy `put` makes.
  tx.adopt(auditKeys.waiting(clusterId, hsmId, index), appended);
  if (index + 1 < batch) return;
  // A full batch: chain the waiting events into the file and seal its new end in the head.
  const key = hsmAuditKey(tx, hsmId, tx)!;
  let lastHash = head.lastHash;
  for (const [name, waiting] of tx.list<WaitingEvent[]>(prefix)) {
    for (const event of waiting) {
      const { text, hash } = chained(key, lastHash, event);
      tx.appendToStream(auditKeys.file(clusterId, hsmId), Buffer.from(`${text.slice(0, -1)},"${hash.toString('base64')}"]`, 'utf8'));
      lastHash = hash.toString('hex');
    }
    tx.delete(name);
  }
  const fields = { clusterId, hsmId, nextSeq, lastHash, lastUsecs, rebootCounter: head.rebootCounter };
  tx.put(headKey, { ...fields, mac: headMac(key, fields) } satisfies StreamHead);
}

/** A waiting event's stored form (version 2) after `lastHash`, and its hash. */
function chained(key: Buffer, lastHash: string, waiting: WaitingEvent): { text: string; hash: Buffer } {
  const content: StoredContent = [2, ...waiting, lastHash.slice(0, PREV_PREFIX)];
  const text = JSON.stringify(content);
  return { text, hash: createHmac('sha256', key).update(lastHash).update(text).digest() };
}

export interface AuditProblem {
  logGroup: string;
  logStream: string;
  /** The sequence number where the stream stops verifying. */
  seq: string;
  reason: string;
}

export interface AuditVerification {
  streams: number;
  events: number;
  problem?: AuditProblem;
}

/**
 * Checks every stream (of `clusterId`, or all): sequence numbers from 0 with no gap, each event's
 * chain hash, one reboot counter and rising time per stream, and a head whose MAC verifies and
 * that names the last event (so a tail cut off shows). Stops at the first problem.
 */
export function verifyAuditLog(view: ReadView, read: StreamReader, clusterId?: string): AuditVerification {
  const heads = view.list<StreamHead>(clusterId ? `${auditKeys.streamPrefix}${clusterId}/` : auditKeys.streamPrefix).map(([, h]) => h);
  let events = 0;
  for (const head of heads) {
    const at = (seq: number, reason: string): AuditVerification => ({
      streams: heads.length,
      events,
      problem: { logGroup: `/aws/cloudhsm/${head.clusterId}`, logStream: head.hsmId, seq: hex(seq), reason },
    });
    const key = hsmAuditKey(view, head.hsmId);
    if (!key) return at(0, 'the installation audit secret is missing, so no event can be checked');
    let prevHash = ZERO_HASH;
    let lastUsecs = -1;
    let expected = 0;
    let entries: ReadEntry[];
    try {
      entries = readEntries(read, head.clusterId, head.hsmId);
    } catch (err) {
      return at(0, `its file cannot be read: ${(err as Error).message}`);
    }
    for (const { record, hashes } of entries) {
      const seq = Number.parseInt(record.seq.slice(2), 16);
      if (seq !== expected || record.seq !== hex(expected)) {
        return at(expected, seq > expected ? `event ${hex(expected)} is missing (deleted): the next one is ${hex(seq)}` : `event ${hex(expected)} is out of place: it holds ${record.seq}`);
      }
      const { hash } = record;
      if (record.prevHash !== prevHash) return at(seq, 'it does not follow the event before it (events removed, inserted or reordered)');
      if (!hashes(key, prevHash)) return at(seq, 'its contents were changed after it was written (its hash does not verify)');
      if (record.rebootCounter !== hex(head.rebootCounter)) return at(seq, `its reboot counter ${record.rebootCounter} differs from the stream's ${hex(head.rebootCounter)}`);
      const usecs = Number(record.usecs);
      if (!(usecs > lastUsecs)) return at(seq, 'its time is not after the event before it');
      prevHash = hash;
      lastUsecs = usecs;
      expected++;
      events++;
    }
    const { mac, ...fields } = head;
    if (headMac(key, fields) !== mac) return at(expected, 'the stream head was changed (its MAC does not verify)');
    if (head.nextSeq !== expected || head.lastHash !== prevHash) {
      return at(expected, `the stream ends at ${hex(expected)} but its head says ${hex(head.nextSeq)}: events at its end were removed`);
    }
    // The events still waiting in the state (sealed with it) follow the file's end.
    for (const record of waitingEntries(view, head.clusterId, head.hsmId, prevHash)) {
      if (record.seq !== hex(expected)) {
        const seq = Number.parseInt(record.seq.slice(2), 16);
        return at(expected, seq > expected ? `event ${hex(expected)} is missing (deleted): the next one is ${record.seq}` : `event ${hex(expected)} is out of place: it holds ${record.seq}`);
      }
      if (record.rebootCounter !== hex(head.rebootCounter)) return at(expected, `its reboot counter ${record.rebootCounter} differs from the stream's ${hex(head.rebootCounter)}`);
      const usecs = Number(record.usecs);
      if (!(usecs > lastUsecs)) return at(expected, 'its time is not after the event before it');
      lastUsecs = usecs;
      expected++;
      events++;
    }
  }
  return { streams: heads.length, events };
}

/**
 * An event as a stream holds it: what cannot be derived, in a JSON array, a quarter of the
 * size of the full record (every byte is written and synced with the operation). The time,
 * log type, opcode code and response text follow from the rest; the previous event's hash is
 * kept only as a prefix, enough to tell an event that does not follow its predecessor.
 * [version, usecs, seq, reboot counter, command type code, opcode, session handle,
 *  response (0, or [code, text], the code null when it is not published), user (0, or
 *  [name, type]), key handles (0, or [secret, public]), prefix of the previous hash, hash (base64)]
 */
type StoredContent = [1 | 2, string, number, number, number, Opcode, number, 0 | [number | null, string], 0 | [string, UserType], 0 | [number, number], string];
type StoredEvent = [...StoredContent, string];
/*
 * Version 2 (written now): the hash is HMAC-SHA256 under the HSM's key of the previous event's
 * hash (hex) and the JSON text of the array without its hash, so that appending an event costs
 * one small serialisation and one HMAC. Version 1, and the whole-record objects before it, hashed
 * the full record; they are still read and verified.
 */

const PREV_PREFIX = 12;

/** The full record of a stored event, given the hash of the event before it in the stream. */
function fullForm(s: StoredEvent, previousHash: string): AuditRecord {
  const [, usecs, seq, reboot, commandCode, opcode, session, response, user, keys, prevPrefix, hash] = s;
  const logType = logTypeOf(opcode);
  const code = OPCODES[opcode];
  return {
    time: isoMicros(BigInt(usecs)),
    usecs,
    seq: hex(seq),
    rebootCounter: hex(reboot),
    commandType: { name: commandCode === 0 ? 'CN_MGMT_CMD' : 'CN_CERT_AUTH_CMD', code: commandCode },
    opcode: code === undefined ? { name: opcode } : { name: opcode, code },
    sessionHandle: hex(session),
    response: response === 0 ? RESPONSES.SUCCESS : response[0] === null ? { text: response[1] } : { code: response[0], text: response[1] },
    logType: { name: logType, code: LOG_TYPES[logType] },
    ...(user ? { userName: user[0], userType: { name: user[1], code: USER_TYPES[user[1]] } } : {}),
    ...(keys ? { privSecretKeyHandle: keys[0], publicKeyHandle: keys[1] } : {}),
    // A prefix that does not match leaves the link broken, as a whole wrong hash would.
    prevHash: previousHash.startsWith(prevPrefix) ? previousHash : `${prevPrefix}…`,
    hash: Buffer.from(hash, 'base64').toString('hex'),
  };
}

/** An event read back: its full record, and how to check its hash given its HSM's key and the previous hash. */
interface ReadEntry {
  record: AuditRecord;
  hashes: (key: Buffer, prevHash: string) => boolean;
}

/** The events still waiting in the state, in order, chained after `previous` as they will be in the file. */
function waitingEntries(view: ReadView, clusterId: string, hsmId: string, previous: string): AuditRecord[] {
  const chunks = view.list<WaitingEvent[]>(auditKeys.waitingPrefix(clusterId, hsmId));
  if (chunks.length === 0) return [];
  const key = hsmAuditKey(view, hsmId) ?? Buffer.alloc(32);
  const out: AuditRecord[] = [];
  for (const [, waiting] of chunks) {
    for (const event of waiting) {
      const { text, hash } = chained(key, previous, event);
      const record = fullForm([...(JSON.parse(text) as StoredContent), hash.toString('base64')], previous);
      out.push(record);
      previous = record.hash;
    }
  }
  return out;
}

/** The events of a stream's file. */
function readEntries(read: StreamReader, clusterId: string, hsmId: string): ReadEntry[] {
  let previous = ZERO_HASH;
  return read(auditKeys.file(clusterId, hsmId)).map((entry): ReadEntry => {
    const parsed = JSON.parse(entry.toString('utf8')) as StoredEvent | AuditRecord;
    const record = Array.isArray(parsed) ? fullForm(parsed, previous) : parsed;
    previous = record.hash;
    if (Array.isArray(parsed) && parsed[0] === 2) {
      const text = JSON.stringify(parsed.slice(0, -1));
      return { record, hashes: (key, prevHash) => createHmac('sha256', key).update(prevHash).update(text).digest('hex') === record.hash };
    }
    const { hash, ...body } = record;
    return { record, hashes: (key, prevHash) => eventHash(key, prevHash, body) === hash };
  });
}

/** The events of one HSM's stream, in the order written: those in its file, then those waiting in the state. */
export function readAuditStream(view: ReadView, read: StreamReader, clusterId: string, hsmId: string): AuditRecord[] {
  const inFile = readEntries(read, clusterId, hsmId).map((e) => e.record);
  return [...inFile, ...waitingEntries(view, clusterId, hsmId, inFile.at(-1)?.hash ?? ZERO_HASH)];
}

/** §2: the readable form (what CloudWatch shows), fields separated by ` : `. */
export function renderAuditEvent(record: AuditRecord): string {
  const usecs = BigInt(record.usecs);
  const d = new Date(Number(usecs / 1000n));
  const pad = (n: number) => String(n).padStart(2, '0');
  const stamp = `${pad(d.getUTCMonth() + 1)}/${pad(d.getUTCDate())}/${pad(d.getUTCFullYear() % 100)} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}.${(usecs % 1_000_000n).toString().padStart(6, '0')}`;
  const lines = [
    `Time: ${stamp}, usecs:${record.usecs}`,
    `Sequence No : ${record.seq}`,
    `Reboot counter : ${record.rebootCounter}`,
    `Command Type(hex) : ${record.commandType.name} (${hex(record.commandType.code)})`,
    `Opcode : ${record.opcode.name}${record.opcode.code === undefined ? '' : ` (${hex(record.opcode.code)})`}`,
    `Session Handle : ${record.sessionHandle}`,
    `Response : ${record.response.code === undefined ? '' : `${record.response.code}:`}${record.response.text}`,
    `Log type : ${record.logType.name} (${record.logType.code})`,
  ];
  if (record.userName !== undefined && record.userType) lines.push(`User Name : ${record.userName}`, `User Type : ${record.userType.name} (${record.userType.code})`);
  if (record.privSecretKeyHandle !== undefined) lines.push(`Priv/Secret Key Handle : ${record.privSecretKeyHandle}`, `Public Key Handle : ${record.publicKeyHandle ?? 0}`);
  return `${lines.join('\n')}\n`;
}
