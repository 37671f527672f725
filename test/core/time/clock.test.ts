import assert from 'node:assert/strict';
import { perform, type Caller } from '../../../src/core/engine.js';
import { createCluster, createHsm, describeCluster } from '../../../src/core/cluster/operations.js';
import { storeKeys, type ClusterRecord } from '../../../src/core/cluster/model.js';
import { keyStoreKeys } from '../../../src/core/keys/filters.js';
import type { KeyRecord } from '../../../src/core/keys/model.js';
import { generateSymmetric } from '../../../src/core/keys/generate.js';
import type { SessionRecord } from '../../../src/core/users/authentication.js';
import { createUser, login } from '../../../src/core/users/operations.js';
import type { UserRecord } from '../../../src/core/users/rules.js';
import { Store } from '../../../src/core/store/index.js';
import { DAY_MS, HOUR_MS, clockOffsetMs } from '../../../src/core/time/clock.js';
import { advanceClock, parseIsoTime, setClock, showClock } from '../../../src/core/time/operations.js';
import { refused, testContext } from '../../support/helpers.js';
import { clusterContext } from '../../support/templates.js';

const admin: Caller = { credentials: { username: 'admin', password: 'Admin123!', role: 'admin' } };
/** The seeded test clock moves 1 s per reading: a few readings lie between two stamps. */
const SLACK_MS = 60_000;

function about(actual: number, expected: number, what: string): void {
  assert.ok(actual >= expected && actual < expected + SLACK_MS, `${what}: ${actual - expected} ms off`);
}

