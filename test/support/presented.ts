/**
 * Core key operations with their results shown as the CLI prints them, for the tests that check
 * the documented JSON shapes (`key-reference`, `key-info`, `matched_keys`, …) on the core: the
 * same presenters as the commands (src/cli/presenters/keys.ts), applied to the same results.
 */
import type { Operation } from '../../src/core/engine.js';
import type { KeyView } from '../../src/core/keys/model.js';
import type { KeyListing } from '../../src/core/keys/operations.js';
import { presentKey, presentKeyListing, presentWrappedKey } from '../../src/cli/presenters/keys.js';
import type { WrappedKey } from '../../src/core/keys/wrap.js';

function show(result: unknown): any {
  const r = result as Partial<{ key: KeyView; publicKey: KeyView; privateKey: KeyView }> & Record<string, unknown>;
  if ('totalKeyCount' in r) return presentKeyListing(r as unknown as KeyListing);
  if ('wrappingRef' in r) return presentWrappedKey(r as unknown as WrappedKey);
  if (r.publicKey && r.privateKey) return { public_key: presentKey(r.publicKey), private_key: presentKey(r.privateKey) };
  if (r.key) return { ...r, key: presentKey(r.key) };
  return result;
}

/** `op`, returning what the CLI would print for its result. */
export function presented<I, O, P>(op: Operation<I, O, P>): Operation<I, any, P> {
  return { ...op, run: async (env, input) => show(await op.run(env, input)) };
}
