import { Flags } from '../../cli/oclif.js';
import { BaseCommand, type ExecuteInput } from '../../cli/base-command.js';
import { grantConstraints, grantTokensFlag, keyIdFlag } from '../../cli/kms-flags.js';
import { createKmsGrant } from '../../core/kms/grants.js';
import { SYMMETRIC_GRANT_OPERATIONS } from '../../core/kms/access.js';

export default class KmsCreateGrant extends BaseCommand<typeof KmsCreateGrant> {
  static override summary = 'Let a principal use a KMS key for some operations, optionally only with an encryption context (KMS CreateGrant).';
  static override description = `The grant is in effect at once. Operations for a symmetric key: ${[...SYMMETRIC_GRANT_OPERATIONS].join(', ')}. With --name, the same name and parameters give back the same grant (with a new token).`;
  static override examples = [
    '<%= config.bin %> kms create-grant --key-id 1234abcd-12ab-34cd-56ef-1234567890ab --grantee-principal arn:aws:iam::111122223333:role/app --operations Encrypt Decrypt --constraints EncryptionContextSubset={dept=sales} --json',
  ];
  static override flags = {
    'key-id': keyIdFlag,
    'grantee-principal': Flags.string({ description: 'The principal the grant lets in (an IAM ARN).', required: true, helpValue: '<ARN>' }),
    operations: Flags.string({ description: 'The operations it allows.', required: true, multiple: true, helpValue: '<OPERATION>...' }),
    'retiring-principal': Flags.string({ description: 'A principal that may retire the grant.', helpValue: '<ARN>' }),
    constraints: Flags.string({ description: 'EncryptionContextSubset={k=v,...} or EncryptionContextEquals={k=v,...}, or the JSON form.', helpValue: '<CONSTRAINTS>' }),
    name: Flags.string({ description: 'A name (letters, digits, :, /, _, -) that makes a retry return the same grant.', helpValue: '<NAME>' }),
    'grant-tokens': grantTokensFlag,
  };

  protected async execute({ flags }: ExecuteInput<typeof KmsCreateGrant>) {
    const data = await this.perform(createKmsGrant, {
      KeyId: flags['key-id'],
      GranteePrincipal: flags['grantee-principal'],
      Operations: flags.operations.flatMap((o) => o.split(',')),
      RetiringPrincipal: flags['retiring-principal'],
      Constraints: grantConstraints(flags.constraints),
      Name: flags.name,
      GrantTokens: flags['grant-tokens'],
    });
    return { data, text: `Grant ${data.GrantId} created.\nGrant token: ${data.GrantToken}\n` };
  }
}
