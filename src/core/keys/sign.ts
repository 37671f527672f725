/**
 * `crypto sign` and `crypto verify` (cli-commands.md §3.25-3.26, keys.md §7): rsa-pkcs,
 * rsa-pkcs-pss, ecdsa (raw r‖s signatures), ed25519, ed25519ph and ml-dsa. The key must be
 * visible to the crypto user (owned, shared, or for verify any public key) and carry the usage
 * attribute; Ed25519 exists only in NON_FIPS clusters.
 */
import { HsmError } from '../errors.js';
import { defineOperation, type Actor } from '../engine.js';
import type { ClusterRecord } from '../cluster/model.js';
import type { Transaction } from '../store/index.js';
import { digestInfoPrefix, ecdsaDerToP1363, ecdsaP1363ToDer } from '../mechanisms/der.js';
import { HASH_BYTES, ML_DSA_MAX_CONTEXT_BYTES, ML_DSA_MU_BYTES, type HashName, type PreparedKey } from '../mechanisms/provider.js';
import { CURVES, SIGNATURES, type EcCurve, type SignDataType, type SignMechanism } from '../mechanisms/table.js';
import { mgf1Hash, mgf1Name, orList, SIGN_HASHES, SIGN_MECHANISMS } from '../mechanisms/choices.js';
import { selectKey } from './filters.js';
import type { KeySelector } from './selector.js';
import { CURVES as KEY_CURVES, formatReference, type KeyRecord } from './model.js';
import { cryptoOf, preparedKey } from './prepared.js';
import type { EngineContext } from '../context.js';
import { bytesArg } from './wrap.js';
import { requireAvailable } from '../client/config.js';

export { SIGN_HASHES, SIGN_MECHANISMS, type SignMechanism };
/** keys.md §8: PureEdDSA messages are limited to 16,000 bytes. */
export const ED25519_MAX_MESSAGE_BYTES = SIGNATURES.ed25519.maxMessageBytes;
/** The one hash ed25519ph (RFC 8032 §5.1) and ml-dsa take. */
const ED25519PH_HASH = SIGNATURES.ed25519ph.hash;
const ML_DSA_HASH = SIGNATURES['ml-dsa'].hash;

export interface SignInput {
  clusterId?: string;
  mechanism: SignMechanism;
  keyFilter: KeySelector;
  data: Uint8Array;
  hash?: string;
  dataType?: SignDataType;
  mgf?: string;
  saltLength?: number;
  /** ml-dsa only (extension): the FIPS 204 context string, 0x-hex or base64, at most 255 bytes. */
  context?: string;
  /**
   * ecdsa only (extension): the signature as the CloudHSM CLI has it, raw r‖s (the default), or
   * DER (the Ecdsa-Sig-Value of RFC 3279 that openssl and most libraries use).
   */
  signatureFormat?: SignatureFormat;
}

export const SIGNATURE_FORMATS = ['raw', 'der'] as const;
export type SignatureFormat = (typeof SIGNATURE_FORMATS)[number];

export interface VerifyInput extends SignInput {
  signature: Uint8Array;
}

function keyKindFor(mechanism: SignMechanism): { keyType: string; ed25519?: boolean } {
  const keyType = SIGNATURES[mechanism].keyType;
  if (keyType === 'ed25519') return { keyType: 'ec', ed25519: true };
  return keyType === 'ec' ? { keyType, ed25519: false } : { keyType };
}

function checkHash(hash: string | undefined, mechanism: SignMechanism): HashName {
  if (!hash || !SIGN_HASHES.includes(hash as HashName)) {
    throw new HsmError('INVALID_ARGUMENT', `${mechanism} needs --hash-function, one of ${SIGN_HASHES.join(', ')}${hash ? `, not "${hash}"` : ''}`);
  }
  return hash as HashName;
}

function checkMgf(mgf: string | undefined, hash: HashName): HashName {
  const mgfHash = mgf1Hash(mgf ?? '');
  if (!mgf || !SIGN_HASHES.includes(mgfHash as HashName)) {
    throw new HsmError('INVALID_ARGUMENT', `rsa-pkcs-pss needs --mgf, one of ${SIGN_HASHES.map(mgf1Name).join(', ')}`);
  }
  // cli-commands.md §3.25: the MGF hash must match the signing hash.
  if (mgfHash !== hash) throw new HsmError('INVALID_ARGUMENT', `--mgf ${mgf1Name(mgfHash)} must match --hash-function ${hash} (use --mgf ${mgf1Name(hash)})`);
  return mgfHash;
}

