/**
 * EdDSA, RFC 8032: Ed25519 and HashEdDSA Ed25519ph (§5.1, the prehash is SHA-512), with the strict
 * RFC 8032 verification rule (not ZIP-215); keys are the 32-byte seed and the encoded point, in
 * SPKI/PKCS#8 as RFC 8410 has them. On node:crypto and on @noble/curves.
 *
 * noble serves both backends where node has nothing: the strict point check of a public key
 * (OpenSSL accepts any 32 bytes at import) and Ed25519ph (node exposes no prehash or context).
 */
import { createPrivateKey, createPublicKey, sign as nodeSign, verify as nodeVerify, type KeyObject } from 'node:crypto';
import {
  bufferOf,
  checkBytes,
  checkContext,
  checkDigestLength,
  checkLength,
  concatBytes,
  invalidArgument,
  plain,
  verifyGuard,
} from '../checks.js';
import { randomBytesFrom } from '../curves.js';
import { ed25519Pkcs8, parseOctetStringKey, spkiFromCanonical } from '../key-encoding.js';
import { memo, nobleEd25519, nobleEdwards, nobleSha2 } from '../noble.js';
import { familyKeys, type FamilyKey, type KeyFamily, type SpecOf } from '../prepared-keys.js';
import type { CryptoProvider, Ed25519phOptions, ImportedKey, ProviderName } from '../provider.js';

/** RFC 8032 §5.1: keys and signatures in bytes; a context is at most 255 bytes. */
const ED25519_KEY_BYTES = 32;
const ED25519_SIGNATURE_BYTES = 64;
const ED25519_MAX_CONTEXT_BYTES = 255;

export interface EddsaFamily {
  readonly operations: Pick<
    CryptoProvider,
    'generateEd25519' | 'ed25519Sign' | 'ed25519Verify' | 'ed25519phSign' | 'ed25519phVerify'
  >;
  readonly keys: KeyFamily<SpecOf<'ed25519'>>;
}

/** The RFC 8032 decoding rule (canonical y < p), as both backends check Ed25519 public keys. */
function isValidEd25519PublicKey(publicKey: Uint8Array): boolean {
  return publicKey.length === ED25519_KEY_BYTES && nobleEd25519().ed25519.utils.isValidPublicKey(publicKey, false);
}

function checkPublicKey(publicKey: Uint8Array): void {
  if (!isValidEd25519PublicKey(publicKey)) throw invalidArgument('Ed25519 public key is not a valid point encoding');
}

export function importEd25519Public(publicKey: Uint8Array): ImportedKey {
  checkPublicKey(publicKey);
  return { spec: { type: 'ed25519' }, kind: 'public', material: publicKey.slice() };
}

/** The seed from a PKCS#8 privateKey OCTET STRING (RFC 8410 CurvePrivateKey). */
export function importEd25519Private(privateKeyOctets: Uint8Array): ImportedKey {
  const seed = parseOctetStringKey(privateKeyOctets, ED25519_KEY_BYTES, 'Ed25519 private key');
  return { spec: { type: 'ed25519' }, kind: 'private', material: seed.slice() };
}

/** RFC 8032 §5.1 dom2(phflag, ctx). */
function dom2(data: Uint8Array, context: Uint8Array, phflag: boolean): Uint8Array {
  const prefix = new TextEncoder().encode('SigEd25519 no Ed25519 collisions');
  return concatBytes(prefix, Uint8Array.of(phflag ? 1 : 0, context.length), context, data);
}

/** RFC 8032 §5.1.5 step 2 clamping. */
function clampScalar(bytes: Uint8Array): Uint8Array {
  bytes[0]! &= 248;
  bytes[31]! &= 127;
  bytes[31]! |= 64;
  return bytes;
}

/**
 * Ed25519ph over a caller-supplied SHA-512 digest: noble's ed25519ph hashes the message itself,
 * so this instance takes PH(M) as its input (identity prehash, same domain and clamping).
 */
const ed25519phOfDigest = memo(() =>
  nobleEdwards().eddsa(nobleEd25519().ed25519.Point, nobleSha2().sha512, {
    domain: dom2,
    prehash: (digest: Uint8Array) => digest,
    adjustScalarBytes: clampScalar,
    zip215: false,
  }),
);

function phDigest(data: Uint8Array, options: Ed25519phOptions | undefined): { digest: Uint8Array; context: Uint8Array } {
  checkBytes(data, 'data');
  const context = checkContext(options?.context, ED25519_MAX_CONTEXT_BYTES);
  if (options?.prehashed) {
    checkDigestLength('sha512', data);
    return { digest: data, context };
  }
  return { digest: nobleSha2().sha512(data), context };
}

/** What a backend supplies, on checked input; `Handle` is what it keeps in a prepared key. */
interface EddsaBackend<Handle> {
  readonly provider: ProviderName;
  /** The public key of a seed, and the handle of the private key. */
  privateKey(seed: Uint8Array): { publicKey: Uint8Array; handle: Handle };
  publicHandle(publicKey: Uint8Array): Handle;
  sign(key: FamilyKey<Handle>, message: Uint8Array): Uint8Array;
  verify(key: FamilyKey<Handle>, message: Uint8Array, signature: Uint8Array): boolean;
  exportSpki(key: FamilyKey<Handle>): Uint8Array;
  exportPkcs8(key: FamilyKey<Handle>): Uint8Array;
}

