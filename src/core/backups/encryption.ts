/**
 * Backup encryption in software, as cluster.md §8.6 describes the real one:
 *
 *   1. a fresh ephemeral backup key (EBK, AES-256) per backup;
 *   2. the payload (the cluster's users, keys, policies and certificate, deflated JSON) wrapped
 *      under the EBK with AES-KWP (RFC 5649, NIST SP 800-38F), in chunks of 1 KiB wrapped side by
 *      side (kwp.ts; format 1, one KWP over the whole payload, is still read); from format 3 the
 *      payload JSON is followed by a newline and an attachment (the keys' JSON text);
 *   3. the EBK wrapped with AES-KW (RFC 3394) under the persistent backup key PBK, derived with
 *      the SP 800-108 counter-mode KDF (HMAC-SHA256) from MKBK ‖ AKBK, label "cloudhsm-pbk";
 *   4. all of it sealed again with AES-256-GCM under a "service storage key", standing in for the
 *      KMS layer of the service's S3 bucket; the clear header is its associated data.
 *
 * MKBK, AKBK and the storage key are this installation's secrets: 32 random bytes each, made once
 * and kept in the sealed store (its "hardware"), never in a backup. A backup made by another
 * installation names a different installation ID in its header and is refused as such
 * (models "restores only onto HSMs of the same manufacturer"); any other change fails the GCM tag.
 *
 * File layout: "CHSMBKP1" | u32 BE header length | header JSON | 12-byte nonce | ciphertext | 16-byte tag,
 * where the GCM plaintext is u16 BE length | AES-KW(PBK, EBK) | AES-KWP(EBK, chunk) for each
 * 1 KiB chunk of deflate(payload JSON), in order (each chunk's wrap is 1,032 bytes but the last).
 */
import { createCipheriv, createDecipheriv, createHmac, randomBytes } from 'node:crypto';
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import { HsmError, awsError } from '../errors.js';
import type { Transaction } from '../store/index.js';
import { kwpUnwrapMany, kwpWrapMany } from './kwp.js';

const MAGIC = Buffer.from('CHSMBKP1', 'latin1');
export type BackupFormat = 1 | 2 | 3;
const FORMAT_VERSION: BackupFormat = 3;
/**
 * Format 1 wrapped the whole payload with one KWP; format 2 wraps it in chunks; format 3 adds an
 * attachment after the payload JSON (a newline, then bytes the caller gives: the key collection's
 * JSON text, restored without parsing). All three are opened.
 */
const READABLE_FORMATS: readonly number[] = [1, 2, 3];

/** What a backup holds: a JSON-able payload, and (format 3) an attachment of bytes. */
export interface BackupParts {
  payload: unknown;
  attachment?: Buffer;
}

const NEWLINE = Buffer.from('\n');
const CHUNK_BYTES = 1024;
const WRAPPED_CHUNK_BYTES = CHUNK_BYTES + 8;
const KW_IV = Buffer.from('A6A6A6A6A6A6A6A6', 'hex');
const KWP_IV = Buffer.from('A65959A6', 'hex');
/** Where the installation's backup secrets live in the sealed store. */
export const INSTALLATION_KEY = 'installation/backup-secrets';

interface InstallationRecord {
  installationId: string;
  /** Base64 of 32 random bytes each. */
  mkbk: string;
  akbk: string;
  storageKey: string;
}

export interface BackupHeader {
  format: number;
  backupId: string;
  clusterId: string;
  installationId: string;
  createdAt: number;
}

interface InstallationKeys {
  installationId: string;
  pbk: Buffer;
  storageKey: Buffer;
}

/** NIST SP 800-108 KDF in counter mode with HMAC-SHA256: K(i) = HMAC(key, [i]32 ‖ label ‖ 0x00 ‖ context ‖ [L]32). */
export function kdfCounterHmacSha256(key: Buffer, label: string, context: Buffer, bits: number): Buffer {
  const out: Buffer[] = [];
  const length = Buffer.alloc(4);
  length.writeUInt32BE(bits);
  for (let i = 1; out.length * 32 < bits / 8; i++) {
    const counter = Buffer.alloc(4);
    counter.writeUInt32BE(i);
    out.push(createHmac('sha256', key).update(counter).update(label, 'latin1').update(Buffer.of(0)).update(context).update(length).digest());
  }
  return Buffer.concat(out).subarray(0, bits / 8);
}

