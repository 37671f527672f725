/**
 * RSA, RFC 8017: RSASSA-PKCS1-v1_5, RSASSA-PSS, RSAES-OAEP and RSAES-PKCS1-v1_5; keys as PKCS#8
 * and SPKI (PKCS#1 inside, RFC 8017 A.1). Neither @noble library implements RSA, so keys, key
 * generation and the raw RSA operation are node:crypto's in both backends (rsa-keys.ts); the
 * checks and the RFC 8017 operations over raw RSA (rsa-operations.ts) are written once.
 *
 * The backends differ in who pads: the noble backend pads everything itself with @noble/hashes,
 * which makes the cross-check against OpenSSL meaningful; the node backend lets OpenSSL pad
 * where it can and falls back to the shared operations where node 20 cannot: PKCS#1 v1.5
 * decryption (refused since CVE-2023-46809), PSS over a digest or with an MGF1 hash unlike the
 * message hash, and OAEP with a differing MGF1 hash.
 */
import { constants, privateDecrypt, privateEncrypt, publicDecrypt, publicEncrypt, randomBytes, sign as nodeSign, verify as nodeVerify } from 'node:crypto';
import { checkBytes, checkDigestLength, checkHash, decryptionFailed, equalBytes, guard, plain, verifyGuard } from '../checks.js';
import { randomBytesFrom } from '../curves.js';
import { encodeDigestInfo } from '../der.js';
import { familyKeys, type KeyFamily, type SpecOf } from '../prepared-keys.js';
import type { CryptoProvider, HashName, KeyKind, PreparedKey, ProviderName, RandomBytes, SignOptions } from '../provider.js';
import { checkOaepMessage, checkPkcs1Message, checkPssSalt, emePkcs1v15Encode, emsaPkcs1v15Encode, hashFunction, type HashFunction } from '../rsa-padding.js';
import { oaepDecrypt, oaepEncrypt, pkcs1Decrypt, pssSign, pssVerify } from '../rsa-operations.js';
import { generateRsaKeyPair, loadRsaPrivate, loadRsaPublic, rsaRawPrivate, rsaRawPublic, type RsaKeyObjects } from '../rsa-keys.js';
import { digestNode, digestNoble, type DigestFamily } from './digest.js';

export interface RsaFamily {
  readonly operations: Pick<
    CryptoProvider,
    | 'generateRsa'
    | 'rsaPkcs1Sign'
    | 'rsaPkcs1Verify'
    | 'rsaPssSign'
    | 'rsaPssVerify'
    | 'rsaOaepEncrypt'
    | 'rsaOaepDecrypt'
    | 'rsaPkcs1Encrypt'
    | 'rsaPkcs1Decrypt'
  >;
  readonly keys: KeyFamily<SpecOf<'rsa'>>;
}

/** OpenSSL's own PSS and OAEP, which serve when the message and MGF1 hashes agree. */
interface OpenSslPadding {
  pssSign(rsa: RsaKeyObjects, hash: HashName, message: Uint8Array, saltBytes: number): Uint8Array;
  pssVerify(rsa: RsaKeyObjects, hash: HashName, message: Uint8Array, signature: Uint8Array, saltBytes: number): boolean;
  oaepEncrypt(rsa: RsaKeyObjects, hash: HashName, label: Uint8Array, data: Uint8Array): Uint8Array;
  oaepDecrypt(rsa: RsaKeyObjects, hash: HashName, label: Uint8Array, data: Uint8Array): Uint8Array;
}

/** What a backend supplies, on checked input. */
interface RsaBackend {
  readonly provider: ProviderName;
  /** The hashes of the RFC 8017 operations (EMSA, MGF1, the OAEP label). */
  readonly digest: DigestFamily;
  /** Randomness inside operations: salts, OAEP seeds, PKCS#1 v1.5 padding. */
  readonly random: RandomBytes;
  pkcs1Sign(rsa: RsaKeyObjects, hash: HashName, data: Uint8Array, prehashed: boolean): Uint8Array;
  pkcs1Verify(rsa: RsaKeyObjects, hash: HashName, data: Uint8Array, signature: Uint8Array, prehashed: boolean): boolean;
  pkcs1Encrypt(rsa: RsaKeyObjects, data: Uint8Array): Uint8Array;
  readonly openSsl?: OpenSslPadding;
}

function checkMessage(hash: HashName, data: Uint8Array, options: SignOptions | undefined): void {
  checkHash(hash);
  checkBytes(data, 'data');
  if (options?.prehashed) checkDigestLength(hash, data);
}

