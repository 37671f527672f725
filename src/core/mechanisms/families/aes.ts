/**
 * AES (FIPS 197) in the modes of SP 800-38A (ECB, CBC with PKCS#7 padding as in RFC 5652 §6.3,
 * CTR with a 128-bit big-endian counter) and SP 800-38D (GCM), on node:crypto and on
 * @noble/ciphers. The checks and the errors are written once; each backend supplies the ciphers.
 *
 * GCM outside what a library takes goes through gcm.ts (noble building blocks): node:crypto takes
 * IVs of at most 128 bytes, noble's gcm() IVs of at least 8 bytes and only 16-byte tags.
 */
import { createCipheriv, createDecipheriv } from 'node:crypto';
import {
  bufferOf,
  checkAesKey,
  checkBytes,
  checkCbcInput,
  checkGcm,
  checkLength,
  checkPadding,
  concatBytes,
  guard,
  plain,
} from '../checks.js';
import { gcmDecrypt, gcmEncrypt } from '../gcm.js';
import { nobleAes } from '../noble.js';
import { AES_BLOCK_BYTES } from '../table.js';
import type { AesGcmResult, CryptoProvider } from '../provider.js';

export type AesFamily = Pick<
  CryptoProvider,
  'aesEcbEncryptBlock' | 'aesCbcEncrypt' | 'aesCbcDecrypt' | 'aesCtr' | 'aesGcmEncrypt' | 'aesGcmDecrypt'
>;

/** What a backend supplies: the ciphers on checked input; a failed decryption may throw anything. */
interface AesCiphers {
  ecbBlock(key: Uint8Array, block: Uint8Array): Uint8Array;
  cbc(direction: 'encrypt' | 'decrypt', key: Uint8Array, iv: Uint8Array, data: Uint8Array, padded: boolean): Uint8Array;
  ctr(key: Uint8Array, iv: Uint8Array, data: Uint8Array): Uint8Array;
  gcmEncrypt(key: Uint8Array, iv: Uint8Array, plaintext: Uint8Array, aad: Uint8Array, tagBytes: number): AesGcmResult;
  gcmDecrypt(key: Uint8Array, iv: Uint8Array, ciphertext: Uint8Array, tag: Uint8Array, aad: Uint8Array): Uint8Array;
}

function aesFamily(ciphers: AesCiphers): AesFamily {
  const family: AesFamily = {
    aesEcbEncryptBlock(key, block) {
      checkAesKey(key);
      checkLength(block, AES_BLOCK_BYTES, 'block');
      return ciphers.ecbBlock(key, block);
    },
    aesCbcEncrypt(key, iv, data, options) {
      checkAesKey(key);
      const padded = checkPadding(options);
      checkCbcInput(iv, data, false, padded);
      return ciphers.cbc('encrypt', key, iv, data, padded);
    },
    aesCbcDecrypt(key, iv, data, options) {
      checkAesKey(key);
      const padded = checkPadding(options);
      checkCbcInput(iv, data, true, padded);
      return guard('DECRYPTION_FAILED', 'AES-CBC padding was wrong', () => ciphers.cbc('decrypt', key, iv, data, padded));
    },
    aesCtr(key, iv, data) {
      checkAesKey(key);
      checkLength(iv, AES_BLOCK_BYTES, 'iv');
      checkBytes(data, 'data');
      return ciphers.ctr(key, iv, data);
    },
    aesGcmEncrypt(key, iv, plaintext, aad, tagBytes) {
      checkAesKey(key);
      checkGcm(iv, tagBytes);
      checkBytes(plaintext, 'plaintext');
      checkBytes(aad, 'aad');
      return ciphers.gcmEncrypt(key, iv, plaintext, aad, tagBytes);
    },
    aesGcmDecrypt(key, iv, ciphertext, tag, aad) {
      checkAesKey(key);
      checkBytes(tag, 'tag');
      checkGcm(iv, tag.length);
      checkBytes(ciphertext, 'ciphertext');
      checkBytes(aad, 'aad');
      return guard('DECRYPTION_FAILED', 'AES-GCM tag did not authenticate', () =>
        ciphers.gcmDecrypt(key, iv, ciphertext, tag, aad),
      );
    },
  };
  return Object.freeze(family);
}

