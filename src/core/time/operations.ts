/**
 * `clock show | advance | set` (PRODUCT.md): read and move the cluster time of a state folder
 * (clock.ts). The clock belongs to the folder, like a region's clock, not to one cluster, and it
 * only moves forward: `set` to a moment before the current cluster time is refused and changes
 * nothing. Like the rest of the cluster plane these need no login (the emulator has no IAM).
 */
import { HsmError } from '../errors.js';
import { defineOperation, type ClusterInput } from '../engine.js';
import type { Transaction } from '../store/index.js';
import { CLOCK_KEY, DAY_MS, HOUR_MS, MINUTE_MS, MAX_CLUSTER_TIME_MS, clockOffsetMs, isoTime, type ClockReading, type ClockRecord } from './clock.js';

/** The clock as `now` (cluster time, read once) and the offset the state holds show it. */
function reading(clusterTimeMs: number, offsetMs: number): ClockReading {
  return { clusterTimeMs, realTimeMs: clusterTimeMs - offsetMs, offsetMs };
}

export const showClock = defineOperation({
  name: 'ShowClock',
  cluster: 'none',
  access: 'none',
  write: false,
  run: ({ tx, ctx }, _input: ClusterInput): ClockReading => reading(ctx.now(), clockOffsetMs(tx)),
});

export interface AdvanceClockInput extends ClusterInput {
  days?: number;
  hours?: number;
  minutes?: number;
}

function wholeAmount(value: number | undefined, flag: string): number {
  if (value === undefined) return 0;
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new HsmError('INVALID_ARGUMENT', `--${flag} must be a whole number, 0 or more, not ${String(value)}: the clock only moves forward`);
  }
  return value;
}

/** Moves cluster time to `targetMs` (at or after the current cluster time `nowMs`) and says what it shows. */
function moveTo(tx: Transaction, nowMs: number, targetMs: number): ClockReading {
  if (targetMs > MAX_CLUSTER_TIME_MS) {
    throw new HsmError('INVALID_ARGUMENT', `cluster time cannot pass ${isoTime(MAX_CLUSTER_TIME_MS)}; it is ${isoTime(nowMs)} now`);
  }
  const offsetMs = clockOffsetMs(tx) + (targetMs - nowMs);
  tx.put(CLOCK_KEY, { offsetMs } satisfies ClockRecord);
  return reading(targetMs, offsetMs);
}

export const advanceClock = defineOperation({
  name: 'AdvanceClock',
  cluster: 'none',
  access: 'none',
  write: true,
  run: ({ tx, ctx }, input: AdvanceClockInput): ClockReading => {
    const days = wholeAmount(input.days, 'days');
    const hours = wholeAmount(input.hours, 'hours');
    const minutes = wholeAmount(input.minutes, 'minutes');
    if (days === 0 && hours === 0 && minutes === 0) {
      throw new HsmError('INVALID_ARGUMENT', 'say how far to move the clock: --days N, --hours N and/or --minutes N, at least one above 0');
    }
    const now = ctx.now();
    return moveTo(tx, now, now + days * DAY_MS + hours * HOUR_MS + minutes * MINUTE_MS);
  },
});

export interface SetClockInput extends ClusterInput {
  /** ISO 8601: a date (midnight UTC) or a date and time with Z or an offset (2026-03-01T09:30:00Z). */
  time: string;
}

const ISO_TIME = /^(\d{4})-(\d{2})-(\d{2})(?:[Tt](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,3}))?)?([Zz]|[+-]\d{2}:\d{2}))?$/;
const ISO_HELP = 'give an ISO 8601 date (2026-03-01, midnight UTC) or date and time with its zone (2026-03-01T09:30:00Z, 2026-03-01T10:30:00+01:00)';

/** Epoch milliseconds of an ISO 8601 date or date-time; a time must name its zone, so it means one instant everywhere. */
export function parseIsoTime(text: string): number {
  // An API caller may pass anything; the CLI passes text.
  const given = typeof text === 'string' ? text.trim() : '';
  const m = ISO_TIME.exec(given);
  if (!m) {
    const noZone = /^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/.test(given);
    throw new HsmError('INVALID_ARGUMENT', noZone ? `"${given}" has no time zone: add Z for UTC or an offset such as +02:00` : `"${given}" is not a time: ${ISO_HELP}`);
  }
  // Groups that did not match (a date without a time) are undefined: midnight.
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map((part: string | undefined) => Number(part ?? '0'));
  const ms = Number((m[7] ?? '').padEnd(3, '0'));
  const zone = m[8] ?? 'Z';
  const zoneMinutes = /^[Zz]$/.test(zone) ? 0 : (zone.startsWith('-') ? -1 : 1) * (Number(zone.slice(1, 3)) * 60 + Number(zone.slice(4, 6)));
  const date = new Date(0);
  date.setUTCFullYear(year!, month! - 1, day);
  date.setUTCHours(hour!, minute, second, ms);
  const valid =
    date.getUTCFullYear() === year && date.getUTCMonth() === month! - 1 && date.getUTCDate() === day && hour! <= 23 && minute! <= 59 && second! <= 59 && Math.abs(zoneMinutes) <= 18 * 60 && Number(zone.slice(4, 6) || 0) <= 59;
  if (!valid) throw new HsmError('INVALID_ARGUMENT', `"${text}" is not a date and time that exists: ${ISO_HELP}`);
  return date.getTime() - zoneMinutes * 60_000;
}

export const setClock = defineOperation({
  name: 'SetClock',
  cluster: 'none',
  access: 'none',
  write: true,
  run: ({ tx, ctx }, input: SetClockInput): ClockReading => {
    const target = parseIsoTime(input.time);
    const now = ctx.now();
    if (target < now) {
      throw new HsmError(
        'CLOCK_BACKWARDS',
        `cluster time is ${isoTime(now)}; it cannot be set back to ${isoTime(target)}: the clock only moves forward. Give a later time, or start a new state folder to begin again at real time`,
        { details: { clusterTime: isoTime(now), requested: isoTime(target) } },
      );
    }
    return moveTo(tx, now, target);
  },
});
