import { approvalFlag } from '../../cli/quorum-flags.js';
import { BaseCommand, type ExecuteInput } from '../../cli/base-command.js';
import { filterFlag } from '../../cli/key-flags.js';
import { parseKeyFilter } from '../../cli/key-filter.js';
import { userFlags } from '../../cli/user-flags.js';
import { shareKey } from '../../core/keys/operations.js';

export default class KeyShare extends BaseCommand<typeof KeyShare> {
  static override summary = 'Share a key you own with another crypto user, who may then use it.';
  static override examples = ['<%= config.bin %> key share --filter attr.label=payments --username bob --role crypto-user'];
  static override flags = { filter: filterFlag('The key (exactly one match).'), ...userFlags, ...approvalFlag };

  protected async execute({ flags }: ExecuteInput<typeof KeyShare>) {
    return { data: await this.perform(shareKey, { filter: parseKeyFilter(flags.filter, '--filter', true), username: flags.username, role: flags.role }) };
  }
}
