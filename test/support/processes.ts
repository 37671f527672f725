/**
 * Child processes for concurrency and crash tests: run a test-only entry, optionally paused at a
 * store step (fault-hook.ts), resume or SIGKILL it there, and collect what it printed.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { ROOT, cleanEnv, tempDir } from './helpers.js';

export const FAULT_CLI = path.join(ROOT, 'dist', 'test', 'support', 'fault-cli.js');
export const STORE_WRITER = path.join(ROOT, 'dist', 'test', 'support', 'store-writer.js');
export const STORE_READER = path.join(ROOT, 'dist', 'test', 'support', 'store-reader.js');
export const BIN_PATH = path.join(ROOT, 'bin', 'run.js');

export interface Finished {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface Child {
  process: ChildProcess;
  done: Promise<Finished>;
}

export function start(script: string, args: string[], opts: { env?: Record<string, string | undefined>; input?: string } = {}): Child {
  const child = spawn(process.execPath, [script, ...args], { cwd: ROOT, env: { ...cleanEnv(), ...opts.env } });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const done = new Promise<Finished>((resolve) => child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr })));
  child.stdin.end(opts.input ?? '');
  return { process: child, done };
}

export interface PausedChild extends Child {
  /** Lets it go on from the step. */
  resume(): void;
  /** Kills it with SIGKILL where it stands. */
  kill(): Promise<Finished>;
}

/** Starts `script` paused at the `nth` time it reaches `step`; resolves once it waits there. */
export async function startPaused(script: string, args: string[], step: string, opts: { env?: Record<string, string | undefined>; input?: string; nth?: number } = {}): Promise<PausedChild> {
  const file = path.join(tempDir('chsm-fault-'), 'signal');
  const child = start(script, args, { ...opts, env: { ...opts.env, CLOUDHSM_TEST_FAULT: `pause:${step}@${opts.nth ?? 1}`, CLOUDHSM_TEST_FAULT_FILE: file } });
  let exited: Finished | undefined;
  void child.done.then((f) => (exited = f));
  const deadline = Date.now() + 30_000;
  while (!fs.existsSync(`${file}.paused`)) {
    if (exited) throw new Error(`the process ended before reaching ${step}: ${exited.code} ${exited.stdout}${exited.stderr}`);
    if (Date.now() > deadline) {
      child.process.kill('SIGKILL');
      throw new Error(`the process did not reach ${step} within 30 s`);
    }
    await new Promise((r) => setTimeout(r, 5));
  }
  return {
    ...child,
    resume: () => fs.writeFileSync(`${file}.resume`, ''),
    kill: () => {
      child.process.kill('SIGKILL');
      return child.done;
    },
  };
}

/** The keys a store-writer printed as committed. */
export function committed(output: string): string[] {
  return output
    .split('\n')
    .map((line) => /^committed (\S+)$/.exec(line)?.[1])
    .filter((k): k is string => k !== undefined);
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A `serve` process on `stateDir` (any free port): its endpoint, what it logged so far, and the process. */
export interface Served {
  endpoint: string;
  log: () => string;
  process: ChildProcess;
}

export async function startServe(stateDir: string, opts: { args?: string[]; env?: Record<string, string>; nodeArgs?: string[] } = {}): Promise<Served> {
  const child = spawn(process.execPath, [...(opts.nodeArgs ?? []), BIN_PATH, 'serve', '--port', '0', ...(opts.args ?? [])], { cwd: ROOT, env: { ...cleanEnv(), CLOUDHSM_STATE_DIR: stateDir, ...opts.env } });
  let log = '';
  child.stderr.on('data', (d: Buffer) => (log += d.toString()));
  const listening = /Listening on (http:\/\/[\d.]+:\d+)/;
  for (let i = 0; i < 500 && !listening.test(log) && child.exitCode === null; i++) await sleep(20);
  const endpoint = listening.exec(log)?.[1];
  if (!endpoint) {
    child.kill('SIGKILL');
    throw new Error(`serve did not start: ${log}`);
  }
  return { endpoint, log: () => log, process: child };
}
