import { Flags } from '../../../cli/oclif.js';
import { BaseCommand, type ExecuteInput } from '../../../cli/base-command.js';
import { parseKeyFilter } from '../../../cli/key-filter.js';
import { TOKEN_SERVICES } from '../../../core/quorum/model.js';
import { generateToken } from '../../../core/quorum/operations.js';

export default class QuorumTokenSignGenerate extends BaseCommand<typeof QuorumTokenSignGenerate> {
  static override summary = 'Generate a quorum token for a service and write the token file for approvers to sign.';
  static override description = [
    'Approvers sign the token with their registered private key and add {"username", "role", "signature"} to the file\'s "signatures"; the signature is base64 of `openssl dgst -sha256 -sign KEY.pem` over the decoded "approval_data" (or `openssl pkeyutl -sign -inkey KEY.pem -pkeyopt digest:sha256` over the decoded "token"). Give the signed file to the protected command with --approval.',
    'A registration token (--service registration) holds "tokens" with "unsigned" and "signed": sign "unsigned" with your own key and register with `user change-quorum token-sign register`.',
    'A token is used once, expires (`quorum token-sign list-timeouts`), and is valid only for the user who generated it; one generated in the shell ends at its logout.',
  ].join('\n\n');
  static override examples = [
    '<%= config.bin %> quorum token-sign generate --service user --token admin.token',
    '<%= config.bin %> quorum token-sign generate --service registration --token register.token',
    '<%= config.bin %> quorum token-sign generate --service key-usage --token sign.token --filter attr.label=payments',
  ];
  static override flags = {
    service: Flags.option({ description: 'The service the token is for.', options: TOKEN_SERVICES, required: true })(),
    token: Flags.string({ description: 'File to write the token to.', required: true, helpValue: '<TOKEN>' }),
    filter: Flags.string({ description: 'For key-management and key-usage: tie the token to this key (exactly one match).', multiple: true, helpValue: '<FILTER>' }),
  };

  protected async execute({ flags }: ExecuteInput<typeof QuorumTokenSignGenerate>) {
    const keyFilter = flags.filter ? parseKeyFilter(flags.filter, '--filter', true) : undefined;
    const { token } = await this.perform(generateToken, { service: flags.service, keyFilter });
    this.writeFile('token', flags.token, `${JSON.stringify(token, null, 2)}\n`);
    return { data: { filepath: flags.token } };
  }
}
