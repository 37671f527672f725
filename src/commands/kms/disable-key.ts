import { BaseCommand, type ExecuteInput } from '../../cli/base-command.js';
import { keyIdFlag } from '../../cli/kms-flags.js';
import { disableKmsKey } from '../../core/kms/keys.js';

export default class KmsDisableKey extends BaseCommand<typeof KmsDisableKey> {
  static override summary = 'Disable a KMS key (KMS DisableKey).';
  static override examples = ['<%= config.bin %> kms disable-key --key-id 1234abcd-12ab-34cd-56ef-1234567890ab'];
  static override flags = { 'key-id': keyIdFlag };

  protected async execute({ flags }: ExecuteInput<typeof KmsDisableKey>) {
    return { data: await this.perform(disableKmsKey, { KeyId: flags['key-id'] }) };
  }
}
