/**
 * Key containers, provider-neutral: SubjectPublicKeyInfo (RFC 5280 §4.1, RFC 5480 for EC,
 * RFC 8410 for Ed25519/X25519, RFC 9881 for ML-DSA, RFC 3279 §2.3.2 for DSA), PKCS#8 PrivateKeyInfo / OneAsymmetricKey
 * (RFC 5958) and SEC 1 ECPrivateKey (RFC 5915). The noble provider parses and builds keys with
 * these; the node provider lets OpenSSL do it where OpenSSL knows the algorithm. EC keys must use
 * a named curve (explicit parameters are refused, as RFC 5480 §2.1.1 requires of CAs).
 */
import {
  TAG,
  bitString,
  children,
  derNull,
  expectTag,
  leftPad,
  octetString,
  oid,
  parseDer,
  readBitString,
  readOid,
  readSmallInteger,
  readUnsignedInteger,
  sequence,
  smallInteger,
  unsignedInteger,
} from './der.js';
import { CURVE_OIDS, curveFromOid } from './curves.js';
import { invalidArgument } from './checks.js';
import { DSA_KEYS, ML_DSA, columnOf } from './table.js';
import {
  EC_CURVE_BYTES,
  ML_DSA_BYTES,
  ML_DSA_VARIANTS,
  ML_DSA_SEED_BYTES,
  type AsymmetricKeySpec,
  type EcCurve,
  type MlDsaVariant,
} from './provider.js';

/** Algorithm OIDs as DER content bytes (hex). */
export const ALGORITHM_OIDS = Object.freeze({
  ecPublicKey: '2a8648ce3d0201',
  ed25519: '2b6570',
  x25519: '2b656e',
  rsaEncryption: '2a864886f70d010101',
  dsa: DSA_KEYS.oid,
  ...columnOf(ML_DSA, (row) => row.oid),
});

export type KeyAlgorithm = 'ec' | 'ed25519' | 'x25519' | 'rsa' | 'dsa' | 'ml-dsa';

export interface AlgorithmIdentifier {
  readonly algorithm: KeyAlgorithm;
  readonly curve?: EcCurve;
  readonly variant?: MlDsaVariant;
}

function algorithmIdentifier(spec: AsymmetricKeySpec): Uint8Array {
  switch (spec.type) {
    case 'ec':
      return sequence(oid(ALGORITHM_OIDS.ecPublicKey), oid(CURVE_OIDS[spec.curve]));
    case 'ed25519':
      return sequence(oid(ALGORITHM_OIDS.ed25519));
    case 'x25519':
      return sequence(oid(ALGORITHM_OIDS.x25519));
    case 'rsa':
      return sequence(oid(ALGORITHM_OIDS.rsaEncryption), derNull());
    case 'ml-dsa':
      return sequence(oid(ALGORITHM_OIDS[spec.variant]));
    case 'dsa':
      // Its domain parameters live in the key's own SPKI and PKCS#8, the canonical forms.
      throw invalidArgument('a DSA key carries its domain parameters: use its SPKI or PKCS#8');
  }
}

function parseAlgorithmIdentifier(element: Parameters<typeof children>[0] | undefined, what: string): AlgorithmIdentifier {
  const items = children(expectTag(element, TAG.SEQUENCE, what), what);
  const oidHex = readOid(items[0], what);
  const params = items[1];
  if (items.length > 2) throw invalidArgument(`${what}: unexpected AlgorithmIdentifier elements`);
  if (oidHex === ALGORITHM_OIDS.ecPublicKey) {
    if (params === undefined || params.tag !== TAG.OID) {
      throw invalidArgument(`${what}: EC keys must name their curve (explicit parameters are not supported)`);
    }
    const curve = curveFromOid(readOid(params, what));
    if (curve === undefined) throw invalidArgument(`${what}: unsupported EC curve`);
    return { algorithm: 'ec', curve };
  }
  if (oidHex === ALGORITHM_OIDS.dsa) {
    // RFC 3279 §2.3.2: Dss-Parms; a key that inherits them from a CA certificate is not a key alone.
    if (params === undefined || params.tag !== TAG.SEQUENCE) throw invalidArgument(`${what}: DSA keys must carry their domain parameters`);
    return { algorithm: 'dsa' };
  }
  if (oidHex === ALGORITHM_OIDS.rsaEncryption) {
    if (params === undefined || params.tag !== TAG.NULL || params.content.length !== 0) {
      throw invalidArgument(`${what}: rsaEncryption parameters must be NULL`);
    }
    return { algorithm: 'rsa' };
  }
  // RFC 8410 §3 and RFC 9881 §2: parameters MUST be absent.
  if (params !== undefined) throw invalidArgument(`${what}: algorithm parameters must be absent`);
  if (oidHex === ALGORITHM_OIDS.ed25519) return { algorithm: 'ed25519' };
  if (oidHex === ALGORITHM_OIDS.x25519) return { algorithm: 'x25519' };
  for (const variant of ML_DSA_VARIANTS) {
    if (oidHex === ALGORITHM_OIDS[variant]) return { algorithm: 'ml-dsa', variant };
  }
  throw invalidArgument(`${what}: unsupported key algorithm`);
}

