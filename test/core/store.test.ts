import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { HsmError } from '../../src/core/errors.js';
import { Store } from '../../src/core/store/index.js';
import { FileKind, decodePreamble, encodePreamble, open, seal } from '../../src/core/store/format.js';
import { tempDir } from '../support/helpers.js';

async function openStore(dir: string, extra: Partial<Parameters<typeof Store.open>[0]> = {}) {
  return Store.open({ dir, lockTimeoutMs: 2000, ...extra });
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

  it('fails with an integrity error naming the file when any byte of any state file changes', async function () {
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
        const err = await rejectsWith(openStore(dir), 'STATE_INTEGRITY');
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
    // The index is built by the first lookup and must then follow every change.
    assert.deepEqual(await s.read((v) => v.lookup('key/c1/', 'label', 'even').map(([k]) => k)), ['key/c1/0', 'key/c1/2', 'key/c1/4']);
    assert.deepEqual(await s.read((v) => v.lookup('key/c1x/', 'label', 'even').map(([k]) => k)), ['key/c1x/0']);
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
});
