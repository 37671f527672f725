/**
 * The backup operations of the CloudHSMv2 API (cluster.md §2, §8): DescribeBackups, DeleteBackup,
 * RestoreBackup (a PENDING_DELETION backup back to READY), ModifyBackupAttributes
 * (NeverExpires) and CopyBackupToRegion. Users cannot request a backup (lifecycle.ts makes them). Wrong states are
 * CloudHsmInvalidRequestException, unknown or DELETED backups CloudHsmResourceNotFoundException;
 * a refused request changes nothing.
 *
 * DescribeBackups reads: when housekeeping is due, the engine runs it first (engine.ts), so the
 * list shows the backups and states due at the current cluster time.
 */
import { awsError } from '../errors.js';
import { defineOperation, type ClusterInput } from '../engine.js';
import { presentBackup, type BackupDescription, type BackupState } from '../cluster/shapes.js';
import type { Transaction } from '../store/index.js';
import { REGIONS } from '../cluster/model.js';
import { base32Id } from '../ids.js';
import { checkTags, type Tag } from '../tags/model.js';
import { openBackup, sealBackup } from './encryption.js';
import { scheduleHousekeeping } from './lifecycle.js';
import { PENDING_DELETION_MS, backupKeys, backupStateAt, findBackup, listBackups, partitionOf, type BackupRecord } from './model.js';

const BACKUP_STATES: readonly BackupState[] = ['CREATE_IN_PROGRESS', 'READY', 'PENDING_DELETION', 'DELETED'];

const invalid = (operation: string, message: string, code: 'INVALID_REQUEST' | 'INVALID_STATE' = 'INVALID_STATE') =>
  awsError(code, 'CloudHsmInvalidRequestException', operation, message);

/** Writes a changed backup and lets the next housekeeping see it (its retention or window may now apply). */
function saveBackup(tx: Transaction, next: BackupRecord, now: number): BackupDescription {
  tx.put(backupKeys.backup(next.backupId), next);
  scheduleHousekeeping(tx, next.deleteAt ?? now);
  return presentBackup(next, now);
}

export interface DescribeBackupsInput extends ClusterInput {
  backupIds?: string[];
  /** Copies of these backups. */
  sourceBackupIds?: string[];
  states?: string[];
  neverExpires?: boolean;
  sortAscending?: boolean;
}

export const describeBackups = defineOperation({
  name: 'DescribeBackups',
  account: 'local',
  cluster: 'none',
  access: 'none',
  write: false,
  run: ({ tx, ctx }, input: DescribeBackupsInput): { Backups: BackupDescription[] } => {
    const op = 'DescribeBackups';
    for (const s of input.states ?? []) {
      if (!BACKUP_STATES.includes(s as BackupState)) throw invalid(op, `states filter: "${s}" is not a backup state; use ${BACKUP_STATES.join(', ')}`, 'INVALID_REQUEST');
    }
    const now = ctx.now();
    const ids = input.backupIds?.map((id) => findBackup(tx, op, id, now, true).backupId);
    let backups = listBackups(tx)
      .filter((b) => !input.clusterId || b.clusterId === input.clusterId)
      .filter((b) => !ids || ids.includes(b.backupId))
      .filter((b) => !input.sourceBackupIds || (b.copiedFrom !== undefined && input.sourceBackupIds.includes(b.copiedFrom.backupId)))
      .filter((b) => input.neverExpires === undefined || b.neverExpires === input.neverExpires)
      .map((b) => presentBackup(b, now))
      .filter((b) => !input.states?.length || input.states.includes(b.BackupState));
    backups = backups.sort((a, b) => (input.sortAscending ? a.CreateTimestamp - b.CreateTimestamp : b.CreateTimestamp - a.CreateTimestamp));
    return { Backups: backups };
  },
});

export interface BackupInput extends ClusterInput {
  backupId: string;
}

export const describeBackup = defineOperation({
  name: 'DescribeBackups',
  cluster: 'none',
  access: 'none',
  write: false,
  run: ({ tx, ctx }, input: BackupInput): BackupDescription => presentBackup(findBackup(tx, 'DescribeBackups', input.backupId, ctx.now(), true), ctx.now()),
});

/** DeleteBackup: READY → PENDING_DELETION, DELETED 7 days later unless restored. */
export const deleteBackup = defineOperation({
  name: 'DeleteBackup',
  account: 'local',
  cluster: 'none',
  access: 'none',
  write: true,
  run: ({ tx, ctx }, input: BackupInput): BackupDescription => {
    const op = 'DeleteBackup';
    const now = ctx.now();
    const backup = findBackup(tx, op, input.backupId, now);
    if (backup.state !== 'READY') {
      const more = backup.state === 'PENDING_DELETION' ? `; it is deleted for good at ${new Date(backup.deleteAt!).toISOString()}, or \`backup restore\` brings it back` : '';
      throw invalid(op, `Backup ${backup.backupId} is ${backup.state}: only a READY backup can be deleted${more}`);
    }
    return saveBackup(tx, { ...backup, state: 'PENDING_DELETION', deleteAt: now + PENDING_DELETION_MS }, now);
  },
});

