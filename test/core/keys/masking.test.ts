/**
 * Masked objects (extractMaskedObject, insertMaskedObject): a key goes out encrypted for its
 * cluster, with everything that belongs to it, even when it is non-extractable, and comes back
 * only into that cluster as a new key that keeps its attributes; an object from another cluster
 * or changed in any byte is refused and changes nothing.
 */
import assert from 'node:assert/strict';
import { perform, type Caller } from '../../../src/core/engine.js';
import type { EngineContext } from '../../../src/core/context.js';
import { generateSymmetric } from '../../../src/core/keys/generate.js';
import type { KeyRecord } from '../../../src/core/keys/model.js';
import { extractMaskedObject, insertMaskedObject } from '../../../src/core/keys/masking.js';
import { setAttribute } from '../../../src/core/keys/operations.js';
import { byLabel, byReference } from '../../../src/core/keys/selector.js';
import { refused } from '../../support/helpers.js';
import { clusterContext } from '../../support/templates.js';

const USERS = { alice: 'alice-Pass1', bob: 'bob-Pass1' };
const cu = (username: 'alice' | 'bob'): Caller => ({ credentials: { username, password: USERS[username], role: 'crypto-user' }, sessionKeys: new Map() });
const admin: Caller = { credentials: { username: 'admin', password: 'Admin123!', role: 'admin' } };
const alice = cu('alice');

async function stored(ctx: EngineContext, ref: number): Promise<KeyRecord> {
  const keys = await ctx.store.read((view) => view.list<KeyRecord>('key/'));
  return keys.find(([, k]) => k.ref === ref)![1];
}

describe('core/keys: masked objects', function () {
  this.timeout(60_000);
  let ctx: EngineContext;
  let nex: KeyRecord;
  let masked: Uint8Array;
  const count = () => ctx.store.read((view) => view.count('key/'));

  before(async () => {
    ctx = await clusterContext({ cryptoUsers: USERS });
    const { key } = await perform(ctx, generateSymmetric, { keyType: 'aes', label: 'nex', keyLengthBytes: 32, attributes: ['extractable=false', 'encrypt=true'], shareWith: ['bob'], manageQuorum: 2, useQuorum: 1 }, alice);
    nex = await stored(ctx, key.ref);
  });

  it('masks a non-extractable key without its bytes showing, and inserts it as a new key with the same material and metadata', async () => {
    ({ masked } = await perform(ctx, extractMaskedObject, { filter: byReference(nex.ref) }, alice));
    const material = Buffer.from(nex.material, 'base64');
    assert.ok(!Buffer.from(masked).includes(material), 'the key bytes are not in the masked object');
    assert.ok(!Buffer.from(masked).toString('latin1').includes(nex.material), 'nor their base64');
    const { key } = await perform(ctx, insertMaskedObject, { masked }, alice);
    assert.notEqual(key.ref, nex.ref);
    const copy = await stored(ctx, key.ref);
    assert.deepEqual(
      [copy.material, copy.checkValue, copy.label, copy.owner, copy.sharedUsers, copy.manageQuorum, copy.useQuorum, copy.attributes],
      [nex.material, nex.checkValue, nex.label, nex.owner, nex.sharedUsers, nex.manageQuorum, nex.useQuorum, nex.attributes],
    );
    assert.equal(copy.attributes.extractable, false);
  });

  it('refuses a masked object changed in any byte, or that is not one, storing nothing', async () => {
    const before = await count();
    for (const at of [0, 40, masked.length - 20, masked.length - 1]) {
      const changed = masked.slice();
      changed[at]! ^= 1;
      await refused(perform(ctx, insertMaskedObject, { masked: changed }, alice), 'MASKED_OBJECT_REFUSED');
    }
    await refused(perform(ctx, insertMaskedObject, { masked: masked.subarray(0, 40) }, alice), 'MASKED_OBJECT_REFUSED');
    await refused(perform(ctx, insertMaskedObject, { masked: new TextEncoder().encode('-----BEGIN PRIVATE KEY-----') }, alice), 'MASKED_OBJECT_REFUSED');
    assert.equal(await count(), before);
  });

  it('refuses a masked object of another cluster', async () => {
    // Another template: another cluster, with a partition key of its own (a copy of this one's folder would be this cluster).
    const other = await clusterContext({ cryptoUsers: USERS, hsmType: 'hsm1.medium' });
    await refused(perform(other, insertMaskedObject, { masked }, alice), 'MASKED_OBJECT_REFUSED');
    assert.equal(await other.store.read((view) => view.count('key/')), 0);
  });

  it('lets only the owner or an admin extract and insert; a sharee may do neither', async () => {
    await refused(perform(ctx, extractMaskedObject, { filter: byReference(nex.ref) }, cu('bob')), 'KEY_ACCESS_DENIED');
    await refused(perform(ctx, insertMaskedObject, { masked }, cu('bob')), 'KEY_ACCESS_DENIED');
    const { masked: byAdmin } = await perform(ctx, extractMaskedObject, { filter: byReference(nex.ref) }, admin);
    const { key } = await perform(ctx, insertMaskedObject, { masked: byAdmin }, admin);
    assert.equal(key.owner, 'alice');
  });

  it('masks token keys only, and the inserted copy does not inherit trusted', async () => {
    const session = cu('alice');
    const { key: sessionKey } = await perform(ctx, generateSymmetric, { keyType: 'aes', label: 'session2', keyLengthBytes: 16, session: true }, session);
    await refused(perform(ctx, extractMaskedObject, { filter: byReference(sessionKey.ref) }, session), 'INVALID_ARGUMENT');
    const { key: kek } = await perform(ctx, generateSymmetric, { keyType: 'aes', label: 'trusted-kek', keyLengthBytes: 32, attributes: ['wrap=true'] }, alice);
    await perform(ctx, setAttribute, { filter: byLabel('trusted-kek'), name: 'trusted', value: 'true' }, admin);
    const { masked: trusted } = await perform(ctx, extractMaskedObject, { filter: byReference(kek.ref) }, alice);
    const { key } = await perform(ctx, insertMaskedObject, { masked: trusted }, alice);
    assert.deepEqual([key.attributes.trusted, key.attributes.wrap], [false, true]);
  });
});
