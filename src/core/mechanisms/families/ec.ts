/**
 * EC on the five Weierstrass curves of the table: ECDSA (FIPS 186-5 §6; signatures as IEEE P1363
 * r‖s), ECDH (SEC 1 §3.3.1, the shared secret is the x coordinate), key pairs (FIPS 186-5 A.2.1
 * "extra random bits", curves.ts), and keys as SEC 1 points and RFC 5915 EC private keys; on
 * node:crypto and on @noble/curves. Preparation, import, generation and every check are written
 * once; each backend supplies the curve arithmetic.
 *
 * node:crypto only signs messages: ECDSA over a caller-supplied digest (`prehashed`) is computed
 * here, on OpenSSL's point multiplication in the node backend (signDigestOnOpenSsl) and with noble
 * in the noble one; the noble backend's ECDSA nonces are RFC 6979 deterministic.
 */
import { ECDH, createECDH, createPrivateKey, createPublicKey, diffieHellman, sign as nodeSign, verify as nodeVerify, type KeyObject } from 'node:crypto';
import type { ECDSA } from '@noble/curves/abstract/weierstrass.js';
import {
  bufferOf,
  checkBytes,
  checkDigestLength,
  checkHash,
  checkSpec,
  equalBytes,
  guard,
  invalidArgument,
  plain,
  verifyGuard,
} from '../checks.js';
import { OPENSSL_CURVE_NAMES, bigIntToBytes, bytesToBigInt, checkPointEncoding, checkScalar, curveOrder, scalarFromRandom } from '../curves.js';
import { ecPkcs8, spkiFromCanonical } from '../key-encoding.js';
import { memo, nobleNist, nobleSecp256k1, nobleSha2, nobleWeierstrass } from '../noble.js';
import { familyKeys, type FamilyKey, type KeyFamily, type SpecOf } from '../prepared-keys.js';
import {
  EC_CURVE_BYTES,
  type CryptoProvider,
  type EcCurve,
  type HashName,
  type ImportedKey,
  type ProviderName,
  type SignOptions,
} from '../provider.js';
import { CURVES, columnOf, type CurveRow } from '../table.js';
import { digestNoble } from './digest.js';
import { takeNonce } from '../ecdsa-nonces.js';

export interface EcFamily {
  readonly operations: Pick<CryptoProvider, 'generateEc' | 'ecdsaSign' | 'ecdsaVerify' | 'ecdh'>;
  readonly keys: KeyFamily<SpecOf<'ec'>>;
  /** The canonical (uncompressed, checked) point of an imported public key, compressed or not. */
  importPublic(curve: EcCurve, encodedPoint: Uint8Array): ImportedKey;
  /** An imported private scalar, with the public point it came with checked against it. */
  importPrivate(curve: EcCurve, d: Uint8Array, publicPoint: Uint8Array | undefined): ImportedKey;
}

/** What a backend supplies, on checked input; `Handle` is what it keeps in a prepared key. */
interface EcBackend<Handle> {
  readonly provider: ProviderName;
  publicPoint(curve: EcCurve, d: Uint8Array): Uint8Array;
  /** The uncompressed form of a SEC 1 point; throws anything if it is not on the curve. */
  uncompressed(curve: EcCurve, point: Uint8Array): Uint8Array;
  privateHandle(curve: EcCurve, d: Uint8Array, point: Uint8Array): Handle;
  /** Throws anything if the point is not on the curve. */
  publicHandle(curve: EcCurve, point: Uint8Array): Handle;
  signMessage(key: FamilyKey<Handle>, curve: EcCurve, hash: HashName, message: Uint8Array): Uint8Array;
  /** ECDSA over a digest (its length checked), r‖s. */
  signDigest(key: FamilyKey<Handle>, curve: EcCurve, digest: Uint8Array): Uint8Array;
  verifyMessage(key: FamilyKey<Handle>, curve: EcCurve, hash: HashName, message: Uint8Array, signature: Uint8Array): boolean;
  /** The x coordinate; throws anything if the peer point is not on the curve. */
  sharedSecret(key: FamilyKey<Handle>, curve: EcCurve, peerPoint: Uint8Array): Uint8Array;
  exportSpki(key: FamilyKey<Handle>, curve: EcCurve): Uint8Array;
  exportPkcs8(key: FamilyKey<Handle>, curve: EcCurve): Uint8Array;
}

