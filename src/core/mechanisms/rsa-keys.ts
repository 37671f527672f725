/**
 * RSA keys on node:crypto, shared by both providers: neither @noble library implements RSA, so the
 * noble provider delegates key parsing, generation and the raw RSA operation (RSAEP/RSADP,
 * RFC 8017 §5.1, with OpenSSL's blinding) to this module and does the padding itself.
 */
import {
  constants,
  createPrivateKey,
  createPublicKey,
  generateKeyPair,
  privateDecrypt,
  publicEncrypt,
  type JsonWebKey as NodeJsonWebKey,
  type KeyObject,
} from 'node:crypto';
import { guard, invalidArgument, plain } from './checks.js';
import { TAG, children, parseDer, readSmallInteger, readUnsignedInteger } from './der.js';
import { parsePkcs8, rsaPublicNumbers, rsaSpki } from './key-encoding.js';
import type { KeyPairMaterial, PrivateDerFormat, PublicDerFormat } from './provider.js';
import { RSA_KEYS } from './table.js';

export interface RsaKeyObjects {
  /** Absent on a public key. */
  readonly privateKey?: KeyObject;
  readonly publicKey: KeyObject;
  readonly modulusBits: number;
  /** Modulus length in bytes (k in RFC 8017). */
  readonly k: number;
  /** Canonical material: PKCS#8 for a private key, SPKI for a public key. */
  readonly material: Uint8Array;
  readonly spki: Uint8Array;
}

/** RFC 8017 needs room for the DigestInfo of SHA-512 (83 bytes) and padding; OpenSSL needs ≥ 512. */
const MIN_MODULUS_BITS = 512;
const MAX_MODULUS_BITS = 16384;

function describe(key: KeyObject, kind: string): { modulusBits: number; k: number } {
  if (key.asymmetricKeyType !== 'rsa') {
    throw invalidArgument(`expected an RSA ${kind} key (rsaEncryption), got ${key.asymmetricKeyType ?? 'another type'}`);
  }
  const modulusBits = key.asymmetricKeyDetails?.modulusLength ?? 0;
  if (modulusBits < MIN_MODULUS_BITS || modulusBits > MAX_MODULUS_BITS) {
    throw invalidArgument(`RSA modulus must be ${MIN_MODULUS_BITS}-${MAX_MODULUS_BITS} bits, got ${modulusBits}`);
  }
  return { modulusBits, k: Math.ceil(modulusBits / 8) };
}

/*
 * OpenSSL 3.0's DER decoders cost about 0.4 ms per RSA private key against a few µs for the same
 * key as JWK, so a well-formed two-prime key is parsed here (strict DER) and handed over as JWK;
 * anything else (multi-prime, BER, odd encodings) goes through OpenSSL's decoder unchanged.
 */
const RSA_JWK_FIELDS = ['n', 'e', 'd', 'p', 'q', 'dp', 'dq', 'qi'] as const;

function base64Url(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64url');
}

function rsaPrivateJwk(pkcs8: Uint8Array): Record<string, string> | undefined {
  try {
    const parsed = parsePkcs8(pkcs8);
    if (parsed.algorithm !== 'rsa') return undefined;
    const items = children(parseDer(parsed.privateKey, TAG.SEQUENCE, 'RSAPrivateKey'), 'RSAPrivateKey');
    if (items.length !== 9 || readSmallInteger(items[0], 'RSAPrivateKey') !== 0) return undefined;
    const jwk: Record<string, string> = { kty: 'RSA' };
    RSA_JWK_FIELDS.forEach((field, i) => (jwk[field] = base64Url(readUnsignedInteger(items[i + 1], 'RSAPrivateKey'))));
    return jwk;
  } catch {
    return undefined;
  }
}

function rsaPublicJwk(spki: Uint8Array): Record<string, string> | undefined {
  try {
    const { modulus, publicExponent } = rsaPublicNumbers(spki);
    return { kty: 'RSA', n: base64Url(modulus), e: base64Url(publicExponent) };
  } catch {
    return undefined;
  }
}

function importFast<T>(jwk: Record<string, string> | undefined, fast: (jwk: NodeJsonWebKey) => T, slow: () => T): T {
  if (jwk) {
    try {
      return fast(jwk);
    } catch {
      // fall through to OpenSSL's decoder, which gives the verdict
    }
  }
  return slow();
}

