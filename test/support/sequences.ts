/**
 * What the property-based key-rule tests share (test/core/keys/*-sequences.test.ts): a fresh copy
 * of a template cluster for each sequence, a runner that takes a refusal (our HsmError) as the
 * outcome of a step and checks that whatever a step returned holds none of the bytes that must
 * stay in, and the owner's steps both sequences take (an attribute change, a share with bob).
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { seededRandom, type EngineContext } from '../../src/core/context.js';
import { perform, type Caller } from '../../src/core/engine.js';
import { HsmError } from '../../src/core/errors.js';
import type { KeyRecord } from '../../src/core/keys/model.js';
import { setAttribute, shareKey } from '../../src/core/keys/operations.js';
import { byLabel } from '../../src/core/keys/selector.js';
import { Store } from '../../src/core/store/index.js';
import { tempDir } from './helpers.js';

/** Every byte string a result holds: Uint8Arrays, and strings read as hex and as base64. */
function byteViews(value: unknown, out: string[] = []): string[] {
  if (value instanceof Uint8Array) out.push(Buffer.from(value).toString('hex'));
  else if (typeof value === 'string') out.push(value.toLowerCase(), Buffer.from(value, 'base64').toString('hex'), value.toLowerCase().replace(/^0x/, ''));
  else if (value && typeof value === 'object') for (const v of Object.values(value)) byteViews(v, out);
  return out;
}

/**
 * A copy of the template's state folder, opened, and the keys it holds. Its clock goes on from
 * `clockMs`, the template's time: on the real clock, months past the template's, every sequence
 * would first make a daily backup for each day in between.
 */
export async function freshCopy(template: string, seed: string, clockMs: number): Promise<{ ctx: EngineContext; keys: KeyRecord[] }> {
  const dir = path.join(tempDir('chsm-seq-'), 'state');
  fs.cpSync(template, dir, { recursive: true });
  const store = await Store.open({ dir, lockTimeoutMs: 5000 });
  let clock = clockMs;
  const ctx: EngineContext = { store, now: () => (clock += 1000), random: seededRandom(seed) };
  return { ctx, keys: (await store.read((v) => v.list<KeyRecord>('key/'))).map(([, k]) => k) };
}

/**
 * `attempt(what, run)`: runs one step; a refusal gives undefined, anything else that is thrown is a
 * failure; a result must hold none of `secrets()` (hex), in any of its byte views.
 */
export function attempter(secrets: () => readonly string[], steps: unknown): (what: string, run: () => Promise<unknown>) => Promise<unknown> {
  return async (what, run) => {
    let result: unknown;
    try {
      result = await run();
    } catch (err) {
      if (!(err instanceof HsmError) || err.code === 'INTERNAL') throw err;
      return undefined;
    }
    const kept = secrets();
    for (const view of byteViews(result)) {
      for (const secret of kept) assert.ok(!view.includes(secret), `${what} gave out a key in the clear that must stay in, after ${JSON.stringify(steps)}`);
    }
    return result;
  };
}

export type OwnerStep = { kind: 'set'; label: string; name: string; value: boolean } | { kind: 'share'; label: string };

/**
 * Runs a sequence: the owner's steps (alice changes an attribute of a key, or shares it with bob)
 * here, every other step by `other`.
 */
export async function runSequence<S extends { kind: string }>(
  steps: readonly S[],
  owner: { ctx: EngineContext; alice: Caller; attempt: ReturnType<typeof attempter> },
  other: (step: Exclude<S, OwnerStep>) => Promise<unknown>,
): Promise<void> {
  const { ctx, alice, attempt } = owner;
  const isOwnerStep = (s: { kind: string }): s is OwnerStep => s.kind === 'set' || s.kind === 'share';
  for (const s of steps) {
    if (!isOwnerStep(s)) await other(s as Exclude<S, OwnerStep>);
    else if (s.kind === 'set') await attempt('set-attribute', () => perform(ctx, setAttribute, { filter: byLabel(s.label), name: s.name, value: String(s.value) }, alice));
    else await attempt('share', () => perform(ctx, shareKey, { filter: byLabel(s.label), username: 'bob', role: 'crypto-user' }, alice));
  }
}
