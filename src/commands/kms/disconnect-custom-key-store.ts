import { Flags } from '../../cli/oclif.js';
import { BaseCommand, type ExecuteInput } from '../../cli/base-command.js';
import { disconnectKeyStore } from '../../core/kms/key-stores.js';

export default class KmsDisconnectCustomKeyStore extends BaseCommand<typeof KmsDisconnectCustomKeyStore> {
  static override summary = 'Disconnect a custom key store from its cluster (KMS DisconnectCustomKeyStore).';
  static override description = 'Its keys become unusable until it connects again; kmsuser is logged out, and an admin can then set its password (tell KMS with `kms update-custom-key-store --key-store-password`).';
  static override examples = ['<%= config.bin %> kms disconnect-custom-key-store --custom-key-store-id cks-1234567890abcdef0'];
  static override flags = {
    'custom-key-store-id': Flags.string({ description: 'The key store.', required: true, helpValue: '<ID>' }),
  };

  protected async execute({ flags }: ExecuteInput<typeof KmsDisconnectCustomKeyStore>) {
    const data = await this.perform(disconnectKeyStore, { CustomKeyStoreId: flags['custom-key-store-id'] });
    return { data, text: `Custom key store ${flags['custom-key-store-id']} disconnected.\n` };
  }
}
