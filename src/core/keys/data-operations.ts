/**
 * Extensions beyond the CloudHSM CLI that the real service offers only through its SDKs
 * (PRODUCT.md "Extensions"): digest, HMAC, symmetric and RSA-OAEP encryption, and random bytes.
 * They follow the CLI's conventions: a crypto user selects a key it owns or that is shared with
 * it (`--key-filter`), the key must carry the usage attribute (sign/verify for HMAC,
 * encrypt/decrypt for ciphers), and binary results come back as bytes for the presenter.
 */
import { timingSafeEqual } from 'node:crypto';
import { HsmError } from '../errors.js';
import { defineOperation, type Actor, type ClusterInput } from '../engine.js';
import type { ClusterRecord } from '../cluster/model.js';
import type { Transaction } from '../store/index.js';
import { HASH_NAMES, type HashName } from '../mechanisms/provider.js';
import { findKeys, parseFilter, selectOne } from './filters.js';
import { formatReference, type KeyRecord } from './model.js';
import { cryptoOf, preparedKey, secretMaterial } from './prepared.js';
import { parseHex } from './wrap.js';

/** crypto random: at most this many bytes per call. */
export const RANDOM_MAX_BYTES = 1024 * 1024;
export const CIPHER_MECHANISMS = ['aes-gcm', 'aes-cbc', 'aes-ctr', 'rsa-oaep'] as const;
export type CipherMechanism = (typeof CIPHER_MECHANISMS)[number];

function checkHash(hash: string | undefined, allowed: readonly HashName[]): HashName {
  if (!hash || !allowed.includes(hash as HashName)) {
    throw new HsmError('INVALID_ARGUMENT', `--hash-function must be one of ${allowed.join(', ')}${hash ? `, not "${hash}"` : ''}`);
  }
  return hash as HashName;
}

