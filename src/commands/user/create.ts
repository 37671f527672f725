import { approvalFlag } from '../../cli/quorum-flags.js';
import { BaseCommand, passwordFlags, type ExecuteInput } from '../../cli/base-command.js';
import { userFlags } from '../../cli/user-flags.js';
import { createUser } from '../../core/users/operations.js';

export default class UserCreate extends BaseCommand<typeof UserCreate> {
  static override summary = 'Create an admin or crypto-user (admin only).';
  static override examples = [
    '<%= config.bin %> user create --username alice --role crypto-user',
    'echo "$PW" | CLOUDHSM_ROLE=admin CLOUDHSM_PIN="admin:$ADMIN_PW" <%= config.bin %> user create --username alice --role crypto-user --password-stdin',
  ];
  static override flags = { ...userFlags, ...passwordFlags, ...approvalFlag };

  protected async execute({ flags }: ExecuteInput<typeof UserCreate>) {
    const password = await this.password(flags, { confirm: true, what: `a password for ${flags.username}` });
    return { data: await this.perform(createUser, { username: flags.username, role: flags.role, password }) };
  }
}
