import { Flags } from '../../../../cli/oclif.js';
import { BaseCommand, type ExecuteInput } from '../../../../cli/base-command.js';
import { registerQuorumKey } from '../../../../core/quorum/operations.js';

export default class UserChangeQuorumTokenSignRegister extends BaseCommand<typeof UserChangeQuorumTokenSignRegister> {
  static override summary = 'Register your RSA-2048 public key to approve quorum tokens (as the logged-in user).';
  static override description =
    'First `quorum token-sign generate --service registration --token FILE`, then sign the token\'s "unsigned" value with your private key (`base64 -d | openssl pkeyutl -sign -inkey KEY.pem -pkeyopt digest:sha256 | base64 -w0`) into its "signed", and give that file here.';
  static override examples = ['<%= config.bin %> user change-quorum token-sign register --public-key admin1.pub --signed-token register.token'];
  static override flags = {
    'public-key': Flags.string({ description: 'Your public key, PEM (RSA-2048).', required: true, helpValue: '<PUBLIC_KEY>' }),
    'signed-token': Flags.string({ description: 'The registration token file with its token signed by your private key.', required: true, helpValue: '<SIGNED_TOKEN>' }),
  };

  protected async execute({ flags }: ExecuteInput<typeof UserChangeQuorumTokenSignRegister>) {
    const publicKeyPem = this.readFile('public-key', flags['public-key']);
    const signedToken = this.readJsonFile('signed-token', flags['signed-token']);
    return { data: await this.perform(registerQuorumKey, { publicKeyPem, signedToken }) };
  }
}
