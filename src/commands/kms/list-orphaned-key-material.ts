import { Flags } from '../../cli/oclif.js';
import { BaseCommand, type ExecuteInput } from '../../cli/base-command.js';
import { renderText } from '../../cli/output.js';
import { listOrphanedKeyMaterial } from '../../core/kms/orphaned-material.js';

export default class KmsListOrphanedKeyMaterial extends BaseCommand<typeof KmsListOrphanedKeyMaterial> {
  static override summary = 'List key material KMS left in a cluster when it deleted a key while the store was not connected (emulator only).';
  static override description =
    'When a KMS key\'s deletion waiting period ends, KMS deletes the material in the cluster if the key store is connected; otherwise the material is orphaned and listed here with its cluster and key handle. Delete it as kmsuser: disconnect the store, log in as kmsuser, `key delete --filter key-reference=HANDLE`, log out, `kms update-custom-key-store --key-store-password`, reconnect.';
  static override examples = ['<%= config.bin %> kms list-orphaned-key-material', '<%= config.bin %> kms list-orphaned-key-material --custom-key-store-id cks-1234567890abcdef0 --json'];
  static override flags = { 'custom-key-store-id': Flags.string({ description: 'Only this key store\'s.', helpValue: '<ID>' }) };

  protected async execute({ flags }: ExecuteInput<typeof KmsListOrphanedKeyMaterial>) {
    const data = await this.perform(listOrphanedKeyMaterial, { CustomKeyStoreId: flags['custom-key-store-id'] });
    const rows = data.OrphanedKeyMaterial.map((o) => ({ KeyId: o.KeyId, CloudHsmClusterId: o.CloudHsmClusterId, KeyHandle: o.KeyHandle, DeletionDate: o.DeletionDate.toISOString(), MaterialPresent: o.MaterialPresent, Reason: o.Reason }));
    return { data, text: rows.length === 0 ? 'No orphaned key material.\n' : renderText({ OrphanedKeyMaterial: rows }) };
  }
}
