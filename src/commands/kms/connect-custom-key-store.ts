import { Flags } from '../../cli/oclif.js';
import { BaseCommand, type ExecuteInput } from '../../cli/base-command.js';
import { connectKeyStore } from '../../core/kms/key-stores.js';

export default class KmsConnectCustomKeyStore extends BaseCommand<typeof KmsConnectCustomKeyStore> {
  static override summary = 'Connect a custom key store to its cluster (KMS ConnectCustomKeyStore): KMS logs in as kmsuser and rotates its password.';
  static override description = 'A failed connection leaves the store FAILED with a ConnectionErrorCode (`kms describe-custom-key-stores`); disconnect it before trying again.';
  static override examples = ['<%= config.bin %> kms connect-custom-key-store --custom-key-store-id cks-1234567890abcdef0'];
  static override flags = {
    'custom-key-store-id': Flags.string({ description: 'The key store.', required: true, helpValue: '<ID>' }),
  };

  protected async execute({ flags }: ExecuteInput<typeof KmsConnectCustomKeyStore>) {
    const data = await this.perform(connectKeyStore, { CustomKeyStoreId: flags['custom-key-store-id'] });
    return { data, text: `Custom key store ${flags['custom-key-store-id']} connected.\n` };
  }
}
