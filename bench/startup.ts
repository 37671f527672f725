/**
 * Section 1, CLI startup: wall-clock time of `node bin/run.js user list --json` against an
 * ACTIVE cluster with a few users, versus `node -e 0`. Most CLI commands are short one-shot
 * processes, so what operators feel is startup: module loading, command lookup, opening the
 * state. The baseline removes the cost of starting Node itself, which we do not control. Runs are
 * interleaved (baseline, command, baseline, command, ...) after warm-up runs. Target: at most 2
 * times the baseline.
 *
 * Shell line: the same `user list --json` typed into one running `shell` (bench/shell.ts),
 * against the command as a fresh process, interleaved. Target: no slower.
 */
import path from 'node:path';
import { quickstart } from '../src/core/cluster/quickstart.js';
import { systemRandom } from '../src/core/context.js';
import { perform } from '../src/core/engine.js';
import { Store } from '../src/core/store/index.js';
import { createUser } from '../src/core/users/operations.js';
import { measureShellLatency } from './shell.js';
import { ADMIN_PASSWORD, checkCliWorks, childEnv, compareCliWithNode, makeTempDir, median, PROJECT_ROOT, report } from './support.js';

const CLI_WARMUP = 2;
const CLI_RUNS = 25;
/** A fresh `user list --json` may cost at most twice a bare `node -e 0`. */
const CLI_TARGET = 2;
/** A shell line may cost at most what the same command costs as its own process. */
const SHELL_TARGET = 1;

/** A state folder holding an ACTIVE cluster with a few users, made through the core directly. */
async function prepareClusterState(): Promise<string> {
  const dir = makeTempDir('cli');
  const store = await Store.open({ dir, create: true });
  const ctx = { store, now: () => Date.now(), random: systemRandom };
  await quickstart(ctx, { password: ADMIN_PASSWORD });
  const admin = { credentials: { username: 'admin', password: ADMIN_PASSWORD, role: 'admin' as const } };
  for (const [username, password] of [
    ['alice', 'Alice-Pass-1'],
    ['bob', 'Bob-Pass-12'],
    ['carol', 'Carol-Pass-1'],
  ] as const) {
    await perform(ctx, createUser, { username, role: 'crypto-user', password }, admin);
  }
  return dir;
}

export async function benchCliStartup(): Promise<void> {
  const env = childEnv(await prepareClusterState());
  const command = [path.join(PROJECT_ROOT, 'bin', 'run.js'), 'user', 'list', '--json'];
  checkCliWorks(command, env);
  await compareCliWithNode({ name: 'CLI startup (user list --json)', command, env, target: CLI_TARGET, warmup: CLI_WARMUP, runs: CLI_RUNS });
}

/** A line typed into a running shell against the same command as a fresh process (target: no slower). */
export async function benchShellLatency(): Promise<void> {
  const env = childEnv(await prepareClusterState());
  env.CLOUDHSM_HISTORY_FILE = '';
  const { shellMs, cliMs } = await measureShellLatency(path.join(PROJECT_ROOT, 'bin', 'run.js'), PROJECT_ROOT, env, CLI_RUNS, CLI_WARMUP);
  report({ name: 'shell line (user list --json)', medianMs: median(shellMs), baselineName: 'the CLI process', baselineMs: median(cliMs), target: SHELL_TARGET });
}
