import { Flags } from '../../../cli/oclif.js';
import { BaseCommand, type ExecuteInput } from '../../../cli/base-command.js';
import { filterFlag } from '../../../cli/key-flags.js';
import { base64Fields, dataFrom, outFlag } from '../../../cli/key-commands.js';
import { hmacGenerate } from '../../../core/keys/data-operations.js';
import { HASH_NAMES } from '../../../core/mechanisms/provider.js';

export default class CryptoHmacGenerate extends BaseCommand {
  static override summary = 'Compute an HMAC with a generic-secret or AES key that allows sign (extension).';
  static override examples = ['<%= config.bin %> crypto hmac generate --key-filter attr.label=mac-key --hash-function sha256 --data-path message.bin'];
  static override flags = {
    'key-filter': filterFlag('The MAC key (exactly one match; sign=true).'),
    'hash-function': Flags.string({ description: 'Hash function.', options: [...HASH_NAMES], required: true }),
    data: Flags.string({ description: 'The data, base64.', exactlyOne: ['data', 'data-path'], helpValue: '<BASE64>' }),
    'data-path': Flags.string({ description: 'File holding the raw data.', helpValue: '<PATH>' }),
    ...outFlag,
  };

  protected async execute({ flags }: ExecuteInput) {
    const result = await this.perform(hmacGenerate, { keyFilter: flags['key-filter'], hash: flags['hash-function'], data: dataFrom(flags) });
    if (flags.out) {
      this.writeFile('out', flags.out, Buffer.from(result.mac));
      return { data: { 'key-reference': result['key-reference'], path: flags.out } };
    }
    return { data: base64Fields(result) };
  }
}
