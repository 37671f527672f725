import { Flags } from '../../cli/oclif.js';
import { BaseCommand, type ExecuteInput } from '../../cli/base-command.js';
import { filterFlag } from '../../cli/key-flags.js';
import { parseKeyFilter } from '../../cli/key-filter.js';
import { generateFile } from '../../core/keys/files.js';

export default class KeyGenerateFile extends BaseCommand<typeof KeyGenerateFile> {
  static override summary = 'Write a public key as PEM, or a reference PEM that names a private key without its material.';
  static override examples = ['<%= config.bin %> key generate-file --encoding pem --path pub.pem --filter attr.label=signing-pub', '<%= config.bin %> key generate-file --encoding reference-pem --path ref.pem --filter attr.label=signing-priv'];
  static override flags = {
    encoding: Flags.option({ description: 'pem (public keys) or reference-pem (private keys).', required: true, options: ['pem', 'reference-pem'] as const })(),
    path: Flags.string({ description: 'The file to write.', required: true, helpValue: '<PATH>' }),
    filter: filterFlag('The key (exactly one match).'),
  };

  protected async execute({ flags }: ExecuteInput<typeof KeyGenerateFile>) {
    const { pem } = await this.perform(generateFile, { filter: parseKeyFilter(flags.filter, '--filter', true), encoding: flags.encoding });
    this.writeFile('path', flags.path, pem);
    return { data: { message: 'Successfully generated key file' } };
  }
}
