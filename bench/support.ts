/**
 * What the bench sections share: medians and timing, temp folders, the environment and checks
 * for CLI child processes, the report lines, and activated clusters with a logged-in crypto user.
 *
 * Machines running this are shared and noisy, so every figure is a MEDIAN, is paired with a
 * BASELINE measured in the same run (interleaved with it where possible, so both see the same
 * background load), and is judged as a ratio against that baseline. A missed target is printed
 * as `MISSED` but never fails the run; only a crash exits non-zero.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { quickstart } from '../src/core/cluster/quickstart.js';
import { systemRandom, type EngineContext } from '../src/core/context.js';
import { perform, type Caller } from '../src/core/engine.js';
import { getProvider } from '../src/core/mechanisms/index.js';
import { Store } from '../src/core/store/index.js';
import { createUser, login } from '../src/core/users/operations.js';

/** dist/bench/support.js → the project root, which holds bin/run.js and bench/softhsm.py. */
export const PROJECT_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/** The two sizes the "vs stored" sections (commit cost, key generation) compare. */
export const SMALL_STORE = 100;
export const LARGE_STORE = 10_000;

export const ADMIN_PASSWORD = 'Admin-Pass-1';
export const CRYPTO_USER = 'bench';
export const CRYPTO_USER_PASSWORD = 'Bench-Pass-1';

// ---------------------------------------------------------------------------------------------
// Measurement helpers

export function median(values: number[]): number {
  if (values.length === 0) throw new Error('median of no values');
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Milliseconds taken by `fn` (awaited). */
export async function timeMs(fn: () => unknown): Promise<number> {
  const start = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - start) / 1e6;
}

const tempDirs: string[] = [];

export function makeTempDir(label: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `cloudhsm-bench-${label}-`));
  tempDirs.push(dir);
  return dir;
}

