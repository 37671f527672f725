import { Flags } from '../cli/oclif.js';
import { BaseCommand, type ExecuteInput } from '../cli/base-command.js';
import { renderText } from '../cli/output.js';
import { listTags } from '../core/tags/operations.js';
import { resourceIdFlag } from './tag.js';

export default class ListTags extends BaseCommand<typeof ListTags> {
  static override summary = 'List the tags of a cluster or a backup (CloudHSMv2 ListTags).';
  static override examples = ['<%= config.bin %> list-tags --resource-id cluster-igklspoyj5v', '<%= config.bin %> list-tags --json --max-results 10'];
  static override flags = {
    'resource-id': resourceIdFlag,
    'max-results': Flags.integer({ description: 'At most this many tags (1-100); the result then carries a NextToken for the rest.', helpValue: '<N>' }),
    'next-token': Flags.string({ description: 'Continue from the NextToken a previous list gave.', helpValue: '<TOKEN>' }),
  };

  protected async execute({ flags }: ExecuteInput<typeof ListTags>) {
    const data = await this.perform(listTags, { resourceId: flags['resource-id'], maxResults: flags['max-results'], nextToken: flags['next-token'] });
    const more = data.NextToken === undefined ? '' : `More: --next-token ${data.NextToken}\n`;
    return { data, text: `${data.TagList.length ? renderText({ TagList: data.TagList }) : 'No tags.\n'}${more}` };
  }
}
