import { Flags } from '../../cli/oclif.js';
import { BaseCommand, type ExecuteInput } from '../../cli/base-command.js';
import { keyIdFlag } from '../../cli/kms-flags.js';
import { revokeKmsGrant } from '../../core/kms/grants.js';

export default class KmsRevokeGrant extends BaseCommand<typeof KmsRevokeGrant> {
  static override summary = 'Revoke a grant of a KMS key (KMS RevokeGrant).';
  static override examples = ['<%= config.bin %> kms revoke-grant --key-id 1234abcd-12ab-34cd-56ef-1234567890ab --grant-id 0c237476b39f8bc44e45212e08498fbe3151305030726c0590dd8d3e9f3d6a60'];
  static override flags = {
    'key-id': keyIdFlag,
    'grant-id': Flags.string({ description: 'The grant.', required: true, helpValue: '<GRANT_ID>' }),
  };

  protected async execute({ flags }: ExecuteInput<typeof KmsRevokeGrant>) {
    return { data: await this.perform(revokeKmsGrant, { KeyId: flags['key-id'], GrantId: flags['grant-id'] }), text: 'Grant revoked.\n' };
  }
}
