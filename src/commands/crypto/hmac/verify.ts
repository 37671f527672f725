import { Flags } from '../../../cli/oclif.js';
import { BaseCommand, type ExecuteInput } from '../../../cli/base-command.js';
import { filterFlag } from '../../../cli/key-flags.js';
import { base64Fields, dataFrom } from '../../../cli/key-commands.js';
import { hmacVerify } from '../../../core/keys/data-operations.js';
import { HASH_NAMES } from '../../../core/mechanisms/provider.js';

export default class CryptoHmacVerify extends BaseCommand {
  static override summary = 'Check an HMAC with a generic-secret or AES key that allows verify (extension).';
  static override examples = ['<%= config.bin %> crypto hmac verify --key-filter attr.label=mac-key --hash-function sha256 --data-path message.bin --mac <BASE64>'];
  static override flags = {
    'key-filter': filterFlag('The MAC key (exactly one match; verify=true).'),
    'hash-function': Flags.string({ description: 'Hash function.', options: [...HASH_NAMES], required: true }),
    data: Flags.string({ description: 'The data, base64.', exactlyOne: ['data', 'data-path'], helpValue: '<BASE64>' }),
    'data-path': Flags.string({ description: 'File holding the raw data.', helpValue: '<PATH>' }),
    mac: Flags.string({ description: 'The MAC, base64.', exactlyOne: ['mac', 'mac-path'], helpValue: '<BASE64>' }),
    'mac-path': Flags.string({ description: 'File holding the raw MAC.', helpValue: '<PATH>' }),
  };

  protected async execute({ flags }: ExecuteInput) {
    const result = await this.perform(hmacVerify, { keyFilter: flags['key-filter'], hash: flags['hash-function'], data: dataFrom(flags), mac: dataFrom(flags, 'mac') });
    return { data: base64Fields(result) };
  }
}
