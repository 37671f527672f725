/**
 * Store streams (Transaction.appendToStream): entries wait in the state and move to the stream's
 * file a batch at a time. Against a model (fast-check): whatever the batch size, the sequence of
 * transactions (some failing) and reopenings, a stream reads back exactly the entries of the
 * committed transactions, in order; the state never holds a full batch; the file grows only
 * when a batch moves.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { Store } from '../../../src/core/store/index.js';
import { streamLengthKey, streamPendingCountKey } from '../../../src/core/store/store.js';
import { tempDir } from '../../support/helpers.js';

const STREAM = 'events';

async function open(dir: string, batch: number, create = false): Promise<Store> {
  return Store.open({ dir, create, lockTimeoutMs: 2000, streamBatchEntries: batch });
}

const read = (store: Store) => store.read((view) => store.readStream(STREAM, view).map((b) => b.toString()));
const fileBytes = (dir: string) => (fs.existsSync(path.join(dir, 'streams', STREAM)) ? fs.statSync(path.join(dir, 'streams', STREAM)).size : 0);

describe('core/store: streams', function () {
  this.timeout(120_000);

  it('entries wait in the state until a batch is full, then move to the file in one write', async () => {
    const dir = path.join(tempDir('chsm-streams-'), 'state');
    const store = await open(dir, 4, true);
    const sizes: number[] = [];
    for (let i = 0; i < 9; i++) {
      await store.transact((tx) => tx.appendToStream(STREAM, Buffer.from(`e${i}`)));
      sizes.push(fileBytes(dir));
      assert.deepEqual(await read(store), Array.from({ length: i + 1 }, (_, j) => `e${j}`));
      const waiting = await store.read((view) => view.get<number>(streamPendingCountKey(STREAM)) ?? 0);
      assert.ok(waiting < 4, `at most 3 entries wait, not ${waiting}`);
    }
    // The file grew at the 4th and 8th entries only.
    const grew = sizes.map((s, i) => (i > 0 && s !== sizes[i - 1]) || (i === 0 && s > 0));
    assert.deepEqual(grew.map((g, i) => (g ? i : -1)).filter((i) => i >= 0), [3, 7]);
    // Another handle (another process) reads the same, file and waiting entries together.
    assert.deepEqual(await read(await open(dir, 4)), Array.from({ length: 9 }, (_, j) => `e${j}`));
    const length = await store.read((view) => view.get<number>(streamLengthKey(STREAM)));
    assert.equal(length, fileBytes(dir));
  });

  it('a model of committed entries holds for any batch size, failed transactions and reopenings', async () => {
    const step = fc.oneof(
      fc.record({ kind: fc.constant('append' as const), count: fc.integer({ min: 0, max: 5 }), fail: fc.boolean() }),
      fc.record({ kind: fc.constant('reopen' as const), batch: fc.integer({ min: 1, max: 6 }) }),
      fc.record({ kind: fc.constant('compact' as const) }),
    );
    let run = 0;
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 6 }), fc.array(step, { maxLength: 25 }), async (batch, steps) => {
        const dir = path.join(tempDir('chsm-streams-model-'), `state-${run++}`);
        let store = await open(dir, batch, true);
        let maxBatch = batch;
        const model: string[] = [];
        let n = 0;
        for (const s of steps) {
          if (s.kind === 'reopen') {
            store = await open(dir, s.batch);
            maxBatch = Math.max(maxBatch, s.batch);
          } else if (s.kind === 'compact') {
            await store.compactNow();
          } else {
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
        assert.deepEqual(await read(await open(dir, batch)), model);
        const waiting = await store.read((view) => view.get<number>(streamPendingCountKey(STREAM)) ?? 0);
        assert.ok(waiting < maxBatch + 5, `the state holds at most a batch (${waiting} waiting)`);
      }),
      { numRuns: 40 },
    );
  });
});
