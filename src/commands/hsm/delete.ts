import { Flags } from '../../cli/oclif.js';
import { BaseCommand, type ExecuteInput } from '../../cli/base-command.js';
import { deleteHsm } from '../../core/cluster/operations.js';

export default class HsmDelete extends BaseCommand<typeof HsmDelete> {
  static override summary = 'Remove an HSM from the cluster (CloudHSMv2 DeleteHsm), by exactly one of its ids.';
  static override examples = ['<%= config.bin %> hsm delete --hsm-id hsm-ab3cdefgh4i', '<%= config.bin %> hsm delete --eni-ip 10.0.0.17'];
  static override flags = {
    'hsm-id': Flags.string({ description: 'HSM id.', exactlyOne: ['hsm-id', 'eni-id', 'eni-ip'], helpValue: '<HSM_ID>' }),
    'eni-id': Flags.string({ description: 'ENI id of the HSM.', helpValue: '<ENI_ID>' }),
    'eni-ip': Flags.string({ description: 'ENI IP address of the HSM.', helpValue: '<IP>' }),
  };

  protected async execute({ flags }: ExecuteInput<typeof HsmDelete>) {
    const data = await this.perform(deleteHsm, { hsmId: flags['hsm-id'], eniId: flags['eni-id'], eniIp: flags['eni-ip'] });
    return { data, text: `Deleted ${data.HsmId}.\n` };
  }
}
