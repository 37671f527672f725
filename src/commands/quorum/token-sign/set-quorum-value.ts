import { Flags } from '../../../cli/oclif.js';
import { BaseCommand, type ExecuteInput } from '../../../cli/base-command.js';
import { approvalFlag } from '../../../cli/quorum-flags.js';
import { ADMIN_SERVICES, MAX_QUORUM_VALUE } from '../../../core/quorum/model.js';
import { setQuorumValue } from '../../../core/quorum/operations.js';

export default class QuorumTokenSignSetQuorumValue extends BaseCommand<typeof QuorumTokenSignSetQuorumValue> {
  static override summary = 'Set the minimum number of approvals a service needs (1 = no quorum); admin only.';
  static override description = 'The value is 1 to 8 and at most the number of admins. While the quorum service\'s own value is above 1, changing any value needs an approved quorum-service token (--approval).';
  static override examples = [
    '<%= config.bin %> quorum token-sign set-quorum-value --service quorum --value 2',
    '<%= config.bin %> quorum token-sign set-quorum-value --service user --value 2 --approval admin.token',
  ];
  static override flags = {
    service: Flags.option({ description: 'The service (cluster: hsm2m.medium clusters only).', options: ADMIN_SERVICES, required: true })(),
    value: Flags.integer({ description: `Approvals needed, 1 to ${MAX_QUORUM_VALUE}.`, required: true, helpValue: '<VALUE>' }),
    ...approvalFlag,
  };

  protected async execute({ flags }: ExecuteInput<typeof QuorumTokenSignSetQuorumValue>) {
    return { data: await this.perform(setQuorumValue, { service: flags.service, value: flags.value }) };
  }
}
