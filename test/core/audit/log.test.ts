/**
 * The audit log's storage and chain (src/core/audit/log.ts), as an attacker with write access to
 * the state's objects (but not the installation's audit secret) would try it: every edit,
 * deletion, reordering, insertion and truncation must fail verification, naming the first event
 * that does not verify.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { seededRandom } from '../../../src/core/context.js';
import { appendAuditEvent, auditKeys, renderAuditEvent, verifyAuditLog, RESPONSES, type AuditEventInput, type AuditRecord } from '../../../src/core/audit/log.js';
import { Store } from '../../../src/core/store/index.js';
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
    for (const hsm of hsms) for (const e of events) appendAuditEvent(tx, CLUSTER, hsm, (t += 0.5), e, random);
  });
  return store;
}

const eventKey = (seq: number, hsm = HSM) => auditKeys.event(CLUSTER, hsm, seq);

async function problemAfter(store: Store, change: (tx: Parameters<Parameters<Store['transact']>[0]>[0]) => void) {
  await store.transact(change);
  return store.read((view) => verifyAuditLog(view)).then((v) => v.problem);
}

describe('core/audit: the audit log chain', () => {
  it('appends events with gap-free sequence numbers, a constant reboot counter, rising microseconds, and renders §2\'s layout', async () => {
    const store = await logWith(EVENTS);
    const records = await store.read((view) => view.list<AuditRecord>(auditKeys.eventPrefix(CLUSTER, HSM)).map(([, r]) => r));
    assert.deepEqual(records.map((r) => r.seq), ['0x0', '0x1', '0x2', '0x3', '0x4', '0x5']);
    assert.equal(new Set(records.map((r) => r.rebootCounter)).size, 1);
    assert.ok(records.every((r, i) => i === 0 || BigInt(r.usecs) > BigInt(records[i - 1]!.usecs)));
    assert.deepEqual(await store.read((view) => verifyAuditLog(view)), { streams: 1, events: 6 });
    assert.equal(
      renderAuditEvent(records[0]!),
      [
        'Time: 01/24/18 17:44:25.013500, usecs:1516815865013500',
        'Sequence No : 0x0',
        `Reboot counter : ${records[0]!.rebootCounter}`,
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
    assert.match(renderAuditEvent(records[2]!), /Opcode : CN_GENERATE_KEY \(0x17\)\n[\s\S]*Log type : MGMT_KEY_DETAILS_LOG \(1\)\nPriv\/Secret Key Handle : 262147\nPublic Key Handle : 0\n$/);
    assert.match(renderAuditEvent(records[4]!), /Opcode : CN_SHARE_OBJECT \(0x12\)\n[\s\S]*Log type : UNKNOWN_LOG_TYPE \(5\)\n$/);
    assert.deepEqual(Object.keys(records[0]!), ['time', 'usecs', 'seq', 'rebootCounter', 'commandType', 'opcode', 'sessionHandle', 'response', 'logType', 'userName', 'userType', 'prevHash', 'hash']);
    assert.equal(records[0]!.time, '2018-01-24T17:44:25.013500Z');
  });

  it('an unpublished opcode is printed by name only, never with an invented number', async () => {
    const store = await logWith([{ opcode: 'CN_APP_FINALIZE', sessionHandle: 1, user: { name: 'alice', type: 'CN_CRYPTO_USER' } }]);
    const [record] = await store.read((view) => view.list<AuditRecord>(auditKeys.eventPrefix(CLUSTER, HSM)).map(([, r]) => r));
    assert.match(renderAuditEvent(record!), /^Opcode : CN_APP_FINALIZE$/m);
    assert.equal(record!.opcode.code, undefined);
  });

  it('detects an edited event, naming it', async () => {
    const store = await logWith(EVENTS);
    const problem = await problemAfter(store, (tx) => tx.put(eventKey(2), { ...tx.get<AuditRecord>(eventKey(2))!, privSecretKeyHandle: 99 }));
    assert.deepEqual([problem?.seq, problem?.logStream], ['0x2', HSM]);
    assert.match(problem!.reason, /changed after it was written/);
  });

  it('detects a deleted event, and the later events renumbered to hide it', async () => {
    const store = await logWith(EVENTS);
    assert.match((await problemAfter(store, (tx) => tx.delete(eventKey(3))))!.reason, /event 0x3 is missing/);
    const again = await logWith(EVENTS);
    const problem = await problemAfter(again, (tx) => {
      for (let seq = 3; seq < 5; seq++) tx.put(eventKey(seq), { ...tx.get<AuditRecord>(eventKey(seq + 1))!, seq: `0x${seq.toString(16)}` });
      tx.delete(eventKey(5));
    });
    assert.equal(problem?.seq, '0x3');
  });

  it('detects reordered events', async () => {
    const store = await logWith(EVENTS);
    const problem = await problemAfter(store, (tx) => {
      const [a, b] = [tx.get<AuditRecord>(eventKey(1))!, tx.get<AuditRecord>(eventKey(2))!];
      tx.put(eventKey(1), { ...b, seq: '0x1' });
      tx.put(eventKey(2), { ...a, seq: '0x2' });
    });
    assert.equal(problem?.seq, '0x1');
  });

  it('detects a tail cut off, with or without the head rolled back to match', async () => {
    const store = await logWith(EVENTS);
    assert.match((await problemAfter(store, (tx) => tx.delete(eventKey(5))))!.reason, /events at its end were removed/);
    const again = await logWith(EVENTS);
    const problem = await problemAfter(again, (tx) => {
      const head = tx.get<Record<string, unknown>>(auditKeys.stream(CLUSTER, HSM))!;
      const last = tx.get<AuditRecord>(eventKey(3))!;
      tx.delete(eventKey(4));
      tx.delete(eventKey(5));
      tx.put(auditKeys.stream(CLUSTER, HSM), { ...head, nextSeq: 4, lastHash: last.hash, lastUsecs: Number(last.usecs) });
    });
    assert.match(problem!.reason, /stream head was changed/);
  });

  it('detects an event copied from another HSM\'s stream, and a whole stream deleted with its events but not its head', async () => {
    const store = await logWith(EVENTS, [HSM, 'hsm-zyxwvutsrqp']);
    assert.deepEqual(await store.read((view) => verifyAuditLog(view)), { streams: 2, events: 12 });
    const copied = await problemAfter(store, (tx) => tx.put(eventKey(1), { ...tx.get<AuditRecord>(eventKey(1, 'hsm-zyxwvutsrqp'))! }));
    assert.equal(copied?.seq, '0x1');
    const other = await logWith(EVENTS, [HSM, 'hsm-zyxwvutsrqp']);
    const gone = await problemAfter(other, (tx) => {
      for (let seq = 0; seq < 6; seq++) tx.delete(eventKey(seq, 'hsm-zyxwvutsrqp'));
    });
    assert.deepEqual([gone?.logStream, gone?.seq], ['hsm-zyxwvutsrqp', '0x0']);
  });

  it('appending writes two objects however long the log is', async () => {
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
        };
        appendAuditEvent(counting, CLUSTER, 'hsm-size', T0 + 10_000, EVENTS[2]!, random);
      });
      assert.equal(writes, 2, `with ${size} events`);
    }
    assert.equal((await store.read((view) => verifyAuditLog(view))).problem, undefined);
  });
});
