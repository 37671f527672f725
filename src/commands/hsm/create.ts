import { Flags } from '../../cli/oclif.js';
import { BaseCommand, type ExecuteInput } from '../../cli/base-command.js';
import { createHsm } from '../../core/cluster/operations.js';

export default class HsmCreate extends BaseCommand<typeof HsmCreate> {
  static override summary = 'Add an HSM to the cluster in an availability zone (CloudHSMv2 CreateHsm).';
  static override description = 'The first HSM of an UNINITIALIZED cluster makes the cluster key pair and CSR. Later HSMs receive the cluster\'s users and keys.';
  static override examples = ['<%= config.bin %> hsm create --availability-zone us-east-1a'];
  static override flags = {
    'availability-zone': Flags.string({ description: 'An availability zone of the cluster\'s subnets.', required: true, helpValue: '<AZ>' }),
    'ip-address': Flags.string({ description: 'ENI address to use (default: a free one in the subnet).', helpValue: '<IP>' }),
  };

  protected async execute({ flags }: ExecuteInput<typeof HsmCreate>) {
    const data = await this.perform(createHsm, { availabilityZone: flags['availability-zone'], ipAddress: flags['ip-address'] });
    return { data, text: `Created ${data.HsmId} in ${flags['availability-zone']} (${data.EniIp}).\n` };
  }
}