function rsaFamily(backend: RsaBackend): RsaFamily {
  const { provider, openSsl } = backend;
  const { make, use } = familyKeys<RsaKeyObjects>(provider);
  const rsaOf = (key: PreparedKey, kind: KeyKind | 'any', operation: string): RsaKeyObjects => use(key, kind, 'rsa', operation).handle;
  const hashOf = (hash: HashName, name = 'hash'): HashFunction => hashFunction(backend.digest.hasher(hash), checkHash(hash, name));
  /** OAEP's arguments, checked in the same order for encryption and decryption. */
  const oaepArguments = (
    key: PreparedKey,
    kind: KeyKind | 'any',
    operation: string,
    hash: HashName,
    mgfHash: HashName,
    label: Uint8Array | undefined,
    data: Uint8Array,
  ): { rsa: RsaKeyObjects; hf: HashFunction; mgf: HashFunction; l: Uint8Array } => {
    const rsa = rsaOf(key, kind, operation);
    const hf = hashOf(hash);
    const mgf = hashOf(mgfHash, 'MGF1 hash');
    checkBytes(data, 'data');
    return { rsa, hf, mgf, l: label === undefined ? new Uint8Array(0) : checkBytes(label, 'label') };
  };
  return Object.freeze({
    keys: Object.freeze({
      preparePrivate(spec, pkcs8) {
        const rsa = loadRsaPrivate(pkcs8);
        return make('private', spec, rsa.material, rsa.spki, rsa);
      },
      preparePublic(spec, spki) {
        const rsa = loadRsaPublic(spki);
        return make('public', spec, rsa.material, rsa.material, rsa);
      },
      exportSpki: (key) => rsaOf(key, 'any', 'exportSpki').spki.slice(),
      exportPkcs8: (key) => rsaOf(key, 'private', 'exportPkcs8').material.slice(),
    } satisfies RsaFamily['keys']),
    operations: Object.freeze({
      generateRsa: generateRsaKeyPair,
      rsaPkcs1Sign(key, hash, data, options) {
        const rsa = rsaOf(key, 'private', 'RSA PKCS#1 v1.5 sign');
        checkMessage(hash, data, options);
        return backend.pkcs1Sign(rsa, hash, data, options?.prehashed ?? false);
      },
      rsaPkcs1Verify(key, hash, data, signature, options) {
        const rsa = rsaOf(key, 'any', 'RSA PKCS#1 v1.5 verify');
        checkMessage(hash, data, options);
        checkBytes(signature, 'signature');
        if (signature.length !== rsa.k) return false;
        return verifyGuard(() => backend.pkcs1Verify(rsa, hash, data, signature, options?.prehashed ?? false));
      },
      rsaPssSign(key, hash, mgfHash, saltBytes, data, options) {
        const rsa = rsaOf(key, 'private', 'RSA-PSS sign');
        checkMessage(hash, data, options);
        const mgf = hashOf(mgfHash, 'MGF1 hash');
        const hf = hashOf(hash);
        checkPssSalt(saltBytes, hf.bytes, rsa.modulusBits);
        if (openSsl && !options?.prehashed && mgfHash === hash) return openSsl.pssSign(rsa, hash, data, saltBytes);
        const mHash = options?.prehashed ? data : hf(data);
        return pssSign(rsa, mHash, hf, mgf, randomBytesFrom(backend.random, saltBytes));
      },
      rsaPssVerify(key, hash, mgfHash, saltBytes, data, signature, options) {
        const rsa = rsaOf(key, 'any', 'RSA-PSS verify');
        checkMessage(hash, data, options);
        const mgf = hashOf(mgfHash, 'MGF1 hash');
        const hf = hashOf(hash);
        checkPssSalt(saltBytes, hf.bytes, rsa.modulusBits);
        checkBytes(signature, 'signature');
        if (signature.length !== rsa.k) return false;
        if (openSsl && !options?.prehashed && mgfHash === hash) {
          return verifyGuard(() => openSsl.pssVerify(rsa, hash, data, signature, saltBytes));
        }
        const mHash = options?.prehashed ? data : hf(data);
        return pssVerify(rsa, mHash, signature, hf, mgf, saltBytes);
      },
      rsaOaepEncrypt(key, hash, mgfHash, label, data) {
        const { rsa, hf, mgf, l } = oaepArguments(key, 'any', 'RSA-OAEP encrypt', hash, mgfHash, label, data);
        checkOaepMessage(data.length, rsa.k, hf.bytes);
        if (openSsl && mgfHash === hash) return openSsl.oaepEncrypt(rsa, hash, l, data);
        return oaepEncrypt(rsa, data, l, hf, mgf, randomBytesFrom(backend.random, hf.bytes));
      },
      rsaOaepDecrypt(key, hash, mgfHash, label, data) {
        const { rsa, hf, mgf, l } = oaepArguments(key, 'private', 'RSA-OAEP decrypt', hash, mgfHash, label, data);
        if (data.length !== rsa.k) throw decryptionFailed('OAEP decryption failed');
        if (openSsl && mgfHash === hash) {
          return guard('DECRYPTION_FAILED', 'OAEP decryption failed', () => openSsl.oaepDecrypt(rsa, hash, l, data));
        }
        return oaepDecrypt(rsa, data, l, hf, mgf);
      },
      rsaPkcs1Encrypt(key, data) {
        const rsa = rsaOf(key, 'any', 'RSA PKCS#1 v1.5 encrypt');
        checkBytes(data, 'data');
        checkPkcs1Message(data.length, rsa.k);
        return backend.pkcs1Encrypt(rsa, data);
      },
      rsaPkcs1Decrypt(key, data) {
        const rsa = rsaOf(key, 'private', 'RSA PKCS#1 v1.5 decrypt');
        checkBytes(data, 'data');
        return pkcs1Decrypt(rsa, data);
      },
    } satisfies RsaFamily['operations']),
  });
}

