/**
 * Section 4, key generation vs keys stored: one `generateSymmetric` (AES-256) when the cluster
 * holds 100 real keys and when it holds 10,000, all made through the engine. Each timed key is
 * deleted again (untimed), so the sizes stay put; generations alternate between the two clusters.
 *
 * Section 5, `key list --filter attr.label=X --json` through the built binary with 10,000 keys
 * stored (single-command login with CLOUDHSM_ROLE/CLOUDHSM_PIN), versus `node -e 0`, interleaved.
 * It lists from the 10,000-key cluster section 4 made, or from one filled untimed without it.
 */
import path from 'node:path';
import { perform } from '../src/core/engine.js';
import { generateSymmetric } from '../src/core/keys/generate.js';
import { deleteKey } from '../src/core/keys/operations.js';
import { byReference } from '../src/core/keys/selector.js';
import {
  checkCliWorks,
  childEnv,
  compareCliWithNode,
  compareBySize,
  CRYPTO_USER,
  CRYPTO_USER_PASSWORD,
  LARGE_STORE,
  PROJECT_ROOT,
  sessionCluster,
  SMALL_STORE,
  timeMs,
  type SessionCluster,
} from './support.js';

const GENERATE_WARMUP = 10;
const GENERATE_RUNS = 200;
const GENERATE_TARGET = 1.5;

const LIST_WARMUP = 2;
const LIST_RUNS = 15;
const LIST_TARGET = 4;

// ---------------------------------------------------------------------------------------------
// 4. Key generation vs keys stored

/** A cluster holding `count` real AES keys (labels fill-0 …), each generated through the engine. */
async function clusterWithKeys(count: number): Promise<SessionCluster> {
  const cluster = await sessionCluster(`keys-${count}`);
  for (let i = 0; i < count; i++) {
    await perform(cluster.ctx, generateSymmetric, { keyType: 'aes', label: `fill-${i}`, keyLengthBytes: 32 }, cluster.user);
  }
  const stored = await cluster.ctx.store.read((view) => view.count('key/'));
  if (stored !== count) throw new Error(`cluster filled with ${stored} keys, expected ${count}`);
  return cluster;
}

/** The 10,000-key cluster `key list` needs, filled untimed (when the generate section is not run). */
export function largeKeyCluster(): Promise<SessionCluster> {
  return clusterWithKeys(LARGE_STORE);
}

/** Times one AES-256 generation, then deletes the key again (untimed) so the size stays put. */
export async function timeGeneration(cluster: SessionCluster, i: number): Promise<number> {
  let reference = 0;
  const elapsed = await timeMs(async () => {
    const { key } = await perform(cluster.ctx, generateSymmetric, { keyType: 'aes', label: `timed-${i}`, keyLengthBytes: 32 }, cluster.user);
    reference = key.ref;
  });
  await perform(cluster.ctx, deleteKey, { filter: byReference(reference) }, cluster.user);
  return elapsed;
}

/** Reports the generation comparison and returns the 10,000-key cluster for `key list`. */
export async function benchKeyGeneration(): Promise<SessionCluster> {
  const small = await clusterWithKeys(SMALL_STORE);
  const large = await clusterWithKeys(LARGE_STORE);
  await compareBySize({ name: 'generate AES key, 10,000 vs 100', unit: 'keys', target: GENERATE_TARGET, warmup: GENERATE_WARMUP, runs: GENERATE_RUNS, small, large, time: timeGeneration });
  return large;
}

// ---------------------------------------------------------------------------------------------
// 5. key list --filter through the CLI with 10,000 keys stored

export async function benchKeyListCli(large: SessionCluster): Promise<void> {
  const env = childEnv(large.dir);
  env.CLOUDHSM_ROLE = 'crypto-user';
  env.CLOUDHSM_PIN = `${CRYPTO_USER}:${CRYPTO_USER_PASSWORD}`;
  const label = `fill-${LARGE_STORE >> 1}`;
  const command = [path.join(PROJECT_ROOT, 'bin', 'run.js'), 'key', 'list', '--filter', `attr.label=${label}`, '--json'];
  // `data` is whatever JSON the command printed: it may be missing, hence `| undefined`.
  const listed = checkCliWorks(command, env).data as { matched_keys?: Array<{ attributes?: { label?: unknown } }>; total_key_count?: unknown } | undefined;
  const found = listed?.matched_keys ?? [];
  if (found.length !== 1 || found[0]?.attributes?.label !== label || listed?.total_key_count !== 1) {
    throw new Error(`\`key list --filter attr.label=${label}\` should list exactly that one key, got:\n${JSON.stringify(listed)}`);
  }
  await compareCliWithNode({ name: 'CLI key list --filter, 10,000 keys', command, env, target: LIST_TARGET, warmup: LIST_WARMUP, runs: LIST_RUNS });
}
