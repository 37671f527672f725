/**
 * MACs: HMAC (RFC 2104 / FIPS 198-1) over the digest family's hashes, and AES-CMAC (RFC 4493 /
 * SP 800-38B) with a 16-byte tag, on node:crypto and on @noble/hashes and @noble/ciphers.
 * Node 20 has no CMAC API, so its CMAC is RFC 4493 written here over OpenSSL's AES.
 */
import { createCipheriv, createHmac } from 'node:crypto';
import { checkAesKey, checkBytes, checkHash, plain } from '../checks.js';
import { nobleAes, nobleHmac } from '../noble.js';
import { AES_BLOCK_BYTES } from '../table.js';
import type { CryptoProvider, HashName } from '../provider.js';
import { aesCipherName, aesNode, runCipher } from './aes.js';
import { digestNoble } from './digest.js';

export type MacFamily = Pick<CryptoProvider, 'hmac' | 'cmac'>;

/** What a backend supplies: the MACs on checked input. */
interface MacFunctions {
  hmac(hash: HashName, key: Uint8Array, data: Uint8Array): Uint8Array;
  cmac(key: Uint8Array, data: Uint8Array): Uint8Array;
}

function macFamily(macs: MacFunctions): MacFamily {
  const family: MacFamily = {
    hmac(hash, key, data) {
      checkHash(hash);
      checkBytes(key, 'key');
      checkBytes(data, 'data');
      return macs.hmac(hash, key, data);
    },
    cmac(key, data) {
      checkAesKey(key);
      checkBytes(data, 'data');
      return macs.cmac(key, data);
    },
  };
  return Object.freeze(family);
}

/** RFC 4493 §2.3 doubling in GF(2^128). */
function dbl(block: Uint8Array): Uint8Array {
  const out = new Uint8Array(AES_BLOCK_BYTES);
  for (let i = 0; i < AES_BLOCK_BYTES; i++) out[i] = ((block[i]! << 1) | (i < 15 ? block[i + 1]! >> 7 : 0)) & 0xff;
  if (block[0]! & 0x80) out[15]! ^= 0x87;
  return out;
}

/** RFC 4493 §2.4: CBC-MAC over the message with the last block masked by K1 or padded and masked by K2. */
function cmacOverOpenSsl(key: Uint8Array, data: Uint8Array): Uint8Array {
  const l = aesNode.aesEcbEncryptBlock(key, new Uint8Array(AES_BLOCK_BYTES));
  const k1 = dbl(l);
  const k2 = dbl(k1);
  const blocks = Math.max(1, Math.ceil(data.length / AES_BLOCK_BYTES));
  const complete = data.length > 0 && data.length % AES_BLOCK_BYTES === 0;
  const m = new Uint8Array(blocks * AES_BLOCK_BYTES);
  m.set(data);
  if (!complete) m[data.length] = 0x80;
  const mask = complete ? k1 : k2;
  for (let i = 0; i < AES_BLOCK_BYTES; i++) m[(blocks - 1) * AES_BLOCK_BYTES + i]! ^= mask[i]!;
  const cipher = createCipheriv(aesCipherName(key, 'cbc'), key, Buffer.alloc(AES_BLOCK_BYTES));
  cipher.setAutoPadding(false);
  return runCipher(cipher, m).slice(-AES_BLOCK_BYTES);
}

export const macNode: MacFamily = macFamily({
  hmac: (hash, key, data) => plain(createHmac(hash, key).update(data).digest()),
  cmac: cmacOverOpenSsl,
});

export const macNoble: MacFamily = macFamily({
  hmac(hash, key, data) {
    const fn = digestNoble.hasher(hash) as Parameters<ReturnType<typeof nobleHmac>['hmac']>[0];
    return nobleHmac().hmac(fn, key, data);
  },
  cmac: (key, data) => nobleAes().cmac(data, key),
});
