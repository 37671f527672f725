/**
 * Cluster time: the simulated clock of a state folder (PRODUCT.md "clock show | advance | set";
 * cluster.md §14 "clock advance"). Every timestamp the core writes (clusters, HSMs, users, keys,
 * sessions) and everything that expires (the 24-hour backups, retention, the 7-day deletion
 * windows, how long a DELETED cluster stays listed) reads this clock, so an operator can rehearse
 * "what happens in 8 days" in a second.
 *
 * The state holds one record: how far cluster time runs ahead of the real clock. It starts at 0
 * (real time is the default), and only grows: cluster time keeps running with the real clock from
 * wherever it was moved to, and never goes back. Since the record is state, every process and
 * shell on the folder sees the same cluster time, and it survives them.
 *
 * Cost: the engine looks the record up once per operation in the objects it already holds in
 * memory (no file is read for it), and an operation runs on the caller's own context when the
 * clock was never moved.
 */
import type { EngineContext } from '../context.js';
import type { ReadView } from '../store/index.js';

export const MINUTE_MS = 60_000;
export const HOUR_MS = 60 * MINUTE_MS;
export const DAY_MS = 24 * HOUR_MS;

/** The latest cluster time the clock may reach: beyond it ISO 8601 needs more than four year digits. */
export const MAX_CLUSTER_TIME_MS = Date.UTC(9999, 11, 31, 23, 59, 59, 999);

export interface ClockRecord {
  /** How far cluster time is ahead of the real clock, in milliseconds (never negative, never decreasing). */
  offsetMs: number;
}

export const CLOCK_KEY = 'clock/cluster-time';

export function clockOffsetMs(view: ReadView): number {
  return view.get<ClockRecord>(CLOCK_KEY)?.offsetMs ?? 0;
}

/** Contexts whose now() runs ahead by an offset, by the caller's context: made once per offset. */
const shifted = new WeakMap<EngineContext, { offsetMs: number; realNow: () => number; ctx: EngineContext }>();

/**
 * The context an operation runs in: the caller's, with `now()` giving cluster time. `view` is the
 * state the operation reads, so the offset is the one committed with it.
 */
export function onClusterTime(ctx: EngineContext, view: ReadView): EngineContext {
  const offsetMs = clockOffsetMs(view);
  if (offsetMs === 0) return ctx;
  const known = shifted.get(ctx);
  if (known?.offsetMs === offsetMs && known.realNow === ctx.now) return known.ctx;
  const realNow = ctx.now;
  const made: EngineContext = { ...ctx, now: () => realNow() + offsetMs };
  shifted.set(ctx, { offsetMs, realNow, ctx: made });
  return made;
}

/** What the clock shows: cluster time, the real time it was read against, and the offset. */
export interface ClockReading {
  clusterTimeMs: number;
  realTimeMs: number;
  offsetMs: number;
}

/** Epoch milliseconds as ISO 8601 in UTC (2026-01-09T10:00:00.000Z). */
export function isoTime(ms: number): string {
  return new Date(ms).toISOString();
}
