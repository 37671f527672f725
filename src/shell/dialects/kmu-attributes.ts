/**
 * What KMU adds to the shared numeric attribute view (legacy-attributes.ts, legacy-shells.md
 * §1): its shorter listAttributes, the "attr size" of a 512 dump and the creation defaults KMU
 * keys get.
 */
import { attributeListText as listText, type RenderedAttribute } from './legacy-attributes.js';

/** §1: KMU's listAttributes prints this shorter list, in this order. */
const KMU_LIST = [0, 1, 2, 3, 256, 260, 261, 262, 263, 264, 266, 355, 288, 289, 290, 353, 354, 371];

export function attributeListText(): string {
  return listText('Following are the possible attribute values for getAttributes:', KMU_LIST);
}

/**
 * [assumed] "attr size" of an `-a 512` dump: each attribute as a type-length-value record
 * (4-byte type, 4-byte length, the value).
 */
export function dumpSize(attrs: readonly RenderedAttribute[]): number {
  return attrs.reduce((sum, a) => sum + 8 + a.bytes, 0);
}

/**
 * §1 creation defaults of KMU keys, as overrides of the core's defaults (which follow the
 * CloudHSM CLI): AES keys encrypt/decrypt/wrap/unwrap and do not sign; DES3 keys encrypt and
 * decrypt only (the documented dump of a 3DES key shows WRAP and UNWRAP 0); RSA public keys encrypt,
 * wrap and verify, RSA private keys decrypt, unwrap and sign; EC private keys sign and EC public
 * keys verify. Generic secrets get sign/verify 0 ("HMAC use requires setting SIGN/VERIFY").
 */
export function kmuDefaults(keyClass: 'secret-key' | 'public-key' | 'private-key', keyType: string): string[] {
  const on = (...names: string[]) => names.map((n) => `${n}=true`);
  const off = (...names: string[]) => names.map((n) => `${n}=false`);
  if (keyClass === 'secret-key') {
    if (keyType === 'aes') return [...on('encrypt', 'decrypt', 'wrap', 'unwrap'), ...off('sign', 'verify')];
    return keyType === 'des3' ? [...on('encrypt', 'decrypt'), ...off('sign', 'verify')] : off('sign', 'verify');
  }
  if (keyType === 'rsa') return keyClass === 'public-key' ? on('encrypt', 'wrap', 'verify') : on('decrypt', 'unwrap', 'sign');
  return keyClass === 'public-key' ? on('verify') : on('sign');
}
