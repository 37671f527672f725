/**
 * The store under attack: state files rolled back in every combination, removed, replaced by
 * special files or links, given hostile KDF parameters, and folders that are not state folders.
 * Each test is written in the terms of a way the state was broken before.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { HsmError } from '../../../src/core/errors.js';
import { FileKind, decodePreamble, encodePreamble, open, seal } from '../../../src/core/store/format.js';
import { Store } from '../../../src/core/store/index.js';
import { tempDir } from '../../support/helpers.js';

async function openStore(dir: string, extra: Partial<Parameters<typeof Store.open>[0]> = {}) {
  return Store.open({ dir, lockTimeoutMs: 2000, ...extra });
}

async function rejectsWith(promise: Promise<unknown>, code: string, inMessage?: string): Promise<HsmError> {
  try {
    await promise;
  } catch (err) {
    assert.ok(err instanceof HsmError, `expected HsmError ${code}, got ${String(err)}`);
    assert.equal(err.code, code, err.message);
    if (inMessage) assert.ok(err.message.includes(inMessage), err.message);
    return err;
  }
  assert.fail(`expected ${code}`);
}

function put(store: Store, key: string, value: object = { v: 1 }) {
  return store.transact((tx) => tx.put(key, value));
}

/** A copy of the named files of `dir`, to put back later. */
function copyFiles(dir: string, names: string[]): Map<string, Buffer> {
  return new Map(names.map((n) => [n, fs.readFileSync(path.join(dir, n))]));
}

function restore(dir: string, copies: Map<string, Buffer>): void {
  for (const [name, data] of copies) fs.writeFileSync(path.join(dir, name), data);
}

function listing(dir: string): string {
  return fs
    .readdirSync(dir)
    .sort()
    .map((n) => `${n}:${fs.statSync(path.join(dir, n)).size}`)
    .join(' ');
}

