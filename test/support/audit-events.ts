/**
 * Reading the audit log in the audit tests: every event, or one HSM's stream, and an event's gist
 * (what it says, without its time, hashes and session handle).
 */
import type { EngineContext } from '../../src/core/context.js';
import { perform } from '../../src/core/engine.js';
import { listAuditEvents, type AuditEventView } from '../../src/core/audit/operations.js';
import { listHsms } from '../../src/core/cluster/operations.js';

export async function events(ctx: EngineContext, opcode?: string): Promise<AuditEventView[]> {
  return (await perform(ctx, listAuditEvents, { opcode })).events;
}

/** The events of one HSM's stream, in sequence order. */
export async function stream(ctx: EngineContext, hsmId: string): Promise<AuditEventView[]> {
  return (await perform(ctx, listAuditEvents, { hsmId })).events;
}

/** Opcode, response (its code, or its text when the code is not published), user and key handles. */
export function gist(e: AuditEventView): string {
  const who = e.userName === undefined ? '' : ` ${e.userName}/${e.userType?.name}`;
  const keys = e.privSecretKeyHandle === undefined ? '' : ` keys ${e.privSecretKeyHandle}/${e.publicKeyHandle}`;
  return `${e.opcode.name} ${e.response.code ?? e.response.text}${who}${keys}`;
}

export async function hsmIds(ctx: EngineContext): Promise<string[]> {
  return (await perform(ctx, listHsms, {})).Hsms.map((h) => h.HsmId);
}

/**
 * Runs `action`, then returns the gists it added to each HSM's stream (by HSM ID), streams that
 * began meanwhile included.
 */
export async function added(ctx: EngineContext, action: () => Promise<unknown>): Promise<Map<string, string[]>> {
  const before = new Map<string, number>();
  for (const e of await events(ctx)) before.set(e.logStream, (before.get(e.logStream) ?? 0) + 1);
  await action();
  const out = new Map<string, string[]>();
  for (const e of await events(ctx)) {
    const seen = before.get(e.logStream) ?? 0;
    if (seen > 0) before.set(e.logStream, seen - 1);
    else out.set(e.logStream, [...(out.get(e.logStream) ?? []), gist(e)]);
  }
  return out;
}
