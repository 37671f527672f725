/**
 * `key wrap` and `key unwrap` (cli-commands.md §3.22-3.23, keys.md §5, §7) with the CLI's eight
 * mechanisms:
 * - aes-gcm (IV made by the HSM, returned apart; wrapped = ciphertext ‖ tag) and cloudhsm-aes-gcm
 *   (the same with the 12-byte IV prepended);
 * - aes-no-pad (RFC 3394 key wrap), aes-pkcs5-pad (PKCS#5 padding to a multiple of 8, then
 *   RFC 3394: a 16-byte key wraps to 32 bytes, as the CLI documents) and aes-zero-pad (zero
 *   padding, then RFC 3394);
 * - rsa-oaep and rsa-pkcs (the RSA public key encrypts the key bytes) and rsa-aes (PKCS#11
 *   RSA AES KEY WRAP: RSA-OAEP encrypts a fresh AES-256 key, which wraps the payload with
 *   RFC 5649; wrapped = OAEP block ‖ KWP output).
 * Secret keys travel as their raw bytes, private keys as PKCS#8 DER. Rules: only the owner wraps
 * its key; the payload must be extractable; the wrapping key needs wrap=true (unwrap=true to
 * unwrap) and, for a wrap-with-trusted payload, trusted=true. Unwrapped keys have local=false.
 */
import { HsmError } from '../errors.js';
import { validateRsaImport } from '../mechanisms/rsa-keys.js';
import { defineOperation, type Actor, type OperationEnv } from '../engine.js';
import type { ClusterRecord } from '../cluster/model.js';
import type { Transaction } from '../store/index.js';
import { AES_KEY_BYTES, type CryptoProvider, type HashName } from '../mechanisms/provider.js';
import { GCM_IV_BYTES, WRAPS, type WrapMechanism } from '../mechanisms/table.js';
import { GCM_TAG_BITS, mgf1Hash, mgf1Name, OAEP_HASHES, orList, WRAP_MECHANISMS } from '../mechanisms/choices.js';
import { selectKey } from './filters.js';
import type { KeySelector } from './selector.js';
import { markTransport } from './transport.js';
import { allocateReferences, checkDes3Key, checkDsaImport, checkKeyTypeAllowed, checkLabel, checkSharingAndQuorum, creationEvents, describeAsymmetric, genericSecretBytes, parseAttributeOverrides, secretCheckValue, storeKey, type CommonCreateInput, type ToolLimits } from './generate.js';
import { keyEvent, type PlannedEvent } from '../audit/record.js';
import { requireOwner } from './operations.js';
import { defaultAttributes, formatReference, viewOfKey, type KeyClass, type KeyRecord } from './model.js';
import { cryptoOf, preparedKey, secretMaterial } from './prepared.js';
import type { EngineContext } from '../context.js';
import { requireAvailable } from '../client/config.js';

export { WRAP_MECHANISMS, type WrapMechanism };
/** `key unwrap --key-type-class` (cli-commands.md §3.23; des3 only where the HSM type holds DES3 keys). */
export const UNWRAP_KEY_TYPE_CLASSES = ['aes', 'des3', 'ec-private', 'generic-secret', 'rsa-private'] as const;
/** What the operation also unwraps for key_mgmt_util's unWrapKey -kt 1: DSA private keys (hsm1.medium only). */
const UNWRAPPABLE_KEY_TYPE_CLASSES: readonly string[] = [...UNWRAP_KEY_TYPE_CLASSES, 'dsa-private'];
const SECRET_KEY_TYPE_CLASSES = ['aes', 'des3', 'generic-secret'] as const;
type SecretKeyType = (typeof SECRET_KEY_TYPE_CLASSES)[number];

/**
 * What a secret key that comes in from outside (unwrapped, or imported in plaintext by
 * key_mgmt_util's imSymKey) holds, once its bytes are checked against its type: AES 16, 24 or
 * 32 bytes, DES3 24 bytes of three distinct DES keys, a generic secret within the tool's limits.
 */
