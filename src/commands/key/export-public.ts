import { Flags } from '../../cli/oclif.js';
import { BaseCommand, type ExecuteInput } from '../../cli/base-command.js';
import { filterFlag } from '../../cli/key-flags.js';
import { parseKeyFilter } from '../../cli/key-filter.js';
import { exportPublic } from '../../core/keys/files.js';
import { formatReference } from '../../core/keys/model.js';

export default class KeyExportPublic extends BaseCommand<typeof KeyExportPublic> {
  static override summary = 'Print the public key of a key pair as SPKI PEM (extension).';
  static override examples = ['<%= config.bin %> key export-public --filter attr.label=signing-pub > pub.pem', '<%= config.bin %> key export-public --filter attr.label=signing-priv --out pub.pem'];
  static override flags = {
    filter: filterFlag('A public or private key (exactly one match).'),
    out: Flags.string({ description: 'Write the PEM to this file.', helpValue: '<FILE>' }),
  };

  protected async execute({ flags }: ExecuteInput<typeof KeyExportPublic>) {
    const { key, pem } = await this.perform(exportPublic, { filter: parseKeyFilter(flags.filter, '--filter', true) });
    if (flags.out) {
      this.writeFile('out', flags.out, pem);
      return { data: { 'key-reference': formatReference(key.ref), path: flags.out }, text: `Wrote the public key to ${flags.out}\n` };
    }
    return { data: { 'key-reference': formatReference(key.ref), pem }, text: pem };
  }
}
