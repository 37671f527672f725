/**
 * Key material in the clear, as key_mgmt_util moves it (legacy-shells.md §3): exSymKey and
 * exportPrivateKey write a plaintext copy of a secret or private key to a file, imSymKey reads a
 * plaintext secret key from one. This is the one way key material leaves the HSM in the clear
 * (PRODUCT.md: secrets reach the user only when an exportable key is exported), so it is guarded
 * as the tool is:
 * - export: only a crypto user who owns the key; only a key with extractable=true; only through
 *   an AES wrapping key with wrap=true and decrypt=true (the exportPrivateKey page requires both;
 *   exSymKey goes through the same two steps [assumed alike]); a wrap-with-trusted key only
 *   through a trusted wrapping key; a key (or wrapping key) under key quorum not at all, since no
 *   approval can be given here (keys.md §1: key wrap is a key-management quorum operation);
 * - the key is wrapped with the NIST AES wrap of mechanism 4 (PKCS#5 padding, then RFC 3394) and
 *   unwrapped again for the host, by the HSM with the wrapping key, or with -wk by the host with
 *   the key bytes it holds; a wrong host key fails the unwrap and nothing leaves;
 * - import: the host's plaintext is wrapped (by the HSM with the wrapping key, which needs
 *   encrypt=true, or with -wk by the host) and unwrapped into a new key by the wrapping key,
 *   which needs unwrap=true; the new key has local=false, like an unwrapped one.
 *
 * Each direction is an operation of its own, ExportPlaintextKey and ImportPlaintextKey, and the
 * audit log records every plaintext export and import (audit-log.md §4.5-4.6: exSymKey is
 * CN_WRAP_KEY then CN_NIST_AES_WRAP on the HSM that ran it, imSymKey CN_NIST_AES_WRAP then
 * CN_UNWRAP_KEY and the new key's masked-object sync), refused ones included. Nothing here marks the wrapping
 * key as a key-transport key (keys/transport.ts): the wrapped bytes never leave the operation, so
 * there is no blob it could later decrypt.
 */
import { HsmError } from '../errors.js';
import { defineOperation, type ClusterInput } from '../engine.js';
import { AES_KEY_BYTES } from '../mechanisms/table.js';
import { orList } from '../mechanisms/choices.js';
import { selectKey } from './filters.js';
import { checkKeyTypeAllowed, checkLabel, type CommonCreateInput } from './generate.js';
import { formatReference, viewOfKey, type KeyRecord, type KeyView } from './model.js';
import { requireOwner } from './operations.js';
import { cryptoOf, secretMaterial } from './prepared.js';
import type { KeySelector } from './selector.js';
import { payloadBytes, pkcs5Pad, pkcs5Unpad, secretKeyFields, selectWrappingKey, storeIncomingKey, unwrapEvents, wrapEvents } from './wrap.js';
import { keyEvent } from '../audit/record.js';
import type { CryptoProvider } from '../mechanisms/provider.js';

/** The wrap both tools use: key_mgmt_util's mechanism 4, NIST_AES_WRAP (PKCS#5 padding, RFC 3394). */
const MECHANISM = 'aes-pkcs5-pad';

/** What goes out in the clear: secret keys (exSymKey) and private keys (exportPrivateKey). */
const EXPORTED_CLASSES = ['secret-key', 'private-key'] as const;

export interface ExportPlaintextInput extends ClusterInput {
  /** The key to export, of the class the tool exports. */
  payloadFilter: KeySelector;
  keyClass: (typeof EXPORTED_CLASSES)[number];
  /** The AES key of the HSM that wraps it on the way out. */
  wrappingFilter: KeySelector;
  /** -wk: the wrapping key's bytes as the host holds them; the host, not the HSM, unwraps then. */
  hostUnwrapKey?: Uint8Array;
}

/** The exported key: its view, and its bytes (a secret key's raw bytes, a private key's PKCS#8 DER). */
export interface PlaintextKey {
  key: KeyView;
  plaintext: Uint8Array;
}

function checkHostKey(bytes: Uint8Array | undefined): void {
  if (bytes !== undefined && !AES_KEY_BYTES.includes(bytes.length)) {
    throw new HsmError('INVALID_ARGUMENT', `the wrapping key file holds ${bytes.length} bytes, not an AES key (${orList(AES_KEY_BYTES)} bytes)`);
  }
}

