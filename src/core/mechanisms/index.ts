/**
 * The cryptographic primitive layer's entry point: the two CryptoProvider implementations by name.
 * Core reads no environment; the CLI maps CLOUDHSM_CRYPTO_PROVIDER onto `getProvider`.
 */
import { invalidArgument } from './checks.js';
import { nobleProvider } from './noble-provider.js';
import { nodeProvider } from './node-provider.js';
import type { CryptoProvider, ProviderName } from './provider.js';

export * from './provider.js';
export { ecdsaDerToP1363, ecdsaP1363ToDer, encodeDigestInfo, decodeDigestInfo, toHex, fromHex } from './der.js';
export { rsaPublicNumbers, type RsaPublicNumbers } from './key-encoding.js';
export { createNobleProvider, type NobleProviderOptions } from './noble-provider.js';
export { createNodeProvider } from './node-provider.js';

export const providers: Readonly<Record<ProviderName, CryptoProvider>> = Object.freeze({
  node: nodeProvider,
  noble: nobleProvider,
});

/** The provider of that name; `node` is the default. */
export function getProvider(name: ProviderName = 'node'): CryptoProvider {
  const provider = (providers as Record<string, CryptoProvider | undefined>)[name];
  if (!provider) throw invalidArgument(`crypto provider must be node or noble, got ${name}`);
  return provider;
}
