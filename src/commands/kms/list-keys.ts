import { Flags } from '../../cli/oclif.js';
import { BaseCommand, type ExecuteInput } from '../../cli/base-command.js';
import { listKmsKeys } from '../../core/kms/keys.js';

export default class KmsListKeys extends BaseCommand<typeof KmsListKeys> {
  static override summary = 'List the KMS keys, oldest first (KMS ListKeys).';
  static override examples = ['<%= config.bin %> kms list-keys --json', '<%= config.bin %> kms list-keys --limit 10 --marker <NextMarker of the previous page>'];
  static override flags = {
    limit: Flags.integer({ description: 'At most this many (1-1000, default 100).', helpValue: '<N>' }),
    marker: Flags.string({ description: 'NextMarker of the previous page.', helpValue: '<MARKER>' }),
  };

  protected async execute({ flags }: ExecuteInput<typeof KmsListKeys>) {
    return { data: await this.perform(listKmsKeys, { Limit: flags.limit, Marker: flags.marker }) };
  }
}
