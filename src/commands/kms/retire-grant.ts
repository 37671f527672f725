import { Flags } from '../../cli/oclif.js';
import { BaseCommand, type ExecuteInput } from '../../cli/base-command.js';
import { retireKmsGrant } from '../../core/kms/grants.js';

export default class KmsRetireGrant extends BaseCommand<typeof KmsRetireGrant> {
  static override summary = 'Retire a grant, named by its token or by key and grant ID (KMS RetireGrant).';
  static override examples = [
    '<%= config.bin %> kms retire-grant --grant-token AQpAM2Rh...',
    '<%= config.bin %> kms retire-grant --key-id 1234abcd-12ab-34cd-56ef-1234567890ab --grant-id 0c237476b39f8bc44e45212e08498fbe3151305030726c0590dd8d3e9f3d6a60',
  ];
  static override flags = {
    'grant-token': Flags.string({ description: 'The token CreateGrant returned.', helpValue: '<TOKEN>', exclusive: ['grant-id', 'key-id'] }),
    'key-id': Flags.string({ description: 'The key (with --grant-id): its ID or ARN.', helpValue: '<KEY_ID>', dependsOn: ['grant-id'] }),
    'grant-id': Flags.string({ description: 'The grant (with --key-id).', helpValue: '<GRANT_ID>', dependsOn: ['key-id'] }),
  };

  protected async execute({ flags }: ExecuteInput<typeof KmsRetireGrant>) {
    return { data: await this.perform(retireKmsGrant, { GrantToken: flags['grant-token'], KeyId: flags['key-id'], GrantId: flags['grant-id'] }), text: 'Grant retired.\n' };
  }
}
