/**
 * The service's side of HSM failure (cluster.md §4.1, §7): the cluster state that follows a
 * failed HSM, and its replacement. Kept apart from `hsm fail` (failure.ts) so that the engine's
 * housekeeping can run replacements that come due.
 */
import { HsmError } from '../errors.js';
import type { EngineContext } from '../context.js';
import { base32Id } from '../ids.js';
import { keyStoreKeys } from '../keys/filters.js';
import { formatReference, type KeyRecord } from '../keys/model.js';
import type { UserRecord } from '../users/rules.js';
import type { Transaction } from '../store/index.js';
import { isoTime } from '../time/clock.js';
import { openBackup } from '../backups/encryption.js';
import { backupKeys, listBackups, type BackupRecord, type BackupSchedule } from '../backups/model.js';
import { payloadOf, takeBackup, type BackupPayload } from '../backups/lifecycle.js';
import { activeHsms, hsmSerial, listClusters, storeKeys, type ClusterRecord, type HsmRecord } from './model.js';
import { recordOn } from '../audit/record.js';
import { presentHsm, type HsmDescription } from './shapes.js';

/** What a replacement did: the new HSM, where its content came from, and what was lost. */
export interface Replacement {
  FailedHsmId: string;
  Hsm: HsmDescription;
  /** "synchronised from hsm-…", or "restored from backup-… (…)", or "no backup: empty". */
  RestoredFrom: string;
  /** Token keys and users that existed before and are gone: made after the backup restored. */
  LostKeys: string[];
  LostUsers: string[];
}

/** Cluster state after an HSM change (§3.2): DEGRADED while any HSM is, else ACTIVE again. */
export function settledState(cluster: ClusterRecord): ClusterRecord {
  if (cluster.state !== 'ACTIVE' && cluster.state !== 'DEGRADED') return cluster;
  const degraded = cluster.hsms.find((h) => h.state === 'DEGRADED');
  if (degraded) {
    return { ...cluster, state: 'DEGRADED', stateMessage: `HSM ${degraded.hsmId} in ${degraded.availabilityZone} is unhealthy and is being replaced.` };
  }
  return { ...cluster, state: 'ACTIVE', stateMessage: undefined };
}

/** Replaces every failed HSM whose time has come (housekeeping; cheap when none failed). */
export function replaceDueHsms(tx: Transaction, ctx: EngineContext): void {
  const now = ctx.now();
  const schedule = tx.get<BackupSchedule>(backupKeys.schedule);
  if (!schedule || schedule.dueAt > now) return;
  for (const cluster of listClusters(tx)) {
    let current = cluster;
    for (const hsm of cluster.hsms) {
      if (hsm.failure && hsm.failure.replaceAt <= now) {
        replaceHsm(tx, ctx, current, hsm);
        current = tx.get<ClusterRecord>(storeKeys.cluster(cluster.clusterId))!;
      }
    }
  }
}

/**
 * cluster.md §4.3: what an HSM added to an activated cluster starts with. A copy of an ACTIVE HSM
 * when there is one (nothing changes); with none, the cluster's newest backup, which puts back the
 * users and token keys as they were then. Returns where it came from and what was lost.
 */
export function contentForNewHsm(tx: Transaction, ctx: EngineContext, cluster: ClusterRecord): { restoredFrom: string; lost: { keys: string[]; users: string[] } } {
  const source = activeHsms(cluster)[0];
  if (source) return { restoredFrom: `synchronised from ${source.hsmId}`, lost: { keys: [], users: [] } };
  const found = newestUsableBackup(tx, ctx, cluster.clusterId);
  return {
    lost: restoreContent(tx, cluster, found?.payload),
    restoredFrom: found ? `restored from ${found.backup.backupId} (made ${isoTime(found.backup.createdAt)})` : 'no READY backup of this cluster could be opened: the new HSM starts empty',
  };
}

