import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { HsmError } from '../../../src/core/errors.js';
import { Store } from '../../../src/core/store/index.js';
import { FileKind, decodePreamble, encodePreamble, open, seal } from '../../../src/core/store/format.js';
import { ObjectTable } from '../../../src/core/store/objects.js';
import { tempDir } from '../../support/helpers.js';
import { deflateRawSync } from 'node:zlib';

async function openStore(dir: string, extra: Partial<Parameters<typeof Store.open>[0]> = {}) {
  return Store.open({ dir, lockTimeoutMs: 2000, create: true, ...extra });
}

async function rejectsWith(promise: Promise<unknown>, code: string, fileInMessage?: string): Promise<HsmError> {
  try {
    await promise;
  } catch (err) {
    assert.ok(err instanceof HsmError, `expected HsmError, got ${String(err)}`);
    assert.equal(err.code, code, err.message);
    if (fileInMessage) assert.match(err.message, new RegExp(fileInMessage.replace(/[-.]/g, '\\$&')));
    return err;
  }
  assert.fail(`expected ${code}`);
}

/** The data key of a state sealed by seal.key, for tests that write state files themselves. */
function dataKeyOf(dir: string): Buffer {
  const sealKey = fs.readFileSync(path.join(dir, 'seal.key'));
  const keyring = fs.readFileSync(path.join(dir, 'keyring'));
  const preamble = decodePreamble(keyring, FileKind.keyring, 'keyring');
  return open(sealKey.subarray(sealKey.length - 32), preamble.bytes, keyring.subarray(preamble.bytes.length), 'keyring');
}

function snapshotFiles(dir: string): string[] {
  return fs.readdirSync(dir).filter((f) => f.startsWith('snapshot-'));
}

/** A state whose snapshot holds two collections of keys, a user and a loose object. */
async function compactedState(): Promise<string> {
  const dir = path.join(tempDir(), 'state');
  const s = await openStore(dir, { compactAfterBytes: 1 });
  await s.transact((tx) => {
    for (let i = 0; i < 5; i++) tx.put(`key/c1/${i}`, { label: `k${i}`, i });
    tx.put('key/c2/0', { label: 'k0' });
    tx.put('user/c1/alice', { name: 'alice' });
    tx.put('loose', 7);
  });
  assert.deepEqual(snapshotFiles(dir), ['snapshot-1'], 'the commit was folded into a snapshot');
  return dir;
}

