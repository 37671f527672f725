/**
 * Section 2, commit cost vs objects stored: the time of one single-object `store.transact` when
 * the store holds 100 objects and when it holds 10,000 (about 600 bytes of JSON each, like a key
 * record). The store promises that a change costs the same whatever it holds (it appends one
 * record to a log); this checks it. The 100-object store is the baseline, and the commits
 * alternate between the two stores so that disk and CPU noise hits both alike.
 *
 * Informational (no target): how long `Store.open` takes on the 10,000-object folder, i.e. one
 * read of the whole state, which every CLI process pays and which later features that list
 * 10,000 keys will depend on. The 100-object figure is shown next to it for scale.
 */
import { Store } from '../src/core/store/index.js';
import { compareBySize, LARGE_STORE, makeTempDir, median, ms, SMALL_STORE, timeMs } from './support.js';

const FILL_BATCH = 1_000;
const COMMIT_WARMUP = 20;
const COMMIT_RUNS = 300;
const COMMIT_TARGET = 1.5;
const OPEN_RUNS = 10;

/** A stored object of about 600 bytes of JSON, shaped like a key record. */
function keyObject(i: number): Record<string, unknown> {
  return {
    id: i,
    label: `key-${i}`,
    attributes: { class: 'secret-key', type: 'aes', size: 256, extractable: false, token: true, createdAt: 1_700_000_000_000 + i },
    material: 'x'.repeat(400),
  };
}

/** A fresh store in its own temp folder holding `count` objects, filled in large transactions. */
async function filledStore(count: number): Promise<Store> {
  const store = await Store.open({ dir: makeTempDir(`store-${count}`), create: true });
  for (let start = 0; start < count; start += FILL_BATCH) {
    const end = Math.min(count, start + FILL_BATCH);
    await store.transact((tx) => {
      for (let i = start; i < end; i++) tx.put(`keys/${String(i).padStart(6, '0')}`, keyObject(i));
    });
  }
  const stored = await store.read((view) => view.count('keys/'));
  if (stored !== count) throw new Error(`store filled with ${stored} objects, expected ${count}`);
  return store;
}

/** The commit comparison, then the informational whole-state read on the same two folders. */
export async function benchCommitCost(): Promise<void> {
  const small = await filledStore(SMALL_STORE);
  const large = await filledStore(LARGE_STORE);
  const commit = (store: Store, i: number) => timeMs(() => store.transact((tx) => tx.put(`bench/${i}`, { n: i, at: Date.now() })));
  await compareBySize({ name: 'commit, 10,000 vs 100 objects', unit: 'objects', target: COMMIT_TARGET, warmup: COMMIT_WARMUP, runs: COMMIT_RUNS, small, large, time: commit });
  await reportWholeStateRead(small, large);
}

/** One read of the whole state: opening parses a collection only when it is first read, and warm() parses them all. */
export async function readWholeState(dir: string): Promise<void> {
  (await Store.open({ dir })).warm();
}

/** Informational: median time of `Store.open` (one read of the whole state) on each folder. */
async function reportWholeStateRead(small: Store, large: Store): Promise<void> {
  const smallTimes: number[] = [];
  const largeTimes: number[] = [];
  const read = readWholeState;
  for (let i = 0; i < OPEN_RUNS; i++) {
    smallTimes.push(await timeMs(() => read(small.dir)));
    largeTimes.push(await timeMs(() => read(large.dir)));
  }
  console.log(
    `${'read of the whole state (open)'.padEnd(34)} ` +
      `median ${ms(median(largeTimes))} at 10,000 objects (${ms(median(smallTimes))} at 100)   informational, no target`,
  );
}
