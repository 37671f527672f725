import KmsGenerateDataKey from './generate-data-key.js';

export default class KmsGenerateDataKeyWithoutPlaintext extends KmsGenerateDataKey {
  static override summary = 'Make a data key encrypted under a KMS key, without its plaintext (KMS GenerateDataKeyWithoutPlaintext).';
  static override examples = ['<%= config.bin %> kms generate-data-key-without-plaintext --key-id 1234abcd-12ab-34cd-56ef-1234567890ab --key-spec AES_256 --json'];

  protected override withoutPlaintext = true;
}
