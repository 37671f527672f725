import { BaseCommand, type ExecuteInput } from '../../cli/base-command.js';
import { keyIdFlag } from '../../cli/kms-flags.js';
import { listKmsKeyPolicies } from '../../core/kms/policies.js';

export default class KmsListKeyPolicies extends BaseCommand<typeof KmsListKeyPolicies> {
  static override summary = "List the names of a KMS key's key policies: always default (KMS ListKeyPolicies).";
  static override examples = ['<%= config.bin %> kms list-key-policies --key-id 1234abcd-12ab-34cd-56ef-1234567890ab --json'];
  static override flags = { 'key-id': keyIdFlag };

  protected async execute({ flags }: ExecuteInput<typeof KmsListKeyPolicies>) {
    return { data: await this.perform(listKmsKeyPolicies, { KeyId: flags['key-id'] }) };
  }
}
