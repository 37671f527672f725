import { SubnetCommand } from '../../cli/subnet-command.js';
import { restoreSubnet, type SubnetDescription } from '../../core/network/operations.js';

export default class SubnetRestore extends SubnetCommand {
  static override summary = 'Bring back a subnet `subnet delete` deleted (fault injection; EC2 has no such call).';
  static override examples = ['<%= config.bin %> subnet restore --subnet-id subnet-0c4f3a2b1d9e8f7a6'];

  protected readonly operation = restoreSubnet;
  protected describe(s: SubnetDescription) {
    return `Subnet ${s.SubnetId} (${s.AvailabilityZone}) of cluster ${s.ClusterId} restored, ${s.AvailableIpAddressCount} addresses free. A key store that FAILED with SUBNET_NOT_FOUND connects again once disconnected (\`kms disconnect-custom-key-store\`, then \`kms connect-custom-key-store\`).`;
  }
}
