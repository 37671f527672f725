/**
 * When backups are made and how they age (cluster.md §8.1-8.3).
 *
 * Made on activation, on adding an HSM to and removing one from an ACTIVE cluster, and every
 * 24 hours of cluster time. There is no daemon: [emulator rule] when an operation finds
 * housekeeping due, the engine runs it first in a transaction of its own, catching up with
 * cluster time: a
 * backup for each 24-hour mark passed since a cluster's last one (dated at that mark; no
 * command ran in between, so the contents are the same), retention purges (READY → PENDING_DELETION,
 * DeleteTimestamp now + 7 days, as cluster.md §8.2 says, so a purge never skips the window) and the end of
 * deletion windows (→ DELETED, file removed), and the removal of backup files that have no record. A cluster's newest backup is never purged, nor a
 * backup marked NeverExpires.
 *
 * Cost: one record (`schedule/backups`) says when housekeeping next has work; until then it is
 * one lookup. Work that walks the backups happens only when something is due.
 */
import type { EngineContext } from '../context.js';
import { activeHsms, listClusters, type ClusterRecord, type HsmRecord } from '../cluster/model.js';
import { recordOn } from '../audit/record.js';
import { base32Id } from '../ids.js';
import { keyStoreKeys } from '../keys/filters.js';
import { quorumKeys } from '../quorum/model.js';
import type { StoredValue, Transaction } from '../store/index.js';
import { DAY_MS } from '../time/clock.js';
import { storeKeys } from '../cluster/model.js';
import { sealBackup, type BackupParts } from './encryption.js';
import {
  BACKUP_INTERVAL_MS,
  PENDING_DELETION_MS,
  backupKeys,
  listBackups,
  type BackupRecord,
  type BackupSchedule,
  type ClusterBackupInfo,
} from './model.js';

/** What a backup holds (cluster.md §8.1): users, token keys, policies and the cluster certificate. */
export interface BackupPayload {
  cluster: Pick<ClusterRecord, 'clusterId' | 'hsmType' | 'mode' | 'clusterCertificatePem' | 'trustAnchorPem' | 'partitionKeyPkcs8' | 'nextUserId'>;
  /** Store objects of the cluster, their key with the cluster ID replaced by `{cluster}`. */
  objects: Array<[string, StoredValue]>;
  /**
   * From format 3: how many token keys the attachment holds. The keys are not in `objects` but in
   * the attachment, the JSON text of their [key, value] array (keys relative as above), which a
   * restore hands to the store as it is (Transaction.loadCollection).
   */
  keyCount?: number;
}

/** The prefix relative keys of a backup's objects start with, for a collection. */
export const RELATIVE_KEY_PREFIX = 'key/{cluster}/';

function partsOf(tx: Transaction, cluster: ClusterRecord): BackupParts {
  const id = cluster.clusterId;
  const objects: Array<[string, StoredValue]> = [];
  const relative = (key: string) => key.replace(`/${id}/`, '/{cluster}/');
  for (const [key, value] of tx.list(storeKeys.userPrefix(id))) objects.push([relative(key), value]);
  const keys = tx.list(keyStoreKeys.prefix(id)).map(([key, value]): [string, StoredValue] => [relative(key), value]);
  const counter = tx.get(keyStoreKeys.counter(id));
  if (counter !== undefined) objects.push([relative(keyStoreKeys.counter(id)), counter]);
  // The quorum values and token timeouts are HSM settings; tokens are not kept (users-and-auth.md §8.3).
  const quorumSettings = tx.get(quorumKeys.settings(id));
  if (quorumSettings !== undefined) objects.push([relative(quorumKeys.settings(id)), quorumSettings]);
  const { clusterId, hsmType, mode, clusterCertificatePem, trustAnchorPem, partitionKeyPkcs8, nextUserId } = cluster;
  const payload: BackupPayload = { cluster: { clusterId, hsmType, mode, clusterCertificatePem, trustAnchorPem, partitionKeyPkcs8, nextUserId }, objects, keyCount: keys.length };
  return { payload, attachment: Buffer.from(JSON.stringify(keys), 'utf8') };
}

/** A backup's whole payload, its keys (from the attachment of format 3) among its objects. */
export function payloadOf(parts: BackupParts): BackupPayload {
  const payload = parts.payload as BackupPayload;
  if (payload.keyCount === undefined) return payload;
  const keys = JSON.parse((parts.attachment ?? Buffer.from('[]')).toString('utf8')) as Array<[string, StoredValue]>;
  return { ...payload, objects: [...payload.objects, ...keys], keyCount: undefined };
}

/**
 * Makes a backup of `cluster` as it is in `tx`, dated `atMs` (cluster time, default now), from
 * the HSM `from` (default its first ACTIVE one), whose audit log shows it then (audit-log.md §4.8).
 */
