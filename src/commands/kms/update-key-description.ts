import { Flags } from '../../cli/oclif.js';
import { BaseCommand, type ExecuteInput } from '../../cli/base-command.js';
import { keyIdFlag } from '../../cli/kms-flags.js';
import { updateKmsKeyDescription } from '../../core/kms/tags.js';

export default class KmsUpdateKeyDescription extends BaseCommand<typeof KmsUpdateKeyDescription> {
  static override summary = "Replace a KMS key's description (KMS UpdateKeyDescription).";
  static override examples = ['<%= config.bin %> kms update-key-description --key-id 1234abcd-12ab-34cd-56ef-1234567890ab --description "orders, 2026"'];
  static override flags = { 'key-id': keyIdFlag, description: Flags.string({ description: 'The new description (at most 8192 characters; "" clears it).', required: true, helpValue: '<TEXT>' }) };

  protected async execute({ flags }: ExecuteInput<typeof KmsUpdateKeyDescription>) {
    return { data: await this.perform(updateKmsKeyDescription, { KeyId: flags['key-id'], Description: flags.description }), text: 'Description updated.\n' };
  }
}
