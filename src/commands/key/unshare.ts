import { approvalFlag } from '../../cli/quorum-flags.js';
import { BaseCommand, type ExecuteInput } from '../../cli/base-command.js';
import { filterFlag } from '../../cli/key-flags.js';
import { parseKeyFilter } from '../../cli/key-filter.js';
import { userFlags } from '../../cli/user-flags.js';
import { unshareKey } from '../../core/keys/operations.js';

export default class KeyUnshare extends BaseCommand<typeof KeyUnshare> {
  static override summary = 'Stop sharing a key you own with a crypto user.';
  static override examples = ['<%= config.bin %> key unshare --filter attr.label=payments --username bob --role crypto-user'];
  static override flags = { filter: filterFlag('The key (exactly one match).'), ...userFlags, ...approvalFlag };

  protected async execute({ flags }: ExecuteInput<typeof KeyUnshare>) {
    return { data: await this.perform(unshareKey, { filter: parseKeyFilter(flags.filter, '--filter', true), username: flags.username, role: flags.role }) };
  }
}