// node:crypto

const { RSA_PKCS1_PADDING, RSA_PKCS1_PSS_PADDING, RSA_PKCS1_OAEP_PADDING } = constants;

export const rsaNode: RsaFamily = rsaFamily({
  provider: 'node',
  digest: digestNode,
  random: (byteLength) => plain(randomBytes(byteLength)),
  pkcs1Sign: (rsa, hash, data, prehashed) =>
    guard('INVALID_ARGUMENT', `the RSA modulus is too short for a ${hash} PKCS#1 v1.5 signature`, () =>
      prehashed
        ? plain(privateEncrypt({ key: rsa.privateKey!, padding: RSA_PKCS1_PADDING }, encodeDigestInfo(hash, data)))
        : plain(nodeSign(hash, data, { key: rsa.privateKey!, padding: RSA_PKCS1_PADDING })),
    ),
  pkcs1Verify: (rsa, hash, data, signature, prehashed) =>
    prehashed
      ? equalBytes(plain(publicDecrypt({ key: rsa.publicKey, padding: RSA_PKCS1_PADDING }, signature)), encodeDigestInfo(hash, data))
      : nodeVerify(hash, data, { key: rsa.publicKey, padding: RSA_PKCS1_PADDING }, signature),
  pkcs1Encrypt: (rsa, data) => plain(publicEncrypt({ key: rsa.publicKey, padding: RSA_PKCS1_PADDING }, data)),
  openSsl: {
    pssSign: (rsa, hash, message, saltLength) =>
      plain(nodeSign(hash, message, { key: rsa.privateKey!, padding: RSA_PKCS1_PSS_PADDING, saltLength })),
    pssVerify: (rsa, hash, message, signature, saltLength) =>
      nodeVerify(hash, message, { key: rsa.publicKey, padding: RSA_PKCS1_PSS_PADDING, saltLength }, signature),
    oaepEncrypt: (rsa, hash, label, data) =>
      plain(publicEncrypt({ key: rsa.publicKey, padding: RSA_PKCS1_OAEP_PADDING, oaepHash: hash, oaepLabel: label }, data)),
    oaepDecrypt: (rsa, hash, label, data) =>
      plain(privateDecrypt({ key: rsa.privateKey!, padding: RSA_PKCS1_OAEP_PADDING, oaepHash: hash, oaepLabel: label }, data)),
  },
});

// @noble/hashes padding over raw RSA

/** The noble backend with in-operation randomness from `random`. */
export function rsaNoble(random: RandomBytes): RsaFamily {
  const digestOf = (hash: HashName, data: Uint8Array, prehashed: boolean): Uint8Array =>
    prehashed ? data : digestNoble.hasher(hash)(data);
  return rsaFamily({
    provider: 'noble',
    digest: digestNoble,
    random,
    pkcs1Sign: (rsa, hash, data, prehashed) => rsaRawPrivate(rsa, emsaPkcs1v15Encode(hash, digestOf(hash, data, prehashed), rsa.k)),
    // RFC 8017 §8.2.2: re-encode and compare, rather than parse what the signature holds.
    pkcs1Verify: (rsa, hash, data, signature, prehashed) =>
      equalBytes(rsaRawPublic(rsa, signature), emsaPkcs1v15Encode(hash, digestOf(hash, data, prehashed), rsa.k)),
    pkcs1Encrypt: (rsa, data) => rsaRawPublic(rsa, emePkcs1v15Encode(data, rsa.k, (n) => randomBytesFrom(random, n))),
  });
}
