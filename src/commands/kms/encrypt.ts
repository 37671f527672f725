import { Flags } from '../../cli/oclif.js';
import { BaseCommand, type ExecuteInput } from '../../cli/base-command.js';
import { base64, blobArgument, encryptionContext, encryptionContextFlag, grantTokensFlag, keyIdFlag } from '../../cli/kms-flags.js';
import { kmsEncrypt } from '../../core/kms/keys.js';

export default class KmsEncrypt extends BaseCommand<typeof KmsEncrypt> {
  static override summary = 'Encrypt up to 4 KiB under a KMS key (KMS Encrypt).';
  static override examples = ['<%= config.bin %> kms encrypt --key-id 1234abcd-12ab-34cd-56ef-1234567890ab --plaintext fileb://secret.txt --json'];
  static override flags = {
    'key-id': keyIdFlag,
    plaintext: Flags.string({ description: 'The data: base64 text or fileb://PATH.', required: true, helpValue: '<PLAINTEXT>' }),
    'encryption-context': encryptionContextFlag,
    'grant-tokens': grantTokensFlag,
  };

  protected async execute({ flags }: ExecuteInput<typeof KmsEncrypt>) {
    const result = await this.perform(kmsEncrypt, { KeyId: flags['key-id'], Plaintext: blobArgument('plaintext', flags.plaintext), EncryptionContext: encryptionContext(flags['encryption-context']), GrantTokens: flags['grant-tokens'] });
    return { data: { ...result, CiphertextBlob: base64(result.CiphertextBlob) } };
  }
}