/**
 * This installation's keys, made on first use. The secrets come from the system's random source
 * even in the deterministic test mode: two installations must never share them.
 */
function installationKeys(tx: Transaction, create: boolean): InstallationKeys | undefined {
  let record = tx.get<InstallationRecord>(INSTALLATION_KEY);
  if (!record) {
    if (!create) return undefined;
    record = {
      installationId: randomBytes(16).toString('hex'),
      mkbk: randomBytes(32).toString('base64'),
      akbk: randomBytes(32).toString('base64'),
      storageKey: randomBytes(32).toString('base64'),
    };
    tx.put(INSTALLATION_KEY, record);
  }
  const ikm = Buffer.concat([Buffer.from(record.mkbk, 'base64'), Buffer.from(record.akbk, 'base64')]);
  return {
    installationId: record.installationId,
    pbk: kdfCounterHmacSha256(ikm, 'cloudhsm-pbk', Buffer.alloc(0), 256),
    storageKey: Buffer.from(record.storageKey, 'base64'),
  };
}

function cipher(name: string, key: Buffer, iv: Buffer, data: Buffer): Buffer {
  const c = createCipheriv(name, key, iv);
  return Buffer.concat([c.update(data), c.final()]);
}

function decipher(name: string, key: Buffer, iv: Buffer, data: Buffer): Buffer {
  const d = createDecipheriv(name, key, iv);
  return Buffer.concat([d.update(data), d.final()]);
}

/** Seals `payload` as the backup file of `header` (without its installation, which this adds). */
/** Formats 1 and 2 are for tests of reading old backups (they take no attachment): new backups are format 3. */
export function sealBackup(tx: Transaction, header: Omit<BackupHeader, 'format' | 'installationId'>, parts: BackupParts, format: BackupFormat = FORMAT_VERSION): Buffer {
  if (format !== 3 && parts.attachment) throw new HsmError('INTERNAL', `backup format ${format} has no attachment`);
  const keys = installationKeys(tx, true)!;
  const ebk = randomBytes(32);
  const json = Buffer.from(JSON.stringify(parts.payload), 'utf8');
  // JSON.stringify writes no raw newline: the first one ends the payload.
  const plain = format === 3 ? Buffer.concat([json, NEWLINE, parts.attachment ?? Buffer.alloc(0)]) : json;
  const deflated = deflateRawSync(plain, { level: 1 });
  const chunks: Buffer[] = [];
  for (let at = 0; at < deflated.length; at += CHUNK_BYTES) chunks.push(deflated.subarray(at, at + CHUNK_BYTES));
  const wrappedPayload = format === 1 ? cipher('id-aes256-wrap-pad', ebk, KWP_IV, deflated) : Buffer.concat(kwpWrapMany(ebk, chunks));
  const wrappedEbk = cipher('id-aes256-wrap', keys.pbk, KW_IV, ebk);
  ebk.fill(0);
  const inner = Buffer.concat([Buffer.of(wrappedEbk.length >> 8, wrappedEbk.length & 0xff), wrappedEbk, wrappedPayload]);
  const headerBytes = Buffer.from(JSON.stringify({ format, ...header, installationId: keys.installationId } satisfies BackupHeader), 'utf8');
  const preamble = Buffer.alloc(MAGIC.length + 4);
  MAGIC.copy(preamble);
  preamble.writeUInt32BE(headerBytes.length, MAGIC.length);
  const aad = Buffer.concat([preamble, headerBytes]);
  const nonce = randomBytes(12);
  const gcm = createCipheriv('aes-256-gcm', keys.storageKey, nonce);
  gcm.setAAD(aad);
  const body = Buffer.concat([gcm.update(inner), gcm.final()]);
  return Buffer.concat([aad, nonce, body, gcm.getAuthTag()]);
}

function damaged(operation: string, backupId: string, why: string): HsmError {
  return awsError(
    'BACKUP_INTEGRITY',
    'CloudHsmInvalidRequestException',
    operation,
    `backup ${backupId} cannot be opened: ${why}. Its file in the state folder's backups/ was changed or replaced; use another backup`,
  );
}

