/**
 * The audit log's storage and chain (src/core/audit/log.ts), as an attacker with write access to
 * the state's objects (but not the installation's audit secret) would try it: every edit,
 * deletion, reordering, insertion and truncation must fail verification, naming the first event
 * that does not verify.
 */
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import path from 'node:path';
import { seededRandom } from '../../../src/core/context.js';
import { appendAuditEvent, appendAuditEvents, auditKeys, readAuditStream, renderAuditEvent, verifyAuditLog, RESPONSES, type AuditEventInput } from '../../../src/core/audit/log.js';
import { Store } from '../../../src/core/store/index.js';
import { streamLengthKey } from '../../../src/core/store/store.js';
import fs from 'node:fs';
import { tempDir } from '../../support/helpers.js';

const CLUSTER = 'cluster-abcdefghijk';
const HSM = 'hsm-abcdefghijk';
const T0 = Date.UTC(2018, 0, 24, 17, 44, 25, 13);

const EVENTS: AuditEventInput[] = [
  { opcode: 'CN_LOGIN', sessionHandle: 0xc008002, response: RESPONSES.LOGIN_FAILURE, user: { name: 'testuser', type: 'CN_CRYPTO_USER' } },
  { opcode: 'CN_LOGIN', sessionHandle: 0xc008002, user: { name: 'testuser', type: 'CN_CRYPTO_USER' } },
  { opcode: 'CN_GENERATE_KEY', sessionHandle: 0xc008002, keys: { secret: 262_147, public: 0 } },
  { opcode: 'CN_EXTRACT_MASKED_OBJECT_USER', sessionHandle: 0xc008002, keys: { secret: 262_147, public: 0 } },
  { opcode: 'CN_SHARE_OBJECT', sessionHandle: 0xc008002 },
  { opcode: 'CN_LOGOUT', sessionHandle: 0xc008002, user: { name: 'testuser', type: 'CN_CRYPTO_USER' } },
];

async function logWith(events: AuditEventInput[], hsms = [HSM]): Promise<Store> {
  const store = await Store.open({ dir: path.join(tempDir('chsm-audit-'), 'state'), create: true, lockTimeoutMs: 2000 });
  const random = seededRandom('audit');
  await store.transact((tx) => {
    let t = T0;
    // A batch of 1: each event is chained into the stream file at once, where the attacks below aim.
    for (const hsm of hsms) for (const e of events) appendAuditEvent(tx, CLUSTER, hsm, (t += 0.5), e, random, 1);
  });
  return store;
}

const reader = (store: Store) => (view: Parameters<Parameters<Store['read']>[0]>[0]) => (name: string) => store.readStream(name, view);
const verify = (store: Store) => store.read((view) => verifyAuditLog(view, reader(store)(view)));
const records = (store: Store, hsm = HSM) => store.read((view) => readAuditStream(view, reader(store)(view), CLUSTER, hsm));
const streamFile = (store: Store, hsm = HSM) => path.join(store.dir, 'streams', auditKeys.file(CLUSTER, hsm));

async function problemAfter(store: Store, change: (tx: Parameters<Parameters<Store['transact']>[0]>[0]) => void) {
  await store.transact(change);
  return (await verify(store)).problem;
}

