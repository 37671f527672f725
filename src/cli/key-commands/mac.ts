/** `crypto hmac generate|verify` and `crypto cmac generate|verify` (extensions). */
import { Flags } from '../oclif.js';
import { cmacGenerate, cmacVerify, hmacGenerate, hmacVerify } from '../../core/keys/data-operations.js';
import { AES_BLOCK_BYTES, HASH_NAMES } from '../../core/mechanisms/provider.js';
import { CMAC_MIN_MAC_BYTES, HMAC_MIN_MAC_BYTES } from '../../core/mechanisms/table.js';
import { BaseCommand, variantFlags, type ExecuteInput } from '../base-command.js';
import { filterFlag } from '../key-flags.js';
import { parseKeyFilter } from '../key-filter.js';
import { EXAMPLE_HASH, base64Fields, dataFlags, dataFrom, outFlag, type FlagMap } from './shared.js';
import { formatReference } from '../../core/keys/model.js';

/** The flags of the MAC commands (hash-function for HMAC; mac or out by direction). */
interface MacFlagValues {
  'key-filter': string[];
  'hash-function'?: string;
  data?: string;
  'data-path'?: string;
  'mac-length-bytes'?: number;
  mac?: string;
  'mac-path'?: string;
  out?: string;
}

export function macCommand(kind: 'hmac' | 'cmac', verifying: boolean) {
  const keyKinds = kind === 'hmac' ? 'a generic-secret or AES key' : 'an AES key';
  const usage = verifying ? 'verify' : 'sign';
  const hashFlag: FlagMap = kind === 'hmac' ? { 'hash-function': Flags.string({ description: 'Hash function.', options: [...HASH_NAMES], required: true }) } : {};
  const macFlags: FlagMap = verifying
    ? {
        mac: Flags.string({ description: 'The MAC, base64.', exactlyOne: ['mac', 'mac-path'], helpValue: '<BASE64>' }),
        'mac-path': Flags.string({ description: 'File holding the raw MAC.', helpValue: '<PATH>' }),
      }
    : outFlag;
  return class Mac extends BaseCommand {
    static override summary = `${verifying ? 'Check' : 'Compute'} ${kind === 'hmac' ? 'an HMAC' : 'an AES-CMAC'} with ${keyKinds} that allows ${usage} (extension).`;
    static override examples = [
      `<%= config.bin %> crypto ${kind} ${verifying ? 'verify' : 'generate'} --key-filter attr.label=mac-key${kind === 'hmac' ? ` --hash-function ${EXAMPLE_HASH}` : ''} --data-path message.bin${verifying ? ' --mac <BASE64>' : ''}`,
      `<%= config.bin %> crypto ${kind} ${verifying ? 'verify' : 'generate'} --key-filter attr.label=mac-key${kind === 'hmac' ? ` --hash-function ${EXAMPLE_HASH}` : ''} --data-path message.bin --mac-length-bytes ${kind === 'hmac' ? 16 : 8}${verifying ? ' --mac <BASE64>' : ''}`,
    ];
    static override flags = {
      'key-filter': filterFlag(`The MAC key (exactly one match; ${usage}=true).`),
      ...hashFlag,
      ...dataFlags,
      'mac-length-bytes': Flags.integer({
        description: kind === 'hmac' ? `Truncated MAC length in bytes: at least half the hash output and ${HMAC_MIN_MAC_BYTES} bytes (default: the full hash output).` : `Truncated MAC length in bytes, ${CMAC_MIN_MAC_BYTES} to ${AES_BLOCK_BYTES} (default ${AES_BLOCK_BYTES}).`,
        helpValue: '<BYTES>',
      }),
      ...macFlags,
    };

    protected async execute(given: ExecuteInput) {
      const flags = variantFlags<MacFlagValues>(given);
      const common = { data: dataFrom(flags), macLengthBytes: flags['mac-length-bytes'] };
      const keyFilter = () => parseKeyFilter(flags['key-filter'], '--key-filter', true);
      // --hash-function is a required flag of the HMAC commands; CMAC has none.
      const hash = flags['hash-function'] ?? '';
      if (verifying) {
        const input = { ...common, mac: dataFrom(flags, 'mac'), keyFilter: keyFilter() };
        return { data: await (kind === 'hmac' ? this.perform(hmacVerify, { ...input, hash }) : this.perform(cmacVerify, input)) };
      }
      const input = { ...common, keyFilter: keyFilter() };
      const result = await (kind === 'hmac' ? this.perform(hmacGenerate, { ...input, hash }) : this.perform(cmacGenerate, input));
      if (flags.out) {
        this.writeFile('out', flags.out, Buffer.from(result.mac), true);
        return { data: { 'key-reference': formatReference(result.keyRef), path: flags.out } };
      }
      return { data: base64Fields(result) };
    }
  };
}
