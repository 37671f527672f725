/**
 * ML-DSA, FIPS 204: ML-DSA-44/65/87 signing with a context (hedged), verification, and the
 * "external μ" interface (§6.2 / Algorithm 7 line 6); keys as FIPS 204 pk and sk (or the 32-byte
 * seed ξ they expand from), in SPKI/PKCS#8 as RFC 9881 has them. Sizes come from the table.
 *
 * Only @noble/post-quantum implements it (node 20's OpenSSL has no ML-DSA), so both providers use
 * this one implementation, each under its own name and with its own in-operation randomness.
 */
import { checkBytes, checkContext, checkLength, checkSpec, equalBytes, guard, invalidArgument, verifyGuard } from '../checks.js';
import { randomBytesFrom } from '../curves.js';
import { mlDsaPkcs8, parseMlDsaPrivateKey, spkiFromCanonical } from '../key-encoding.js';
import { memo, nobleMlDsa, nobleSha3 } from '../noble.js';
import { familyKeys, type KeyFamily, type SpecOf } from '../prepared-keys.js';
import type { CryptoProvider, ImportedKey, MlDsaVariant, PreparedKey, ProviderName, RandomBytes } from '../provider.js';
import { ML_DSA, ML_DSA_MAX_CONTEXT_BYTES, ML_DSA_MU_BYTES, ML_DSA_SEED_BYTES } from '../table.js';

/** FIPS 204 Algorithm 2 line 5: signing draws 32 bytes rnd for hedging. */
const HEDGING_BYTES = 32;
/** FIPS 204 Algorithm 7 line 6: tr = H(pk, 64). */
const TR_BYTES = 64;

export interface MlDsaFamily {
  readonly operations: Pick<
    CryptoProvider,
    'generateMlDsa' | 'mlDsaSign' | 'mlDsaVerify' | 'mlDsaExternalMu' | 'mlDsaSignMu' | 'mlDsaVerifyMu'
  >;
  readonly keys: KeyFamily<SpecOf<'ml-dsa'>>;
}

/** A prepared ML-DSA key keeps the seed ξ when it was made from one, for a PKCS#8 "both" export. */
interface MlDsaHandle {
  readonly seed?: Uint8Array;
}

const mlDsa = memo(() => {
  const { ml_dsa44, ml_dsa65, ml_dsa87 } = nobleMlDsa();
  return Object.freeze({ 'ML-DSA-44': ml_dsa44, 'ML-DSA-65': ml_dsa65, 'ML-DSA-87': ml_dsa87 } satisfies Record<MlDsaVariant, unknown>);
});

/** sk (or the seed ξ it expands from) and pk, checked against the variant's sizes. */
function expandPrivate(variant: MlDsaVariant, material: Uint8Array): { secretKey: Uint8Array; publicKey: Uint8Array; seed?: Uint8Array } {
  const dsa = mlDsa()[variant];
  const sizes = ML_DSA[variant];
  if (material.length === ML_DSA_SEED_BYTES) {
    const seed = material.slice();
    return { ...dsa.keygen(seed.slice()), seed };
  }
  if (material.length !== sizes.secretKey) {
    throw invalidArgument(
      `${variant} private key must be ${sizes.secretKey} bytes (or a ${ML_DSA_SEED_BYTES}-byte seed), got ${material.length}`,
    );
  }
  const publicKey = guard('INVALID_ARGUMENT', `${variant} private key is malformed`, () => dsa.getPublicKey(material));
  return { secretKey: material.slice(), publicKey };
}

export function importMlDsaPublic(variant: MlDsaVariant, publicKey: Uint8Array): ImportedKey {
  checkLength(publicKey, ML_DSA[variant].publicKey, `${variant} public key`);
  return { spec: { type: 'ml-dsa', variant }, kind: 'public', material: publicKey.slice() };
}

/** An RFC 9881 ML-DSA-PrivateKey (seed, expandedKey or both, which must agree). */
export function importMlDsaPrivate(variant: MlDsaVariant, privateKeyOctets: Uint8Array): ImportedKey {
  const { seed, secretKey } = parseMlDsaPrivateKey(variant, privateKeyOctets);
  let material = secretKey;
  if (seed) {
    const expanded = mlDsa()[variant].keygen(seed.slice()).secretKey;
    if (secretKey && !equalBytes(expanded, secretKey)) {
      throw invalidArgument(`${variant} private key: the seed and the expanded key disagree`);
    }
    material = expanded;
  }
  expandPrivate(variant, material!); // refuses a malformed sk
  const spec = { type: 'ml-dsa', variant } as const;
  return seed ? { spec, kind: 'private', material: material!.slice(), seed: seed.slice() } : { spec, kind: 'private', material: material!.slice() };
}