export function loadRsaPrivate(pkcs8: Uint8Array): RsaKeyObjects {
  const privateKey = guard('INVALID_ARGUMENT', 'the RSA private key is not valid PKCS#8 DER', () =>
    importFast(
      rsaPrivateJwk(pkcs8),
      (jwk) => createPrivateKey({ key: jwk, format: 'jwk' }),
      () => createPrivateKey({ key: Buffer.from(pkcs8), format: 'der', type: 'pkcs8' }),
    ),
  );
  const { modulusBits, k } = describe(privateKey, 'private');
  const publicKey = createPublicKey(privateKey);
  const jwk = publicKey.export({ format: 'jwk' });
  const spki = rsaSpki(Buffer.from(jwk.n ?? '', 'base64url'), Buffer.from(jwk.e ?? '', 'base64url'));
  return { privateKey, publicKey, modulusBits, k, material: plain(pkcs8), spki };
}

export function loadRsaPublic(spki: Uint8Array): RsaKeyObjects {
  const publicKey = guard('INVALID_ARGUMENT', 'the RSA public key is not valid SPKI DER', () =>
    importFast(
      rsaPublicJwk(spki),
      (jwk) => createPublicKey({ key: jwk, format: 'jwk' }),
      () => createPublicKey({ key: Buffer.from(spki), format: 'der', type: 'spki' }),
    ),
  );
  const { modulusBits, k } = describe(publicKey, 'public');
  return { publicKey, modulusBits, k, material: plain(spki), spki: plain(spki) };
}

/** RSADP / RSASP1: input is exactly k bytes and, as an integer, less than n. */
export function rsaRawPrivate(keys: RsaKeyObjects, input: Uint8Array): Uint8Array {
  if (!keys.privateKey) throw invalidArgument('the operation needs an RSA private key');
  return plain(privateDecrypt({ key: keys.privateKey, padding: constants.RSA_NO_PADDING }, input));
}

/** RSAEP / RSAVP1. */
export function rsaRawPublic(keys: RsaKeyObjects, input: Uint8Array): Uint8Array {
  return plain(publicEncrypt({ key: keys.publicKey, padding: constants.RSA_NO_PADDING }, input));
}

export function checkRsaGeneration(modulusBits: number, publicExponent: number): void {
  if (!Number.isInteger(modulusBits) || modulusBits < 1024 || modulusBits > MAX_MODULUS_BITS || modulusBits % 8 !== 0) {
    throw invalidArgument(`modulus size must be a multiple of 8 bits in [1024, ${MAX_MODULUS_BITS}], got ${modulusBits}`);
  }
  if (!Number.isSafeInteger(publicExponent) || publicExponent < 3 || publicExponent % 2 === 0) {
    throw invalidArgument(`public exponent must be an odd integer in [3, 2^53), got ${publicExponent}`);
  }
}

/** OpenSSL's RSA key generation (FIPS 186-5 A.1.3 style probable primes), off the main thread. */
export async function generateRsaKeyPair(modulusBits: number, publicExponent: number): Promise<KeyPairMaterial> {
  checkRsaGeneration(modulusBits, publicExponent);
  const { privateKey, publicKey } = await new Promise<{ privateKey: Buffer; publicKey: Buffer }>((resolve, reject) => {
    generateKeyPair(
      'rsa',
      {
        modulusLength: modulusBits,
        publicExponent,
        privateKeyEncoding: { format: 'der', type: 'pkcs8' },
        publicKeyEncoding: { format: 'der', type: 'spki' },
      },
      (err, pub, priv) => (err ? reject(invalidArgument('RSA key generation failed', err)) : resolve({ privateKey: priv, publicKey: pub })),
    );
  });
  return { spec: { type: 'rsa' }, privateKey: plain(privateKey), publicKey: plain(publicKey) };
}

export function importRsaPublicDer(der: Uint8Array, format: PublicDerFormat): Uint8Array {
  const key = guard('INVALID_ARGUMENT', `the RSA public key is not valid ${format.toUpperCase()} DER`, () =>
    createPublicKey({ key: Buffer.from(der), format: 'der', type: format }),
  );
  describe(key, 'public');
  return plain(key.export({ format: 'der', type: 'spki' }));
}

