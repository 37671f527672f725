/**
 * The token-sign strategy's cryptography (users-and-auth.md §7-8): a user's registered key is an
 * RSA-2048 public key, and a signature is RSASSA-PKCS1-v1_5 with SHA-256 over the token's data,
 * which is what `openssl dgst -sha256 -sign KEY` makes of the data, and `openssl pkeyutl -sign
 * -pkeyopt digest:sha256` makes of its SHA-256 digest (the token's `unsigned` value).
 */
import { createHash, createPublicKey, verify, type KeyObject } from 'node:crypto';
import { HsmError } from '../errors.js';

export const REGISTERED_KEY_BITS = 2048;

/** Parses and checks a public key PEM to register; returns it normalised (SPKI PEM). */
export function checkRegisteredKey(pem: string, what = 'the public key'): string {
  let key: KeyObject;
  try {
    key = createPublicKey({ key: pem, format: 'pem' });
  } catch {
    throw new HsmError('INVALID_ARGUMENT', `${what} is not a PEM public key; make one with \`openssl rsa -in KEY.pem -pubout -out KEY.pub\``);
  }
  const bits = key.asymmetricKeyDetails?.modulusLength;
  if (key.asymmetricKeyType !== 'rsa' || bits !== REGISTERED_KEY_BITS) {
    const actual = key.asymmetricKeyType === 'rsa' ? `an RSA-${bits} key` : `a ${key.asymmetricKeyType ?? 'non-RSA'} key`;
    throw new HsmError('INVALID_ARGUMENT', `${what} is ${actual}; token-sign needs an RSA-2048 key pair (\`openssl genrsa -out KEY.pem 2048\`)`);
  }
  return key.export({ type: 'spki', format: 'pem' }).toString();
}

export function sha256(data: Uint8Array): Buffer {
  return createHash('sha256').update(data).digest();
}

/** Whether `signature` is `publicKeyPem`'s PKCS#1 v1.5 SHA-256 signature over `data`. */
export function verifyTokenSignature(publicKeyPem: string, data: Uint8Array, signature: Uint8Array): boolean {
  try {
    return verify('sha256', data, publicKeyPem, signature);
  } catch {
    return false;
  }
}

/** Strict base64 (the token files' encoding): undefined when `text` is not. */
export function decodeBase64(text: unknown): Buffer | undefined {
  if (typeof text !== 'string') return undefined;
  const compact = text.replace(/\s+/g, '');
  if (compact.length === 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(compact) || compact.length % 4 !== 0) return undefined;
  return Buffer.from(compact, 'base64');
}
