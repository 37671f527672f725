/**
 * Keys parsed once and kept ready per key reference (STYLE "State"): parsing a key costs more
 * than most operations with it, so the engine prepares each key the first time it is used and
 * keeps the prepared form in the context's cache. Key references are never reused and key
 * material never changes, so a cached entry stays valid for the key's life.
 */
import type { EngineContext } from '../context.js';
import { getProvider } from '../mechanisms/index.js';
import type { AsymmetricKeySpec, CryptoProvider, MlDsaVariant, PreparedKey } from '../mechanisms/provider.js';
import { CURVES, type KeyRecord } from './model.js';

export function cryptoOf(ctx: EngineContext): CryptoProvider {
  return (ctx.crypto ??= getProvider(ctx.cryptoName ?? 'node'));
}

export function specOf(key: KeyRecord): AsymmetricKeySpec {
  if (key.keyType === 'rsa') return { type: 'rsa' };
  if (key.keyType === 'dsa') return { type: 'dsa' };
  if (key.keyType === 'ml-dsa') return { type: 'ml-dsa', variant: key.mldsaAlgorithm as MlDsaVariant };
  const curve = CURVES[key.curve ?? ''];
  if (curve === 'ed25519' || curve === 'x25519') return { type: curve };
  if (!curve) throw new Error(`key ${key.ref} has an unknown curve`);
  return { type: 'ec', curve };
}

/** The prepared asymmetric key for `key`, parsed on first use. */
export function preparedKey(ctx: EngineContext, clusterId: string, key: KeyRecord): PreparedKey {
  const crypto = cryptoOf(ctx);
  const cacheKey = `${crypto.name}/${clusterId}/${key.ref}`;
  const cached = ctx.prepared?.get(cacheKey);
  if (cached) return cached;
  const material = new Uint8Array(Buffer.from(key.material, 'base64'));
  const prepared = key.class === 'private-key' ? crypto.preparePrivate(specOf(key), material) : crypto.preparePublic(specOf(key), material);
  ctx.prepared?.set(cacheKey, prepared);
  return prepared;
}

/**
 * Decoded secret material by key record. Stored records are frozen and replaced, never changed,
 * when a key changes, so an entry stays right for its record's life and goes with it.
 */
const secretBytes = new WeakMap<KeyRecord, Uint8Array>();

/** Raw bytes of a secret key: decoded once per record; each caller gets its own copy to keep or change. */
export function secretMaterial(key: KeyRecord): Uint8Array {
  let bytes = secretBytes.get(key);
  if (!bytes) {
    bytes = new Uint8Array(Buffer.from(key.material, 'base64'));
    secretBytes.set(key, bytes);
  }
  return offHeapCopy(bytes);
}

/**
 * A copy of `bytes` in its own ArrayBuffer. A small array made with `new Uint8Array(n)` or
 * `slice()` lives inside the JavaScript heap, and node:crypto must move it out before using it,
 * which costs more than the copy; an ArrayBuffer's memory is outside the heap already.
 */
function offHeapCopy(bytes: Uint8Array): Uint8Array {
  const copy = new Uint8Array(new ArrayBuffer(bytes.length));
  copy.set(bytes);
  return copy;
}
