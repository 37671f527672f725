import { Flags } from '../../cli/oclif.js';
import { BaseCommand, type ExecuteInput } from '../../cli/base-command.js';
import { bypassLockoutFlag, kmsTags, kmsTagsFlag, policyFlagText } from '../../cli/kms-flags.js';
import { createKmsKey } from '../../core/kms/keys.js';

export default class KmsCreateKey extends BaseCommand<typeof KmsCreateKey> {
  static override summary = 'Create a symmetric KMS key, standard or in a custom key store (KMS CreateKey).';
  static override description = 'With --origin AWS_CLOUDHSM and --custom-key-store-id the key material is an AES-256 key of kmsuser in the connected store\'s cluster; without them the key is a standard KMS key of this local KMS.';
  static override examples = [
    '<%= config.bin %> kms create-key --origin AWS_CLOUDHSM --custom-key-store-id cks-1234567890abcdef0 --description "orders"',
    '<%= config.bin %> kms create-key --json',
  ];
  static override flags = {
    origin: Flags.option({ description: 'Where the key material is.', options: ['AWS_KMS', 'AWS_CLOUDHSM'] as const })(),
    'custom-key-store-id': Flags.string({ description: 'The custom key store (with --origin AWS_CLOUDHSM).', helpValue: '<ID>' }),
    description: Flags.string({ description: 'A description.', helpValue: '<TEXT>' }),
    'key-spec': Flags.string({ description: 'SYMMETRIC_DEFAULT (the only spec here).', helpValue: '<SPEC>' }),
    'key-usage': Flags.string({ description: 'ENCRYPT_DECRYPT (the only usage here).', helpValue: '<USAGE>' }),
    policy: Flags.string({ description: `${policyFlagText} Default: KMS's default key policy (the account may do anything).`, helpValue: '<POLICY>' }),
    'bypass-policy-lockout-safety-check': bypassLockoutFlag,
    tags: kmsTagsFlag('Tags for the key.'),
  };

  protected async execute({ flags }: ExecuteInput<typeof KmsCreateKey>) {
    const policy = flags.policy?.startsWith('file://') ? this.readFile('policy', flags.policy.slice('file://'.length)) : flags.policy;
    const data = await this.perform(createKmsKey, {
      Origin: flags.origin,
      CustomKeyStoreId: flags['custom-key-store-id'],
      Description: flags.description,
      KeySpec: flags['key-spec'],
      KeyUsage: flags['key-usage'],
      Policy: policy,
      BypassPolicyLockoutSafetyCheck: flags['bypass-policy-lockout-safety-check'] || undefined,
      Tags: kmsTags(flags.tags),
    });
    return { data, text: `KMS key ${data.KeyMetadata.KeyId} created (${data.KeyMetadata.Origin}, ${data.KeyMetadata.KeyState}).\n${data.KeyMetadata.Arn}\n` };
  }
}
