import { BaseCommand, passwordFlags, type ExecuteInput } from '../../cli/base-command.js';
import { activateCluster } from '../../core/cluster/operations.js';

export default class ClusterActivate extends BaseCommand<typeof ClusterActivate> {
  static override summary = 'Activate an INITIALIZED cluster by setting the admin password.';
  static override description = 'No login is needed: the unactivated admin sets its password (7-32 characters) and becomes the first admin. The cluster becomes ACTIVE.';
  static override examples = ['<%= config.bin %> cluster activate', 'echo "$ADMIN_PASSWORD" | <%= config.bin %> cluster activate --password-stdin'];
  static override flags = { ...passwordFlags };

  protected async execute({ flags }: ExecuteInput<typeof ClusterActivate>) {
    const password = await this.password(flags, { confirm: true, what: 'the new admin password' });
    return { data: await this.perform(activateCluster, { password }) };
  }
}
