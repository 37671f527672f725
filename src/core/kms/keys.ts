/**
 * KMS keys (kms-custom-key-store.md §6): symmetric encryption keys of a local AWS KMS, either in a
 * custom key store (Origin AWS_CLOUDHSM: an AES-256 token key in the cluster, owned by kmsuser,
 * non-extractable, labelled with the KMS key ARN, used only while the store is CONNECTED) or
 * standard ones (Origin AWS_KMS, the material kept in the sealed state), so that an application
 * using both kinds talks to one KMS. Encrypt, Decrypt, GenerateDataKey(WithoutPlaintext),
 * DescribeKey, ListKeys, EnableKey, DisableKey, ScheduleKeyDeletion and CancelKeyDeletion. Each
 * operation on a key asks access.ts whether its caller may (the key policy, or a grant).
 *
 * Ciphertext blob [emulator rule, §6.3]: version (1) ‖ ARN length (1) ‖ KMS key ARN ‖ IV (12) ‖
 * AES-256-GCM ciphertext ‖ tag (16), the additional data being the encryption context as JSON
 * with its keys sorted. A blob names its key; a changed blob or another context fails to decrypt.
 */
import { randomUUID } from 'node:crypto';
import type { EngineContext } from '../context.js';
import { awsError, type ErrorCode, type KmsErrorType } from '../errors.js';
import { defineOperation, type ClusterInput, type OperationEnv } from '../engine.js';
import { activeHsms, storeKeys, type ClusterRecord } from '../cluster/model.js';
import type { ReadView } from '../store/index.js';
import { recordEvents } from '../audit/record.js';
import { keyStoreKeys as hsmKeys } from '../keys/filters.js';
import type { KeyRecord } from '../keys/model.js';
import { allocateReferences, attributesFor, checkCapacity, creationEvents, secretCheckValue } from '../keys/generate.js';
import { cryptoOf, secretMaterial } from '../keys/prepared.js';
import { KMS_USER, keyStoreKeys, type KeyStoreRecord } from './key-stores.js';
import { authorize, authorizeInAccount, LOCAL_ACCOUNT, type KmsCaller } from './access.js';
import { checkKmsTags, creationKey, kmsRecordKeys, pageAfter, withKmsTags, type KmsTag, type PolicyRecord } from './key-records.js';
import { checkLockout, parsePolicy } from './policy-document.js';
import { kmsKeys, materialClusterId, materialIn, type AliasRecord } from './model.js';
import { scheduleHousekeeping } from '../backups/lifecycle.js';

export { kmsKeys } from './model.js';

export { LOCAL_ACCOUNT } from './access.js';
const DEFAULT_REGION = 'us-east-1';
const BLOB_VERSION = 1;
const IV_BYTES = 12;
const TAG_BYTES = 16;

export interface KmsKeyRecord {
  keyId: string;
  arn: string;
  origin: 'AWS_CLOUDHSM' | 'AWS_KMS';
  description: string;
  createdAt: number;
  /** What EnableKey and DisableKey recorded; the visible state may be Unavailable (§6.4). */
  enabled: boolean;
  deletionDate?: number;
  pendingWindowInDays?: number;
  /**
   * AWS_CLOUDHSM: the store, the cluster the key was made in and the key's reference there. Its
   * material is looked up in the store's cluster now (model.ts materialClusterId), which a
   * recovery may have moved to a related cluster.
   */
  customKeyStoreId?: string;
  clusterId?: string;
  keyReference?: number;
  /** AWS_KMS: the key material, base64 (in the sealed state). */
  material?: string;
}

export type KeyState = 'Enabled' | 'Disabled' | 'PendingDeletion' | 'Unavailable';

function kmsError(code: ErrorCode, type: KmsErrorType, operation: string, message: string) {
  return awsError(code, type, operation, message);
}