describe('core/store', () => {
  it('keeps committed objects across reopening', async () => {
    const dir = path.join(tempDir(), 'state');
    const a = await openStore(dir);
    await a.transact((tx) => {
      tx.put('user/c/alice', { name: 'alice', n: 1 });
      tx.put('user/c/bob', { name: 'bob', n: 2 });
    });
    await a.transact((tx) => tx.delete('user/c/bob'));
    const b = await openStore(dir);
    const users = await b.read((v) => v.list('user/c/'));
    assert.deepEqual(users, [['user/c/alice', { name: 'alice', n: 1 }]]);
  });

  it('sees what another store instance committed', async () => {
    const dir = path.join(tempDir(), 'state');
    const a = await openStore(dir);
    const b = await openStore(dir);
    await a.transact((tx) => tx.put('k', 1));
    assert.equal(await b.read((v) => v.get('k')), 1);
    await b.transact((tx) => tx.put('k', 2));
    assert.equal(await a.read((v) => v.get('k')), 2);
  });

  it('writes nothing when the transaction throws', async () => {
    const dir = path.join(tempDir(), 'state');
    const s = await openStore(dir);
    await s.transact((tx) => tx.put('a', 1));
    const before = fs.readFileSync(path.join(dir, 'log-0'));
    await assert.rejects(s.transact((tx) => {
      tx.put('a', 2);
      tx.put('b', 3);
      throw new Error('refused');
    }), /refused/);
    assert.deepEqual(fs.readFileSync(path.join(dir, 'log-0')), before);
    assert.equal(await s.read((v) => v.get('a')), 1);
    assert.equal(await s.read((v) => v.get('b')), undefined);
  });

  it('returns frozen values so callers cannot change state behind a transaction', async () => {
    const s = await openStore(path.join(tempDir(), 'state'));
    await s.transact((tx) => tx.put('x', { a: { b: 1 } }));
    const value = await s.read((v) => v.get<{ a: { b: number } }>('x'));
    assert.throws(() => {
      (value as { a: { b: number } }).a.b = 2;
    }, TypeError);
  });

  it('folds the log into a new snapshot and removes the old generation', async () => {
    const dir = path.join(tempDir(), 'state');
    const s = await openStore(dir, { compactAfterBytes: 2048 });
    for (let i = 0; i < 60; i++) await s.transact((tx) => tx.put(`obj/${i}`, { i, pad: 'x'.repeat(100) }));
    const files = fs.readdirSync(dir);
    assert.ok(!files.includes('snapshot-0'), `old snapshot still there: ${files.join(' ')}`);
    assert.ok(files.some((f) => /^snapshot-[1-9]/.test(f)));
    const again = await openStore(dir);
    assert.equal(await again.read((v) => v.count('obj/')), 60);
    assert.deepEqual(await again.read((v) => v.get('obj/59')), { i: 59, pad: 'x'.repeat(100) });
  });

  it('loadCollection: the objects of JSON text, unparsed until read, seen by this store, another instance, a reopen and a compaction', async () => {
    const dir = path.join(tempDir(), 'state');
    const a = await openStore(dir, { compactAfterBytes: 4096 });
    const b = await openStore(dir);
    const entries = Array.from({ length: 50 }, (_, i): [string, unknown] => [`key/c1/${String(i).padStart(4, '0')}`, { i, label: `["key/c1/ in a value ${i}` }]);
    await a.transact((tx) => {
      tx.put('cluster/c1', { id: 'c1' });
      tx.loadCollection('key/c1/', Buffer.from(JSON.stringify(entries)));
    });
    assert.deepEqual(await a.read((v) => v.list('key/c1/')), entries);
    assert.deepEqual(await b.read((v) => v.list('key/c1/')), entries, 'another instance replays the log record');
    assert.deepEqual(await (await openStore(dir)).read((v) => [v.count('key/'), v.get('cluster/c1')]), [50, { id: 'c1' }]);
    // Changes after the load apply on top of it, through a compaction.
    for (let i = 0; i < 40; i++) await a.transact((tx) => tx.put(`pad/${i}`, 'x'.repeat(200)));
    await a.transact((tx) => tx.delete('key/c1/0003'));
    assert.ok(fs.readdirSync(dir).some((f) => /^snapshot-[1-9]/.test(f)), 'compacted');
    const reopened = await openStore(dir);
    assert.deepEqual(await reopened.read((v) => v.list('key/c1/')), entries.filter(([k]) => k !== 'key/c1/0003'));
  });

  it('loadCollection: reads and writes inside the collection in the same transaction see its objects; into a non-empty collection it merges', async () => {
    const dir = path.join(tempDir(), 'state');
    const s = await openStore(dir);
    const entries: Array<[string, unknown]> = [['k/1', 1], ['k/2', 2], ['k/3', 3]];
    const inside = await s.transact((tx) => {
      tx.loadCollection('k/', Buffer.from(JSON.stringify(entries)));
      const seen = [tx.count('k/'), tx.get('k/2')];
      tx.delete('k/1');
      tx.put('k/4', 4);
      return seen;
    });
    assert.deepEqual(inside, [3, 2]);
    assert.deepEqual(await s.read((v) => v.list('k/')), [['k/2', 2], ['k/3', 3], ['k/4', 4]]);
    await s.transact((tx) => tx.loadCollection('k/', Buffer.from(JSON.stringify([['k/3', 30], ['k/5', 5]]))));
    assert.deepEqual(await (await openStore(dir)).read((v) => v.list('k/')), [['k/2', 2], ['k/3', 30], ['k/4', 4], ['k/5', 5]]);
    // A throwing transaction leaves nothing of a load.
    await assert.rejects(s.transact((tx) => {
      tx.loadCollection('m/', Buffer.from(JSON.stringify([['m/1', 1]])));
      throw new Error('no');
    }));
    assert.equal(await s.read((v) => v.count('m/')), 0);
    await assert.rejects(s.transact((tx) => tx.loadCollection('m', Buffer.from('[]'))), /ending in '\/'/);
  });

  it('drops a torn append left by a killed writer and keeps working', async () => {
    const dir = path.join(tempDir(), 'state');
    const s = await openStore(dir);
    await s.transact((tx) => tx.put('a', 1));
    fs.appendFileSync(path.join(dir, 'log-0'), Buffer.from([0, 0, 1, 0, 9, 9, 9]));
    const t = await openStore(dir);
    assert.equal(await t.read((v) => v.get('a')), 1);
    await t.transact((tx) => tx.put('b', 2));
    const u = await openStore(dir);
    assert.deepEqual([await u.read((v) => v.get('a')), await u.read((v) => v.get('b'))], [1, 2]);
  });

  it('detects a log cut short at a record boundary', async () => {
    const dir = path.join(tempDir(), 'state');
    const s = await openStore(dir);
    await s.transact((tx) => tx.put('a', 1));
    const cut = fs.statSync(path.join(dir, 'log-0')).size;
    await s.transact((tx) => tx.put('b', 2));
    fs.truncateSync(path.join(dir, 'log-0'), cut);
    await rejectsWith(openStore(dir), 'STATE_INTEGRITY', 'log-0');
  });

  it('fails with an integrity error naming the file when any byte of any state file changes (judged at once: no writer runs)', async function () {
    this.timeout(120_000);
    const dir = path.join(tempDir(), 'state');
    const s = await openStore(dir, { compactAfterBytes: 1500 });
    for (let i = 0; i < 12; i++) await s.transact((tx) => tx.put(`user/c/u${i}`, { name: `u${i}`, hash: 'h'.repeat(50) }));
    const files = fs.readdirSync(dir).filter((f) => f !== 'lock');
    assert.ok(files.length >= 5, files.join(' '));
    let checked = 0;
    for (const file of files) {
      const full = path.join(dir, file);
      const original = fs.readFileSync(full);
      const step = Math.max(1, Math.floor(original.length / 40));
      for (let pos = 0; pos < original.length; pos += step) {
        const changed = Buffer.from(original);
        changed[pos] = changed[pos]! ^ 0x01;
        fs.writeFileSync(full, changed);
        const err = await rejectsWith(openStore(dir, { readRetries: 0 }), 'STATE_INTEGRITY');
        assert.ok(err.message.includes(file), `flipping byte ${pos} of ${file} gave: ${err.message}`);
        fs.writeFileSync(full, original);
        checked++;
      }
    }
    assert.ok(checked > 100);
    const ok = await openStore(dir);
    assert.equal(await ok.read((v) => v.count('user/')), 12);
  });

  it('keeps names and values out of the files in clear', async () => {
    const dir = path.join(tempDir(), 'state');
    const s = await openStore(dir);
    await s.transact((tx) => tx.put('user/c/zanzibar_operator', { name: 'zanzibar_operator', secret: 'Sup3rSecretPw!' }));
    for (const file of fs.readdirSync(dir)) {
      const text = fs.readFileSync(path.join(dir, file)).toString('latin1');
      assert.ok(!text.includes('zanzibar'), `${file} holds the name in clear`);
      assert.ok(!text.includes('Sup3rSecret'), `${file} holds the secret in clear`);
    }
  });

  it('creates files 0600 and the folder 0700', async () => {
    const dir = path.join(tempDir(), 'state');
    await openStore(dir);
    assert.equal(fs.statSync(dir).mode & 0o777, 0o700);
    for (const file of fs.readdirSync(dir)) assert.equal(fs.statSync(path.join(dir, file)).mode & 0o777, 0o600, file);
  });

  it('seals with a passphrase: no seal.key, and a wrong or missing passphrase is refused', async function () {
    this.timeout(30_000);
    const dir = path.join(tempDir(), 'state');
    const s = await openStore(dir, { passphrase: 'correct horse battery' });
    await s.transact((tx) => tx.put('a', 1));
    assert.ok(!fs.existsSync(path.join(dir, 'seal.key')));
    const again = await openStore(dir, { passphrase: 'correct horse battery' });
    assert.equal(await again.read((v) => v.get('a')), 1);
    await rejectsWith(openStore(dir, { passphrase: 'wrong horse battery' }), 'STATE_INTEGRITY', 'keyring');
    await rejectsWith(openStore(dir), 'STATE_PASSPHRASE');
  });

  it('refuses a passphrase on a state sealed by seal.key', async () => {
    const dir = path.join(tempDir(), 'state');
    await openStore(dir);
    await rejectsWith(openStore(dir, { passphrase: 'anything at all' }), 'STATE_PASSPHRASE');
  });

  it('refuses an authentic state file of a newer format, and reads a damaged version field as damage', async () => {
    const dir = path.join(tempDir(), 'state');
    await openStore(dir);
    const file = path.join(dir, 'keyring');
    const original = fs.readFileSync(file);
    const damaged = Buffer.from(original);
    damaged.writeUInt16BE(2, 9);
    fs.writeFileSync(file, damaged);
    await rejectsWith(openStore(dir), 'STATE_INTEGRITY', 'keyring');
    // A keyring genuinely written by a newer version: same key, version 2 in the sealed preamble.
    const sealKey = fs.readFileSync(path.join(dir, 'seal.key'));
    const sealingKey = sealKey.subarray(sealKey.length - 32);
    const old = decodePreamble(original, FileKind.keyring, 'keyring');
    const dataKey = open(sealingKey, old.bytes, original.subarray(old.bytes.length), 'keyring');
    const newer = encodePreamble(FileKind.keyring, old.header, 2);
    fs.writeFileSync(file, Buffer.concat([newer, seal(sealingKey, newer, dataKey)]));
    await rejectsWith(openStore(dir), 'STATE_VERSION', 'keyring');
  });

  it('breaks a lock left by a dead process', async () => {
    const dir = path.join(tempDir(), 'state');
    const s = await openStore(dir);
    const dead = spawn(process.execPath, ['-e', '0']);
    await new Promise((r) => dead.on('close', r));
    fs.writeFileSync(path.join(dir, 'lock'), JSON.stringify({ pid: dead.pid, command: 'user create', since: new Date().toISOString() }));
    await s.transact((tx) => tx.put('a', 1));
    assert.equal(fs.existsSync(path.join(dir, 'lock')), false);
  });

  it('waits for a live lock, then reports who holds it', async () => {
    const dir = path.join(tempDir(), 'state');
    const s = await openStore(dir, { lockTimeoutMs: 300 });
    const holder = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 20000)']);
    try {
      fs.writeFileSync(path.join(dir, 'lock'), JSON.stringify({ pid: holder.pid, command: 'key generate-symmetric aes', since: '2026-01-01T00:00:00.000Z' }));
      const err = await rejectsWith(s.transact((tx) => tx.put('a', 1)), 'STATE_LOCKED');
      assert.match(err.message, new RegExp(`pid ${holder.pid} \\(key generate-symmetric aes\\) since 2026-01-01`));
      assert.equal(await s.read((v) => v.get('a')), undefined);
    } finally {
      holder.kill('SIGKILL');
    }
  });

  it('looks objects up by a field as a filtered listing would, through changes by this and other processes', async () => {
    const dir = path.join(tempDir(), 'state');
    const s = await openStore(dir);
    const other = await openStore(dir);
    const filtered = (v: { list: (p: string) => Array<[string, unknown]> }, prefix: string, label: string) =>
      v.list(prefix).filter(([, value]) => (value as { label?: string }).label === label);
    await s.transact((tx) => {
      for (let i = 0; i < 6; i++) tx.put(`key/c1/${i}`, { label: i % 2 === 0 ? 'even' : 'odd', i });
      tx.put('key/c1x/0', { label: 'even' });
    });
    // The first lookup scans, the second builds the index, which must then follow every change.
    for (let i = 0; i < 2; i++) {
      assert.deepEqual(await s.read((v) => v.lookup('key/c1/', 'label', 'even').map(([k]) => k)), ['key/c1/0', 'key/c1/2', 'key/c1/4']);
      assert.deepEqual(await s.read((v) => v.lookup('key/c1x/', 'label', 'even').map(([k]) => k)), ['key/c1x/0']);
    }
    await other.transact((tx) => {
      tx.put('key/c1/0', { label: 'odd', i: 0 });
      tx.delete('key/c1/2');
      tx.put('key/c1/9', { label: 'even', i: 9 });
    });
    await s.transact((tx) => {
      tx.put('key/c1/1', { label: 'even', i: 1 });
      // Inside a transaction the lookup sees its own uncommitted changes.
      assert.deepEqual(tx.lookup('key/c1/', 'label', 'even'), filtered(tx, 'key/c1/', 'even'));
      tx.delete('key/c1x/0');
      assert.deepEqual(tx.lookup('key/c1x/', 'label', 'even'), []);
    });
    for (const label of ['even', 'odd', 'none']) {
      assert.deepEqual(await s.read((v) => v.lookup('key/c1/', 'label', label)), await s.read((v) => filtered(v, 'key/c1/', label)), label);
    }
    assert.deepEqual(await s.read((v) => v.lookup('key/c1/', 'label', 'even').map(([k]) => k)), ['key/c1/1', 'key/c1/4', 'key/c1/9']);
    const value = await s.read((v) => v.lookup<{ label: string }>('key/c1/', 'label', 'odd')[0]![1]);
    assert.ok(Object.isFrozen(value), 'looked-up values are frozen like every value handed out');
  });

  it('counts a collection the same whether it uses the kept count or walks the objects', async () => {
    const dir = path.join(tempDir(), 'state');
    const s = await openStore(dir);
    await s.transact((tx) => {
      for (let i = 0; i < 5; i++) tx.put(`key/c1/${i}`, { i });
      tx.put('key/c2/0', {});
      tx.put('keyring-like/x', {});
      tx.put('nest/a/1', {});
      tx.put('nest/a/b/2', {});
    });
    await s.transact((tx) => {
      assert.equal(tx.count('key/c1/'), 5);
      tx.delete('key/c1/0');
      tx.put('key/c1/9', {});
      tx.put('key/c1/10', {});
      tx.delete('key/c1/missing');
      assert.equal(tx.count('key/c1/'), 6);
      assert.equal(tx.count('key/'), 7);
      assert.equal(tx.count('nest/a/'), 2);
    });
    const again = await openStore(dir);
    assert.deepEqual([await again.read((v) => v.count('key/c1/')), await again.read((v) => v.count('key/c2/')), await again.read((v) => v.count('nest/a/b/'))], [6, 1, 1]);
    await s.transact((tx) => tx.delete('key/c2/0'));
    assert.equal(await s.read((v) => v.count('key/c2/')), 0);
  });

  it('serialises concurrent transactions of one process', async () => {
    const s = await openStore(path.join(tempDir(), 'state'));
    await s.transact((tx) => tx.put('n', 0));
    await Promise.all(Array.from({ length: 20 }, () => s.transact((tx) => tx.put('n', (tx.get<number>('n') ?? 0) + 1))));
    assert.equal(await s.read((v) => v.get('n')), 20);
  });

  it('still opens a snapshot of format 1 (one array of every object), and compacts it to format 3', async () => {
    const dir = path.join(tempDir(), 'state');
    const s = await openStore(dir);
    await s.transact((tx) => tx.put('key/c1/2', { label: 'from the log' }));
    // Replace snapshot-0 by one that the previous version would have written.
    const preamble = encodePreamble(FileKind.snapshot, decodePreamble(fs.readFileSync(path.join(dir, 'snapshot-0')), FileKind.snapshot, 'snapshot-0').header, 1);
    const entries = [['key/c1/1', { label: 'old' }], ['user/c1/bob', { name: 'bob' }], ['loose', 1]];
    fs.writeFileSync(path.join(dir, 'snapshot-0'), Buffer.concat([preamble, seal(dataKeyOf(dir), preamble, Buffer.from(JSON.stringify(entries)))]));
    const old = await openStore(dir, { compactAfterBytes: 1 });
    const expected = [['key/c1/1', { label: 'old' }], ['key/c1/2', { label: 'from the log' }], ['loose', 1], ['user/c1/bob', { name: 'bob' }]];
    assert.deepEqual(await old.read((v) => v.list('')), expected);
    await old.transact((tx) => tx.put('loose', 2));
    const [file] = snapshotFiles(dir);
    assert.equal(file, 'snapshot-1');
    assert.equal(decodePreamble(fs.readFileSync(path.join(dir, file)), FileKind.snapshot, file).version, 3);
    const again = await openStore(dir);
    assert.deepEqual(await again.read((v) => v.list('')), expected.map(([k, v]) => [k, k === 'loose' ? 2 : v]));
  });

  it('still opens a snapshot of format 2 (one deflate stream of every collection), and compacts it to format 3', async () => {
    const dir = path.join(tempDir(), 'state');
    const s = await openStore(dir);
    await s.transact((tx) => tx.put('key/c1/2', { label: 'from the log' }));
    const preamble0 = decodePreamble(fs.readFileSync(path.join(dir, 'snapshot-0')), FileKind.snapshot, 'snapshot-0');
    const chunks: Array<[string, Buffer]> = [
      ['key/c1/', Buffer.from(JSON.stringify([['key/c1/1', { label: 'old' }]]))],
      ['user/c1/', Buffer.from(JSON.stringify([['user/c1/bob', { name: 'bob' }]]))],
    ];
    let offset = 0;
    const directory = chunks.map(([name, json]) => [name, (offset += json.length) - json.length, json.length]);
    const plain = Buffer.concat([Buffer.from(`${JSON.stringify(directory)}\n`), ...chunks.map(([, json]) => json)]);
    const preamble = encodePreamble(FileKind.snapshot, { ...preamble0.header, bytes: plain.length }, 2);
    fs.writeFileSync(path.join(dir, 'snapshot-0'), Buffer.concat([preamble, seal(dataKeyOf(dir), preamble, deflateRawSync(plain))]));
    const old = await openStore(dir, { compactAfterBytes: 1 });
    const expected: Array<[string, unknown]> = [['key/c1/1', { label: 'old' }], ['key/c1/2', { label: 'from the log' }], ['user/c1/bob', { name: 'bob' }]];
    assert.deepEqual(await old.read((v) => v.list('')), expected);
    await old.transact((tx) => tx.put('loose', 2));
    const [file] = snapshotFiles(dir);
    assert.equal(decodePreamble(fs.readFileSync(path.join(dir, file!)), FileKind.snapshot, file!).version, 3);
    assert.deepEqual(await (await openStore(dir)).read((v) => v.list('')), [...expected, ['loose', 2] as [string, unknown]].sort(([a], [b]) => a.localeCompare(b)));
  });

  it('format 3: a compaction writes the deflated bytes of a collection nothing changed as they were, and inflates only what is read', async () => {
    const dir = path.join(tempDir(), 'state');
    const s = await openStore(dir, { compactAfterBytes: 1 });
    await s.transact((tx) => {
      for (let i = 0; i < 20; i++) tx.put(`key/c1/${i}`, { i });
      tx.put('user/c1/bob', { name: 'bob' });
    });
    const reader = await openStore(dir, { compactAfterBytes: 1 });
    assert.deepEqual(await reader.read((v) => v.get('user/c1/bob')), { name: 'bob' });
    const before = new Map(reader['objects'].chunks() as Array<[string, { deflated?: Buffer; json?: Buffer }]>);
    assert.ok(before.get('key/c1/')!.deflated && !before.get('key/c1/')!.json, 'the key collection was not inflated');
    await reader.transact((tx) => tx.put('user/c1/carol', { name: 'carol' }));
    const after = new Map(reader['objects'].chunks() as Array<[string, { deflated?: Buffer }]>);
    assert.equal(after.get('key/c1/')!.deflated, before.get('key/c1/')!.deflated, 'the same bytes, not deflated again');
    assert.deepEqual(await (await openStore(dir)).read((v) => [v.count('key/c1/'), v.count('user/c1/')]), [20, 2]);
  });

  it('format 3: a large collection with a few changes keeps its deflated text through a compaction, with the changes beside it, until they grow past a quarter of it', async () => {
    const dir = path.join(tempDir(), 'state');
    const s = await openStore(dir, { compactAfterBytes: 1 });
    await s.transact((tx) => {
      for (let i = 0; i < 200; i++) tx.put(`key/c1/${String(i).padStart(3, '0')}`, { i, pad: 'x'.repeat(40) });
    });
    const expected = new Map<string, unknown>((await s.read((v) => v.list('key/c1/'))));
    // Another process changes a few keys; this one (collection unread) compacts.
    const writer = await openStore(dir);
    const compactor = await openStore(dir);
    await compactor.read((v) => v.get('nothing'));
    const deflatedBefore = (new Map(compactor['objects'].chunks() as Array<[string, { deflated?: Buffer }]>)).get('key/c1/')!.deflated;
    await writer.transact((tx) => {
      tx.put('key/c1/007', { i: 7, changed: true });
      tx.delete('key/c1/008');
      tx.put('key/c1/new', { added: true });
    });
    expected.set('key/c1/007', { i: 7, changed: true });
    expected.delete('key/c1/008');
    expected.set('key/c1/new', { added: true });
    await compactor.compactNow();
    const chunk = new Map(compactor['objects'].chunks() as Array<[string, { deflated?: Buffer; delta?: Buffer }]>).get('key/c1/')!;
    assert.equal(chunk.deflated, deflatedBefore, 'the deflated text is written again as it was');
    assert.ok(chunk.delta && JSON.parse(chunk.delta.toString()).length === 3);
    const sorted = (m: Map<string, unknown>) => [...m].sort(([a], [b]) => (a < b ? -1 : 1));
    for (const reader of [await openStore(dir), compactor]) assert.deepEqual(await reader.read((v) => v.list('key/c1/')), sorted(expected));
    // Many more changes: the next compaction merges them into one text again.
    await writer.transact((tx) => {
      for (let i = 0; i < 120; i++) tx.put(`key/c1/${String(i).padStart(3, '0')}`, { i, again: true });
    });
    for (let i = 0; i < 120; i++) expected.set(`key/c1/${String(i).padStart(3, '0')}`, { i, again: true });
    const third = await openStore(dir);
    await third.compactNow();
    const merged = new Map(third['objects'].chunks() as Array<[string, { json?: Buffer; delta?: Buffer }]>).get('key/c1/')!;
    assert.ok(merged.json && !merged.delta, 'merged');
    assert.deepEqual(await (await openStore(dir)).read((v) => v.list('key/c1/')), sorted(expected));
  });

  it('applies log records to a collection that is not parsed yet only after parsing it', async () => {
    const dir = await compactedState();
    const writer = await openStore(dir);
    await writer.transact((tx) => {
      tx.put('key/c1/0', { label: 'changed', i: 0 });
      tx.delete('key/c1/1');
      tx.put('key/c1/9', { label: 'k9', i: 9 });
    });
    await writer.transact((tx) => tx.put('key/c1/0', { label: 'changed again', i: 0 }));
    assert.deepEqual(snapshotFiles(dir), ['snapshot-1'], 'the changes are log records after the snapshot');
    // Opening replays them while key/c1/ is still a chunk of JSON text.
    const reader = await openStore(dir);
    assert.deepEqual(await reader.read((v) => v.list('key/c1/').map(([k, value]) => [k, (value as { label: string }).label])), [
      ['key/c1/0', 'changed again'],
      ['key/c1/2', 'k2'],
      ['key/c1/3', 'k3'],
      ['key/c1/4', 'k4'],
      ['key/c1/9', 'k9'],
    ]);
  });

  it('queues changes to a pending collection behind its chunk, and hands an untouched chunk back unparsed', () => {
    const chunk = (entries: Array<[string, unknown]>) => Buffer.from(JSON.stringify(entries));
    const users = chunk([['user/c/alice', { n: 1 }]]);
    const table = ObjectTable.fromChunks(
      [
        ['key/c/', chunk([['key/c/a', { label: 'x' }], ['key/c/b', { label: 'y' }]])],
        ['user/c/', users],
      ],
      'snapshot-1',
    );
    table.set('key/c/a', { label: 'z' });
    table.set('key/c/b', null);
    table.set('key/c/c', { label: 'x' });
    const chunks = new Map(table.chunks());
    assert.equal(chunks.get('user/c/')!.json, users, 'the untouched chunk is the same bytes');
    assert.deepEqual(JSON.parse(chunks.get('key/c/')!.json!.toString()), [['key/c/a', { label: 'z' }], ['key/c/c', { label: 'x' }]]);
    assert.deepEqual(table.view().lookup('key/c/', 'label', 'x'), [['key/c/c', { label: 'x' }]]);
    assert.equal(table.view().get('user/c/alice') !== undefined, true);
  });

  it('reads the same objects after warm() as when each collection is parsed on demand', async () => {
    const dir = await compactedState();
    const writer = await openStore(dir);
    await writer.transact((tx) => {
      tx.put('key/c2/1', { label: 'k1' });
      tx.delete('key/c1/3');
    });
    const lazy = await openStore(dir);
    const warm = await openStore(dir);
    warm.warm();
    const everything = (v: Parameters<Parameters<Store['read']>[0]>[0]) => [
      v.list(''),
      v.list('key/'),
      v.list('key/c1/'),
      v.lookup('key/c2/', 'label', 'k1'),
      v.count('key/'),
      v.get('user/c1/alice'),
      v.has('key/c1/3'),
      v.get('loose'),
    ];
    const expected = await lazy.read(everything);
    assert.equal((expected[0] as unknown[]).length, 8);
    assert.deepEqual(await warm.read(everything), expected);
  });

  it('refuses a tampered snapshot before parsing any of it', async () => {
    const dir = await compactedState();
    const file = path.join(dir, 'snapshot-1');
    const original = fs.readFileSync(file);
    const changed = Buffer.from(original);
    changed[changed.length - 30] = changed[changed.length - 30]! ^ 0x01;
    fs.writeFileSync(file, changed);
    // Every JSON text parsed while opening (the key names in the snapshot are the tell).
    const parsed: string[] = [];
    const parse = JSON.parse;
    JSON.parse = (text: string, ...rest) => {
      parsed.push(text);
      return parse(text, ...rest);
    };
    try {
      const err = await rejectsWith(openStore(dir), 'STATE_INTEGRITY', 'snapshot-1');
      assert.match(err.message, /failed authentication/);
    } finally {
      JSON.parse = parse;
    }
    assert.ok(parsed.length > 0, 'the spy saw the head being parsed');
    assert.deepEqual(parsed.filter((text) => text.includes('key/c1/')), []);
  });

  it('weighs the log against the size of the snapshot uncompressed, so compaction is no more frequent', async () => {
    const dir = path.join(tempDir(), 'state');
    const s = await openStore(dir, { compactAfterBytes: 1 });
    // About 30 KB of JSON that compresses to a few hundred bytes.
    await s.transact((tx) => {
      for (let i = 0; i < 100; i++) tx.put(`key/c/${i}`, { pad: 'x'.repeat(300) });
    });
    assert.deepEqual(snapshotFiles(dir), ['snapshot-1']);
    assert.ok(fs.statSync(path.join(dir, 'snapshot-1')).size < 2000, 'the snapshot is stored compressed');
    for (let i = 0; i < 10; i++) await s.transact((tx) => tx.put(`key/c/${i}`, { pad: 'y'.repeat(300) }));
    assert.deepEqual(snapshotFiles(dir), ['snapshot-1'], 'a log of ~3.5 KB is no reason to fold a 30 KB snapshot');
    const reopened = await openStore(dir, { compactAfterBytes: 1 });
    await reopened.transact((tx) => tx.put('key/c/0', { pad: 'z' }));
    assert.deepEqual(snapshotFiles(dir), ['snapshot-1'], 'nor after reading the snapshot back');
  });
});
