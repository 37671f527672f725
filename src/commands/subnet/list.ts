import { BaseCommand } from '../../cli/base-command.js';
import { listSubnets } from '../../core/network/operations.js';

export default class SubnetList extends BaseCommand<typeof SubnetList> {
  static override summary = "List the cluster's subnets: Availability Zone, CIDR block, free IP addresses, and whether fault injection deleted one.";
  static override description =
    "In EC2 DescribeSubnets' shape, for the subnets of the cluster's SubnetMapping. A /24 has 251 usable addresses; each HSM's network interface takes one, and so does KMS's while a custom key store on the cluster is connected. State \"deleted\" is the emulator's, for a subnet `subnet delete` deleted (EC2 no longer lists a deleted subnet).";
  static override examples = ['<%= config.bin %> subnet list', '<%= config.bin %> subnet list --cluster-id cluster-igklspoyj5v --json'];

  protected async execute() {
    return { data: await this.perform(listSubnets, {}) };
  }
}
