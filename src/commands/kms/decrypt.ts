import { Flags } from '../../cli/oclif.js';
import { BaseCommand, type ExecuteInput } from '../../cli/base-command.js';
import { base64, blobArgument, encryptionContext, encryptionContextFlag, grantTokensFlag } from '../../cli/kms-flags.js';
import { kmsDecrypt } from '../../core/kms/keys.js';

export default class KmsDecrypt extends BaseCommand<typeof KmsDecrypt> {
  static override summary = 'Decrypt a KMS ciphertext blob (KMS Decrypt); the blob names its key.';
  static override examples = ['<%= config.bin %> kms decrypt --ciphertext-blob fileb://secret.enc --json'];
  static override flags = {
    'ciphertext-blob': Flags.string({ description: 'The blob: base64 text or fileb://PATH.', required: true, helpValue: '<BLOB>' }),
    'key-id': Flags.string({ description: 'The key it must have been encrypted under (optional).', helpValue: '<KEY_ID>' }),
    'encryption-context': encryptionContextFlag,
    'grant-tokens': grantTokensFlag,
  };

  protected async execute({ flags }: ExecuteInput<typeof KmsDecrypt>) {
    const result = await this.perform(kmsDecrypt, { CiphertextBlob: blobArgument('ciphertext-blob', flags['ciphertext-blob']), KeyId: flags['key-id'], EncryptionContext: encryptionContext(flags['encryption-context']), GrantTokens: flags['grant-tokens'] });
    return { data: { ...result, Plaintext: base64(result.Plaintext) } };
  }
}
