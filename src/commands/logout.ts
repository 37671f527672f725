import { BaseCommand, type ExecuteInput } from '../cli/base-command.js';
import { HsmError } from '../core/errors.js';
import { logout } from '../core/users/operations.js';

export default class Logout extends BaseCommand<typeof Logout> {
  static override summary = 'Log out of the shell session.';
  static override examples = ['logout'];

  protected async execute({ runtime }: ExecuteInput<typeof Logout>) {
    const session = runtime.shell?.session;
    if (!session) {
      throw new HsmError(
        'NOT_LOGGED_IN',
        runtime.shell ? 'nobody is logged in' : 'nobody is logged in: a single command logs in from CLOUDHSM_ROLE/CLOUDHSM_PIN for that command only; `logout` ends a login made in the shell',
      );
    }
    const { perform } = await import('../core/engine.js');
    const data = await perform(await this.engine(), logout, { clusterId: session.clusterId }, { session });
    runtime.shell!.session = undefined;
    runtime.shell!.sessionKeys?.clear();
    return { data };
  }
}
