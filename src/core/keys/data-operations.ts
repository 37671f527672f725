/**
 * Extensions beyond the CloudHSM CLI that the real service offers only through its SDKs
 * (PRODUCT.md "Extensions"): digest, HMAC, symmetric and RSA-OAEP encryption, AES key wrap of
 * data (PKCS #11 CKM_AES_KEY_WRAP / CKM_AES_KEY_WRAP_KWP used with C_Encrypt / C_Decrypt), and
 * random bytes.
 * They follow the CLI's conventions: a crypto user selects a key it owns or that is shared with
 * it (`--key-filter`), the key must carry the usage attribute (sign/verify for HMAC,
 * encrypt/decrypt for ciphers), and binary results come back as bytes for the presenter.
 */
import { timingSafeEqual } from 'node:crypto';
import { HsmError } from '../errors.js';
import { defineOperation, type Actor, type ClusterInput, type OperationEnv } from '../engine.js';
import type { ClusterRecord } from '../cluster/model.js';
import type { ReadView, Transaction } from '../store/index.js';
import { AES_BLOCK_BYTES, HASH_BYTES, HASH_NAMES, type AesPadding, type CryptoProvider, type HashName } from '../mechanisms/provider.js';
import { CIPHERS, CMAC_MIN_MAC_BYTES, HMAC_MIN_MAC_BYTES, KEY_WRAP_IVS, type CipherMechanism } from '../mechanisms/table.js';
import { CIPHER_MECHANISMS, GCM_FULL_TAG_BITS, GCM_TAG_BITS, mgf1Hash, mgf1Name, OAEP_HASHES, orList } from '../mechanisms/choices.js';
import { selectKey } from './filters.js';
import type { KeySelector } from './selector.js';
import { formatReference, type KeyRecord } from './model.js';
import { cryptoOf, preparedKey, secretMaterial } from './prepared.js';
import { hasTransported } from './transport.js';
import { bytesArg, parseHex } from './wrap.js';
import { requireAvailable } from '../client/config.js';

/** crypto random: at most this many bytes per call. */
export const RANDOM_MAX_BYTES = 1024 * 1024;
export { CIPHER_MECHANISMS, type CipherMechanism };

function checkHash(hash: string | undefined, allowed: readonly HashName[]): HashName {
  if (!hash || !allowed.includes(hash as HashName)) {
    throw new HsmError('INVALID_ARGUMENT', `--hash-function must be one of ${allowed.join(', ')}${hash ? `, not "${hash}"` : ''}`);
  }
  return hash as HashName;
}

function useKey(tx: Transaction, cluster: ClusterRecord, actor: Actor, selector: KeySelector, sessionKeys: Map<number, KeyRecord>, usage: 'sign' | 'verify' | 'encrypt' | 'decrypt', accept: (k: KeyRecord) => string | undefined): KeyRecord {
  const key = selectKey(tx, cluster.clusterId, actor, selector, sessionKeys);
  const problem = accept(key);
  if (problem) throw new HsmError('INVALID_ARGUMENT', `key ${formatReference(key.ref)} ${problem}`);
  if (!key.attributes[usage]) {
    throw new HsmError('KEY_ATTRIBUTE_REFUSED', `key ${formatReference(key.ref)} has ${usage}=false; its owner can allow it with \`key set-attribute --filter key-reference=${formatReference(key.ref)} --name ${usage} --value true\``);
  }
  requireAvailable(tx, cluster, key);
  return key;
}

export interface DigestInput extends ClusterInput {
  hash: string;
  data: Uint8Array;
}

export const digest = defineOperation({
  name: 'Digest',
  cluster: 'hsm',
  access: 'crypto-user',
  activated: true,
  write: false,
  run: ({ ctx }, input: DigestInput) => ({ digest: cryptoOf(ctx).digest(checkHash(input.hash, HASH_NAMES), input.data) }),
});

export interface MacInput extends ClusterInput {
  keyFilter: KeySelector;
  data: Uint8Array;
  /** The MAC to check (verify). */
  mac?: Uint8Array;
  /** Length of the MAC in bytes: generate cuts the full MAC to it, verify expects it (default full). */
  macLengthBytes?: number;
}

