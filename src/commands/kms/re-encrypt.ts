import { Flags } from '../../cli/oclif.js';
import { BaseCommand, type ExecuteInput } from '../../cli/base-command.js';
import { base64, blobArgument, encryptionContext, grantTokensFlag } from '../../cli/kms-flags.js';
import { kmsReEncrypt } from '../../core/kms/keys.js';

export default class KmsReEncrypt extends BaseCommand<typeof KmsReEncrypt> {
  static override summary = 'Decrypt a ciphertext blob and encrypt it under another KMS key, the plaintext never leaving KMS (KMS ReEncrypt).';
  static override examples = ['<%= config.bin %> kms re-encrypt --ciphertext-blob fileb://secret.enc --destination-key-id alias/new --json'];
  static override flags = {
    'ciphertext-blob': Flags.string({ description: 'The blob: base64 text or fileb://PATH.', required: true, helpValue: '<BLOB>' }),
    'destination-key-id': Flags.string({ description: 'The key to encrypt under.', required: true, helpValue: '<KEY_ID>' }),
    'source-key-id': Flags.string({ description: 'The key it must have been encrypted under (optional).', helpValue: '<KEY_ID>' }),
    'source-encryption-context': Flags.string({ description: 'The context it was encrypted with.', helpValue: '<CONTEXT>' }),
    'destination-encryption-context': Flags.string({ description: 'The context to encrypt with.', helpValue: '<CONTEXT>' }),
    'grant-tokens': grantTokensFlag,
  };

  protected async execute({ flags }: ExecuteInput<typeof KmsReEncrypt>) {
    const result = await this.perform(kmsReEncrypt, {
      CiphertextBlob: blobArgument('ciphertext-blob', flags['ciphertext-blob']),
      SourceKeyId: flags['source-key-id'],
      SourceEncryptionContext: encryptionContext(flags['source-encryption-context']),
      DestinationKeyId: flags['destination-key-id'],
      DestinationEncryptionContext: encryptionContext(flags['destination-encryption-context']),
      GrantTokens: flags['grant-tokens'],
    });
    return { data: { ...result, CiphertextBlob: base64(result.CiphertextBlob) } };
  }
}
