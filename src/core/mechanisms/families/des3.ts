/**
 * Triple DES (TDEA, NIST SP 800-67 Rev. 2) in its three-key form (keying option 1, PKCS #11
 * CKK_DES3): one 8-byte block in ECB mode, which is what the key check value of a DES3 key needs
 * (keys.md §4: the first 3 bytes of encrypting 8 zero bytes), and the key rules of SP 800-67
 * §3.1 (each key byte carries odd parity in its low bit) and §3.3 (K1 ≠ K2 and K2 ≠ K3, or the
 * cipher collapses to single DES).
 *
 * @noble/ciphers implements no DES, so both providers use node:crypto's des-ede3 here, as they do
 * for RSA: the cross-check between the providers says nothing for this family, the SP 800-67
 * known answer in the tests does.
 */
import { createCipheriv } from 'node:crypto';
import { checkLength } from '../checks.js';
import { DES3_BLOCK_BYTES, DES3_KEY_BYTES } from '../table.js';
import type { CryptoProvider } from '../provider.js';
import { runCipher } from './aes.js';

export type Des3Family = Pick<CryptoProvider, 'des3EcbEncryptBlock'>;

/** The length of one DES key inside a DES3 key. */
const DES_KEY_BYTES = 8;

export const des3Node: Des3Family = Object.freeze({
  des3EcbEncryptBlock(key: Uint8Array, block: Uint8Array): Uint8Array {
    checkLength(key, DES3_KEY_BYTES, 'key');
    checkLength(block, DES3_BLOCK_BYTES, 'block');
    const cipher = createCipheriv('des-ede3', key, null);
    cipher.setAutoPadding(false);
    return runCipher(cipher, block);
  },
} satisfies Des3Family);

/** The noble provider's DES3 is node:crypto's (see the module header). */
export const des3Noble: Des3Family = des3Node;

/** SP 800-67 §3.1: the key with each byte's low bit set so that the byte has odd parity. */
export function withOddParity(key: Uint8Array): Uint8Array {
  return key.map((byte) => {
    const high = byte & 0xfe;
    let ones = 0;
    for (let bit = 1; bit < 0x100; bit <<= 1) if (high & bit) ones++;
    return high | (ones % 2 === 0 ? 1 : 0);
  });
}

/**
 * SP 800-67 §3.3: a three-key DES3 key whose K1 equals K2, or K2 equals K3, is single DES. The
 * parity bits are not part of a DES key, so they are left out of the comparison.
 */
export function isDegenerateDes3Key(key: Uint8Array): boolean {
  if (key.length !== DES3_KEY_BYTES) return false;
  const part = (i: number) => Array.from(key.subarray(i * DES_KEY_BYTES, (i + 1) * DES_KEY_BYTES), (b) => b & 0xfe).join(',');
  return part(0) === part(1) || part(1) === part(2);
}
