import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import type { EngineContext } from '../../../src/core/context.js';
import { perform, type Caller } from '../../../src/core/engine.js';
import { createCluster, createHsm, deleteCluster, deleteHsm, describeCluster, modifyCluster, readCluster } from '../../../src/core/cluster/operations.js';
import { listKeys } from '../../../src/core/keys/operations.js';
import { listUsers } from '../../../src/core/users/operations.js';
import { copyBackupToRegion, deleteBackup, describeBackup, describeBackups, modifyBackupAttributes, restoreBackup } from '../../../src/core/backups/operations.js';
import { kdfCounterHmacSha256, openBackup, sealBackup } from '../../../src/core/backups/encryption.js';
import { payloadOf } from '../../../src/core/backups/lifecycle.js';
import { Store } from '../../../src/core/store/index.js';
import { generateKeyPair, generateSymmetric } from '../../../src/core/keys/generate.js';
import { advanceClock } from '../../../src/core/time/operations.js';
import { listTags, tagResource } from '../../../src/core/tags/operations.js';
import type { KeyRecord } from '../../../src/core/keys/model.js';
import { refused } from '../../support/helpers.js';
import { clusterContext } from '../../support/templates.js';

const INVALID = 'CloudHsmInvalidRequestException';
const NOT_FOUND = 'CloudHsmResourceNotFoundException';
const DAY_S = 86_400;

async function backups(ctx: EngineContext, states?: string[]) {
  return (await perform(ctx, describeBackups, { sortAscending: true, states })).Backups;
}

async function refusedUnchanged(ctx: EngineContext, attempt: () => Promise<unknown>, code: string, type: string): Promise<void> {
  const before = await backups(ctx);
  const seq = ctx.store.committedSeq;
  await refused(attempt(), code, type);
  assert.equal(ctx.store.committedSeq, seq, `${code}: nothing written`);
  assert.deepEqual(await backups(ctx), before);
}

function backupFile(ctx: EngineContext & { dir: string }, backupId: string): string {
  return path.join(ctx.dir, 'backups', backupId);
}

