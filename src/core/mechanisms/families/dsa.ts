/**
 * DSA, FIPS 186-4 §4: key pairs and their domain parameters, signatures over the hashes of the
 * table as the DER Dss-Sig-Value of RFC 3279 §2.2.2, keys as SPKI and PKCS#8 DER with the
 * Dss-Parms of RFC 3279 §2.3.2 (the canonical forms, as for RSA). key_mgmt_util makes DSA keys of
 * (L, N) = (2048, 256) (genDSAKeyPair -m 2048); FIPS 186-5 keeps DSA for verification only, which
 * is why the engine holds DSA keys on hsm1.medium clusters only (keys/generate.ts).
 *
 * Neither @noble library implements DSA, so both providers use node:crypto (OpenSSL) here, as they
 * do for RSA and DES3: the cross-check between the providers says nothing for this family; the
 * Wycheproof DSA vectors in the tests do.
 *
 * A key that comes in from outside is checked (`validateDsaImport`) for what SP 800-89 §5.3 and
 * FIPS 186-4 A.2.2 ask of its public part: the sizes, q dividing p - 1, g and y of order q. The
 * primality of p and q is not tested (OpenSSL does not either when it loads a key).
 */
import { createPrivateKey, createPublicKey, generateKeyPair, sign as nodeSign, verify as nodeVerify, type KeyObject } from 'node:crypto';
import { checkBytes, checkHash, guard, invalidArgument, plain, verifyGuard } from '../checks.js';
import { dsaPublicNumbers } from '../key-encoding.js';
import { familyKeys, type KeyFamily, type SpecOf } from '../prepared-keys.js';
import type { CryptoProvider, ImportedKey, KeyKind, PreparedKey, ProviderName } from '../provider.js';
import { DSA_KEYS } from '../table.js';

export interface DsaFamily {
  readonly operations: Pick<CryptoProvider, 'generateDsa' | 'dsaSign' | 'dsaVerify'>;
  readonly keys: KeyFamily<SpecOf<'dsa'>>;
}

interface DsaKeyObjects {
  /** Absent on a public key. */
  readonly privateKey?: KeyObject;
  readonly publicKey: KeyObject;
  readonly spki: Uint8Array;
}

/** FIPS 186-4 §4.2: the (L, N) pairs of DSA; only (2048, 224 or 256) may enter the HSM. */
const SUBGROUP_BITS_FOR_2048: readonly number[] = [224, DSA_KEYS.subgroupBits];

function checkDsa(key: KeyObject, kind: KeyKind): void {
  if (key.asymmetricKeyType !== 'dsa') throw invalidArgument(`expected a DSA ${kind} key, got ${key.asymmetricKeyType ?? 'another type'}`);
}

function loadPrivate(pkcs8: Uint8Array): DsaKeyObjects {
  const privateKey = guard('INVALID_ARGUMENT', 'the DSA private key is not valid PKCS#8 DER', () => createPrivateKey({ key: Buffer.from(pkcs8), format: 'der', type: 'pkcs8' }));
  checkDsa(privateKey, 'private');
  const publicKey = createPublicKey(privateKey);
  return { privateKey, publicKey, spki: plain(publicKey.export({ format: 'der', type: 'spki' })) };
}

function loadPublic(spki: Uint8Array): DsaKeyObjects {
  const publicKey = guard('INVALID_ARGUMENT', 'the DSA public key is not valid SPKI DER', () => createPublicKey({ key: Buffer.from(spki), format: 'der', type: 'spki' }));
  checkDsa(publicKey, 'public');
  return { publicKey, spki: plain(spki) };
}

/** A DSA key of another container in canonical form (SPKI or PKCS#8), for both providers' `import*Der`. */
export function importDsaDer(der: Uint8Array, kind: KeyKind): ImportedKey {
  const keys = kind === 'private' ? loadPrivate(der) : loadPublic(der);
  const material = kind === 'private' ? plain(keys.privateKey!.export({ format: 'der', type: 'pkcs8' })) : keys.spki;
  return { spec: { type: 'dsa' }, kind, material };
}

