/**
 * Named steps of the store's refresh, commit, compaction and initialisation (and the engine's
 * one step between an operation's preparation and its transaction), and the one seam
 * through which a test reaches them.
 *
 * Nothing in the product sets a hook: `reach` is a no-op unless a test-only entry
 * (test/support/fault-cli.ts) or a test installs one with `setStoreFaultHook`. A hook may pause
 * the process at a step (so that another process runs in between, forcing an interleaving), throw
 * (an injected I/O failure), or let the test SIGKILL the process there (a crash at that step).
 */

export const STORE_STEPS = [
  /** `head` was read (outside or under the lock), before the snapshot and log are read. */
  'refresh.head-read',
  /** A snapshot was loaded, before its log is read. */
  'refresh.snapshot-loaded',
  /** The writer lock is held and memory is up to date; the transaction is about to run. */
  'commit.locked',
  /** A transaction's stream entries are written and synced, before its record is appended. */
  'commit.streams-written',
  /** The record is appended and fsynced, before its sequence number is written to `head`. */
  'commit.log-appended',
  /** `counter` names the new record, `head` not yet. */
  'commit.counter-written',
  /** `head` names the new record: the change is committed. */
  'commit.head-written',
  /** Compaction wrote the next snapshot. */
  'compact.snapshot-written',
  /** Compaction wrote the next (empty) log. */
  'compact.log-written',
  /** `head` names the new generation, before the old files are removed. */
  'compact.head-written',
  /** The old generation's files are removed. */
  'compact.cleaned',
  /** A new store's files are written, before its keyring (which completes it). */
  'init.files-written',
] as const;

export type StoreStep = (typeof STORE_STEPS)[number];

/** Steps of the engine that a test may pause at too. */
export const ENGINE_STEPS = [
  /** An operation's slow work before the lock is done (engine.ts), before its transaction starts. */
  'operation.prepared',
] as const;

export type EngineStep = (typeof ENGINE_STEPS)[number];

export type StoreFaultHook = (step: StoreStep | EngineStep, dir: string) => void;

/**
 * The hook lives on a process-wide symbol, not in this module, so that it reaches the store of
 * the bundled CLI too when a test entry installs it through the unbundled modules.
 */
const HOOK = Symbol.for('cloudhsm-local.store-fault-hook');
const holder = globalThis as { [HOOK]?: StoreFaultHook };

/** Installs (or, with undefined, removes) the hook. For tests only. */
export function setStoreFaultHook(next: StoreFaultHook | undefined): void {
  holder[HOOK] = next;
}

/** Marks that the store in `dir` reached `step`. */
export function reach(step: StoreStep | EngineStep, dir: string): void {
  holder[HOOK]?.(step, dir);
}
