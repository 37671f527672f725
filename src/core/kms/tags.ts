/**
 * What labels a KMS key (kms-custom-key-store.md §6.3 "tags, description"; KMS TagResource,
 * UntagResource, ListResourceTags, UpdateKeyDescription): tags are a TagKey of 1 to 128
 * characters (not beginning with aws:, which AWS reserves) and a TagValue of 0 to 256, at most 50
 * on a key (key-records.ts); a bad tag is TagException. Tagging, untagging and describing a key
 * pending deletion is KMSInvalidStateException; listing its tags works in every state.
 */
import { awsError } from '../errors.js';
import { defineOperation } from '../engine.js';
import type { ReadView, Transaction } from '../store/index.js';
import { keyByIdOrArn, kmsKeys, type KmsKeyRecord } from './keys.js';
import { authorize, type KmsCaller } from './access.js';
import { checkKmsTagKey, checkKmsTags, kmsRecordKeys, pageAfter, withKmsTags, type KmsTag, type TagsRecord } from './key-records.js';

const MAX_DESCRIPTION_CHARS = 8192;

/** A key the caller may change with `operation`, not pending deletion. */
function changeableKey(tx: Transaction, input: { KeyId: string } & KmsCaller, operation: 'TagResource' | 'UntagResource' | 'UpdateKeyDescription'): KmsKeyRecord {
  const key = keyByIdOrArn(tx, input.KeyId, operation);
  authorize(tx, key, input, { action: `kms:${operation}`, operation });
  if (key.deletionDate !== undefined) throw awsError('KMS_INVALID_STATE', 'KMSInvalidStateException', operation, `${key.arn} is pending deletion`);
  return key;
}

const tagsOf = (view: ReadView, keyId: string): KmsTag[] => view.get<TagsRecord>(kmsRecordKeys.tags(keyId))?.tags.map((t) => ({ ...t })) ?? [];

function saveTags(tx: Transaction, keyId: string, tags: KmsTag[]): void {
  if (tags.length === 0) tx.delete(kmsRecordKeys.tags(keyId));
  else tx.put(kmsRecordKeys.tags(keyId), { tags } satisfies TagsRecord);
}

/** TagResource: adds tags, or gives keys already there new values. */
export const tagKmsResource = defineOperation({
  name: 'TagResource',
  cluster: 'none',
  access: 'none',
  write: true,
  run: ({ tx }, input: { KeyId: string; Tags: KmsTag[]; clusterId?: string } & KmsCaller): Record<string, never> => {
    const operation = 'TagResource';
    const tags = checkKmsTags(input.Tags, operation);
    const key = changeableKey(tx, input, operation);
    saveTags(tx, key.keyId, withKmsTags(tagsOf(tx, key.keyId), tags, operation));
    return {};
  },
});

/** UntagResource: removes tags by key (keys the key does not carry are ignored). */
export const untagKmsResource = defineOperation({
  name: 'UntagResource',
  cluster: 'none',
  access: 'none',
  write: true,
  run: ({ tx }, input: { KeyId: string; TagKeys: string[]; clusterId?: string } & KmsCaller): Record<string, never> => {
    const operation = 'UntagResource';
    if (!Array.isArray(input.TagKeys)) throw awsError('INVALID_ARGUMENT', 'ValidationException', operation, 'TagKeys must be a list of tag keys');
    const gone = new Set(input.TagKeys.map((k) => checkKmsTagKey(k, operation)));
    const key = changeableKey(tx, input, operation);
    saveTags(tx, key.keyId, tagsOf(tx, key.keyId).filter((t) => !gone.has(t.TagKey)));
    return {};
  },
});

/** ListResourceTags: a key's tags, in the order they were first set. */
export const listKmsResourceTags = defineOperation({
  name: 'ListResourceTags',
  cluster: 'none',
  access: 'none',
  write: false,
  run: ({ tx }, input: { KeyId: string; Limit?: number; Marker?: string; clusterId?: string } & KmsCaller) => {
    const operation = 'ListResourceTags';
    const key = keyByIdOrArn(tx, input.KeyId, operation);
    authorize(tx, key, input, { action: 'kms:ListResourceTags', operation });
    const p = pageAfter(tagsOf(tx, key.keyId), (t) => t.TagKey, input.Limit, input.Marker, operation, 50, 50);
    return { Tags: p.items, ...(p.NextMarker ? { NextMarker: p.NextMarker } : {}), Truncated: p.Truncated };
  },
});

/** UpdateKeyDescription: 0 to 8192 characters. */
export const updateKmsKeyDescription = defineOperation({
  name: 'UpdateKeyDescription',
  cluster: 'none',
  access: 'none',
  write: true,
  run: ({ tx }, input: { KeyId: string; Description: string; clusterId?: string } & KmsCaller): Record<string, never> => {
    const operation = 'UpdateKeyDescription';
    if (typeof input.Description !== 'string' || input.Description.length > MAX_DESCRIPTION_CHARS) {
      throw awsError('INVALID_ARGUMENT', 'ValidationException', operation, `Description must be text of at most ${MAX_DESCRIPTION_CHARS} characters`);
    }
    const key = changeableKey(tx, input, operation);
    tx.put(kmsKeys.key(key.keyId), { ...key, description: input.Description } satisfies KmsKeyRecord);
    return {};
  },
});
