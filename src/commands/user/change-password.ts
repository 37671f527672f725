import { approvalFlag } from '../../cli/quorum-flags.js';
import { Flags } from '../../cli/oclif.js';
import { BaseCommand, passwordFlags, type ExecuteInput } from '../../cli/base-command.js';
import { userFlags } from '../../cli/user-flags.js';
import { changePassword } from '../../core/users/operations.js';

export default class UserChangePassword extends BaseCommand<typeof UserChangePassword> {
  static override summary = "Change your own password, or (as admin) reset another user's, which also unlocks it.";
  static override examples = [
    '<%= config.bin %> user change-password --username alice --role crypto-user',
    'echo "$NEW_PW" | CLOUDHSM_ROLE=admin CLOUDHSM_PIN="admin:$ADMIN_PW" <%= config.bin %> user change-password --username alice --role crypto-user --password-stdin',
  ];
  static override flags = {
    ...userFlags,
    ...passwordFlags,
    ...approvalFlag,
    'deregister-mfa': Flags.boolean({ description: "Also remove the user's MFA (token-sign)." }),
    'deregister-quorum': Flags.boolean({ description: "Also remove the user's quorum public key registration." }),
  };

  protected async execute({ flags }: ExecuteInput<typeof UserChangePassword>) {
    const password = await this.password(flags, { confirm: true, what: `the new password of ${flags.username}` });
    return { data: await this.perform(changePassword, { username: flags.username, role: flags.role, password, deregisterMfa: flags['deregister-mfa'], deregisterQuorum: flags['deregister-quorum'] }) };
  }
}