/** Selects the one key and checks its type, mode and usage attribute. */
function selectSigningKey(tx: Transaction, cluster: ClusterRecord, actor: Actor, input: SignInput, purpose: 'sign' | 'verify', sessionKeys: Map<number, KeyRecord>): KeyRecord {
  const key = selectKey(tx, cluster.clusterId, actor, input.keyFilter, sessionKeys);
  requireAvailable(tx, cluster, key);
  const wanted = keyKindFor(input.mechanism);
  const isEd = key.curve === 'ed25519';
  if (key.curve === 'x25519') throw new HsmError('INVALID_ARGUMENT', `mechanism ${input.mechanism} cannot use key ${formatReference(key.ref)}: it is an x25519 key-agreement key (use it with \`key derive ecdh\`)`);
  if (key.keyType !== wanted.keyType || (wanted.ed25519 !== undefined && wanted.ed25519 !== isEd)) {
    const kind = key.keyType === 'ec' ? (isEd ? 'an ed25519' : 'an EC') : key.keyType === 'rsa' ? 'an RSA' : key.keyType === 'ml-dsa' ? 'an ML-DSA' : `a ${key.keyType}`;
    throw new HsmError('INVALID_ARGUMENT', `mechanism ${input.mechanism} cannot use key ${formatReference(key.ref)}: it is ${kind} key`);
  }
  const needClass = purpose === 'sign' ? 'private-key' : 'public-key';
  if (key.class !== needClass) {
    throw new HsmError('INVALID_ARGUMENT', `crypto ${purpose} takes a ${needClass}; key ${formatReference(key.ref)} is a ${key.class}${purpose === 'sign' ? ' (sign with the private half of the pair)' : ' (verify with the public half of the pair)'}`);
  }
  if (isEd && cluster.mode !== 'NON_FIPS') {
    throw new HsmError('MECHANISM_NOT_ALLOWED', `${input.mechanism} is available only in NON_FIPS clusters`);
  }
  if (!key.attributes[purpose]) {
    throw new HsmError(
      'KEY_ATTRIBUTE_REFUSED',
      `key ${formatReference(key.ref)} has ${purpose}=false; its owner can allow it with \`key set-attribute --filter key-reference=${formatReference(key.ref)} --name ${purpose} --value true\``,
    );
  }
  return key;
}

/** Whether bytes read as a DER SEQUENCE of two INTEGERs, the shape of a DER ECDSA signature. */
function looksLikeDer(signature: Uint8Array): boolean {
  try {
    ecdsaDerToP1363(signature, signature.length);
    return true;
  } catch {
    return false;
  }
}

interface Plan {
  /** What the primitive receives, and whether it is a digest already. */
  data: Uint8Array;
  prehashed: boolean;
  /** ml-dsa: the FIPS 204 context string. */
  context?: Uint8Array;
  hash?: HashName;
  mgfHash?: HashName;
}