/** The service's replacement of `failed` (see the module comment). */
export function replaceHsm(tx: Transaction, ctx: EngineContext, cluster: ClusterRecord, failed: HsmRecord): Replacement {
  const { restoredFrom, lost } = contentForNewHsm(tx, ctx, cluster);
  const replacement: HsmRecord = {
    hsmId: base32Id('hsm', ctx.random),
    availabilityZone: failed.availabilityZone,
    subnetId: failed.subnetId,
    eniId: failed.eniId,
    eniIp: failed.eniIp,
    state: 'ACTIVE',
    stateMessage: 'HSM created.',
    serialNumber: hsmSerial(ctx.random),
    createdAt: ctx.now(),
  };
  const next = settledState({ ...cluster, hsms: cluster.hsms.map((h) => (h.hsmId === failed.hsmId ? replacement : h)), hsmsCreated: cluster.hsmsCreated + 1 });
  tx.put(storeKeys.cluster(cluster.clusterId), next);
  // audit-log.md §4.2, §5: a new HSM ID is a new stream, which starts with the restore.
  recordOn(tx, ctx, next, replacement, [{ opcode: 'CN_RESTORE_BEGIN' }, { opcode: 'CN_RESTORE_END' }]);
  // cluster.md §8.1: adding an HSM makes a backup, and the replacement is an added HSM; it is
  // taken of an HSM that was there, when one is.
  takeBackup(tx, ctx, next, { from: activeHsms(cluster)[0] });
  return { FailedHsmId: failed.hsmId, Hsm: presentHsm(next, replacement), RestoredFrom: restoredFrom, LostKeys: lost.keys, LostUsers: lost.users };
}

/**
 * The cluster's newest READY backup that opens, with its payload. A damaged one is passed over
 * for the one before it: replacement runs in housekeeping, which must never fail every write.
 */
function newestUsableBackup(tx: Transaction, ctx: EngineContext, clusterId: string): { backup: BackupRecord; payload: BackupPayload } | undefined {
  const now = ctx.now();
  const candidates = listBackups(tx)
    .filter((b) => b.clusterId === clusterId && !b.copiedFrom && b.state === 'READY' && b.createdAt <= now)
    .sort((a, b) => b.createdAt - a.createdAt);
  for (const backup of candidates) {
    try {
      return { backup, payload: payloadOf(openBackup(tx, 'CreateHsm', backup.backupId, ctx.store.readBackupFile(backup.backupId))) };
    } catch (err) {
      if (!(err instanceof HsmError)) throw err;
    }
  }
  return undefined;
}

/**
 * Puts the cluster's users and token keys back as a backup holds them (none without one), and
 * returns the token keys and users that existed and are gone. Key references stay unique: the
 * counter never goes back. Every session ends: the HSM they were on is gone.
 */
function restoreContent(tx: Transaction, cluster: ClusterRecord, payload: BackupPayload | undefined): { keys: string[]; users: string[] } {
  const id = cluster.clusterId;
  const restored = new Map((payload?.objects ?? []).map(([key, value]) => [key.replace('/{cluster}/', `/${id}/`), value]));
  const keysBefore = tx.list<KeyRecord>(keyStoreKeys.prefix(id));
  const usersBefore = tx.list<UserRecord>(storeKeys.userPrefix(id));
  const counterKey = keyStoreKeys.counter(id);
  const counter = tx.get<number>(counterKey);
  const current = new Map<string, unknown>([...keysBefore, ...usersBefore]);
  for (const [key] of [...current, ...tx.list(storeKeys.sessionPrefix(id))]) if (!restored.has(key)) tx.delete(key);
  // Only what differs is written: a cluster whose newest backup is current changes nothing.
  for (const [key, value] of restored) if (key !== counterKey && JSON.stringify(current.get(key)) !== JSON.stringify(value)) tx.adopt(key, value);
  if (counter !== undefined) tx.put(counterKey, counter);
  return {
    keys: keysBefore.filter(([key]) => !restored.has(key)).map(([, k]) => formatReference(k.ref)),
    users: usersBefore.filter(([key]) => !restored.has(key)).map(([, u]) => u.username),
  };
}

/** The message `hsm fail` and the API give for a replacement. */
export function describeReplacement(r: Replacement): string {
  const lost = r.LostKeys.length + r.LostUsers.length === 0
    ? 'nothing was lost'
    : `lost since that backup: ${r.LostKeys.length} token key(s)${r.LostKeys.length ? ` (${r.LostKeys.join(', ')})` : ''} and ${r.LostUsers.length} user(s)${r.LostUsers.length ? ` (${r.LostUsers.join(', ')})` : ''}`;
  return `${r.FailedHsmId} was replaced by ${r.Hsm.HsmId} in ${r.Hsm.AvailabilityZone} at ${r.Hsm.EniIp}, ${r.RestoredFrom}; ${lost}`;
}

/** For the in-flight check: the HSM an operation was routed to is still ACTIVE. */
export function requireStillActive(cluster: ClusterRecord, hsmId: string): void {
  const hsm = cluster.hsms.find((h) => h.hsmId === hsmId);
  if (!hsm || hsm.state !== 'ACTIVE') {
    throw new HsmError('HSM_FAILED', `HSM ${hsmId} failed while the operation was in flight on it, and nothing was done; run the command again: it goes to an ACTIVE HSM`);
  }
}
