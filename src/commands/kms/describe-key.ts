import { BaseCommand, type ExecuteInput } from '../../cli/base-command.js';
import { keyIdFlag } from '../../cli/kms-flags.js';
import { describeKmsKey } from '../../core/kms/keys.js';

export default class KmsDescribeKey extends BaseCommand<typeof KmsDescribeKey> {
  static override summary = "Show a KMS key's metadata and state (KMS DescribeKey).";
  static override examples = ['<%= config.bin %> kms describe-key --key-id 1234abcd-12ab-34cd-56ef-1234567890ab --json'];
  static override flags = { 'key-id': keyIdFlag };

  protected async execute({ flags }: ExecuteInput<typeof KmsDescribeKey>) {
    return { data: await this.perform(describeKmsKey, { KeyId: flags['key-id'] }) };
  }
}
