/**
 * Input checks shared by both providers, so that they refuse exactly the same inputs with the
 * same codes. Messages name the argument, what was expected and what arrived (a length or a name,
 * never the bytes themselves).
 */
import { HsmError } from '../errors.js';
import {
  AES_BLOCK_BYTES,
  AES_KEY_BYTES,
  EC_CURVES,
  GCM_TAG_BYTES,
  HASH_BYTES,
  HASH_NAMES,
  ML_DSA_VARIANTS,
  type AsymmetricKeySpec,
  type HashName,
  type KeyKind,
  type PreparedKey,
  type ProviderName,
} from './provider.js';

export function invalidArgument(message: string, cause?: unknown): HsmError {
  return new HsmError('INVALID_ARGUMENT', message, cause === undefined ? {} : { cause });
}

export function decryptionFailed(message: string, cause?: unknown): HsmError {
  return new HsmError('DECRYPTION_FAILED', message, cause === undefined ? {} : { cause });
}

/**
 * Runs a library call and turns any foreign exception into an HsmError of `code`: library
 * messages can quote input, so only ours reach the operator; the original stays as `cause`.
 */
export function guard<T>(code: 'INVALID_ARGUMENT' | 'DECRYPTION_FAILED', message: string, fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (err instanceof HsmError) throw err;
    throw new HsmError(code, message, { cause: err });
  }
}

/**
 * For verify operations: once the arguments have been checked, any failure inside (a malformed
 * signature, an out-of-range integer) simply means "not valid".
 */
export function verifyGuard(fn: () => boolean): boolean {
  try {
    return fn();
  } catch {
    return false;
  }
}

export function checkBytes(value: unknown, name: string): Uint8Array {
  if (!(value instanceof Uint8Array)) throw invalidArgument(`${name} must be a Uint8Array`);
  return value;
}

export function checkLength(value: Uint8Array, expected: number, name: string): void {
  checkBytes(value, name);
  if (value.length !== expected) {
    throw invalidArgument(`${name} must be ${expected} bytes, got ${value.length}`);
  }
}

export function checkHash(hash: HashName, name = 'hash'): number {
  if (!HASH_NAMES.includes(hash)) {
    throw invalidArgument(`${name} must be one of ${HASH_NAMES.join(', ')}, got ${hash}`);
  }
  return HASH_BYTES[hash];
}

export function checkAesKey(key: Uint8Array, name = 'key'): void {
  checkBytes(key, name);
  if (!AES_KEY_BYTES.includes(key.length)) {
    throw invalidArgument(`${name} must be 16, 24 or 32 bytes (AES-128/192/256), got ${key.length}`);
  }
}

export function checkGcm(iv: Uint8Array, tagBytes: number): void {
  checkBytes(iv, 'iv');
  if (iv.length < 1) throw invalidArgument('iv must be at least 1 byte for AES-GCM, got 0');
  if (!GCM_TAG_BYTES.includes(tagBytes)) {
    throw invalidArgument(`tag length must be one of ${GCM_TAG_BYTES.join(', ')} bytes, got ${tagBytes}`);
  }
}

export function checkCbcInput(iv: Uint8Array, data: Uint8Array, decrypt: boolean, padded: boolean): void {
  checkLength(iv, AES_BLOCK_BYTES, 'iv');
  checkBytes(data, 'data');
  if ((decrypt || !padded) && data.length % AES_BLOCK_BYTES !== 0) {
    throw invalidArgument(`data must be a multiple of 16 bytes, got ${data.length}`);
  }
  if (decrypt && padded && data.length === 0) {
    throw invalidArgument('data must be at least one 16-byte block for PKCS#7 decryption, got 0');
  }
}

/** RFC 3394 §2: n ≥ 2 64-bit blocks of key data. */
export function checkKeyWrapInput(keyData: Uint8Array): void {
  checkBytes(keyData, 'key data');
  if (keyData.length < 16 || keyData.length % 8 !== 0) {
    throw invalidArgument(`key data must be a multiple of 8 bytes and at least 16, got ${keyData.length}`);
  }
}

export function checkKeyUnwrapInput(wrapped: Uint8Array): void {
  checkBytes(wrapped, 'wrapped key');
  if (wrapped.length < 24 || wrapped.length % 8 !== 0) {
    throw invalidArgument(`wrapped key must be a multiple of 8 bytes and at least 24, got ${wrapped.length}`);
  }
}

/** RFC 5649: 1 ≤ m < 2^32 octets of key data. */
export function checkKeyWrapPadInput(keyData: Uint8Array): void {
  checkBytes(keyData, 'key data');
  if (keyData.length < 1) throw invalidArgument('key data must be at least 1 byte, got 0');
}

