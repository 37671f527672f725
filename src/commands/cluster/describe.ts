import { BaseCommand } from '../../cli/base-command.js';
import { describeCluster } from '../../core/cluster/operations.js';

export default class ClusterDescribe extends BaseCommand<typeof ClusterDescribe> {
  static override summary = 'Describe one cluster in the CloudHSMv2 DescribeClusters shape.';
  static override examples = ['<%= config.bin %> cluster describe --json', '<%= config.bin %> cluster describe --cluster-id cluster-igklspoyj5v'];

  protected async execute() {
    return { data: await this.perform(describeCluster, {}) };
  }
}
