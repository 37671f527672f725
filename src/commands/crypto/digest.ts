import { Flags } from '../../cli/oclif.js';
import { BaseCommand, type ExecuteInput } from '../../cli/base-command.js';
import { base64Fields, dataFrom, outFlag } from '../../cli/key-commands/shared.js';
import { digest } from '../../core/keys/data-operations.js';
import { HASH_NAMES } from '../../core/mechanisms/provider.js';

export default class CryptoDigest extends BaseCommand<typeof CryptoDigest> {
  static override summary = 'Hash data with SHA-1, SHA-2 or SHA-3 (extension).';
  static override examples = ['<%= config.bin %> crypto digest --hash-function sha256 --data-path file.bin', '<%= config.bin %> crypto digest --hash-function sha3-256 --data aGVsbG8='];
  static override flags = {
    'hash-function': Flags.option({ description: 'Hash function.', options: HASH_NAMES, required: true })(),
    data: Flags.string({ description: 'The data, base64.', exactlyOne: ['data', 'data-path'], helpValue: '<BASE64>' }),
    'data-path': Flags.string({ description: 'File holding the raw data.', helpValue: '<PATH>' }),
    ...outFlag,
  };

  protected async execute({ flags }: ExecuteInput<typeof CryptoDigest>) {
    const result = await this.perform(digest, { hash: flags['hash-function'], data: dataFrom(flags) });
    if (flags.out) {
      this.writeFile('out', flags.out, Buffer.from(result.digest));
      return { data: { path: flags.out } };
    }
    return { data: base64Fields(result) };
  }
}
