/**
 * The @noble/* modules, each loaded on first use. The node:crypto provider is the default and
 * needs noble only for what OpenSSL lacks on Node 20 (ML-DSA, Ed25519ph, ECDSA over a given
 * digest, the strict Ed25519 point check, GCM with IVs over 128 bytes), so a command that signs
 * with ECDSA should not pay for parsing noble. Nothing imports noble statically; both providers
 * reach it through these accessors.
 *
 * Why require() and not import(): the CryptoProvider interface is synchronous (a prepared key or
 * a signature is returned, not promised), and Node ≥ 20.19 (package.json engines) loads an ES
 * module synchronously through require(), once, sharing the instance with import(). In the
 * esbuild bundle these calls are left alone and resolve to node_modules, like any dependency the
 * bundle does not hold.
 */
import { createRequire } from 'node:module';
import type * as CiphersAes from '@noble/ciphers/aes.js';
import type * as CiphersPolyval from '@noble/ciphers/_polyval.js';
import type * as CurvesEdwards from '@noble/curves/abstract/edwards.js';
import type * as CurvesWeierstrass from '@noble/curves/abstract/weierstrass.js';
import type * as CurvesEd25519 from '@noble/curves/ed25519.js';
import type * as CurvesNist from '@noble/curves/nist.js';
import type * as CurvesSecp256k1 from '@noble/curves/secp256k1.js';
import type * as HashesHmac from '@noble/hashes/hmac.js';
import type * as HashesLegacy from '@noble/hashes/legacy.js';
import type * as HashesSha2 from '@noble/hashes/sha2.js';
import type * as HashesSha3 from '@noble/hashes/sha3.js';
import type * as HashesUtils from '@noble/hashes/utils.js';
import type * as PostQuantumMlDsa from '@noble/post-quantum/ml-dsa.js';

const requireModule = createRequire(import.meta.url);

/** An accessor that loads `specifier` on its first call and returns the same module after. */
// eslint-disable-next-line @typescript-eslint/no-unnecessary-type-parameters -- require() returns any: T names the module's type, taken from the `import type` beside each accessor
function onFirstUse<T>(specifier: string): () => T {
  return memo(() => requireModule(specifier) as T);
}

export const nobleAes = onFirstUse<typeof CiphersAes>('@noble/ciphers/aes.js');
export const noblePolyval = onFirstUse<typeof CiphersPolyval>('@noble/ciphers/_polyval.js');
export const nobleEdwards = onFirstUse<typeof CurvesEdwards>('@noble/curves/abstract/edwards.js');
export const nobleWeierstrass = onFirstUse<typeof CurvesWeierstrass>('@noble/curves/abstract/weierstrass.js');
export const nobleEd25519 = onFirstUse<typeof CurvesEd25519>('@noble/curves/ed25519.js');
export const nobleNist = onFirstUse<typeof CurvesNist>('@noble/curves/nist.js');
export const nobleSecp256k1 = onFirstUse<typeof CurvesSecp256k1>('@noble/curves/secp256k1.js');
export const nobleHmac = onFirstUse<typeof HashesHmac>('@noble/hashes/hmac.js');
export const nobleLegacy = onFirstUse<typeof HashesLegacy>('@noble/hashes/legacy.js');
export const nobleSha2 = onFirstUse<typeof HashesSha2>('@noble/hashes/sha2.js');
export const nobleSha3 = onFirstUse<typeof HashesSha3>('@noble/hashes/sha3.js');
export const nobleUtils = onFirstUse<typeof HashesUtils>('@noble/hashes/utils.js');
export const nobleMlDsa = onFirstUse<typeof PostQuantumMlDsa>('@noble/post-quantum/ml-dsa.js');

/** A value computed from noble modules on its first use (noble curve instances, for example). */
export function memo<T>(make: () => T): () => T {
  let made: T | undefined;
  return () => (made ??= make());
}