export function checkKeyUnwrapPadInput(wrapped: Uint8Array): void {
  checkBytes(wrapped, 'wrapped key');
  if (wrapped.length < 16 || wrapped.length % 8 !== 0) {
    throw invalidArgument(`wrapped key must be a multiple of 8 bytes and at least 16, got ${wrapped.length}`);
  }
}

export function checkPadding(options: { padding?: unknown } | undefined): boolean {
  const padding = options?.padding;
  if (padding !== 'pkcs7' && padding !== 'none') {
    throw invalidArgument(`padding must be pkcs7 or none, got ${String(padding)}`);
  }
  return padding === 'pkcs7';
}

export function checkSpec(spec: AsymmetricKeySpec): void {
  const s = spec as { type?: unknown; curve?: unknown; variant?: unknown } | undefined;
  switch (s?.type) {
    case 'ec':
      if (!EC_CURVES.includes(s.curve as never)) {
        throw invalidArgument(`curve must be one of ${EC_CURVES.join(', ')}, got ${String(s.curve)}`);
      }
      return;
    case 'ml-dsa':
      if (!ML_DSA_VARIANTS.includes(s.variant as never)) {
        throw invalidArgument(`ML-DSA variant must be one of ${ML_DSA_VARIANTS.join(', ')}, got ${String(s.variant)}`);
      }
      return;
    case 'ed25519':
    case 'x25519':
    case 'rsa':
    case 'dsa':
      return;
    default:
      throw invalidArgument(`key type must be ec, ed25519, x25519, rsa, dsa or ml-dsa, got ${String(s?.type)}`);
  }
}

export function describeSpec(spec: AsymmetricKeySpec): string {
  switch (spec.type) {
    case 'ec':
      return `EC ${spec.curve}`;
    case 'ml-dsa':
      return spec.variant;
    case 'ed25519':
      return 'Ed25519';
    case 'x25519':
      return 'X25519';
    case 'rsa':
      return 'RSA';
    case 'dsa':
      return 'DSA';
  }
}

/**
 * Checks that `key` came from `provider` and is of the kind and type the operation needs, and
 * returns it.
 */
export function checkPrepared(
  key: PreparedKey,
  provider: ProviderName,
  kind: KeyKind | 'any',
  type: AsymmetricKeySpec['type'] | 'any',
  operation: string,
): PreparedKey {
  const given: unknown = key; // callers outside TypeScript may pass anything
  if (typeof given !== 'object' || given === null || !('provider' in given)) {
    throw invalidArgument(`${operation} needs a prepared key (preparePrivate/preparePublic)`);
  }
  if (key.provider !== provider) {
    throw invalidArgument(`the key was prepared by the ${key.provider} provider, not ${provider}`);
  }
  if (type !== 'any' && key.spec.type !== type) {
    throw invalidArgument(`${operation} needs a ${type} key, got ${describeSpec(key.spec)}`);
  }
  if (kind !== 'any' && key.kind !== kind) {
    throw invalidArgument(`${operation} needs a ${kind} key, got a ${key.kind} key`);
  }
  return key;
}

export function checkContext(context: Uint8Array | undefined, max: number): Uint8Array {
  if (context === undefined) return new Uint8Array(0);
  checkBytes(context, 'context');
  if (context.length > max) throw invalidArgument(`context must be at most ${max} bytes, got ${context.length}`);
  return context;
}

export function checkDigestLength(hash: HashName, data: Uint8Array): void {
  const expected = checkHash(hash);
  if (data.length !== expected) {
    throw invalidArgument(`a prehashed ${hash} digest must be ${expected} bytes, got ${data.length}`);
  }
}

/** Constant-time comparison of equal-length byte strings (length itself is not secret). */
export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!;
  return diff === 0;
}

export function concatBytes(...parts: Uint8Array[]): Uint8Array {
  let total = 0;
  for (const p of parts) total += p.length;
  const out = new Uint8Array(total);
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}

export function leftPadTo(bytes: Uint8Array, length: number): Uint8Array {
  if (bytes.length === length) return bytes;
  const out = new Uint8Array(length);
  out.set(bytes, length - bytes.length);
  return out;
}

/** A plain Uint8Array copy (node returns pooled Buffers; callers get independent bytes). */
export function plain(bytes: Uint8Array): Uint8Array {
  return new Uint8Array(bytes);
}

/** A Buffer over the same bytes, without copying, for the node:crypto calls that want one. */
export function bufferOf(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
