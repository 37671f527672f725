/**
 * X25519, RFC 7748: key agreement on raw 32-byte keys and on prepared keys, key pairs, and keys in
 * SPKI/PKCS#8 as RFC 8410 has them; on node:crypto and on @noble/curves. The private key is the
 * scalar exactly as §5 takes it (kept unclamped: clamping is part of the function); the public key
 * is the little-endian u-coordinate. The low-order check is written once for both backends.
 */
import { createPrivateKey, createPublicKey, diffieHellman, type KeyObject } from 'node:crypto';
import { bufferOf, checkLength, guard, invalidArgument, plain } from '../checks.js';
import { randomBytesFrom } from '../curves.js';
import { parseOctetStringKey, spkiFromCanonical, x25519Pkcs8, x25519Spki } from '../key-encoding.js';
import { nobleEd25519 } from '../noble.js';
import { familyKeys, type FamilyKey, type KeyFamily, type SpecOf } from '../prepared-keys.js';
import type { CryptoProvider, ImportedKey, ProviderName } from '../provider.js';

/** RFC 7748 §5: scalars, u-coordinates and shared secrets are 32 bytes. */
const X25519_BYTES = 32;

export interface X25519Family {
  readonly operations: Pick<CryptoProvider, 'generateX25519' | 'x25519' | 'x25519Derive'>;
  readonly keys: KeyFamily<SpecOf<'x25519'>>;
}

export function importX25519Public(publicKey: Uint8Array): ImportedKey {
  checkLength(publicKey, X25519_BYTES, 'X25519 public key');
  return { spec: { type: 'x25519' }, kind: 'public', material: publicKey.slice() };
}

/** The scalar from a PKCS#8 privateKey OCTET STRING (RFC 8410 CurvePrivateKey). */
export function importX25519Private(privateKeyOctets: Uint8Array): ImportedKey {
  const scalar = parseOctetStringKey(privateKeyOctets, X25519_BYTES, 'X25519 private key');
  return { spec: { type: 'x25519' }, kind: 'private', material: scalar.slice() };
}

/** What a backend supplies, on checked input; `Handle` is what it keeps in a prepared key. */
interface X25519Backend<Handle> {
  readonly provider: ProviderName;
  privateKey(scalar: Uint8Array): { publicKey: Uint8Array; handle: Handle };
  publicHandle(publicKey: Uint8Array): Handle;
  /** The shared secret of raw keys, or of a prepared key; may throw anything for a low-order peer. */
  agree(privateKey: Uint8Array, peerPublicKey: Uint8Array): Uint8Array;
  agreeWith(key: FamilyKey<Handle>, peerPublicKey: Uint8Array): Uint8Array;
  exportSpki(key: FamilyKey<Handle>): Uint8Array;
  exportPkcs8(key: FamilyKey<Handle>): Uint8Array;
}

/** RFC 7748 §6.1: an all-zero secret means a low-order peer, which a library may also refuse itself. */
function checkedSecret(agree: () => Uint8Array): Uint8Array {
  const shared = guard('INVALID_ARGUMENT', 'X25519 with this public key gives no shared secret (low-order point)', agree);
  if (shared.every((b) => b === 0)) throw invalidArgument('X25519 with this public key gives an all-zero shared secret');
  return shared;
}

function x25519Family<Handle>(backend: X25519Backend<Handle>): X25519Family {
  const { provider } = backend;
  const { make, use } = familyKeys<Handle>(provider);
  return Object.freeze({
    keys: Object.freeze({
      preparePrivate(spec, scalar) {
        checkLength(scalar, X25519_BYTES, 'X25519 private key');
        const { publicKey, handle } = backend.privateKey(scalar);
        return make('private', spec, scalar, publicKey, handle);
      },
      preparePublic(spec, publicKey) {
        // RFC 7748 §5: every 32-byte string is a u-coordinate to accept; low-order peers show up
        // as an all-zero shared secret, which derivation refuses.
        checkLength(publicKey, X25519_BYTES, 'X25519 public key');
        return make('public', spec, publicKey, publicKey, backend.publicHandle(publicKey));
      },
      exportSpki: (key) => backend.exportSpki(use(key, 'any', 'x25519', 'exportSpki')),
      exportPkcs8: (key) => backend.exportPkcs8(use(key, 'private', 'x25519', 'exportPkcs8')),
    } satisfies X25519Family['keys']),
    operations: Object.freeze({
      generateX25519(random) {
        const privateKey = randomBytesFrom(random, X25519_BYTES).slice();
        return { spec: { type: 'x25519' }, privateKey, publicKey: backend.privateKey(privateKey).publicKey };
      },
      x25519(privateKey, publicKey) {
        checkLength(privateKey, X25519_BYTES, 'X25519 private key');
        checkLength(publicKey, X25519_BYTES, 'X25519 public key');
        return checkedSecret(() => backend.agree(privateKey, publicKey));
      },
      x25519Derive(privateKey, peerPublicKey) {
        const k = use(privateKey, 'private', 'x25519', 'X25519 derive');
        checkLength(peerPublicKey, X25519_BYTES, 'X25519 peer public key');
        return checkedSecret(() => backend.agreeWith(k, peerPublicKey));
      },
    } satisfies X25519Family['operations']),
  });
}

// node:crypto

interface NodeX25519Handle {
  /** Absent on a public key. */
  readonly privateObject?: KeyObject;
  readonly publicObject: KeyObject;
}

function privateObject(scalar: Uint8Array): KeyObject {
  return createPrivateKey({ key: bufferOf(x25519Pkcs8(scalar)), format: 'der', type: 'pkcs8' });
}

function publicObject(publicKey: Uint8Array): KeyObject {
  return createPublicKey({ key: bufferOf(x25519Spki(publicKey)), format: 'der', type: 'spki' });
}

function nodeAgree(privateKey: KeyObject, peerPublicKey: Uint8Array): Uint8Array {
  return plain(diffieHellman({ privateKey, publicKey: publicObject(peerPublicKey) }));
}

export const x25519Node: X25519Family = x25519Family<NodeX25519Handle>({
  provider: 'node',
  privateKey(scalar) {
    const ownObject = privateObject(scalar);
    const handle = { privateObject: ownObject, publicObject: createPublicKey(ownObject) };
    const publicKey = plain(Buffer.from(handle.publicObject.export({ format: 'jwk' }).x ?? '', 'base64url'));
    return { publicKey, handle };
  },
  publicHandle: (publicKey) => ({ publicObject: publicObject(publicKey) }),
  agree: (privateKey, peerPublicKey) => nodeAgree(privateObject(privateKey), peerPublicKey),
  agreeWith: (key, peerPublicKey) => nodeAgree(key.handle.privateObject!, peerPublicKey),
  exportSpki: (key) => plain(key.handle.publicObject.export({ format: 'der', type: 'spki' })),
  exportPkcs8: (key) => plain(key.handle.privateObject!.export({ format: 'der', type: 'pkcs8' })),
});

export const x25519Noble: X25519Family = x25519Family<undefined>({
  provider: 'noble',
  privateKey: (scalar) => ({ publicKey: nobleEd25519().x25519.getPublicKey(scalar), handle: undefined }),
  publicHandle: () => undefined,
  agree: (privateKey, peerPublicKey) => nobleEd25519().x25519.getSharedSecret(privateKey, peerPublicKey),
  agreeWith: (key, peerPublicKey) => nobleEd25519().x25519.getSharedSecret(key.material, peerPublicKey),
  exportSpki: (key) => spkiFromCanonical(key.spec, key.publicMaterial).slice(),
  exportPkcs8: (key) => x25519Pkcs8(key.material),
});
