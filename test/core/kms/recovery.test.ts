/**
 * Recovering a custom key store's keys (kms-custom-key-store.md §6.5): "create a cluster from a
 * backup taken while the key existed, point the (disconnected) store at it via
 * UpdateCustomKeyStore(CloudHsmClusterId) (same lineage), reconnect". The keys go with their
 * store: after the move their material is looked up in the new cluster (by handle and label),
 * their state is derived from it, DescribeKey names it, and a deletion deletes the material there.
 * Two ways to lose the material: kmsuser deletes it, or the whole cluster is deleted. And the
 * Region rule of §2: a cluster of another Region than the request's is not found.
 */
import assert from 'node:assert/strict';
import { perform, type Caller } from '../../../src/core/engine.js';
import type { EngineContext } from '../../../src/core/context.js';
import { HsmError } from '../../../src/core/errors.js';
import { storeKeys, type ClusterRecord } from '../../../src/core/cluster/model.js';
import { createCluster, createHsm, deleteCluster, deleteHsm } from '../../../src/core/cluster/operations.js';
import { copyBackupToRegion, describeBackups } from '../../../src/core/backups/operations.js';
import { keyStoreKeys as hsmKeys } from '../../../src/core/keys/filters.js';
import type { KeyRecord } from '../../../src/core/keys/model.js';
import { deleteKey } from '../../../src/core/keys/operations.js';
import { byReference } from '../../../src/core/keys/selector.js';
import { changePassword } from '../../../src/core/users/operations.js';
import { advanceClock } from '../../../src/core/time/operations.js';
import { connectKeyStore, createKeyStore, describeKeyStores, disconnectKeyStore, updateKeyStore } from '../../../src/core/kms/key-stores.js';
import { createKmsKey, describeKmsKey, kmsDecrypt, kmsEncrypt, kmsKeys, scheduleKmsKeyDeletion, type KmsKeyRecord } from '../../../src/core/kms/keys.js';
import { listOrphanedKeyMaterial } from '../../../src/core/kms/orphaned-material.js';
import { clusterContext } from '../../support/templates.js';

const ADMIN: Caller = { credentials: { username: 'admin', password: 'Admin123!', role: 'admin' } };
const PW = 'Kms-User-Pass-1';
const kmsuser = { username: 'kmsuser', role: 'crypto-user' as const };
const text = (s: string) => new TextEncoder().encode(s);

