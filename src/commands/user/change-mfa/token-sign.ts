import { Flags } from '../../../cli/oclif.js';
import { BaseCommand, type ExecuteInput } from '../../../cli/base-command.js';
import { approvalFlag } from '../../../cli/quorum-flags.js';
import { userFlags } from '../../../cli/user-flags.js';
import { HsmError } from '../../../core/errors.js';
import { changeMfa, startMfaRegistration } from '../../../core/users/mfa.js';

export default class UserChangeMfaTokenSign extends BaseCommand<typeof UserChangeMfaTokenSign> {
  static override summary = "Register, rotate or remove a user's MFA (token-sign strategy).";
  static override description = [
    'Register or rotate (your own): --token FILE writes one unsigned token per HSM; sign each token\'s "unsigned" value with your private key (`echo UNSIGNED | base64 -d | openssl pkeyutl -sign -inkey KEY.pem -pkeyopt digest:sha256 | base64 -w0`) into its "signed", then give the signed file\'s path and your RSA-2048 public key PEM at the prompts. The key is also your quorum key; --change-quorum replaces a different quorum key.',
    "Remove: --deregister (your own, or as an admin another user's, under the user service quorum: --approval); with --change-quorum the quorum key registration goes too.",
    'Piped (no terminal), the signed file path and the public key path are read as lines from standard input.',
  ].join('\n\n');
  static override examples = [
    '<%= config.bin %> user change-mfa token-sign --username alice --role crypto-user --token alice.token',
    '<%= config.bin %> user change-mfa token-sign --username alice --role crypto-user --deregister',
  ];
  static override flags = {
    ...userFlags,
    token: Flags.string({ description: 'Register or rotate: the file to write the unsigned tokens to.', exactlyOne: ['token', 'deregister'], helpValue: '<TOKEN>' }),
    deregister: Flags.boolean({ description: "Remove the user's MFA.", exactlyOne: ['token', 'deregister'] }),
    'change-password': Flags.string({ description: 'Also set this password for the user.', helpValue: '<CHANGE_PASSWORD>' }),
    'change-quorum': Flags.boolean({ description: 'Also replace (register) or remove (deregister) the quorum public key.' }),
    ...approvalFlag,
  };

  protected async execute({ flags }: ExecuteInput<typeof UserChangeMfaTokenSign>) {
    const common = { username: flags.username, role: flags.role, password: flags['change-password'], changeQuorum: flags['change-quorum'] };
    if (flags.deregister) return { data: await this.perform(changeMfa, { ...common, deregister: true }) };
    const started = await this.perform(startMfaRegistration, { username: flags.username, role: flags.role });
    const signed = await this.signedTokenFile(flags.token!, started.file);
    const keyPath = await this.askLine('Enter public key PEM file path:');
    if (!keyPath) throw new HsmError('INVALID_ARGUMENT', 'the public key PEM file path is needed to register MFA; nothing was changed');
    const publicKeyPem = this.readFile('public-key', keyPath);
    return { data: await this.perform(changeMfa, { ...common, answer: { challengeId: started.challengeId, signed }, publicKeyPem }) };
  }
}