export function specOf(alg: AlgorithmIdentifier): AsymmetricKeySpec {
  switch (alg.algorithm) {
    case 'ec':
      return { type: 'ec', curve: alg.curve! };
    case 'ml-dsa':
      return { type: 'ml-dsa', variant: alg.variant! };
    case 'ed25519':
      return { type: 'ed25519' };
    case 'x25519':
      return { type: 'x25519' };
    case 'rsa':
      return { type: 'rsa' };
    case 'dsa':
      return { type: 'dsa' };
  }
}

// SubjectPublicKeyInfo

/** SPKI DER from canonical public material (RSA's and DSA's canonical forms already are SPKI). */
export function spkiFromCanonical(spec: AsymmetricKeySpec, publicMaterial: Uint8Array): Uint8Array {
  if (spec.type === 'rsa' || spec.type === 'dsa') return publicMaterial;
  return sequence(algorithmIdentifier(spec), bitString(publicMaterial));
}

export function x25519Spki(publicKey: Uint8Array): Uint8Array {
  return sequence(algorithmIdentifier({ type: 'x25519' }), bitString(publicKey));
}

export interface ParsedSpki extends AlgorithmIdentifier {
  /** The subjectPublicKey BIT STRING bytes (for RSA: the PKCS#1 RSAPublicKey). */
  readonly publicKey: Uint8Array;
}

export function parseSpki(der: Uint8Array): ParsedSpki {
  const what = 'SubjectPublicKeyInfo';
  const items = children(parseDer(der, TAG.SEQUENCE, what), what);
  if (items.length !== 2) throw invalidArgument(`${what}: expected algorithm and subjectPublicKey`);
  const alg = parseAlgorithmIdentifier(items[0], what);
  return { ...alg, publicKey: readBitString(items[1], what) };
}

// PKCS#8

export function ecPkcs8(curve: EcCurve, d: Uint8Array, point: Uint8Array): Uint8Array {
  // RFC 5915 inside RFC 5958: the curve sits in the outer AlgorithmIdentifier, so the inner
  // parameters are omitted; the public key is included (as OpenSSL writes it).
  const ecPrivateKey = sequence(smallInteger(1), octetString(d), encodeExplicit(TAG.CONTEXT_1, bitString(point)));
  return sequence(smallInteger(0), algorithmIdentifier({ type: 'ec', curve }), octetString(ecPrivateKey));
}

export function ed25519Pkcs8(seed: Uint8Array): Uint8Array {
  return sequence(smallInteger(0), algorithmIdentifier({ type: 'ed25519' }), octetString(octetString(seed)));
}

export function x25519Pkcs8(privateKey: Uint8Array): Uint8Array {
  return sequence(smallInteger(0), algorithmIdentifier({ type: 'x25519' }), octetString(octetString(privateKey)));
}

/** RFC 9881 ML-DSA-PrivateKey: `both` when the seed is known, otherwise `expandedKey`. */
export function mlDsaPkcs8(variant: MlDsaVariant, secretKey: Uint8Array, seed?: Uint8Array): Uint8Array {
  const inner = seed ? sequence(octetString(seed), octetString(secretKey)) : octetString(secretKey);
  return sequence(smallInteger(0), algorithmIdentifier({ type: 'ml-dsa', variant }), octetString(inner));
}

function encodeExplicit(tag: number, inner: Uint8Array): Uint8Array {
  const out = sequence(inner);
  out[0] = tag;
  return out;
}

export interface ParsedPkcs8 extends AlgorithmIdentifier {
  /** The privateKey OCTET STRING contents (algorithm-specific DER). */
  readonly privateKey: Uint8Array;
}

