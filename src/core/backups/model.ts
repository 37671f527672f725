/**
 * The backup record (cluster.md §1.3, §8.2-8.3): what the store keeps about each backup. The
 * backup's contents live in its own sealed file (encryption.ts), so that listing, deleting or
 * restoring a backup, and every other operation, reads only these small records.
 *
 * States: CREATE_IN_PROGRESS (only while a backup is being made; automatic backups complete at
 * once), READY, PENDING_DELETION (with `deleteAt`, 7 days after deletion or purge, still
 * restorable) and DELETED (file removed, no longer restorable; still listed, never found by the
 * operations that change a backup, cluster.md §2.1).
 */
import { awsError } from '../errors.js';
import type { ClusterMode, HsmType } from '../cluster/model.js';
import type { BackupState } from '../cluster/shapes.js';
import type { ReadView } from '../store/index.js';
import type { Tag } from '../tags/model.js';
import { DAY_MS } from '../time/clock.js';

/** cluster.md §8.2: a backup deleted or purged stays restorable for 7 days. */
export const PENDING_DELETION_MS = 7 * DAY_MS;
/** cluster.md §8.1: at least one backup every 24 hours. */
export const BACKUP_INTERVAL_MS = DAY_MS;

export interface BackupRecord {
  backupId: string;
  clusterId: string;
  region: string;
  hsmType: HsmType;
  mode: ClusterMode;
  state: BackupState;
  createdAt: number;
  neverExpires: boolean;
  /** While PENDING_DELETION: when it becomes DELETED. */
  deleteAt?: number;
  deletedAt?: number;
  tags?: Tag[];
  /** Only on cross-region copies (cluster.md §8.4): where it was copied from, and when. */
  copiedFrom?: { backupId: string; clusterId: string; region: string; copiedAt: number };
}

/** Per cluster: when its last backup was made (the 24-hour schedule counts from it). */
export interface ClusterBackupInfo {
  lastBackupAt: number;
}

/** When housekeeping (daily backups, retention, the end of deletion windows) next has work. */
export interface BackupSchedule {
  dueAt: number;
}

export const backupKeys = {
  prefix: 'backup/',
  backup: (backupId: string) => `backup/${backupId}`,
  clusterInfo: (clusterId: string) => `backup-cluster/${clusterId}`,
  schedule: 'schedule/backups',
} as const;

/**
 * The partition of a region: [emulator rule] copies stay within one (cluster.md §8.4); the
 * GovCloud regions form their own, so GovCloud East ↔ West is allowed.
 */
export function partitionOf(region: string): string {
  return region.startsWith('us-gov-') ? 'aws-us-gov' : 'aws';
}

export const BACKUP_ID = /^backup-[2-7a-zA-Z]{11,16}$/;

/** The account the emulator plays, for ARNs. */
export const ACCOUNT_ID = '111122223333';

export function backupArn(backup: Pick<BackupRecord, 'region' | 'backupId'>): string {
  const partition = partitionOf(backup.region);
  return `arn:${partition}:cloudhsm:${backup.region}:${ACCOUNT_ID}:backup/${backup.backupId}`;
}

/**
 * The state of `backup` at cluster time `nowMs`: a PENDING_DELETION backup whose window has
 * closed is DELETED even before housekeeping has written it so.
 */
export function backupStateAt(backup: BackupRecord, nowMs: number): BackupState {
  if (backup.state === 'PENDING_DELETION' && backup.deleteAt !== undefined && backup.deleteAt <= nowMs) return 'DELETED';
  return backup.state;
}

export function listBackups(view: ReadView): BackupRecord[] {
  return view.list<BackupRecord>(backupKeys.prefix).map(([, b]) => b);
}

/**
 * The backup `backupId` names (an ID or a backup ARN, as SourceBackupId accepts). Unknown and
 * DELETED backups are CloudHsmResourceNotFoundException (cluster.md §2.1), unless `deleted` is
 * set (DescribeBackups still shows DELETED backups).
 */
export function findBackup(view: ReadView, operation: string, backupId: string | undefined, nowMs: number, deleted = false): BackupRecord {
  const id = backupId?.replace(/^arn:aws[a-z-]*:cloudhsm:[a-z0-9-]+:\d{12}:backup\//, '');
  if (!id || !BACKUP_ID.test(id)) {
    throw awsError('INVALID_REQUEST', 'CloudHsmInvalidRequestException', operation, `BackupId must be a backup ID (backup-…) or its ARN, not "${backupId ?? ''}"; \`backup list\` shows them`);
  }
  const backup = view.get<BackupRecord>(backupKeys.backup(id));
  if (!backup || (!deleted && backupStateAt(backup, nowMs) === 'DELETED')) {
    const gone = backup ? ' (it is DELETED: its 7-day deletion window has closed)' : '';
    throw awsError('BACKUP_NOT_FOUND', 'CloudHsmResourceNotFoundException', operation, `Backup ${id} not found${gone}. Run \`backup list\` to see the backups in this state folder.`);
  }
  return backup;
}
