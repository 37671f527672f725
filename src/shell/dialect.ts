/**
 * A shell dialect: how one line of input is parsed, run and printed. The shell (shell.ts) owns
 * the terminal, the line queue, history, Ctrl-C and hidden prompts; a dialect owns only its
 * grammar and its output format. The modern dialect hands lines to the command registry (the
 * same parser as the binary); the legacy dialects (cloudhsm_mgmt_util, key_mgmt_util) parse
 * their own syntax and call the same core operations through `perform`, so every rule, the
 * store and the audit path are shared. Only parsing and printing differ.
 */
import type { EngineContext } from '../core/context.js';
import type { Caller, Session } from '../core/engine.js';
import type { KeyRecord } from '../core/keys/model.js';

/** What a dialect may do with the terminal. */
export interface DialectIo {
  /** Writes text to the shell's output as it is (the dialect adds its own newlines). */
  write(text: string): void;
  /** Reads a secret without echo; rejects with `{ cancelled: true }` on Ctrl-C or end of input. */
  password(message: string): Promise<string>;
  /** Shows `message` and reads one visible line; null on Ctrl-C or end of input. */
  ask(message: string): Promise<string | null>;
  /**
   * Why a line failed and how to fix it, for a person (`shell --explain`); absent, the reason is
   * dropped. The legacy dialects print only what the real tools print, and scripts parse that
   * output, so their explanations never go through `write`.
   */
  explain?(text: string): void;
}

/** The state a dialect shares with the rest of the shell. */
export interface DialectHost {
  io: DialectIo;
  /** The engine on the shell's state folder (opened once, kept open). */
  engine(): Promise<EngineContext>;
  /** The cluster named by --cluster-id / CLOUDHSM_CLUSTER_ID, if any. */
  clusterId?: string;
  /** The shell's environment (CLOUDHSM_PIN may hold a script's login). */
  env: Record<string, string | undefined>;
  /** The login kept between lines; the dialect sets it on login and clears it on logout. */
  session?: Session;
  /** Session keys of the current login (memory only; cleared at logout). */
  sessionKeys: Map<number, KeyRecord>;
}

/** The caller of core operations for the host's current login (or nobody). */
export function callerOf(host: DialectHost): Caller {
  return host.session ? { session: host.session, sessionKeys: host.sessionKeys } : {};
}

/** Said in the legacy dialects' help: their output is the tool's own, `shell --explain` adds the reasons. */
export const EXPLAIN_NOTE = "Failures print only the tool's return codes; start the shell with --explain to also see why, on standard error.";

/** What became of one line. */
export type LineOutcome = 'ok' | 'failed' | 'quit';

export interface Dialect {
  /** `cloudhsm-cli`, `cmu` or `kmu`. */
  readonly name: string;
  /** The prompt to show before the next line. */
  prompt(host: DialectHost): string;
  /** Printed once when the shell starts (CMU's connection banner, for example). */
  banner(host: DialectHost): Promise<string>;
  /** Runs one non-blank, non-comment line already split into words. */
  run(host: DialectHost, words: string[]): Promise<LineOutcome>;
  /** Candidates for the word being typed (`words` are the complete words before it). */
  complete(host: DialectHost, words: string[], partial: string): Promise<string[]>;
  /** The line as history may keep it: every password and PIN removed. */
  redact(line: string): string;
  /** Text for `help` (modern dialect: the CLI's own help). */
  help(host: DialectHost, topic: string[]): Promise<string>;
}
