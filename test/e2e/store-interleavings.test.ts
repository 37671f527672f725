/**
 * Forced interleavings of two writers on one state folder, one test per named store step
 * (src/core/store/faults.ts): writer A is held at the step while writer B commits (or waits for
 * the lock A holds), then A goes on; and A is SIGKILLed at the step, then B writes. Afterwards
 * every change either process reported is present, and the state loads and takes more writes.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { STORE_STEPS, type StoreStep } from '../../src/core/store/faults.js';
import { Store } from '../../src/core/store/index.js';
import { tempDir } from '../support/helpers.js';
import { FAULT_CLI, STORE_READER, STORE_WRITER, committed, sleep, start, startPaused } from '../support/processes.js';

/** Steps a writer reaches before it holds the lock (at its first read of the state). */
const OUTSIDE_LOCK: readonly StoreStep[] = ['refresh.head-read', 'refresh.snapshot-loaded'];
const STEPS = STORE_STEPS.filter((s) => s !== 'init.files-written');

async function seeded(): Promise<string> {
  const dir = path.join(tempDir(), 'state');
  const store = await Store.open({ dir, create: true, compactAfterBytes: 1 });
  for (let i = 0; i < 4; i++) await store.transact((tx) => tx.put(`obj/seed/${i}`, { i }));
  return dir;
}

/**
 * The keys committed, after checking that the writers' stream holds exactly one entry for each
 * change they committed (none for a change that was not): stream entries commit with their
 * transaction. Then one more write, which must go through.
 */
async function keysIn(dir: string): Promise<Set<string>> {
  const store = await Store.open({ dir });
  const keys = new Set(await store.read((v) => v.list('obj/').map(([k]) => k)));
  const entries = await store.read((v) => store.readStream('writer', v).map((e) => e.toString()));
  assert.deepEqual([...entries].sort(), [...keys].filter((k) => !k.startsWith('obj/seed/')).sort(), 'the stream entries are those of the committed changes');
  await store.transact((tx) => tx.put('obj/after/0', { ok: true }));
  return keys;
}

function assertHas(keys: Set<string>, expected: string[], who: string): void {
  for (const key of expected) assert.ok(keys.has(key), `${key} (${who}) was reported committed but is missing`);
}

