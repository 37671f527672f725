import { Flags } from '../../cli/oclif.js';
import { BaseCommand, type ExecuteInput } from '../../cli/base-command.js';
import { regionFlag } from '../../cli/kms-flags.js';
import { updateKeyStore } from '../../core/kms/key-stores.js';

export default class KmsUpdateCustomKeyStore extends BaseCommand<typeof KmsUpdateCustomKeyStore> {
  static override summary = "Rename a custom key store, or (while DISCONNECTED) tell KMS kmsuser's password or move it to a related cluster (KMS UpdateCustomKeyStore).";
  static override description = "--key-store-password does not change the password in the cluster: it tells KMS the one kmsuser has. --cloud-hsm-cluster-id must name a cluster of the same backup lineage (restored from a backup of the store's cluster).";
  static override examples = [
    '<%= config.bin %> kms update-custom-key-store --custom-key-store-id cks-1234567890abcdef0 --new-custom-key-store-name DevelopmentKeys',
    '<%= config.bin %> kms update-custom-key-store --custom-key-store-id cks-1234567890abcdef0 --key-store-password-stdin',
  ];
  static override flags = {
    'custom-key-store-id': Flags.string({ description: 'The key store.', required: true, helpValue: '<ID>' }),
    'new-custom-key-store-name': Flags.string({ description: 'A new name.', helpValue: '<NAME>' }),
    'key-store-password': Flags.string({ description: 'The current password of kmsuser in the cluster.', helpValue: '<PASSWORD>', exclusive: ['key-store-password-stdin'] }),
    'key-store-password-stdin': Flags.boolean({ description: 'Read the kmsuser password from standard input.' }),
    'cloud-hsm-cluster-id': Flags.string({ description: 'A related cluster to use instead.', helpValue: '<CLUSTER_ID>' }),
    region: regionFlag,
  };

  protected async execute({ flags }: ExecuteInput<typeof KmsUpdateCustomKeyStore>) {
    const password = flags['key-store-password-stdin'] ? await this.password({ 'password-stdin': true }, { confirm: false, what: 'the kmsuser password' }) : flags['key-store-password'];
    const data = await this.perform(updateKeyStore, {
      CustomKeyStoreId: flags['custom-key-store-id'],
      NewCustomKeyStoreName: flags['new-custom-key-store-name'],
      KeyStorePassword: password,
      CloudHsmClusterId: flags['cloud-hsm-cluster-id'],
      requestRegion: flags.region,
    });
    return { data, text: `Custom key store ${flags['custom-key-store-id']} updated.\n` };
  }
}