describe('core/backups: automatic backups, states, retention, encryption', function () {
  this.timeout(60_000);

  it('due housekeeping runs in a transaction of its own: a command that then fails undoes none of it, and no backup file is left without a record', async () => {
    const ctx = await clusterContext();
    const before = (await backups(ctx)).length;
    await perform(ctx, advanceClock, { days: 1 });
    await refused(perform(ctx, deleteHsm, { hsmId: 'hsm-aaaaaaaaaaa' }), 'HSM_NOT_FOUND', NOT_FOUND);
    await refused(perform(ctx, describeBackup, { backupId: 'backup-aaaaaaaaaaa' }), 'BACKUP_NOT_FOUND', NOT_FOUND);
    const after = await backups(ctx);
    assert.equal(after.length, before + 1, 'the daily backup made before the refused command stays');
    assert.deepEqual(fs.readdirSync(path.join(ctx.dir, 'backups')).sort(), after.map((b) => b.BackupId).sort());
    // A file whose transaction was killed before it committed (here: planted) goes at the next housekeeping.
    fs.copyFileSync(backupFile(ctx, after[0]!.BackupId), path.join(ctx.dir, 'backups', 'backup-orphan22222'));
    await perform(ctx, advanceClock, { days: 1 });
    const settled = await backups(ctx);
    assert.deepEqual(fs.readdirSync(path.join(ctx.dir, 'backups')).sort(), settled.map((b) => b.BackupId).sort());
  });

  it('deleting a cluster removes its users and keys from the state: they live on only in its backups', async () => {
    const ctx = await clusterContext({ cryptoUsers: { alice: 'alice-Pass1' } });
    const alice: Caller = { credentials: { username: 'alice', password: 'alice-Pass1', role: 'crypto-user' } };
    await perform(ctx, generateSymmetric, { keyType: 'aes', label: 'kept-in-backup', keyLengthBytes: 32 }, alice);
    const cluster = await perform(ctx, readCluster, {});
    for (const h of cluster.hsms) await perform(ctx, deleteHsm, { hsmId: h.hsmId });
    await perform(ctx, deleteCluster, {});
    const left = await ctx.store.read((view) => [...view.list(`key/${cluster.clusterId}/`), ...view.list(`user/${cluster.clusterId}/`), ...view.list(`counter/${cluster.clusterId}/`)]);
    assert.deepEqual(left, []);
    const newest = (await backups(ctx)).at(-1)!;
    const payload = payloadOf(await ctx.store.transact((tx) => openBackup(tx, 'Test', newest.BackupId, ctx.store.readBackupFile(newest.BackupId))));
    assert.ok(payload.objects.some(([, v]) => (v as KeyRecord).label === 'kept-in-backup'));
  });

  it('opens backups of every format: one KWP over the whole payload (1), 1 KiB chunks wrapped side by side (2), and with an attachment (3), whatever the size', async () => {
    const ctx = await clusterContext();
    for (const size of [1, 1023, 1024, 1025, 5000, 70_000]) {
      const payload = { objects: [['x', 'y'.repeat(size)]], random: Buffer.from(ctx.random(size)).toString('base64') };
      const attachment = Buffer.from(`line one\n${'z'.repeat(size)}\n`);
      for (const [format, parts] of [[1, { payload }], [2, { payload }], [3, { payload, attachment }], [3, { payload }]] as const) {
        const opened = await ctx.store.transact((tx) => {
          const file = sealBackup(tx, { backupId: 'backup-aaaaaaaaaaa', clusterId: 'cluster-aaaaaaaaaaa', createdAt: 0 }, parts, format);
          assert.equal(JSON.parse(file.subarray(12, 12 + file.readUInt32BE(8)).toString()).format, format);
          return openBackup(tx, 'Test', 'backup-aaaaaaaaaaa', file);
        });
        assert.deepEqual(opened.payload, payload, `format ${format}, ${size} bytes`);
        assert.deepEqual(opened.attachment, format === 3 ? (parts.attachment ?? Buffer.alloc(0)) : undefined);
      }
    }
  });

  it('a restored cluster holds exactly the keys of its source, labels that look like store keys included, for this process and a fresh one', async () => {
    const ctx = await clusterContext({ cryptoUsers: { alice: 'alice-Pass1' } });
    const alice: Caller = { credentials: { username: 'alice', password: 'alice-Pass1', role: 'crypto-user' } };
    const cluster = await perform(ctx, readCluster, {});
    for (const label of ['["key/{cluster}/x', `["key/${cluster.clusterId}/y`, '\\"["key/{cluster}/"]', 'plain']) {
      await perform(ctx, generateSymmetric, { keyType: 'aes', label, keyLengthBytes: 32 }, alice);
    }
    await perform(ctx, deleteHsm, { hsmId: cluster.hsms[1]!.hsmId });
    const source = (await backups(ctx)).at(-1)!;
    const restored = (await perform(ctx, createCluster, { sourceBackupId: source.BackupId })).ClusterId;
    await perform(ctx, createHsm, { clusterId: restored, availabilityZone: 'us-east-1a' });
    const original = await ctx.store.read((view) => view.list(`key/${cluster.clusterId}/`));
    for (const store of [ctx.store, await Store.open({ dir: ctx.dir })]) {
      const copy = await store.read((view) => view.list(`key/${restored}/`));
      assert.deepEqual(copy.map(([key, value]) => [key.replace(`/${restored}/`, `/${cluster.clusterId}/`), value]), original);
    }
  });

  it('activation makes a READY backup in the API shape, and adding or removing an HSM makes another', async () => {
    const ctx = await clusterContext();
    const [first, ...rest] = await backups(ctx);
    assert.equal(rest.length, 0);
    const cluster = await perform(ctx, readCluster, {});
    assert.deepEqual(Object.keys(first!).sort(), ['BackupArn', 'BackupId', 'BackupState', 'ClusterId', 'CreateTimestamp', 'HsmType', 'Mode', 'NeverExpires', 'TagList']);
    assert.match(first!.BackupId, /^backup-[a-z2-7]{11}$/);
    assert.equal(first!.BackupState, 'READY');
    assert.equal(first!.ClusterId, cluster.clusterId);
    assert.equal(first!.BackupArn, `arn:aws:cloudhsm:us-east-1:111122223333:backup/${first!.BackupId}`);
    assert.equal(first!.NeverExpires, false);
    const hsm = await perform(ctx, createHsm, { availabilityZone: 'us-east-1c' });
    assert.equal((await backups(ctx)).length, 2);
    await perform(ctx, deleteHsm, { hsmId: hsm.HsmId });
    assert.equal((await backups(ctx)).length, 3);
    // With every HSM gone no backup is due; adding one back makes one and restarts the daily schedule.
    for (const h of (await perform(ctx, readCluster, {})).hsms) await perform(ctx, deleteHsm, { hsmId: h.hsmId });
    assert.equal((await backups(ctx)).length, 5);
    await perform(ctx, advanceClock, { days: 3 });
    assert.equal((await backups(ctx)).length, 5, 'no HSM, no daily backup');
    await perform(ctx, createHsm, { availabilityZone: 'us-east-1a' });
    assert.equal((await backups(ctx)).length, 6);
    await perform(ctx, advanceClock, { days: 1 });
    assert.equal((await backups(ctx)).length, 7);
    assert.deepEqual(await perform(ctx, describeBackup, { backupId: first!.BackupArn }), first, 'found by ARN too');
  });

  it('makes a backup for every 24 hours of cluster time that passes, dated at each mark', async () => {
    const ctx = await clusterContext();
    const [first] = await backups(ctx);
    await perform(ctx, advanceClock, { hours: 23 });
    assert.equal((await backups(ctx)).length, 1, 'not before 24 h');
    await perform(ctx, advanceClock, { days: 3 });
    const all = await backups(ctx);
    assert.equal(all.length, 4);
    for (let i = 1; i < all.length; i++) assert.equal(Math.round(all[i]!.CreateTimestamp - first!.CreateTimestamp), i * DAY_S);
  });

  it('after a long idle time it makes only the daily backups the service would still hold: retention plus the 7-day window, on the daily marks', async () => {
    const ctx = await clusterContext();
    const [first] = await backups(ctx);
    await perform(ctx, advanceClock, { days: 400 });
    const made = (await perform(ctx, describeBackups, { sortAscending: true })).Backups.filter((b) => b.BackupId !== first!.BackupId);
    assert.equal(made.length, 97, '90 days of retention and 7 of deletion window');
    for (const b of made) assert.equal(Math.round(b.CreateTimestamp - first!.CreateTimestamp) % DAY_S, 0, 'on a daily mark');
    assert.equal(made.filter((b) => b.BackupState === 'READY').length, 90);
    assert.equal(made.filter((b) => b.BackupState === 'PENDING_DELETION').length, 7);
    assert.equal(Math.round(made.at(-1)!.CreateTimestamp - first!.CreateTimestamp), 400 * DAY_S, 'the newest is at the last mark');
  });

  it('retention purges old backups into PENDING_DELETION except the newest; restore within 7 days; DELETED after', async () => {
    const ctx = await clusterContext();
    await perform(ctx, modifyCluster, { backupRetentionDays: 7 });
    const [first] = await backups(ctx);
    // Daily backups stop counting against the newest rule only when a newer one exists: remove the HSMs so none are made.
    const cluster = await perform(ctx, readCluster, {});
    for (const h of cluster.hsms) await perform(ctx, deleteHsm, { hsmId: h.hsmId });
    const made = await backups(ctx);
    assert.equal(made.length, 3);
    const newest = made[2]!;
    await perform(ctx, advanceClock, { days: 8 });
    const after = await backups(ctx);
    assert.deepEqual(after.map((b) => b.BackupState), ['PENDING_DELETION', 'PENDING_DELETION', 'READY']);
    assert.equal(after[2]!.BackupId, newest.BackupId, 'the newest backup is never purged');
    assert.ok(after[0]!.DeleteTimestamp! > after[0]!.CreateTimestamp + 7 * DAY_S);
    // Within the window: restore brings it back, and NeverExpires keeps it from the next purge.
    await perform(ctx, modifyBackupAttributes, { backupId: first!.BackupId, neverExpires: true });
    const restored = await perform(ctx, restoreBackup, { backupId: first!.BackupId });
    assert.equal(restored.BackupState, 'READY');
    assert.equal(restored.DeleteTimestamp, undefined);
    await perform(ctx, advanceClock, { days: 8 });
    const later = await backups(ctx);
    assert.deepEqual(later.map((b) => b.BackupState), ['READY', 'DELETED', 'READY']);
    assert.equal(fs.existsSync(backupFile(ctx, later[1]!.BackupId)), false, 'a DELETED backup keeps no file');
    await refusedUnchanged(ctx, () => perform(ctx, restoreBackup, { backupId: later[1]!.BackupId }), 'BACKUP_NOT_FOUND', NOT_FOUND);
    await refusedUnchanged(ctx, () => perform(ctx, modifyBackupAttributes, { backupId: later[1]!.BackupId, neverExpires: true }), 'BACKUP_NOT_FOUND', NOT_FOUND);
    await refusedUnchanged(ctx, () => perform(ctx, deleteBackup, { backupId: later[1]!.BackupId }), 'BACKUP_NOT_FOUND', NOT_FOUND);
    // NeverExpires false subjects it again.
    await perform(ctx, modifyBackupAttributes, { backupId: first!.BackupId, neverExpires: false });
    assert.equal((await backups(ctx))[0]!.BackupState, 'PENDING_DELETION');
  });

  it('delete: READY → PENDING_DELETION for 7 days; twice, restore of a READY one and bad input are refused and change nothing', async () => {
    const ctx = await clusterContext();
    const [b] = await backups(ctx);
    const id = b!.BackupId;
    await refusedUnchanged(ctx, () => perform(ctx, restoreBackup, { backupId: id }), 'INVALID_STATE', INVALID);
    const deleted = await perform(ctx, deleteBackup, { backupId: id });
    assert.equal(deleted.BackupState, 'PENDING_DELETION');
    assert.equal(Math.round(deleted.DeleteTimestamp! - b!.CreateTimestamp), 7 * DAY_S + Math.round(deleted.DeleteTimestamp! - 7 * DAY_S - b!.CreateTimestamp));
    await refusedUnchanged(ctx, () => perform(ctx, deleteBackup, { backupId: id }), 'INVALID_STATE', INVALID);
    await refusedUnchanged(ctx, () => perform(ctx, deleteBackup, { backupId: 'backup-aaaaaaaaaaa' }), 'BACKUP_NOT_FOUND', NOT_FOUND);
    await refusedUnchanged(ctx, () => perform(ctx, deleteBackup, { backupId: 'not-a-backup' }), 'INVALID_REQUEST', INVALID);
    await refusedUnchanged(ctx, () => perform(ctx, describeBackups, { states: ['GONE'] }), 'INVALID_REQUEST', INVALID);
    await refusedUnchanged(ctx, () => perform(ctx, modifyBackupAttributes, { backupId: id, neverExpires: 'yes' as unknown as boolean }), 'INVALID_REQUEST', INVALID);
    for (const days of [6, 380, 7.5]) {
      await refusedUnchanged(ctx, () => perform(ctx, modifyCluster, { backupRetentionDays: days }), 'INVALID_REQUEST', INVALID);
    }
    await perform(ctx, advanceClock, { days: 6 });
    assert.equal((await perform(ctx, restoreBackup, { backupId: id })).BackupState, 'READY');
    await perform(ctx, deleteBackup, { backupId: id });
    await perform(ctx, advanceClock, { days: 7 });
    assert.equal((await perform(ctx, describeBackup, { backupId: id })).BackupState, 'DELETED');
    await refusedUnchanged(ctx, () => perform(ctx, restoreBackup, { backupId: id }), 'BACKUP_NOT_FOUND', NOT_FOUND);
  });

  it('tags on backups: TagResource, ListTags, shown by DescribeBackups', async () => {
    const ctx = await clusterContext();
    const [b] = await backups(ctx);
    await perform(ctx, tagResource, { resourceId: b!.BackupId, tags: [{ key: 'keep', value: 'audit' }] });
    assert.deepEqual((await perform(ctx, listTags, { resourceId: b!.BackupId })).TagList, [{ Key: 'keep', Value: 'audit' }]);
    assert.deepEqual((await backups(ctx))[0]!.TagList, [{ Key: 'keep', Value: 'audit' }]);
    await refused(perform(ctx, tagResource, { resourceId: 'backup-aaaaaaaaaaa', tags: [{ key: 'k', value: 'v' }] }), 'BACKUP_NOT_FOUND', NOT_FOUND);
  });

  it('no backup byte holds clear key material or a password, for keys of several types', async () => {
    const ctx = await clusterContext({ cryptoUsers: { alice: 'alice-Pass1' } });
    const alice: Caller = { credentials: { username: 'alice', password: 'alice-Pass1', role: 'crypto-user' }, sessionKeys: new Map() };
    await perform(ctx, generateSymmetric, { keyType: 'aes', label: 'aes', keyLengthBytes: 32 }, alice);
    await perform(ctx, generateSymmetric, { keyType: 'generic-secret', label: 'mac', keyLengthBytes: 64 }, alice);
    await perform(ctx, generateKeyPair, { keyType: 'rsa', modulusSizeBits: 2048, publicExponent: '65537', publicLabel: 'rsa-pub', privateLabel: 'rsa-priv' }, alice);
    await perform(ctx, generateKeyPair, { keyType: 'ec', curve: 'secp256r1', publicLabel: 'ec-pub', privateLabel: 'ec-priv' }, alice);
    const cluster = await perform(ctx, readCluster, {});
    await perform(ctx, createHsm, { availabilityZone: 'us-east-1c' });
    const keys = await ctx.store.read((view) => view.list<KeyRecord>(`key/${cluster.clusterId}/`).map(([, k]) => k));
    assert.ok(keys.length >= 6);
    const secrets: Buffer[] = [];
    for (const k of keys.filter((k) => k.class !== 'public-key')) {
      const raw = Buffer.from(k.material, 'base64');
      secrets.push(raw.subarray(0, 16), raw.subarray(raw.length - 16), Buffer.from(k.material.slice(0, 24)), Buffer.from(raw.toString('hex').slice(0, 32)));
    }
    const partition = Buffer.from(cluster.partitionKeyPkcs8!, 'base64');
    secrets.push(partition.subarray(partition.length - 32), Buffer.from(cluster.partitionKeyPkcs8!.slice(-40)));
    for (const pw of ['Admin123!', 'alice-Pass1']) secrets.push(Buffer.from(pw), Buffer.from(pw, 'utf16le'), Buffer.from(Buffer.from(pw).toString('base64')));
    const files = fs.readdirSync(path.join(ctx.dir, 'backups'));
    assert.equal(files.length, (await backups(ctx)).length);
    for (const name of files) {
      const bytes = fs.readFileSync(path.join(ctx.dir, 'backups', name));
      for (const s of secrets) assert.equal(bytes.indexOf(s), -1, `backup ${name} holds secret bytes`);
      assert.equal(bytes.indexOf(Buffer.from('alice')), -1, 'not even user names are in clear');
    }
    // The last backup does hold them, under encryption: it opens to the cluster's users and keys.
    const last = (await backups(ctx)).at(-1)!;
    const payload = payloadOf(await ctx.store.transact((tx) => openBackup(tx, 'Test', last.BackupId, ctx.store.readBackupFile(last.BackupId))));
    assert.ok(payload.objects.some(([key]) => key === 'user/{cluster}/alice'));
    assert.equal(payload.objects.filter(([key]) => key.startsWith('key/{cluster}/')).length, keys.length);
  });

  it('a flipped byte anywhere in a backup file is detected on restore, and nothing changes', async () => {
    const ctx = await clusterContext();
    const [b] = await backups(ctx);
    await perform(ctx, deleteBackup, { backupId: b!.BackupId });
    const file = backupFile(ctx, b!.BackupId);
    const original = fs.readFileSync(file);
    for (const at of [0, 20, Math.floor(original.length / 2), original.length - 1]) {
      const flipped = Buffer.from(original);
      flipped[at]! ^= 0x01;
      fs.writeFileSync(file, flipped);
      await refusedUnchanged(ctx, () => perform(ctx, restoreBackup, { backupId: b!.BackupId }), 'BACKUP_INTEGRITY', INVALID);
    }
    fs.writeFileSync(file, original.subarray(0, original.length - 10));
    await refusedUnchanged(ctx, () => perform(ctx, restoreBackup, { backupId: b!.BackupId }), 'BACKUP_INTEGRITY', INVALID);
    fs.rmSync(file);
    await refusedUnchanged(ctx, () => perform(ctx, restoreBackup, { backupId: b!.BackupId }), 'BACKUP_INTEGRITY', INVALID);
    fs.writeFileSync(file, original);
    assert.equal((await perform(ctx, restoreBackup, { backupId: b!.BackupId })).BackupState, 'READY');
  });

  it('a backup made by another installation (another state folder) is refused', async () => {
    const mine = await clusterContext();
    const other = await clusterContext({ cryptoUsers: { bob: 'bob-Pass123' } });
    const [ours] = await backups(mine);
    const [theirs] = await backups(other);
    await perform(mine, deleteBackup, { backupId: ours!.BackupId });
    // Their file put in place of ours: it names another installation.
    fs.copyFileSync(backupFile(other, theirs!.BackupId), backupFile(mine, ours!.BackupId));
    const err = await refused(perform(mine, restoreBackup, { backupId: ours!.BackupId }), 'BACKUP_FOREIGN', INVALID);
    assert.match(err.message, /another cloudhsm-local installation/);
    // Opening it directly under its own ID fails the same way.
    await refused(mine.store.transact((tx) => openBackup(tx, 'Test', theirs!.BackupId, fs.readFileSync(backupFile(other, theirs!.BackupId)))), 'BACKUP_FOREIGN');
  });

  it('copy-to-region: a READY backup into another region of its partition; the copy keeps no retention', async () => {
    const ctx = await clusterContext();
    await perform(ctx, modifyCluster, { backupRetentionDays: 7 });
    const [source] = await backups(ctx);
    const copied = await perform(ctx, copyBackupToRegion, { backupId: source!.BackupId, destinationRegion: 'eu-west-1', tags: [{ key: 'dr', value: 'yes' }] });
    assert.deepEqual(copied, { DestinationBackup: { CreateTimestamp: copied.DestinationBackup.CreateTimestamp, SourceBackup: source!.BackupId, SourceCluster: source!.ClusterId, SourceRegion: 'us-east-1' } });
    const [copy, ...others] = (await perform(ctx, describeBackups, { sourceBackupIds: [source!.BackupId] })).Backups;
    assert.equal(others.length, 0);
    assert.equal(copy!.BackupState, 'READY');
    assert.equal(copy!.ClusterId, source!.ClusterId);
    assert.match(copy!.BackupArn, /^arn:aws:cloudhsm:eu-west-1:/);
    assert.equal(copy!.CopyTimestamp, copied.DestinationBackup.CreateTimestamp);
    assert.deepEqual(copy!.TagList, [{ Key: 'dr', Value: 'yes' }]);
    // A newer backup of the cluster, then past the retention: the source is purged, the copy stays.
    await perform(ctx, createHsm, { availabilityZone: 'us-east-1c' });
    const cluster = await perform(ctx, readCluster, {});
    for (const h of cluster.hsms) await perform(ctx, deleteHsm, { hsmId: h.hsmId });
    await perform(ctx, advanceClock, { days: 30 });
    assert.equal((await perform(ctx, describeBackup, { backupId: copy!.BackupId })).BackupState, 'READY');
    assert.equal((await perform(ctx, describeBackup, { backupId: source!.BackupId })).BackupState, 'PENDING_DELETION');
    // Refusals: across partitions, to its own region, unknown region, a source not READY, a DELETED one.
    await refusedUnchanged(ctx, () => perform(ctx, copyBackupToRegion, { backupId: copy!.BackupId, destinationRegion: 'us-gov-west-1' }), 'INVALID_REQUEST', INVALID);
    await refusedUnchanged(ctx, () => perform(ctx, copyBackupToRegion, { backupId: copy!.BackupId, destinationRegion: 'eu-west-1' }), 'INVALID_REQUEST', INVALID);
    await refusedUnchanged(ctx, () => perform(ctx, copyBackupToRegion, { backupId: copy!.BackupId, destinationRegion: 'mars-north-1' }), 'INVALID_REQUEST', INVALID);
    await refusedUnchanged(ctx, () => perform(ctx, copyBackupToRegion, { backupId: source!.BackupId, destinationRegion: 'eu-west-2' }), 'INVALID_STATE', INVALID);
    await perform(ctx, advanceClock, { days: 7 });
    await refusedUnchanged(ctx, () => perform(ctx, copyBackupToRegion, { backupId: source!.BackupId, destinationRegion: 'eu-west-2' }), 'BACKUP_NOT_FOUND', NOT_FOUND);
    assert.equal((await perform(ctx, describeBackup, { backupId: copy!.BackupId })).BackupState, 'READY', 'the copy outlives its source');
  });

  it('cluster create --source-backup-id: the first HSM brings back users, keys and certificate, ACTIVE without activation', async () => {
    const ctx = await clusterContext({ cryptoUsers: { alice: 'alice-Pass1' } });
    const alice: Caller = { credentials: { username: 'alice', password: 'alice-Pass1', role: 'crypto-user' }, sessionKeys: new Map() };
    await perform(ctx, generateSymmetric, { keyType: 'aes', label: 'kept', keyLengthBytes: 32 }, alice);
    const source = await perform(ctx, readCluster, {});
    await perform(ctx, createHsm, { availabilityZone: 'us-east-1c' });
    const latest = (await backups(ctx)).at(-1)!;
    // Refused, nothing created: wrong mode, wrong type, another region, unknown, not READY.
    await refusedUnchanged(ctx, () => perform(ctx, createCluster, { sourceBackupId: latest.BackupId, mode: 'NON_FIPS' }), 'INVALID_REQUEST', INVALID);
    await refusedUnchanged(ctx, () => perform(ctx, createCluster, { sourceBackupId: latest.BackupId, hsmType: 'hsm1.medium' }), 'INVALID_REQUEST', INVALID);
    await refusedUnchanged(ctx, () => perform(ctx, createCluster, { sourceBackupId: latest.BackupId, region: 'eu-west-1' }), 'INVALID_REQUEST', INVALID);
    await refusedUnchanged(ctx, () => perform(ctx, createCluster, { sourceBackupId: 'backup-aaaaaaaaaaa' }), 'BACKUP_NOT_FOUND', NOT_FOUND);
    const first = (await backups(ctx))[0]!;
    await perform(ctx, deleteBackup, { backupId: first.BackupId });
    await refusedUnchanged(ctx, () => perform(ctx, createCluster, { sourceBackupId: first.BackupId }), 'INVALID_STATE', INVALID);

    const made = await perform(ctx, createCluster, { sourceBackupId: latest.BackupArn });
    assert.equal(made.SourceBackupId, latest.BackupId);
    assert.equal(made.PreCoPassword, undefined);
    const clusterId = made.ClusterId;
    await perform(ctx, createHsm, { clusterId, availabilityZone: 'us-east-1a' });
    const restored = await perform(ctx, describeCluster, { clusterId });
    assert.equal(restored.State, 'ACTIVE');
    assert.equal(restored.Certificates.ClusterCertificate, source.clusterCertificatePem, 'the same cluster certificate');
    const users = (await perform(ctx, listUsers, { clusterId })).users.map((u) => u.username).sort();
    assert.deepEqual(users, ['admin', 'alice', 'app_user']);
    const aliceThere: Caller = { credentials: { username: 'alice', password: 'alice-Pass1', role: 'crypto-user' }, sessionKeys: new Map() };
    const keys = await perform(ctx, listKeys, { clusterId }, aliceThere);
    assert.deepEqual(JSON.stringify(keys).includes('kept'), true, 'alice logs in with her password and sees her key');
    // Its own daily backups start with it.
    await perform(ctx, advanceClock, { days: 1 });
    assert.equal((await backups(ctx)).filter((b) => b.ClusterId === clusterId).length, 1);
  });

  it('derives the PBK with the SP 800-108 counter-mode KDF (HMAC-SHA256): 32 bytes, label and key bound', () => {
    const key = Buffer.alloc(64, 7);
    const pbk = kdfCounterHmacSha256(key, 'cloudhsm-pbk', Buffer.alloc(0), 256);
    assert.equal(pbk.length, 32);
    assert.deepEqual(kdfCounterHmacSha256(key, 'cloudhsm-pbk', Buffer.alloc(0), 256), pbk);
    assert.notDeepEqual(kdfCounterHmacSha256(key, 'other', Buffer.alloc(0), 256), pbk);
    assert.equal(kdfCounterHmacSha256(key, 'cloudhsm-pbk', Buffer.alloc(0), 512).subarray(0, 32).equals(pbk), false, 'L is bound');
  });
});
