/**
 * AES key wrap, SP 800-38F: KW (RFC 3394; key data a multiple of 8 bytes, at least 16) and KWP
 * (RFC 5649; key data of any length ≥ 1 byte), on node:crypto's id-aesN-wrap(-pad) ciphers and on
 * @noble/ciphers. The checks and the errors are written once; each backend supplies the wrap.
 */
import { createCipheriv, createDecipheriv } from 'node:crypto';
import {
  checkAesKey,
  checkKeyUnwrapInput,
  checkKeyUnwrapPadInput,
  checkKeyWrapInput,
  checkKeyWrapPadInput,
  guard,
} from '../checks.js';
import { nobleAes } from '../noble.js';
import type { CryptoProvider } from '../provider.js';
import { KEY_WRAP_IVS } from '../table.js';
import { runCipher } from './aes.js';

export type AesWrapFamily = Pick<CryptoProvider, 'aesKeyWrap' | 'aesKeyUnwrap' | 'aesKeyWrapPad' | 'aesKeyUnwrapPad'>;

type Variant = 'kw' | 'kwp';

/** What a backend supplies: wrap and unwrap on checked input; a failed unwrap may throw anything. */
interface KeyWrapCiphers {
  wrap(variant: Variant, kek: Uint8Array, keyData: Uint8Array): Uint8Array;
  unwrap(variant: Variant, kek: Uint8Array, wrapped: Uint8Array): Uint8Array;
}

function aesWrapFamily(ciphers: KeyWrapCiphers): AesWrapFamily {
  const family: AesWrapFamily = {
    aesKeyWrap(kek, keyData) {
      checkAesKey(kek, 'wrapping key');
      checkKeyWrapInput(keyData);
      return ciphers.wrap('kw', kek, keyData);
    },
    aesKeyUnwrap(kek, wrapped) {
      checkAesKey(kek, 'wrapping key');
      checkKeyUnwrapInput(wrapped);
      return guard('DECRYPTION_FAILED', 'AES key unwrap integrity check failed', () => ciphers.unwrap('kw', kek, wrapped));
    },
    aesKeyWrapPad(kek, keyData) {
      checkAesKey(kek, 'wrapping key');
      checkKeyWrapPadInput(keyData);
      return ciphers.wrap('kwp', kek, keyData);
    },
    aesKeyUnwrapPad(kek, wrapped) {
      checkAesKey(kek, 'wrapping key');
      checkKeyUnwrapPadInput(wrapped);
      return guard('DECRYPTION_FAILED', 'AES key unwrap (with padding) integrity check failed', () =>
        ciphers.unwrap('kwp', kek, wrapped),
      );
    },
  };
  return Object.freeze(family);
}

/** OpenSSL's ciphers and their default ICVs: RFC 3394 §2.2.3.1 and RFC 5649 §3 (the AIV's constant half), from the table. */
const NODE_WRAP = {
  kw: { suffix: 'wrap', iv: Buffer.from(KEY_WRAP_IVS['aes-key-wrap'], 'hex') },
  kwp: { suffix: 'wrap-pad', iv: Buffer.from(KEY_WRAP_IVS['aes-key-wrap-pad'], 'hex') },
} as const;

function nodeWrapCipherName(variant: Variant, kek: Uint8Array): string {
  return `id-aes${kek.length * 8}-${NODE_WRAP[variant].suffix}`;
}

export const aesWrapNode: AesWrapFamily = aesWrapFamily({
  wrap: (variant, kek, keyData) => runCipher(createCipheriv(nodeWrapCipherName(variant, kek), kek, NODE_WRAP[variant].iv), keyData),
  unwrap: (variant, kek, wrapped) =>
    runCipher(createDecipheriv(nodeWrapCipherName(variant, kek), kek, NODE_WRAP[variant].iv), wrapped),
});

function nobleWrap(variant: Variant, kek: Uint8Array): { encrypt(data: Uint8Array): Uint8Array; decrypt(data: Uint8Array): Uint8Array } {
  return variant === 'kw' ? nobleAes().aeskw(kek) : nobleAes().aeskwp(kek);
}

export const aesWrapNoble: AesWrapFamily = aesWrapFamily({
  wrap: (variant, kek, keyData) => nobleWrap(variant, kek).encrypt(keyData),
  unwrap: (variant, kek, wrapped) => nobleWrap(variant, kek).decrypt(wrapped),
});