export interface HmacInput extends MacInput {
  hash: string;
}

const hmacKey = (k: KeyRecord) => (k.keyType === 'generic-secret' || k.keyType === 'aes' ? undefined : `is ${k.keyType === 'ec' ? 'an EC' : `a ${k.keyType}`} key; HMAC takes a generic-secret or AES key`);
const cmacKey = (k: KeyRecord) => (k.keyType === 'aes' ? undefined : `is ${k.keyType === 'ec' ? 'an EC' : `a ${k.keyType}`} key; AES-CMAC takes an AES key`);

/**
 * The MAC length a call asks for. Truncated MACs follow the standards' floors: HMAC at least
 * half the hash output and at least 80 bits (RFC 2104 §5, as PKCS #11's CKM_*_HMAC_GENERAL is
 * used); AES-CMAC at least 64 bits (SP 800-38B Appendix A).
 */
function macLength(input: MacInput, full: number, floor: number, what: string): number {
  const length = input.macLengthBytes ?? full;
  if (!Number.isInteger(length) || length < floor || length > full) {
    throw new HsmError('INVALID_ARGUMENT', `--mac-length-bytes for ${what} must be ${floor} to ${full}, not ${input.macLengthBytes}`);
  }
  return length;
}

function checkMac(expected: Uint8Array, given: Uint8Array | undefined): { message: string } {
  const mac = given ?? new Uint8Array(0);
  if (mac.length !== expected.length) {
    throw new HsmError('VERIFICATION_FAILED', `MAC verification failed: the MAC has ${mac.length} bytes, ${expected.length} were expected (give --mac-length-bytes for a truncated MAC)`);
  }
  if (!timingSafeEqual(mac, expected)) throw new HsmError('VERIFICATION_FAILED', 'MAC verification failed');
  return { message: 'MAC verified successfully' };
}

type MacEnv = OperationEnv<undefined>;

function hmacOf({ ctx, tx, cluster, actor, sessionKeys }: MacEnv, input: HmacInput, usage: 'sign' | 'verify'): { key: KeyRecord; mac: Uint8Array } {
  const hash = checkHash(input.hash, HASH_NAMES);
  const length = macLength(input, HASH_BYTES[hash], Math.max(HMAC_MIN_MAC_BYTES, HASH_BYTES[hash] / 2), `HMAC-${hash.toUpperCase()}`);
  const key = useKey(tx, cluster, actor!, input.keyFilter, sessionKeys, usage, hmacKey);
  return { key, mac: cryptoOf(ctx).hmac(hash, secretMaterial(key), input.data).subarray(0, length) };
}

function cmacOf({ ctx, tx, cluster, actor, sessionKeys }: MacEnv, input: MacInput, usage: 'sign' | 'verify'): { key: KeyRecord; mac: Uint8Array } {
  const length = macLength(input, AES_BLOCK_BYTES, CMAC_MIN_MAC_BYTES, 'AES-CMAC');
  const key = useKey(tx, cluster, actor!, input.keyFilter, sessionKeys, usage, cmacKey);
  return { key, mac: cryptoOf(ctx).cmac(secretMaterial(key), input.data).subarray(0, length) };
}

export const hmacGenerate = defineOperation({
  name: 'HmacGenerate',
  cluster: 'hsm',
  access: 'crypto-user',
  activated: true,
  write: false,
  run: (env, input: HmacInput) => {
    const { key, mac } = hmacOf(env, input, 'sign');
    return { keyRef: key.ref, mac };
  },
});

export const hmacVerify = defineOperation({
  name: 'HmacVerify',
  cluster: 'hsm',
  access: 'crypto-user',
  activated: true,
  write: false,
  run: (env, input: HmacInput) => checkMac(hmacOf(env, input, 'verify').mac, input.mac),
});

export const cmacGenerate = defineOperation({
  name: 'CmacGenerate',
  cluster: 'hsm',
  access: 'crypto-user',
  activated: true,
  write: false,
  run: (env, input: MacInput) => {
    const { key, mac } = cmacOf(env, input, 'sign');
    return { keyRef: key.ref, mac };
  },
});

