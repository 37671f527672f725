/**
 * RFC 3394 AES key wrap of host data for KMU's `aesWrapUnwrap` (legacy-shells.md §3), built on
 * single-block AES done by the HSM key.
 *
 * The core has key wrap only for keys (`key wrap`), not for host data, and no AES-ECB. One block
 * is still reachable through the core's own data operations, with the key's encrypt/decrypt
 * attributes deciding, as PKCS #11 decides for C_Encrypt/C_Decrypt with CKM_AES_KEY_WRAP:
 * - E(x): AES-CTR over one zero block with counter block x yields E(x);
 * - D(y): AES-CBC (PKCS#7) decryption of y ‖ E(y ⊕ pad) with a zero IV yields D(y), the second
 *   block decrypting to the full padding block.
 * An `aes-key-wrap` mechanism in the core's encrypt/decrypt would replace this with one call.
 */
import { HsmError } from '../../core/errors.js';

export type BlockFunction = (block: Uint8Array) => Promise<Uint8Array>;

/** RFC 3394 §2.2.3.1 default IV. */
export const DEFAULT_IV = Buffer.from('A6A6A6A6A6A6A6A6', 'hex');
/** §3: aesWrapUnwrap takes files of at most 4096 bytes. */
export const MAX_DATA_BYTES = 4096;

/** The 64-bit big-endian counter t, XORed into A. */
function xorCounter(a: Uint8Array, t: number): Uint8Array {
  const out = Uint8Array.from(a);
  const tb = Buffer.alloc(8);
  tb.writeBigUInt64BE(BigInt(t));
  for (let i = 0; i < 8; i++) out[i]! ^= tb[i]!;
  return out;
}

function checkLength(data: Uint8Array, min: number, what: string): void {
  if (data.length % 8 !== 0 || data.length < min || data.length > MAX_DATA_BYTES) {
    throw new HsmError('INVALID_ARGUMENT', `${what} must be a multiple of 8 bytes, ${min} to ${MAX_DATA_BYTES}; it has ${data.length}`);
  }
}

/** RFC 3394 §2.2.1 (wrap), index-based form. */
export async function keyWrap(plain: Uint8Array, iv: Uint8Array, encryptBlock: BlockFunction): Promise<Uint8Array> {
  checkLength(plain, 16, 'the data to wrap');
  const n = plain.length / 8;
  let a: Uint8Array = Uint8Array.from(iv);
  const r = Array.from({ length: n }, (_, i) => plain.slice(i * 8, i * 8 + 8));
  for (let j = 0; j <= 5; j++) {
    for (let i = 1; i <= n; i++) {
      const b = await encryptBlock(Uint8Array.from([...a, ...r[i - 1]!]));
      a = xorCounter(b.subarray(0, 8), n * j + i);
      r[i - 1] = b.slice(8, 16);
    }
  }
  return Uint8Array.from([...a, ...r.flatMap((x) => [...x])]);
}

/** RFC 3394 §2.2.2 (unwrap) with the §2.2.3 integrity check against `iv`. */
export async function keyUnwrap(wrapped: Uint8Array, iv: Uint8Array, decryptBlock: BlockFunction): Promise<Uint8Array> {
  checkLength(wrapped, 24, 'the wrapped data');
  const n = wrapped.length / 8 - 1;
  let a: Uint8Array = wrapped.slice(0, 8);
  const r = Array.from({ length: n }, (_, i) => wrapped.slice(8 + i * 8, 16 + i * 8));
  for (let j = 5; j >= 0; j--) {
    for (let i = n; i >= 1; i--) {
      const b = await decryptBlock(Uint8Array.from([...xorCounter(a, n * j + i), ...r[i - 1]!]));
      a = b.slice(0, 8);
      r[i - 1] = b.slice(8, 16);
    }
  }
  if (!Buffer.from(a).equals(Buffer.from(iv))) {
    throw new HsmError('DECRYPTION_FAILED', 'the data did not unwrap: wrong key, IV or data');
  }
  return Uint8Array.from(r.flatMap((x) => [...x]));
}

/** PKCS#7 padding block for one 16-byte block (the D(y) construction above). */
export const FULL_PAD_BLOCK = new Uint8Array(16).fill(16);

export function xorBlocks(x: Uint8Array, y: Uint8Array): Uint8Array {
  return x.map((v, i) => v ^ y[i]!);
}