export function takeBackup(tx: Transaction, ctx: EngineContext, cluster: ClusterRecord, options: { atMs?: number; from?: HsmRecord } = {}): BackupRecord {
  const atMs = options.atMs ?? ctx.now();
  const from = options.from ?? activeHsms(cluster)[0];
  if (from) recordOn(tx, { ...ctx, now: () => atMs }, cluster, from, [{ opcode: 'CN_BACKUP_BEGIN' }, { opcode: 'CN_BACKUP_END' }]);
  const backupId = base32Id('backup', ctx.random);
  const file = sealBackup(tx, { backupId, clusterId: cluster.clusterId, createdAt: atMs }, partsOf(tx, cluster));
  ctx.store.writeBackupFile(backupId, file);
  const backup: BackupRecord = {
    backupId,
    clusterId: cluster.clusterId,
    region: cluster.region,
    hsmType: cluster.hsmType,
    mode: cluster.mode,
    state: 'READY',
    createdAt: atMs,
    neverExpires: false,
  };
  tx.put(backupKeys.backup(backupId), backup);
  tx.put(backupKeys.clusterInfo(cluster.clusterId), { lastBackupAt: atMs } satisfies ClusterBackupInfo);
  // The previous newest backup may now be purgeable: let the next housekeeping look.
  scheduleHousekeeping(tx, atMs);
  return backup;
}

/** Asks for housekeeping no later than `atMs` (after a change to backups or retention). */
export function scheduleHousekeeping(tx: Transaction, atMs: number): void {
  const current = tx.get<BackupSchedule>(backupKeys.schedule);
  if (!current || current.dueAt > atMs) tx.put(backupKeys.schedule, { dueAt: atMs } satisfies BackupSchedule);
}

/** Whether a cluster gets daily backups: ACTIVE (or DEGRADED) with an HSM. */
function backsUp(cluster: ClusterRecord): boolean {
  return (cluster.state === 'ACTIVE' || cluster.state === 'DEGRADED') && activeHsms(cluster).length > 0;
}

/**
 * How far back a catch-up makes daily backups: a backup older than the retention period and the
 * 7-day deletion window after it would already be DELETED had the service run all along, so it
 * is not made at all (after a year without a command, a 90-day cluster gets 97 backups, not 365).
 */
function catchUpWindowMs(cluster: ClusterRecord): number {
  return cluster.backupRetentionDays * DAY_MS + PENDING_DELETION_MS;
}

/** Catches up with cluster time (see the module comment). Runs inside the caller's transaction. */
export function housekeeping(tx: Transaction, ctx: EngineContext): void {
  const schedule = tx.get<BackupSchedule>(backupKeys.schedule);
  const now = ctx.now();
  if (!schedule || schedule.dueAt > now) return;
  let dueAt = Number.MAX_SAFE_INTEGER;
  const clusters = listClusters(tx);
  for (const cluster of clusters) {
    // A failed HSM's replacement is due work too (cluster/failure.ts runs it before this).
    for (const hsm of cluster.hsms) if (hsm.failure) dueAt = Math.min(dueAt, hsm.failure.replaceAt);
    if (!backsUp(cluster)) continue;
    let last = tx.get<ClusterBackupInfo>(backupKeys.clusterInfo(cluster.clusterId))?.lastBackupAt ?? cluster.activatedAt ?? now;
    const windowStart = now - catchUpWindowMs(cluster);
    // Skip whole days, so that the backups made stay on the cluster's daily marks.
    if (last + BACKUP_INTERVAL_MS < windowStart) last += Math.floor((windowStart - last) / BACKUP_INTERVAL_MS) * BACKUP_INTERVAL_MS;
    while (last + BACKUP_INTERVAL_MS <= now) {
      last += BACKUP_INTERVAL_MS;
      takeBackup(tx, ctx, cluster, { atMs: last });
    }
    dueAt = Math.min(dueAt, last + BACKUP_INTERVAL_MS);
  }
  const retention = new Map(clusters.map((c) => [c.clusterId, c.backupRetentionDays * DAY_MS]));
  const backups = listBackups(tx);
  const newest = new Map<string, BackupRecord>();
  for (const b of backups) {
    // Copies in other regions belong to no cluster's retention (cluster.md §8.3).
    if (b.state === 'DELETED' || b.copiedFrom) continue;
    const n = newest.get(b.clusterId);
    if (!n || b.createdAt > n.createdAt) newest.set(b.clusterId, b);
  }
  for (let b of backups) {
    const keepMs = b.copiedFrom ? undefined : retention.get(b.clusterId);
    if (b.state === 'READY' && !b.neverExpires && newest.get(b.clusterId) !== b && keepMs !== undefined) {
      const expiresAt = b.createdAt + keepMs;
      if (expiresAt > now) {
        dueAt = Math.min(dueAt, expiresAt);
        continue;
      }
      b = { ...b, state: 'PENDING_DELETION', deleteAt: now + PENDING_DELETION_MS };
      tx.put(backupKeys.backup(b.backupId), b);
    }
    if (b.state === 'PENDING_DELETION' && b.deleteAt !== undefined) {
      if (b.deleteAt > now) {
        dueAt = Math.min(dueAt, b.deleteAt);
        continue;
      }
      tx.put(backupKeys.backup(b.backupId), { ...b, state: 'DELETED', deletedAt: b.deleteAt, deleteAt: undefined });
      ctx.store.removeBackupFile(b.backupId);
    }
  }
  // A backup file is written before its record commits: one whose transaction then failed or
  // was killed has no record, and goes now (under the writer's lock, no transaction is mid-way).
  for (const id of ctx.store.listBackupFiles()) if (!tx.has(backupKeys.backup(id))) ctx.store.removeBackupFile(id);
  tx.put(backupKeys.schedule, { dueAt } satisfies BackupSchedule);
}