describe('core/time: cluster time', function () {
  this.timeout(30_000);

  it('runs at real time until moved: no clock record, offset 0', async () => {
    const ctx = await testContext();
    const reading = await perform(ctx, showClock, {});
    assert.equal(reading.offsetMs, 0);
    assert.equal(reading.clusterTimeMs, reading.realTimeMs);
    assert.equal(await ctx.store.read((view) => clockOffsetMs(view)), 0);
  });

  it('after clock advance --days 8 every new timestamp is 8 days later: cluster, HSM, user, key, session', async () => {
    const ctx = await clusterContext({ cryptoUsers: { alice: 'Alice-Pass-1' } });
    const alice: Caller = { credentials: { username: 'alice', password: 'Alice-Pass-1', role: 'crypto-user' } };
    const clusterId = (await perform(ctx, describeCluster, {})).ClusterId;
    const stamps = async (tag: string) => {
      await perform(ctx, createUser, { clusterId, username: `u${tag}`, role: 'crypto-user', password: 'User-Pass-1' }, admin);
      const hsm = await perform(ctx, createHsm, { clusterId, availabilityZone: 'us-east-1c' });
      const { key } = await perform(ctx, generateSymmetric, { clusterId, keyType: 'aes', label: `k${tag}`, keyLengthBytes: 32 }, alice);
      const { session } = await perform(ctx, login, { clusterId, credentials: { username: 'alice', password: 'Alice-Pass-1', role: 'crypto-user' }, sessionPid: process.pid });
      return ctx.store.read((view) => {
        const record = view.get<ClusterRecord>(storeKeys.cluster(clusterId))!;
        return {
          hsm: record.hsms.find((h) => h.hsmId === hsm.HsmId)!.createdAt,
          user: view.get<UserRecord>(storeKeys.user(clusterId, `u${tag}`))!.createdAt,
          key: view.get<KeyRecord>(keyStoreKeys.key(clusterId, key.ref))!.createdAt,
          session: view.get<SessionRecord>(storeKeys.session(clusterId, session!.sessionId))!.since,
        };
      });
    };
    const before = await stamps('1');
    const clusterBefore = (await perform(ctx, createCluster, {})).CreateTimestamp * 1000;
    const moved = await perform(ctx, advanceClock, { days: 8 });
    assert.equal(moved.offsetMs, 8 * DAY_MS);
    const clusterAfter = (await perform(ctx, createCluster, {})).CreateTimestamp * 1000;
    about(clusterAfter - clusterBefore, 8 * DAY_MS, 'cluster CreateTimestamp');
    const after = await stamps('2');
    for (const field of ['hsm', 'user', 'key', 'session'] as const) about(after[field] - before[field], 8 * DAY_MS, field);
  });

  it('refuses to go back, and a refused move changes nothing', async () => {
    const ctx = await testContext();
    await perform(ctx, createCluster, {});
    const start = await perform(ctx, advanceClock, { days: 2 });
    const committed = ctx.store.committedSeq;
    const yesterday = new Date(start.clusterTimeMs - DAY_MS).toISOString();
    const err = await refused(perform(ctx, setClock, { time: yesterday }), 'CLOCK_BACKWARDS');
    assert.match(err.message, /only moves forward/);
    // Between real time and cluster time is still the past of the cluster.
    await refused(perform(ctx, setClock, { time: new Date(start.realTimeMs + HOUR_MS).toISOString() }), 'CLOCK_BACKWARDS');
    await refused(perform(ctx, advanceClock, { days: -1 }), 'INVALID_ARGUMENT');
    await refused(perform(ctx, advanceClock, { hours: 1.5 }), 'INVALID_ARGUMENT');
    await refused(perform(ctx, advanceClock, {}), 'INVALID_ARGUMENT');
    await refused(perform(ctx, advanceClock, { days: 0, hours: 0 }), 'INVALID_ARGUMENT');
    await refused(perform(ctx, advanceClock, { days: 10_000_000 }), 'INVALID_ARGUMENT');
    await refused(perform(ctx, setClock, { time: 'next tuesday' }), 'INVALID_ARGUMENT');
    assert.equal(ctx.store.committedSeq, committed, 'nothing was written');
    assert.equal((await perform(ctx, showClock, {})).offsetMs, 2 * DAY_MS);
  });

  it('sets forward to a given moment, and keeps running from there', async () => {
    const ctx = await testContext();
    await perform(ctx, createCluster, {});
    const set = await perform(ctx, setClock, { time: '2031-06-01T12:00:00+02:00' });
    assert.equal(set.clusterTimeMs, Date.UTC(2031, 5, 1, 10));
    const later = await perform(ctx, showClock, {});
    assert.ok(later.clusterTimeMs > set.clusterTimeMs, 'still running');
    assert.equal(later.offsetMs, set.offsetMs);
    // Setting the clock to where it is now is allowed; the next advance builds on it.
    const advanced = await perform(ctx, advanceClock, { hours: 5 });
    assert.equal(advanced.offsetMs, set.offsetMs + 5 * HOUR_MS);
  });

  it('is state: another handle on the folder sees it at once, and after reopening', async () => {
    const ctx = await testContext();
    await perform(ctx, createCluster, {});
    const other = { ...ctx, store: await Store.open({ dir: ctx.dir, lockTimeoutMs: 5000 }) };
    assert.equal((await perform(other, showClock, {})).offsetMs, 0);
    await perform(ctx, advanceClock, { days: 3, hours: 4 });
    assert.equal((await perform(other, showClock, {})).offsetMs, 3 * DAY_MS + 4 * HOUR_MS);
    // Advances from two handles add up: each reads the committed offset under the lock.
    await Promise.all([perform(other, advanceClock, { hours: 1 }), perform(ctx, advanceClock, { hours: 1 })]);
    const reopened = { ...ctx, store: await Store.open({ dir: ctx.dir, lockTimeoutMs: 5000 }) };
    assert.equal((await perform(reopened, showClock, {})).offsetMs, 3 * DAY_MS + 6 * HOUR_MS);
  });

  it('reads ISO 8601 dates and times with a zone, and explains what it refuses', () => {
    assert.equal(parseIsoTime('2030-01-01'), Date.UTC(2030, 0, 1));
    assert.equal(parseIsoTime('2030-01-01T09:30Z'), Date.UTC(2030, 0, 1, 9, 30));
    assert.equal(parseIsoTime('2030-01-01T09:30:15.5Z'), Date.UTC(2030, 0, 1, 9, 30, 15, 500));
    assert.equal(parseIsoTime('2030-01-01T00:30:00-01:30'), Date.UTC(2030, 0, 1, 2));
    assert.equal(parseIsoTime('0099-03-01'), new Date('0099-03-01T00:00:00Z').getTime(), 'years below 100 are not 19xx');
    for (const bad of ['2030-02-30', '2030-13-01', '2030-01-01T24:00Z', '2030-01-01T10:61Z', '2030-01-01T10:00+25:00', '30-01-01', '', '2030-01-01 10:00Z']) {
      assert.throws(() => parseIsoTime(bad), (err: Error & { code?: string }) => err.code === 'INVALID_ARGUMENT', bad);
    }
    assert.throws(() => parseIsoTime('2030-01-01T10:00'), /no time zone: add Z/);
  });
});