export function parsePkcs8(der: Uint8Array): ParsedPkcs8 {
  const what = 'PKCS#8 PrivateKeyInfo';
  const items = children(parseDer(der, TAG.SEQUENCE, what), what);
  const version = readSmallInteger(items[0], what);
  if (version !== 0 && version !== 1) throw invalidArgument(`${what}: unsupported version ${version}`);
  const alg = parseAlgorithmIdentifier(items[1], what);
  const privateKey = expectTag(items[2], TAG.OCTET_STRING, what).content;
  // Optional [0] attributes and (v2) [1] publicKey; anything else is malformed.
  for (const extra of items.slice(3)) {
    if (extra.tag !== 0xa0 && extra.tag !== 0x81) throw invalidArgument(`${what}: unexpected element`);
  }
  return { ...alg, privateKey };
}

export interface ParsedEcPrivateKey {
  readonly curve: EcCurve;
  readonly d: Uint8Array;
  readonly publicPoint?: Uint8Array;
}

/** SEC 1 ECPrivateKey; `curve` comes from the PKCS#8 AlgorithmIdentifier when wrapped in one. */
export function parseEcPrivateKey(der: Uint8Array, outerCurve?: EcCurve): ParsedEcPrivateKey {
  const what = 'ECPrivateKey';
  const items = children(parseDer(der, TAG.SEQUENCE, what), what);
  if (readSmallInteger(items[0], what) !== 1) throw invalidArgument(`${what}: version must be 1`);
  const rawD = expectTag(items[1], TAG.OCTET_STRING, what).content;
  let curve = outerCurve;
  let publicPoint: Uint8Array | undefined;
  for (const item of items.slice(2)) {
    if (item.tag === TAG.CONTEXT_0) {
      const inner = children(item, what);
      if (inner.length !== 1 || inner[0]!.tag !== TAG.OID) {
        throw invalidArgument(`${what}: EC keys must name their curve (explicit parameters are not supported)`);
      }
      const named = curveFromOid(readOid(inner[0], what));
      if (named === undefined) throw invalidArgument(`${what}: unsupported EC curve`);
      if (curve !== undefined && curve !== named) throw invalidArgument(`${what}: curve parameters disagree`);
      curve = named;
    } else if (item.tag === TAG.CONTEXT_1) {
      const inner = children(item, what);
      if (inner.length !== 1) throw invalidArgument(`${what}: malformed publicKey`);
      publicPoint = readBitString(inner[0], what);
    } else {
      throw invalidArgument(`${what}: unexpected element`);
    }
  }
  if (curve === undefined) throw invalidArgument(`${what}: the curve is not named`);
  // SEC 1 says the octet string is ceil(log2(n)/8) long; some encoders drop leading zeros.
  const d = leftPad(rawD, EC_CURVE_BYTES[curve], what);
  return publicPoint === undefined ? { curve, d } : { curve, d, publicPoint };
}

export function parseOctetStringKey(der: Uint8Array, length: number, what: string): Uint8Array {
  const key = parseDer(der, TAG.OCTET_STRING, what).content;
  if (key.length !== length) throw invalidArgument(`${what}: expected ${length} bytes, got ${key.length}`);
  return key;
}

export interface ParsedMlDsaPrivateKey {
  readonly seed?: Uint8Array;
  readonly secretKey?: Uint8Array;
}

/** RFC 9881 ML-DSA-PrivateKey CHOICE { seed [0], expandedKey, both }. */
export function parseMlDsaPrivateKey(variant: MlDsaVariant, der: Uint8Array): ParsedMlDsaPrivateKey {
  const what = `${variant} private key`;
  const skBytes = ML_DSA_BYTES[variant].secretKey;
  const tag = der[0];
  const checkSeed = (seed: Uint8Array): Uint8Array => {
    if (seed.length !== ML_DSA_SEED_BYTES) throw invalidArgument(`${what}: seed must be 32 bytes, got ${seed.length}`);
    return seed;
  };
  const checkSk = (sk: Uint8Array): Uint8Array => {
    if (sk.length !== skBytes) throw invalidArgument(`${what}: expanded key must be ${skBytes} bytes, got ${sk.length}`);
    return sk;
  };
  if (tag === TAG.CONTEXT_0_PRIMITIVE) return { seed: checkSeed(parseDer(der, TAG.CONTEXT_0_PRIMITIVE, what).content) };
  if (tag === TAG.OCTET_STRING) return { secretKey: checkSk(parseDer(der, TAG.OCTET_STRING, what).content) };
  const items = children(parseDer(der, TAG.SEQUENCE, what), what);
  if (items.length !== 2) throw invalidArgument(`${what}: expected seed and expanded key`);
  return {
    seed: checkSeed(expectTag(items[0], TAG.OCTET_STRING, what).content),
    secretKey: checkSk(expectTag(items[1], TAG.OCTET_STRING, what).content),
  };
}

