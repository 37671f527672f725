/**
 * RSA encoding methods of RFC 8017, written once over an abstract hash so both providers can use
 * them around a raw RSA operation: EMSA-PKCS1-v1_5 (§9.2), EMSA-PSS (§9.1) with MGF1 (B.2.1),
 * EME-OAEP (§7.1) and EME-PKCS1-v1_5 (§7.2).
 *
 * The noble provider always pads here (with @noble/hashes); the node provider uses OpenSSL's own
 * padding and comes here only for what node:crypto cannot do: prehashed PSS, an MGF1 hash that
 * differs from the message hash, and PKCS#1 v1.5 decryption (node 20 refuses it since
 * CVE-2023-46809). The decoders check every byte before deciding and fail with one error, but this
 * is an emulator: no claim of resistance to Bleichenbacher/Manger/Marvin timing oracles is made.
 */
import { decryptionFailed, equalBytes, invalidArgument } from './checks.js';
import { encodeDigestInfo } from './der.js';
import type { HashName, RandomBytes } from './provider.js';

/** A hash as the encodings need it: the function and its output length. */
export interface HashFunction {
  readonly bytes: number;
  (data: Uint8Array): Uint8Array;
}

export function hashFunction(fn: (data: Uint8Array) => Uint8Array, bytes: number): HashFunction {
  return Object.assign((data: Uint8Array) => fn(data), { bytes });
}

export function mgf1(hash: HashFunction, seed: Uint8Array, length: number): Uint8Array {
  const out = new Uint8Array(Math.ceil(length / hash.bytes) * hash.bytes);
  const input = new Uint8Array(seed.length + 4);
  input.set(seed);
  for (let counter = 0, offset = 0; offset < length; counter++, offset += hash.bytes) {
    new DataView(input.buffer).setUint32(seed.length, counter);
    out.set(hash(input), offset);
  }
  return out.subarray(0, length);
}

function xorInto(target: Uint8Array, mask: Uint8Array): void {
  for (let i = 0; i < target.length; i++) target[i]! ^= mask[i]!;
}

// EMSA-PKCS1-v1_5

export function emsaPkcs1v15Encode(hash: HashName, digest: Uint8Array, emLen: number): Uint8Array {
  const t = encodeDigestInfo(hash, digest);
  if (emLen < t.length + 11) throw invalidArgument(`the RSA modulus is too short for a ${hash} PKCS#1 v1.5 signature`);
  const em = new Uint8Array(emLen).fill(0xff);
  em[0] = 0x00;
  em[1] = 0x01;
  em[emLen - t.length - 1] = 0x00;
  em.set(t, emLen - t.length);
  return em;
}

// EMSA-PSS

export function checkPssSalt(saltBytes: number, hashBytes: number, modulusBits: number): void {
  const emLen = Math.ceil((modulusBits - 1) / 8);
  const max = emLen - hashBytes - 2;
  if (!Number.isInteger(saltBytes) || saltBytes < 0 || saltBytes > max) {
    throw invalidArgument(`salt length must be an integer in [0, ${max}] for this key and hash, got ${saltBytes}`);
  }
}

export function emsaPssEncode(
  mHash: Uint8Array,
  emBits: number,
  hash: HashFunction,
  mgfHash: HashFunction,
  salt: Uint8Array,
): Uint8Array {
  const emLen = Math.ceil(emBits / 8);
  const hLen = hash.bytes;
  if (emLen < hLen + salt.length + 2) throw invalidArgument('the RSA modulus is too short for this PSS hash and salt');
  const mPrime = new Uint8Array(8 + hLen + salt.length);
  mPrime.set(mHash, 8);
  mPrime.set(salt, 8 + hLen);
  const h = hash(mPrime);
  const db = new Uint8Array(emLen - hLen - 1);
  db[emLen - salt.length - hLen - 2] = 0x01;
  db.set(salt, emLen - salt.length - hLen - 1);
  xorInto(db, mgf1(mgfHash, h, db.length));
  db[0]! &= 0xff >> (8 * emLen - emBits);
  const em = new Uint8Array(emLen);
  em.set(db);
  em.set(h, db.length);
  em[emLen - 1] = 0xbc;
  return em;
}

