/**
 * The runtime a command runs in: its output streams, environment, prompter, open stores and,
 * inside the shell, the login kept between lines. The binary uses one built from `process`;
 * the shell and tests install their own with `withRuntime`, so commands never touch
 * process.stdout or process.env directly.
 */
import type { Session } from '../core/engine.js';
import type { KeyRecord } from '../core/keys/model.js';
import type { PreparedKey } from '../core/mechanisms/provider.js';
import type { Store } from '../core/store/index.js';
import type { CommandCatalog } from './catalog.js';
import type { Prompter } from './prompter.js';

export interface OutputStream {
  write(text: string): unknown;
  isTTY?: boolean;
}

export interface ShellState {
  session?: Session;
  /** Session keys of the current login: in memory only, dropped at logout (keys.md §1). */
  sessionKeys?: Map<number, KeyRecord>;
}

export interface Runtime {
  stdout: OutputStream;
  stderr: OutputStream;
  env: Record<string, string | undefined>;
  /** Whether a person can answer prompts (stdin is a terminal). */
  interactive: boolean;
  /** Reads all of standard input (for --password-stdin). */
  readStdin: () => Promise<string>;
  prompter: Prompter;
  /** Present inside the shell. */
  shell?: ShellState;
  /** cloudhsm-cli compatibility, or `shell --json`: the JSON envelope always. */
  alwaysJson: boolean;
  /**
   * The `cloudhsm-cli` entry: the real tool's commands and flags only, and a password it would
   * prompt for is read from standard input when that is not a terminal, as the real tool does.
   */
  compat?: boolean;
  /** Stores opened by this runtime, by folder (the shell keeps them open between lines). */
  stores: Map<string, Store>;
  /** Keys parsed once and kept ready (the shell keeps them between lines). */
  prepared?: Map<string, PreparedKey>;
  /** Exit status of the last command: 0 ok, 1 operation failed, 2 usage error. */
  exitCode: number;
  /** The program name shown in hints ("cloudhsm-local", or "" inside the shell). */
  programName: string;
  /** Every command, for the shell and `help` (the launcher builds it from the registry). */
  commands: CommandCatalog;
}

let active: Runtime | undefined;
let fallbackFactory: (() => Runtime) | undefined;

/** Set by the launcher: how to build the runtime when none was installed. */
export function setDefaultRuntimeFactory(factory: () => Runtime): void {
  fallbackFactory = factory;
}

export function activeRuntime(): Runtime {
  if (!active) {
    if (!fallbackFactory) throw new Error('no runtime installed');
    active = fallbackFactory();
  }
  return active;
}

/** Runs `fn` with `runtime` active; lines of the shell run one at a time, so this never nests. */
export async function withRuntime<T>(runtime: Runtime, fn: () => Promise<T>): Promise<T> {
  const previous = active;
  active = runtime;
  try {
    return await fn();
  } finally {
    active = previous;
  }
}

export function useColor(runtime: Runtime, stream: OutputStream): boolean {
  return Boolean(stream.isTTY) && runtime.env.NO_COLOR === undefined && runtime.env.TERM !== 'dumb';
}
