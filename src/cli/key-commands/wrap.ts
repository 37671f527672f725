/** `key wrap <mechanism>` and `key unwrap <mechanism>`. */
import { approvalFlag, wrapApprovalFlags } from '../quorum-flags.js';
import { Flags } from '../oclif.js';
import { GCM_FULL_TAG_BITS, GCM_TAG_BITS, mgf1Name, OAEP_HASHES, orList } from '../../core/mechanisms/choices.js';
import { WRAPS, type WrapRow } from '../../core/mechanisms/table.js';
import { UNWRAP_KEY_TYPE_CLASSES, unwrapKey, wrapKey, type WrapMechanism } from '../../core/keys/wrap.js';
import { BaseCommand, variantFlags, type ExecuteInput } from '../base-command.js';
import { filterFlag } from '../key-flags.js';
import { parseKeyFilter } from '../key-filter.js';
import { EXAMPLE_HASH, creationFlags, dataFrom, keyText, quorumValue, type FlagMap } from './shared.js';
import { presentKey, presentWrappedKey } from '../presenters/keys.js';

/** The tag length the examples use: the full tag. */
const EXAMPLE_TAG_BITS = GCM_FULL_TAG_BITS;

function wrapMechanismFlags(mechanism: WrapMechanism, unwrap: boolean): FlagMap {
  const row: WrapRow = WRAPS[mechanism];
  if (row.gcm) {
    return {
      'tag-length-bits': Flags.integer({ description: `GCM tag length in bits: ${orList(GCM_TAG_BITS)}.`, required: true, helpValue: '<BITS>' }),
      aad: Flags.string({ description: 'Additional authenticated data, hex.', helpValue: '<HEX>' }),
      ...(unwrap && mechanism === 'aes-gcm' ? { iv: Flags.string({ description: 'The IV `key wrap aes-gcm` returned, hex.', required: true, helpValue: '<HEX>' }) } : {}),
    };
  }
  if (row.oaep) {
    return {
      'hash-function': Flags.string({ description: 'OAEP hash.', options: [...OAEP_HASHES], required: true }),
      mgf: Flags.string({ description: 'Mask generation function.', options: OAEP_HASHES.map(mgf1Name), required: true }),
    };
  }
  return {};
}

/** A `key wrap` example's mechanism flags. */
function exampleFlags(mechanism: WrapMechanism): string {
  const row: WrapRow = WRAPS[mechanism];
  if (row.gcm) return ` --tag-length-bits ${EXAMPLE_TAG_BITS}`;
  return row.oaep ? ` --hash-function ${EXAMPLE_HASH} --mgf ${mgf1Name(EXAMPLE_HASH)}` : '';
}

/** The flags of every wrap and unwrap mechanism (each has its own subset of the optional ones). */
interface WrapFlagValues {
  'payload-filter': string[];
  'wrapping-filter': string[];
  filter: string[];
  path?: string;
  data?: string;
  'data-path'?: string;
  'key-type-class': string;
  label: string;
  attributes?: string[];
  session: boolean;
  'share-crypto-users'?: string[];
  'manage-key-quorum-value'?: number;
  'use-key-quorum-value'?: number;
  'tag-length-bits'?: number;
  aad?: string;
  iv?: string;
  'hash-function'?: string;
  mgf?: string;
}

function wrapParameters(flags: WrapFlagValues) {
  return { tagLengthBits: flags['tag-length-bits'], aad: flags.aad, iv: flags.iv, hash: flags['hash-function'], mgf: flags.mgf };
}

export function wrapCommand(mechanism: WrapMechanism) {
  return class Wrap extends BaseCommand {
    static override summary = `Wrap (export, encrypted) a key you own with ${mechanism}.`;
    static override examples = [`<%= config.bin %> key wrap ${mechanism} --payload-filter attr.label=data-key --wrapping-filter attr.label=${WRAPS[mechanism].wrappingKey === 'rsa' ? 'partner-pub' : 'kek'}${exampleFlags(mechanism)}`];
    static override flags = {
      'payload-filter': filterFlag('The key to wrap (exactly one match; you must own it).'),
      ...wrapApprovalFlags,
      'wrapping-filter': filterFlag('The wrapping key (exactly one match; wrap=true).'),
      path: Flags.string({ description: 'Write the raw wrapped bytes to this file.', helpValue: '<PATH>' }),
      ...wrapMechanismFlags(mechanism, false),
    };

    protected async execute(given: ExecuteInput) {
      const flags = variantFlags<WrapFlagValues>(given);
      const result = await this.perform(wrapKey, {
        mechanism,
        payloadFilter: parseKeyFilter(flags['payload-filter'], '--payload-filter', true),
        wrappingFilter: parseKeyFilter(flags['wrapping-filter'], '--wrapping-filter', true),
        ...wrapParameters(flags),
      });
      const data = presentWrappedKey(result);
      if (flags.path) {
        this.writeFile('path', flags.path, Buffer.from(result.wrapped), true);
        const { wrapped_key_data: _omit, ...rest } = data;
        return { data: rest, text: `Wrote the wrapped key to ${flags.path}\n` };
      }
      return { data };
    }
  };
}

export function unwrapCommand(mechanism: WrapMechanism) {
  return class Unwrap extends BaseCommand {
    static override summary = `Unwrap (import) a key wrapped with ${mechanism}.`;
    static override examples = [`<%= config.bin %> key unwrap ${mechanism} --filter attr.label=${WRAPS[mechanism].wrappingKey === 'rsa' ? 'my-rsa-priv' : 'kek'} --data-path wrapped.bin --key-type-class aes --label imported${mechanism === 'aes-gcm' ? ` --tag-length-bits ${EXAMPLE_TAG_BITS} --iv 0x…` : ''}`];
    static override flags = {
      filter: filterFlag('The unwrapping key (exactly one match; unwrap=true).'),
      ...approvalFlag,
      data: Flags.string({ description: 'The wrapped key, base64.', exactlyOne: ['data', 'data-path'], helpValue: '<BASE64>' }),
      'data-path': Flags.string({ description: 'File holding the raw wrapped key.', helpValue: '<PATH>' }),
      'key-type-class': Flags.string({ description: 'What the wrapped key is.', required: true, options: [...UNWRAP_KEY_TYPE_CLASSES] }),
      label: Flags.string({ description: 'Label of the new key.', required: true, helpValue: '<LABEL>' }),
      attributes: Flags.string({ description: 'Attribute overrides NAME=VALUE.', multiple: true, helpValue: '<NAME=VALUE>...' }),
      ...creationFlags,
      'manage-key-quorum-value': quorumValue('Approvals needed to manage the key (0 = off).'),
      'use-key-quorum-value': quorumValue('Approvals needed to use the key (0 = off).'),
      ...wrapMechanismFlags(mechanism, true),
    };

    protected async execute(given: ExecuteInput) {
      const flags = variantFlags<WrapFlagValues>(given);
      const data = await this.perform(unwrapKey, {
        mechanism,
        data: dataFrom(flags),
        keyTypeClass: flags['key-type-class'],
        label: flags.label,
        attributes: flags.attributes,
        session: flags.session,
        shareWith: flags['share-crypto-users'],
        manageQuorum: flags['manage-key-quorum-value'],
        useQuorum: flags['use-key-quorum-value'],
        ...wrapParameters(flags),
        filter: parseKeyFilter(flags.filter, '--filter', true),
      });
      const key = presentKey(data.key);
      return { data: { key }, text: keyText(key) };
    }
  };
}

