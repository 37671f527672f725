/**
 * What the key and crypto commands share: the creation flags (session, sharing, quorum values),
 * the data flags and how their bytes are read, and the readable summary of a key. The command
 * builders live beside this file, one per kind of command: generate, sign, wrap, cipher, mac.
 */
import type { FlagInput } from '@oclif/core/interfaces';
import { Flags } from '../oclif.js';
import { readInputFile } from '../files.js';
import { HsmError } from '../../core/errors.js';
import type { HashName } from '../../core/mechanisms/table.js';
import { formatReference } from '../../core/keys/model.js';

/** The hash the commands' examples use (a table row, so the compiler checks it). */
export const EXAMPLE_HASH: HashName = 'sha256';

/** A set of oclif flag definitions. */
export type FlagMap = FlagInput;

/** Input data larger than this is refused before it is read (the HSM streams nothing bigger). */
export const MAX_DATA_BYTES = 64 * 1024 * 1024;

export const quorumValue = (description: string) => Flags.integer({ description, min: 0, max: 8, helpValue: '<0-8>' });

export const creationFlags = {
  session: Flags.boolean({ description: 'Create a session key: it lives only until logout (or the end of this command).' }),
  'share-crypto-users': Flags.string({ description: 'Crypto users to share the (private) key with.', multiple: true, helpValue: '<USER>...' }),
};

export const dataFlags = {
  data: Flags.string({ description: 'The data, base64.', exactlyOne: ['data', 'data-path'], helpValue: '<BASE64>' }),
  'data-path': Flags.string({ description: 'File holding the raw data.', helpValue: '<PATH>' }),
};

/** A readable summary of a key object as the commands print it (JSON keeps every field). */
export function keyText(key: Readonly<Record<string, unknown>>, heading?: string): string {
  const a = key.attributes as Record<string, unknown>;
  const info = key['key-info'] as { 'key-owners': Array<{ username: string }>; 'shared-users': Array<{ username: string }> } | undefined;
  const usage = ['encrypt', 'decrypt', 'sign', 'verify', 'wrap', 'unwrap', 'derive'].filter((n) => a[n] === true);
  const kind = [a['key-type'], a.curve ?? a['mldsa-algorithm'] ?? (a['modulus-size-bits'] ? `${a['modulus-size-bits'] as number} bits` : `${String(a['key-length-bytes'])} bytes`)].join(', ');
  const rows: Array<[string, unknown]> = [
    ['key-reference', key['key-reference']],
    ['label', a.label],
    ['class', `${String(a.class)} (${kind})`],
    ['check-value', a['check-value']],
    ['owner', info?.['key-owners'].map((o) => o.username).join(', ')],
    ['shared with', info?.['shared-users'].map((o) => o.username).join(', ') || '-'],
    ['usage', usage.join(' ') || '-'],
    ['token', a.token ? 'yes' : 'no (session key)'],
  ];
  return `${heading ? `${heading}:\n` : ''}${rows.map(([k, v]) => `${heading ? '  ' : ''}${k.padEnd(14)}${String(v)}`).join('\n')}\n`;
}

/** Strict standard base64 (the CLI's --data, --signature). */
export function decodeBase64(flag: string, text: string): Uint8Array {
  const t = text.trim();
  if (!/^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/.test(t)) {
    throw new HsmError('INVALID_ARGUMENT', `${flag} is not valid base64; give standard base64, or raw bytes in a file with ${flag}-path`);
  }
  return new Uint8Array(Buffer.from(t, 'base64'));
}

export function readBytes(flag: string, file: string): Uint8Array {
  try {
    return new Uint8Array(readInputFile(flag, file, MAX_DATA_BYTES));
  } catch (err) {
    throw new HsmError('INVALID_ARGUMENT', (err as Error).message);
  }
}

/** --data (base64) or --data-path (raw bytes): exactly one. */
export function dataFrom(flags: object, name = 'data'): Uint8Array {
  const values = flags as Readonly<Partial<Record<string, unknown>>>;
  const inline = values[name];
  if (typeof inline === 'string') {
    if (inline.length > (MAX_DATA_BYTES * 4) / 3 + 4) throw new HsmError('INVALID_ARGUMENT', `--${name} is larger than ${MAX_DATA_BYTES} bytes`);
    return decodeBase64(`--${name}`, inline);
  }
  const file = values[`${name}-path`];
  if (typeof file !== 'string') throw new HsmError('INVALID_ARGUMENT', `give --${name} (base64) or --${name}-path (a file)`);
  return readBytes(`--${name}-path`, file);
}

/**
 * JSON-ready copy of a core result: byte fields become base64 (PRODUCT.md "Extensions"), and the
 * key's reference number (`keyRef`) becomes the CLI's `key-reference` text, in the same place.
 */
export function base64Fields(data: object): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(data).map(([k, v]) =>
      k === 'keyRef' && typeof v === 'number' ? ['key-reference', formatReference(v)] : [k, v instanceof Uint8Array ? Buffer.from(v).toString('base64') : v],
    ),
  );
}

export const outFlag = { out: Flags.string({ description: 'Write the raw result bytes to this file instead.', helpValue: '<FILE>' }) };

