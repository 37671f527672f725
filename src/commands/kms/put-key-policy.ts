import { Flags } from '../../cli/oclif.js';
import { BaseCommand, type ExecuteInput } from '../../cli/base-command.js';
import { bypassLockoutFlag, keyIdFlag, policyFlagText } from '../../cli/kms-flags.js';
import { putKmsKeyPolicy } from '../../core/kms/policies.js';

export default class KmsPutKeyPolicy extends BaseCommand<typeof KmsPutKeyPolicy> {
  static override summary = "Replace a KMS key's key policy (KMS PutKeyPolicy).";
  static override description =
    'The policy must let the caller (here the account root) call PutKeyPolicy again, unless --bypass-policy-lockout-safety-check. Statements take Effect, Principal, Action, Resource and Condition; conditions other than StringEquals/StringLike on kms:EncryptionContext:<key>, kms:CallerAccount and kms:ViaService are refused by this emulator.';
  static override examples = ['<%= config.bin %> kms put-key-policy --key-id 1234abcd-12ab-34cd-56ef-1234567890ab --policy-name default --policy file://key_policy.json'];
  static override flags = {
    'key-id': keyIdFlag,
    'policy-name': Flags.string({ description: 'default (a key has one key policy).', helpValue: '<NAME>' }),
    policy: Flags.string({ description: policyFlagText, required: true, helpValue: '<POLICY>' }),
    'bypass-policy-lockout-safety-check': bypassLockoutFlag,
  };

  protected async execute({ flags }: ExecuteInput<typeof KmsPutKeyPolicy>) {
    const policy = flags.policy.startsWith('file://') ? this.readFile('policy', flags.policy.slice('file://'.length)) : flags.policy;
    const data = await this.perform(putKmsKeyPolicy, { KeyId: flags['key-id'], PolicyName: flags['policy-name'], Policy: policy, BypassPolicyLockoutSafetyCheck: flags['bypass-policy-lockout-safety-check'] || undefined });
    return { data, text: 'Key policy set.\n' };
  }
}
