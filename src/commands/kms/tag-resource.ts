import { BaseCommand, type ExecuteInput } from '../../cli/base-command.js';
import { keyIdFlag, kmsTags, requiredKmsTagsFlag } from '../../cli/kms-flags.js';
import { tagKmsResource } from '../../core/kms/tags.js';

export default class KmsTagResource extends BaseCommand<typeof KmsTagResource> {
  static override summary = 'Add or overwrite tags on a KMS key (KMS TagResource).';
  static override description = 'Tag keys have 1-128 characters and values 0-256; keys beginning with aws: are reserved; a key carries at most 50 tags.';
  static override examples = ['<%= config.bin %> kms tag-resource --key-id 1234abcd-12ab-34cd-56ef-1234567890ab --tags TagKey=team,TagValue=payments TagKey=env,TagValue=dev'];
  static override flags = { 'key-id': keyIdFlag, tags: requiredKmsTagsFlag('The tags to set.') };

  protected async execute({ flags }: ExecuteInput<typeof KmsTagResource>) {
    return { data: await this.perform(tagKmsResource, { KeyId: flags['key-id'], Tags: kmsTags(flags.tags) ?? [] }), text: 'Tagged.\n' };
  }
}