export function secretKeyFields(crypto: CryptoProvider, keyType: SecretKeyType, bytes: Uint8Array, limits: ToolLimits | undefined, what: string): Pick<KeyRecord, 'class' | 'keyType' | 'keyLengthBytes' | 'checkValue' | 'material'> {
  if (keyType === 'aes' && !AES_KEY_BYTES.includes(bytes.length)) {
    throw new HsmError('INVALID_ARGUMENT', `${what} is ${bytes.length} bytes, not an AES key (${orList(AES_KEY_BYTES)}); check the key type and the mechanism`);
  }
  if (keyType === 'des3') checkDes3Key(bytes, what);
  const secretBytes = genericSecretBytes(limits);
  if (keyType === 'generic-secret' && (bytes.length < secretBytes.min || bytes.length > secretBytes.max)) {
    throw new HsmError('INVALID_ARGUMENT', `${what} is ${bytes.length} bytes; a generic secret has ${secretBytes.min} to ${secretBytes.max}`);
  }
  return { class: 'secret-key', keyType, keyLengthBytes: bytes.length, checkValue: secretCheckValue(crypto, keyType, bytes), material: Buffer.from(bytes).toString('base64') };
}

export interface WrapParameters {
  tagLengthBits?: number;
  aad?: string;
  iv?: string;
  hash?: string;
  mgf?: string;
}

export interface WrapInput extends WrapParameters {
  clusterId?: string;
  mechanism: WrapMechanism;
  payloadFilter: KeySelector;
  wrappingFilter: KeySelector;
}

export interface UnwrapInput extends WrapParameters, CommonCreateInput {
  mechanism: WrapMechanism;
  filter: KeySelector;
  data: Uint8Array;
  keyTypeClass: string;
  label: string;
  attributes?: string[];
  /** The length a new secret key must have (PKCS #11's CKA_VALUE_LEN in an unwrap template); unchecked when absent. */
  keyLengthBytes?: number;
}

/** Hex as the CLI takes it for --aad and --iv: optional 0x, an even number of digits. */
export function parseHex(flag: string, text: string | undefined): Uint8Array {
  if (text === undefined) return new Uint8Array(0);
  const h = text.trim().replace(/^0x/i, '');
  if (!/^([0-9a-f]{2})*$/i.test(h)) throw new HsmError('INVALID_ARGUMENT', `${flag} must be hex bytes such as 0x0a1b2c, not "${text}"`);
  return new Uint8Array(Buffer.from(h, 'hex'));
}

/** Byte flags of the extensions (--iv, --tag, --context, --oaep-label): hex with a 0x prefix (like --aad) or base64 (as the output prints them). */
export function bytesArg(flag: string, text: string | undefined): Uint8Array | undefined {
  if (text === undefined) return undefined;
  const t = text.trim();
  // 0x and an even number of hex digits is hex. Anything else is read as base64, which may itself
  // start with "0x" or "0X" (one random base64 IV in a few thousand does).
  if (/^0x(?:[0-9a-f]{2})*$/i.test(t)) return parseHex(flag, t);
  if (!/^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/.test(t)) {
    throw new HsmError('INVALID_ARGUMENT', `${flag} must be hex with a 0x prefix or base64, not "${text}"`);
  }
  return new Uint8Array(Buffer.from(t, 'base64'));
}

const isAes = (m: WrapMechanism) => WRAPS[m].wrappingKey === 'aes';

function tagBytes(bits: number | undefined): number {
  if (bits === undefined || !Number.isInteger(bits) || !GCM_TAG_BITS.includes(bits)) {
    throw new HsmError('INVALID_ARGUMENT', `--tag-length-bits must be ${orList(GCM_TAG_BITS)}${bits === undefined ? '' : `, not ${bits}`}`);
  }
  return bits / 8;
}

function oaepHashes(p: WrapParameters): { hash: HashName; mgfHash: HashName } {
  if (!p.hash || !OAEP_HASHES.includes(p.hash as HashName)) throw new HsmError('INVALID_ARGUMENT', `--hash-function must be one of ${OAEP_HASHES.join(', ')}`);
  const mgf = mgf1Hash(p.mgf ?? '');
  if (!OAEP_HASHES.includes(mgf as HashName)) throw new HsmError('INVALID_ARGUMENT', `--mgf must be one of ${OAEP_HASHES.map(mgf1Name).join(', ')}`);
  return { hash: p.hash as HashName, mgfHash: mgf as HashName };
}

/** PKCS#5 padding to a multiple of 8 bytes, before RFC 3394 (aes-pkcs5-pad, KMU's mechanism 4). */
export function pkcs5Pad(data: Uint8Array): Uint8Array {
  const n = 8 - (data.length % 8);
  return Uint8Array.from([...data, ...new Array<number>(n).fill(n)]);
}