/** A key by ID, ARN, alias name (`alias/…`) or alias ARN. */
export function findKey(view: ReadView, keyId: unknown, operation: string): KmsKeyRecord {
  let id = typeof keyId === 'string' ? keyId.replace(/^arn:aws:kms:[^:]+:\d{12}:(?=alias\/)/, '').replace(/^arn:aws:kms:[^:]+:\d{12}:key\//, '') : '';
  if (id.startsWith('alias/')) id = view.get<AliasRecord>(kmsKeys.alias(id))?.keyId ?? '';
  const key = id ? view.get<KmsKeyRecord>(kmsKeys.key(id)) : undefined;
  if (!key) throw kmsError('KMS_KEY_NOT_FOUND', 'NotFoundException', operation, `Key '${String(keyId)}' does not exist`);
  return key;
}

/** A key by key ID or key ARN, for the operations that take no alias (grants, key policies, tags). */
export function keyByIdOrArn(view: ReadView, keyId: unknown, operation: string): KmsKeyRecord {
  if (typeof keyId !== 'string' || keyId === '') throw kmsError('INVALID_ARGUMENT', 'ValidationException', operation, 'KeyId is required: the key ID or key ARN');
  if (keyId.includes('alias/')) throw kmsError('INVALID_ARGUMENT', 'ValidationException', operation, `KeyId must be a key ID or key ARN; ${operation} does not take an alias`);
  return findKey(view, keyId, operation);
}

/** The cluster key holding an AWS_CLOUDHSM key's material, in its store's cluster, if it is still there. */
function hsmKeyOf(view: ReadView, key: KmsKeyRecord): KeyRecord | undefined {
  return materialIn(view, materialClusterId(view, key), key);
}

/** §6.4: the state a key shows, derived at read time from the store and the cluster. */
export function keyStateOf(view: ReadView, key: KmsKeyRecord): KeyState {
  if (key.deletionDate !== undefined) return 'PendingDeletion';
  if (key.origin === 'AWS_CLOUDHSM') {
    const store = view.get<KeyStoreRecord>(keyStoreKeys.store(key.customKeyStoreId!));
    if (store?.state !== 'CONNECTED' || !hsmKeyOf(view, key)) return 'Unavailable';
  }
  return key.enabled ? 'Enabled' : 'Disabled';
}

export interface KeyMetadata {
  AWSAccountId: string;
  KeyId: string;
  Arn: string;
  CreationDate: Date;
  Enabled: boolean;
  Description: string;
  KeyUsage: 'ENCRYPT_DECRYPT';
  KeyState: KeyState;
  DeletionDate?: Date;
  PendingDeletionWindowInDays?: number;
  Origin: KmsKeyRecord['origin'];
  CustomKeyStoreId?: string;
  CloudHsmClusterId?: string;
  KeyManager: 'CUSTOMER';
  CustomerMasterKeySpec: 'SYMMETRIC_DEFAULT';
  KeySpec: 'SYMMETRIC_DEFAULT';
  EncryptionAlgorithms: ['SYMMETRIC_DEFAULT'];
  MultiRegion: false;
}

function metadataOf(view: ReadView, key: KmsKeyRecord): KeyMetadata {
  const state = keyStateOf(view, key);
  return {
    AWSAccountId: LOCAL_ACCOUNT,
    KeyId: key.keyId,
    Arn: key.arn,
    CreationDate: new Date(key.createdAt),
    Enabled: state === 'Enabled',
    Description: key.description,
    KeyUsage: 'ENCRYPT_DECRYPT',
    KeyState: state,
    ...(key.deletionDate !== undefined ? { DeletionDate: new Date(key.deletionDate), PendingDeletionWindowInDays: key.pendingWindowInDays } : {}),
    Origin: key.origin,
    ...(key.customKeyStoreId ? { CustomKeyStoreId: key.customKeyStoreId, CloudHsmClusterId: materialClusterId(view, key) } : {}),
    KeyManager: 'CUSTOMER',
    CustomerMasterKeySpec: 'SYMMETRIC_DEFAULT',
    KeySpec: 'SYMMETRIC_DEFAULT',
    EncryptionAlgorithms: ['SYMMETRIC_DEFAULT'],
    MultiRegion: false,
  };
}

export interface CreateKmsKeyInput extends ClusterInput, KmsCaller {
  /** The key policy (default: KMS's default key policy, the account may do anything). */
  Policy?: string;
  BypassPolicyLockoutSafetyCheck?: boolean;
  Tags?: KmsTag[];
  Origin?: string;
  CustomKeyStoreId?: string;
  Description?: string;
  KeySpec?: string;
  CustomerMasterKeySpec?: string;
  KeyUsage?: string;
  MultiRegion?: boolean;
}

/** CreateKey (§6.1): a symmetric key, in a connected custom key store or a standard one. */
export const createKmsKey = defineOperation({
  name: 'CreateKey',
  cluster: 'none',
  access: 'none',
  write: true,
  run: (env: OperationEnv<undefined>, input: CreateKmsKeyInput): { KeyMetadata: KeyMetadata } => {
    const { tx, ctx } = env;
    const operation = 'CreateKey';
    const origin = input.Origin ?? 'AWS_KMS';
    const spec = input.KeySpec ?? input.CustomerMasterKeySpec ?? 'SYMMETRIC_DEFAULT';
    if (origin !== 'AWS_KMS' && origin !== 'AWS_CLOUDHSM') throw kmsError('KMS_UNSUPPORTED', 'UnsupportedOperationException', operation, `Origin ${origin} is not supported here; use AWS_KMS or AWS_CLOUDHSM`);
    if (spec !== 'SYMMETRIC_DEFAULT' || (input.KeyUsage ?? 'ENCRYPT_DECRYPT') !== 'ENCRYPT_DECRYPT') {
      throw kmsError('KMS_UNSUPPORTED', 'UnsupportedOperationException', operation, `KeySpec ${spec} with KeyUsage ${input.KeyUsage ?? 'ENCRYPT_DECRYPT'} is not supported: only symmetric encryption keys (SYMMETRIC_DEFAULT, ENCRYPT_DECRYPT)`);
    }
    if (input.MultiRegion) throw kmsError('KMS_UNSUPPORTED', 'UnsupportedOperationException', operation, 'Multi-Region keys are not supported here');
    if ((origin === 'AWS_CLOUDHSM') !== (input.CustomKeyStoreId !== undefined)) {
      throw kmsError('INVALID_ARGUMENT', 'ValidationException', operation, 'A key in a custom key store takes Origin AWS_CLOUDHSM and a CustomKeyStoreId; a standard key takes neither');
    }
    const principal = authorizeInAccount(input, 'kms:CreateKey', operation);
    const policy = input.Policy === undefined ? undefined : parsePolicy(input.Policy, operation);
    const tags = input.Tags === undefined ? [] : withKmsTags([], checkKmsTags(input.Tags, operation), operation);
    const keyId = randomUUIDFrom(ctx);
    /** The key's policy (when not the default) and tags, once its ARN is known; refused by the lockout check before anything is made. */
    const saveRecords = (arn: string) => {
      if (policy) {
        checkLockout(policy, principal, arn, input.BypassPolicyLockoutSafetyCheck, operation);
        tx.put(kmsRecordKeys.policy(keyId), { name: 'default', document: input.Policy! } satisfies PolicyRecord);
      }
      if (tags.length > 0) tx.put(kmsRecordKeys.tags(keyId), { tags });
    };
    const base = { keyId, origin, description: input.Description ?? '', createdAt: ctx.now(), enabled: true } as const;
    if (origin === 'AWS_KMS') {
      const arn = `arn:aws:kms:${DEFAULT_REGION}:${LOCAL_ACCOUNT}:key/${keyId}`;
      saveRecords(arn);
      const key: KmsKeyRecord = { ...base, arn, material: ctx.random(32).toString('base64') };
      tx.put(kmsKeys.key(keyId), key);
      return { KeyMetadata: metadataOf(tx, key) };
    }
    const store = connectedStore(tx, input.CustomKeyStoreId!, operation);
    const cluster = tx.get<ClusterRecord>(storeKeys.cluster(store.clusterId));
    const zones = new Set(cluster ? activeHsms(cluster).map((h) => h.availabilityZone) : []);
    if (!cluster || zones.size < 2) {
      throw kmsError('CLUSTER_INVALID_CONFIGURATION', 'CloudHsmClusterInvalidConfigurationException', operation, `AWS CloudHSM cluster ${store.clusterId} needs at least two ACTIVE HSMs in different Availability Zones to create a key`);
    }
    const arn = `arn:aws:kms:${cluster.region}:${LOCAL_ACCOUNT}:key/${keyId}`;
    saveRecords(arn);
    // §6.1: an AES-256 token key in the cluster, owned by kmsuser, non-extractable, labelled with the ARN.
    checkCapacity(tx, cluster, 1);
    const material = ctx.random(32);
    const [ref] = allocateReferences(tx, cluster.clusterId, 1);
    const hsmKey: KeyRecord = {
      ref: ref!,
      class: 'secret-key',
      keyType: 'aes',
      label: arn,
      id: '',
      emptyIdText: '',
      attributes: attributesFor('secret-key', 'aes', { extractable: false, encrypt: true, decrypt: true }, false),
      keyLengthBytes: 32,
      checkValue: secretCheckValue(cryptoOf(ctx), 'aes', material),
      owner: KMS_USER,
      sharedUsers: [],
      manageQuorum: 0,
      useQuorum: 0,
      material: material.toString('base64'),
      createdAt: ctx.now(),
    };
    tx.put(hsmKeys.key(cluster.clusterId, hsmKey.ref), hsmKey);
    recordEvents(tx, ctx, cluster, undefined, creationEvents('CN_GENERATE_KEY', [hsmKey]));
    const key: KmsKeyRecord = { ...base, arn, customKeyStoreId: store.id, clusterId: cluster.clusterId, keyReference: hsmKey.ref };
    tx.put(kmsKeys.key(keyId), key);
    return { KeyMetadata: metadataOf(tx, key) };
  },
});

/** A key ID from the context's random source, so that the deterministic mode replays it. */
function randomUUIDFrom(ctx: EngineContext): string {
  if (ctx.deterministicSeed === undefined) return randomUUID();
  const b = ctx.random(16);
  b[6] = (b[6]! & 0x0f) | 0x40;
  b[8] = (b[8]! & 0x3f) | 0x80;
  const h = b.toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/** A custom key store that must be CONNECTED for `operation`. */
function connectedStore(view: ReadView, id: string, operation: string): KeyStoreRecord {
  const store = view.get<KeyStoreRecord>(keyStoreKeys.store(id));
  if (!store) throw kmsError('KEY_STORE_NOT_FOUND', 'CustomKeyStoreNotFoundException', operation, `Custom key store ${id} does not exist`);
  if (store.state !== 'CONNECTED') throw kmsError('KEY_STORE_INVALID_STATE', 'CustomKeyStoreInvalidStateException', operation, `Custom key store ${store.id} is ${store.state}; connect it first`);
  return store;
}

/** DescribeKey. */
export const describeKmsKey = defineOperation({
  name: 'DescribeKey',
  cluster: 'none',
  access: 'none',
  write: false,
  run: ({ tx }, input: { KeyId: string; clusterId?: string } & KmsCaller): { KeyMetadata: KeyMetadata } => {
    const key = findKey(tx, input.KeyId, 'DescribeKey');
    authorize(tx, key, input, { action: 'kms:DescribeKey', operation: 'DescribeKey' });
    return { KeyMetadata: metadataOf(tx, key) };
  },
});

/** ListKeys: the keys of the local account, oldest first, a page at a time (Limit 1-1000, default 100). */
export const listKmsKeys = defineOperation({
  name: 'ListKeys',
  cluster: 'none',
  access: 'none',
  write: false,
  run: ({ tx }, input: { Limit?: number; Marker?: string; clusterId?: string } & KmsCaller): { Keys: Array<{ KeyId: string; KeyArn: string }>; NextMarker?: string; Truncated: boolean } => {
    authorizeInAccount(input, 'kms:ListKeys', 'ListKeys');
    const keys = tx.list<KmsKeyRecord>(kmsKeys.prefix).map(([, k]) => k);
    const p = pageAfter(keys, (k) => creationKey(k.createdAt, k.keyId), input.Limit, input.Marker, 'ListKeys', 1000, 100);
    return { Keys: p.items.map((k) => ({ KeyId: k.keyId, KeyArn: k.arn })), ...(p.NextMarker ? { NextMarker: p.NextMarker } : {}), Truncated: p.Truncated };
  },
});

/** The key's material for a cryptographic call, after §6.3's preconditions. */
export function usableMaterial(view: ReadView, key: KmsKeyRecord, operation: string): Uint8Array {
  if (key.deletionDate !== undefined) throw kmsError('KMS_INVALID_STATE', 'KMSInvalidStateException', operation, `${key.arn} is pending deletion`);
  if (!key.enabled) throw kmsError('KMS_KEY_DISABLED', 'DisabledException', operation, `${key.arn} is disabled`);
  if (key.origin === 'AWS_KMS') return Buffer.from(key.material!, 'base64');
  const store = view.get<KeyStoreRecord>(keyStoreKeys.store(key.customKeyStoreId!));
  if (store?.state !== 'CONNECTED') {
    throw kmsError('KMS_INVALID_STATE', 'KMSInvalidStateException', operation, `${key.arn} is unavailable: its custom key store ${key.customKeyStoreId} is ${store?.state ?? 'gone'}`);
  }
  const clusterId = store.clusterId;
  const cluster = view.get<ClusterRecord>(storeKeys.cluster(clusterId));
  if (!cluster || activeHsms(cluster).length === 0) throw kmsError('KMS_INVALID_STATE', 'KMSInvalidStateException', operation, `${key.arn} is unavailable: its cluster ${clusterId} has no ACTIVE HSM`);
  const hsmKey = materialIn(view, clusterId, key);
  if (!hsmKey) throw kmsError('KMS_INVALID_STATE', 'KMSInvalidStateException', operation, `${key.arn} is unavailable: its key material is no longer in cluster ${clusterId}`);
  return secretMaterial(hsmKey);
}

type EncryptionContext = Record<string, string> | undefined;

/** Refuses an encryption context that is not strings to strings (the API takes untyped callers). */
export function checkEncryptionContext(context: EncryptionContext, operation: string): void {
  if (context !== undefined && (typeof context !== 'object' || Object.values(context).some((v) => typeof v !== 'string'))) {
    throw kmsError('INVALID_ARGUMENT', 'ValidationException', operation, 'EncryptionContext must map strings to strings');
  }
}

/** The encryption context as additional data: its pairs as JSON, keys sorted. */
function contextBytes(context: EncryptionContext, operation: string): Buffer {
  checkEncryptionContext(context, operation);
  if (context === undefined) return Buffer.alloc(0);
  return Buffer.from(JSON.stringify(Object.keys(context).sort().map((k) => [k, context[k]])), 'utf8');
}

export function seal(ctx: EngineContext, key: KmsKeyRecord, material: Uint8Array, plaintext: Uint8Array, context: EncryptionContext, operation: string): Uint8Array {
  const iv = ctx.random(IV_BYTES);
  const { ciphertext, tag } = cryptoOf(ctx).aesGcmEncrypt(material, iv, plaintext, contextBytes(context, operation), TAG_BYTES);
  const arn = Buffer.from(key.arn, 'utf8');
  return Buffer.concat([Buffer.from([BLOB_VERSION, arn.length]), arn, iv, ciphertext, tag]);
}

function checkPlaintext(plaintext: unknown, operation: string): Uint8Array {
  if (!(plaintext instanceof Uint8Array) || plaintext.length < 1 || plaintext.length > 4096) {
    throw kmsError('INVALID_ARGUMENT', 'ValidationException', operation, 'Plaintext must be 1 to 4096 bytes');
  }
  return plaintext;
}

export interface EncryptInput extends ClusterInput, KmsCaller {
  KeyId: string;
  Plaintext: Uint8Array;
  EncryptionContext?: Record<string, string>;
}

/** Encrypt. */
export const kmsEncrypt = defineOperation({
  name: 'Encrypt',
  cluster: 'none',
  access: 'none',
  write: false,
  run: ({ tx, ctx }, input: EncryptInput) => {
    const key = findKey(tx, input.KeyId, 'Encrypt');
    authorize(tx, key, input, { action: 'kms:Encrypt', operation: 'Encrypt', context: input.EncryptionContext });
    const blob = seal(ctx, key, usableMaterial(tx, key, 'Encrypt'), checkPlaintext(input.Plaintext, 'Encrypt'), input.EncryptionContext, 'Encrypt');
    return { CiphertextBlob: blob, KeyId: key.arn, EncryptionAlgorithm: 'SYMMETRIC_DEFAULT' as const };
  },
});

export interface DecryptInput extends ClusterInput, KmsCaller {
  CiphertextBlob: Uint8Array;
  KeyId?: string;
  EncryptionContext?: Record<string, string>;
}

/** Decrypt: the blob names its key; with KeyId given, it must be that key. */
export const kmsDecrypt = defineOperation({
  name: 'Decrypt',
  cluster: 'none',
  access: 'none',
  write: false,
  run: ({ tx, ctx }, input: DecryptInput) => openBlob(tx, ctx, input, 'Decrypt', 'kms:Decrypt'),
});

/** A blob's plaintext for Decrypt, or for ReEncrypt (which needs kms:ReEncryptFrom instead). */
function openBlob(tx: ReadView, ctx: EngineContext, input: DecryptInput, operation: 'Decrypt' | 'ReEncrypt', action: 'kms:Decrypt' | 'kms:ReEncryptFrom') {
  const blob = input.CiphertextBlob instanceof Uint8Array ? Buffer.from(input.CiphertextBlob) : Buffer.alloc(0);
  const invalid = () => kmsError('KMS_INVALID_CIPHERTEXT', 'InvalidCiphertextException', operation, 'The ciphertext is not a KMS ciphertext blob, or it was changed, or its encryption context differs');
  if (blob.length < 2 || blob[0] !== BLOB_VERSION || blob.length < 2 + blob[1]! + IV_BYTES + TAG_BYTES) throw invalid();
  const arn = blob.subarray(2, 2 + blob[1]!).toString('utf8');
  const key = tx.get<KmsKeyRecord>(kmsKeys.key(arn.replace(/^.*:key\//, '')));
  if (!key || key.arn !== arn) throw invalid();
  if (input.KeyId !== undefined && findKey(tx, input.KeyId, operation).keyId !== key.keyId) {
    throw kmsError('KMS_INCORRECT_KEY', 'IncorrectKeyException', operation, `The ciphertext was encrypted under ${key.arn}, not ${input.KeyId}`);
  }
  authorize(tx, key, input, { action, operation, context: input.EncryptionContext });
  const material = usableMaterial(tx, key, operation);
  const body = blob.subarray(2 + blob[1]!);
  const iv = body.subarray(0, IV_BYTES);
  const tag = body.subarray(body.length - TAG_BYTES);
  try {
    const plaintext = cryptoOf(ctx).aesGcmDecrypt(material, iv, body.subarray(IV_BYTES, body.length - TAG_BYTES), tag, contextBytes(input.EncryptionContext, operation));
    return { Plaintext: plaintext, KeyId: key.arn, EncryptionAlgorithm: 'SYMMETRIC_DEFAULT' as const };
  } catch {
    throw invalid();
  }
}

export interface GenerateDataKeyInput extends ClusterInput, KmsCaller {
  KeyId: string;
  NumberOfBytes?: number;
  KeySpec?: string;
  EncryptionContext?: Record<string, string>;
  /** GenerateDataKeyWithoutPlaintext. */
  withoutPlaintext?: boolean;
}

/** GenerateDataKey and GenerateDataKeyWithoutPlaintext: NumberOfBytes 1-1024, or KeySpec AES_128 / AES_256. */
export const kmsGenerateDataKey = defineOperation({
  name: 'GenerateDataKey',
  cluster: 'none',
  access: 'none',
  write: false,
  run: ({ tx, ctx }, input: GenerateDataKeyInput) => {
    const operation = input.withoutPlaintext ? 'GenerateDataKeyWithoutPlaintext' : 'GenerateDataKey';
    if ((input.NumberOfBytes === undefined) === (input.KeySpec === undefined)) {
      throw kmsError('INVALID_ARGUMENT', 'ValidationException', operation, 'Give NumberOfBytes or KeySpec (AES_128 or AES_256), one of them');
    }
    const bytes = input.KeySpec === 'AES_256' ? 32 : input.KeySpec === 'AES_128' ? 16 : input.NumberOfBytes;
    if (bytes === undefined || !Number.isInteger(bytes) || bytes < 1 || bytes > 1024) {
      throw kmsError('INVALID_ARGUMENT', 'ValidationException', operation, input.KeySpec !== undefined ? `KeySpec must be AES_128 or AES_256, not ${input.KeySpec}` : 'NumberOfBytes must be 1 to 1024');
    }
    const key = findKey(tx, input.KeyId, operation);
    authorize(tx, key, input, { action: `kms:${operation}`, operation, context: input.EncryptionContext });
    const material = usableMaterial(tx, key, operation);
    const plaintext = new Uint8Array(ctx.random(bytes));
    const blob = seal(ctx, key, material, plaintext, input.EncryptionContext, operation);
    return { CiphertextBlob: blob, ...(input.withoutPlaintext ? {} : { Plaintext: plaintext }), KeyId: key.arn };
  },
});

/** EnableKey and DisableKey: recorded even while the key is Unavailable (§6.4). */
function enablement(enable: boolean) {
  const operation = enable ? 'EnableKey' : 'DisableKey';
  return defineOperation({
    name: operation,
    cluster: 'none',
    access: 'none',
    write: true,
    run: ({ tx }, input: { KeyId: string; clusterId?: string } & KmsCaller): Record<string, never> => {
      const key = findKey(tx, input.KeyId, operation);
      authorize(tx, key, input, { action: `kms:${operation}`, operation });
      if (key.deletionDate !== undefined) throw kmsError('KMS_INVALID_STATE', 'KMSInvalidStateException', operation, `${key.arn} is pending deletion; cancel the deletion first`);
      tx.put(kmsKeys.key(key.keyId), { ...key, enabled: enable });
      return {};
    },
  });
}

export const enableKmsKey = enablement(true);
export const disableKmsKey = enablement(false);

/** ScheduleKeyDeletion: 7-30 days (default 30) of cluster time. */
export const scheduleKmsKeyDeletion = defineOperation({
  name: 'ScheduleKeyDeletion',
  cluster: 'none',
  access: 'none',
  write: true,
  run: ({ tx, ctx }, input: { KeyId: string; PendingWindowInDays?: number; clusterId?: string } & KmsCaller) => {
    const operation = 'ScheduleKeyDeletion';
    const days = input.PendingWindowInDays ?? 30;
    if (!Number.isInteger(days) || days < 7 || days > 30) throw kmsError('INVALID_ARGUMENT', 'ValidationException', operation, 'PendingWindowInDays must be 7 to 30');
    const key = findKey(tx, input.KeyId, operation);
    authorize(tx, key, input, { action: 'kms:ScheduleKeyDeletion', operation });
    if (key.deletionDate !== undefined) throw kmsError('KMS_INVALID_STATE', 'KMSInvalidStateException', operation, `${key.arn} is already pending deletion`);
    const deletionDate = ctx.now() + days * 86_400_000;
    tx.put(kmsKeys.key(key.keyId), { ...key, deletionDate, pendingWindowInDays: days });
    // The engine's housekeeping deletes the key then (deletion.ts).
    scheduleHousekeeping(tx, deletionDate);
    return { KeyId: key.arn, DeletionDate: new Date(deletionDate), KeyState: 'PendingDeletion' as const, PendingWindowInDays: days };
  },
});

/** CancelKeyDeletion: the key comes back Disabled. */
export const cancelKmsKeyDeletion = defineOperation({
  name: 'CancelKeyDeletion',
  cluster: 'none',
  access: 'none',
  write: true,
  run: ({ tx }, input: { KeyId: string; clusterId?: string } & KmsCaller) => {
    const operation = 'CancelKeyDeletion';
    const key = findKey(tx, input.KeyId, operation);
    authorize(tx, key, input, { action: 'kms:CancelKeyDeletion', operation });
    if (key.deletionDate === undefined) throw kmsError('KMS_INVALID_STATE', 'KMSInvalidStateException', operation, `${key.arn} is not pending deletion`);
    const { deletionDate: _date, pendingWindowInDays: _days, ...rest } = key;
    tx.put(kmsKeys.key(key.keyId), { ...rest, enabled: false });
    return { KeyId: key.arn };
  },
});

/** The Region of a key's ARN. */
const regionOf = (key: KmsKeyRecord) => key.arn.split(':')[3] ?? DEFAULT_REGION;

/** The alias a request names, for a caller IAM may let act on aliases of the local account. */
function checkAliasName(name: unknown, caller: KmsCaller, operation: 'CreateAlias' | 'UpdateAlias' | 'DeleteAlias'): string {
  authorizeInAccount(caller, `kms:${operation}`, operation);
  if (typeof name !== 'string' || !/^alias\/[a-zA-Z0-9/_-]{1,250}$/.test(name)) {
    throw kmsError('INVALID_ARGUMENT', 'ValidationException', operation, 'AliasName must be alias/ followed by 1 to 250 letters, digits, /, _ or -');
  }
  if (name.startsWith('alias/aws/')) throw kmsError('INVALID_ARGUMENT', 'ValidationException', operation, 'alias/aws/ names are reserved for AWS managed keys');
  return name;
}

/** The key an alias may point at: one that exists, the caller may point aliases at, and is not pending deletion. */
function aliasTarget(view: ReadView, keyId: unknown, caller: KmsCaller, operation: 'CreateAlias' | 'UpdateAlias'): KmsKeyRecord {
  if (typeof keyId === 'string' && keyId.includes('alias/')) throw kmsError('INVALID_ARGUMENT', 'ValidationException', operation, 'TargetKeyId must be a key ID or key ARN, not an alias');
  const key = findKey(view, keyId, operation);
  authorize(view, key, caller, { action: `kms:${operation}`, operation });
  if (key.deletionDate !== undefined) throw kmsError('KMS_INVALID_STATE', 'KMSInvalidStateException', operation, `${key.arn} is pending deletion`);
  return key;
}

/** CreateAlias. */
export const createKmsAlias = defineOperation({
  name: 'CreateAlias',
  cluster: 'none',
  access: 'none',
  write: true,
  run: ({ tx, ctx }, input: { AliasName: string; TargetKeyId: string; clusterId?: string } & KmsCaller): Record<string, never> => {
    const operation = 'CreateAlias';
    const name = checkAliasName(input.AliasName, input, operation);
    if (tx.has(kmsKeys.alias(name))) throw kmsError('KMS_ALREADY_EXISTS', 'AlreadyExistsException', operation, `An alias with the name ${name} already exists`);
    const key = aliasTarget(tx, input.TargetKeyId, input, operation);
    tx.put(kmsKeys.alias(name), { name, keyId: key.keyId, createdAt: ctx.now(), updatedAt: ctx.now() } satisfies AliasRecord);
    return {};
  },
});

/** UpdateAlias: the alias points at another key. */
export const updateKmsAlias = defineOperation({
  name: 'UpdateAlias',
  cluster: 'none',
  access: 'none',
  write: true,
  run: ({ tx, ctx }, input: { AliasName: string; TargetKeyId: string; clusterId?: string } & KmsCaller): Record<string, never> => {
    const operation = 'UpdateAlias';
    const name = checkAliasName(input.AliasName, input, operation);
    const alias = tx.get<AliasRecord>(kmsKeys.alias(name));
    if (!alias) throw kmsError('KMS_KEY_NOT_FOUND', 'NotFoundException', operation, `Alias ${name} does not exist`);
    // KMS asks for kms:UpdateAlias on the key the alias leaves as well as on the one it points to.
    const current = tx.get<KmsKeyRecord>(kmsKeys.key(alias.keyId));
    if (current) authorize(tx, current, input, { action: 'kms:UpdateAlias', operation });
    tx.put(kmsKeys.alias(name), { ...alias, keyId: aliasTarget(tx, input.TargetKeyId, input, operation).keyId, updatedAt: ctx.now() } satisfies AliasRecord);
    return {};
  },
});

/** DeleteAlias: the key stays. */
export const deleteKmsAlias = defineOperation({
  name: 'DeleteAlias',
  cluster: 'none',
  access: 'none',
  write: true,
  run: ({ tx }, input: { AliasName: string; clusterId?: string } & KmsCaller): Record<string, never> => {
    const operation = 'DeleteAlias';
    const name = checkAliasName(input.AliasName, input, operation);
    const alias = tx.get<AliasRecord>(kmsKeys.alias(name));
    if (!alias) throw kmsError('KMS_KEY_NOT_FOUND', 'NotFoundException', operation, `Alias ${name} does not exist`);
    const key = tx.get<KmsKeyRecord>(kmsKeys.key(alias.keyId));
    if (key) authorize(tx, key, input, { action: 'kms:DeleteAlias', operation });
    tx.delete(kmsKeys.alias(name));
    return {};
  },
});

/** ListAliases: all, or a key's, by name, a page at a time (Limit 1-100, default 50). */
export const listKmsAliases = defineOperation({
  name: 'ListAliases',
  cluster: 'none',
  access: 'none',
  write: false,
  run: ({ tx }, input: { KeyId?: string; Limit?: number; Marker?: string; clusterId?: string } & KmsCaller) => {
    authorizeInAccount(input, 'kms:ListAliases', 'ListAliases');
    const only = input.KeyId === undefined ? undefined : findKey(tx, input.KeyId, 'ListAliases').keyId;
    const aliases = tx
      .list<AliasRecord>(kmsKeys.aliasPrefix)
      .map(([, a]) => a)
      .filter((a) => only === undefined || a.keyId === only)
      .map((a) => {
        const key = tx.get<KmsKeyRecord>(kmsKeys.key(a.keyId));
        const region = key ? regionOf(key) : DEFAULT_REGION;
        return { AliasName: a.name, AliasArn: `arn:aws:kms:${region}:${LOCAL_ACCOUNT}:${a.name}`, TargetKeyId: a.keyId, CreationDate: new Date(a.createdAt), LastUpdatedDate: new Date(a.updatedAt) };
      });
    const p = pageAfter(aliases, (a) => a.AliasName, input.Limit, input.Marker, 'ListAliases');
    return { Aliases: p.items, ...(p.NextMarker ? { NextMarker: p.NextMarker } : {}), Truncated: p.Truncated };
  },
});

/** ReEncrypt: decrypts under the blob's key and encrypts under another, without returning the plaintext. */
export const kmsReEncrypt = defineOperation({
  name: 'ReEncrypt',
  cluster: 'none',
  access: 'none',
  write: false,
  run: (env: OperationEnv<undefined>, input: { CiphertextBlob: Uint8Array; SourceKeyId?: string; SourceEncryptionContext?: Record<string, string>; DestinationKeyId: string; DestinationEncryptionContext?: Record<string, string>; clusterId?: string } & KmsCaller) => {
    const caller: KmsCaller = { principal: input.principal, GrantTokens: input.GrantTokens };
    const decrypted = openBlob(env.tx, env.ctx, { ...caller, CiphertextBlob: input.CiphertextBlob, KeyId: input.SourceKeyId, EncryptionContext: input.SourceEncryptionContext }, 'ReEncrypt', 'kms:ReEncryptFrom');
    const destination = findKey(env.tx, input.DestinationKeyId, 'ReEncrypt');
    authorize(env.tx, destination, caller, { action: 'kms:ReEncryptTo', operation: 'ReEncrypt', context: input.DestinationEncryptionContext });
    const blob = seal(env.ctx, destination, usableMaterial(env.tx, destination, 'ReEncrypt'), decrypted.Plaintext, input.DestinationEncryptionContext, 'ReEncrypt');
    return { CiphertextBlob: blob, SourceKeyId: decrypted.KeyId, KeyId: destination.arn, SourceEncryptionAlgorithm: 'SYMMETRIC_DEFAULT' as const, DestinationEncryptionAlgorithm: 'SYMMETRIC_DEFAULT' as const };
  },
});

/** GenerateRandom: 1 to 1024 bytes; with a CustomKeyStoreId, from its cluster, which must be connected. */
export const kmsGenerateRandom = defineOperation({
  name: 'GenerateRandom',
  cluster: 'none',
  access: 'none',
  write: false,
  run: ({ tx, ctx }, input: { NumberOfBytes?: number; CustomKeyStoreId?: string; clusterId?: string } & KmsCaller) => {
    const operation = 'GenerateRandom';
    const n = input.NumberOfBytes;
    if (n === undefined || !Number.isInteger(n) || n < 1 || n > 1024) throw kmsError('INVALID_ARGUMENT', 'ValidationException', operation, 'NumberOfBytes must be 1 to 1024');
    if (input.CustomKeyStoreId !== undefined) {
      // Random bytes from the local account's cluster: its key store is the account's resource.
      authorizeInAccount(input, 'kms:GenerateRandom', operation);
      connectedStore(tx, input.CustomKeyStoreId, operation);
    }
    return { Plaintext: new Uint8Array(ctx.random(n)) };
  },
});