function plan(input: SignInput): Plan {
  const dataType = input.dataType ?? 'raw';
  if (input.signatureFormat !== undefined && !(SIGNATURE_FORMATS as readonly string[]).includes(input.signatureFormat)) {
    throw new HsmError('INVALID_ARGUMENT', `--signature-format must be ${orList(SIGNATURE_FORMATS)}, not "${input.signatureFormat}"`);
  }
  if (input.signatureFormat === 'der' && input.mechanism !== 'ecdsa') {
    throw new HsmError('INVALID_ARGUMENT', `--signature-format der applies to ecdsa only; ${input.mechanism} signatures have one encoding`);
  }
  switch (input.mechanism) {
    case 'ed25519':
      if (input.data.length > ED25519_MAX_MESSAGE_BYTES) {
        throw new HsmError('INVALID_ARGUMENT', `ed25519 signs at most ${ED25519_MAX_MESSAGE_BYTES} bytes; the data has ${input.data.length}. Use ed25519ph for longer messages`);
      }
      return { data: input.data, prehashed: false };
    case 'ml-dsa':
      if (input.hash !== undefined && input.hash !== ML_DSA_HASH) throw new HsmError('INVALID_ARGUMENT', `ml-dsa takes --hash-function ${ML_DSA_HASH} only, not "${input.hash}"`);
      if (dataType === 'external-mu' && input.data.length !== ML_DSA_MU_BYTES) {
        throw new HsmError('INVALID_ARGUMENT', `external-mu data must be the ${ML_DSA_MU_BYTES}-byte μ; it has ${input.data.length} bytes`);
      }
      if (dataType === 'digest') throw new HsmError('INVALID_ARGUMENT', `ml-dsa takes --data-type ${orList(SIGNATURES['ml-dsa'].dataTypes)}`);
      return { data: input.data, prehashed: dataType === 'external-mu', context: mlDsaContext(input, dataType) };
    default: {
      if (input.context !== undefined) throw new HsmError('INVALID_ARGUMENT', `--context applies to ml-dsa only, not ${input.mechanism}`);
      if (dataType === 'external-mu') throw new HsmError('INVALID_ARGUMENT', `${input.mechanism} takes --data-type ${orList(SIGNATURES[input.mechanism].dataTypes)}`);
      const hash = input.mechanism === 'ed25519ph' ? ((input.hash ?? ED25519PH_HASH) as HashName) : checkHash(input.hash, input.mechanism);
      if (input.mechanism === 'ed25519ph' && hash !== ED25519PH_HASH) throw new HsmError('INVALID_ARGUMENT', `ed25519ph prehashes with ${ED25519PH_HASH} (RFC 8032): give --hash-function ${ED25519PH_HASH}`);
      const mgfHash = input.mechanism === 'rsa-pkcs-pss' ? checkMgf(input.mgf, hash) : undefined;
      if (dataType === 'raw') return { data: input.data, prehashed: false, hash, mgfHash };
      let digest = input.data;
      if (input.mechanism === 'rsa-pkcs') {
        // cli-commands.md §3.25: rsa-pkcs digest input is a DER DigestInfo (RFC 8017 §9.2).
        const prefix = digestInfoPrefix(hash);
        if (digest.length !== prefix.length + HASH_BYTES[hash] || !Buffer.from(digest.subarray(0, prefix.length)).equals(prefix)) {
          throw new HsmError('INVALID_ARGUMENT', `rsa-pkcs with --data-type digest takes a DER DigestInfo for ${hash} (${prefix.length + HASH_BYTES[hash]} bytes)`);
        }
        digest = digest.subarray(prefix.length);
      }
      if (digest.length !== HASH_BYTES[hash]) {
        throw new HsmError('INVALID_ARGUMENT', `--data-type digest needs a ${HASH_BYTES[hash]}-byte ${hash} digest; the data has ${digest.length} bytes`);
      }
      return { data: digest, prehashed: true, hash, mgfHash };
    }
  }
}

/** FIPS 204 §5.2: a context string of at most 255 bytes; μ already binds it, so not with external-mu. */
function mlDsaContext(input: SignInput, dataType: string): Uint8Array | undefined {
  const context = bytesArg('--context', input.context);
  if (!context) return undefined;
  if (dataType === 'external-mu') throw new HsmError('INVALID_ARGUMENT', '--context cannot be used with --data-type external-mu: the context is already part of μ');
  if (context.length > ML_DSA_MAX_CONTEXT_BYTES) throw new HsmError('INVALID_ARGUMENT', `--context is ${context.length} bytes; FIPS 204 allows at most ${ML_DSA_MAX_CONTEXT_BYTES}`);
  return context;
}

function saltLengthOf(input: SignInput, hash: HashName): number {
  const salt = input.saltLength;
  if (salt === undefined || !Number.isInteger(salt) || salt < 0 || salt > 512) {
    throw new HsmError('INVALID_ARGUMENT', `rsa-pkcs-pss needs --salt-length, a whole number of bytes (usually ${HASH_BYTES[hash]} for ${hash})`);
  }
  return salt;
}

