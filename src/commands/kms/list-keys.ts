import { BaseCommand } from '../../cli/base-command.js';
import { listKmsKeys } from '../../core/kms/keys.js';

export default class KmsListKeys extends BaseCommand<typeof KmsListKeys> {
  static override summary = 'List the KMS keys (KMS ListKeys).';
  static override examples = ['<%= config.bin %> kms list-keys --json'];

  protected async execute() {
    return { data: await this.perform(listKmsKeys, {}) };
  }
}