function refuseQuorum(key: KeyRecord, role: string): void {
  if (key.manageQuorum > 1) {
    throw new HsmError('PERMISSION_DENIED', `Quorum approval is required for this operation (the ${role} ${formatReference(key.ref)} has manage-key-quorum-value ${key.manageQuorum}); key_mgmt_util gives no approvals`);
  }
}

function refuse(key: KeyRecord, attribute: string, why: string): never {
  throw new HsmError('KEY_ATTRIBUTE_REFUSED', `key ${formatReference(key.ref)} has ${attribute}=false: ${why}`);
}

/** The NIST AES wrap of `bytes` and back: wrapped under `wrapKey`, unwrapped with `unwrapKey`; a mismatch is DECRYPTION_FAILED. */
function wrapAndUnwrap(crypto: CryptoProvider, wrapKey: Uint8Array, unwrapKey: Uint8Array, bytes: Uint8Array): Uint8Array {
  return pkcs5Unpad(crypto.aesKeyUnwrap(unwrapKey, crypto.aesKeyWrap(wrapKey, pkcs5Pad(bytes))));
}

export const exportPlaintextKey = defineOperation({
  name: 'ExportPlaintextKey',
  cluster: 'hsm',
  access: 'crypto-user',
  activated: true,
  // It changes no key, but writes its audit events.
  write: true,
  audit: (input: ExportPlaintextInput) => keyEvent('CN_WRAP_KEY', input.payloadFilter.ref),
  run: ({ tx, ctx, cluster, actor, sessionKeys, record }, input: ExportPlaintextInput): PlaintextKey => {
    // Checked where it enters: the API takes untyped callers too.
    if (!EXPORTED_CLASSES.includes(input.keyClass)) throw new HsmError('INVALID_ARGUMENT', `keyClass must be ${orList(EXPORTED_CLASSES)}, not "${input.keyClass as string}"`);
    checkHostKey(input.hostUnwrapKey);
    const payload = selectKey(tx, cluster.clusterId, actor!, input.payloadFilter, sessionKeys);
    const ref = formatReference(payload.ref);
    if (payload.class !== input.keyClass) {
      const tool = input.keyClass === 'secret-key' ? 'exSymKey exports secret keys' : 'exportPrivateKey exports private keys';
      throw new HsmError('INVALID_ARGUMENT', `key ${ref} is a ${payload.class}; ${tool}${payload.class === 'public-key' ? ' (public keys go out with exportPubKey)' : ''}`);
    }
    requireOwner(payload, actor!, 'export it');
    if (!payload.attributes.extractable) refuse(payload, 'extractable', 'it can never leave the HSM');
    refuseQuorum(payload, 'key');
    const wrapping = selectWrappingKey(tx, cluster, actor!, input.wrappingFilter, MECHANISM, 'wrap', sessionKeys);
    if (!wrapping.attributes.decrypt) refuse(wrapping, 'decrypt', 'a plaintext export unwraps the key for the host with it, which needs decrypt=true as well as wrap=true');
    refuseQuorum(wrapping, 'wrapping key');
    if (payload.attributes['wrap-with-trusted'] && !wrapping.attributes.trusted) {
      throw new HsmError('KEY_ATTRIBUTE_REFUSED', `key ${ref} has wrap-with-trusted=true, but wrapping key ${formatReference(wrapping.ref)} is not trusted (an admin sets trusted=true)`);
    }
    const crypto = cryptoOf(ctx);
    const wrapKey = secretMaterial(wrapping);
    const plaintext = wrapAndUnwrap(crypto, wrapKey, input.hostUnwrapKey ?? wrapKey, payloadBytes(ctx, cluster.clusterId, payload));
    record(wrapEvents(payload, wrapping));
    return { key: viewOfKey(payload, cluster), plaintext };
  },
});

export interface ImportPlaintextInput extends CommonCreateInput {
  /** The key's bytes as the file holds them. */
  data: Uint8Array;
  keyType: 'aes' | 'des3';
  label: string;
  attributes?: string[];
  /** The AES key of the HSM that unwraps it on the way in. */
  wrappingFilter: KeySelector;
  /** -wk: the wrapping key's bytes as the host holds them; the host, not the HSM, wraps then. */
  hostWrapKey?: Uint8Array;
}

