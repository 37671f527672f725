import { approvalFlag } from '../../cli/quorum-flags.js';
import { BaseCommand, type ExecuteInput } from '../../cli/base-command.js';
import { userFlags } from '../../cli/user-flags.js';
import { deleteUser } from '../../core/users/operations.js';

export default class UserDelete extends BaseCommand<typeof UserDelete> {
  static override summary = 'Delete a user (admin only; not while it is logged in).';
  static override examples = ['<%= config.bin %> user delete --username alice --role crypto-user'];
  static override flags = { ...userFlags, ...approvalFlag };

  protected async execute({ flags }: ExecuteInput<typeof UserDelete>) {
    return { data: await this.perform(deleteUser, { username: flags.username, role: flags.role }) };
  }
}