export const cmacVerify = defineOperation({
  name: 'CmacVerify',
  cluster: 'hsm',
  access: 'crypto-user',
  activated: true,
  write: false,
  run: (env, input: MacInput) => checkMac(cmacOf(env, input, 'verify').mac, input.mac),
});

export interface CipherInput extends ClusterInput {
  mechanism: CipherMechanism;
  keyFilter: KeySelector;
  data: Uint8Array;
  /** IV: hex (0x…) or base64; generated for encryption when absent (aes-key-wrap*: the standard IV only). */
  iv?: string;
  aad?: string;
  tag?: string;
  tagLengthBits?: number;
  hash?: string;
  mgf?: string;
  /** rsa-oaep: the OAEP label (PKCS #11 source data), 0x-hex or base64; default empty. */
  oaepLabel?: string;
  /**
   * aes-cbc: PKCS #7 padding (the default, PKCS #11 CKM_AES_CBC_PAD) or none (CKM_AES_CBC: the
   * data is whole blocks, which lets a caller chain blocks over several calls).
   */
  padding?: AesPadding;
}

const AES_PADDINGS: readonly string[] = ['pkcs7', 'none'];

function cbcPadding(input: CipherInput): AesPadding {
  const padding = input.padding ?? 'pkcs7';
  // Checked where it enters: the API takes untyped callers too.
  if (!AES_PADDINGS.includes(padding)) throw new HsmError('INVALID_ARGUMENT', `padding must be pkcs7 or none, not "${padding}"`);
  if (input.padding !== undefined && input.mechanism !== 'aes-cbc') throw new HsmError('INVALID_ARGUMENT', `padding applies to aes-cbc only, not ${input.mechanism}`);
  return padding;
}

function cipherKey(mechanism: CipherMechanism, purpose: 'encrypt' | 'decrypt') {
  return (k: KeyRecord): string | undefined => {
    if (CIPHERS[mechanism].keyType === 'rsa') {
      const want = purpose === 'encrypt' ? 'public-key' : 'private-key';
      return k.keyType === 'rsa' && k.class === want ? undefined : `is ${k.keyType} ${k.class}; ${mechanism} ${purpose}s with an RSA ${want}`;
    }
    return k.keyType === 'aes' ? undefined : `is ${k.keyType}; ${mechanism} takes an AES key`;
  };
}

function oaep(input: CipherInput): { hash: HashName; mgfHash: HashName; label: Uint8Array | undefined } {
  const hash = checkHash(input.hash, OAEP_HASHES);
  const mgf = mgf1Hash(input.mgf ?? mgf1Name(hash));
  if (!OAEP_HASHES.includes(mgf as HashName)) throw new HsmError('INVALID_ARGUMENT', `--mgf must be one of ${OAEP_HASHES.map(mgf1Name).join(', ')}`);
  return { hash, mgfHash: mgf as HashName, label: bytesArg('--oaep-label', input.oaepLabel) };
}

type KeyWrapMechanism = keyof typeof KEY_WRAP_IVS;

/**
 * An explicit --iv for the key wrap mechanisms. The providers' aesKeyWrap* / aesKeyUnwrap* take
 * no IV: they always use the standard ones (node:crypto's id-aes*-wrap(-pad), noble's aeskw /
 * aeskwp), so another IV cannot be honoured and is refused rather than silently ignored. The
 * standard IV itself is accepted, as PKCS #11 accepts it as the mechanism parameter.
 */
function checkKeyWrapIv(mechanism: KeyWrapMechanism, text: string | undefined): void {
  const iv = bytesArg('--iv', text);
  const standard = KEY_WRAP_IVS[mechanism];
  if (iv && Buffer.from(iv).toString('hex') !== standard) {
    throw new HsmError('INVALID_ARGUMENT', `${mechanism} uses only the standard IV 0x${standard.toUpperCase()}; --iv ${text} is not supported (give no --iv)`);
  }
}

/**
 * Data sizes: RFC 3394 wraps n ≥ 2 64-bit blocks (the result has one block more); RFC 5649 wraps
 * at least one byte into at least two blocks. Checked here to word the refusal for `crypto
 * encrypt|decrypt`; the providers check again.
 */
