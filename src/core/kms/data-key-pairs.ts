/**
 * GenerateDataKeyPair and GenerateDataKeyPairWithoutPlaintext for standard keys: an asymmetric data
 * key pair of the KeyPairSpec, its public key (SubjectPublicKeyInfo DER), its private key (PKCS #8
 * DER) encrypted under the KMS key as Encrypt would with the encryption context, and, unless
 * WithoutPlaintext, the private key in the clear. Decrypt with the same context gives the private
 * key back. A key in a custom key store is refused as KMS refuses it (UnsupportedOperationException).
 *
 * The pair is made before the transaction (RSA takes a while), and only after the key and the
 * caller's access have been checked, so a caller without access cannot make the server generate
 * keys; the run checks both again on the state it commits against.
 */
import { awsError } from '../errors.js';
import { defineOperation, type ClusterInput } from '../engine.js';
import type { EngineContext } from '../context.js';
import type { ReadView } from '../store/index.js';
import { cryptoOf } from '../keys/prepared.js';
import { generateRsaFromStream } from '../mechanisms/rsa-deterministic.js';
import type { EcCurve, KeyPairMaterial } from '../mechanisms/provider.js';
import { authorize, type KmsCaller } from './access.js';
import { checkEncryptionContext, findKey, seal, usableMaterial, type KmsKeyRecord } from './keys.js';

/** KMS's KeyPairSpec values outside the China Regions, and what each makes. */
const KEY_PAIR_SPECS: Readonly<Record<string, { rsaBits: number } | { curve: EcCurve }>> = {
  RSA_2048: { rsaBits: 2048 },
  RSA_3072: { rsaBits: 3072 },
  RSA_4096: { rsaBits: 4096 },
  ECC_NIST_P256: { curve: 'secp256r1' },
  ECC_NIST_P384: { curve: 'secp384r1' },
  ECC_NIST_P521: { curve: 'secp521r1' },
  ECC_SECG_P256K1: { curve: 'secp256k1' },
};

export interface GenerateDataKeyPairInput extends ClusterInput, KmsCaller {
  KeyId: string;
  KeyPairSpec: string;
  EncryptionContext?: Record<string, string>;
  /** GenerateDataKeyPairWithoutPlaintext. */
  withoutPlaintext?: boolean;
}

interface DataKeyPair {
  publicKey: Uint8Array;
  privateKey: Uint8Array;
}

const operationOf = (input: GenerateDataKeyPairInput) => (input.withoutPlaintext ? 'GenerateDataKeyPairWithoutPlaintext' : 'GenerateDataKeyPair');

/** The key, once the caller may use it for this operation and it can encrypt now. */
function usableKey(view: ReadView, input: GenerateDataKeyPairInput): { key: KmsKeyRecord; material: Uint8Array } {
  const operation = operationOf(input);
  const key = findKey(view, input.KeyId, operation);
  authorize(view, key, input, { action: `kms:${operation}`, operation, context: input.EncryptionContext });
  if (key.origin === 'AWS_CLOUDHSM') {
    throw awsError('KMS_UNSUPPORTED', 'UnsupportedOperationException', operation, `${key.arn} is in custom key store ${key.customKeyStoreId!}: data key pairs cannot be generated under a key in a custom key store; use a standard key`);
  }
  return { key, material: usableMaterial(view, key, operation) };
}

async function makePair(ctx: EngineContext, spec: { rsaBits: number } | { curve: EcCurve }): Promise<DataKeyPair> {
  const crypto = cryptoOf(ctx);
  const random = (n: number) => new Uint8Array(ctx.random(n));
  let material: KeyPairMaterial;
  if ('rsaBits' in spec) {
    // OpenSSL cannot be seeded: the deterministic test mode draws the primes from its stream.
    material = ctx.deterministicSeed === undefined ? await crypto.generateRsa(spec.rsaBits, 65537) : generateRsaFromStream(random, spec.rsaBits, 65537);
  } else {
    material = crypto.generateEc(spec.curve, random);
  }
  const prepared = crypto.preparePrivate(material.spec, material.privateKey);
  return { publicKey: crypto.exportSpki(prepared), privateKey: crypto.exportPkcs8(prepared) };
}

export const kmsGenerateDataKeyPair = defineOperation({
  name: 'GenerateDataKeyPair',
  cluster: 'none',
  access: 'none',
  write: false,
  prepare: async (input: GenerateDataKeyPairInput, ctx): Promise<DataKeyPair> => {
    const operation = operationOf(input);
    const spec = typeof input.KeyPairSpec === 'string' ? KEY_PAIR_SPECS[input.KeyPairSpec] : undefined;
    if (!spec) {
      const china = input.KeyPairSpec === 'SM2' ? ' (SM2 is offered only in the China Regions)' : '';
      throw awsError('INVALID_ARGUMENT', 'ValidationException', operation, `KeyPairSpec must be one of ${Object.keys(KEY_PAIR_SPECS).join(', ')}${china}`);
    }
    // Sealing would refuse it only after the pair was made.
    checkEncryptionContext(input.EncryptionContext, operation);
    await ctx.store.read((view) => usableKey(view, input));
    return makePair(ctx, spec);
  },
  run: ({ tx, ctx, prepared }, input: GenerateDataKeyPairInput) => {
    const { key, material } = usableKey(tx, input);
    const blob = seal(ctx, key, material, prepared.privateKey, input.EncryptionContext, operationOf(input));
    return {
      PrivateKeyCiphertextBlob: blob,
      ...(input.withoutPlaintext ? {} : { PrivateKeyPlaintext: prepared.privateKey }),
      PublicKey: prepared.publicKey,
      KeyId: key.arn,
      KeyPairSpec: input.KeyPairSpec,
    };
  },
});