describe('core/store under attack', function () {
  this.timeout(30_000);

  describe('rollback of some state files by older copies', () => {
    // Every commit changes log-<g>, counter and head. Rolling back any of them, or any two, is
    // refused; rolling back all three is a copy of the whole state at that moment (README).
    const combos: string[][] = [['head', 'log-0'], ['counter', 'log-0'], ['head', 'counter'], ['head'], ['counter'], ['log-0']];
    for (const combo of combos) {
      it(`refuses a state whose ${combo.join(' and ')} were replaced by copies from two changes earlier`, async () => {
        const dir = path.join(tempDir(), 'state');
        const s = await openStore(dir, { create: true });
        await put(s, 'user/c/alice', { failedLogins: 0 });
        const copies = copyFiles(dir, combo);
        await put(s, 'user/c/alice', { failedLogins: 5, locked: true });
        await put(s, 'key/c/7', { v: 7 });
        restore(dir, copies);
        // A fresh process reading, then one writing: each notices (or, for head or counter
        // alone, nothing was lost and the writer repairs it).
        const lost = combo.includes('log-0');
        if (combo.length === 1 && lost) {
          // The log alone going back reads as a log cut short.
          await rejectsWith(openStore(dir), 'STATE_INTEGRITY', 'log-0');
        } else if (lost) {
          await rejectsWith(openStore(dir), 'STATE_ROLLBACK');
        } else {
          const fresh = await openStore(dir).catch((err: unknown) => err as HsmError);
          if (fresh instanceof Store) {
            await rejectsWith(put(fresh, 'x/y'), 'STATE_ROLLBACK');
          } else {
            assert.equal(fresh.code, 'STATE_ROLLBACK', fresh.message);
          }
        }
      });
    }

    it('rolling back head (or counter) by one write loses nothing: the next writer completes the change', async () => {
      const dir = path.join(tempDir(), 'state');
      const s = await openStore(dir, { create: true });
      const copies = copyFiles(dir, ['head']);
      await put(s, 'user/c/bob', { locked: true });
      restore(dir, copies);
      const t = await openStore(dir);
      await put(t, 'other/1');
      assert.deepEqual(await (await openStore(dir)).read((v) => v.get('user/c/bob')), { locked: true });
    });

    it('a running process refuses a state that went back below what it already saw, even when all files were copied together', async () => {
      const dir = path.join(tempDir(), 'state');
      const s = await openStore(dir, { create: true });
      await put(s, 'a/1');
      const all = copyFiles(dir, ['head', 'counter', 'log-0']);
      await put(s, 'a/2');
      restore(dir, all);
      await rejectsWith(s.read((v) => v.count('a/')), 'STATE_ROLLBACK');
    });

    it('refuses older head, counter, snapshot and log restored together when a newer snapshot says more was committed', async () => {
      const dir = path.join(tempDir(), 'state');
      const s = await openStore(dir, { create: true, compactAfterBytes: 1 });
      await put(s, 'a/1');
      const gen = fs.readdirSync(dir).filter((n) => /^(snapshot|log)-\d+$/.test(n));
      const copies = copyFiles(dir, ['head', 'counter', ...gen]);
      await put(s, 'a/2');
      await put(s, 'a/3');
      restore(dir, copies);
      const t = await openStore(dir);
      await rejectsWith(put(t, 'a/4'), 'STATE_ROLLBACK');
    });

    it('documents the limit: a copy of every file taken at one moment restores that moment', async () => {
      const dir = path.join(tempDir(), 'state');
      const s = await openStore(dir, { create: true });
      await put(s, 'a/1');
      const all = copyFiles(dir, fs.readdirSync(dir).filter((n) => n !== 'lock'));
      await put(s, 'a/2');
      restore(dir, all);
      const t = await openStore(dir);
      assert.equal(await t.read((v) => v.count('a/')), 1);
    });
  });

  describe('a missing keyring', () => {
    it('is an integrity error naming keyring for every open, and nothing is created over the old files', async () => {
      const dir = path.join(tempDir(), 'state');
      const s = await openStore(dir, { create: true });
      await put(s, 'user/c/alice');
      fs.rmSync(path.join(dir, 'keyring'));
      const before = listing(dir);
      for (const create of [false, true]) {
        const err = await rejectsWith(openStore(dir, { create }), 'STATE_INTEGRITY', 'keyring');
        assert.equal(err.details?.file, 'keyring');
      }
      assert.equal(listing(dir), before);
    });
  });

  describe('special files in the state folder', () => {
    it('a FIFO in place of head fails at once with an integrity error naming head', async () => {
      const dir = path.join(tempDir(), 'state');
      await openStore(dir, { create: true });
      fs.rmSync(path.join(dir, 'head'));
      execFileSync('mkfifo', [path.join(dir, 'head')]);
      const started = Date.now();
      await rejectsWith(openStore(dir), 'STATE_INTEGRITY', 'head');
      assert.ok(Date.now() - started < 5000);
    });

    it('a symbolic link in place of a state file is refused', async () => {
      const dir = path.join(tempDir(), 'state');
      await openStore(dir, { create: true });
      const elsewhere = path.join(tempDir(), 'head');
      fs.renameSync(path.join(dir, 'head'), elsewhere);
      fs.symlinkSync(elsewhere, path.join(dir, 'head'));
      await rejectsWith(openStore(dir), 'STATE_INTEGRITY', 'symbolic link');
    });

    it('a folder (or FIFO) where the lock file goes is a STATE_IO error naming the lock, not INTERNAL', async () => {
      for (const make of ['dir', 'fifo']) {
        const dir = path.join(tempDir(), 'state');
        const s = await openStore(dir, { create: true });
        if (make === 'dir') fs.mkdirSync(path.join(dir, 'lock'));
        else execFileSync('mkfifo', [path.join(dir, 'lock')]);
        await rejectsWith(put(s, 'a/1'), 'STATE_IO', 'lock');
      }
    });

    it('a state file far larger than its kind may be is refused without reading it', async () => {
      const dir = path.join(tempDir(), 'state');
      await openStore(dir, { create: true });
      fs.truncateSync(path.join(dir, 'head'), 10 * 1024 * 1024);
      await rejectsWith(openStore(dir), 'STATE_INTEGRITY', 'head');
    });
  });

  describe('KDF parameters of a passphrase state', () => {
    for (const [param, value] of [['N', 1 << 24], ['p', 200], ['r', 64], ['N', 1000]] as const) {
      it(`refuses ${param}=${value} in the keyring header at once, before running scrypt`, async () => {
        const dir = path.join(tempDir(), 'state');
        await openStore(dir, { create: true, passphrase: 'correct horse' });
        const file = path.join(dir, 'keyring');
        const keyring = fs.readFileSync(file);
        const preamble = decodePreamble(keyring, FileKind.keyring, 'keyring');
        const sealing = { ...(preamble.header.sealing as Record<string, unknown>), [param]: value };
        const edited = encodePreamble(FileKind.keyring, { ...preamble.header, sealing }, preamble.version);
        fs.writeFileSync(file, Buffer.concat([edited, keyring.subarray(preamble.bytes.length)]));
        const started = Date.now();
        await rejectsWith(openStore(dir, { passphrase: 'correct horse' }), 'STATE_INTEGRITY', 'keyring');
        assert.ok(Date.now() - started < 1000, `took ${Date.now() - started} ms`);
      });
    }
  });

  describe('folders that are not state folders', () => {
    it('opening an ordinary folder without creating reads nothing and changes nothing in it', async () => {
      const dir = tempDir();
      fs.writeFileSync(path.join(dir, 'notes.txt'), 'mine');
      fs.chmodSync(dir, 0o755);
      const s = await openStore(dir);
      assert.equal(s.absent, true);
      assert.equal(await s.read((v) => v.count('cluster/')), 0);
      await rejectsWith(put(s, 'cluster/x'), 'STATE_NOT_FOUND');
      assert.deepEqual(fs.readdirSync(dir), ['notes.txt']);
      assert.equal(fs.statSync(dir).mode & 0o777, 0o755);
    });

    it('creating a state in a folder that holds other files is refused; in an empty one it is made 0700', async () => {
      const dir = tempDir();
      fs.writeFileSync(path.join(dir, 'notes.txt'), 'mine');
      await rejectsWith(openStore(dir, { create: true }), 'STATE_DIR_NOT_EMPTY', 'notes.txt');
      assert.deepEqual(fs.readdirSync(dir), ['notes.txt']);
      const empty = tempDir();
      fs.chmodSync(empty, 0o755);
      await openStore(empty, { create: true });
      assert.equal(fs.statSync(empty).mode & 0o777, 0o700);
    });

    it('a state written with the format-1 head opens, and its next commit moves it to format 2 with a counter', async () => {
      const dir = path.join(tempDir(), 'state');
      const s = await openStore(dir, { create: true });
      await put(s, 'a/1');
      // Rewrite head as format 1 (one sealed record) and remove the counter, as older versions left it.
      const sealKey = fs.readFileSync(path.join(dir, 'seal.key'));
      const keyring = fs.readFileSync(path.join(dir, 'keyring'));
      const kp = decodePreamble(keyring, FileKind.keyring, 'keyring');
      const dataKey = open(sealKey.subarray(sealKey.length - 32), kp.bytes, keyring.subarray(kp.bytes.length), 'keyring');
      const headPreamble = encodePreamble(FileKind.head, { storeId: s.storeId }, 1);
      fs.writeFileSync(path.join(dir, 'head'), Buffer.concat([headPreamble, seal(dataKey, headPreamble, Buffer.from(JSON.stringify({ generation: 0, seq: 1 })))]));
      fs.rmSync(path.join(dir, 'counter'));
      const t = await openStore(dir);
      assert.equal(await t.read((v) => v.count('a/')), 1);
      await put(t, 'a/2');
      assert.ok(fs.existsSync(path.join(dir, 'counter')));
      assert.equal(decodePreamble(fs.readFileSync(path.join(dir, 'head')), FileKind.head, 'head').version, 2);
      assert.equal(await (await openStore(dir)).read((v) => v.count('a/')), 2);
    });
  });
});
