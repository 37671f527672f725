import { Flags } from '../../cli/oclif.js';
import { BaseCommand, type ExecuteInput } from '../../cli/base-command.js';
import { base64, encryptionContext, encryptionContextFlag, grantTokensFlag, keyIdFlag } from '../../cli/kms-flags.js';
import { kmsGenerateDataKeyPair } from '../../core/kms/data-key-pairs.js';

export default class KmsGenerateDataKeyPair extends BaseCommand<typeof KmsGenerateDataKeyPair> {
  static override summary = 'Make an RSA or EC data key pair: its public key, its private key, and the private key encrypted under a standard KMS key (KMS GenerateDataKeyPair).';
  static override description = 'The public key is SubjectPublicKeyInfo DER and the private key PKCS #8 DER, both base64 as the AWS CLI prints them; `kms decrypt` of PrivateKeyCiphertextBlob with the same encryption context gives the private key back.';
  static override examples = ['<%= config.bin %> kms generate-data-key-pair --key-id 1234abcd-12ab-34cd-56ef-1234567890ab --key-pair-spec ECC_NIST_P256 --json'];
  static override flags = {
    'key-id': keyIdFlag,
    'key-pair-spec': Flags.option({
      description: 'The kind of pair.',
      options: ['RSA_2048', 'RSA_3072', 'RSA_4096', 'ECC_NIST_P256', 'ECC_NIST_P384', 'ECC_NIST_P521', 'ECC_SECG_P256K1'] as const,
      required: true,
    })(),
    'encryption-context': encryptionContextFlag,
    'grant-tokens': grantTokensFlag,
  };

  /** GenerateDataKeyPairWithoutPlaintext leaves the private key's plaintext out (the subclass of that name). */
  protected withoutPlaintext = false;

  protected async execute({ flags }: ExecuteInput<typeof KmsGenerateDataKeyPair>) {
    const result = await this.perform(kmsGenerateDataKeyPair, {
      KeyId: flags['key-id'],
      KeyPairSpec: flags['key-pair-spec'],
      EncryptionContext: encryptionContext(flags['encryption-context']),
      GrantTokens: flags['grant-tokens'],
      withoutPlaintext: this.withoutPlaintext,
    });
    return {
      data: {
        PrivateKeyCiphertextBlob: base64(result.PrivateKeyCiphertextBlob),
        ...(result.PrivateKeyPlaintext ? { PrivateKeyPlaintext: base64(result.PrivateKeyPlaintext) } : {}),
        PublicKey: base64(result.PublicKey),
        KeyId: result.KeyId,
        KeyPairSpec: result.KeyPairSpec,
      },
    };
  }
}
