/**
 * Performance benchmarks for cloudhsm-local (`npm run bench`).
 *
 * Machines running this are shared and noisy, so every figure is a MEDIAN, is paired with a
 * BASELINE measured in the same run (interleaved with it where possible, so both see the same
 * background load), and is judged as a ratio against that baseline. A missed target is printed
 * as `MISSED` but never fails the run; only a crash exits non-zero.
 *
 * 1. CLI startup: wall-clock time of `node bin/run.js user list --json` against an ACTIVE
 *    cluster with a few users, versus `node -e 0`. Most CLI commands are short one-shot
 *    processes, so what operators feel is startup: module loading, command lookup, opening the
 *    state. The baseline removes the cost of starting Node itself, which we do not control.
 *    Runs are interleaved (baseline, command, baseline, command, ...) after warm-up runs.
 *
 * 2. Commit cost vs objects stored: the time of one single-object `store.transact` when the
 *    store holds 100 objects and when it holds 10,000 (about 600 bytes of JSON each, like a key
 *    record). The store promises that a change costs the same whatever it holds (it appends one
 *    record to a log); this checks it. The 100-object store is the baseline, and the commits
 *    alternate between the two stores so that disk and CPU noise hits both alike.
 *
 * Informational (no target): how long `Store.open` takes on the 10,000-object folder, i.e. one
 * read of the whole state, which every CLI process pays and which later features that list
 * 10,000 keys will depend on. The 100-object figure is shown next to it for scale.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { quickstart } from '../src/core/cluster/quickstart.js';
import { systemRandom } from '../src/core/context.js';
import { perform } from '../src/core/engine.js';
import { Store } from '../src/core/store/index.js';
import { createUser } from '../src/core/users/operations.js';

/** dist/bench/run.js → the project root, which holds bin/run.js. */
const PROJECT_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

const CLI_WARMUP = 2;
const CLI_RUNS = 25;
const CLI_TARGET = 2.5;

const SMALL_STORE = 100;
const LARGE_STORE = 10_000;
const FILL_BATCH = 1_000;
const COMMIT_WARMUP = 20;
const COMMIT_RUNS = 300;
const COMMIT_TARGET = 1.5;
const OPEN_RUNS = 10;

const ADMIN_PASSWORD = 'Admin-Pass-1';

// ---------------------------------------------------------------------------------------------
// Measurement helpers

function median(values: number[]): number {
  if (values.length === 0) throw new Error('median of no values');
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Milliseconds taken by `fn` (awaited). */
async function timeMs(fn: () => unknown): Promise<number> {
  const start = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - start) / 1e6;
}

const tempDirs: string[] = [];

function makeTempDir(label: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `cloudhsm-bench-${label}-`));
  tempDirs.push(dir);
  return dir;
}

