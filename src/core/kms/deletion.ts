/**
 * The end of a KMS key's deletion waiting period (kms-custom-key-store.md §6.5, §9.7), run by the
 * engine's housekeeping on cluster time (time/clock.ts), like daily backups and HSM replacement:
 * ScheduleKeyDeletion asks for housekeeping at the key's deletion date (backups/lifecycle.ts
 * scheduleHousekeeping), so until some key's date passes this costs nothing.
 *
 * When the date has passed, KMS deletes the key's metadata and its aliases. For a key in a custom
 * key store it then makes a best-effort attempt to delete the material in the cluster, as the
 * kmsuser it is logged in as: possible only while the store is CONNECTED and the cluster has an
 * ACTIVE HSM; the token key is then tombstoned on every HSM (audit-log.md §3, `CN_TOMBSTONE_OBJECT`
 * with its handle). Otherwise the material stays in the cluster, orphaned: KMS records the KMS key
 * ID, the cluster ID and the key handle (`kms list-orphaned-key-material` shows them), and the
 * customer deletes it as kmsuser. Cluster backups are never touched. A standard (AWS_KMS) key's
 * material lives in its record, so it goes with it.
 *
 * This module imports no operation, so that the engine can run it (engine.ts).
 */
import type { EngineContext } from '../context.js';
import { activeHsms, storeKeys, type ClusterRecord } from '../cluster/model.js';
import { recordEvents } from '../audit/record.js';
import { keyStoreKeys as hsmKeys } from '../keys/filters.js';
import type { Transaction } from '../store/index.js';
import { backupKeys, type BackupSchedule } from '../backups/model.js';
import { keyStoreKeys, kmsKeys, materialClusterId, materialIn, type AliasRecord } from './model.js';
import { removeKeyRecords } from './key-records.js';
import type { KeyStoreRecord } from './key-stores.js';
import type { KmsKeyRecord } from './keys.js';

/** What KMS recorded when it could not delete a key's material (§6.5). */
export interface OrphanRecord {
  keyId: string;
  arn: string;
  customKeyStoreId: string;
  clusterId: string;
  /** The key handle of the material in the cluster. */
  keyHandle: number;
  /** When the waiting period ended and the KMS key was deleted. */
  deletedAt: number;
  /** Why the material could not be deleted. */
  reason: string;
}

/**
 * Deletes every KMS key whose deletion date has passed at cluster time, when housekeeping is due.
 * Returns the earliest deletion date still to come, for the housekeeping schedule.
 */
export function endDueKeyDeletions(tx: Transaction, ctx: EngineContext): number | undefined {
  const schedule = tx.get<BackupSchedule>(backupKeys.schedule);
  const now = ctx.now();
  if (!schedule || schedule.dueAt > now) return undefined;
  let next: number | undefined;
  for (const [, key] of tx.list<KmsKeyRecord>(kmsKeys.prefix)) {
    if (key.deletionDate === undefined) continue;
    if (key.deletionDate > now) {
      next = next === undefined ? key.deletionDate : Math.min(next, key.deletionDate);
      continue;
    }
    deleteKmsKey(tx, ctx, key);
  }
  return next;
}

function deleteKmsKey(tx: Transaction, ctx: EngineContext, key: KmsKeyRecord): void {
  tx.delete(kmsKeys.key(key.keyId));
  removeKeyRecords(tx, key.keyId);
  for (const [storeKey, alias] of tx.list<AliasRecord>(kmsKeys.aliasPrefix)) if (alias.keyId === key.keyId) tx.delete(storeKey);
  // The store's cluster now: a recovery may have moved the store to a related cluster (§6.5).
  const clusterId = materialClusterId(tx, key);
  if (key.origin !== 'AWS_CLOUDHSM' || clusterId === undefined || key.keyReference === undefined) return;
  const cluster = tx.get<ClusterRecord>(storeKeys.cluster(clusterId));
  const live = cluster !== undefined && cluster.state !== 'DELETED';
  // Material a user already deleted (or a restore took away) leaves nothing to do.
  if (live && !materialIn(tx, clusterId, key)) return;
  const store = tx.get<KeyStoreRecord>(keyStoreKeys.store(key.customKeyStoreId!));
  const reason = !live
    ? `cluster ${clusterId} no longer exists`
    : store?.state !== 'CONNECTED'
      ? `custom key store ${key.customKeyStoreId!} was ${store?.state ?? 'deleted'}`
      : activeHsms(cluster).length === 0
        ? `cluster ${clusterId} had no ACTIVE HSM`
        : undefined;
  if (reason === undefined) {
    tx.delete(hsmKeys.key(cluster!.clusterId, key.keyReference));
    recordEvents(tx, ctx, cluster!, undefined, [{ on: 'all', event: { opcode: 'CN_TOMBSTONE_OBJECT', keys: { secret: key.keyReference, public: 0 } } }]);
    return;
  }
  tx.put(kmsKeys.orphan(key.keyId), {
    keyId: key.keyId,
    arn: key.arn,
    customKeyStoreId: key.customKeyStoreId!,
    clusterId,
    keyHandle: key.keyReference,
    deletedAt: key.deletionDate!,
    reason,
  } satisfies OrphanRecord);
}
