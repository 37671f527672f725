/**
 * The end of a KMS key's deletion waiting period (kms-custom-key-store.md §6.5, §9.7) on cluster
 * time: nothing happens before it; then the key and its aliases are gone, its material is deleted
 * in the cluster as kmsuser when the store is connected (tombstoned on every HSM), or recorded as
 * orphaned when it is not; a cancelled deletion keeps the key; a standard key just vanishes.
 */
import assert from 'node:assert/strict';
import { perform, type Caller } from '../../../src/core/engine.js';
import type { EngineContext } from '../../../src/core/context.js';
import { HsmError } from '../../../src/core/errors.js';
import { activeHsms, storeKeys, type ClusterRecord } from '../../../src/core/cluster/model.js';
import { keyStoreKeys as hsmKeys } from '../../../src/core/keys/filters.js';
import { deleteKey } from '../../../src/core/keys/operations.js';
import { byReference } from '../../../src/core/keys/selector.js';
import { changePassword } from '../../../src/core/users/operations.js';
import { listAuditEvents } from '../../../src/core/audit/operations.js';
import { advanceClock } from '../../../src/core/time/operations.js';
import { Store } from '../../../src/core/store/index.js';
import { backupKeys, type BackupSchedule } from '../../../src/core/backups/model.js';
import { connectKeyStore, createKeyStore, deleteKeyStore, disconnectKeyStore, updateKeyStore } from '../../../src/core/kms/key-stores.js';
import { cancelKmsKeyDeletion, createKmsAlias, createKmsKey, describeKmsKey, listKmsAliases, kmsKeys, listKmsKeys, scheduleKmsKeyDeletion, type KeyMetadata, type KmsKeyRecord } from '../../../src/core/kms/keys.js';
import { listOrphanedKeyMaterial } from '../../../src/core/kms/orphaned-material.js';
import { createKmsGrant } from '../../../src/core/kms/grants.js';
import { tagKmsResource } from '../../../src/core/kms/tags.js';
import { kmsRecordKeys } from '../../../src/core/kms/key-records.js';
import { clusterContext } from '../../support/templates.js';

const ADMIN: Caller = { credentials: { username: 'admin', password: 'Admin123!', role: 'admin' } };
const PW = 'Kms-User-Pass-1';

async function notFound(ctx: EngineContext, keyId: string): Promise<void> {
  await assert.rejects(perform(ctx, describeKmsKey, { KeyId: keyId }), (err: HsmError) => err.aws?.type === 'NotFoundException');
}

