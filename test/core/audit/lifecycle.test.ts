/**
 * The service's own events (audit-log.md §4.1, §4.2, §4.8): the first HSM of a new cluster
 * initializes; every other HSM, added or replacing a failed one, starts its stream with a
 * restore; a backup is logged on the HSM backed up, daily ones at their time.
 */
import assert from 'node:assert/strict';
import type { EngineContext } from '../../../src/core/context.js';
import { perform, type Caller } from '../../../src/core/engine.js';
import { verifyAudit } from '../../../src/core/audit/operations.js';
import { createHsm, deleteHsm, readCluster } from '../../../src/core/cluster/operations.js';
import { failHsm } from '../../../src/core/cluster/failure.js';
import { describeBackups } from '../../../src/core/backups/operations.js';
import { advanceClock } from '../../../src/core/time/operations.js';
import { login } from '../../../src/core/users/operations.js';
import { added, gist, hsmIds, stream } from '../../support/audit-events.js';
import { clusterContext } from '../../support/templates.js';

const ALICE: Caller = { credentials: { username: 'alice', password: 'alice-Pass1', role: 'crypto-user' } };
const BACKUP = ['CN_BACKUP_BEGIN 0', 'CN_BACKUP_END 0'];
const RESTORE = ['CN_RESTORE_BEGIN 0', 'CN_RESTORE_END 0'];

async function gists(ctx: EngineContext, hsmId: string): Promise<string[]> {
  return (await stream(ctx, hsmId)).map(gist);
}

async function zone(ctx: EngineContext): Promise<string> {
  return Object.keys((await perform(ctx, readCluster, {})).subnetMapping)[0]!;
}

describe('core/audit: the events of HSM initialization, cloning, replacement and backups', function () {
  this.timeout(60_000);

  it('a new cluster: its first HSM initializes (§4.1) and its second, created before initialization, is a clone; activation is a backup of the first', async () => {
    // The template is a quickstart: two HSMs, initialize, activate.
    const ctx = await clusterContext();
    const [first, second] = (await hsmIds(ctx)) as [string, string];
    const activation = 'CN_CHANGE_PSWD 0 admin/CN_CRYPTO_PRE_OFFICER';
    assert.deepEqual(await gists(ctx, first), [
      'CN_INIT_TOKEN 0',
      'CN_GEN_PSWD_ENC_KEY 0',
      'CN_CREATE_APPLIANCE_USER 0 app_user/CN_APPLIANCE_USER',
      'CN_INIT_DONE 0',
      'CN_GEN_KEY_ENC_KEY 0',
      activation,
      ...BACKUP,
    ]);
    assert.deepEqual(await gists(ctx, second), [...RESTORE, activation]);
    const firstEvents = await stream(ctx, first);
    assert.deepEqual(
      firstEvents.map((e) => e.seq),
      firstEvents.map((_, i) => `0x${i.toString(16)}`),
      'the stream starts at 0x0 with no gap',
    );
    assert.deepEqual(
      firstEvents.slice(0, 4).map((e) => [e.opcode.code, e.logType.name]),
      [
        [0x1, 'MINIMAL_LOG_ENTRY'],
        [0x1d, 'MINIMAL_LOG_ENTRY'],
        [0xfc, 'MGMT_USER_DETAILS_LOG'],
        [0x95, 'MINIMAL_LOG_ENTRY'],
      ],
    );
    await perform(ctx, verifyAudit, {});
  });

  it('an HSM added to an ACTIVE cluster: a new stream that starts with the restore, then the next login; the backup is logged on the HSM it was taken of', async () => {
    const ctx = await clusterContext({ cryptoUsers: { alice: 'alice-Pass1' } });
    const [first, second] = (await hsmIds(ctx)) as [string, string];
    let third = '';
    const created = await added(ctx, async () => {
      third = (await perform(ctx, createHsm, { availabilityZone: await zone(ctx) })).HsmId;
    });
    assert.deepEqual(Object.fromEntries(created), { [first]: BACKUP, [third]: RESTORE });
    const loggedIn = await added(ctx, () => perform(ctx, login, { credentials: ALICE.credentials! }));
    for (const hsm of [first, second, third]) assert.deepEqual(loggedIn.get(hsm), ['CN_LOGIN 0 alice/CN_CRYPTO_USER']);
    assert.equal((await stream(ctx, third))[0]!.seq, '0x0');
  });

  it('a replacement: a new stream that starts with the restore; the backup its addition makes is of the HSM that stayed, or of the replacement when none did', async () => {
    const ctx = await clusterContext({ cryptoUsers: { alice: 'alice-Pass1' } });
    const [first, second] = (await hsmIds(ctx)) as [string, string];
    let replacement = '';
    const replaced = await added(ctx, async () => {
      replacement = (await perform(ctx, failHsm, { hsmId: first })).Replacement!.Hsm.HsmId;
    });
    assert.deepEqual(Object.fromEntries(replaced), { [second]: BACKUP, [replacement]: RESTORE });

    // With no ACTIVE HSM left, the replacement is restored from the newest backup, then backed up.
    const removed = await added(ctx, () => perform(ctx, deleteHsm, { hsmId: second }));
    assert.deepEqual(Object.fromEntries(removed), { [replacement]: BACKUP }, 'a deletion backs up an HSM that stays');
    const alone = await added(ctx, async () => {
      const result = await perform(ctx, failHsm, { hsmId: replacement });
      assert.match(result.Replacement!.RestoredFrom, /^restored from backup-/);
    });
    const [last, lastEvents] = [...alone][0]!;
    assert.equal(alone.size, 1);
    assert.notEqual(last, replacement);
    assert.deepEqual(lastEvents, [...RESTORE, ...BACKUP]);
    await perform(ctx, verifyAudit, {});
  });

  it('a daily backup, made when an operation finds it due, is logged on the first HSM at the time of the backup', async () => {
    const ctx = await clusterContext();
    const [first, second] = (await hsmIds(ctx)) as [string, string];
    // The next operation after the clock moves finds the backup due and makes it first.
    const daily = await added(ctx, () => perform(ctx, advanceClock, { days: 1, hours: 2 }));
    assert.deepEqual(Object.fromEntries(daily), { [first]: BACKUP });
    // CreateTimestamp is in seconds, as the AWS API gives it.
    const newest = Math.max(...(await perform(ctx, describeBackups, {})).Backups.map((b) => Math.round(b.CreateTimestamp * 1000)));
    const [begin, end] = (await stream(ctx, first)).slice(-2);
    assert.equal(Math.floor(Number(begin!.usecs) / 1000), newest);
    assert.ok(Number(end!.usecs) > Number(begin!.usecs));
    assert.equal((await stream(ctx, second)).at(-1)!.opcode.name, 'CN_CHANGE_PSWD');
  });
});
