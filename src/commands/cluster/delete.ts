import { BaseCommand } from '../../cli/base-command.js';
import { deleteCluster } from '../../core/cluster/operations.js';

export default class ClusterDelete extends BaseCommand<typeof ClusterDelete> {
  static override summary = 'Delete a cluster (refused while it still has HSMs).';
  static override examples = ['<%= config.bin %> cluster delete --cluster-id cluster-igklspoyj5v'];

  protected async execute() {
    const data = (await this.perform(deleteCluster, {})) as { ClusterId: string };
    return { data, text: `Deleting cluster ${data.ClusterId} (DELETE_IN_PROGRESS).\n` };
  }
}