// node:crypto

/** node:crypto's IV limit for GCM (longer IVs go through gcm.ts). */
const NODE_GCM_MAX_IV_BYTES = 128;

/** OpenSSL's cipher name for an AES key and a mode, e.g. aes-256-gcm. */
export function aesCipherName(key: Uint8Array, mode: string): string {
  return `aes-${key.length * 8}-${mode}`;
}

/** Runs a node:crypto cipher over all of `data`. */
export function runCipher(cipher: { update(data: Buffer): Buffer; final(): Buffer }, data: Uint8Array): Uint8Array {
  const head = cipher.update(bufferOf(data));
  const tail = cipher.final();
  // Stream modes (GCM, CTR) finish with nothing: hand back the one output without copying it again.
  return plain(tail.length === 0 ? head : Buffer.concat([head, tail]));
}

export const aesNode: AesFamily = aesFamily({
  ecbBlock(key, block) {
    const cipher = createCipheriv(aesCipherName(key, 'ecb'), key, null);
    cipher.setAutoPadding(false);
    return runCipher(cipher, block);
  },
  cbc(direction, key, iv, data, padded) {
    const cipher = (direction === 'encrypt' ? createCipheriv : createDecipheriv)(aesCipherName(key, 'cbc'), key, iv);
    cipher.setAutoPadding(padded);
    return runCipher(cipher, data);
  },
  ctr: (key, iv, data) => runCipher(createCipheriv(aesCipherName(key, 'ctr'), key, iv), data),
  gcmEncrypt(key, iv, plaintext, aad, tagBytes) {
    if (iv.length > NODE_GCM_MAX_IV_BYTES) return gcmEncrypt(key, iv, plaintext, aad, tagBytes);
    const cipher = createCipheriv(aesCipherName(key, 'gcm') as 'aes-128-gcm', key, iv, { authTagLength: tagBytes });
    if (aad.length > 0) cipher.setAAD(aad);
    const ciphertext = runCipher(cipher, plaintext);
    return { ciphertext, tag: plain(cipher.getAuthTag()) };
  },
  gcmDecrypt(key, iv, ciphertext, tag, aad) {
    if (iv.length > NODE_GCM_MAX_IV_BYTES) return gcmDecrypt(key, iv, ciphertext, tag, aad);
    const decipher = createDecipheriv(aesCipherName(key, 'gcm') as 'aes-128-gcm', key, iv, { authTagLength: tag.length });
    decipher.setAuthTag(tag);
    if (aad.length > 0) decipher.setAAD(aad);
    return runCipher(decipher, ciphertext);
  },
});

// @noble/ciphers

/** noble's gcm() takes IVs of 8 bytes or more and full tags only. */
const NOBLE_GCM_MIN_IV_BYTES = 8;
const FULL_GCM_TAG_BYTES = 16;

export const aesNoble: AesFamily = aesFamily({
  ecbBlock: (key, block) => nobleAes().ecb(key, { disablePadding: true }).encrypt(block),
  cbc(direction, key, iv, data, padded) {
    const cbc = nobleAes().cbc(key, iv, { disablePadding: !padded });
    return direction === 'encrypt' ? cbc.encrypt(data) : cbc.decrypt(data);
  },
  ctr: (key, iv, data) => nobleAes().ctr(key, iv).encrypt(data),
  gcmEncrypt(key, iv, plaintext, aad, tagBytes) {
    if (iv.length < NOBLE_GCM_MIN_IV_BYTES || tagBytes !== FULL_GCM_TAG_BYTES) return gcmEncrypt(key, iv, plaintext, aad, tagBytes);
    const out = nobleAes().gcm(key, iv, aad).encrypt(plaintext);
    return { ciphertext: out.slice(0, plaintext.length), tag: out.slice(plaintext.length) };
  },
  gcmDecrypt(key, iv, ciphertext, tag, aad) {
    if (iv.length < NOBLE_GCM_MIN_IV_BYTES || tag.length !== FULL_GCM_TAG_BYTES) return gcmDecrypt(key, iv, ciphertext, tag, aad);
    return nobleAes().gcm(key, iv, aad).decrypt(concatBytes(ciphertext, tag));
  },
});