// RSA

/** SPKI DER of an RSA public key from n and e (big-endian magnitudes). */
export function rsaSpki(modulus: Uint8Array, publicExponent: Uint8Array): Uint8Array {
  return sequence(algorithmIdentifier({ type: 'rsa' }), bitString(sequence(unsignedInteger(modulus), unsignedInteger(publicExponent))));
}

/** PKCS#1 RSAPublicKey ::= SEQUENCE { modulus, publicExponent } → SPKI. */
export function rsaPkcs1PublicToSpki(pkcs1: Uint8Array): Uint8Array {
  rsaPublicNumbersFromPkcs1(pkcs1);
  return sequence(algorithmIdentifier({ type: 'rsa' }), bitString(pkcs1));
}

/** PKCS#1 RSAPrivateKey → PKCS#8 (the content is checked by whoever imports it). */
export function rsaPkcs1PrivateToPkcs8(pkcs1: Uint8Array): Uint8Array {
  parseDer(pkcs1, TAG.SEQUENCE, 'RSAPrivateKey');
  return sequence(smallInteger(0), algorithmIdentifier({ type: 'rsa' }), octetString(pkcs1));
}

export interface RsaPublicNumbers {
  /** Big-endian, without leading zeros. */
  readonly modulus: Uint8Array;
  readonly publicExponent: Uint8Array;
  readonly modulusBits: number;
}

function rsaPublicNumbersFromPkcs1(pkcs1: Uint8Array): RsaPublicNumbers {
  const what = 'RSAPublicKey';
  const items = children(parseDer(pkcs1, TAG.SEQUENCE, what), what);
  if (items.length !== 2) throw invalidArgument(`${what}: expected modulus and publicExponent`);
  const modulus = readUnsignedInteger(items[0], what);
  const publicExponent = readUnsignedInteger(items[1], what);
  if (modulus.length === 0 || publicExponent.length === 0) throw invalidArgument(`${what}: zero modulus or exponent`);
  const modulusBits = (modulus.length - 1) * 8 + (32 - Math.clz32(modulus[0]!));
  return { modulus, publicExponent, modulusBits };
}

/** n and e of an RSA public key in canonical (SPKI) form, for the key attributes. */
export function rsaPublicNumbers(spki: Uint8Array): RsaPublicNumbers {
  const parsed = parseSpki(spki);
  if (parsed.algorithm !== 'rsa') throw invalidArgument('expected an RSA public key');
  return rsaPublicNumbersFromPkcs1(parsed.publicKey);
}

// DSA

/** The domain parameters (p, q, g) and the public value y of a DSA key. */
export interface DsaNumbers {
  readonly p: bigint;
  readonly q: bigint;
  readonly g: bigint;
  readonly y: bigint;
}

function bigOf(magnitude: Uint8Array): bigint {
  return magnitude.length === 0 ? 0n : BigInt(`0x${Buffer.from(magnitude).toString('hex')}`);
}

/** RFC 3279 §2.3.2: Dss-Parms in the AlgorithmIdentifier, y as a DER INTEGER inside the BIT STRING. */
export function dsaPublicNumbers(spki: Uint8Array): DsaNumbers {
  const what = 'DSA SubjectPublicKeyInfo';
  const items = children(parseDer(spki, TAG.SEQUENCE, what), what);
  if (items.length !== 2) throw invalidArgument(`${what}: expected algorithm and subjectPublicKey`);
  const algorithm = children(expectTag(items[0], TAG.SEQUENCE, what), what);
  if (algorithm.length !== 2 || readOid(algorithm[0], what) !== ALGORITHM_OIDS.dsa) throw invalidArgument(`${what}: not a DSA key with its domain parameters`);
  const params = children(expectTag(algorithm[1], TAG.SEQUENCE, what), what);
  if (params.length !== 3) throw invalidArgument(`${what}: Dss-Parms must hold p, q and g`);
  const [p, q, g] = params.map((element) => bigOf(readUnsignedInteger(element, what))) as [bigint, bigint, bigint];
  const y = bigOf(readUnsignedInteger(parseDer(readBitString(items[1], what), TAG.INTEGER, what), what));
  return { p, q, g, y };
}
