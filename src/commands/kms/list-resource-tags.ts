import { Flags } from '../../cli/oclif.js';
import { BaseCommand, type ExecuteInput } from '../../cli/base-command.js';
import { keyIdFlag } from '../../cli/kms-flags.js';
import { listKmsResourceTags } from '../../core/kms/tags.js';

export default class KmsListResourceTags extends BaseCommand<typeof KmsListResourceTags> {
  static override summary = "List a KMS key's tags (KMS ListResourceTags).";
  static override examples = ['<%= config.bin %> kms list-resource-tags --key-id 1234abcd-12ab-34cd-56ef-1234567890ab --json'];
  static override flags = {
    'key-id': keyIdFlag,
    limit: Flags.integer({ description: 'At most this many (1-50, default 50).', helpValue: '<N>' }),
    marker: Flags.string({ description: 'NextMarker of the previous page.', helpValue: '<MARKER>' }),
  };

  protected async execute({ flags }: ExecuteInput<typeof KmsListResourceTags>) {
    return { data: await this.perform(listKmsResourceTags, { KeyId: flags['key-id'], Limit: flags.limit, Marker: flags.marker }) };
  }
}
