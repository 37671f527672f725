/**
 * KMS key tags and description (TagResource, UntagResource, ListResourceTags,
 * UpdateKeyDescription, CreateKey's Tags): KMS's tag rules with TagException, the 50-tag quota,
 * no change to a key pending deletion, and the key policy deciding who may.
 */
import assert from 'node:assert/strict';
import { perform } from '../../../src/core/engine.js';
import type { EngineContext } from '../../../src/core/context.js';
import { createKmsKey, describeKmsKey, listKmsKeys, scheduleKmsKeyDeletion } from '../../../src/core/kms/keys.js';
import { listKmsResourceTags, tagKmsResource, untagKmsResource, updateKmsKeyDescription } from '../../../src/core/kms/tags.js';
import { refused, testContext } from '../../support/helpers.js';

const APP = 'arn:aws:iam::111122223333:role/app';

describe('core/kms: tags and description', function () {
  this.timeout(30_000);
  let ctx: EngineContext;

  beforeEach(async () => {
    ctx = await testContext('kms-tags');
  });

  it('CreateKey\'s Tags, TagResource (a key there takes the new value), UntagResource, ListResourceTags with paging', async () => {
    const { KeyMetadata: key } = await perform(ctx, createKmsKey, { Tags: [{ TagKey: 'team', TagValue: 'payments' }, { TagKey: 'empty', TagValue: '' }] });
    await perform(ctx, tagKmsResource, { KeyId: key.Arn, Tags: [{ TagKey: 'team', TagValue: 'risk' }, { TagKey: 'env', TagValue: 'dev' }] });
    // By tag key; a page's marker names its last tag, so a tag untagged before it skips nothing.
    assert.deepEqual((await perform(ctx, listKmsResourceTags, { KeyId: key.KeyId })).Tags, [
      { TagKey: 'empty', TagValue: '' },
      { TagKey: 'env', TagValue: 'dev' },
      { TagKey: 'team', TagValue: 'risk' },
    ]);
    const first = await perform(ctx, listKmsResourceTags, { KeyId: key.KeyId, Limit: 2 });
    assert.equal(first.Truncated, true);
    await perform(ctx, untagKmsResource, { KeyId: key.KeyId, TagKeys: ['empty'] });
    const rest = await perform(ctx, listKmsResourceTags, { KeyId: key.KeyId, Limit: 2, Marker: first.NextMarker });
    assert.deepEqual(rest, { Tags: [{ TagKey: 'team', TagValue: 'risk' }], Truncated: false });
    await perform(ctx, tagKmsResource, { KeyId: key.KeyId, Tags: [{ TagKey: 'empty', TagValue: '' }] });
    await perform(ctx, untagKmsResource, { KeyId: key.KeyId, TagKeys: ['team', 'never-set'] });
    assert.deepEqual((await perform(ctx, listKmsResourceTags, { KeyId: key.KeyId })).Tags.map((t) => t.TagKey), ['empty', 'env']);
  });

  it('refuses tags that break KMS\'s rules with TagException, more than 50 with LimitExceededException, changing nothing', async () => {
    const n = (await perform(ctx, listKmsKeys, {})).Keys.length;
    await refused(perform(ctx, createKmsKey, { Tags: [{ TagKey: 'aws:owner', TagValue: 'x' }] }), 'KMS_TAG_INVALID', 'TagException');
    assert.equal((await perform(ctx, listKmsKeys, {})).Keys.length, n);
    const { KeyMetadata: key } = await perform(ctx, createKmsKey, { Tags: [{ TagKey: 'keep', TagValue: 'me' }] });
    const tag = (Tags: unknown) => perform(ctx, tagKmsResource, { KeyId: key.KeyId, Tags: Tags as [] });
    await refused(tag([{ TagKey: '', TagValue: 'x' }]), 'KMS_TAG_INVALID', 'TagException');
    await refused(tag([{ TagKey: 'k'.repeat(129), TagValue: 'x' }]), 'KMS_TAG_INVALID', 'TagException');
    await refused(tag([{ TagKey: 'AWS:x', TagValue: 'x' }]), 'KMS_TAG_INVALID', 'TagException');
    await refused(tag([{ TagKey: 'v', TagValue: 'v'.repeat(257) }]), 'KMS_TAG_INVALID', 'TagException');
    await refused(tag([{ TagKey: 'v' }]), 'KMS_TAG_INVALID', 'TagException');
    await refused(tag([{ TagKey: 'twice', TagValue: '1' }, { TagKey: 'twice', TagValue: '2' }]), 'KMS_TAG_INVALID', 'TagException');
    await refused(perform(ctx, untagKmsResource, { KeyId: key.KeyId, TagKeys: ['aws:x'] }), 'KMS_TAG_INVALID', 'TagException');
    // 128 characters (counted as code points) and a 256-character value are fine.
    await tag([{ TagKey: '€'.repeat(128), TagValue: 'v'.repeat(256) }]);
    await refused(tag(Array.from({ length: 49 }, (_, i) => ({ TagKey: `t${i}`, TagValue: '' }))), 'KMS_LIMIT_EXCEEDED', 'LimitExceededException');
    assert.equal((await perform(ctx, listKmsResourceTags, { KeyId: key.KeyId })).Tags.length, 2);
  });

  it('UpdateKeyDescription shows in DescribeKey; a key pending deletion is neither tagged nor described anew; another account may not', async () => {
    const { KeyMetadata: key } = await perform(ctx, createKmsKey, { Description: 'old' });
    await perform(ctx, updateKmsKeyDescription, { KeyId: key.KeyId, Description: 'orders, 2026' });
    assert.equal((await perform(ctx, describeKmsKey, { KeyId: key.KeyId })).KeyMetadata.Description, 'orders, 2026');
    await refused(perform(ctx, updateKmsKeyDescription, { KeyId: key.KeyId, Description: 'x'.repeat(8193) }), 'INVALID_ARGUMENT', 'ValidationException');
    await refused(perform(ctx, updateKmsKeyDescription, { KeyId: key.KeyId, Description: 'mine', principal: APP }), 'KMS_ACCESS_DENIED', 'AccessDeniedException');
    await refused(perform(ctx, tagKmsResource, { KeyId: key.KeyId, Tags: [{ TagKey: 'a', TagValue: 'b' }], principal: APP }), 'KMS_ACCESS_DENIED', 'AccessDeniedException');
    await refused(perform(ctx, listKmsResourceTags, { KeyId: key.KeyId, principal: APP }), 'KMS_ACCESS_DENIED', 'AccessDeniedException');
    await perform(ctx, scheduleKmsKeyDeletion, { KeyId: key.KeyId });
    await refused(perform(ctx, updateKmsKeyDescription, { KeyId: key.KeyId, Description: 'late' }), 'KMS_INVALID_STATE', 'KMSInvalidStateException');
    await refused(perform(ctx, tagKmsResource, { KeyId: key.KeyId, Tags: [{ TagKey: 'a', TagValue: 'b' }] }), 'KMS_INVALID_STATE', 'KMSInvalidStateException');
    await refused(perform(ctx, untagKmsResource, { KeyId: key.KeyId, TagKeys: ['a'] }), 'KMS_INVALID_STATE', 'KMSInvalidStateException');
    assert.deepEqual((await perform(ctx, listKmsResourceTags, { KeyId: key.KeyId })).Tags, []);
    assert.equal((await perform(ctx, describeKmsKey, { KeyId: key.KeyId })).KeyMetadata.Description, 'orders, 2026');
  });
});
