/**
 * Store streams (Transaction.appendToStream) against a model (fast-check): whatever the sequence of
 * transactions (some failing), reopenings and compactions, a stream reads back exactly the entries
 * of the committed transactions, in order. Entries an earlier version kept waiting in the state
 * are read too, and the next append moves them to the file.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { Store } from '../../../src/core/store/index.js';
import { streamLengthKey, streamPendingCountKey, streamPendingKey } from '../../../src/core/store/store.js';
import { tempDir } from '../../support/helpers.js';

const STREAM = 'events';

const open = (dir: string, create = false) => Store.open({ dir, create, lockTimeoutMs: 2000 });
const read = (store: Store) => store.read((view) => store.readStream(STREAM, view).map((b) => b.toString()));

describe('core/store: streams', function () {
  this.timeout(120_000);

  it('entries an earlier version left waiting in the state are read after the file, and the next append moves them there', async () => {
    const dir = path.join(tempDir('chsm-streams-'), 'state');
    const store = await open(dir, true);
    await store.transact((tx) => tx.appendToStream(STREAM, Buffer.from('e0')));
    await store.transact((tx) => {
      tx.put(streamPendingKey(STREAM, 0), 'u:e1');
      tx.put(streamPendingKey(STREAM, 1), `b:${Buffer.from('e2').toString('base64')}`);
      tx.put(streamPendingCountKey(STREAM), 2);
    });
    assert.deepEqual(await read(store), ['e0', 'e1', 'e2']);
    await store.transact((tx) => tx.appendToStream(STREAM, Buffer.from('e3')));
    assert.deepEqual(await read(await open(dir)), ['e0', 'e1', 'e2', 'e3']);
    assert.equal(await store.read((view) => view.get(streamPendingCountKey(STREAM))), undefined);
    assert.equal(await store.read((view) => view.get<number>(streamLengthKey(STREAM))), fs.statSync(path.join(dir, 'streams', STREAM)).size);
  });

  it('a model of committed entries holds for failed transactions, reopenings and compactions', async () => {
    const step = fc.oneof(
      fc.record({ kind: fc.constant('append' as const), count: fc.integer({ min: 0, max: 5 }), fail: fc.boolean() }),
      fc.record({ kind: fc.constant('reopen' as const) }),
      fc.record({ kind: fc.constant('compact' as const) }),
    );
    let run = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(step, { maxLength: 25 }), async (steps) => {
        const dir = path.join(tempDir('chsm-streams-model-'), `state-${run++}`);
        let store = await open(dir, true);
        const model: string[] = [];
        let n = 0;
        for (const s of steps) {
          if (s.kind === 'reopen') store = await open(dir);
          else if (s.kind === 'compact') await store.compactNow();
          else {
            const entries = Array.from({ length: s.count }, () => `x${n++}`);
            const attempt = store.transact((tx) => {
              for (const e of entries) tx.appendToStream(STREAM, Buffer.from(e));
              tx.put('obj/marker', { n });
              if (s.fail) throw new Error('refused');
            });
            if (s.fail) await assert.rejects(attempt, /refused/);
            else {
              await attempt;
              model.push(...entries);
            }
          }
          assert.deepEqual(await read(store), model);
        }
        assert.deepEqual(await read(await open(dir)), model);
      }),
      { numRuns: 40 },
    );
  });
});