function eddsaFamily<Handle>(backend: EddsaBackend<Handle>): EddsaFamily {
  const { provider } = backend;
  const { make, use } = familyKeys<Handle>(provider);
  return Object.freeze({
    keys: Object.freeze({
      preparePrivate(spec, seed) {
        checkLength(seed, ED25519_KEY_BYTES, 'Ed25519 private key (seed)');
        const { publicKey, handle } = backend.privateKey(seed);
        return make('private', spec, seed, publicKey, handle);
      },
      preparePublic(spec, publicKey) {
        checkLength(publicKey, ED25519_KEY_BYTES, 'Ed25519 public key');
        checkPublicKey(publicKey);
        return make('public', spec, publicKey, publicKey, backend.publicHandle(publicKey));
      },
      exportSpki: (key) => backend.exportSpki(use(key, 'any', 'ed25519', 'exportSpki')),
      exportPkcs8: (key) => backend.exportPkcs8(use(key, 'private', 'ed25519', 'exportPkcs8')),
    } satisfies EddsaFamily['keys']),
    operations: Object.freeze({
      generateEd25519(random) {
        const seed = randomBytesFrom(random, ED25519_KEY_BYTES).slice();
        return { spec: { type: 'ed25519' }, privateKey: seed, publicKey: backend.privateKey(seed).publicKey };
      },
      ed25519Sign(key, message) {
        const k = use(key, 'private', 'ed25519', 'Ed25519 sign');
        checkBytes(message, 'message');
        return backend.sign(k, message);
      },
      ed25519Verify(key, message, signature) {
        const k = use(key, 'any', 'ed25519', 'Ed25519 verify');
        checkBytes(message, 'message');
        checkBytes(signature, 'signature');
        if (signature.length !== ED25519_SIGNATURE_BYTES) return false;
        return verifyGuard(() => backend.verify(k, message, signature));
      },
      ed25519phSign(key, data, options) {
        const k = use(key, 'private', 'ed25519', 'Ed25519ph sign');
        const { digest, context } = phDigest(data, options);
        return ed25519phOfDigest().sign(digest, k.material, { context });
      },
      ed25519phVerify(key, data, signature, options) {
        const k = use(key, 'any', 'ed25519', 'Ed25519ph verify');
        const { digest, context } = phDigest(data, options);
        checkBytes(signature, 'signature');
        if (signature.length !== ED25519_SIGNATURE_BYTES) return false;
        return verifyGuard(() => ed25519phOfDigest().verify(signature, digest, k.publicMaterial, { context, zip215: false }));
      },
    } satisfies EddsaFamily['operations']),
  });
}

// node:crypto: OKP JWK imports about ten times faster than OpenSSL 3.0's DER decoder.

function base64Url(bytes: Uint8Array): string {
  return bufferOf(bytes).toString('base64url');
}

function ed25519PrivateObject(seed: Uint8Array): KeyObject {
  try {
    // node reads only d for an OKP private JWK; x must be present but is not used.
    return createPrivateKey({ key: { kty: 'OKP', crv: 'Ed25519', d: base64Url(seed), x: '' }, format: 'jwk' });
  } catch {
    return createPrivateKey({ key: bufferOf(ed25519Pkcs8(seed)), format: 'der', type: 'pkcs8' });
  }
}

interface NodeEddsaHandle {
  /** Absent on a public key. */
  readonly privateObject?: KeyObject;
  readonly publicObject: KeyObject;
}

export const eddsaNode: EddsaFamily = eddsaFamily<NodeEddsaHandle>({
  provider: 'node',
  privateKey(seed) {
    const privateObject = ed25519PrivateObject(seed);
    const publicObject = createPublicKey(privateObject);
    const publicKey = plain(Buffer.from(publicObject.export({ format: 'jwk' }).x ?? '', 'base64url'));
    return { publicKey, handle: { privateObject, publicObject } };
  },
  publicHandle: (publicKey) => ({
    publicObject: createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: base64Url(publicKey) }, format: 'jwk' }),
  }),
  sign: (key, message) => plain(nodeSign(null, message, key.handle.privateObject!)),
  verify: (key, message, signature) => nodeVerify(null, message, key.handle.publicObject, signature),
  exportSpki: (key) => plain(key.handle.publicObject.export({ format: 'der', type: 'spki' })),
  exportPkcs8: (key) => plain(key.handle.privateObject!.export({ format: 'der', type: 'pkcs8' })),
});

export const eddsaNoble: EddsaFamily = eddsaFamily<undefined>({
  provider: 'noble',
  privateKey: (seed) => ({ publicKey: nobleEd25519().ed25519.getPublicKey(seed), handle: undefined }),
  publicHandle: () => undefined,
  sign: (key, message) => nobleEd25519().ed25519.sign(message, key.material),
  verify: (key, message, signature) => nobleEd25519().ed25519.verify(signature, message, key.publicMaterial, { zip215: false }),
  exportSpki: (key) => spkiFromCanonical(key.spec, key.publicMaterial).slice(),
  exportPkcs8: (key) => ed25519Pkcs8(key.material),
});
