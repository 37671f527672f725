/**
 * The @noble/* CryptoProvider: the noble backend of each family module (families/*.ts), with
 * @noble/hashes, @noble/ciphers, @noble/curves and @noble/post-quantum each loaded on first use
 * (noble.ts). See provider.ts for the interface and the canonical key forms.
 *
 * Neither library implements RSA, so RSA keys, key generation and the raw RSA operation are
 * node:crypto's (rsa-keys.ts) while the RFC 8017 paddings are done with @noble/hashes, which makes
 * the RSA cross-check against the node provider meaningful. Neither implements DES or DSA either:
 * those two families are node:crypto's in this provider too (families/des3.ts, families/dsa.ts). ECDSA nonces are RFC 6979
 * deterministic; other in-operation randomness (ML-DSA hedging, PSS salts, OAEP seeds, PKCS#1 v1.5
 * padding) comes from `options.random`, by default the OS CSPRNG.
 */
import { aesWrapNoble } from './families/aes-wrap.js';
import { des3Noble } from './families/des3.js';
import { aesNoble } from './families/aes.js';
import { digestNoble } from './families/digest.js';
import { dsaNoble } from './families/dsa.js';
import { ecNoble } from './families/ec.js';
import { eddsaNoble } from './families/eddsa.js';
import { macNoble } from './families/mac.js';
import { mlDsaFamily } from './families/ml-dsa.js';
import { rsaNoble } from './families/rsa.js';
import { x25519Noble } from './families/x25519.js';
import { nobleKeyImport } from './key-import.js';
import { nobleUtils } from './noble.js';
import { keyHandling } from './prepared-keys.js';
import type { CryptoProvider, RandomBytes } from './provider.js';

export interface NobleProviderOptions {
  /** Randomness used inside operations (not key generation, which takes its own). */
  readonly random?: RandomBytes;
}

export function createNobleProvider(options: NobleProviderOptions = {}): CryptoProvider {
  const random = options.random ?? ((byteLength: number) => nobleUtils().randomBytes(byteLength));
  const mlDsaNoble = mlDsaFamily('noble', random);
  const rsa = rsaNoble(random);
  const provider: CryptoProvider = {
    name: 'noble',
    digest: digestNoble.digest,
    ...macNoble,
    ...aesNoble,
    ...aesWrapNoble,
    ...des3Noble,
    ...keyHandling('noble', {
      ec: ecNoble.keys,
      ed25519: eddsaNoble.keys,
      x25519: x25519Noble.keys,
      rsa: rsa.keys,
      dsa: dsaNoble.keys,
      'ml-dsa': mlDsaNoble.keys,
    }),
    ...nobleKeyImport,
    ...ecNoble.operations,
    ...eddsaNoble.operations,
    ...x25519Noble.operations,
    ...rsa.operations,
    ...dsaNoble.operations,
    ...mlDsaNoble.operations,
  };
  return Object.freeze(provider);
}

export const nobleProvider: CryptoProvider = createNobleProvider();
