/**
 * The byte format shared by every state file, and the sealing primitive.
 *
 * Each file starts with a preamble: the magic "CHSMLOC\0", a one-byte kind, a two-byte format
 * version and a length-prefixed JSON header. Sealed content is AES-256-GCM with a fresh 96-bit
 * nonce per seal (nonce ‖ ciphertext ‖ tag) and the exact preamble bytes as associated data, so
 * a change to any byte of the file, or moving content between files, stores or sequence
 * numbers, fails authentication (PRODUCT.md "Security model of the state").
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { HsmError } from '../errors.js';

export const MAGIC = Buffer.from('CHSMLOC\0', 'latin1');

export const FileKind = {
  keyring: 1,
  head: 2,
  snapshot: 3,
  log: 4,
  sealKey: 5,
  counter: 6,
} as const;
export type FileKind = (typeof FileKind)[keyof typeof FileKind];

/**
 * The format version written today, per kind of file; older versions are read by explicit code
 * (snapshot.ts reads snapshots of versions 1 and 2). Kinds have their own versions so that a new
 * snapshot layout leaves the other files, and the byte-exact log preamble, as they were.
 */
export const FORMAT_VERSIONS: Readonly<Record<FileKind, number>> = {
  [FileKind.keyring]: 1,
  [FileKind.head]: 2,
  [FileKind.snapshot]: 3,
  [FileKind.log]: 1,
  [FileKind.sealKey]: 1,
  [FileKind.counter]: 2,
};

const NONCE_BYTES = 12;
const TAG_BYTES = 16;
export const SEAL_OVERHEAD_BYTES = NONCE_BYTES + TAG_BYTES;

export function encodePreamble(kind: FileKind, header: Record<string, unknown>, version = FORMAT_VERSIONS[kind]): Buffer {
  const headerBytes = Buffer.from(JSON.stringify(header), 'utf8');
  const fixed = Buffer.alloc(MAGIC.length + 1 + 2 + 4);
  MAGIC.copy(fixed, 0);
  fixed.writeUInt8(kind, MAGIC.length);
  fixed.writeUInt16BE(version, MAGIC.length + 1);
  fixed.writeUInt32BE(headerBytes.length, MAGIC.length + 3);
  return Buffer.concat([fixed, headerBytes]);
}

export interface Preamble {
  kind: FileKind;
  version: number;
  header: Record<string, unknown>;
  /** The raw preamble bytes (associated data for what follows). */
  bytes: Buffer;
}

/**
 * Parses the preamble at the start of `data`; `name` is the file named in errors. The format
 * version is checked by `checkVersion` only after the content authenticated, so a damaged
 * version field reads as damage and only a genuine newer file as a newer format.
 */
export function decodePreamble(data: Buffer, expectedKind: FileKind, name: string): Preamble {
  const fixedLength = MAGIC.length + 7;
  if (data.length < fixedLength || !data.subarray(0, MAGIC.length).equals(MAGIC)) {
    throw integrityError(name, 'it does not start with the cloudhsm-local file signature');
  }
  const kind = data.readUInt8(MAGIC.length) as FileKind;
  const version = data.readUInt16BE(MAGIC.length + 1);
  const headerLength = data.readUInt32BE(MAGIC.length + 3);
  if (kind !== expectedKind) throw integrityError(name, `it holds file kind ${kind}, expected ${expectedKind}`);
  if (version < 1) throw integrityError(name, `it declares format version ${version}`);
  if (fixedLength + headerLength > data.length) throw integrityError(name, 'its header is cut off');
  let header: unknown;
  try {
    header = JSON.parse(data.subarray(fixedLength, fixedLength + headerLength).toString('utf8'));
  } catch {
    throw integrityError(name, 'its header is not valid');
  }
  if (header === null || typeof header !== 'object' || Array.isArray(header)) {
    throw integrityError(name, 'its header is not valid');
  }
  return { kind, version, header: header as Record<string, unknown>, bytes: data.subarray(0, fixedLength + headerLength) };
}

export function checkVersion(preamble: Preamble, name: string): void {
  const newest = FORMAT_VERSIONS[preamble.kind];
  if (preamble.version > newest) {
    throw new HsmError(
      'STATE_VERSION',
      `${name} uses state format ${preamble.version}, newer than this cloudhsm-local understands (${newest}); upgrade cloudhsm-local to use this state`,
      { details: { file: name } },
    );
  }
}

export function seal(key: Buffer, aad: Buffer, plaintext: Buffer): Buffer {
  const nonce = randomBytes(NONCE_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, nonce);
  cipher.setAAD(aad);
  const body = cipher.update(plaintext);
  const final = cipher.final();
  return Buffer.concat([nonce, body, final, cipher.getAuthTag()]);
}

/** Opens a sealed blob; returns undefined when authentication fails. */
export function tryOpen(key: Buffer, aad: Buffer, blob: Buffer): Buffer | undefined {
  if (blob.length < SEAL_OVERHEAD_BYTES) return undefined;
  const nonce = blob.subarray(0, NONCE_BYTES);
  const tag = blob.subarray(blob.length - TAG_BYTES);
  const decipher = createDecipheriv('aes-256-gcm', key, nonce);
  decipher.setAAD(aad);
  decipher.setAuthTag(tag);
  try {
    const body = decipher.update(blob.subarray(NONCE_BYTES, blob.length - TAG_BYTES));
    const rest = decipher.final();
    // GCM is a stream mode: final() only checks the tag, so the body needs no copying (a
    // snapshot is megabytes).
    return rest.length === 0 ? body : Buffer.concat([body, rest]);
  } catch {
    return undefined;
  }
}

export function open(key: Buffer, aad: Buffer, blob: Buffer, name: string): Buffer {
  const plain = tryOpen(key, aad, blob);
  if (!plain) throw integrityError(name, 'its contents failed authentication');
  return plain;
}

export function integrityError(name: string, why: string): HsmError {
  return new HsmError(
    'STATE_INTEGRITY',
    `state file ${name} failed its integrity check: ${why}. The state was modified or damaged outside cloudhsm-local; restore the state folder from a copy`,
    { details: { file: name } },
  );
}
