/**
 * The cluster plane for people: `clock` in text, and in JSON, which the AWS API does not have
 * and so takes its shape here.
 */
import { awsTimestamp } from '../../core/cluster/model.js';
import { isoTime, type ClockReading } from '../../core/time/clock.js';

/** The clock in JSON: cluster time as ISO 8601 and as the API's epoch seconds, the real time, and the offset. */
export function presentClock(reading: ClockReading): { ClusterTime: string; ClusterTimestamp: number; RealTime: string; OffsetSeconds: number } {
  return {
    ClusterTime: isoTime(reading.clusterTimeMs),
    ClusterTimestamp: awsTimestamp(reading.clusterTimeMs),
    RealTime: isoTime(reading.realTimeMs),
    OffsetSeconds: reading.offsetMs / 1000,
  };
}

function duration(ms: number): string {
  const minutes = Math.floor(ms / 60_000);
  const parts: Array<[number, string]> = [
    [Math.floor(minutes / 1440), 'day'],
    [Math.floor(minutes / 60) % 24, 'hour'],
    [minutes % 60, 'minute'],
  ];
  const shown = parts.filter(([n]) => n > 0).map(([n, unit]) => `${n} ${unit}${n === 1 ? '' : 's'}`);
  return shown.length ? shown.join(' ') : `${Math.round(ms / 1000)} seconds`;
}

export function clockText(reading: ClockReading): string {
  const ahead = reading.offsetMs === 0 ? 'real time' : `${duration(reading.offsetMs)} ahead of real time, ${isoTime(reading.realTimeMs)}`;
  return `Cluster time: ${isoTime(reading.clusterTimeMs)} (${ahead})\n`;
}