function checkKeyWrapData(mechanism: KeyWrapMechanism, data: Uint8Array, purpose: 'encrypt' | 'decrypt'): void {
  const padded = mechanism === 'aes-key-wrap-pad';
  if (purpose === 'encrypt' && padded) {
    if (data.length < 1) throw new HsmError('INVALID_ARGUMENT', `${mechanism} encrypts at least 1 byte of data (RFC 5649); the data is empty`);
    return;
  }
  const min = purpose === 'encrypt' ? 16 : padded ? 16 : 24;
  if (data.length < min || data.length % 8 !== 0) {
    const what = purpose === 'encrypt' ? 'the data to encrypt' : 'the ciphertext';
    throw new HsmError('INVALID_ARGUMENT', `${mechanism} (${padded ? 'RFC 5649' : 'RFC 3394'}): ${what} must be a multiple of 8 bytes and at least ${min}; it has ${data.length}`);
  }
}

/** RFC 3394 / RFC 5649 over the call's data; a failed integrity check is DECRYPTION_FAILED from the provider. */
function keyWrapData(crypto: CryptoProvider, kek: Uint8Array, input: CipherInput, purpose: 'encrypt' | 'decrypt'): Uint8Array {
  const mechanism = input.mechanism as KeyWrapMechanism;
  checkKeyWrapIv(mechanism, input.iv);
  checkKeyWrapData(mechanism, input.data, purpose);
  if (mechanism === 'aes-key-wrap') return purpose === 'encrypt' ? crypto.aesKeyWrap(kek, input.data) : crypto.aesKeyUnwrap(kek, input.data);
  return purpose === 'encrypt' ? crypto.aesKeyWrapPad(kek, input.data) : crypto.aesKeyUnwrapPad(kek, input.data);
}

function noOaepLabel(input: CipherInput): void {
  if (input.oaepLabel !== undefined) throw new HsmError('INVALID_ARGUMENT', `--oaep-label applies to rsa-oaep only, not ${input.mechanism}`);
}

export const encrypt = defineOperation({
  name: 'Encrypt',
  cluster: 'hsm',
  access: 'crypto-user',
  activated: true,
  write: false,
  run: ({ tx, ctx, cluster, actor, sessionKeys }, input: CipherInput) => {
    const key = useKey(tx, cluster, actor!, input.keyFilter, sessionKeys, 'encrypt', cipherKey(input.mechanism, 'encrypt'));
    const padding = cbcPadding(input);
    const crypto = cryptoOf(ctx);
    const base = { keyRef: key.ref };
    switch (input.mechanism) {
      case 'aes-gcm': {
        const iv = bytesArg('--iv', input.iv) ?? new Uint8Array(ctx.random(CIPHERS['aes-gcm'].ivBytes));
        const tagBits = input.tagLengthBits ?? GCM_FULL_TAG_BITS;
        if (!GCM_TAG_BITS.includes(tagBits)) throw new HsmError('INVALID_ARGUMENT', `--tag-length-bits must be ${orList(GCM_TAG_BITS)}, not ${tagBits}`);
        const r = crypto.aesGcmEncrypt(secretMaterial(key), iv, input.data, parseHex('--aad', input.aad), tagBits / 8);
        return { ...base, ciphertext: r.ciphertext, iv, tag: r.tag };
      }
      case 'aes-cbc': {
        const iv = bytesArg('--iv', input.iv) ?? new Uint8Array(ctx.random(CIPHERS['aes-cbc'].ivBytes));
        return { ...base, ciphertext: crypto.aesCbcEncrypt(secretMaterial(key), iv, input.data, { padding }), iv };
      }
      case 'aes-ctr': {
        const iv = bytesArg('--iv', input.iv) ?? new Uint8Array(ctx.random(CIPHERS['aes-ctr'].ivBytes));
        return { ...base, ciphertext: crypto.aesCtr(secretMaterial(key), iv, input.data), iv };
      }
      case 'aes-key-wrap':
      case 'aes-key-wrap-pad':
        return { ...base, ciphertext: keyWrapData(crypto, secretMaterial(key), input, 'encrypt') };
      case 'rsa-pkcs':
        noOaepLabel(input);
        return { ...base, ciphertext: crypto.rsaPkcs1Encrypt(preparedKey(ctx, cluster.clusterId, key), input.data) };
      default: {
        const { hash, mgfHash, label } = oaep(input);
        return { ...base, ciphertext: crypto.rsaOaepEncrypt(preparedKey(ctx, cluster.clusterId, key), hash, mgfHash, label, input.data) };
      }
    }
  },
});

