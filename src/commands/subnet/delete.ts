import { SubnetCommand } from '../../cli/subnet-command.js';
import { deleteSubnet, type SubnetDescription } from '../../core/network/operations.js';

export default class SubnetDelete extends SubnetCommand {
  static override summary = "Delete one of the cluster's subnets, as EC2 DeleteSubnet would (fault injection).";
  static override description = [
    "Rehearses a subnet of the cluster's configuration deleted in the VPC: no HSM can be created in its Availability Zone, and a KMS custom key store connecting to the cluster fails with ConnectionErrorCode SUBNET_NOT_FOUND. As in EC2, a subnet that still holds a network interface is refused (DependencyViolation): delete the HSMs in it first, and disconnect a key store connected to the cluster.",
    '`subnet restore` brings it back. The real service has no such call: there the fix is a cluster with valid subnets (restored from a backup) and `kms update-custom-key-store --cloud-hsm-cluster-id`.',
  ].join('\n\n');
  static override examples = ['<%= config.bin %> subnet delete --subnet-id subnet-0c4f3a2b1d9e8f7a6'];

  protected readonly operation = deleteSubnet;
  protected describe(s: SubnetDescription) {
    return `Subnet ${s.SubnetId} (${s.AvailabilityZone}) of cluster ${s.ClusterId} deleted (fault injection); \`subnet restore --subnet-id ${s.SubnetId}\` brings it back.`;
  }
}