export function pkcs5Unpad(data: Uint8Array): Uint8Array {
  const n = data[data.length - 1] ?? 0;
  if (n < 1 || n > 8 || n > data.length || data.subarray(data.length - n).some((b) => b !== n)) {
    throw new HsmError('DECRYPTION_FAILED', 'the unwrapped data has no valid PKCS#5 padding: wrong key, mechanism or data');
  }
  return data.subarray(0, data.length - n);
}

/** Selects a wrapping or unwrapping key and checks its type and usage attribute. */
export function selectWrappingKey(tx: Transaction, cluster: ClusterRecord, actor: Actor, selector: KeySelector, mechanism: WrapMechanism, purpose: 'wrap' | 'unwrap', sessionKeys: Map<number, KeyRecord>): KeyRecord {
  const key = selectKey(tx, cluster.clusterId, actor, selector, sessionKeys);
  requireAvailable(tx, cluster, key);
  const ref = formatReference(key.ref);
  if (isAes(mechanism)) {
    if (key.keyType !== 'aes') throw new HsmError('INVALID_ARGUMENT', `${mechanism} needs an AES ${purpose}ping key; key ${ref} is ${key.keyType}`, { details: { role: 'wrapping-key' } });
  } else {
    const needed: KeyClass = purpose === 'wrap' ? 'public-key' : 'private-key';
    if (key.keyType !== 'rsa' || key.class !== needed) {
      throw new HsmError('INVALID_ARGUMENT', `${mechanism} ${purpose}s with an RSA ${needed === 'public-key' ? 'public' : 'private'} key; key ${ref} is ${key.keyType} ${key.class}`, { details: { role: 'wrapping-key' } });
    }
  }
  if (!key.attributes[purpose]) {
    throw new HsmError('KEY_ATTRIBUTE_REFUSED', `key ${ref} has ${purpose}=false; its owner can allow it with \`key set-attribute --filter key-reference=${ref} --name ${purpose} --value true\``, { details: { attribute: purpose } });
  }
  return key;
}

/** The bytes a key travels as: raw secret bytes, or PKCS#8 DER for a private key. */
export function payloadBytes(ctx: EngineContext, clusterId: string, key: KeyRecord): Uint8Array {
  if (key.class === 'secret-key') return secretMaterial(key);
  if (key.class === 'private-key') return cryptoOf(ctx).exportPkcs8(preparedKey(ctx, clusterId, key));
  throw new HsmError('INVALID_ARGUMENT', `key ${formatReference(key.ref)} is a public key; public keys are not wrapped (export them with \`key generate-file --encoding pem\`)`, { details: { role: 'payload' } });
}

/**
 * audit-log.md §4.6: a key wrapped out is CN_WRAP_KEY (the key), then CN_NIST_AES_WRAP (the
 * wrapping key) when an AES key wraps it, on the HSM that ran it only: nothing else changes.
 */
export function wrapEvents(payload: KeyRecord, wrapping: KeyRecord): PlannedEvent[] {
  return [keyEvent('CN_WRAP_KEY', payload.ref), ...(wrapping.keyType === 'aes' ? [keyEvent('CN_NIST_AES_WRAP', wrapping.ref)] : [])];
}

/**
 * §4.5: a key unwrapped in is CN_NIST_AES_WRAP (the unwrapping key) when an AES key unwraps it,
 * then CN_UNWRAP_KEY (the new key) and its masked-object sync, as for a generated key.
 */
export function unwrapEvents(unwrapping: KeyRecord, created: KeyRecord): PlannedEvent[] {
  return [...(unwrapping.keyType === 'aes' ? [keyEvent('CN_NIST_AES_WRAP', unwrapping.ref)] : []), ...creationEvents('CN_UNWRAP_KEY', [created])];
}

/** A wrapped key: the bytes, the two keys, and the IV `aes-gcm` chose (the others carry theirs inside). */
export interface WrappedKey {
  payloadRef: number;
  wrappingRef: number;
  iv?: Uint8Array;
  wrapped: Uint8Array;
}