function dsaFamily(provider: ProviderName): DsaFamily {
  const { make, use } = familyKeys<DsaKeyObjects>(provider);
  const keysOf = (key: PreparedKey, kind: KeyKind | 'any', operation: string): DsaKeyObjects => use(key, kind, 'dsa', operation).handle;
  return Object.freeze({
    keys: Object.freeze({
      preparePrivate(spec, pkcs8) {
        const keys = loadPrivate(pkcs8);
        return make('private', spec, pkcs8, keys.spki, keys);
      },
      preparePublic(spec, spki) {
        const keys = loadPublic(spki);
        return make('public', spec, keys.spki, keys.spki, keys);
      },
      exportSpki: (key) => keysOf(key, 'any', 'exportSpki').spki.slice(),
      exportPkcs8: (key) => plain(keysOf(key, 'private', 'exportPkcs8').privateKey!.export({ format: 'der', type: 'pkcs8' })),
    } satisfies DsaFamily['keys']),
    operations: Object.freeze({
      async generateDsa(modulusBits, subgroupBits) {
        if (!Number.isInteger(modulusBits) || !Number.isInteger(subgroupBits) || modulusBits < 1024 || subgroupBits < 160 || subgroupBits >= modulusBits) {
          throw invalidArgument(`DSA sizes must be L ≥ 1024 and 160 ≤ N < L bits, got (${modulusBits}, ${subgroupBits})`);
        }
        const pair = await new Promise<{ privateKey: Buffer; publicKey: Buffer }>((resolve, reject) => {
          generateKeyPair(
            'dsa',
            { modulusLength: modulusBits, divisorLength: subgroupBits, privateKeyEncoding: { format: 'der', type: 'pkcs8' }, publicKeyEncoding: { format: 'der', type: 'spki' } },
            (err, publicKey, privateKey) => (err ? reject(invalidArgument('DSA key generation failed', err)) : resolve({ privateKey, publicKey })),
          );
        });
        return { spec: { type: 'dsa' }, privateKey: plain(pair.privateKey), publicKey: plain(pair.publicKey) };
      },
      dsaSign(key, hash, message) {
        const { privateKey } = keysOf(key, 'private', 'DSA sign');
        checkHash(hash);
        checkBytes(message, 'message');
        return guard('INVALID_ARGUMENT', `the DSA key cannot sign with ${hash}`, () => plain(nodeSign(hash, message, { key: privateKey!, dsaEncoding: 'der' })));
      },
      dsaVerify(key, hash, message, signature) {
        const { publicKey } = keysOf(key, 'any', 'DSA verify');
        checkHash(hash);
        checkBytes(message, 'message');
        checkBytes(signature, 'signature');
        // OpenSSL takes only a DER Dss-Sig-Value with nothing after it; anything else is not valid.
        return verifyGuard(() => nodeVerify(hash, message, { key: publicKey, dsaEncoding: 'der' }, signature));
      },
    } satisfies DsaFamily['operations']),
  });
}

export const dsaNode: DsaFamily = dsaFamily('node');
/** The noble provider's DSA is node:crypto's (see the module header), under its own name. */
export const dsaNoble: DsaFamily = dsaFamily('noble');

function bitLength(n: bigint): number {
  return n === 0n ? 0 : n.toString(2).length;
}

function modPow(base: bigint, exponent: bigint, modulus: bigint): bigint {
  let result = 1n;
  let b = base % modulus;
  for (let e = exponent; e > 0n; e >>= 1n) {
    if (e & 1n) result = (result * b) % modulus;
    b = (b * b) % modulus;
  }
  return result;
}

/**
 * Refuses a DSA key that the HSM would not hold or that is unsafe to use: (L, N) other than
 * (2048, 224) or (2048, 256), q not dividing p - 1, g or y outside the subgroup of order q
 * (SP 800-89 §5.3.1, FIPS 186-4 A.2.2). A private key's y is OpenSSL's g^x, so it passes or
 * fails with its parameters.
 */
export function validateDsaImport(spki: Uint8Array): void {
  const { p, q, g, y } = dsaPublicNumbers(spki);
  const [l, n] = [bitLength(p), bitLength(q)];
  if (l !== DSA_KEYS.modulusBits || !SUBGROUP_BITS_FOR_2048.includes(n)) {
    throw invalidArgument(`the DSA key has (L, N) = (${l}, ${n}) bits; the HSM takes (${DSA_KEYS.modulusBits}, ${SUBGROUP_BITS_FOR_2048.join(') or (2048, ')})`);
  }
  if ((p - 1n) % q !== 0n) throw invalidArgument('the DSA parameters are inconsistent: q does not divide p - 1');
  if (g <= 1n || g >= p || modPow(g, q, p) !== 1n) throw invalidArgument('the DSA parameters are inconsistent: g does not generate the subgroup of order q');
  if (y <= 1n || y >= p - 1n || modPow(y, q, p) !== 1n) throw invalidArgument('the DSA public value y is not in the subgroup of order q');
}