const NOBLE_ECDSA_OPTIONS = { prehash: false, lowS: false, format: 'compact' } as const;

function curveOf(key: FamilyKey<unknown>): EcCurve {
  return (key.spec as SpecOf<'ec'>).curve;
}

function checkMessage(hash: HashName, data: Uint8Array, options: SignOptions | undefined): void {
  checkHash(hash);
  checkBytes(data, 'data');
  if (options?.prehashed) checkDigestLength(hash, data);
}

function ecFamily<Handle>(backend: EcBackend<Handle>): EcFamily {
  const { provider } = backend;
  const { make, use } = familyKeys<Handle>(provider);
  const notOnCurve = (curve: EcCurve): string => `${curve} public key is not a point on the curve`;
  const family: EcFamily = {
    keys: Object.freeze({
      preparePrivate(spec, d) {
        checkScalar(spec.curve, d);
        const point = backend.publicPoint(spec.curve, d);
        return make('private', spec, d, point, backend.privateHandle(spec.curve, d, point));
      },
      preparePublic(spec, point) {
        checkPointEncoding(spec.curve, point);
        const handle = guard('INVALID_ARGUMENT', notOnCurve(spec.curve), () => backend.publicHandle(spec.curve, point));
        return make('public', spec, point, point, handle);
      },
      exportSpki: (key) => {
        const k = use(key, 'any', 'ec', 'exportSpki');
        return backend.exportSpki(k, curveOf(k));
      },
      exportPkcs8: (key) => {
        const k = use(key, 'private', 'ec', 'exportPkcs8');
        return backend.exportPkcs8(k, curveOf(k));
      },
    } satisfies EcFamily['keys']),
    importPublic(curve, encodedPoint) {
      const point = guard('INVALID_ARGUMENT', notOnCurve(curve), () => backend.uncompressed(curve, encodedPoint));
      return { spec: { type: 'ec', curve }, kind: 'public', material: point };
    },
    importPrivate(curve, d, publicPoint) {
      checkScalar(curve, d);
      if (publicPoint) {
        // Libraries keep an embedded public key unchecked: a mismatched pair is refused here.
        const given = guard('INVALID_ARGUMENT', notOnCurve(curve), () => backend.uncompressed(curve, publicPoint));
        if (!equalBytes(backend.publicPoint(curve, d), given)) {
          throw invalidArgument('EC private key: the public key does not match the private key');
        }
      }
      return { spec: { type: 'ec', curve }, kind: 'private', material: d.slice() };
    },
    operations: Object.freeze({
      generateEc(curve, random) {
        checkSpec({ type: 'ec', curve });
        const d = scalarFromRandom(curve, random);
        return { spec: { type: 'ec', curve }, privateKey: d, publicKey: backend.publicPoint(curve, d) };
      },
      ecdsaSign(key, hash, data, options) {
        const k = use(key, 'private', 'ec', 'ECDSA sign');
        checkMessage(hash, data, options);
        if (options?.prehashed) return backend.signDigest(k, curveOf(k), data);
        return backend.signMessage(k, curveOf(k), hash, data);
      },
      ecdsaVerify(key, hash, data, signature, options) {
        const k = use(key, 'any', 'ec', 'ECDSA verify');
        checkMessage(hash, data, options);
        checkBytes(signature, 'signature');
        const curve = curveOf(k);
        if (signature.length !== 2 * EC_CURVE_BYTES[curve]) return false;
        if (options?.prehashed) {
          return verifyGuard(() => nobleCurve(curve).verify(signature, data, k.publicMaterial, NOBLE_ECDSA_OPTIONS));
        }
        return verifyGuard(() => backend.verifyMessage(k, curve, hash, data, signature));
      },
      ecdh(privateKey, peerPublicPoint) {
        const k = use(privateKey, 'private', 'ec', 'ECDH');
        const curve = curveOf(k);
        checkPointEncoding(curve, peerPublicPoint, 'peer public key');
        return guard('INVALID_ARGUMENT', `the ${curve} peer public key is not a point on the curve`, () =>
          backend.sharedSecret(k, curve, peerPublicPoint),
        );
      },
    } satisfies EcFamily['operations']),
  };
  return Object.freeze(family);
}

