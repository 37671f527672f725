/**
 * Section 7, backups (cluster.md §8): on a cluster holding 10,000 keys, the time to take a backup
 * (the core's takeBackup in a transaction: gather the users and keys, seal them as §8.6 says,
 * write the file, commit the record) and to restore one (CreateCluster from it, then the first
 * HSM, which brings the 10,000 keys back, on a fresh copy of the state folder each time), each
 * against the time to open that state folder (one read of the whole state, what every CLI
 * process pays), interleaved.
 *
 * And whether a command's cost grows with the backups kept: a key generation, and a fresh
 * process's open plus `cluster describe`, on a cluster with 500 backups against one with 1.
 */
import { perform } from '../src/core/engine.js';
import fs from 'node:fs';
import path from 'node:path';
import { createCluster, createHsm, describeCluster, readCluster } from '../src/core/cluster/operations.js';
import { takeBackup } from '../src/core/backups/lifecycle.js';
import { systemRandom } from '../src/core/context.js';
import { Store } from '../src/core/store/index.js';
import { compareInterleaved, LARGE_STORE, makeTempDir, sessionCluster, timeMs, type SessionCluster } from './support.js';
import { timeGeneration } from './keys.js';
import { readWholeState } from './store.js';

const BACKUP_RUNS = 9;
const BACKUP_TARGET = 2;
const RESTORE_RUNS = 7;
const RESTORE_TARGET = 3;
const KEPT_BACKUPS = 500;
const COMMAND_WARMUP = 10;
const COMMAND_RUNS = 150;
const KEPT_TARGET = 1.5;

/** One read of the whole state, as a new process does. */
function timeOpen(dir: string): Promise<number> {
  return timeMs(() => readWholeState(dir));
}

/** The core's backup of the cluster, in a transaction of its own. */
async function timeBackup(cluster: SessionCluster): Promise<{ ms: number; backupId: string }> {
  let backupId = '';
  const record = await perform(cluster.ctx, readCluster, {});
  const ms = await timeMs(() =>
    cluster.ctx.store.transact((tx) => {
      backupId = takeBackup(tx, cluster.ctx, record).backupId;
    }),
  );
  return { ms, backupId };
}

/**
 * A copy of the state folder `dir` with, of its backup files, only `backupId`'s: each restore runs
 * on the state as it was, not on one that earlier restores made larger.
 */
function copyState(dir: string, backupId: string): string {
  const copy = makeTempDir('restore');
  const backups = path.join(dir, 'backups');
  fs.cpSync(dir, copy, { recursive: true, filter: (source) => path.dirname(source) !== backups || path.basename(source) === backupId });
  return copy;
}

/** A restore on a fresh copy of the state in `dir`: CreateCluster from the backup and its first HSM (which brings the keys back). */
async function timeRestore(cluster: SessionCluster, dir: string, backupId: string): Promise<{ ms: number; keys: number }> {
  // Opened (untimed) as a fresh CLI process opens it: collections are parsed when first read.
  const store = await Store.open({ dir: copyState(dir, backupId) });
  const ctx = { ...cluster.ctx, store };
  let clusterId = '';
  const ms = await timeMs(async () => {
    clusterId = (await perform(ctx, createCluster, { sourceBackupId: backupId })).ClusterId;
    await perform(ctx, createHsm, { clusterId, availabilityZone: 'us-east-1a' });
  });
  return { ms, keys: await store.read((view) => view.count(`key/${clusterId}/`)) };
}

export async function benchBackups(large: SessionCluster): Promise<void> {
  let backupId = '';
  await compareInterleaved({
    name: 'backup, 10,000 keys',
    baselineName: 'open state',
    target: BACKUP_TARGET,
    warmup: 1,
    runs: BACKUP_RUNS,
    baseline: () => timeOpen(large.dir),
    measured: async () => {
      const taken = await timeBackup(large);
      backupId = taken.backupId;
      return taken.ms;
    },
  });
  // Twice: on the state as the 10,000 generations left it (its log holds the last of them, so
  // the restore, which doubles the state, makes the store compact and merge them), and on the
  // same state just compacted (the restore then writes its keys and nothing more).
  const asLeft = copyState(large.dir, backupId);
  await large.ctx.store.compactNow();
  for (const [name, dir] of [['restore, 10,000 keys (log as left)', asLeft], ['restore, 10,000 keys (compacted)', large.dir]] as const) {
    await compareInterleaved({
      name,
      baselineName: 'open state',
      target: RESTORE_TARGET,
      warmup: 1,
      runs: RESTORE_RUNS,
      baseline: () => timeOpen(dir),
      measured: async () => {
        const restored = await timeRestore(large, dir, backupId);
        if (restored.keys !== LARGE_STORE) throw new Error(`the restore brought back ${restored.keys} keys, not ${LARGE_STORE}`);
        return restored.ms;
      },
    });
  }
  await benchKeptBackups();
}

/** A cluster with `count` backups kept: activation made one, the core's takeBackup the rest. */
async function clusterWithBackups(count: number): Promise<SessionCluster> {
  const cluster = await sessionCluster(`backups-${count}`);
  const record = await perform(cluster.ctx, readCluster, {});
  await cluster.ctx.store.transact((tx) => {
    for (let i = 1; i < count; i++) takeBackup(tx, { ...cluster.ctx, random: systemRandom }, record);
  });
  const kept = await cluster.ctx.store.read((view) => view.count('backup/'));
  if (kept !== count) throw new Error(`made ${kept} backups, expected ${count}`);
  return cluster;
}

async function benchKeptBackups(): Promise<void> {
  const one = await clusterWithBackups(1);
  const many = await clusterWithBackups(KEPT_BACKUPS);
  const generation = (c: SessionCluster) => (i: number) => timeGeneration(c, i);
  await compareInterleaved({ name: 'generate AES key, 500 vs 1 backups', baselineName: '(1 backup)', target: KEPT_TARGET, warmup: COMMAND_WARMUP, runs: COMMAND_RUNS, baseline: generation(one), measured: generation(many) });
  const describe = (c: SessionCluster) => () =>
    timeMs(async () => {
      const store = await Store.open({ dir: c.dir });
      await perform({ ...c.ctx, store }, describeCluster, {});
    });
  await compareInterleaved({ name: 'open + describe, 500 vs 1 backups', baselineName: '(1 backup)', target: KEPT_TARGET, warmup: COMMAND_WARMUP, runs: COMMAND_RUNS, baseline: describe(one), measured: describe(many) });
}
