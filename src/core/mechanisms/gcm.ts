/**
 * AES-GCM (SP 800-38D §7) composed from @noble/ciphers building blocks (AES-ECB, AES-CTR and
 * GHASH), for what the ready-made implementations leave out: @noble/ciphers' gcm() takes IVs of
 * 8 bytes or more and only full 16-byte tags, and node:crypto takes IVs of at most 128 bytes.
 * This covers any IV of 1 byte or more and every tag length of GCM_TAG_BYTES. Checked against all
 * Wycheproof AES-GCM vectors and cross-checked with OpenSSL.
 */
import { nobleAes, noblePolyval } from './noble.js';
import { decryptionFailed, equalBytes } from './checks.js';
import type { AesGcmResult } from './provider.js';

function lengthBlock(firstBits: number, secondBits: number): Uint8Array {
  const block = new Uint8Array(16);
  const view = new DataView(block.buffer);
  view.setBigUint64(0, BigInt(firstBits));
  view.setBigUint64(8, BigInt(secondBits));
  return block;
}

/** H, and the pre-counter block J0 (§7.1 steps 1-2). */
function setup(key: Uint8Array, iv: Uint8Array): { h: Uint8Array; j0: Uint8Array } {
  const h = nobleAes().ecb(key, { disablePadding: true }).encrypt(new Uint8Array(16));
  let j0: Uint8Array;
  if (iv.length === 12) {
    j0 = new Uint8Array(16);
    j0.set(iv);
    j0[15] = 1;
  } else {
    // GHASH pads each update to a block: IV ‖ 0^s ‖ 0^64 ‖ [len(IV)]_64.
    j0 = noblePolyval().ghash.create(h).update(iv).update(lengthBlock(0, iv.length * 8)).digest();
  }
  return { h, j0 };
}

/** GCTR with the inc32 counter of §6.2: the low 32 bits wrap without carrying into the rest. */
function gctr(key: Uint8Array, icb: Uint8Array, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(data.length);
  const low = new DataView(icb.buffer, icb.byteOffset, 16).getUint32(12);
  // noble's ctr() increments all 128 bits, which is inc32 until the low word wraps.
  const beforeWrap = Math.min(data.length, (2 ** 32 - low) * 16);
  out.set(nobleAes().ctr(key, icb.slice()).encrypt(data.subarray(0, beforeWrap)));
  if (beforeWrap < data.length) {
    const wrapped = icb.slice();
    wrapped.fill(0, 12);
    out.set(nobleAes().ctr(key, wrapped).encrypt(data.subarray(beforeWrap)), beforeWrap);
  }
  return out;
}

function inc32(block: Uint8Array): Uint8Array {
  const out = block.slice();
  const view = new DataView(out.buffer);
  view.setUint32(12, (view.getUint32(12) + 1) >>> 0);
  return out;
}

/** T = MSB_t(GCTR(J0, S)), S = GHASH(A ‖ 0^v ‖ C ‖ 0^u ‖ [len(A)]_64 ‖ [len(C)]_64). */
function computeTag(key: Uint8Array, h: Uint8Array, j0: Uint8Array, aad: Uint8Array, ciphertext: Uint8Array, tagBytes: number): Uint8Array {
  const mac = noblePolyval().ghash.create(h);
  if (aad.length) mac.update(aad);
  if (ciphertext.length) mac.update(ciphertext);
  const s = mac.update(lengthBlock(aad.length * 8, ciphertext.length * 8)).digest();
  return gctr(key, j0, s).subarray(0, tagBytes);
}

/** Arguments are checked by the provider (key 16/24/32 bytes, IV ≥ 1 byte, tag in GCM_TAG_BYTES). */
export function gcmEncrypt(key: Uint8Array, iv: Uint8Array, plaintext: Uint8Array, aad: Uint8Array, tagBytes: number): AesGcmResult {
  const { h, j0 } = setup(key, iv);
  const ciphertext = gctr(key, inc32(j0), plaintext);
  return { ciphertext, tag: computeTag(key, h, j0, aad, ciphertext, tagBytes).slice() };
}

export function gcmDecrypt(key: Uint8Array, iv: Uint8Array, ciphertext: Uint8Array, tag: Uint8Array, aad: Uint8Array): Uint8Array {
  const { h, j0 } = setup(key, iv);
  // Authenticate before decrypting, so unauthenticated plaintext is never produced.
  if (!equalBytes(computeTag(key, h, j0, aad, ciphertext, tag.length), tag)) {
    throw decryptionFailed('AES-GCM tag did not authenticate');
  }
  return gctr(key, inc32(j0), ciphertext);
}