/**
 * Opens the backup file `bytes` of backup `backupId`: its payload. Refuses a file of another
 * installation (BACKUP_FOREIGN) and any change to a byte (BACKUP_INTEGRITY).
 */
export function openBackup(tx: Transaction, operation: string, backupId: string, bytes: Buffer | undefined): BackupParts {
  const { inner, keys, format } = openOuterLayer(tx, operation, backupId, bytes);
  try {
    const wrappedLength = inner.readUInt16BE(0);
    const ebk = decipher('id-aes256-wrap', keys.pbk, KW_IV, inner.subarray(2, 2 + wrappedLength));
    const wrapped = inner.subarray(2 + wrappedLength);
    let deflated: Buffer;
    if (format === 1) deflated = decipher('id-aes256-wrap-pad', ebk, KWP_IV, wrapped);
    else {
      const chunks: Buffer[] = [];
      for (let at = 0; at < wrapped.length; at += WRAPPED_CHUNK_BYTES) chunks.push(wrapped.subarray(at, at + WRAPPED_CHUNK_BYTES));
      deflated = Buffer.concat(kwpUnwrapMany(ebk, chunks));
    }
    const plain = inflateRawSync(deflated);
    ebk.fill(0);
    if (format !== 3) return { payload: JSON.parse(plain.toString('utf8')) as unknown };
    const end = plain.indexOf(NEWLINE);
    if (end < 0) throw new Error('no end to the payload');
    return { payload: JSON.parse(plain.subarray(0, end).toString('utf8')) as unknown, attachment: plain.subarray(end + 1) };
  } catch {
    throw damaged(operation, backupId, 'its wrapped contents failed to unwrap');
  }
}

/**
 * Checks what can be checked without unwrapping: the file is this installation's and no byte of
 * it changed (the outer layer authenticates all of it). For a request that only names a backup.
 */
export function checkBackup(tx: Transaction, operation: string, backupId: string, bytes: Buffer | undefined): void {
  openOuterLayer(tx, operation, backupId, bytes);
}

function openOuterLayer(tx: Transaction, operation: string, backupId: string, bytes: Buffer | undefined): { inner: Buffer; keys: InstallationKeys; format: number } {
  if (!bytes) return missing(operation, backupId);
  if (bytes.length < MAGIC.length + 4 || !bytes.subarray(0, MAGIC.length).equals(MAGIC)) throw damaged(operation, backupId, 'it is not a cloudhsm-local backup file');
  const headerLength = bytes.readUInt32BE(MAGIC.length);
  const headerEnd = MAGIC.length + 4 + headerLength;
  if (bytes.length < headerEnd + 12 + 16) throw damaged(operation, backupId, 'it is cut short');
  let header: BackupHeader;
  try {
    header = JSON.parse(bytes.subarray(MAGIC.length + 4, headerEnd).toString('utf8')) as BackupHeader;
  } catch {
    throw damaged(operation, backupId, 'its header is unreadable');
  }
  if (!READABLE_FORMATS.includes(header.format)) throw damaged(operation, backupId, `its format version ${String(header.format)} is not one this version reads`);
  const keys = installationKeys(tx, false);
  if (!keys || header.installationId !== keys.installationId) {
    throw awsError(
      'BACKUP_FOREIGN',
      'CloudHsmInvalidRequestException',
      operation,
      `backup ${backupId} was made by another cloudhsm-local installation (another state folder): it is sealed under that installation's backup keys, as a real backup restores only onto HSMs of its manufacturer. Restore it in the state folder that made it`,
    );
  }
  let inner: Buffer;
  try {
    const gcm = createDecipheriv('aes-256-gcm', keys.storageKey, bytes.subarray(headerEnd, headerEnd + 12));
    gcm.setAAD(bytes.subarray(0, headerEnd));
    gcm.setAuthTag(bytes.subarray(bytes.length - 16));
    inner = Buffer.concat([gcm.update(bytes.subarray(headerEnd + 12, bytes.length - 16)), gcm.final()]);
  } catch {
    throw damaged(operation, backupId, 'it failed its integrity check');
  }
  if (header.backupId !== backupId) throw damaged(operation, backupId, `it holds backup ${header.backupId}`);
  return { inner, keys, format: header.format };
}

function missing(operation: string, backupId: string): never {
  throw damaged(operation, backupId, 'its file is missing');
}