export const wrapKey = defineOperation({
  name: 'WrapKey',
  cluster: 'hsm',
  access: 'crypto-user',
  activated: true,
  write: true,
  audit: (input: WrapInput) => keyEvent('CN_WRAP_KEY', input.payloadFilter.ref),
  run: ({ tx, ctx, cluster, actor, sessionKeys, approve, record }, input: WrapInput) => {
    const payload = selectKey(tx, cluster.clusterId, actor!, input.payloadFilter, sessionKeys);
    requireOwner(payload, actor!, 'wrap it');
    if (!payload.attributes.extractable) {
      throw new HsmError('KEY_ATTRIBUTE_REFUSED', `key ${formatReference(payload.ref)} has extractable=false: it can never leave the HSM`, { details: { attribute: 'extractable' } });
    }
    const wrapping = selectWrappingKey(tx, cluster, actor!, input.wrappingFilter, input.mechanism, 'wrap', sessionKeys);
    if (payload.attributes['wrap-with-trusted'] && !wrapping.attributes.trusted) {
      throw new HsmError('KEY_ATTRIBUTE_REFUSED', `key ${formatReference(payload.ref)} has wrap-with-trusted=true, but wrapping key ${formatReference(wrapping.ref)} is not trusted (an admin sets trusted=true)`, { details: { attribute: 'wrap-with-trusted' } });
    }
    // keys.md §1: wrapping is the key-management service of both keys, each with its own approval.
    approve({ service: 'key-management', required: payload.manageQuorum, key: payload, flag: 'payload-approval' });
    approve({ service: 'key-management', required: wrapping.manageQuorum, key: wrapping, flag: 'wrapping-approval' });
    const crypto = cryptoOf(ctx);
    const bytes = payloadBytes(ctx, cluster.clusterId, payload);
    const out: WrappedKey = { payloadRef: payload.ref, wrappingRef: wrapping.ref, wrapped: new Uint8Array(0) };
    let wrapped: Uint8Array;
    switch (input.mechanism) {
      case 'aes-gcm':
      case 'cloudhsm-aes-gcm': {
        const iv = new Uint8Array(ctx.random(GCM_IV_BYTES));
        const r = crypto.aesGcmEncrypt(secretMaterial(wrapping), iv, bytes, parseHex('--aad', input.aad), tagBytes(input.tagLengthBits));
        wrapped = Uint8Array.from([...(input.mechanism === 'cloudhsm-aes-gcm' ? iv : []), ...r.ciphertext, ...r.tag]);
        if (input.mechanism === 'aes-gcm') out.iv = iv;
        break;
      }
      case 'aes-no-pad':
        if (bytes.length % 8 !== 0 || bytes.length < 16) {
          throw new HsmError('INVALID_ARGUMENT', `aes-no-pad wraps keys whose length is a multiple of 8 bytes (at least 16); this key has ${bytes.length}. Use aes-pkcs5-pad`, { details: { role: 'payload' } });
        }
        wrapped = crypto.aesKeyWrap(secretMaterial(wrapping), bytes);
        break;
      case 'aes-pkcs5-pad':
        wrapped = crypto.aesKeyWrap(secretMaterial(wrapping), pkcs5Pad(bytes));
        break;
      case 'aes-zero-pad': {
        const padded = new Uint8Array(Math.max(16, Math.ceil(bytes.length / 8) * 8));
        padded.set(bytes);
        wrapped = crypto.aesKeyWrap(secretMaterial(wrapping), padded);
        break;
      }
      case 'rsa-oaep': {
        const { hash, mgfHash } = oaepHashes(input);
        wrapped = crypto.rsaOaepEncrypt(preparedKey(ctx, cluster.clusterId, wrapping), hash, mgfHash, undefined, bytes);
        break;
      }
      case 'rsa-aes': {
        const { hash, mgfHash } = oaepHashes(input);
        const ephemeral = new Uint8Array(ctx.random(WRAPS['rsa-aes'].ephemeralAesBytes));
        const block = crypto.rsaOaepEncrypt(preparedKey(ctx, cluster.clusterId, wrapping), hash, mgfHash, undefined, ephemeral);
        wrapped = Uint8Array.from([...block, ...crypto.aesKeyWrapPad(ephemeral, bytes)]);
        break;
      }
      default:
        wrapped = crypto.rsaPkcs1Encrypt(preparedKey(ctx, cluster.clusterId, wrapping), bytes);
    }
    out.wrapped = wrapped;
    markTransport(tx, wrapping);
    record(wrapEvents(payload, wrapping));
    return out;
  },
});

