/** `key generate-symmetric aes|generic-secret` and `key generate-asymmetric-pair rsa|ec|ml-dsa`. */
import { Flags } from '../oclif.js';
import { generateKeyPair, generateSymmetric, type GenerateKeyPairInput } from '../../core/keys/generate.js';
import { CURVES, MLDSA_ALGORITHMS } from '../../core/keys/model.js';
import { orList } from '../../core/mechanisms/choices.js';
import { AES_KEY_BYTES, CURVES as TABLE_CURVES, GENERIC_SECRET_BYTES, RSA_KEYS, type MlDsaVariant } from '../../core/mechanisms/table.js';
import { BaseCommand, variantFlags, type ExecuteInput } from '../base-command.js';
import { creationFlags, keyText, quorumValue, type FlagMap } from './shared.js';
import { presentKey } from '../presenters/keys.js';

const AES_LENGTHS = orList(AES_KEY_BYTES);
const SECRET_LENGTHS = `${GENERIC_SECRET_BYTES.min} to ${GENERIC_SECRET_BYTES.max}`;
/** What the examples generate: the longest AES key, P-256 by its OpenSSL name, ML-DSA-65. */
const EXAMPLE_AES_BYTES = AES_KEY_BYTES.at(-1)!;
const EXAMPLE_CURVE = TABLE_CURVES.secp256r1.openssl;
const EXAMPLE_MLDSA: MlDsaVariant = 'ML-DSA-65';

export function symmetricCommand(keyType: 'aes' | 'generic-secret') {
  return class GenerateSymmetric extends BaseCommand<typeof GenerateSymmetric> {
    static override summary = keyType === 'aes' ? `Generate an AES key (${AES_LENGTHS} bytes).` : `Generate a generic secret key (${SECRET_LENGTHS} bytes), e.g. for HMAC.`;
    static override examples = [
      `<%= config.bin %> key generate-symmetric ${keyType} --label my-key --key-length-bytes ${keyType === 'aes' ? EXAMPLE_AES_BYTES : 64}`,
      `<%= config.bin %> key generate-symmetric ${keyType} --label shared --key-length-bytes ${keyType === 'aes' ? AES_KEY_BYTES[0]! : 32} --attributes encrypt=true decrypt=true --share-crypto-users bob`,
    ];
    static override flags = {
      label: Flags.string({ description: 'Label (up to 127 characters; need not be unique).', required: true, helpValue: '<LABEL>' }),
      'key-length-bytes': Flags.integer({ description: keyType === 'aes' ? `Key length: ${AES_LENGTHS}.` : `Key length: ${SECRET_LENGTHS}.`, required: true, helpValue: '<BYTES>' }),
      attributes: Flags.string({ description: 'Attribute overrides NAME=VALUE (e.g. encrypt=true extractable=false).', multiple: true, helpValue: '<NAME=VALUE>...' }),
      ...creationFlags,
      'manage-key-quorum-value': quorumValue('Approvals needed to manage the key (0 = off).'),
      'use-key-quorum-value': quorumValue('Approvals needed to use the key (0 = off).'),
    };

    protected async execute({ flags }: ExecuteInput<typeof GenerateSymmetric>) {
      const data = await this.perform(generateSymmetric, {
          keyType,
          label: flags.label,
          keyLengthBytes: flags['key-length-bytes'],
          attributes: flags.attributes,
          session: flags.session,
          shareWith: flags['share-crypto-users'],
          manageQuorum: flags['manage-key-quorum-value'],
          useQuorum: flags['use-key-quorum-value'],
      });
      const key = presentKey(data.key);
      return { data: { key }, text: keyText(key) };
    }
  };
}

/** The flags of every key pair variant (each has its own subset of the type-specific ones). */
interface KeyPairFlagValues {
  'modulus-size-bits'?: number;
  'public-exponent'?: string;
  curve?: string;
  'mldsa-algorithm'?: string;
  'public-label': string;
  'private-label': string;
  'public-attributes'?: string[];
  'private-attributes'?: string[];
  session: boolean;
  'share-crypto-users'?: string[];
  'manage-private-key-quorum-value'?: number;
  'use-private-key-quorum-value'?: number;
}

