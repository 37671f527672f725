/** `crypto sign <mechanism>` and `crypto verify <mechanism>`: one builder per direction, flags per mechanism. */
import { Flags } from '../oclif.js';
import { SIGN_HASHES, sign, verify, type SignMechanism } from '../../core/keys/sign.js';
import { BaseCommand, variantFlags, type ExecuteInput } from '../base-command.js';
import { filterFlag } from '../key-flags.js';
import { dataFlags, dataFrom, type FlagMap } from './shared.js';

function mechanismFlags(mechanism: SignMechanism): FlagMap {
  const hash = Flags.string({ description: 'Hash function.', options: [...SIGN_HASHES], required: true });
  const dataType = Flags.string({ description: 'raw data, or an already computed digest.', options: ['raw', 'digest'], default: 'raw' });
  switch (mechanism) {
    case 'rsa-pkcs':
    case 'ecdsa':
      return { 'hash-function': hash, 'data-type': dataType };
    case 'rsa-pkcs-pss':
      return {
        'hash-function': hash,
        'data-type': dataType,
        mgf: Flags.string({ description: 'Mask generation function (must match the hash).', options: SIGN_HASHES.map((h) => `mgf1-${h}`), required: true }),
        'salt-length': Flags.integer({ description: 'Salt length in bytes.', required: true, min: 0, helpValue: '<BYTES>' }),
      };
    case 'ed25519ph':
      return { 'hash-function': Flags.string({ description: 'Hash function (SHA-512 per RFC 8032).', options: ['sha512'], required: true }), 'data-type': Flags.string({ description: 'raw data, or its SHA-512 digest.', options: ['raw', 'digest'], required: true }) };
    case 'ml-dsa':
      return {
        'hash-function': Flags.string({ description: 'Always shake256.', options: ['shake256'], required: true }),
        'data-type': Flags.string({ description: 'raw data, or the 64-byte external μ.', options: ['raw', 'external-mu'], required: true }),
        context: Flags.string({ description: 'FIPS 204 context string, 0x-hex or base64, at most 255 bytes (extension; default: empty).', helpValue: '<CONTEXT>' }),
      };
    default:
      return {};
  }
}

/** The flags of every signing mechanism (each has its own subset of the optional ones). */
interface SignFlagValues {
  'key-filter': string[];
  data?: string;
  'data-path'?: string;
  signature?: string;
  'signature-path'?: string;
  'hash-function'?: string;
  'data-type'?: 'raw' | 'digest' | 'external-mu';
  mgf?: string;
  'salt-length'?: number;
  context?: string;
}

function mechanismInput(mechanism: SignMechanism, flags: SignFlagValues) {
  return {
    mechanism,
    keyFilter: flags['key-filter'],
    data: dataFrom(flags),
    hash: flags['hash-function'],
    dataType: flags['data-type'],
    mgf: flags.mgf,
    saltLength: flags['salt-length'],
    context: flags.context,
  };
}

export function signCommand(mechanism: SignMechanism) {
  return class Sign extends BaseCommand {
    static override summary = `Sign data with a private key (${mechanism}).`;
    static override examples = [`<%= config.bin %> crypto sign ${mechanism} --key-filter attr.label=priv --data-path message.bin${mechanism === 'rsa-pkcs-pss' ? ' --hash-function sha256 --mgf mgf1-sha256 --salt-length 32' : mechanism === 'ml-dsa' ? ' --hash-function shake256 --data-type raw' : mechanism === 'ed25519ph' ? ' --hash-function sha512 --data-type raw' : mechanism === 'ed25519' ? '' : ' --hash-function sha256'}`];
    static override flags = { 'key-filter': filterFlag('The signing key (exactly one match).'), ...dataFlags, ...mechanismFlags(mechanism) };

    protected async execute(given: ExecuteInput) {
      return { data: await this.perform(sign, mechanismInput(mechanism, variantFlags<SignFlagValues>(given))) };
    }
  };
}

export function verifyCommand(mechanism: SignMechanism) {
  return class Verify extends BaseCommand {
    static override summary = `Verify a signature with a public key (${mechanism}).`;
    static override examples = [`<%= config.bin %> crypto verify ${mechanism} --key-filter attr.label=pub --data-path message.bin --signature-path message.sig${mechanism === 'ed25519' ? '' : ' …'}`];
    static override flags = {
      'key-filter': filterFlag('The verifying key (exactly one match).'),
      ...dataFlags,
      signature: Flags.string({ description: 'The signature, base64.', exactlyOne: ['signature', 'signature-path'], helpValue: '<BASE64>' }),
      'signature-path': Flags.string({ description: 'File holding the raw signature.', helpValue: '<PATH>' }),
      ...mechanismFlags(mechanism),
    };

    protected async execute(given: ExecuteInput) {
      const flags = variantFlags<SignFlagValues>(given);
      return { data: await this.perform(verify, { ...mechanismInput(mechanism, flags), signature: dataFrom(flags, 'signature') }) };
    }
  };
}

