import { Flags } from '../../cli/oclif.js';
import { BaseCommand, type ExecuteInput } from '../../cli/base-command.js';
import { base64Fields, outFlag } from '../../cli/key-commands/shared.js';
import { RANDOM_MAX_BYTES, random } from '../../core/keys/data-operations.js';

export default class CryptoRandom extends BaseCommand<typeof CryptoRandom> {
  static override summary = 'Generate random bytes (extension).';
  static override examples = ['<%= config.bin %> crypto random --length 32', '<%= config.bin %> crypto random --length 1024 --out seed.bin'];
  static override flags = {
    length: Flags.integer({ description: `Number of bytes (1 to ${RANDOM_MAX_BYTES}).`, required: true, helpValue: '<BYTES>' }),
    ...outFlag,
  };

  protected async execute({ flags }: ExecuteInput<typeof CryptoRandom>) {
    const result = await this.perform(random, { length: flags.length });
    if (flags.out) {
      this.writeFile('out', flags.out, Buffer.from(result.random), true);
      return { data: { path: flags.out } };
    }
    return { data: base64Fields(result) };
  }
}
