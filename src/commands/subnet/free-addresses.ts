import { SubnetCommand } from '../../cli/subnet-command.js';
import { freeSubnetAddresses, type SubnetDescription } from '../../core/network/operations.js';

export default class SubnetFreeAddresses extends SubnetCommand {
  static override summary = 'Free the addresses `subnet exhaust-addresses` took (fault injection).';
  static override examples = ['<%= config.bin %> subnet free-addresses --subnet-id subnet-0c4f3a2b1d9e8f7a6'];

  protected readonly operation = freeSubnetAddresses;
  protected describe(s: SubnetDescription) {
    return `Subnet ${s.SubnetId} (${s.AvailabilityZone}) of cluster ${s.ClusterId}: ${s.AvailableIpAddressCount} addresses free. A key store that FAILED with INSUFFICIENT_FREE_ADDRESSES_IN_SUBNET connects again once disconnected (\`kms disconnect-custom-key-store\`, then \`kms connect-custom-key-store\`).`;
  }
}
