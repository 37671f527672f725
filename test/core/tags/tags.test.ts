import assert from 'node:assert/strict';
import type { EngineContext } from '../../../src/core/context.js';
import { perform } from '../../../src/core/engine.js';
import { createCluster, deleteCluster, describeCluster, describeClusters } from '../../../src/core/cluster/operations.js';
import type { Tag } from '../../../src/core/tags/model.js';
import { listTags, tagResource, untagResource } from '../../../src/core/tags/operations.js';
import { refused, testContext } from '../../support/helpers.js';

const TAG_ERROR = 'CloudHsmTagException';
const tags = (n: number, prefix = 'k'): Tag[] => Array.from({ length: n }, (_, i) => ({ key: `${prefix}${i}`, value: `v${i}` }));

/** Runs `attempt`, which must be refused with `code` and `type`, and checks the state did not change. */
async function refusedUnchanged(ctx: EngineContext, attempt: Promise<unknown>, code: string, type: string): Promise<string> {
  const before = ctx.store.committedSeq;
  const err = await refused(attempt, code, type);
  assert.equal(ctx.store.committedSeq, before, `${code}: nothing written`);
  return err.message;
}

describe('core/tags: TagResource, UntagResource, ListTags', function () {
  this.timeout(30_000);

  it('round trip: tags given at creation, added, overwritten, removed; DescribeClusters shows them', async () => {
    const ctx = await testContext();
    const { ClusterId: resourceId } = await perform(ctx, createCluster, { tags: [{ key: 'team', value: 'payments' }] });
    assert.deepEqual(await perform(ctx, tagResource, { resourceId, tags: [{ key: 'env', value: 'staging' }, { key: 'team', value: 'crypto' }, { key: 'empty', value: '' }] }), {});
    assert.deepEqual((await perform(ctx, listTags, { resourceId })).TagList, [
      { Key: 'team', Value: 'crypto' },
      { Key: 'env', Value: 'staging' },
      { Key: 'empty', Value: '' },
    ]);
    assert.deepEqual(await perform(ctx, untagResource, { resourceId, tagKeys: ['env', 'not-there'] }), {});
    const expected = [
      { Key: 'team', Value: 'crypto' },
      { Key: 'empty', Value: '' },
    ];
    assert.deepEqual((await perform(ctx, listTags, {})).TagList, expected, 'without --resource-id: the only cluster');
    assert.deepEqual((await perform(ctx, describeCluster, {})).TagList, expected);
    assert.deepEqual((await perform(ctx, describeClusters, {})).Clusters[0]!.TagList, expected);
    // Removing a key the resource does not carry writes nothing.
    const before = ctx.store.committedSeq;
    await perform(ctx, untagResource, { tagKeys: ['never-set'] });
    assert.equal(ctx.store.committedSeq, before);
  });

  it('counts characters, not UTF-16 units, and takes letters and spaces of any script', async () => {
    const ctx = await testContext();
    await perform(ctx, createCluster, {});
    const astral = '𝒜'.repeat(128); // 128 characters, 256 UTF-16 units
    await perform(ctx, tagResource, { tags: [{ key: astral, value: 'é'.repeat(256) }, { key: 'Schlüssel 名前', value: 'a b_c.d:e/f=g+h-i@j' }] });
    assert.equal((await perform(ctx, listTags, {})).TagList.length, 2);
    await refusedUnchanged(ctx, perform(ctx, tagResource, { tags: [{ key: '𝒜'.repeat(129), value: '' }] }), 'TAG_INVALID', TAG_ERROR);
  });

  it('refuses every broken rule with CloudHsmTagException and changes nothing', async () => {
    const ctx = await testContext();
    await perform(ctx, createCluster, {});
    const tag = (key: unknown, value: unknown) => perform(ctx, tagResource, { tags: [{ key, value } as Tag] });
    const cases: Array<[string, () => Promise<unknown>, string, RegExp]> = [
      ['empty key', () => tag('', 'v'), 'TAG_INVALID', /has 0 characters; a key has 1 to 128/],
      ['129-character key', () => tag('k'.repeat(129), 'v'), 'TAG_INVALID', /has 129 characters/],
      ['257-character value', () => tag('k', 'v'.repeat(257)), 'TAG_INVALID', /at most 256/],
      ['a # in the key', () => tag('a#b', 'v'), 'TAG_INVALID', /outside letters, digits, spaces and _ \. : \/ = \+ - @/],
      ['a comma in the value', () => tag('k', 'a,b'), 'TAG_INVALID', /value of tag k holds a character outside/],
      ['a newline in the value', () => tag('k', 'a\nb'), 'TAG_INVALID', /outside/],
      ['a tab in the key', () => tag('a\tb', 'v'), 'TAG_INVALID', /outside/],
      ['the aws: prefix', () => tag('aws:owner', 'me'), 'TAG_INVALID', /reserves/],
      ['the AWS: prefix in capitals', () => tag('AWS:owner', 'me'), 'TAG_INVALID', /reserves/],
      ['a missing value', () => tag('k', undefined), 'TAG_INVALID', /needs a value/],
      ['a number as key', () => tag(7, 'v'), 'TAG_INVALID', /must be text/],
      ['a key twice in one request', () => perform(ctx, tagResource, { tags: [{ key: 'k', value: '1' }, { key: 'k', value: '2' }] }), 'TAG_INVALID', /given twice/],
      ['no tags', () => perform(ctx, tagResource, { tags: [] }), 'TAG_INVALID', /at least one tag/],
      ['51 tags in one request', () => perform(ctx, tagResource, { tags: tags(51) }), 'TAG_LIMIT_EXCEEDED', /at most 50/],
      ['no keys to remove', () => perform(ctx, untagResource, { tagKeys: [] }), 'TAG_INVALID', /at least one tag key/],
      ['51 keys to remove', () => perform(ctx, untagResource, { tagKeys: tags(51).map((t) => t.key) }), 'TAG_LIMIT_EXCEEDED', /at most 50/],
      ['removing an aws: key', () => perform(ctx, untagResource, { tagKeys: ['aws:cloudformation:stack-name'] }), 'TAG_INVALID', /reserves/],
      ['removing an empty key', () => perform(ctx, untagResource, { tagKeys: [''] }), 'TAG_INVALID', /1 to 128/],
    ];
    for (const [what, attempt, code, message] of cases) {
      assert.match(await refusedUnchanged(ctx, attempt(), code, TAG_ERROR), message, what);
    }
    assert.deepEqual((await perform(ctx, listTags, {})).TagList, []);
    // A refused CreateCluster makes no cluster.
    await refusedUnchanged(ctx, perform(ctx, createCluster, { tags: [{ key: 'aws:x', value: '' }] }), 'TAG_INVALID', TAG_ERROR);
    await refusedUnchanged(ctx, perform(ctx, createCluster, { tags: tags(51) }), 'TAG_LIMIT_EXCEEDED', TAG_ERROR);
    assert.equal((await perform(ctx, describeClusters, {})).Clusters.length, 1);
  });

  it('a resource carries at most 50 tags, however the requests are split; overwriting at 50 is fine', async () => {
    const ctx = await testContext();
    await perform(ctx, createCluster, { tags: tags(20, 'a') });
    await perform(ctx, tagResource, { tags: tags(29, 'b') });
    const message = await refusedUnchanged(ctx, perform(ctx, tagResource, { tags: [{ key: 'c0', value: '' }, { key: 'c1', value: '' }] }), 'TAG_LIMIT_EXCEEDED', TAG_ERROR);
    assert.match(message, /would carry 51 tags; a resource carries at most 50 \(it has 49\)/);
    await perform(ctx, tagResource, { tags: [{ key: 'a0', value: 'new' }, { key: 'c0', value: '' }] });
    assert.equal((await perform(ctx, listTags, {})).TagList.length, 50);
    await perform(ctx, tagResource, { tags: tags(50, 'a').slice(0, 20).map((t) => ({ ...t, value: 'again' })) });
    await refusedUnchanged(ctx, perform(ctx, tagResource, { tags: [{ key: 'd', value: '' }] }), 'TAG_LIMIT_EXCEEDED', TAG_ERROR);
    // Room is made by removing tags.
    await perform(ctx, untagResource, { tagKeys: ['b0'] });
    await perform(ctx, tagResource, { tags: [{ key: 'd', value: '' }] });
    const listed = (await perform(ctx, listTags, {})).TagList;
    assert.equal(listed.length, 50);
    assert.equal(listed.find((t) => t.Key === 'a0')?.Value, 'again');
  });

  it('names resources as the API does: a malformed ID, an unknown, deleted or backup ID', async () => {
    const ctx = await testContext();
    const { ClusterId } = await perform(ctx, createCluster, {});
    const gone = await perform(ctx, createCluster, {});
    await perform(ctx, deleteCluster, { clusterId: gone.ClusterId });
    const one = [{ key: 'k', value: 'v' }];
    for (const resourceId of ['cluster-1', 'hsm-abcdefghijk', 'cluster-abcdefghijk/x', '']) {
      await refusedUnchanged(ctx, perform(ctx, tagResource, { resourceId, tags: one }), 'INVALID_REQUEST', 'CloudHsmInvalidRequestException');
    }
    await refusedUnchanged(ctx, perform(ctx, tagResource, { resourceId: 'cluster-abcdefghijk', tags: one }), 'CLUSTER_NOT_FOUND', 'CloudHsmResourceNotFoundException');
    await refusedUnchanged(ctx, perform(ctx, tagResource, { resourceId: gone.ClusterId, tags: one }), 'CLUSTER_NOT_FOUND', 'CloudHsmResourceNotFoundException');
    await refusedUnchanged(ctx, perform(ctx, listTags, { resourceId: gone.ClusterId }), 'CLUSTER_NOT_FOUND', 'CloudHsmResourceNotFoundException');
    await refusedUnchanged(ctx, perform(ctx, untagResource, { resourceId: 'backup-abcdefghijk', tagKeys: ['k'] }), 'BACKUP_NOT_FOUND', 'CloudHsmResourceNotFoundException');
    await perform(ctx, tagResource, { resourceId: ClusterId, tags: one });
    assert.deepEqual((await perform(ctx, listTags, { resourceId: ClusterId })).TagList, [{ Key: 'k', Value: 'v' }]);
  });

  it('pages ListTags with MaxResults and NextToken, and refuses tokens it did not give', async () => {
    const ctx = await testContext();
    await perform(ctx, createCluster, { tags: tags(50) });
    const keys: string[] = [];
    let nextToken: string | undefined;
    let pages = 0;
    do {
      const page = await perform(ctx, listTags, { maxResults: 20, nextToken });
      keys.push(...page.TagList.map((t) => t.Key));
      nextToken = page.NextToken;
      pages++;
    } while (nextToken !== undefined);
    assert.equal(pages, 3);
    assert.deepEqual(keys, tags(50).map((t) => t.key));
    for (const maxResults of [0, 101, 2.5]) await refused(perform(ctx, listTags, { maxResults }), 'INVALID_REQUEST', 'CloudHsmInvalidRequestException');
    for (const token of ['garbage', Buffer.from('tags:-1').toString('base64url')]) await refused(perform(ctx, listTags, { nextToken: token }), 'INVALID_REQUEST', 'CloudHsmInvalidRequestException');
  });
});
