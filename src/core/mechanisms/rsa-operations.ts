/**
 * The RFC 8017 operations written over raw RSA (rsa-keys.ts) and the encodings of rsa-padding.ts,
 * once for both providers: the noble provider does all its RSA this way, and the node provider
 * falls back to it where OpenSSL cannot serve (PSS over a digest or with another MGF1 hash, OAEP
 * with another MGF1 hash, and PKCS#1 v1.5 decryption, which node 20 refuses since CVE-2023-46809).
 * The hashes and the randomness stay the caller's, so each provider keeps its own.
 */
import { decryptionFailed, guard, leftPadTo, verifyGuard } from './checks.js';
import { emePkcs1v15Decode, emeOaepDecode, emeOaepEncode, emsaPssEncode, emsaPssVerify, type HashFunction } from './rsa-padding.js';
import { rsaRawPrivate, rsaRawPublic, type RsaKeyObjects } from './rsa-keys.js';

/** RSASSA-PSS-SIGN (§8.1.1) of the message digest mHash with the given salt. */
export function pssSign(rsa: RsaKeyObjects, mHash: Uint8Array, hash: HashFunction, mgf: HashFunction, salt: Uint8Array): Uint8Array {
  return rsaRawPrivate(rsa, leftPadTo(emsaPssEncode(mHash, rsa.modulusBits - 1, hash, mgf, salt), rsa.k));
}

/** RSASSA-PSS-VERIFY (§8.1.2); the caller has checked that the signature is k bytes. */
export function pssVerify(
  rsa: RsaKeyObjects,
  mHash: Uint8Array,
  signature: Uint8Array,
  hash: HashFunction,
  mgf: HashFunction,
  saltBytes: number,
): boolean {
  return verifyGuard(() => {
    const m = rsaRawPublic(rsa, signature);
    const emBits = rsa.modulusBits - 1;
    const emLen = Math.ceil(emBits / 8);
    for (let i = 0; i < rsa.k - emLen; i++) if (m[i] !== 0) return false;
    return emsaPssVerify(mHash, m.subarray(rsa.k - emLen), emBits, hash, mgf, saltBytes);
  });
}

/** RSAES-OAEP-ENCRYPT (§7.1.1) with the given seed (hash length). */
export function oaepEncrypt(
  rsa: RsaKeyObjects,
  data: Uint8Array,
  label: Uint8Array,
  hash: HashFunction,
  mgf: HashFunction,
  seed: Uint8Array,
): Uint8Array {
  return rsaRawPublic(rsa, emeOaepEncode(data, rsa.k, label, hash, mgf, seed));
}

/** RSAES-OAEP-DECRYPT (§7.1.2); the caller has checked that the ciphertext is k bytes. */
export function oaepDecrypt(rsa: RsaKeyObjects, data: Uint8Array, label: Uint8Array, hash: HashFunction, mgf: HashFunction): Uint8Array {
  const em = guard('DECRYPTION_FAILED', 'OAEP decryption failed', () => rsaRawPrivate(rsa, data));
  return emeOaepDecode(em, rsa.k, label, hash, mgf);
}

/** RSAES-PKCS1-V1_5-DECRYPT (§7.2.2). */
export function pkcs1Decrypt(rsa: RsaKeyObjects, data: Uint8Array): Uint8Array {
  if (data.length !== rsa.k) throw decryptionFailed('PKCS#1 v1.5 decryption failed');
  const em = guard('DECRYPTION_FAILED', 'PKCS#1 v1.5 decryption failed', () => rsaRawPrivate(rsa, data));
  return emePkcs1v15Decode(em, rsa.k);
}
