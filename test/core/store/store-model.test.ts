/**
 * The store against a model (fast-check): random sequences of puts, deletes, reads, reopenings
 * and compactions spread over two handles on one folder must always read exactly what a plain
 * Map that applied the same committed changes holds.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import fc from 'fast-check';
import { Store } from '../../../src/core/store/index.js';
import { tempDir } from '../../support/helpers.js';
import { propertyRuns } from '../../support/property.js';

type Command =
  | { kind: 'put'; handle: 0 | 1; key: string; value: number }
  | { kind: 'delete'; handle: 0 | 1; key: string }
  | { kind: 'read'; handle: 0 | 1 }
  | { kind: 'reopen'; handle: 0 | 1 }
  | { kind: 'batch'; handle: 0 | 1; keys: string[]; value: number };

const key = fc.constantFrom('user/c/alice', 'user/c/bob', 'key/c/01', 'key/c/02', 'key/d/01', 'session/c/x');
const handle = fc.constantFrom(0 as const, 1 as const);
const command: fc.Arbitrary<Command> = fc.oneof(
  fc.record({ kind: fc.constant('put' as const), handle, key, value: fc.integer() }),
  fc.record({ kind: fc.constant('delete' as const), handle, key }),
  fc.record({ kind: fc.constant('read' as const), handle }),
  fc.record({ kind: fc.constant('reopen' as const), handle }),
  fc.record({ kind: fc.constant('batch' as const), handle, keys: fc.uniqueArray(key, { minLength: 1, maxLength: 4 }), value: fc.integer() }),
);

async function open(dir: string, index: number): Promise<Store> {
  // Handle 1 compacts after almost every commit, handle 0 seldom: both paths interleave.
  return Store.open({ dir, create: true, lockTimeoutMs: 5000, compactAfterBytes: index === 1 ? 64 : 4096 });
}

function snapshot(model: Map<string, number>): Array<[string, { v: number }]> {
  return [...model.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([k, v]) => [k, { v }]);
}

describe('core/store against a model (property-based)', function () {
  this.timeout(300_000);

  it('two handles on one folder always read what the model holds', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(command, { minLength: 1, maxLength: 25 }), async (commands) => {
        const dir = path.join(tempDir('chsm-model-'), 'state');
        const handles = [await open(dir, 0), await open(dir, 1)];
        const model = new Map<string, number>();
        for (const c of commands) {
          const store = handles[c.handle]!;
          switch (c.kind) {
            case 'put':
              await store.transact((tx) => tx.put(c.key, { v: c.value }));
              model.set(c.key, c.value);
              break;
            case 'delete':
              await store.transact((tx) => tx.delete(c.key));
              model.delete(c.key);
              break;
            case 'batch':
              await store.transact((tx) => c.keys.forEach((k) => tx.put(k, { v: c.value })));
              c.keys.forEach((k) => model.set(k, c.value));
              break;
            case 'reopen':
              handles[c.handle] = await open(dir, c.handle);
              break;
            case 'read': {
              const all = await store.read((v) => [...v.list<{ v: number }>('user/'), ...v.list<{ v: number }>('key/'), ...v.list<{ v: number }>('session/')]);
              all.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
              assert.deepEqual(all, snapshot(model));
              break;
            }
          }
        }
        for (const store of [...handles, await open(dir, 0)]) {
          const all = await store.read((v) => [...v.list<{ v: number }>('user/'), ...v.list<{ v: number }>('key/'), ...v.list<{ v: number }>('session/')]);
          all.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
          assert.deepEqual(all, snapshot(model));
        }
      }),
      { numRuns: 40 },
    );
  });

  it('with a large collection, compactions that keep its deflated text and write deltas, and collections loaded as text, three handles read what the model holds', async () => {
    type Step =
      | { kind: 'put' | 'delete'; handle: number; index: number; value: number }
      | { kind: 'compact' | 'reopen' | 'readSmall' | 'readAll'; handle: number }
      | { kind: 'load'; handle: number; size: number; value: number };
    const h = fc.nat(2);
    const step: fc.Arbitrary<Step> = fc.oneof(
      { weight: 4, arbitrary: fc.record({ kind: fc.constantFrom('put' as const, 'delete' as const), handle: h, index: fc.nat(79), value: fc.integer() }) },
      { weight: 3, arbitrary: fc.record({ kind: fc.constantFrom('compact' as const, 'reopen' as const, 'readSmall' as const, 'readAll' as const), handle: h }) },
      { weight: 1, arbitrary: fc.record({ kind: fc.constant('load' as const), handle: h, size: fc.nat(30), value: fc.integer() }) },
    );
    const bigKey = (i: number) => `key/big/${String(i).padStart(3, '0')}`;
    const sorted = (m: Map<string, unknown>) => [...m].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 30 }), async (steps) => {
        const dir = path.join(tempDir('chsm-delta-'), 'state');
        const opener = (i: number) => Store.open({ dir, create: true, lockTimeoutMs: 5000, compactAfterBytes: i === 0 ? 1 : 1 << 20 });
        const first = await opener(0);
        const model = new Map<string, unknown>();
        await first.transact((tx) => {
          for (let i = 0; i < 60; i++) tx.put(bigKey(i), { i, pad: 'p'.repeat(30) });
          tx.put('user/c/alice', { name: 'alice' });
        });
        for (let i = 0; i < 60; i++) model.set(bigKey(i), { i, pad: 'p'.repeat(30) });
        model.set('user/c/alice', { name: 'alice' });
        await first.compactNow();
        const handles = [first, await opener(1), await opener(2)];
        let loads = 0;
        for (const s of steps) {
          const store = handles[s.handle]!;
          switch (s.kind) {
            case 'put':
              await store.transact((tx) => tx.put(bigKey(s.index), { v: s.value }));
              model.set(bigKey(s.index), { v: s.value });
              break;
            case 'delete':
              await store.transact((tx) => tx.delete(bigKey(s.index)));
              model.delete(bigKey(s.index));
              break;
            case 'compact':
              await store.compactNow();
              break;
            case 'reopen':
              handles[s.handle] = await opener(s.handle);
              break;
            case 'readSmall':
              assert.deepEqual(await store.read((v) => v.get('user/c/alice')), { name: 'alice' });
              break;
            case 'readAll':
              assert.deepEqual(await store.read((v) => v.list('')), sorted(model));
              break;
            case 'load': {
              const prefix = `key/load${loads++}/`;
              const entries = Array.from({ length: s.size }, (_, i): [string, unknown] => [`${prefix}${i}`, { v: s.value, i }]);
              await store.transact((tx) => tx.loadCollection(prefix, Buffer.from(JSON.stringify(entries))));
              for (const [k, v] of entries) model.set(k, v);
              break;
            }
          }
        }
        for (const store of [...handles, await opener(0)]) assert.deepEqual(await store.read((v) => v.list('')), sorted(model));
      }),
      { numRuns: propertyRuns(25) },
    );
  });
});