/** key_mgmt_util's imSymKey -t: 21 (DES3) and 31 (AES). */
export const PLAINTEXT_IMPORT_TYPES = ['aes', 'des3'] as const;

export const importPlaintextKey = defineOperation({
  name: 'ImportPlaintextKey',
  cluster: 'hsm',
  access: 'crypto-user',
  activated: true,
  write: true,
  audit: () => keyEvent('CN_UNWRAP_KEY'),
  run: (env, input: ImportPlaintextInput) => {
    const { tx, ctx, cluster, actor, sessionKeys } = env;
    const label = checkLabel(input.label);
    if (!PLAINTEXT_IMPORT_TYPES.includes(input.keyType)) throw new HsmError('INVALID_ARGUMENT', `a plaintext key is imported as ${orList(PLAINTEXT_IMPORT_TYPES)}, not "${input.keyType as string}"`);
    checkKeyTypeAllowed(cluster, input.keyType);
    checkHostKey(input.hostWrapKey);
    const wrapping = selectWrappingKey(tx, cluster, actor!, input.wrappingFilter, MECHANISM, 'unwrap', sessionKeys);
    if (!input.hostWrapKey && !wrapping.attributes.encrypt) refuse(wrapping, 'encrypt', 'it wraps the plaintext for the HSM, which needs encrypt=true (or give -wk, the key file, to wrap on the host)');
    const unwrapKey = secretMaterial(wrapping);
    const bytes = wrapAndUnwrap(cryptoOf(ctx), input.hostWrapKey ?? unwrapKey, unwrapKey, input.data);
    const fields = secretKeyFields(cryptoOf(ctx), input.keyType, bytes, input.limits, 'the key file');
    const created = storeIncomingKey(env, input, label, fields);
    env.record(unwrapEvents(wrapping, created));
    return { key: viewOfKey(created, cluster) };
  },
});


/**
 * A secret key's value as PKCS #11's CKA_VALUE gives it: PKCS #11 §4.9 lets it be read only
 * when the key has sensitive=false and extractable=true. [emulator rule] Only the key's owner
 * reads it (a sharee may only use a key, users-and-auth.md §3), never a wrap-with-trusted key or
 * one under key quorum (exSymKey above refuses those without a trusted key or approvals, which
 * no attribute read gives), and no event is logged: reading
 * an attribute is not one of the operations the HSM audits (audit-log.md §2).
 */
export const readKeyValue = defineOperation({
  name: 'GetAttributeValue',
  cluster: 'hsm',
  access: 'crypto-user',
  activated: true,
  write: false,
  run: ({ tx, cluster, actor, sessionKeys }, input: ClusterInput & { filter: KeySelector }): { value: Uint8Array } => {
    const key = selectKey(tx, cluster.clusterId, actor!, input.filter, sessionKeys);
    const ref = formatReference(key.ref);
    if (key.class !== 'secret-key') throw new HsmError('INVALID_ARGUMENT', `key ${ref} is a ${key.class}; only a secret key's value is read as CKA_VALUE`);
    requireOwner(key, actor!, 'read its value');
    if (key.attributes.sensitive) throw new HsmError('KEY_ATTRIBUTE_REFUSED', `key ${ref} has sensitive=true: its value never leaves the HSM in plaintext`, { details: { attribute: 'sensitive' } });
    if (!key.attributes.extractable) refuse(key, 'extractable', 'its value never leaves the HSM');
    // Read in the clear, the value leaves as exSymKey exports it: not past the rules a wrap is held to.
    if (key.attributes['wrap-with-trusted']) {
      throw new HsmError('KEY_ATTRIBUTE_REFUSED', `key ${ref} has wrap-with-trusted=true: its value leaves the HSM only wrapped by a trusted key`, { details: { attribute: 'wrap-with-trusted' } });
    }
    if (key.manageQuorum > 1) {
      throw new HsmError('KEY_ATTRIBUTE_REFUSED', `key ${ref} has manage-key-quorum-value ${key.manageQuorum}: its value leaves the HSM only by a wrap the quorum approves`, { details: { attribute: 'manage-key-quorum-value' } });
    }
    return { value: secretMaterial(key) };
  },
});