/** Recovers the payload bytes. Failures to authenticate are DECRYPTION_FAILED. */
function unwrapBytes(ctx: EngineContext, clusterId: string, key: KeyRecord, input: UnwrapInput): Uint8Array {
  const crypto = cryptoOf(ctx);
  const data = input.data;
  switch (input.mechanism) {
    case 'aes-gcm':
    case 'cloudhsm-aes-gcm': {
      const tag = tagBytes(input.tagLengthBits);
      let iv: Uint8Array;
      let body = data;
      if (input.mechanism === 'cloudhsm-aes-gcm') {
        iv = data.subarray(0, GCM_IV_BYTES);
        body = data.subarray(GCM_IV_BYTES);
      } else {
        iv = parseHex('--iv', input.iv);
        if (iv.length === 0) throw new HsmError('INVALID_ARGUMENT', 'aes-gcm unwrap needs --iv, the hex IV that `key wrap aes-gcm` returned');
      }
      if (body.length < tag) throw new HsmError('INVALID_ARGUMENT', 'the wrapped data is shorter than its tag');
      return crypto.aesGcmDecrypt(secretMaterial(key), iv, body.subarray(0, body.length - tag), body.subarray(body.length - tag), parseHex('--aad', input.aad));
    }
    case 'aes-no-pad':
    case 'aes-zero-pad':
      return crypto.aesKeyUnwrap(secretMaterial(key), data);
    case 'aes-pkcs5-pad':
      return pkcs5Unpad(crypto.aesKeyUnwrap(secretMaterial(key), data));
    case 'rsa-oaep': {
      const { hash, mgfHash } = oaepHashes(input);
      return crypto.rsaOaepDecrypt(preparedKey(ctx, clusterId, key), hash, mgfHash, undefined, data);
    }
    case 'rsa-aes': {
      const { hash, mgfHash } = oaepHashes(input);
      const blockBytes = (key.modulusSizeBits ?? 2048) / 8;
      if (data.length <= blockBytes) throw new HsmError('INVALID_ARGUMENT', `rsa-aes wrapped data must be longer than the ${blockBytes}-byte RSA block`);
      const ephemeral = crypto.rsaOaepDecrypt(preparedKey(ctx, clusterId, key), hash, mgfHash, undefined, data.subarray(0, blockBytes));
      return crypto.aesKeyUnwrapPad(ephemeral, data.subarray(blockBytes));
    }
    default:
      return crypto.rsaPkcs1Decrypt(preparedKey(ctx, clusterId, key), data);
  }
}

/** Length of a DER element at the start of `der` (for zero-padded PKCS#8). */
function derLength(der: Uint8Array): number {
  if (der[0] !== 0x30 || der.length < 2) return der.length;
  const first = der[1]!;
  if (first < 0x80) return 2 + first;
  const n = first & 0x7f;
  let len = 0;
  for (let i = 0; i < n; i++) len = len * 256 + (der[2 + i] ?? 0);
  return 2 + n + len;
}