describe('core/audit: the audit log chain', () => {
  it('appends events with gap-free sequence numbers, a constant reboot counter, rising microseconds, and renders §2\'s layout', async () => {
    const store = await logWith(EVENTS);
    const recorded = await records(store);
    assert.deepEqual(recorded.map((r) => r.seq), ['0x0', '0x1', '0x2', '0x3', '0x4', '0x5']);
    assert.equal(new Set(recorded.map((r) => r.rebootCounter)).size, 1);
    assert.ok(recorded.every((r, i) => i === 0 || BigInt(r.usecs) > BigInt(recorded[i - 1]!.usecs)));
    assert.deepEqual(await verify(store), { streams: 1, events: 6 });
    assert.equal(
      renderAuditEvent(recorded[0]!),
      [
        'Time: 01/24/18 17:44:25.013500, usecs:1516815865013500',
        'Sequence No : 0x0',
        `Reboot counter : ${recorded[0]!.rebootCounter}`,
        'Command Type(hex) : CN_MGMT_CMD (0x0)',
        'Opcode : CN_LOGIN (0xd)',
        'Session Handle : 0xc008002',
        'Response : 163:HSM Error: RET_USER_LOGIN_FAILURE',
        'Log type : MGMT_USER_DETAILS_LOG (2)',
        'User Name : testuser',
        'User Type : CN_CRYPTO_USER (1)',
        '',
      ].join('\n'),
    );
    assert.match(renderAuditEvent(recorded[2]!), /Opcode : CN_GENERATE_KEY \(0x17\)\n[\s\S]*Log type : MGMT_KEY_DETAILS_LOG \(1\)\nPriv\/Secret Key Handle : 262147\nPublic Key Handle : 0\n$/);
    assert.match(renderAuditEvent(recorded[4]!), /Opcode : CN_SHARE_OBJECT \(0x12\)\n[\s\S]*Log type : UNKNOWN_LOG_TYPE \(5\)\n$/);
    assert.deepEqual(Object.keys(recorded[0]!), ['time', 'usecs', 'seq', 'rebootCounter', 'commandType', 'opcode', 'sessionHandle', 'response', 'logType', 'userName', 'userType', 'prevHash', 'hash']);
    assert.equal(recorded[0]!.time, '2018-01-24T17:44:25.013500Z');
  });

  it('an unpublished opcode is printed by name only, never with an invented number', async () => {
    const store = await logWith([{ opcode: 'CN_APP_FINALIZE', sessionHandle: 1, user: { name: 'alice', type: 'CN_CRYPTO_USER' } }]);
    const [record] = await records(store);
    assert.match(renderAuditEvent(record!), /^Opcode : CN_APP_FINALIZE$/m);
    assert.equal(record!.opcode.code, undefined);
  });

  it('detects an event forged by someone who can write the state but lacks the audit key, naming it', async () => {
    const store = await logWith(EVENTS);
    const [first] = await records(store);
    const problem = await problemAfter(store, (tx) => tx.appendToStream(auditKeys.file(CLUSTER, HSM), Buffer.from(JSON.stringify({ ...first!, seq: '0x6' }))));
    assert.deepEqual([problem?.seq, problem?.logStream], ['0x6', HSM]);
  });

  it('detects events cut off the end, with the stream length or also the head rolled back', async () => {
    const store = await logWith(EVENTS);
    const lengthOf = async () => store.read((view) => view.get<number>(streamLengthKey(auditKeys.file(CLUSTER, HSM)))!);
    const full = await lengthOf();
    const kept = (await records(store)).slice(0, 4);
    // Where the 5th entry starts: each is its length (4 bytes) and its sealed bytes.
    const file = fs.readFileSync(streamFile(store));
    let cut = 0;
    for (let i = 0; i < 4; i++) cut += 4 + file.readUInt32BE(cut);
    assert.ok(cut < full);
    assert.match((await problemAfter(store, (tx) => tx.put(streamLengthKey(auditKeys.file(CLUSTER, HSM)), cut)))!.reason, /events at its end were removed/);
    const problem = await problemAfter(store, (tx) => {
      const head = tx.get<Record<string, unknown>>(auditKeys.stream(CLUSTER, HSM))!;
      tx.put(auditKeys.stream(CLUSTER, HSM), { ...head, nextSeq: 4, lastHash: kept.at(-1)!.hash, lastUsecs: Number(kept.at(-1)!.usecs) });
    });
    assert.match(problem!.reason, /stream head was changed/);
  });

  it('reads and verifies streams written in the whole-record form of earlier versions, and events stored compactly after them', async () => {
    const compact = await logWith(EVENTS.slice(0, 3));
    const secret = await compact.read((view) => view.get<string>(auditKeys.secret)!);
    const head = await compact.read((view) => view.get<Record<string, unknown>>(auditKeys.stream(CLUSTER, HSM))!);
    // The earlier form: each whole record, its hash over the previous hash and the record's JSON.
    const key = createHmac('sha256', Buffer.from(secret, 'base64')).update(`cloudhsm-audit/${HSM}`).digest();
    let prev = '0'.repeat(64);
    const older = (await records(compact)).map(({ hash: _hash, ...body }) => {
      const record = { ...body, prevHash: prev, hash: createHmac('sha256', key).update(prev).update(JSON.stringify({ ...body, prevHash: prev })).digest('hex') };
      prev = record.hash;
      return record;
    });
    const fields = { ...head, lastHash: prev };
    delete (fields as Record<string, unknown>).mac;
    const { clusterId, hsmId, nextSeq, lastUsecs, rebootCounter } = fields as Record<string, unknown>;
    const mac = createHmac('sha256', key).update(JSON.stringify([clusterId, hsmId, nextSeq, prev, lastUsecs, rebootCounter])).digest('hex');
    const store = await Store.open({ dir: path.join(tempDir('chsm-audit-old-'), 'state'), create: true, lockTimeoutMs: 2000 });
    await store.transact((tx) => {
      tx.put(auditKeys.secret, secret);
      tx.put(auditKeys.stream(CLUSTER, HSM), { ...fields, mac });
      for (const r of older) tx.appendToStream(auditKeys.file(CLUSTER, HSM), Buffer.from(JSON.stringify(r)));
    });
    assert.deepEqual(await verify(store), { streams: 1, events: 3 });
    await store.transact((tx) => {
      for (const e of EVENTS.slice(3)) appendAuditEvent(tx, CLUSTER, HSM, T0 + 10, e, seededRandom('later'));
    });
    assert.deepEqual(await verify(store), { streams: 1, events: 6 });
    assert.deepEqual((await records(store)).slice(0, 3), older);
    // An edit of an old-form record is caught as well.
    const tampered = older.map((r, i) => (i === 1 ? { ...r, userName: 'mallory' } : r));
    await store.transact((tx) => {
      tx.put(streamLengthKey(auditKeys.file(CLUSTER, HSM)), 0);
      for (const r of tampered) tx.appendToStream(auditKeys.file(CLUSTER, HSM), Buffer.from(JSON.stringify(r)));
    });
    assert.match((await verify(store)).problem!.reason, /contents were changed/);
  });

  it('detects a changed, cut or reordered stream file', async () => {
    for (const damage of ['flip', 'truncate', 'swap'] as const) {
      const store = await logWith(EVENTS);
      const file = streamFile(store);
      const bytes = fs.readFileSync(file);
      if (damage === 'flip') bytes[bytes.length >> 1]! ^= 0x01;
      const first = 4 + bytes.readUInt32BE(0);
      const second = 4 + bytes.readUInt32BE(first);
      const changed = damage === 'truncate' ? bytes.subarray(0, bytes.length - 10) : damage === 'swap' ? Buffer.concat([bytes.subarray(first, first + second), bytes.subarray(0, first), bytes.subarray(first + second)]) : bytes;
      fs.writeFileSync(file, changed);
      const problem = (await verify(store)).problem;
      assert.match(problem?.reason ?? '', /its file cannot be read/, damage);
    }
  });

  it('a second HSM\'s stream is checked on its own, and a deleted stream file is reported', async () => {
    const store = await logWith(EVENTS, [HSM, 'hsm-zyxwvutsrqp']);
    assert.deepEqual(await verify(store), { streams: 2, events: 12 });
    fs.rmSync(streamFile(store, 'hsm-zyxwvutsrqp'));
    const problem = (await verify(store)).problem;
    assert.equal(problem?.logStream, 'hsm-zyxwvutsrqp');
  });

  it('events wait in the state until a batch is full, then are chained into the file; both read and verify as one stream', async () => {
    const store = await Store.open({ dir: path.join(tempDir('chsm-audit-wait-'), 'state'), create: true, lockTimeoutMs: 2000 });
    const random = seededRandom('wait');
    const fileBytes = () => (fs.existsSync(streamFile(store)) ? fs.statSync(streamFile(store)).size : 0);
    let n = 0;
    const append = () => store.transact((tx) => appendAuditEvents(tx, CLUSTER, HSM, [[T0 + n, EVENTS[n % 6]!], [T0 + n + 0.5, EVENTS[(n + 1) % 6]!]], random, 4));
    const seqs = async () => (await records(store)).map((r) => r.seq);
    for (; n < 3; n++) await append();
    assert.equal(fileBytes(), 0, 'three appends wait in the state');
    assert.deepEqual(await seqs(), ['0x0', '0x1', '0x2', '0x3', '0x4', '0x5']);
    assert.deepEqual(await verify(store), { streams: 1, events: 6 });
    await append();
    n++;
    assert.ok(fileBytes() > 0, 'the fourth append moved the batch to the file');
    assert.equal(await store.read((view) => view.list(auditKeys.waitingPrefix(CLUSTER, HSM)).length), 0);
    for (; n < 6; n++) await append();
    assert.deepEqual(await verify(store), { streams: 1, events: 12 });
    const before = await records(store);
    assert.deepEqual(await seqs(), before.map((_, i) => `0x${i.toString(16)}`));
    // The chain runs on across the file's end: each waiting event names the one before.
    assert.ok(before.every((r, i) => i === 0 || r.prevHash === before[i - 1]!.hash));
    // Another handle reads the same.
    const again = await Store.open({ dir: store.dir, lockTimeoutMs: 2000 });
    assert.deepEqual(await again.read((view) => readAuditStream(view, (name) => again.readStream(name, view), CLUSTER, HSM)), before);
    // A waiting append taken out of the middle shows as missing events.
    await store.transact((tx) => tx.delete(auditKeys.waiting(CLUSTER, HSM, 0)));
    assert.match((await verify(store)).problem!.reason, /event 0x8 is missing \(deleted\): the next one is 0xa/);
  });

  it('appending writes one object however long the log is', async () => {
    const store = await logWith([]);
    const random = seededRandom('n');
    for (const size of [10, 2000]) {
      await store.transact((tx) => {
        for (let i = 0; i < size; i++) appendAuditEvent(tx, CLUSTER, 'hsm-size', T0 + i, EVENTS[2]!, random);
      });
      let writes = 0;
      await store.transact((tx) => {
        const counting = {
          ...tx,
          put: (k: string, v: Parameters<typeof tx.put>[1]) => {
            writes++;
            tx.put(k, v);
          },
          adopt: (k: string, v: Parameters<typeof tx.adopt>[1]) => {
            writes++;
            tx.adopt(k, v);
          },
          delete: (k: string) => {
            writes++;
            tx.delete(k);
          },
          appendToStream: (name: string, entry: Buffer) => {
            writes++;
            tx.appendToStream(name, entry);
          },
        };
        appendAuditEvent(counting, CLUSTER, 'hsm-size', T0 + 10_000, EVENTS[2]!, random);
      });
      assert.equal(writes, 1, `with ${size} events`);
    }
    assert.equal((await verify(store)).problem, undefined);
  });
});