function useKey(tx: Transaction, cluster: ClusterRecord, actor: Actor, terms: string[], sessionKeys: Map<number, KeyRecord>, usage: 'sign' | 'verify' | 'encrypt' | 'decrypt', accept: (k: KeyRecord) => string | undefined): KeyRecord {
  if (!terms?.length) throw new HsmError('INVALID_ARGUMENT', '--key-filter is required: give key-reference=0x… or attr.label=NAME');
  const key = selectOne(findKeys(tx, cluster.clusterId, actor, parseFilter(terms, '--key-filter'), [...sessionKeys.values()]));
  const problem = accept(key);
  if (problem) throw new HsmError('INVALID_ARGUMENT', `key ${formatReference(key.ref)} ${problem}`);
  if (!key.attributes[usage]) {
    throw new HsmError('KEY_ATTRIBUTE_REFUSED', `key ${formatReference(key.ref)} has ${usage}=false; its owner can allow it with \`key set-attribute --filter key-reference=${formatReference(key.ref)} --name ${usage} --value true\``);
  }
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

export interface HmacInput extends ClusterInput {
  keyFilter: string[];
  hash: string;
  data: Uint8Array;
  mac?: Uint8Array;
}

const hmacKey = (k: KeyRecord) => (k.keyType === 'generic-secret' || k.keyType === 'aes' ? undefined : `is ${k.keyType === 'ec' ? 'an EC' : `a ${k.keyType}`} key; HMAC takes a generic-secret or AES key`);

export const hmacGenerate = defineOperation({
  name: 'HmacGenerate',
  cluster: 'hsm',
  access: 'crypto-user',
  activated: true,
  write: false,
  run: ({ tx, ctx, cluster, actor, sessionKeys }, input: HmacInput) => {
    const key = useKey(tx, cluster, actor!, input.keyFilter, sessionKeys, 'sign', hmacKey);
    return { 'key-reference': formatReference(key.ref), mac: cryptoOf(ctx).hmac(checkHash(input.hash, HASH_NAMES), secretMaterial(key), input.data) };
  },
});

export const hmacVerify = defineOperation({
  name: 'HmacVerify',
  cluster: 'hsm',
  access: 'crypto-user',
  activated: true,
  write: false,
  run: ({ tx, ctx, cluster, actor, sessionKeys }, input: HmacInput) => {
    const key = useKey(tx, cluster, actor!, input.keyFilter, sessionKeys, 'verify', hmacKey);
    const expected = cryptoOf(ctx).hmac(checkHash(input.hash, HASH_NAMES), secretMaterial(key), input.data);
    const given = input.mac ?? new Uint8Array(0);
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw new HsmError('VERIFICATION_FAILED', 'MAC verification failed');
    return { message: 'MAC verified successfully' };
  },
});

export interface CipherInput extends ClusterInput {
  mechanism: CipherMechanism;
  keyFilter: string[];
  data: Uint8Array;
  /** IV: hex (0x…) or base64; generated for encryption when absent. */
  iv?: string;
  aad?: string;
  tag?: string;
  tagLengthBits?: number;
  hash?: string;
  mgf?: string;
}

/** --iv and --tag take hex with a 0x prefix (like --aad) or base64 (as the output prints them). */
function bytesArg(flag: string, text: string | undefined): Uint8Array | undefined {
  if (text === undefined) return undefined;
  if (/^0x/i.test(text.trim())) return parseHex(flag, text);
  const t = text.trim();
  if (!/^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/.test(t)) {
    throw new HsmError('INVALID_ARGUMENT', `${flag} must be hex with a 0x prefix or base64, not "${text}"`);
  }
  return new Uint8Array(Buffer.from(t, 'base64'));
}

function cipherKey(mechanism: CipherMechanism, purpose: 'encrypt' | 'decrypt') {
  return (k: KeyRecord): string | undefined => {
    if (mechanism === 'rsa-oaep') {
      const want = purpose === 'encrypt' ? 'public-key' : 'private-key';
      return k.keyType === 'rsa' && k.class === want ? undefined : `is ${k.keyType} ${k.class}; rsa-oaep ${purpose}s with an RSA ${want}`;
    }
    return k.keyType === 'aes' ? undefined : `is ${k.keyType}; ${mechanism} takes an AES key`;
  };
}

function oaep(input: CipherInput): { hash: HashName; mgfHash: HashName } {
  const allowed: HashName[] = ['sha1', 'sha224', 'sha256', 'sha384', 'sha512'];
  const hash = checkHash(input.hash, allowed);
  const mgf = (input.mgf ?? `mgf1-${hash}`).replace(/^mgf1-/, '');
  if (!allowed.includes(mgf as HashName)) throw new HsmError('INVALID_ARGUMENT', `--mgf must be one of ${allowed.map((h) => `mgf1-${h}`).join(', ')}`);
  return { hash, mgfHash: mgf as HashName };
}

export const encrypt = defineOperation({
  name: 'Encrypt',
  cluster: 'hsm',
  access: 'crypto-user',
  activated: true,
  write: false,
  run: ({ tx, ctx, cluster, actor, sessionKeys }, input: CipherInput) => {
    const key = useKey(tx, cluster, actor!, input.keyFilter, sessionKeys, 'encrypt', cipherKey(input.mechanism, 'encrypt'));
    const crypto = cryptoOf(ctx);
    const base = { 'key-reference': formatReference(key.ref) };
    switch (input.mechanism) {
      case 'aes-gcm': {
        const iv = bytesArg('--iv', input.iv) ?? new Uint8Array(ctx.random(12));
        const tagBits = input.tagLengthBits ?? 128;
        if (![32, 64, 96, 104, 112, 120, 128].includes(tagBits)) throw new HsmError('INVALID_ARGUMENT', `--tag-length-bits must be 32, 64, 96, 104, 112, 120 or 128, not ${tagBits}`);
        const r = crypto.aesGcmEncrypt(secretMaterial(key), iv, input.data, parseHex('--aad', input.aad), tagBits / 8);
        return { ...base, ciphertext: r.ciphertext, iv, tag: r.tag };
      }
      case 'aes-cbc': {
        const iv = bytesArg('--iv', input.iv) ?? new Uint8Array(ctx.random(16));
        return { ...base, ciphertext: crypto.aesCbcEncrypt(secretMaterial(key), iv, input.data, { padding: 'pkcs7' }), iv };
      }
      case 'aes-ctr': {
        const iv = bytesArg('--iv', input.iv) ?? new Uint8Array(ctx.random(16));
        return { ...base, ciphertext: crypto.aesCtr(secretMaterial(key), iv, input.data), iv };
      }
      default: {
        const { hash, mgfHash } = oaep(input);
        return { ...base, ciphertext: crypto.rsaOaepEncrypt(preparedKey(ctx, cluster.clusterId, key), hash, mgfHash, undefined, input.data) };
      }
    }
  },
});

export const decrypt = defineOperation({
  name: 'Decrypt',
  cluster: 'hsm',
  access: 'crypto-user',
  activated: true,
  write: false,
  run: ({ tx, ctx, cluster, actor, sessionKeys }, input: CipherInput) => {
    const key = useKey(tx, cluster, actor!, input.keyFilter, sessionKeys, 'decrypt', cipherKey(input.mechanism, 'decrypt'));
    const crypto = cryptoOf(ctx);
    const base = { 'key-reference': formatReference(key.ref) };
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
        return { ...base, plaintext: crypto.aesCbcDecrypt(secretMaterial(key), needIv(), input.data, { padding: 'pkcs7' }) };
      case 'aes-ctr':
        return { ...base, plaintext: crypto.aesCtr(secretMaterial(key), needIv(), input.data) };
      default: {
        const { hash, mgfHash } = oaep(input);
        return { ...base, plaintext: crypto.rsaOaepDecrypt(preparedKey(ctx, cluster.clusterId, key), hash, mgfHash, undefined, input.data) };
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