describe('core/kms: recovering key material from a backup (§6.5)', function () {
  this.timeout(120_000);
  let ctx: EngineContext;
  let a: ClusterRecord;
  let storeId: string;

  const clusterOf = (id: string) => ctx.store.read((view) => view.get<ClusterRecord>(storeKeys.cluster(id))!);
  const storeState = async () => {
    const s = (await perform(ctx, describeKeyStores, { CustomKeyStoreId: storeId })).CustomKeyStores[0]!;
    return [s.ConnectionState, s.ConnectionErrorCode, s.CloudHsmClusterId];
  };
  const describe_ = async (keyId: string) => (await perform(ctx, describeKmsKey, { KeyId: keyId })).KeyMetadata;
  const handleOf = (keyId: string) => ctx.store.read((view) => view.get<KmsKeyRecord>(kmsKeys.key(keyId))!.keyReference!);
  const materialAt = (clusterId: string, handle: number) => ctx.store.read((view) => view.get<KeyRecord>(hsmKeys.key(clusterId, handle)));
  const newKey = async () => (await perform(ctx, createKmsKey, { Origin: 'AWS_CLOUDHSM', CustomKeyStoreId: storeId })).KeyMetadata.KeyId;
  const encrypt = async (keyId: string, plaintext: string) => (await perform(ctx, kmsEncrypt, { KeyId: keyId, Plaintext: text(plaintext), EncryptionContext: { app: 'orders' } })).CiphertextBlob;
  const decrypt = async (blob: Uint8Array) => Buffer.from((await perform(ctx, kmsDecrypt, { CiphertextBlob: blob, EncryptionContext: { app: 'orders' } })).Plaintext).toString();
  const notFound = async (attempt: Promise<unknown>): Promise<HsmError> => {
    try {
      await attempt;
    } catch (err) {
      assert.ok(err instanceof HsmError && err.aws?.type === 'CloudHsmClusterNotFoundException', String(err));
      return err;
    }
    return assert.fail('expected CloudHsmClusterNotFoundException');
  };
  const invalidState = (attempt: Promise<unknown>) => assert.rejects(attempt, (err: HsmError) => err.aws?.type === 'KMSInvalidStateException');

  /** The newest READY backup of `clusterId`. */
  const newestBackup = async (clusterId: string) => (await perform(ctx, describeBackups, { clusterId, states: ['READY'] })).Backups[0]!.BackupId;

  /** A cluster restored from `backupId`, with HSMs in the two Availability Zones `a`'s were in. */
  async function restoredCluster(backupId: string): Promise<ClusterRecord> {
    const { ClusterId } = await perform(ctx, createCluster, { sourceBackupId: backupId });
    for (const hsm of a.hsms) await perform(ctx, createHsm, { clusterId: ClusterId, availabilityZone: hsm.availabilityZone });
    return clusterOf(ClusterId);
  }

  beforeEach(async () => {
    ctx = await clusterContext({ cryptoUsers: { kmsuser: PW } });
    a = await ctx.store.read((view) => view.list<ClusterRecord>(storeKeys.clusterPrefix)[0]![1]);
    ({ CustomKeyStoreId: storeId } = await perform(ctx, createKeyStore, { CustomKeyStoreName: 'Orders', CloudHsmClusterId: a.clusterId, KeyStorePassword: PW, TrustAnchorCertificate: a.trustAnchorPem! }));
    await perform(ctx, connectKeyStore, { CustomKeyStoreId: storeId });
  });

  it('kmsuser deleted the material: a cluster from an older backup, the store pointed at it, reconnected, decrypts the old ciphertext; keys then live in the new cluster', async () => {
    const key = await newKey();
    const spare = await newKey();
    const blob = await encrypt(key, 'order 42');
    // The daily backup, taken while both keys exist.
    await perform(ctx, advanceClock, { days: 1 });
    const backupId = await newestBackup(a.clusterId);
    // A key made after the backup: the restored cluster will not hold it.
    const later = await newKey();
    const laterBlob = await encrypt(later, 'order 43');

    // The loss: disconnect, set a known kmsuser password as admin, delete the key as kmsuser.
    await perform(ctx, disconnectKeyStore, { CustomKeyStoreId: storeId });
    await perform(ctx, changePassword, { ...kmsuser, password: PW }, ADMIN);
    await perform(ctx, deleteKey, { filter: byReference(await handleOf(key)) }, { credentials: { ...kmsuser, password: PW } });
    await perform(ctx, updateKeyStore, { CustomKeyStoreId: storeId, KeyStorePassword: PW });
    await perform(ctx, connectKeyStore, { CustomKeyStoreId: storeId });
    assert.equal((await describe_(key)).KeyState, 'Unavailable');
    await invalidState(decrypt(blob));

    // Recovery: a cluster from the backup; the store (disconnected) pointed at it.
    const b = await restoredCluster(backupId);
    assert.equal(b.clusterCertificatePem, a.clusterCertificatePem, 'same lineage');
    await perform(ctx, disconnectKeyStore, { CustomKeyStoreId: storeId });
    await perform(ctx, updateKeyStore, { CustomKeyStoreId: storeId, CloudHsmClusterId: b.clusterId });
    assert.deepEqual(await storeState(), ['DISCONNECTED', undefined, b.clusterId]);
    const moved = await describe_(key);
    assert.deepEqual([moved.KeyState, moved.CloudHsmClusterId], ['Unavailable', b.clusterId], 'the key follows its store, Unavailable while disconnected');
    // The restored kmsuser has the password KMS had rotated to before the backup: not the one KMS
    // holds now. The documented fix: set one as admin of the new cluster, tell KMS, connect.
    await perform(ctx, connectKeyStore, { CustomKeyStoreId: storeId });
    assert.deepEqual(await storeState(), ['FAILED', 'INVALID_CREDENTIALS', b.clusterId]);
    await perform(ctx, disconnectKeyStore, { CustomKeyStoreId: storeId });
    await perform(ctx, changePassword, { ...kmsuser, password: PW, clusterId: b.clusterId }, ADMIN);
    await perform(ctx, updateKeyStore, { CustomKeyStoreId: storeId, KeyStorePassword: PW });
    await perform(ctx, connectKeyStore, { CustomKeyStoreId: storeId });
    assert.deepEqual(await storeState(), ['CONNECTED', undefined, b.clusterId]);

    const recovered = await describe_(key);
    assert.deepEqual([recovered.KeyState, recovered.CloudHsmClusterId, recovered.CustomKeyStoreId], ['Enabled', b.clusterId, storeId]);
    assert.equal(await decrypt(blob), 'order 42', 'the old ciphertext decrypts with the recovered material');
    assert.equal(await decrypt(await encrypt(key, 'order 44')), 'order 44');

    // A key newer than the backup has no material in the new cluster (by handle and label), even
    // where a key made there now takes its handle.
    assert.equal((await describe_(later)).KeyState, 'Unavailable');
    await invalidState(decrypt(laterBlob));
    const made = await newKey();
    assert.equal(await handleOf(made), await handleOf(later), 'the restored cluster hands out the later key\'s handle again');
    assert.equal((await describe_(later)).KeyState, 'Unavailable', 'another key at its handle is not its material');
    await invalidState(decrypt(laterBlob));
    assert.equal((await describe_(made)).CloudHsmClusterId, b.clusterId);

    // Deletion deletes the material in the store's cluster now, and leaves the old cluster alone.
    const spareHandle = await handleOf(spare);
    assert.ok(await materialAt(b.clusterId, spareHandle), 'the spare key was restored into the new cluster');
    assert.ok(await materialAt(a.clusterId, spareHandle), 'and is still in the old one');
    await perform(ctx, scheduleKmsKeyDeletion, { KeyId: spare, PendingWindowInDays: 7 });
    await perform(ctx, advanceClock, { days: 8 });
    // (The next operation runs the housekeeping that ends the waiting period.)
    assert.deepEqual((await perform(ctx, listOrphanedKeyMaterial, {})).OrphanedKeyMaterial, []);
    assert.equal(await materialAt(b.clusterId, spareHandle), undefined, 'tombstoned in the new cluster');
    assert.ok(await materialAt(a.clusterId, spareHandle), 'KMS no longer touches the old cluster');
  });

  it('the cluster was deleted: CLUSTER_NOT_FOUND; a cluster from its backup, the store pointed at it, reconnected with the password KMS held, decrypts the old ciphertext', async () => {
    const key = await newKey();
    const blob = await encrypt(key, 'order 42');
    await perform(ctx, advanceClock, { days: 1 });

    // The loss: the cluster goes, its HSMs first (each removal makes a backup, the key in it).
    await perform(ctx, disconnectKeyStore, { CustomKeyStoreId: storeId });
    for (const hsm of a.hsms) await perform(ctx, deleteHsm, { clusterId: a.clusterId, hsmId: hsm.hsmId });
    const backupId = await newestBackup(a.clusterId);
    await perform(ctx, deleteCluster, { clusterId: a.clusterId });
    assert.equal((await describe_(key)).KeyState, 'Unavailable');
    await perform(ctx, connectKeyStore, { CustomKeyStoreId: storeId });
    assert.deepEqual(await storeState(), ['FAILED', 'CLUSTER_NOT_FOUND', a.clusterId]);
    await invalidState(decrypt(blob));

    // "restore a related cluster from backup; update cluster ID; connect" (§4).
    await perform(ctx, disconnectKeyStore, { CustomKeyStoreId: storeId });
    const b = await restoredCluster(backupId);
    await perform(ctx, updateKeyStore, { CustomKeyStoreId: storeId, CloudHsmClusterId: b.clusterId });
    // The backup holds kmsuser with the password KMS rotated to on its last connect, which KMS still holds.
    await perform(ctx, connectKeyStore, { CustomKeyStoreId: storeId });
    assert.deepEqual(await storeState(), ['CONNECTED', undefined, b.clusterId]);
    const recovered = await describe_(key);
    assert.deepEqual([recovered.KeyState, recovered.CloudHsmClusterId], ['Enabled', b.clusterId]);
    assert.equal(await decrypt(blob), 'order 42');

    // A deletion now reaches the new cluster's material.
    const handle = await handleOf(key);
    assert.ok(await materialAt(b.clusterId, handle));
    await perform(ctx, scheduleKmsKeyDeletion, { KeyId: key, PendingWindowInDays: 7 });
    await perform(ctx, advanceClock, { days: 8 });
    assert.deepEqual((await perform(ctx, listOrphanedKeyMaterial, {})).OrphanedKeyMaterial, []);
    assert.equal(await materialAt(b.clusterId, handle), undefined, 'tombstoned in the new cluster');
  });

  it("a cluster of another Region than the request's is not found (create, update); a related cluster in the request's Region is", async () => {
    await perform(ctx, disconnectKeyStore, { CustomKeyStoreId: storeId });
    // (Connecting rotated the password: the store's properties are the request's again once KMS is told PW.)
    await perform(ctx, updateKeyStore, { CustomKeyStoreId: storeId, KeyStorePassword: PW });
    const create = (requestRegion: string) =>
      perform(ctx, createKeyStore, { CustomKeyStoreName: 'Orders', CloudHsmClusterId: a.clusterId, KeyStorePassword: PW, TrustAnchorCertificate: a.trustAnchorPem!, requestRegion });
    // Not even the idempotent answer: from us-west-2 the store's cluster does not exist.
    const refused = await notFound(create('us-west-2'));
    assert.match(refused.message, new RegExp(`${a.clusterId} not found in us-west-2: it is in us-east-1`));
    assert.deepEqual(await create('us-east-1'), { CustomKeyStoreId: storeId });

    // A related cluster in us-west-2, from a copy of a's backup.
    await perform(ctx, copyBackupToRegion, { backupId: await newestBackup(a.clusterId), destinationRegion: 'us-west-2' });
    const [copy] = (await perform(ctx, describeBackups, { states: ['READY'] })).Backups.filter((bk) => bk.SourceRegion === 'us-east-1');
    const { ClusterId } = await perform(ctx, createCluster, { region: 'us-west-2', sourceBackupId: copy!.BackupId });
    for (const az of ['us-west-2a', 'us-west-2b']) await perform(ctx, createHsm, { clusterId: ClusterId, availabilityZone: az });
    await notFound(perform(ctx, updateKeyStore, { CustomKeyStoreId: storeId, CloudHsmClusterId: ClusterId, requestRegion: 'us-east-1' }));
    assert.equal((await storeState())[2], a.clusterId, 'unchanged');
    await perform(ctx, updateKeyStore, { CustomKeyStoreId: storeId, CloudHsmClusterId: ClusterId, requestRegion: 'us-west-2' });
    assert.equal((await storeState())[2], ClusterId);
  });
});
