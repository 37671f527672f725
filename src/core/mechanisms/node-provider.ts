/**
 * The node:crypto (OpenSSL 3) CryptoProvider, the default: the node backend of each family module
 * (families/*.ts). See provider.ts for the interface and the canonical key forms; each family
 * module says what it implements and where its node backend borrows from noble (loaded on first
 * use, noble.ts): ML-DSA, Ed25519ph, ECDSA over a given digest, the strict Ed25519 point check and
 * GCM with IVs over 128 bytes.
 *
 * Key generation from the caller's random bytes (EC, Ed25519, X25519, ML-DSA) derives the key
 * exactly as the noble provider does, so one random stream gives one key pair on either.
 */
import { randomBytes } from 'node:crypto';
import { plain } from './checks.js';
import { aesWrapNode } from './families/aes-wrap.js';
import { des3Node } from './families/des3.js';
import { aesNode } from './families/aes.js';
import { digestNode } from './families/digest.js';
import { dsaNode } from './families/dsa.js';
import { ecNode } from './families/ec.js';
import { eddsaNode } from './families/eddsa.js';
import { macNode } from './families/mac.js';
import { mlDsaFamily } from './families/ml-dsa.js';
import { rsaNode } from './families/rsa.js';
import { x25519Node } from './families/x25519.js';
import { nodeKeyImport } from './key-import.js';
import { keyHandling } from './prepared-keys.js';
import type { CryptoProvider } from './provider.js';

export function createNodeProvider(): CryptoProvider {
  const mlDsaNode = mlDsaFamily('node', (byteLength) => plain(randomBytes(byteLength)));
  const provider: CryptoProvider = {
    name: 'node',
    digest: digestNode.digest,
    ...macNode,
    ...aesNode,
    ...aesWrapNode,
    ...des3Node,
    ...keyHandling('node', {
      ec: ecNode.keys,
      ed25519: eddsaNode.keys,
      x25519: x25519Node.keys,
      rsa: rsaNode.keys,
      dsa: dsaNode.keys,
      'ml-dsa': mlDsaNode.keys,
    }),
    ...nodeKeyImport,
    ...ecNode.operations,
    ...eddsaNode.operations,
    ...x25519Node.operations,
    ...rsaNode.operations,
    ...dsaNode.operations,
    ...mlDsaNode.operations,
  };
  return Object.freeze(provider);
}

export const nodeProvider: CryptoProvider = createNodeProvider();
