import { Flags } from '../../cli/oclif.js';
import { BaseCommand, type ExecuteInput } from '../../cli/base-command.js';
import { clusterText, securityGroupOf } from '../../cli/presenters/clusters.js';
import { renderText } from '../../cli/output.js';
import { describeCluster } from '../../core/cluster/operations.js';

export default class ClusterDescribe extends BaseCommand<typeof ClusterDescribe> {
  static override summary = 'Describe one cluster in the CloudHSMv2 DescribeClusters shape.';
  static override description =
    "--json prints the API's Cluster object exactly. The text adds the security group's rules (TCP 2223-2225 inbound and outbound within the group), which the real service shows through EC2; --security-group prints that group alone, in EC2's DescribeSecurityGroups shape. A deleted cluster, named with --cluster-id, is shown as DELETED for a day of cluster time.";
  static override examples = [
    '<%= config.bin %> cluster describe',
    '<%= config.bin %> cluster describe --cluster-id cluster-igklspoyj5v --json',
    '<%= config.bin %> cluster describe --security-group --json',
  ];
  static override flags = {
    'security-group': Flags.boolean({ description: "Print the cluster's security group (EC2 DescribeSecurityGroups shape) instead." }),
  };

  protected async execute({ flags }: ExecuteInput<typeof ClusterDescribe>) {
    const cluster = await this.perform(describeCluster, {});
    if (flags['security-group']) {
      const data = { SecurityGroups: [securityGroupOf(cluster)] };
      return { data, text: renderText(data.SecurityGroups[0]) };
    }
    return { data: cluster, text: clusterText(cluster) };
  }
}
