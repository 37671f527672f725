import { Flags } from '../../cli/oclif.js';
import { BaseCommand, type ExecuteInput } from '../../cli/base-command.js';
import { base64, encryptionContext, encryptionContextFlag, grantTokensFlag, keyIdFlag } from '../../cli/kms-flags.js';
import { kmsGenerateDataKey } from '../../core/kms/keys.js';

export default class KmsGenerateDataKey extends BaseCommand<typeof KmsGenerateDataKey> {
  static override summary = 'Make a data key: its plaintext and its copy encrypted under a KMS key (KMS GenerateDataKey).';
  static override examples = ['<%= config.bin %> kms generate-data-key --key-id 1234abcd-12ab-34cd-56ef-1234567890ab --key-spec AES_256 --json'];
  static override flags = {
    'key-id': keyIdFlag,
    'key-spec': Flags.option({ description: 'AES_128 or AES_256.', options: ['AES_128', 'AES_256'] as const, exclusive: ['number-of-bytes'] })(),
    'number-of-bytes': Flags.integer({ description: 'Length of the data key, 1 to 1024.', helpValue: '<N>' }),
    'encryption-context': encryptionContextFlag,
    'grant-tokens': grantTokensFlag,
  };

  /** GenerateDataKeyWithoutPlaintext leaves the plaintext out (the subclass of that name). */
  protected withoutPlaintext = false;

  protected async execute({ flags }: ExecuteInput<typeof KmsGenerateDataKey>) {
    const result = await this.perform(kmsGenerateDataKey, { KeyId: flags['key-id'], KeySpec: flags['key-spec'], NumberOfBytes: flags['number-of-bytes'], EncryptionContext: encryptionContext(flags['encryption-context']), GrantTokens: flags['grant-tokens'], withoutPlaintext: this.withoutPlaintext });
    return { data: { CiphertextBlob: base64(result.CiphertextBlob), ...(result.Plaintext ? { Plaintext: base64(result.Plaintext) } : {}), KeyId: result.KeyId } };
  }
}
