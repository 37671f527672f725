import { BaseCommand, type ExecuteInput } from '../../cli/base-command.js';
import { keyIdFlag } from '../../cli/kms-flags.js';
import { enableKmsKey } from '../../core/kms/keys.js';

export default class KmsEnableKey extends BaseCommand<typeof KmsEnableKey> {
  static override summary = 'Enable a KMS key (KMS EnableKey).';
  static override examples = ['<%= config.bin %> kms enable-key --key-id 1234abcd-12ab-34cd-56ef-1234567890ab'];
  static override flags = { 'key-id': keyIdFlag };

  protected async execute({ flags }: ExecuteInput<typeof KmsEnableKey>) {
    return { data: await this.perform(enableKmsKey, { KeyId: flags['key-id'] }) };
  }
}
