import KmsGenerateDataKeyPair from './generate-data-key-pair.js';

export default class KmsGenerateDataKeyPairWithoutPlaintext extends KmsGenerateDataKeyPair {
  static override summary = 'Make an RSA or EC data key pair under a standard KMS key, without the private key in the clear (KMS GenerateDataKeyPairWithoutPlaintext).';
  static override examples = ['<%= config.bin %> kms generate-data-key-pair-without-plaintext --key-id 1234abcd-12ab-34cd-56ef-1234567890ab --key-pair-spec RSA_2048 --json'];

  protected override withoutPlaintext = true;
}
