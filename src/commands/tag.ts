import { Flags } from '../cli/oclif.js';
import { BaseCommand, type ExecuteInput } from '../cli/base-command.js';
import { parseTagList, requiredTagListFlag } from '../cli/tag-flags.js';
import { tagResource } from '../core/tags/operations.js';

export const resourceIdFlag = Flags.string({ description: 'The cluster (or backup) to tag; default: the cluster --cluster-id names, or the only one.', helpValue: '<ID>' });

export default class Tag extends BaseCommand<typeof Tag> {
  static override summary = 'Add or overwrite tags on a cluster or a backup (CloudHSMv2 TagResource).';
  static override description = 'A key already on the resource takes the new value. Keys have 1-128 characters and values 0-256, of letters, digits, spaces and _ . : / = + - @; keys beginning with aws: are reserved; a resource carries at most 50 tags.';
  static override examples = [
    '<%= config.bin %> tag --resource-id cluster-igklspoyj5v --tag-list Key=team,Value=payments Key=env,Value=staging',
    '<%= config.bin %> tag --resource-id backup-ro3ywd2bg5f --tag-list Key=keep,Value=audit-2026',
    `<%= config.bin %> tag --tag-list '[{"Key":"cost-center","Value":"4711"}]'`,
  ];
  static override flags = {
    'resource-id': resourceIdFlag,
    'tag-list': requiredTagListFlag('The tags to set (1-50).'),
  };

  protected async execute({ flags }: ExecuteInput<typeof Tag>) {
    const tags = parseTagList(flags['tag-list']) ?? [];
    const data = await this.perform(tagResource, { resourceId: flags['resource-id'], tags });
    return { data, text: `Tagged ${flags['resource-id'] ?? 'the cluster'} with ${tags.map((t) => t.key).join(', ')}.\n` };
  }
}