describe('e2e: store steps forced to interleave', function () {
  this.timeout(120_000);

  for (const step of STEPS) {
    it(`a writer held at ${step} while another writes: both keep every change`, async () => {
      const dir = await seeded();
      const a = await startPaused(STORE_WRITER, [dir, 'a', '3', 'compact'], step);
      const b = start(STORE_WRITER, [dir, 'b', '3', 'compact']);
      if (OUTSIDE_LOCK.includes(step)) {
        const fb = await b.done;
        assert.equal(fb.code, 0, fb.stderr);
      } else {
        await sleep(150); // B is now waiting for the lock A holds
      }
      a.resume();
      const [fa, fb] = await Promise.all([a.done, b.done]);
      assert.equal(fa.code, 0, fa.stderr);
      assert.equal(fb.code, 0, fb.stderr);
      const keys = await keysIn(dir);
      assertHas(keys, ['obj/seed/0', 'obj/seed/3', 'obj/a/0', 'obj/a/1', 'obj/a/2', 'obj/b/0', 'obj/b/1', 'obj/b/2'], 'A or B');
    });

    it(`a writer killed at ${step}: what it reported stays, and the next writer goes on`, async () => {
      const dir = await seeded();
      const nth = OUTSIDE_LOCK.includes(step) ? 1 : 2;
      const a = await startPaused(STORE_WRITER, [dir, 'a', '3', 'compact'], step, { nth });
      const fa = await a.kill();
      assert.equal(fa.signal, 'SIGKILL');
      const fb = await start(STORE_WRITER, [dir, 'b', '3', 'compact']).done;
      assert.equal(fb.code, 0, fb.stderr);
      const keys = await keysIn(dir);
      assertHas(keys, committed(fa.stdout), 'A, before it was killed');
      assertHas(keys, ['obj/seed/0', 'obj/seed/3', 'obj/b/0', 'obj/b/1', 'obj/b/2'], 'B');
      if (nth === 2) assert.ok(committed(fa.stdout).includes('obj/a/0'));
    });
  }

  it('a creation killed before its keyring is completed by the next creation, not reported as damage', async () => {
    const dir = path.join(tempDir(), 'state');
    const a = await startPaused(STORE_WRITER, [dir, 'a', '1'], 'init.files-written');
    await a.kill();
    assert.ok(fs.existsSync(path.join(dir, 'initialising')));
    // A command that does not create state reads nothing and writes nothing there.
    const reader = await Store.open({ dir }).catch((err: unknown) => err);
    assert.equal((reader as { code?: string }).code, 'STATE_NOT_FOUND');
    const fb = await start(STORE_WRITER, [dir, 'b', '2']).done;
    assert.equal(fb.code, 0, fb.stderr);
    assert.ok(!fs.existsSync(path.join(dir, 'initialising')));
    const keys = await keysIn(dir);
    assertHas(keys, ['obj/b/0', 'obj/b/1'], 'B');
  });

  it('an I/O failure after the record is durable says so, and the next writer completes the change', async () => {
    const dir = await seeded();
    const fa = await start(STORE_WRITER, [dir, 'a', '1'], { env: { CLOUDHSM_TEST_FAULT: 'fail:commit.counter-written' } }).done;
    assert.notEqual(fa.code, 0, 'the writer reported success');
    assert.match(fa.stderr, /saved in the log .* the next command that writes completes it/);
    const fb = await start(STORE_WRITER, [dir, 'b', '1']).done;
    assert.equal(fb.code, 0, fb.stderr);
    const keys = await keysIn(dir);
    assert.ok(keys.has('obj/b/0'));
    assert.ok(keys.has('obj/a/0'), 'the durable change was lost');
  });

  it('an injected I/O failure at each step of a commit reports failure and changes nothing', async () => {
    for (const step of ['commit.locked', 'commit.log-appended'] as const) {
      const dir = await seeded();
      const fa = await start(STORE_WRITER, [dir, 'a', '1'], { env: { CLOUDHSM_TEST_FAULT: `fail:${step}` } }).done;
      assert.notEqual(fa.code, 0, `${step}: the writer reported success`);
      const keys = await keysIn(dir);
      assert.ok(!keys.has('obj/a/0'), `${step}: a failed change was kept`);
      assert.ok(keys.has('obj/seed/3'));
    }
  });
});

describe('e2e: readers beside writers', function () {
  this.timeout(120_000);

  it('processes reading in a loop while three writers commit and compact never see an error or a count that goes down', async () => {
    const dir = await seeded();
    const writers = ['a', 'b', 'c'].map((name) => start(STORE_WRITER, [dir, name, '150', 'compact']));
    const readers = [0, 1].map(() => start(STORE_READER, [dir, '3000']));
    for (const r of await Promise.all(readers.map((c) => c.done))) {
      assert.equal(r.code, 0, r.stderr);
      // The readers saw the writers at work, not only the end state.
      assert.ok(Number(/distinct (\d+)/.exec(r.stdout)?.[1]) > 10, r.stdout);
    }
    for (const w of await Promise.all(writers.map((c) => c.done))) assert.equal(w.code, 0, w.stderr);
    const keys = await keysIn(dir);
    for (const name of ['a', 'b', 'c']) assert.ok(keys.has(`obj/${name}/149`));
  });
});

describe('e2e: the lock file names the command that holds it', function () {
  this.timeout(60_000);

  it('a shell that ran other commands first shows the one writing now', async () => {
    const dir = path.join(tempDir(), 'state');
    const env = { CLOUDHSM_STATE_DIR: dir };
    const made = start(FAULT_CLI, ['cluster', 'create'], { env });
    assert.equal((await made.done).code, 0);
    const shell = await startPaused(FAULT_CLI, ['shell'], 'commit.locked', { env, input: 'user list\ncluster describe\ncluster create\nquit\n' });
    try {
      const lock = JSON.parse(fs.readFileSync(path.join(dir, 'lock'), 'utf8')) as { command: string };
      assert.equal(lock.command, 'cluster create');
    } finally {
      shell.resume();
      await shell.done;
    }
  });
});
