import { BaseCommand, type ExecuteInput } from '../../cli/base-command.js';
import { keyIdFlag } from '../../cli/kms-flags.js';
import { cancelKmsKeyDeletion } from '../../core/kms/keys.js';

export default class KmsCancelKeyDeletion extends BaseCommand<typeof KmsCancelKeyDeletion> {
  static override summary = 'Cancel the scheduled deletion of a KMS key, which comes back Disabled (KMS CancelKeyDeletion).';
  static override examples = ['<%= config.bin %> kms cancel-key-deletion --key-id 1234abcd-12ab-34cd-56ef-1234567890ab'];
  static override flags = { 'key-id': keyIdFlag };

  protected async execute({ flags }: ExecuteInput<typeof KmsCancelKeyDeletion>) {
    return { data: await this.perform(cancelKmsKeyDeletion, { KeyId: flags['key-id'] }) };
  }
}
