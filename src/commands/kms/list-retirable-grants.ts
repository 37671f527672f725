import { Flags } from '../../cli/oclif.js';
import { BaseCommand, type ExecuteInput } from '../../cli/base-command.js';
import { listKmsRetirableGrants } from '../../core/kms/grants.js';

export default class KmsListRetirableGrants extends BaseCommand<typeof KmsListRetirableGrants> {
  static override summary = 'List the grants a principal may retire (KMS ListRetirableGrants).';
  static override examples = ['<%= config.bin %> kms list-retirable-grants --retiring-principal arn:aws:iam::111122223333:role/ops --json'];
  static override flags = {
    'retiring-principal': Flags.string({ description: 'The retiring principal (an IAM ARN).', required: true, helpValue: '<ARN>' }),
    limit: Flags.integer({ description: 'At most this many (1-100, default 50).', helpValue: '<N>' }),
    marker: Flags.string({ description: 'NextMarker of the previous page.', helpValue: '<MARKER>' }),
  };

  protected async execute({ flags }: ExecuteInput<typeof KmsListRetirableGrants>) {
    return { data: await this.perform(listKmsRetirableGrants, { RetiringPrincipal: flags['retiring-principal'], Limit: flags.limit, Marker: flags.marker }) };
  }
}
