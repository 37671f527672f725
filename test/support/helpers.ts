/** Shared test helpers: temporary state folders, seeded engine contexts, in-process command
 * runs with captured output, and runs of the built binaries. */
import assert from 'node:assert/strict';
import { spawn, spawnSync, type SpawnSyncReturns } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Config } from '@oclif/core';
import { seededRandom, type EngineContext } from '../../src/core/context.js';
import { HsmError } from '../../src/core/errors.js';
import { Store } from '../../src/core/store/index.js';
import { scriptedPrompter } from '../../src/cli/prompter.js';
import { withRuntime, type Runtime } from '../../src/cli/runtime.js';
import { REGISTRY_CATALOG } from '../../src/cli/main.js';
import { COMMANDS, type CommandId } from '../../src/registry.js';

/** The project root (dist/test/support → ../../..). */
export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
export const BIN = path.join(ROOT, 'bin', 'run.js');
export const CLI_BIN = path.join(ROOT, 'bin', 'cloudhsm-cli.js');

/**
 * The sh script of the README between `<!-- NAME:start -->` and `<!-- NAME:end -->`, as written
 * there: the end-to-end tests run the README's scripts verbatim.
 */
export function readmeScript(name: string): string {
  const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
  const m = new RegExp(`<!-- ${name}:start -->\\s*\`\`\`sh\\n([\\s\\S]*?)\`\`\`\\s*<!-- ${name}:end -->`).exec(readme);
  assert.ok(m, `README has no ${name} block`);
  return m[1]!;
}

const made: string[] = [];
export function tempDir(prefix = 'chsm-test-'): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  made.push(dir);
  return dir;
}
process.on('exit', () => {
  for (const dir of made) fs.rmSync(dir, { recursive: true, force: true });
});

/** A store in a fresh folder with a seeded clock and random source. */
export async function testContext(seed = 'test', options: { passphrase?: string; compactAfterBytes?: number; dir?: string } = {}): Promise<EngineContext & { dir: string }> {
  const dir = options.dir ?? path.join(tempDir(), 'state');
  const store = await Store.open({ dir, passphrase: options.passphrase, compactAfterBytes: options.compactAfterBytes, lockTimeoutMs: 5000, create: true });
  let clock = Date.UTC(2026, 0, 1);
  return { dir, store, now: () => (clock += 1000), random: seededRandom(seed) };
}

let config: Config | undefined;
export async function oclifConfig(): Promise<Config> {
  config ??= await Config.load(ROOT);
  return config;
}

export interface CommandRun {
  stdout: string;
  stderr: string;
  exitCode: number;
  /** stdout parsed as JSON (when it is). */
  json?: any;
}

/** Runs one command class in-process, as the binary would, with output captured. */
export async function runCommand(id: CommandId, argv: string[], opts: { env?: Record<string, string | undefined>; stdin?: string; prompts?: string[]; interactive?: boolean } = {}): Promise<CommandRun> {
  let stdout = '';
  let stderr = '';
  const runtime: Runtime = {
    stdout: { write: (s: string) => (stdout += s) },
    stderr: { write: (s: string) => (stderr += s) },
    env: { ...opts.env },
    interactive: opts.interactive ?? Boolean(opts.prompts),
    readStdin: async () => opts.stdin ?? '',
    prompter: scriptedPrompter(opts.prompts ?? []),
    alwaysJson: false,
    stores: new Map(),
    exitCode: 0,
    programName: 'cloudhsm-local',
    commands: REGISTRY_CATALOG,
  };
  const Command = COMMANDS[id];
  const cfg = await oclifConfig();
  await withRuntime(runtime, () => Command.run(argv, cfg));
  let json: unknown;
  try {
    json = JSON.parse(stdout);
  } catch {
    json = undefined;
  }
  return { stdout, stderr, exitCode: runtime.exitCode, json };
}

export interface BinRun extends SpawnSyncReturns<string> {
  json?: any;
}

/** Runs the built binary synchronously. */
export function runBin(args: string[], opts: { env?: Record<string, string | undefined>; input?: string; cwd?: string; bin?: string } = {}): BinRun {
  const result = spawnSync(process.execPath, [opts.bin ?? BIN, ...args], {
    cwd: opts.cwd ?? ROOT,
    env: { ...cleanEnv(), ...opts.env },
    input: opts.input ?? '',
    encoding: 'utf8',
    timeout: 60_000,
  }) as BinRun;
  try {
    result.json = JSON.parse(result.stdout);
  } catch {
    result.json = undefined;
  }
  return result;
}

/** Runs the built binary asynchronously (for concurrency tests). */
export function runBinAsync(args: string[], opts: { env?: Record<string, string | undefined>; input?: string } = {}): Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, env: { ...cleanEnv(), ...opts.env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
    child.stdin.end(opts.input ?? '');
  });
}

/** The environment without any CloudHSM variables of the developer's own shell. */
export function cleanEnv(): Record<string, string | undefined> {
  const env: Record<string, string | undefined> = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('CLOUDHSM_')));
  env.NO_COLOR = '1';
  // Shells started by tests keep no history unless a test names a file.
  env.CLOUDHSM_HISTORY_FILE = '';
  return env;
}

/** Awaits a refusal: the promise must reject with our HsmError carrying `code` (and AWS type). */
export async function refused(promise: Promise<unknown>, code: string, awsType?: string): Promise<HsmError> {
  try {
    await promise;
  } catch (err) {
    assert.ok(err instanceof HsmError, `expected HsmError ${code}, got ${String(err)}`);
    assert.equal(err.code, code, err.message);
    if (awsType) assert.equal(err.aws?.type, awsType);
    return err;
  }
  assert.fail(`expected refusal ${code}`);
}


/** The error code `attempt` is refused with, or undefined when it succeeds (other errors propagate). */
export async function errorCode(attempt: Promise<unknown>): Promise<string | undefined> {
  try {
    await attempt;
    return undefined;
  } catch (err) {
    if (err instanceof HsmError) return err.code;
    throw err;
  }
}