/**
 * Keys.md §5: key material never leaves in the clear. Once keys were wrapped under some key
 * material, no key holding it decrypts data again, or `crypto decrypt` of the wrapped blob would
 * print the wrapped key (the PKCS #11 wrap/decrypt attack). The rule follows history, not
 * attributes, and the material, not one key object (keys/transport.ts): no sequence of attribute
 * changes, shares, clones or replicas reopens the way. A key whose material never wrapped a key
 * decrypts data whenever its attributes allow.
 */
function refuseKeyTransportKey(view: ReadView, key: KeyRecord): void {
  if (!hasTransported(view, key)) return;
  throw new HsmError(
    'KEY_ATTRIBUTE_REFUSED',
    `key ${formatReference(key.ref)} has wrapped keys${key.class === 'private-key' ? ' (under its public half)' : ''}: key material that transported keys never decrypts data, or those keys would come out in the clear. Use a separate key for data`,
  );
}

export const decrypt = defineOperation({
  name: 'Decrypt',
  cluster: 'hsm',
  access: 'crypto-user',
  activated: true,
  write: false,
  run: ({ tx, ctx, cluster, actor, sessionKeys }, input: CipherInput) => {
    const key = useKey(tx, cluster, actor!, input.keyFilter, sessionKeys, 'decrypt', cipherKey(input.mechanism, 'decrypt'));
    const padding = cbcPadding(input);
    refuseKeyTransportKey(tx, key);
    const crypto = cryptoOf(ctx);
    const base = { keyRef: key.ref };
    const needIv = () => {
      const iv = bytesArg('--iv', input.iv);
      if (!iv) throw new HsmError('INVALID_ARGUMENT', `${input.mechanism} decryption needs --iv, the IV the encryption used`);
      return iv;
    };
    switch (input.mechanism) {
      case 'aes-gcm': {
        const tag = bytesArg('--tag', input.tag);
        if (!tag) throw new HsmError('INVALID_ARGUMENT', 'aes-gcm decryption needs --tag, the tag the encryption returned');
        return { ...base, plaintext: crypto.aesGcmDecrypt(secretMaterial(key), needIv(), input.data, tag, parseHex('--aad', input.aad)) };
      }
      case 'aes-cbc':
        return { ...base, plaintext: crypto.aesCbcDecrypt(secretMaterial(key), needIv(), input.data, { padding }) };
      case 'aes-ctr':
        return { ...base, plaintext: crypto.aesCtr(secretMaterial(key), needIv(), input.data) };
      case 'aes-key-wrap':
      case 'aes-key-wrap-pad':
        return { ...base, plaintext: keyWrapData(crypto, secretMaterial(key), input, 'decrypt') };
      case 'rsa-pkcs':
        noOaepLabel(input);
        return { ...base, plaintext: crypto.rsaPkcs1Decrypt(preparedKey(ctx, cluster.clusterId, key), input.data) };
      default: {
        const { hash, mgfHash, label } = oaep(input);
        return { ...base, plaintext: crypto.rsaOaepDecrypt(preparedKey(ctx, cluster.clusterId, key), hash, mgfHash, label, input.data) };
      }
    }
  },
});

export interface RandomInput extends ClusterInput {
  length: number;
}

export const random = defineOperation({
  name: 'GenerateRandom',
  cluster: 'hsm',
  access: 'user',
  activated: true,
  write: false,
  run: ({ ctx }, input: RandomInput) => {
    if (!Number.isInteger(input.length) || input.length < 1 || input.length > RANDOM_MAX_BYTES) {
      throw new HsmError('INVALID_ARGUMENT', `--length must be 1 to ${RANDOM_MAX_BYTES} bytes, not ${input.length}`);
    }
    return { random: new Uint8Array(ctx.random(input.length)) };
  },
});

