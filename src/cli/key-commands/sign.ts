/** `crypto sign <mechanism>` and `crypto verify <mechanism>`: one builder per direction, flags per mechanism. */
import { approvalFlag } from '../quorum-flags.js';
import { Flags } from '../oclif.js';
import { SIGNATURE_FORMATS, SIGN_HASHES, sign, verify, type SignatureFormat, type SignMechanism } from '../../core/keys/sign.js';
import { mgf1Name } from '../../core/mechanisms/choices.js';
import { HASH_BYTES } from '../../core/mechanisms/provider.js';
import { ML_DSA_MAX_CONTEXT_BYTES, ML_DSA_MU_BYTES, SIGNATURES, type SignatureRow, type SignDataType } from '../../core/mechanisms/table.js';
import { BaseCommand, variantFlags, type ExecuteInput } from '../base-command.js';
import { filterFlag } from '../key-flags.js';
import { parseKeyFilter } from '../key-filter.js';
import { EXAMPLE_HASH, dataFlags, dataFrom, outFlag, type FlagMap } from './shared.js';
import { formatReference } from '../../core/keys/model.js';

function mechanismFlags(mechanism: SignMechanism): FlagMap {
  const row = SIGNATURES[mechanism];
  const dataTypes = [...row.dataTypes];
  switch (mechanism) {
    case 'rsa-pkcs':
    case 'ecdsa':
    case 'rsa-pkcs-pss': {
      const hash = Flags.string({ description: 'Hash function.', options: [...SIGN_HASHES], required: true });
      const dataType = Flags.string({ description: 'raw data, or an already computed digest.', options: dataTypes, default: dataTypes[0] });
      if (mechanism === 'ecdsa') {
        const format = Flags.string({ description: 'Signature encoding: raw r‖s as the CloudHSM CLI has it, or DER as openssl writes it (extension).', options: [...SIGNATURE_FORMATS], default: 'raw' });
        return { 'hash-function': hash, 'data-type': dataType, 'signature-format': format };
      }
      if (mechanism !== 'rsa-pkcs-pss') return { 'hash-function': hash, 'data-type': dataType };
      return {
        'hash-function': hash,
        'data-type': dataType,
        mgf: Flags.string({ description: 'Mask generation function (must match the hash).', options: SIGN_HASHES.map(mgf1Name), required: true }),
        'salt-length': Flags.integer({ description: 'Salt length in bytes.', required: true, min: 0, helpValue: '<BYTES>' }),
      };
    }
    case 'ed25519ph':
      return {
        'hash-function': Flags.string({ description: 'Hash function (SHA-512 per RFC 8032).', options: [SIGNATURES.ed25519ph.hash], required: true }),
        'data-type': Flags.string({ description: 'raw data, or its SHA-512 digest.', options: dataTypes, required: true }),
      };
    case 'ml-dsa':
      return {
        'hash-function': Flags.string({ description: `Always ${SIGNATURES['ml-dsa'].hash}.`, options: [SIGNATURES['ml-dsa'].hash], required: true }),
        'data-type': Flags.string({ description: `raw data, or the ${ML_DSA_MU_BYTES}-byte external μ.`, options: dataTypes, required: true }),
        context: Flags.string({ description: `FIPS 204 context string, 0x-hex or base64, at most ${ML_DSA_MAX_CONTEXT_BYTES} bytes (extension; default: empty).`, helpValue: '<CONTEXT>' }),
      };
    default:
      return {};
  }
}

/** An example command line's mechanism flags: the first hash it offers, and for PSS its MGF1 and the hash's length as the salt. */
function exampleFlags(mechanism: SignMechanism): string {
  const row: SignatureRow = SIGNATURES[mechanism];
  if (row.hash === undefined) return '';
  const hash = row.hash === 'signing' ? EXAMPLE_HASH : row.hash;
  const pss = row.mgf1 ? ` --mgf ${mgf1Name(hash)} --salt-length ${HASH_BYTES[EXAMPLE_HASH]}` : '';
  return ` --hash-function ${hash}${pss}${row.dataTypeRequired ? ` --data-type ${row.dataTypes[0]!}` : ''}`;
}

/** The flags of every signing mechanism (each has its own subset of the optional ones). */
interface SignFlagValues {
  'key-filter': string[];
  data?: string;
  'data-path'?: string;
  signature?: string;
  'signature-path'?: string;
  'hash-function'?: string;
  'data-type'?: SignDataType;
  mgf?: string;
  'salt-length'?: number;
  context?: string;
  'signature-format'?: SignatureFormat;
  out?: string;
}

function mechanismInput(mechanism: SignMechanism, flags: SignFlagValues) {
  return {
    mechanism,
    data: dataFrom(flags),
    hash: flags['hash-function'],
    dataType: flags['data-type'],
    mgf: flags.mgf,
    saltLength: flags['salt-length'],
    context: flags.context,
    signatureFormat: flags['signature-format'],
  };
}

function keyFilterOf(flags: SignFlagValues) {
  return parseKeyFilter(flags['key-filter'], '--key-filter', true);
}

export function signCommand(mechanism: SignMechanism) {
  return class Sign extends BaseCommand {
    static override summary = `Sign data with a private key (${mechanism}).`;
    static override examples = [`<%= config.bin %> crypto sign ${mechanism} --key-filter attr.label=priv --data-path message.bin${exampleFlags(mechanism)}`];
    static override flags = { 'key-filter': filterFlag('The signing key (exactly one match).'), ...dataFlags, ...mechanismFlags(mechanism), ...outFlag, ...approvalFlag };

    protected async execute(given: ExecuteInput) {
      const flags = variantFlags<SignFlagValues>(given);
      const { keyRef, signature } = await this.perform(sign, { ...mechanismInput(mechanism, flags), keyFilter: keyFilterOf(flags) });
      if (flags.out) {
        // A signature is public: the file is written readable, unlike the secret outputs.
        this.writeFile('out', flags.out, Buffer.from(signature));
        return { data: { 'key-reference': formatReference(keyRef), path: flags.out } };
      }
      return { data: { 'key-reference': formatReference(keyRef), signature: Buffer.from(signature).toString('base64') } };
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
      return { data: await this.perform(verify, { ...mechanismInput(mechanism, flags), signature: dataFrom(flags, 'signature'), keyFilter: keyFilterOf(flags) }) };
    }
  };
}