// node:crypto

interface NodeEcHandle {
  /** Absent on a public key. */
  readonly privateObject?: KeyObject;
  readonly publicObject: KeyObject;
}

/*
 * Key objects from canonical material. OpenSSL 3.0's DER decoders are slow (about 0.6 ms per EC
 * key), while node imports JWK straight into the key structures about ten times faster, so JWK is
 * used wherever node knows the curve (the table's `jwk` column; P-224 has none and uses DER).
 * Both paths check that a public point is on the curve.
 */
const JWK_CURVES: Readonly<Record<EcCurve, string | undefined>> = columnOf(CURVES, (row: CurveRow) => row.jwk);

function base64Url(bytes: Uint8Array): string {
  return bufferOf(bytes).toString('base64url');
}

function ecJwk(curve: EcCurve, point: Uint8Array): { kty: 'EC'; crv: string; x: string; y: string } | undefined {
  const crv = JWK_CURVES[curve];
  if (crv === undefined) return undefined;
  const size = EC_CURVE_BYTES[curve];
  return { kty: 'EC', crv, x: base64Url(point.subarray(1, 1 + size)), y: base64Url(point.subarray(1 + size)) };
}

function ecPrivateObject(curve: EcCurve, d: Uint8Array, point: Uint8Array): KeyObject {
  const jwk = ecJwk(curve, point);
  if (jwk) return createPrivateKey({ key: { ...jwk, d: base64Url(d) }, format: 'jwk' });
  return createPrivateKey({ key: bufferOf(ecPkcs8(curve, d, point)), format: 'der', type: 'pkcs8' });
}

function ecPublicObject(curve: EcCurve, point: Uint8Array): KeyObject {
  const jwk = ecJwk(curve, point);
  if (jwk) return createPublicKey({ key: jwk, format: 'jwk' });
  return createPublicKey({ key: bufferOf(spkiFromCanonical({ type: 'ec', curve }, point)), format: 'der', type: 'spki' });
}

/**
 * ECDSA over a digest (FIPS 186-5 §6.4.1) with OpenSSL doing the scalar multiplication, which is
 * what costs: node:crypto signs only messages, and noble's pure-JS multiplication is about ten
 * times slower (PKCS #11's CKM_ECDSA signs digests). The nonce (r, k⁻¹) comes from
 * ecdsa-nonces.ts, fresh and used once; s = k⁻¹(e + r·d) mod n, e being the digest's leftmost bits
 * (as many as n has); a zero s takes another nonce. The scalar arithmetic is BigInt, as noble's is.
 */
function signDigestOnOpenSsl(curve: EcCurve, d: Uint8Array, digest: Uint8Array): Uint8Array {
  const n = curveOrder(curve);
  const size = EC_CURVE_BYTES[curve];
  const { Fn } = nobleCurve(curve).Point;
  const excess = digest.length * 8 - Fn.BITS;
  const e = (excess > 0 ? bytesToBigInt(digest) >> BigInt(excess) : bytesToBigInt(digest)) % n;
  const x = bytesToBigInt(d);
  for (;;) {
    const { r, kInverse } = takeNonce(curve);
    const s = Fn.mul(kInverse, Fn.add(e, Fn.mul(r, x)));
    if (s === 0n) continue;
    const signature = new Uint8Array(2 * size);
    signature.set(bigIntToBytes(r, size), 0);
    signature.set(bigIntToBytes(s, size), size);
    return signature;
  }
}

