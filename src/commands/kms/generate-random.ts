import { Flags } from '../../cli/oclif.js';
import { BaseCommand, type ExecuteInput } from '../../cli/base-command.js';
import { base64 } from '../../cli/kms-flags.js';
import { kmsGenerateRandom } from '../../core/kms/keys.js';

export default class KmsGenerateRandom extends BaseCommand<typeof KmsGenerateRandom> {
  static override summary = 'Random bytes from KMS, or from a connected custom key store\'s cluster (KMS GenerateRandom).';
  static override examples = ['<%= config.bin %> kms generate-random --number-of-bytes 32 --custom-key-store-id cks-1234567890abcdef0 --json'];
  static override flags = {
    'number-of-bytes': Flags.integer({ description: '1 to 1024.', required: true, helpValue: '<N>' }),
    'custom-key-store-id': Flags.string({ description: 'A connected custom key store whose cluster makes them.', helpValue: '<ID>' }),
  };

  protected async execute({ flags }: ExecuteInput<typeof KmsGenerateRandom>) {
    const result = await this.perform(kmsGenerateRandom, { NumberOfBytes: flags['number-of-bytes'], CustomKeyStoreId: flags['custom-key-store-id'] });
    return { data: { Plaintext: base64(result.Plaintext) } };
  }
}
