import { Flags } from '../cli/oclif.js';
import { BaseCommand, passwordFlags, type ExecuteInput } from '../cli/base-command.js';
import { HsmError } from '../core/errors.js';
import { changePassword, login } from '../core/users/operations.js';
import { LOGIN_ROLES, type LoginRole } from '../core/users/rules.js';

/** Stands for `--rotate-password` given without a value: prompt for the new password. */
const PROMPT_FOR_NEW = '\u0000prompt';

export default class Login extends BaseCommand<typeof Login> {
  static override summary = 'Log in as an admin or crypto-user.';
  static override description = [
    'In the shell the login is kept until `logout` or `quit`. As a single command it checks the credentials (a wrong password counts toward the lockout after 5 failures) and exits 0 or 1, so scripts can test them.',
    'With no --username, the credentials come from CLOUDHSM_ROLE and CLOUDHSM_PIN (username:password).',
    '--rotate-password logs in and sets a new password in one step: prompted for on a terminal, read from standard input when it is piped (after the current password, with --password-stdin), or given as --rotate-password NEW.',
  ].join('\n\n');
  static override examples = [
    '<%= config.bin %> login --username alice --role crypto-user',
    'CLOUDHSM_ROLE=crypto-user CLOUDHSM_PIN="alice:$PW" <%= config.bin %> login',
    '<%= config.bin %> login --username kms_admin --role crypto-user --rotate-password',
    'printf \'%s\\n%s\\n\' "$OLD" "$NEW" | <%= config.bin %> login --username alice --role crypto-user --password-stdin --rotate-password',
  ];
  static override flags = {
    username: Flags.string({ description: 'User name (default: from CLOUDHSM_PIN).', helpValue: '<USERNAME>' }),
    role: Flags.option({ description: 'Role (default: CLOUDHSM_ROLE).', options: LOGIN_ROLES })(),
    ...passwordFlags,
    'rotate-password': Flags.string({ description: 'After logging in, set this new password (prompted when no value is given).', helpValue: '[NEW]' }),
  };

  override async init(): Promise<void> {
    // --rotate-password takes an optional value: mark a bare one so the parser accepts it.
    const i = this.argv.indexOf('--rotate-password');
    if (i >= 0 && (i + 1 >= this.argv.length || this.argv[i + 1]!.startsWith('--'))) this.argv.splice(i + 1, 0, PROMPT_FOR_NEW);
    await super.init();
  }

  protected async execute({ flags, runtime }: ExecuteInput<typeof Login>) {
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
    const result = await this.perform(login, { credentials, sessionPid: runtime.shell ? process.pid : undefined });
    if (result.session) runtime.shell!.session = result.session;
    if (rotateTo !== undefined) {
      const caller = result.session ? { session: result.session } : { credentials };
      const { perform } = await import('../core/engine.js');
      await perform(await this.engine(), changePassword, { clusterId: result.session?.clusterId ?? this.clusterId, username, role, password: rotateTo }, caller);
    }
    return { data: { username: result.username, role: result.role } };
  }
}