export const unwrapKey = defineOperation({
  name: 'UnwrapKey',
  cluster: 'hsm',
  access: 'crypto-user',
  activated: true,
  write: true,
  // The new key has no handle yet: the refusal names none.
  audit: () => keyEvent('CN_UNWRAP_KEY'),
  run: (env, input: UnwrapInput) => {
    const { tx, ctx, cluster, actor, sessionKeys, approve } = env;
    const label = checkLabel(input.label);
    if (!UNWRAPPABLE_KEY_TYPE_CLASSES.includes(input.keyTypeClass)) {
      throw new HsmError('INVALID_ARGUMENT', `--key-type-class must be one of ${UNWRAP_KEY_TYPE_CLASSES.join(', ')}, not "${input.keyTypeClass}"`);
    }
    if (input.keyTypeClass === 'des3' || input.keyTypeClass === 'dsa-private') checkKeyTypeAllowed(cluster, input.keyTypeClass === 'des3' ? 'des3' : 'dsa');
    const key = selectWrappingKey(tx, cluster, actor!, input.filter, input.mechanism, 'unwrap', sessionKeys);
    // keys.md §1: unwrapping is the key-management service of the unwrapping key.
    approve({ service: 'key-management', required: key.manageQuorum, key });
    let bytes = unwrapBytes(ctx, cluster.clusterId, key, input);
    const crypto = cryptoOf(ctx);
    const secret = (SECRET_KEY_TYPE_CLASSES as readonly string[]).includes(input.keyTypeClass);
    // The overrides are checked before any key material is read.
    parseAttributeOverrides(input.attributes, '--attributes', secret ? 'secret-key' : 'private-key');
    let record: IncomingKeyFields;
    if (secret) {
      record = secretKeyFields(crypto, input.keyTypeClass as SecretKeyType, bytes, input.limits, 'the unwrapped data');
      if (input.keyLengthBytes !== undefined && input.keyLengthBytes !== bytes.length) {
        throw new HsmError('INVALID_ARGUMENT', `the unwrapped key is ${bytes.length} bytes, not the ${input.keyLengthBytes} asked for; check the key length and the mechanism`, { details: { role: 'template' } });
      }
    } else {
      if (input.mechanism === 'aes-zero-pad') bytes = bytes.subarray(0, Math.min(bytes.length, derLength(bytes)));
      let imported;
      try {
        imported = crypto.importPrivateDer(bytes, 'pkcs8');
      } catch {
        throw new HsmError('INVALID_ARGUMENT', 'the unwrapped data is not a PKCS#8 private key; check --key-type-class and the mechanism');
      }
      const wantType = input.keyTypeClass.replace(/-private$/, '');
      const actualType = imported.spec.type === 'rsa' ? 'rsa' : imported.spec.type === 'ec' || imported.spec.type === 'ed25519' || imported.spec.type === 'x25519' ? 'ec' : imported.spec.type;
      if (actualType !== wantType) throw new HsmError('INVALID_ARGUMENT', `the unwrapped key is ${actualType}, but --key-type-class is ${input.keyTypeClass}`, { details: { role: 'template' } });
      if ((imported.spec.type === 'ed25519' || imported.spec.type === 'x25519') && cluster.mode !== 'NON_FIPS') throw new HsmError('MECHANISM_NOT_ALLOWED', `${imported.spec.type} keys exist only in NON_FIPS clusters`);
      const publicKey = crypto.publicKeyOf(crypto.preparePrivate(imported.spec, imported.material));
      if (imported.spec.type === 'rsa') validateRsaImport(publicKey, imported.material);
      if (imported.spec.type === 'dsa') checkDsaImport(cluster, publicKey);
      const described = describeAsymmetric(crypto, imported.spec, publicKey, imported.material);
      record = {
        class: 'private-key',
        keyType: actualType,
        keyLengthBytes: described.privateLength!,
        checkValue: described.checkValue,
        ...described.typeFields,
        material: Buffer.from(imported.material).toString('base64'),
      };
    }
    const created = storeIncomingKey(env, input, label, record);
    env.record(unwrapEvents(key, created));
    return { key: viewOfKey(created, cluster) };
  },
});

/** What a key from outside holds once its bytes are read: everything but its identity, owner and attributes. */
export type IncomingKeyFields = Omit<KeyRecord, 'ref' | 'attributes' | 'owner' | 'sharedUsers' | 'manageQuorum' | 'useQuorum' | 'createdAt' | 'label' | 'id' | 'emptyIdText'>;

/**
 * Stores a key that came in from outside (unwrapped, or imported in plaintext by imSymKey) for
 * the caller: its attribute overrides and sharing checked, local=false and, since it has been
 * outside, always-sensitive and never-extractable false (cli-commands.md §3.23).
 */
export function storeIncomingKey(env: OperationEnv<unknown>, input: CommonCreateInput & { attributes?: string[] }, label: string, fields: IncomingKeyFields): KeyRecord {
  const { tx, ctx, cluster, actor } = env;
  const { id, ...booleans } = parseAttributeOverrides(input.attributes, '--attributes', fields.class);
  const sharees = checkSharingAndQuorum(tx, cluster.clusterId, actor!, input);
  const attributes = { ...defaultAttributes(fields.class, fields.keyType), ...booleans };
  attributes.token = !input.session;
  attributes.local = false;
  attributes['always-sensitive'] = false;
  attributes['never-extractable'] = false;
  const [ref] = allocateReferences(tx, cluster.clusterId, 1);
  const created: KeyRecord = {
    ...fields,
    ref: ref!,
    label,
    id: id ?? '',
    emptyIdText: '0x',
    attributes,
    owner: actor!.username,
    sharedUsers: sharees,
    manageQuorum: input.manageQuorum ?? 0,
    useQuorum: input.useQuorum ?? 0,
    createdAt: ctx.now(),
  };
  storeKey(env, created);
  return created;
}
