import { Flags } from '../../cli/oclif.js';
import { BaseCommand, type ExecuteInput } from '../../cli/base-command.js';
import { listKmsAliases } from '../../core/kms/keys.js';

export default class KmsListAliases extends BaseCommand<typeof KmsListAliases> {
  static override summary = 'List the aliases, or one key\'s (KMS ListAliases).';
  static override examples = ['<%= config.bin %> kms list-aliases --json'];
  static override flags = {
    'key-id': Flags.string({ description: 'Only the aliases of this key.', helpValue: '<KEY_ID>' }),
    limit: Flags.integer({ description: 'At most this many (1-100, default 50).', helpValue: '<N>' }),
    marker: Flags.string({ description: 'NextMarker of the previous page.', helpValue: '<MARKER>' }),
  };

  protected async execute({ flags }: ExecuteInput<typeof KmsListAliases>) {
    return { data: await this.perform(listKmsAliases, { KeyId: flags['key-id'], Limit: flags.limit, Marker: flags.marker }) };
  }
}
