import { Flags } from '../cli/oclif.js';
import { BaseCommand, type ExecuteInput } from '../cli/base-command.js';
import { untagResource } from '../core/tags/operations.js';
import { resourceIdFlag } from './tag.js';

export default class Untag extends BaseCommand<typeof Untag> {
  static override summary = 'Remove tags from a cluster or a backup by key (CloudHSMv2 UntagResource).';
  static override description = 'Keys the resource does not carry are ignored. Keys beginning with aws: cannot be removed.';
  static override examples = ['<%= config.bin %> untag --resource-id cluster-igklspoyj5v --tag-key-list team env'];
  static override flags = {
    'resource-id': resourceIdFlag,
    'tag-key-list': Flags.string({ description: 'The keys of the tags to remove (1-50).', multiple: true, required: true, helpValue: '<KEY>' }),
  };

  protected async execute({ flags }: ExecuteInput<typeof Untag>) {
    const data = await this.perform(untagResource, { resourceId: flags['resource-id'], tagKeys: flags['tag-key-list'] });
    return { data, text: `Removed ${flags['tag-key-list'].join(', ')} from ${flags['resource-id'] ?? 'the cluster'} (where present).\n` };
  }
}
