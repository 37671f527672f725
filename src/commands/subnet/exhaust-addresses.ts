import { SubnetCommand } from '../../cli/subnet-command.js';
import { exhaustSubnetAddresses, type SubnetDescription } from '../../core/network/operations.js';

export default class SubnetExhaustAddresses extends SubnetCommand {
  static override summary = "Take every free IP address of one of the cluster's subnets, as other network interfaces would (fault injection).";
  static override description = [
    'The subnet then has no free address, and any address freed later is taken too, until `subnet free-addresses`: an HSM cannot be created in its Availability Zone, and a KMS custom key store connecting to the cluster fails with ConnectionErrorCode INSUFFICIENT_FREE_ADDRESSES_IN_SUBNET (KMS needs one free address in each subnet of the cluster for its network interface). Network interfaces already there (the HSMs\', and KMS\'s while a store is connected) keep theirs.',
    'The real service has no such call; there addresses run out because of your other resources in the subnet.',
  ].join('\n\n');
  static override examples = ['<%= config.bin %> subnet exhaust-addresses --subnet-id subnet-0c4f3a2b1d9e8f7a6'];

  protected readonly operation = exhaustSubnetAddresses;
  protected describe(s: SubnetDescription) {
    return `Subnet ${s.SubnetId} (${s.AvailabilityZone}) of cluster ${s.ClusterId} has no free address now (fault injection); \`subnet free-addresses --subnet-id ${s.SubnetId}\` frees them.`;
  }
}
