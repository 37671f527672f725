/**
 * The core takes key selectors as data: it matches their values as they are and reads no filter
 * grammar into them (that is the CLI's business, src/cli/key-filter.ts). Keys whose labels read
 * like filter terms are selected by exactly those labels, by the listing and by the single-key
 * operations alike.
 */
import assert from 'node:assert/strict';
import { perform, type Caller } from '../../../src/core/engine.js';
import { encrypt } from '../../../src/core/keys/data-operations.js';
import { generateSymmetric } from '../../../src/core/keys/generate.js';
import { formatReference } from '../../../src/core/keys/model.js';
import { deleteKey, listKeys, setAttribute } from '../../../src/core/keys/operations.js';
import { byLabel, byReference, type KeySelector } from '../../../src/core/keys/selector.js';
import { clusterContext } from '../../support/templates.js';

const alice: Caller = { credentials: { username: 'alice', password: 'alice-Pass1', role: 'crypto-user' }, sessionKeys: new Map() };

describe('core/keys: selectors are matched as given, never read as filter text', function () {
  this.timeout(60_000);

  it('a label that reads like a filter term selects the key with that label and no other', async () => {
    const ctx = await clusterContext({ cryptoUsers: { alice: 'alice-Pass1' } });
    const run = <I extends { clusterId?: string }, O, P>(op: Parameters<typeof perform<I, O, P>>[1], input: I) => perform(ctx, op, input, alice);
    const make = async (label: string) => (await run(generateSymmetric, { keyType: 'aes', label, keyLengthBytes: 16, attributes: ['encrypt=true'] })).key.ref;
    const refsOf = async (filter: KeySelector) => (await run(listKeys, { filter, maxItems: 100 })).keys.map((k) => k.ref);

    const first = await make('first');
    const second = await make('second');
    const lookalikes = [`key-reference=${first}`, `key-reference=${formatReference(first)}`, 'key-reference="1"', 'attr.label=second', '"second"', 'label=first', 'first attr.label=second'];
    const made = new Map<string, number>();
    for (const label of lookalikes) made.set(label, await make(label));

    for (const [label, ref] of made) {
      assert.deepEqual(await refsOf(byLabel(label)), [ref], `byLabel(${JSON.stringify(label)}) lists that key only`);
      const { keyRef } = await run(encrypt, { mechanism: 'aes-cbc', keyFilter: byLabel(label), data: new Uint8Array(16) });
      assert.equal(keyRef, ref, `byLabel(${JSON.stringify(label)}) is the key a single-key operation uses`);
    }
    // Quotes are part of a value: no attribute of these keys reads "secret-key" with them.
    assert.deepEqual(await refsOf({ attributes: [['class', '"secret-key"']] }), []);
    assert.equal((await refsOf({ attributes: [['class', 'secret-key']] })).length, 2 + lookalikes.length);
    // A reference is a number, ANDed with the attributes beside it.
    assert.deepEqual(await refsOf(byReference(first)), [first]);
    assert.deepEqual(await refsOf({ ref: first, attributes: [['label', `key-reference=${first}`]] }), []);

    // Changing and deleting by such a label touch only that key.
    await run(setAttribute, { filter: byLabel('attr.label=second'), name: 'label', value: 'renamed' });
    await run(deleteKey, { filter: byLabel(`key-reference=${first}`) });
    await run(deleteKey, { filter: byLabel('"second"') });
    const left = new Map((await run(listKeys, { maxItems: 100 })).keys.map((k) => [k.ref, k.label]));
    assert.equal(left.get(first), 'first');
    assert.equal(left.get(second), 'second');
    assert.equal(left.get(made.get('attr.label=second')!), 'renamed');
    assert.ok(!left.has(made.get(`key-reference=${first}`)!) && !left.has(made.get('"second"')!));
    assert.equal(left.size, 2 + lookalikes.length - 2);
  });
});