function signWith(ctx: EngineContext, prepared: PreparedKey, input: SignInput, p: Plan): Uint8Array {
  const crypto = cryptoOf(ctx);
  const opts = { prehashed: p.prehashed };
  switch (input.mechanism) {
    case 'rsa-pkcs':
      return crypto.rsaPkcs1Sign(prepared, p.hash!, p.data, opts);
    case 'rsa-pkcs-pss':
      return crypto.rsaPssSign(prepared, p.hash!, p.mgfHash!, saltLengthOf(input, p.hash!), p.data, opts);
    case 'ecdsa':
      return crypto.ecdsaSign(prepared, p.hash!, p.data, opts);
    case 'ed25519':
      return crypto.ed25519Sign(prepared, p.data);
    case 'ed25519ph':
      return crypto.ed25519phSign(prepared, p.data, opts);
    default:
      return p.prehashed ? crypto.mlDsaSignMu(prepared, p.data) : crypto.mlDsaSign(prepared, p.data, { context: p.context });
  }
}

function verifyWith(ctx: EngineContext, prepared: PreparedKey, input: VerifyInput, p: Plan): boolean {
  const crypto = cryptoOf(ctx);
  const opts = { prehashed: p.prehashed };
  const sig = input.signature;
  switch (input.mechanism) {
    case 'rsa-pkcs':
      return crypto.rsaPkcs1Verify(prepared, p.hash!, p.data, sig, opts);
    case 'rsa-pkcs-pss':
      return crypto.rsaPssVerify(prepared, p.hash!, p.mgfHash!, saltLengthOf(input, p.hash!), p.data, sig, opts);
    case 'ecdsa':
      return crypto.ecdsaVerify(prepared, p.hash!, p.data, sig, opts);
    case 'ed25519':
      return crypto.ed25519Verify(prepared, p.data, sig);
    case 'ed25519ph':
      return crypto.ed25519phVerify(prepared, p.data, sig, opts);
    default:
      return p.prehashed ? crypto.mlDsaVerifyMu(prepared, p.data, sig) : crypto.mlDsaVerify(prepared, p.data, sig, { context: p.context });
  }
}

/** A signature, and the key that made it. */
export interface SignatureResult {
  keyRef: number;
  signature: Uint8Array;
}

export const sign = defineOperation({
  name: 'Sign',
  cluster: 'hsm',
  access: 'crypto-user',
  activated: true,
  write: false,
  run: ({ tx, ctx, cluster, actor, sessionKeys, approve }, input: SignInput): SignatureResult => {
    const p = plan(input);
    const key = selectSigningKey(tx, cluster, actor!, input, 'sign', sessionKeys);
    // keys.md §1: signing is the key-usage service of the key's use quorum.
    approve({ service: 'key-usage', required: key.useQuorum, key });
    const signature = signWith(ctx, preparedKey(ctx, cluster.clusterId, key), input, p);
    return { keyRef: key.ref, signature: input.signatureFormat === 'der' ? ecdsaP1363ToDer(signature) : signature };
  },
});

export const verify = defineOperation({
  name: 'Verify',
  cluster: 'hsm',
  access: 'crypto-user',
  activated: true,
  write: false,
  run: ({ tx, ctx, cluster, actor, sessionKeys }, input: VerifyInput) => {
    const p = plan(input);
    const key = selectSigningKey(tx, cluster, actor!, input, 'verify', sessionKeys);
    const scalarBytes = input.mechanism === 'ecdsa' ? CURVES[KEY_CURVES[key.curve ?? ''] as EcCurve].bytes : 0;
    const signature = input.signatureFormat === 'der' ? ecdsaDerToP1363(input.signature, scalarBytes) : input.signature;
    if (!verifyWith(ctx, preparedKey(ctx, cluster.clusterId, key), { ...input, signature }, p)) {
      if (input.mechanism === 'ecdsa' && input.signatureFormat !== 'der' && looksLikeDer(input.signature)) {
        throw new HsmError(
          'VERIFICATION_FAILED',
          `Signature verification failed. The signature is DER-encoded (as openssl and most libraries write ECDSA signatures), but the CloudHSM CLI takes raw r‖s: the two integers of the DER SEQUENCE, each left-padded to ${scalarBytes} bytes, one after the other (\`openssl asn1parse -inform DER\` shows them). cloudhsm-local also takes it as it is with --signature-format der`,
        );
      }
      throw new HsmError('VERIFICATION_FAILED', 'Signature verification failed');
    }
    return { message: 'Signature verified successfully' };
  },
});
