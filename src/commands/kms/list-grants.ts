import { Flags } from '../../cli/oclif.js';
import { BaseCommand, type ExecuteInput } from '../../cli/base-command.js';
import { keyIdFlag } from '../../cli/kms-flags.js';
import { listKmsGrants } from '../../core/kms/grants.js';

export default class KmsListGrants extends BaseCommand<typeof KmsListGrants> {
  static override summary = "List a KMS key's grants (KMS ListGrants).";
  static override examples = ['<%= config.bin %> kms list-grants --key-id 1234abcd-12ab-34cd-56ef-1234567890ab --json'];
  static override flags = {
    'key-id': keyIdFlag,
    'grant-id': Flags.string({ description: 'Only this grant.', helpValue: '<GRANT_ID>' }),
    'grantee-principal': Flags.string({ description: 'Only the grants to this principal.', helpValue: '<ARN>' }),
    limit: Flags.integer({ description: 'At most this many (1-100, default 50).', helpValue: '<N>' }),
    marker: Flags.string({ description: 'NextMarker of the previous page.', helpValue: '<MARKER>' }),
  };

  protected async execute({ flags }: ExecuteInput<typeof KmsListGrants>) {
    return { data: await this.perform(listKmsGrants, { KeyId: flags['key-id'], GrantId: flags['grant-id'], GranteePrincipal: flags['grantee-principal'], Limit: flags.limit, Marker: flags.marker }) };
  }
}
