import { Args, Flags } from '../cli/oclif.js';
import { BaseCommand, passwordFlags, type ExecuteInput } from '../cli/base-command.js';
import { HsmError } from '../core/errors.js';
import { changePassword, login, type LoginResult } from '../core/users/operations.js';
import { finishMfaLogin, startMfaLogin } from '../core/users/mfa.js';
import { LOGIN_ROLES, type LoginRole } from '../core/users/rules.js';

/** Stands for `--rotate-password` given without a value: prompt for the new password. */
const PROMPT_FOR_NEW = '\u0000prompt';

export default class Login extends BaseCommand<typeof Login> {
  static override summary = 'Log in as an admin or crypto-user.';
  static override description = [
    'In the shell the login is kept until `logout` or `quit`. As a single command it checks the credentials (a wrong password counts toward the lockout after 5 failures) and exits 0 or 1, so scripts can test them.',
    'With no --username, the credentials come from CLOUDHSM_ROLE and CLOUDHSM_PIN (username:password).',
    '--rotate-password logs in and sets a new password in one step: prompted for on a terminal, read from standard input when it is piped (after the current password, with --password-stdin), or given as --rotate-password NEW.',
    'A user with MFA logs in with `mfa-token-sign --token FILE`: after the password, the token file is written (one unsigned token per HSM); sign each token\'s "unsigned" value with your private key (`echo UNSIGNED | base64 -d | openssl pkeyutl -sign -inkey KEY.pem -pkeyopt digest:sha256 | base64 -w0`) into its "signed", then give the signed file\'s path at the prompt (enter: the same file).',
  ].join('\n\n');
  static override examples = [
    '<%= config.bin %> login --username alice --role crypto-user',
    'CLOUDHSM_ROLE=crypto-user CLOUDHSM_PIN="alice:$PW" <%= config.bin %> login',
    '<%= config.bin %> login --username kms_admin --role crypto-user --rotate-password',
    'printf \'%s\\n%s\\n\' "$OLD" "$NEW" | <%= config.bin %> login --username alice --role crypto-user --password-stdin --rotate-password',
    '<%= config.bin %> login --username alice --role crypto-user mfa-token-sign --token alice.token',
  ];
  static override args = {
    // No `options`: the parser would echo a stray word, which may be a mistyped password.
    strategy: Args.string({ description: 'mfa-token-sign: log in with MFA (token-sign), writing the tokens to sign to --token.' }),
  };
  static override flags = {
    username: Flags.string({ description: 'User name (default: from CLOUDHSM_PIN).', helpValue: '<USERNAME>' }),
    role: Flags.option({ description: 'Role (default: CLOUDHSM_ROLE).', options: LOGIN_ROLES })(),
    ...passwordFlags,
    'rotate-password': Flags.string({ description: 'After logging in, set this new password (prompted when no value is given).', helpValue: '[NEW]' }),
    token: Flags.string({ description: 'With mfa-token-sign: the file to write the unsigned tokens to.', helpValue: '<TOKEN>' }),
  };

  /** Whether this is `login mfa-token-sign` (as a command of its own, or the strategy word after the flags). */
  protected mfa(args: { strategy?: string }): boolean {
    return args.strategy === 'mfa-token-sign' || this.id === 'login:mfa-token-sign';
  }

  override async init(): Promise<void> {
    // --rotate-password takes an optional value: mark a bare one so the parser accepts it.
    const i = this.argv.indexOf('--rotate-password');
    if (i >= 0 && (i + 1 >= this.argv.length || this.argv[i + 1]!.startsWith('--'))) this.argv.splice(i + 1, 0, PROMPT_FOR_NEW);
    await super.init();
  }

  protected async execute({ flags, args, runtime }: ExecuteInput<typeof Login>) {
    if (args.strategy !== undefined && args.strategy !== 'mfa-token-sign') {
      throw new HsmError('USAGE', 'login takes one word after its flags, mfa-token-sign (for a user with MFA); check the line for a flag typed wrong');
    }
    if (runtime.shell?.session) {
      throw new HsmError('ALREADY_LOGGED_IN', `${runtime.shell.session.username} is already logged in; run \`logout\` first`);
    }
    const env = this.envCredentials(flags.role);
    const username: string | undefined = flags.username ?? env?.username;
    const role: LoginRole | undefined = flags.role ?? env?.role;
    if (!username || !role) {
      throw new HsmError('INVALID_ARGUMENT', 'give --username and --role, or set CLOUDHSM_ROLE and CLOUDHSM_PIN=username:password');
    }
    const fromEnv = env && !flags.password && !flags['password-stdin'] && env.username.toLowerCase() === username.toLowerCase();
    const password = fromEnv ? env.password : await this.password(flags, { confirm: false, what: `the password of ${username}` });
    let rotateTo: string | undefined = flags['rotate-password'];
    if (rotateTo === PROMPT_FOR_NEW && !runtime.interactive) {
      // Piped: the line after the current password (when that is piped too), as a script gives it.
      rotateTo = await this.stdinLine();
      if (!rotateTo) throw new HsmError('PASSWORD_REQUIRED', 'the new password is needed: pipe it in (on the line after the current password with --password-stdin), or give it as --rotate-password NEW');
    } else if (rotateTo === PROMPT_FOR_NEW) {
      const first = await runtime.prompter.password('Enter new password:');
      if (first !== (await runtime.prompter.password('Confirm new password:'))) {
        throw new HsmError('INVALID_PASSWORD', 'the two new passwords typed differ; nothing was changed');
      }
      rotateTo = first;
    }
    const credentials = { username, role, password };
    const sessionPid = runtime.shell ? process.pid : undefined;
    const mfa = this.mfa(args);
    if (!mfa && flags.token !== undefined) throw new HsmError('INVALID_ARGUMENT', '--token belongs to MFA login: add mfa-token-sign (`login --username U --role R mfa-token-sign --token FILE`)');
    if (mfa && rotateTo !== undefined) throw new HsmError('INVALID_ARGUMENT', '--rotate-password cannot be combined with mfa-token-sign; log in, then run `user change-password`');
    const result = mfa ? await this.mfaLogin(credentials, flags.token, sessionPid) : await this.perform(login, { credentials, sessionPid });
    if (result.session) runtime.shell!.session = result.session;
    if (rotateTo !== undefined) {
      const caller = result.session ? { session: result.session } : { credentials };
      const { perform } = await import('../core/engine.js');
      await perform(await this.engine(), changePassword, { clusterId: result.session?.clusterId ?? this.clusterId, username, role, password: rotateTo }, caller);
    }
    return { data: { username: result.username, role: result.role } };
  }

  /** users-and-auth.md §7: the password, then the token file written, signed off the HSM and read back. */
  private async mfaLogin(credentials: { username: string; role: LoginRole; password: string }, tokenPath: string | undefined, sessionPid: number | undefined): Promise<LoginResult> {
    if (!tokenPath) throw new HsmError('INVALID_ARGUMENT', 'mfa-token-sign needs --token FILE: the file to write the tokens to sign to');
    const started = await this.perform(startMfaLogin, { credentials, sessionPid });
    if (!('challengeId' in started)) return started;
    const signed = await this.signedTokenFile(tokenPath, started.file);
    return this.perform(finishMfaLogin, { challengeId: started.challengeId, signed, username: credentials.username, sessionPid });
  }
}