export const ecNode: EcFamily = ecFamily<NodeEcHandle>({
  provider: 'node',
  publicPoint(curve, d) {
    const ecdh = createECDH(OPENSSL_CURVE_NAMES[curve]);
    ecdh.setPrivateKey(d);
    return plain(ecdh.getPublicKey());
  },
  // An uncompressed point has been checked by OpenSSL where it came from (key import).
  uncompressed: (curve, point) =>
    point[0] === 0x04
      ? point.slice()
      : plain(ECDH.convertKey(bufferOf(point), OPENSSL_CURVE_NAMES[curve], undefined, undefined, 'uncompressed') as Buffer),
  privateHandle(curve, d, point) {
    const privateObject = ecPrivateObject(curve, d, point);
    return { privateObject, publicObject: createPublicKey(privateObject) };
  },
  publicHandle: (curve, point) => ({ publicObject: ecPublicObject(curve, point) }),
  signMessage: (key, _curve, hash, message) =>
    plain(nodeSign(hash, message, { key: key.handle.privateObject!, dsaEncoding: 'ieee-p1363' })),
  signDigest: (key, curve, digest) => signDigestOnOpenSsl(curve, key.material, digest),
  verifyMessage: (key, _curve, hash, message, signature) =>
    nodeVerify(hash, message, { key: key.handle.publicObject, dsaEncoding: 'ieee-p1363' }, signature),
  sharedSecret: (key, curve, peerPoint) =>
    plain(diffieHellman({ privateKey: key.handle.privateObject!, publicKey: ecPublicObject(curve, peerPoint) })),
  exportSpki: (key) => plain(key.handle.publicObject.export({ format: 'der', type: 'spki' })),
  exportPkcs8: (key) => plain(key.handle.privateObject!.export({ format: 'der', type: 'pkcs8' })),
});

// @noble/curves

/** The SEC 2 §2.6.1 domain parameters of secp224r1 that the table does not hold (its order n it does). */
const P224 = {
  p: 'ffffffffffffffffffffffffffffffff000000000000000000000001',
  a: 'fffffffffffffffffffffffffffffffefffffffffffffffffffffffe',
  b: 'b4050a850c04b3abf54132565044b0b7d7bfd8ba270b39432355ffb4',
  Gx: 'b70e0cbd6bb4bf7f321390b94a03c1d356c21122343280d6115c1d21',
  Gy: 'bd376388b5f723fb4c22dfe6cd4375a05a07476444d5819985007e34',
} as const;

/**
 * The five curves as @noble/curves ECDSA instances. @noble/curves v2 dropped P-224, so secp224r1
 * is built here with noble's generic weierstrass() and ecdsa(); it is cross-checked against OpenSSL.
 */
const nobleCurves = memo((): Readonly<Record<EcCurve, ECDSA>> => {
  const { ecdsa, weierstrass } = nobleWeierstrass();
  const { p256, p384, p521 } = nobleNist();
  const hex = (value: string): bigint => BigInt(`0x${value}`);
  const p224Point = weierstrass({
    p: hex(P224.p),
    n: curveOrder('secp224r1'),
    h: 1n,
    a: hex(P224.a),
    b: hex(P224.b),
    Gx: hex(P224.Gx),
    Gy: hex(P224.Gy),
  });
  return Object.freeze({
    secp224r1: ecdsa(p224Point, nobleSha2().sha224),
    secp256r1: p256,
    secp384r1: p384,
    secp521r1: p521,
    secp256k1: nobleSecp256k1().secp256k1,
  });
});

function nobleCurve(curve: EcCurve): ECDSA {
  return nobleCurves()[curve];
}

export const ecNoble: EcFamily = ecFamily<undefined>({
  provider: 'noble',
  publicPoint: (curve, d) => nobleCurve(curve).getPublicKey(d, false),
  // fromBytes checks that the point is on the curve.
  uncompressed: (curve, point) => nobleCurve(curve).Point.fromBytes(point).toBytes(false),
  privateHandle: () => undefined,
  publicHandle(curve, point) {
    nobleCurve(curve).Point.fromBytes(point);
  },
  signMessage: (key, curve, hash, message) =>
    nobleCurve(curve).sign(digestNoble.hasher(hash)(message), key.material, NOBLE_ECDSA_OPTIONS),
  signDigest: (key, curve, digest) => nobleCurve(curve).sign(digest, key.material, NOBLE_ECDSA_OPTIONS),
  verifyMessage: (key, curve, hash, message, signature) =>
    nobleCurve(curve).verify(signature, digestNoble.hasher(hash)(message), key.publicMaterial, NOBLE_ECDSA_OPTIONS),
  sharedSecret: (key, curve, peerPoint) => nobleCurve(curve).getSharedSecret(key.material, peerPoint, true).slice(1),
  exportSpki: (key) => spkiFromCanonical(key.spec, key.publicMaterial).slice(),
  exportPkcs8: (key, curve) => ecPkcs8(curve, key.material, key.publicMaterial),
});