export function mlDsaFamily(provider: ProviderName, random: RandomBytes): MlDsaFamily {
  const { make, use } = familyKeys<MlDsaHandle>(provider);
  const keyOf = (key: PreparedKey, kind: 'private' | 'any', operation: string) => {
    const k = use(key, kind, 'ml-dsa', operation);
    return { k, dsa: mlDsa()[(k.spec as SpecOf<'ml-dsa'>).variant], sizes: ML_DSA[(k.spec as SpecOf<'ml-dsa'>).variant] };
  };
  return Object.freeze({
    keys: Object.freeze({
      preparePrivate(spec, material) {
        const { secretKey, publicKey, seed } = expandPrivate(spec.variant, material);
        return make('private', spec, secretKey, publicKey, seed ? { seed } : {});
      },
      preparePublic(spec, publicKey) {
        checkLength(publicKey, ML_DSA[spec.variant].publicKey, `${spec.variant} public key`);
        return make('public', spec, publicKey, publicKey, {});
      },
      exportSpki(key) {
        const k = use(key, 'any', 'ml-dsa', 'exportSpki');
        return spkiFromCanonical(k.spec, k.publicMaterial).slice();
      },
      exportPkcs8(key) {
        const k = use(key, 'private', 'ml-dsa', 'exportPkcs8');
        return mlDsaPkcs8((k.spec as SpecOf<'ml-dsa'>).variant, k.material, k.handle.seed);
      },
    } satisfies MlDsaFamily['keys']),
    operations: Object.freeze({
      generateMlDsa(variant, randomForKey) {
        checkSpec({ type: 'ml-dsa', variant });
        const seed = randomBytesFrom(randomForKey, ML_DSA_SEED_BYTES).slice();
        const { secretKey, publicKey } = mlDsa()[variant].keygen(seed.slice());
        return { spec: { type: 'ml-dsa', variant }, privateKey: secretKey, publicKey, seed };
      },
      mlDsaSign(key, message, options) {
        const { k, dsa } = keyOf(key, 'private', 'ML-DSA sign');
        checkBytes(message, 'message');
        const context = checkContext(options?.context, ML_DSA_MAX_CONTEXT_BYTES);
        return dsa.sign(message, k.material, { context, extraEntropy: randomBytesFrom(random, HEDGING_BYTES) });
      },
      mlDsaVerify(key, message, signature, options) {
        const { k, dsa, sizes } = keyOf(key, 'any', 'ML-DSA verify');
        checkBytes(message, 'message');
        checkBytes(signature, 'signature');
        const context = checkContext(options?.context, ML_DSA_MAX_CONTEXT_BYTES);
        if (signature.length !== sizes.signature) return false;
        return verifyGuard(() => dsa.verify(signature, message, k.publicMaterial, { context }));
      },
      mlDsaExternalMu(key, message, options) {
        const { k } = keyOf(key, 'any', 'ML-DSA external mu');
        checkBytes(message, 'message');
        const context = checkContext(options?.context, ML_DSA_MAX_CONTEXT_BYTES);
        const { shake256 } = nobleSha3();
        const tr = shake256(k.publicMaterial, { dkLen: TR_BYTES });
        return shake256
          .create({ dkLen: ML_DSA_MU_BYTES })
          .update(tr)
          .update(Uint8Array.of(0, context.length))
          .update(context)
          .update(message)
          .digest();
      },
      mlDsaSignMu(key, mu) {
        const { k, dsa } = keyOf(key, 'private', 'ML-DSA sign (external mu)');
        checkLength(mu, ML_DSA_MU_BYTES, 'mu');
        // noble wipes μ after signing (it is normally its own buffer), so it gets a copy.
        return dsa.internal.sign(mu.slice(), k.material, { externalMu: true, extraEntropy: randomBytesFrom(random, HEDGING_BYTES) });
      },
      mlDsaVerifyMu(key, mu, signature) {
        const { k, dsa, sizes } = keyOf(key, 'any', 'ML-DSA verify (external mu)');
        checkLength(mu, ML_DSA_MU_BYTES, 'mu');
        checkBytes(signature, 'signature');
        if (signature.length !== sizes.signature) return false;
        return verifyGuard(() => dsa.internal.verify(signature, mu, k.publicMaterial, { externalMu: true }));
      },
    } satisfies MlDsaFamily['operations']),
  });
}
