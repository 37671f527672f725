import { Flags } from '../../cli/oclif.js';
import { BaseCommand, type ExecuteInput } from '../../cli/base-command.js';
import { renderText } from '../../cli/output.js';
import { describeKeyStores } from '../../core/kms/key-stores.js';

export default class KmsDescribeCustomKeyStores extends BaseCommand<typeof KmsDescribeCustomKeyStores> {
  static override summary = 'Show the custom key stores and their connection states (KMS DescribeCustomKeyStores).';
  static override examples = ['<%= config.bin %> kms describe-custom-key-stores', '<%= config.bin %> kms describe-custom-key-stores --custom-key-store-name ExampleKeyStore --json'];
  static override flags = {
    'custom-key-store-id': Flags.string({ description: 'Only this key store.', helpValue: '<ID>', exclusive: ['custom-key-store-name'] }),
    'custom-key-store-name': Flags.string({ description: 'Only the key store of this name.', helpValue: '<NAME>' }),
  };

  protected async execute({ flags }: ExecuteInput<typeof KmsDescribeCustomKeyStores>) {
    const data = await this.perform(describeKeyStores, { CustomKeyStoreId: flags['custom-key-store-id'], CustomKeyStoreName: flags['custom-key-store-name'] });
    const rows = data.CustomKeyStores.map((s) => ({ CustomKeyStoreId: s.CustomKeyStoreId, CustomKeyStoreName: s.CustomKeyStoreName, CloudHsmClusterId: s.CloudHsmClusterId, ConnectionState: s.ConnectionState, ConnectionErrorCode: s.ConnectionErrorCode ?? '' }));
    // The readable form leaves out the trust anchor's PEM; --json has every field.
    return { data, text: rows.length === 0 ? 'No custom key stores.\n' : renderText({ CustomKeyStores: rows }) };
  }
}