function removeTempDirs(): void {
  for (const dir of tempDirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
}

// ---------------------------------------------------------------------------------------------
// Reporting

interface Comparison {
  name: string;
  medianMs: number;
  baselineName: string;
  baselineMs: number;
  target: number;
}

const ms = (value: number): string => `${value.toFixed(2)} ms`;

function report(c: Comparison): void {
  const ratio = c.medianMs / c.baselineMs;
  const verdict = ratio <= c.target ? 'ok' : 'MISSED';
  console.log(
    [
      c.name.padEnd(34),
      `median ${ms(c.medianMs)}`.padEnd(18),
      `baseline ${c.baselineName}: ${ms(c.baselineMs)}`.padEnd(36),
      `ratio ${ratio.toFixed(2)}`.padEnd(12),
      `target <= ${c.target}`.padEnd(15),
      verdict,
    ].join(' '),
  );
}

// ---------------------------------------------------------------------------------------------
// 1. CLI startup

/** A state folder holding an ACTIVE cluster with a few users, made through the core directly. */
async function prepareClusterState(): Promise<string> {
  const dir = makeTempDir('cli');
  const store = await Store.open({ dir });
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

/** The parent's environment minus every CLOUDHSM_* variable, plus the bench state folder. */
function childEnv(stateDir: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const name of Object.keys(env)) if (name.startsWith('CLOUDHSM_')) delete env[name];
  env.CLOUDHSM_STATE_DIR = stateDir;
  return env;
}

/** Runs the command once with its output captured, and throws unless it succeeded. */
function checkCliWorks(args: string[], env: NodeJS.ProcessEnv): void {
  let stdout: string;
  try {
    stdout = execFileSync(process.execPath, args, { cwd: PROJECT_ROOT, env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (err) {
    const e = err as { status?: number; stdout?: string; stderr?: string };
    throw new Error(`\`node ${args.join(' ')}\` failed (exit ${e.status}):\n${e.stdout ?? ''}${e.stderr ?? ''}`);
  }
  let parsed: { error_code?: unknown };
  try {
    parsed = JSON.parse(stdout) as { error_code?: unknown };
  } catch {
    throw new Error(`\`node ${args.join(' ')}\` did not print JSON:\n${stdout}`);
  }
  if (parsed.error_code !== 0) throw new Error(`\`node ${args.join(' ')}\` reported error_code ${String(parsed.error_code)}:\n${stdout}`);
}

async function benchCliStartup(): Promise<void> {
  const env = childEnv(await prepareClusterState());
  const command = [path.join(PROJECT_ROOT, 'bin', 'run.js'), 'user', 'list', '--json'];
  const baseline = ['-e', '0'];
  checkCliWorks(command, env);

  const run = (args: string[]) => timeMs(() => execFileSync(process.execPath, args, { cwd: PROJECT_ROOT, stdio: 'ignore', env }));
  for (let i = 0; i < CLI_WARMUP; i++) {
    await run(baseline);
    await run(command);
  }
  const baselineTimes: number[] = [];
  const commandTimes: number[] = [];
  for (let i = 0; i < CLI_RUNS; i++) {
    baselineTimes.push(await run(baseline));
    commandTimes.push(await run(command));
  }
  report({
    name: 'CLI startup (user list --json)',
    medianMs: median(commandTimes),
    baselineName: 'node -e 0',
    baselineMs: median(baselineTimes),
    target: CLI_TARGET,
  });
}

// ---------------------------------------------------------------------------------------------
// 2. Commit cost vs objects stored

/** A stored object of about 600 bytes of JSON, shaped like a key record. */
function keyObject(i: number): Record<string, unknown> {
  return {
    id: i,
    label: `key-${i}`,
    attributes: { class: 'secret-key', type: 'aes', size: 256, extractable: false, token: true, createdAt: 1_700_000_000_000 + i },
    material: 'x'.repeat(400),
  };
}

/** A fresh store in its own temp folder holding `count` objects, filled in large transactions. */
async function filledStore(count: number): Promise<Store> {
  const store = await Store.open({ dir: makeTempDir(`store-${count}`) });
  for (let start = 0; start < count; start += FILL_BATCH) {
    const end = Math.min(count, start + FILL_BATCH);
    await store.transact((tx) => {
      for (let i = start; i < end; i++) tx.put(`keys/${String(i).padStart(6, '0')}`, keyObject(i));
    });
  }
  const stored = await store.read((view) => view.count('keys/'));
  if (stored !== count) throw new Error(`store filled with ${stored} objects, expected ${count}`);
  return store;
}

async function benchCommitCost(): Promise<{ small: Store; large: Store }> {
  const small = await filledStore(SMALL_STORE);
  const large = await filledStore(LARGE_STORE);
  const commit = (store: Store, i: number) => timeMs(() => store.transact((tx) => tx.put(`bench/${i}`, { n: i, at: Date.now() })));

  for (let i = 0; i < COMMIT_WARMUP; i++) {
    await commit(small, -1 - i);
    await commit(large, -1 - i);
  }
  const smallTimes: number[] = [];
  const largeTimes: number[] = [];
  for (let i = 0; i < COMMIT_RUNS; i++) {
    smallTimes.push(await commit(small, i));
    largeTimes.push(await commit(large, i));
  }
  report({
    name: 'commit, 10,000 vs 100 objects',
    medianMs: median(largeTimes),
    baselineName: '(100 objects)',
    baselineMs: median(smallTimes),
    target: COMMIT_TARGET,
  });
  return { small, large };
}

/** Informational: median time of `Store.open` (one read of the whole state) on each folder. */
async function reportWholeStateRead(small: Store, large: Store): Promise<void> {
  const smallTimes: number[] = [];
  const largeTimes: number[] = [];
  for (let i = 0; i < OPEN_RUNS; i++) {
    smallTimes.push(await timeMs(() => Store.open({ dir: small.dir })));
    largeTimes.push(await timeMs(() => Store.open({ dir: large.dir })));
  }
  console.log(
    `${'read of the whole state (open)'.padEnd(34)} ` +
      `median ${ms(median(largeTimes))} at 10,000 objects (${ms(median(smallTimes))} at 100)   informational, no target`,
  );
}

// ---------------------------------------------------------------------------------------------

async function main(): Promise<void> {
  console.log(`cloudhsm-local bench   node ${process.version}   ${os.cpus().length} CPUs   ${os.platform()}/${os.arch()}`);
  console.log('medians; each ratio is against a baseline measured in this run\n');
  try {
    await benchCliStartup();
    const { small, large } = await benchCommitCost();
    await reportWholeStateRead(small, large);
  } finally {
    removeTempDirs();
  }
}

main().catch((err: unknown) => {
  console.error('bench crashed:', err);
  process.exitCode = 1;
});
