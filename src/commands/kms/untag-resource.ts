import { Flags } from '../../cli/oclif.js';
import { BaseCommand, type ExecuteInput } from '../../cli/base-command.js';
import { keyIdFlag } from '../../cli/kms-flags.js';
import { untagKmsResource } from '../../core/kms/tags.js';

export default class KmsUntagResource extends BaseCommand<typeof KmsUntagResource> {
  static override summary = 'Remove tags from a KMS key by tag key (KMS UntagResource).';
  static override examples = ['<%= config.bin %> kms untag-resource --key-id 1234abcd-12ab-34cd-56ef-1234567890ab --tag-keys team env'];
  static override flags = { 'key-id': keyIdFlag, 'tag-keys': Flags.string({ description: 'The tag keys to remove.', required: true, multiple: true, helpValue: '<TAG_KEY>...' }) };

  protected async execute({ flags }: ExecuteInput<typeof KmsUntagResource>) {
    return { data: await this.perform(untagKmsResource, { KeyId: flags['key-id'], TagKeys: flags['tag-keys'] }), text: 'Untagged.\n' };
  }
}
