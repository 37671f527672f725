import { Flags } from '../../cli/oclif.js';
import { BaseCommand, type ExecuteInput } from '../../cli/base-command.js';
import { keyIdFlag } from '../../cli/kms-flags.js';
import { getKmsKeyPolicy } from '../../core/kms/policies.js';

export default class KmsGetKeyPolicy extends BaseCommand<typeof KmsGetKeyPolicy> {
  static override summary = "Show a KMS key's key policy (KMS GetKeyPolicy).";
  static override examples = ['<%= config.bin %> kms get-key-policy --key-id 1234abcd-12ab-34cd-56ef-1234567890ab --policy-name default --json'];
  static override flags = {
    'key-id': keyIdFlag,
    'policy-name': Flags.string({ description: 'default (a key has one key policy).', helpValue: '<NAME>' }),
  };

  protected async execute({ flags }: ExecuteInput<typeof KmsGetKeyPolicy>) {
    const data = await this.perform(getKmsKeyPolicy, { KeyId: flags['key-id'], PolicyName: flags['policy-name'] });
    return { data, text: `${data.Policy}\n` };
  }
}