export function importRsaPrivateDer(der: Uint8Array, format: Exclude<PrivateDerFormat, 'sec1'>): Uint8Array {
  const key = guard('INVALID_ARGUMENT', `the RSA private key is not valid ${format.toUpperCase()} DER`, () =>
    createPrivateKey({ key: Buffer.from(der), format: 'der', type: format }),
  );
  describe(key, 'private');
  return plain(key.export({ format: 'der', type: 'pkcs8' }));
}

/** keys.md §6: what an RSA key must be to enter the HSM from outside (import or unwrap). */
export const RSA_IMPORT = { ...RSA_KEYS, minExponent: BigInt(RSA_KEYS.minExponent) } as const;

function bigOf(b64url: string | undefined): bigint {
  if (!b64url) return 0n;
  const hex = Buffer.from(b64url, 'base64url').toString('hex');
  return hex ? BigInt(`0x${hex}`) : 0n;
}

function gcd(a: bigint, b: bigint): bigint {
  while (b) [a, b] = [b, a % b];
  return a;
}

function modInverse(a: bigint, m: bigint): bigint {
  let [r0, r1, s0, s1] = [a % m, m, 1n, 0n];
  while (r1) {
    const q = r0 / r1;
    [r0, r1] = [r1, r0 - q * r1];
    [s0, s1] = [s1, s0 - q * s1];
  }
  return r0 === 1n ? ((s0 % m) + m) % m : 0n;
}

/**
 * Refuses an RSA key that the HSM would not hold: a modulus outside 2048-4096 bits in 256-bit
 * steps or even; a public exponent that is even, below 65537 or longer than 256 bits (FIPS
 * 186-4 §B.3.1; e = 1 would make "signatures" out of padded digests); and, for a private key,
 * numbers that do not belong together (n = p·q, e·d ≡ 1 mod lcm(p-1, q-1), and the CRT values),
 * so that the key is checked pairwise as strictly as a generated one.
 */
export function validateRsaImport(spki: Uint8Array, pkcs8?: Uint8Array): void {
  const { modulus, publicExponent, modulusBits } = rsaPublicNumbers(spki);
  const b = RSA_IMPORT;
  if (modulusBits < b.minModulusBits || modulusBits > b.maxModulusBits || modulusBits % b.stepBits !== 0) {
    throw invalidArgument(`the RSA modulus has ${modulusBits} bits; the HSM takes ${b.minModulusBits} to ${b.maxModulusBits} bits in steps of ${b.stepBits}`);
  }
  if ((modulus[modulus.length - 1]! & 1) === 0) throw invalidArgument('the RSA modulus is even, so it is not a product of two odd primes');
  const e = BigInt(`0x${Buffer.from(publicExponent).toString('hex')}`);
  if (e % 2n === 0n || e < b.minExponent || e.toString(2).length > b.maxExponentBits) {
    throw invalidArgument(`the RSA public exponent must be odd, at least ${b.minExponent} and at most ${b.maxExponentBits} bits; this key's is ${e.toString(2).length > 64 ? `${e.toString(2).length} bits long` : e}`);
  }
  if (!pkcs8) return;
  const jwk = guard('INVALID_ARGUMENT', 'the RSA private key is not valid PKCS#8 DER', () => createPrivateKey({ key: Buffer.from(pkcs8), format: 'der', type: 'pkcs8' }).export({ format: 'jwk' }));
  const [n, d, p, q, dp, dq, qi] = [jwk.n, jwk.d, jwk.p, jwk.q, jwk.dp, jwk.dq, jwk.qi].map(bigOf) as [bigint, bigint, bigint, bigint, bigint, bigint, bigint];
  const lambda = ((p - 1n) * (q - 1n)) / gcd(p - 1n, q - 1n);
  const consistent =
    p > 1n && q > 1n && p * q === n && d > 0n && d < n && (e * d) % lambda === 1n && dp === d % (p - 1n) && dq === d % (q - 1n) && qi === modInverse(q, p);
  if (!consistent) throw invalidArgument('the RSA private key is inconsistent: its modulus, exponents and CRT values do not belong together');
}