/** `em` is exactly ceil(emBits/8) bytes. */
export function emsaPssVerify(
  mHash: Uint8Array,
  em: Uint8Array,
  emBits: number,
  hash: HashFunction,
  mgfHash: HashFunction,
  saltBytes: number,
): boolean {
  const emLen = Math.ceil(emBits / 8);
  const hLen = hash.bytes;
  if (em.length !== emLen || emLen < hLen + saltBytes + 2) return false;
  if (em[emLen - 1] !== 0xbc) return false;
  const topMask = 0xff >> (8 * emLen - emBits);
  if ((em[0]! & ~topMask & 0xff) !== 0) return false;
  const db = em.slice(0, emLen - hLen - 1);
  const h = em.subarray(emLen - hLen - 1, emLen - 1);
  xorInto(db, mgf1(mgfHash, h, db.length));
  db[0]! &= topMask;
  const psLen = emLen - hLen - saltBytes - 2;
  for (let i = 0; i < psLen; i++) if (db[i] !== 0) return false;
  if (db[psLen] !== 0x01) return false;
  const mPrime = new Uint8Array(8 + hLen + saltBytes);
  mPrime.set(mHash, 8);
  mPrime.set(db.subarray(db.length - saltBytes), 8 + hLen);
  return equalBytes(hash(mPrime), h);
}

// EME-OAEP

export function checkOaepMessage(messageBytes: number, k: number, hashBytes: number): void {
  const max = k - 2 * hashBytes - 2;
  if (max < 0) throw invalidArgument('the RSA modulus is too short for OAEP with this hash');
  if (messageBytes > max) throw invalidArgument(`OAEP plaintext must be at most ${max} bytes for this key and hash, got ${messageBytes}`);
}

export function emeOaepEncode(
  message: Uint8Array,
  k: number,
  label: Uint8Array,
  hash: HashFunction,
  mgfHash: HashFunction,
  seed: Uint8Array,
): Uint8Array {
  const hLen = hash.bytes;
  checkOaepMessage(message.length, k, hLen);
  const db = new Uint8Array(k - hLen - 1);
  db.set(hash(label));
  db[db.length - message.length - 1] = 0x01;
  db.set(message, db.length - message.length);
  xorInto(db, mgf1(mgfHash, seed, db.length));
  const maskedSeed = seed.slice();
  xorInto(maskedSeed, mgf1(mgfHash, db, hLen));
  const em = new Uint8Array(k);
  em.set(maskedSeed, 1);
  em.set(db, 1 + hLen);
  return em;
}

/** `em` is the k-byte RSA output. One error for every failure (RFC 8017 §7.1.2 note). */
export function emeOaepDecode(
  em: Uint8Array,
  k: number,
  label: Uint8Array,
  hash: HashFunction,
  mgfHash: HashFunction,
): Uint8Array {
  const hLen = hash.bytes;
  if (em.length !== k || k < 2 * hLen + 2) throw decryptionFailed('OAEP decryption failed');
  const seed = em.slice(1, 1 + hLen);
  const db = em.slice(1 + hLen);
  xorInto(seed, mgf1(mgfHash, db, hLen));
  xorInto(db, mgf1(mgfHash, seed, db.length));
  let bad = em[0]! | (equalBytes(db.subarray(0, hLen), hash(label)) ? 0 : 1);
  // Find the 0x01 separator after the zero padding without an early exit.
  let separator = -1;
  let lookingForSeparator = 1;
  for (let i = hLen; i < db.length; i++) {
    const isOne = db[i] === 0x01 ? 1 : 0;
    const isZero = db[i] === 0x00 ? 1 : 0;
    if (lookingForSeparator && isOne) separator = i;
    bad |= lookingForSeparator & (1 - isOne) & (1 - isZero);
    lookingForSeparator &= 1 - isOne;
  }
  bad |= lookingForSeparator;
  if (bad !== 0 || separator < 0) throw decryptionFailed('OAEP decryption failed');
  return db.slice(separator + 1);
}

// EME-PKCS1-v1_5

export function checkPkcs1Message(messageBytes: number, k: number): void {
  if (messageBytes > k - 11) throw invalidArgument(`PKCS#1 v1.5 plaintext must be at most ${k - 11} bytes for this key, got ${messageBytes}`);
}

export function emePkcs1v15Encode(message: Uint8Array, k: number, random: RandomBytes): Uint8Array {
  checkPkcs1Message(message.length, k);
  const psLen = k - message.length - 3;
  const em = new Uint8Array(k);
  em[1] = 0x02;
  let filled = 0;
  while (filled < psLen) {
    for (const b of random(psLen - filled)) if (b !== 0 && filled < psLen) em[2 + filled++] = b;
  }
  em.set(message, k - message.length);
  return em;
}

export function emePkcs1v15Decode(em: Uint8Array, k: number): Uint8Array {
  if (em.length !== k || k < 11) throw decryptionFailed('PKCS#1 v1.5 decryption failed');
  let bad = em[0]! | (em[1]! ^ 0x02);
  let separator = -1;
  for (let i = 2; i < k; i++) {
    if (separator < 0 && em[i] === 0) separator = i;
  }
  // At least 8 bytes of non-zero padding (RFC 8017 §7.2.2 step 3).
  if (separator < 10) bad |= 1;
  if (bad !== 0) throw decryptionFailed('PKCS#1 v1.5 decryption failed');
  return em.slice(separator + 1);
}
