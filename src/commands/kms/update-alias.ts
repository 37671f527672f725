import { Flags } from '../../cli/oclif.js';
import { BaseCommand, type ExecuteInput } from '../../cli/base-command.js';
import { updateKmsAlias } from '../../core/kms/keys.js';

export default class KmsUpdateAlias extends BaseCommand<typeof KmsUpdateAlias> {
  static override summary = 'Point an alias at another KMS key (KMS UpdateAlias).';
  static override examples = ['<%= config.bin %> kms update-alias --alias-name alias/orders --target-key-id 1234abcd-12ab-34cd-56ef-1234567890ab'];
  static override flags = {
    'alias-name': Flags.string({ description: 'alias/ followed by letters, digits, /, _ or -.', required: true, helpValue: '<ALIAS>' }),
    'target-key-id': Flags.string({ description: 'The key: its ID or ARN.', required: true, helpValue: '<KEY_ID>' }),
  };

  protected async execute({ flags }: ExecuteInput<typeof KmsUpdateAlias>) {
    return { data: await this.perform(updateKmsAlias, { AliasName: flags['alias-name'], TargetKeyId: flags['target-key-id'] }) };
  }
}
