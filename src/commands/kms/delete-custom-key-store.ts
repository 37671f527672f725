import { Flags } from '../../cli/oclif.js';
import { BaseCommand, type ExecuteInput } from '../../cli/base-command.js';
import { deleteKeyStore } from '../../core/kms/key-stores.js';

export default class KmsDeleteCustomKeyStore extends BaseCommand<typeof KmsDeleteCustomKeyStore> {
  static override summary = 'Delete a DISCONNECTED custom key store that holds no KMS keys (KMS DeleteCustomKeyStore).';
  static override description = 'Only the KMS metadata goes: the cluster, its users and keys stay.';
  static override examples = ['<%= config.bin %> kms delete-custom-key-store --custom-key-store-id cks-1234567890abcdef0'];
  static override flags = {
    'custom-key-store-id': Flags.string({ description: 'The key store.', required: true, helpValue: '<ID>' }),
  };

  protected async execute({ flags }: ExecuteInput<typeof KmsDeleteCustomKeyStore>) {
    const data = await this.perform(deleteKeyStore, { CustomKeyStoreId: flags['custom-key-store-id'] });
    return { data, text: `Custom key store ${flags['custom-key-store-id']} deleted.\n` };
  }
}