describe('core/kms: the end of a key deletion waiting period', function () {
  this.timeout(120_000);
  let ctx: EngineContext;
  let storeId: string;
  let cluster: ClusterRecord;

  /** The cluster handle of each KMS key's material. */
  const handles = new Map<string, number>();
  const materialOf = (key: KeyMetadata) => ctx.store.read((view) => view.get(hsmKeys.key(cluster.clusterId, handles.get(key.KeyId)!)));
  const newKey = async (): Promise<KeyMetadata> => {
    const { KeyMetadata: key } = await perform(ctx, createKmsKey, { Origin: 'AWS_CLOUDHSM', CustomKeyStoreId: storeId });
    handles.set(key.KeyId, await ctx.store.read((view) => view.get<KmsKeyRecord>(kmsKeys.key(key.KeyId))!.keyReference!));
    return key;
  };

  beforeEach(async () => {
    ctx = await clusterContext({ cryptoUsers: { kmsuser: PW } });
    cluster = await ctx.store.read((view) => view.list<ClusterRecord>(storeKeys.clusterPrefix)[0]![1]);
    ({ CustomKeyStoreId: storeId } = await perform(ctx, createKeyStore, { CustomKeyStoreName: 'Deletion', CloudHsmClusterId: cluster.clusterId, KeyStorePassword: PW, TrustAnchorCertificate: cluster.trustAnchorPem! }));
    await perform(ctx, connectKeyStore, { CustomKeyStoreId: storeId });
  });

  it('nothing happens before the date; after it the key and its aliases are gone and the material is tombstoned on every HSM as kmsuser', async () => {
    const key = await newKey();
    await perform(ctx, createKmsAlias, { AliasName: 'alias/doomed', TargetKeyId: key.KeyId });
    await perform(ctx, createKmsGrant, { KeyId: key.KeyId, GranteePrincipal: 'arn:aws:iam::000000000000:role/app', Operations: ['Decrypt'] });
    await perform(ctx, tagKmsResource, { KeyId: key.KeyId, Tags: [{ TagKey: 'team', TagValue: 'payments' }] });
    const recordsOf = () => ctx.store.read((view) => [view.get(kmsRecordKeys.tags(key.KeyId)), ...view.list(kmsRecordKeys.grantsOf(key.KeyId))].filter((r) => r !== undefined));
    assert.equal((await recordsOf()).length, 2);
    const scheduled = await perform(ctx, scheduleKmsKeyDeletion, { KeyId: key.KeyId, PendingWindowInDays: 7 });
    // The housekeeping schedule asks for work by the deletion date, not later.
    const due = await ctx.store.read((view) => view.get<BackupSchedule>(backupKeys.schedule)!.dueAt);
    assert.ok(due <= scheduled.DeletionDate.getTime());
    await perform(ctx, advanceClock, { days: 6, hours: 23 });
    assert.equal((await perform(ctx, describeKmsKey, { KeyId: key.KeyId })).KeyMetadata.KeyState, 'PendingDeletion');
    assert.ok(await materialOf(key), 'the material is still in the cluster before the date');
    await perform(ctx, advanceClock, { hours: 2 });
    await notFound(ctx, key.KeyId);
    assert.equal(await materialOf(key), undefined);
    assert.deepEqual((await perform(ctx, listKmsAliases, {})).Aliases, []);
    assert.deepEqual(await recordsOf(), [], "the key's grants and tags went with it");
    assert.ok(!(await perform(ctx, listKmsKeys, {})).Keys.some((k) => k.KeyId === key.KeyId));
    const tombstones = (await perform(ctx, listAuditEvents, { clusterId: cluster.clusterId, opcode: 'CN_TOMBSTONE_OBJECT' })).events;
    assert.deepEqual(tombstones.map((e) => e.logStream).sort(), activeHsms(cluster).map((h) => h.hsmId).sort());
    assert.ok(tombstones.every((e) => e.privSecretKeyHandle === handles.get(key.KeyId)), JSON.stringify(tombstones));
    assert.deepEqual((await perform(ctx, listOrphanedKeyMaterial, {})).OrphanedKeyMaterial, []);
    // The store holds no keys any more: it can be deleted.
    await perform(ctx, disconnectKeyStore, { CustomKeyStoreId: storeId });
    await perform(ctx, deleteKeyStore, { CustomKeyStoreId: storeId });
  });

  it('a store not connected at the date: the material stays in the cluster, recorded as orphaned with the key ID, cluster and handle, until kmsuser deletes it', async () => {
    const key = await newKey();
    const kept = await newKey();
    await perform(ctx, scheduleKmsKeyDeletion, { KeyId: key.KeyId, PendingWindowInDays: 7 });
    await perform(ctx, disconnectKeyStore, { CustomKeyStoreId: storeId });
    await perform(ctx, advanceClock, { days: 8 });
    await notFound(ctx, key.KeyId);
    assert.equal((await perform(ctx, describeKmsKey, { KeyId: kept.KeyId })).KeyMetadata.KeyState, 'Unavailable');
    assert.ok(await materialOf(key), 'the material is left in the cluster');
    const [orphan, ...more] = (await perform(ctx, listOrphanedKeyMaterial, { CustomKeyStoreId: storeId })).OrphanedKeyMaterial;
    assert.equal(more.length, 0);
    assert.equal(orphan!.KeyId, key.KeyId);
    assert.equal(orphan!.KeyArn, key.Arn);
    assert.equal(orphan!.CloudHsmClusterId, cluster.clusterId);
    assert.equal(orphan!.KeyHandle, handles.get(key.KeyId));
    assert.equal(orphan!.MaterialPresent, true);
    assert.match(orphan!.Reason, /DISCONNECTED/);
    assert.equal((await perform(ctx, listAuditEvents, { clusterId: cluster.clusterId, opcode: 'CN_TOMBSTONE_OBJECT' })).events.length, 0);
    // §6.5: the customer deletes it as kmsuser, then tells KMS the password and reconnects.
    await perform(ctx, changePassword, { username: 'kmsuser', role: 'crypto-user', password: PW }, ADMIN);
    await perform(ctx, deleteKey, { filter: byReference(orphan!.KeyHandle) }, { credentials: { username: 'kmsuser', password: PW, role: 'crypto-user' } });
    assert.equal((await perform(ctx, listOrphanedKeyMaterial, {})).OrphanedKeyMaterial[0]!.MaterialPresent, false);
    await perform(ctx, updateKeyStore, { CustomKeyStoreId: storeId, KeyStorePassword: PW });
    await perform(ctx, connectKeyStore, { CustomKeyStoreId: storeId });
    assert.equal((await perform(ctx, describeKmsKey, { KeyId: kept.KeyId })).KeyMetadata.KeyState, 'Enabled');
    assert.deepEqual((await perform(ctx, listOrphanedKeyMaterial, { CustomKeyStoreId: 'cks-00000000000000000' })).OrphanedKeyMaterial, []);
  });

  it('a deletion cancelled before the date keeps the key (Disabled) and its material; a standard key just vanishes', async () => {
    const key = await newKey();
    const { KeyMetadata: standard } = await perform(ctx, createKmsKey, {});
    await perform(ctx, scheduleKmsKeyDeletion, { KeyId: key.KeyId, PendingWindowInDays: 7 });
    await perform(ctx, scheduleKmsKeyDeletion, { KeyId: standard.KeyId, PendingWindowInDays: 30 });
    await perform(ctx, advanceClock, { days: 6 });
    await perform(ctx, cancelKmsKeyDeletion, { KeyId: key.KeyId });
    await perform(ctx, advanceClock, { days: 2 });
    assert.equal((await perform(ctx, describeKmsKey, { KeyId: key.KeyId })).KeyMetadata.KeyState, 'Disabled');
    assert.ok(await materialOf(key));
    assert.equal((await perform(ctx, describeKmsKey, { KeyId: standard.KeyId })).KeyMetadata.KeyState, 'PendingDeletion');
    await perform(ctx, advanceClock, { days: 22, hours: 1 });
    await notFound(ctx, standard.KeyId);
    assert.equal((await perform(ctx, describeKmsKey, { KeyId: key.KeyId })).KeyMetadata.KeyState, 'Disabled');
    assert.deepEqual((await perform(ctx, listOrphanedKeyMaterial, {})).OrphanedKeyMaterial, []);
  });

  it('two keys with different dates: each goes at its own date, the schedule moving on to the next one', async () => {
    const first = await newKey();
    const second = await newKey();
    await perform(ctx, scheduleKmsKeyDeletion, { KeyId: second.KeyId, PendingWindowInDays: 20 });
    await perform(ctx, scheduleKmsKeyDeletion, { KeyId: first.KeyId, PendingWindowInDays: 7 });
    await perform(ctx, advanceClock, { days: 7, hours: 1 });
    await notFound(ctx, first.KeyId);
    assert.equal((await perform(ctx, describeKmsKey, { KeyId: second.KeyId })).KeyMetadata.KeyState, 'PendingDeletion');
    const due = await ctx.store.read((view) => view.get<BackupSchedule>(backupKeys.schedule)!.dueAt);
    const secondDate = (await perform(ctx, describeKmsKey, { KeyId: second.KeyId })).KeyMetadata.DeletionDate!.getTime();
    assert.ok(due <= secondDate, 'housekeeping is due again by the second key\'s date');
    await perform(ctx, advanceClock, { days: 13 });
    await notFound(ctx, second.KeyId);
  });

  it('two processes reaching the date at once delete the key once: one tombstone per HSM', async () => {
    const key = await newKey();
    await perform(ctx, scheduleKmsKeyDeletion, { KeyId: key.KeyId, PendingWindowInDays: 7 });
    await perform(ctx, disconnectKeyStore, { CustomKeyStoreId: storeId });
    await perform(ctx, connectKeyStore, { CustomKeyStoreId: storeId });
    await perform(ctx, advanceClock, { days: 7, minutes: 1 });
    const other: EngineContext = { ...ctx, store: await Store.open({ dir: ctx.store.dir, lockTimeoutMs: 5000 }) };
    const seen = await Promise.allSettled([perform(ctx, describeKmsKey, { KeyId: key.KeyId }), perform(other, describeKmsKey, { KeyId: key.KeyId }), perform(other, listKmsKeys, {})]);
    assert.deepEqual(seen.map((r) => r.status), ['rejected', 'rejected', 'fulfilled']);
    const tombstones = (await perform(ctx, listAuditEvents, { clusterId: cluster.clusterId, opcode: 'CN_TOMBSTONE_OBJECT' })).events;
    assert.equal(tombstones.length, activeHsms(cluster).length);
    assert.equal(await materialOf(key), undefined);
  });
});