export function keyPairCommand(keyType: 'rsa' | 'ec' | 'ml-dsa') {
  const specific: FlagMap =
    keyType === 'rsa'
      ? {
          'modulus-size-bits': Flags.integer({ description: `Modulus size: ${RSA_KEYS.minModulusBits} to ${RSA_KEYS.maxModulusBits} in steps of ${RSA_KEYS.stepBits}.`, required: true, helpValue: '<BITS>' }),
          'public-exponent': Flags.string({ description: `Public exponent: odd, at least ${RSA_KEYS.minExponent}.`, required: true, helpValue: '<EXPONENT>' }),
        }
      : keyType === 'ec'
        ? { curve: Flags.string({ description: 'Curve.', required: true, options: Object.keys(CURVES) }) }
        : { 'mldsa-algorithm': Flags.string({ description: 'Parameter set.', required: true, options: [...MLDSA_ALGORITHMS] }) };
  const example =
    keyType === 'rsa' ? `--modulus-size-bits ${RSA_KEYS.minModulusBits} --public-exponent ${RSA_KEYS.minExponent}` : keyType === 'ec' ? `--curve ${EXAMPLE_CURVE}` : `--mldsa-algorithm ${EXAMPLE_MLDSA}`;
  return class GenerateKeyPair extends BaseCommand {
    static override summary = `Generate ${keyType === 'rsa' ? 'an RSA' : keyType === 'ec' ? 'an EC (or Ed25519)' : 'an ML-DSA'} key pair.`;
    static override description = 'New private keys cannot sign until sign=true is given (--private-attributes sign=true), and public keys cannot verify until verify=true.';
    static override examples = [`<%= config.bin %> key generate-asymmetric-pair ${keyType} ${example} --public-label pub --private-label priv --private-attributes sign=true --public-attributes verify=true`];
    static override flags = {
      ...specific,
      'public-label': Flags.string({ description: 'Label of the public key.', required: true, helpValue: '<LABEL>' }),
      'private-label': Flags.string({ description: 'Label of the private key.', required: true, helpValue: '<LABEL>' }),
      'public-attributes': Flags.string({ description: 'Public key attribute overrides NAME=VALUE.', multiple: true, helpValue: '<NAME=VALUE>...' }),
      'private-attributes': Flags.string({ description: 'Private key attribute overrides NAME=VALUE.', multiple: true, helpValue: '<NAME=VALUE>...' }),
      ...creationFlags,
      'manage-private-key-quorum-value': quorumValue('Approvals needed to manage the private key (0 = off).'),
      'use-private-key-quorum-value': quorumValue('Approvals needed to use the private key (0 = off).'),
    };

    protected async execute(given: ExecuteInput) {
      const flags = variantFlags<KeyPairFlagValues>(given);
      const input: Omit<GenerateKeyPairInput, 'clusterId'> = {
        keyType,
        publicLabel: flags['public-label'],
        privateLabel: flags['private-label'],
        modulusSizeBits: flags['modulus-size-bits'],
        publicExponent: flags['public-exponent'],
        curve: flags.curve,
        mldsaAlgorithm: flags['mldsa-algorithm'],
        publicAttributes: flags['public-attributes'],
        privateAttributes: flags['private-attributes'],
        session: flags.session,
        shareWith: flags['share-crypto-users'],
        manageQuorum: flags['manage-private-key-quorum-value'],
        useQuorum: flags['use-private-key-quorum-value'],
      };
      const data = await this.perform(generateKeyPair, input);
      const presented = { public_key: presentKey(data.publicKey), private_key: presentKey(data.privateKey) };
      return { data: presented, text: keyText(presented.public_key, 'public key') + keyText(presented.private_key, 'private key') };
    }
  };
}