/**
 * RestoreBackup: a PENDING_DELETION backup back to READY. [emulator rule] the backup's file is
 * opened first, so a backup that could never be restored into a cluster (damaged, or made by
 * another installation) is refused instead of being shown READY.
 */
export const restoreBackup = defineOperation({
  name: 'RestoreBackup',
  cluster: 'none',
  access: 'none',
  write: true,
  run: ({ tx, ctx }, input: BackupInput): BackupDescription => {
    const op = 'RestoreBackup';
    const now = ctx.now();
    const backup = findBackup(tx, op, input.backupId, now);
    if (backupStateAt(backup, now) !== 'PENDING_DELETION') {
      throw invalid(op, `Backup ${backup.backupId} is ${backup.state}: only a backup PENDING_DELETION can be restored (within 7 days of its deletion)`);
    }
    openBackup(tx, op, backup.backupId, ctx.store.readBackupFile(backup.backupId));
    // A restored backup past its retention is purged again unless the policy changed (cluster.md §8.3 tip).
    return saveBackup(tx, { ...backup, state: 'READY', deleteAt: undefined }, now);
  },
});

export interface ModifyBackupInput extends BackupInput {
  neverExpires: boolean;
}

/** ModifyBackupAttributes: NeverExpires exempts a backup from retention; false subjects it again. */
export const modifyBackupAttributes = defineOperation({
  name: 'ModifyBackupAttributes',
  cluster: 'none',
  access: 'none',
  write: true,
  run: ({ tx, ctx }, input: ModifyBackupInput): BackupDescription => {
    const op = 'ModifyBackupAttributes';
    if (typeof input.neverExpires !== 'boolean') throw invalid(op, 'NeverExpires must be true or false', 'INVALID_REQUEST');
    const now = ctx.now();
    const backup = findBackup(tx, op, input.backupId, now);
    return saveBackup(tx, { ...backup, neverExpires: input.neverExpires }, now);
  },
});

export interface CopyBackupInput extends BackupInput {
  destinationRegion: string;
  /** CopyBackupToRegion's TagList for the copy. */
  tags?: Tag[];
}

/** The API's response: the copy itself is found with DescribeBackups' sourceBackupIds filter. */
export interface CopyBackupResult {
  DestinationBackup: { CreateTimestamp: number; SourceBackup: string; SourceCluster: string; SourceRegion: string };
}

/**
 * CopyBackupToRegion (cluster.md §8.4): a READY backup into another region of the same partition.
 * The copy completes at once: READY, no retention (it stays until deleted), its own tags, and
 * SourceBackup, SourceCluster, SourceRegion and CopyTimestamp; ClusterId names the source
 * cluster. Its file is opened and sealed again under the copy's ID (a changed source is refused).
 */
export const copyBackupToRegion = defineOperation({
  name: 'CopyBackupToRegion',
  cluster: 'none',
  access: 'none',
  write: true,
  run: ({ tx, ctx }, input: CopyBackupInput): CopyBackupResult => {
    const op = 'CopyBackupToRegion';
    const now = ctx.now();
    const source = findBackup(tx, op, input.backupId, now);
    if (source.state !== 'READY') throw invalid(op, `Backup ${source.backupId} is ${source.state}: only a READY backup can be copied`);
    const region = input.destinationRegion;
    if (!REGIONS[region]) throw invalid(op, `DestinationRegion "${region}" is not a region the emulator models; choose one of ${Object.keys(REGIONS).join(', ')}`, 'INVALID_REQUEST');
    if (region === source.region) throw invalid(op, `Backup ${source.backupId} is already in ${region}; choose another DestinationRegion`, 'INVALID_REQUEST');
    if (partitionOf(region) !== partitionOf(source.region)) {
      throw invalid(op, `cannot copy from ${source.region} (partition ${partitionOf(source.region)}) to ${region} (partition ${partitionOf(region)}): backups are copied only within a partition`, 'INVALID_REQUEST');
    }
    const tags = input.tags === undefined ? undefined : checkTags(op, input.tags);
    const parts = openBackup(tx, op, source.backupId, ctx.store.readBackupFile(source.backupId));
    const backupId = base32Id('backup', ctx.random);
    ctx.store.writeBackupFile(backupId, sealBackup(tx, { backupId, clusterId: source.clusterId, createdAt: now }, parts));
    const copy: BackupRecord = {
      backupId,
      clusterId: source.clusterId,
      region,
      hsmType: source.hsmType,
      mode: source.mode,
      state: 'READY',
      createdAt: now,
      neverExpires: false,
      tags,
      copiedFrom: { backupId: source.backupId, clusterId: source.clusterId, region: source.region, copiedAt: now },
    };
    tx.put(backupKeys.backup(backupId), copy);
    return { DestinationBackup: { CreateTimestamp: presentBackup(copy, now).CreateTimestamp, SourceBackup: source.backupId, SourceCluster: source.clusterId, SourceRegion: source.region } };
  },
});