export function removeTempDirs(): void {
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

export const ms = (value: number): string => `${value.toFixed(2)} ms`;

export function report(c: Comparison): void {
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

interface Interleaved {
  name: string;
  baselineName: string;
  /** The most the measured median may be, as a multiple of the baseline median. */
  target: number;
  warmup: number;
  runs: number;
  /** Each returns the milliseconds of one run; `i` counts the runs, warm-up runs below zero. */
  baseline: (i: number) => Promise<number>;
  measured: (i: number) => Promise<number>;
}

/**
 * Times `baseline` and `measured` by turns (baseline first), after `warmup` untimed pairs, and
 * reports the median of `runs` each: taking turns lets a drift in background load hit both alike.
 */
export async function compareInterleaved(c: Interleaved): Promise<void> {
  for (let i = 0; i < c.warmup; i++) {
    await c.baseline(-1 - i);
    await c.measured(-1 - i);
  }
  const baselineTimes: number[] = [];
  const measuredTimes: number[] = [];
  for (let i = 0; i < c.runs; i++) {
    baselineTimes.push(await c.baseline(i));
    measuredTimes.push(await c.measured(i));
  }
  report({ name: c.name, medianMs: median(measuredTimes), baselineName: c.baselineName, baselineMs: median(baselineTimes), target: c.target });
}

/**
 * The "vs stored" comparisons: `time` on the subject holding LARGE_STORE things against the one
 * holding SMALL_STORE (the baseline), interleaved. `unit` names the things in the baseline's name.
 */
export async function compareBySize<T>(c: {
  name: string;
  unit: string;
  target: number;
  warmup: number;
  runs: number;
  small: T;
  large: T;
  time: (subject: T, i: number) => Promise<number>;
}): Promise<void> {
  await compareInterleaved({
    name: c.name,
    baselineName: `(${SMALL_STORE} ${c.unit})`,
    target: c.target,
    warmup: c.warmup,
    runs: c.runs,
    baseline: (i) => c.time(c.small, i),
    measured: (i) => c.time(c.large, i),
  });
}

interface Throughput {
  name: string;
  opsPerSecond: number;
  baselineName: string;
  baselineOpsPerSecond: number;
  /** The least acceptable ratio (higher is better). */
  target: number;
  /** Printed after the verdict. */
  note?: string;
}

export const opsText = (value: number): string => `${Math.round(value).toLocaleString('en-US')} ops/s`;

/** Like `report`, for rates: ratio = measured/baseline, and a ratio AT LEAST the target is ok. */
export function reportThroughput(t: Throughput): void {
  const ratio = t.opsPerSecond / t.baselineOpsPerSecond;
  const verdict = ratio >= t.target ? 'ok' : 'MISSED';
  console.log(
    [
      t.name.padEnd(34),
      `median ${opsText(t.opsPerSecond)}`.padEnd(22),
      `baseline ${t.baselineName}: ${opsText(t.baselineOpsPerSecond)}`.padEnd(36),
      `ratio ${ratio.toFixed(2)}`.padEnd(12),
      `target >= ${t.target}`.padEnd(15),
      verdict,
      ...(t.note ? [` ${t.note}`] : []),
    ].join(' '),
  );
}

// ---------------------------------------------------------------------------------------------
// Child processes: the CLI, and tools found on PATH

/** The full path of `name` on PATH, if any. */
export function which(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (!dir) continue;
    const file = path.join(dir, name);
    try {
      fs.accessSync(file, fs.constants.X_OK);
      return file;
    } catch {
      /* not here */
    }
  }
  return undefined;
}

/** The parent's environment minus every CLOUDHSM_* variable, plus the bench state folder. */
export function childEnv(stateDir: string): NodeJS.ProcessEnv {
  const inherited = Object.entries(process.env).filter(([name]) => !name.startsWith('CLOUDHSM_'));
  return { ...Object.fromEntries(inherited), CLOUDHSM_STATE_DIR: stateDir };
}

/** Runs the command once with its output captured, throws unless it succeeded, and returns its JSON. */
export function checkCliWorks(args: string[], env: NodeJS.ProcessEnv): { error_code?: unknown; data?: unknown } {
  let stdout: string;
  try {
    stdout = execFileSync(process.execPath, args, { cwd: PROJECT_ROOT, env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (err) {
    const e = err as { status?: number; stdout?: string; stderr?: string };
    throw new Error(`\`node ${args.join(' ')}\` failed (exit ${e.status}):\n${e.stdout ?? ''}${e.stderr ?? ''}`);
  }
  let parsed: { error_code?: unknown; data?: unknown };
  try {
    parsed = JSON.parse(stdout) as { error_code?: unknown; data?: unknown };
  } catch {
    throw new Error(`\`node ${args.join(' ')}\` did not print JSON:\n${stdout}`);
  }
  if (parsed.error_code !== 0) throw new Error(`\`node ${args.join(' ')}\` reported error_code ${String(parsed.error_code)}:\n${stdout}`);
  return parsed;
}

/**
 * Reports `node <command>` against `node -e 0`, interleaved (check the command with checkCliWorks
 * first: its output is thrown away here). The baseline removes the cost of starting Node itself,
 * which we do not control.
 */
export async function compareCliWithNode(c: { name: string; command: string[]; env: NodeJS.ProcessEnv; target: number; warmup: number; runs: number }): Promise<void> {
  const run = (args: string[]) => timeMs(() => execFileSync(process.execPath, args, { cwd: PROJECT_ROOT, stdio: 'ignore', env: c.env }));
  await compareInterleaved({
    name: c.name,
    baselineName: 'node -e 0',
    target: c.target,
    warmup: c.warmup,
    runs: c.runs,
    baseline: () => run(['-e', '0']),
    measured: () => run(c.command),
  });
}

// ---------------------------------------------------------------------------------------------
// Activated clusters with a logged-in crypto user, for the in-process engine benchmarks

export interface SessionCluster {
  /** One context for every call, as a long-running shell keeps: keys are parsed once each. */
  ctx: EngineContext;
  /** The crypto user's login session (a session caller, so no scrypt per call). */
  user: Caller;
  dir: string;
}

export const ADMIN: Caller = { credentials: { username: 'admin', password: ADMIN_PASSWORD, role: 'admin' } };

/** A new state folder holding an activated cluster (admin password ADMIN_PASSWORD), and a context on it. */
export async function activeCluster(label: string, mode?: 'NON_FIPS'): Promise<{ ctx: EngineContext; dir: string }> {
  const dir = makeTempDir(label);
  const store = await Store.open({ dir, create: true });
  const ctx: EngineContext = { store, now: () => Date.now(), random: systemRandom, crypto: getProvider('node'), prepared: new Map() };
  await quickstart(ctx, { password: ADMIN_PASSWORD, ...(mode ? { mode } : {}) });
  return { ctx, dir };
}

export async function sessionCluster(label: string, mode?: 'NON_FIPS'): Promise<SessionCluster> {
  const { ctx, dir } = await activeCluster(label, mode);
  await perform(ctx, createUser, { username: CRYPTO_USER, role: 'crypto-user', password: CRYPTO_USER_PASSWORD }, ADMIN);
  const { session } = await perform(ctx, login, {
    credentials: { username: CRYPTO_USER, password: CRYPTO_USER_PASSWORD, role: 'crypto-user' },
    sessionPid: process.pid,
  });
  if (!session) throw new Error('login with sessionPid returned no session');
  return { ctx, user: { session, sessionKeys: new Map() }, dir };
}
