/**
 * Reading the audit log (audit-log.md §6): the events of every stream, or of one cluster, one
 * HSM, a time window, a user or an opcode, in time order with their log group and stream; and
 * the check of every stream's chain. Like CloudWatch Logs, this needs no HSM login, and a log
 * group outlives its cluster.
 */
import { HsmError } from '../errors.js';
import { defineOperation, type ClusterInput } from '../engine.js';
import type { ReadView } from '../store/index.js';
import { auditKeys, readAuditStream, verifyAuditLog, type AuditRecord, type AuditVerification, type StreamReader } from './log.js';

export interface AuditEventView extends AuditRecord {
  logGroup: string;
  logStream: string;
}

export interface ListAuditInput extends ClusterInput {
  hsmId?: string;
  /** ISO 8601 times (cluster time), inclusive. */
  since?: string;
  until?: string;
  user?: string;
  opcode?: string;
}

function instant(flag: string, value: string | undefined): bigint | undefined {
  if (value === undefined) return undefined;
  const ms = Date.parse(value);
  if (Number.isNaN(ms)) throw new HsmError('INVALID_ARGUMENT', `--${flag} must be a time such as 2026-12-06T10:00:00Z, not "${value}"`);
  return BigInt(ms) * 1000n;
}

/** Every event of the streams `clusterId` (or all) holds, each with its group and stream. */
function allEvents(view: ReadView, read: StreamReader, clusterId: string | undefined): AuditEventView[] {
  const out: AuditEventView[] = [];
  for (const [key] of view.list(clusterId ? `${auditKeys.streamPrefix}${clusterId}/` : auditKeys.streamPrefix)) {
    const [, cluster, hsm] = key.split('/');
    for (const record of readAuditStream(view, read, cluster!, hsm!)) out.push({ ...record, logGroup: `/aws/cloudhsm/${cluster}`, logStream: hsm! });
  }
  return out.sort((a, b) => (BigInt(a.usecs) < BigInt(b.usecs) ? -1 : BigInt(a.usecs) > BigInt(b.usecs) ? 1 : 0));
}

export const listAuditEvents = defineOperation({
  name: 'ListAuditEvents',
  cluster: 'none',
  access: 'none',
  write: false,
  run: ({ tx, ctx }, input: ListAuditInput): { events: AuditEventView[] } => {
    const since = instant('since', input.since);
    const until = instant('until', input.until);
    const opcode = input.opcode?.toUpperCase();
    const user = input.user?.toLowerCase();
    const events = allEvents(tx, (name) => ctx.store.readStream(name, tx), input.clusterId).filter(
      (e) =>
        (!input.hsmId || e.logStream === input.hsmId) &&
        (since === undefined || BigInt(e.usecs) >= since) &&
        (until === undefined || BigInt(e.usecs) <= until) &&
        (!user || e.userName === user) &&
        (!opcode || e.opcode.name === opcode),
    );
    return { events };
  },
});

export const verifyAudit = defineOperation({
  name: 'VerifyAuditLog',
  cluster: 'none',
  access: 'none',
  write: false,
  run: ({ tx, ctx }, input: ClusterInput): AuditVerification => {
    const result = verifyAuditLog(tx, (name) => ctx.store.readStream(name, tx), input.clusterId);
    if (result.problem) {
      const p = result.problem;
      throw new HsmError('AUDIT_INTEGRITY', `the audit log does not verify: in ${p.logGroup}, stream ${p.logStream}, event ${p.seq}: ${p.reason}`, { details: { ...p } });
    }
    return result;
  },
});
