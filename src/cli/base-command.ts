/**
 * The base of every command: common flags, parse errors as usage errors (exit 2, no JSON),
 * engine and caller set-up from the runtime, and printing of the result or failure through
 * output.ts. Commands implement `execute` only: read flags, call one core operation, return.
 */
import type { InferredArgs, InferredFlags, LoadOptions } from '@oclif/core/interfaces';
import { Command, Config, Flags } from './oclif.js';
import { seededRandom, systemRandom, type EngineContext } from '../core/context.js';
import { perform, type Caller, type Credentials, type Operation } from '../core/engine.js';
import { HsmError } from '../core/errors.js';
import { Store } from '../core/store/index.js';
import { printFailure, printSuccess, printUsageError, type CommandResult } from './output.js';
import { activeRuntime, type Runtime } from './runtime.js';
import { readInputFile, writeOutputFile } from './files.js';
import { resolveStateDir } from './state-dir.js';
import { unknownFlagHint } from './suggest.js';
import { withProgress } from './progress.js';
import { APPROVAL_FLAGS } from './quorum-flags.js';

/** PEM files and certificates are a few kilobytes; this leaves ample room. */
const MAX_TEXT_FILE_BYTES = 1024 * 1024;

export const commonFlags = {
  json: Flags.boolean({ description: 'Print the result as the CloudHSM CLI JSON envelope.', helpGroup: 'GLOBAL' }),
  'state-dir': Flags.string({ description: 'State folder (env CLOUDHSM_STATE_DIR; default ./state if present, else the user data folder).', helpGroup: 'GLOBAL', helpValue: '<DIR>' }),
  'cluster-id': Flags.string({ description: 'Cluster to use (env CLOUDHSM_CLUSTER_ID); may be omitted when there is exactly one.', helpGroup: 'GLOBAL', helpValue: '<CLUSTER_ID>' }),
};

export const passwordFlags = {
  password: Flags.string({ description: 'The password (prompted, hidden, when omitted on a terminal).', helpValue: '<PASSWORD>', exclusive: ['password-stdin'] }),
  'password-stdin': Flags.boolean({ description: 'Read the password from standard input (for scripts).' }),
};

/** Commands run per runtime in deterministic mode (the shell runs many in one process). */
const deterministicRuns = new WeakMap<Runtime, number>();

/** The flags of command class `T` as parsed: its own and the common ones, typed from their definitions. */
export type ParsedFlags<T extends typeof Command> = InferredFlags<T['flags'] & typeof commonFlags>;
export type ParsedArgs<T extends typeof Command> = InferredArgs<T['args']>;

/** What `execute` gets. A command names its own class (`BaseCommand<typeof UserCreate>`) to get its flags typed. */
export interface ExecuteInput<T extends typeof Command = typeof Command> {
  flags: ParsedFlags<T>;
  args: ParsedArgs<T>;
  runtime: Runtime;
}

/**
 * The flags of a command made by a builder whose flag set varies by variant (one class per
 * signing mechanism, say): typed by the builder's interface of every variant's flags.
 */
// eslint-disable-next-line @typescript-eslint/no-unnecessary-type-parameters -- a typed view, chosen by the caller, is the point
export function variantFlags<F>(input: ExecuteInput): F {
  return input.flags as unknown as F;
}

/** The common flags every command has, whatever its own. */
type CommonFlagValues = InferredFlags<typeof commonFlags>;

export abstract class BaseCommand<T extends typeof Command = typeof Command> extends Command {
  static override baseFlags = commonFlags;

  /**
   * oclif's Command.run loads a new configuration from the one it is handed (reading the plugin
   * and every command again) before it makes the command. The launcher's configuration is already
   * loaded, so it is used as it is; anything else goes the framework's way.
   */
  static override async run<C extends Command>(this: new (argv: string[], config: Config) => C, argv?: string[], opts?: LoadOptions): Promise<ReturnType<C['run']>> {
    if (!(opts instanceof Config)) return (Command.run as (this: unknown, argv?: string[], opts?: LoadOptions) => Promise<ReturnType<C['run']>>).call(this, argv, opts);
    const command = new this(argv ?? [], opts) as unknown as { _run: () => Promise<ReturnType<C['run']>> };
    return command._run();
  }

  protected runtime!: Runtime;
  /** The parsed flags, for the getters below (and a command's overrides of them). */
  protected flagValues: Partial<CommonFlagValues> & Record<string, unknown> = {};

  protected abstract execute(input: ExecuteInput<T>): Promise<CommandResult>;

  async run(): Promise<void> {
    const runtime = activeRuntime();
    this.runtime = runtime;
    let parsed: { flags: ParsedFlags<T>; args: ParsedArgs<T> };
    try {
      parsed = (await this.parse(this.constructor as T)) as unknown as { flags: ParsedFlags<T>; args: ParsedArgs<T> };
    } catch (err) {
      // An unknown flag: the one most likely meant, among this command's.
      const unknown = (err as { flags?: unknown }).flags;
      const known = Object.keys({ ...this.ctor.baseFlags, ...this.ctor.flags });
      const hint = Array.isArray(unknown) && typeof unknown[0] === 'string' ? unknownFlagHint(unknown[0], known) : '';
      await printUsageError(runtime, (err as Error).message.replace(/\n|$/, `${hint}\n`), [runtime.programName, ...this.id!.split(':')].filter(Boolean).join(' '));
      runtime.exitCode = 2;
      return;
    }
    this.flagValues = parsed.flags;
    const json = Boolean(this.flagValues.json) || runtime.alwaysJson;
    try {
      const result = await this.execute({ flags: parsed.flags, args: parsed.args, runtime });
      await printSuccess(runtime, json, result);
      runtime.exitCode = result.exitCode ?? 0;
    } catch (err) {
      await printFailure(runtime, json, err);
      runtime.exitCode = 1;
    }
  }

  protected get clusterId(): string | undefined {
    return this.flagValues['cluster-id'] ?? this.runtime.env.CLOUDHSM_CLUSTER_ID ?? undefined;
  }

  protected get stateDir(): string {
    return resolveStateDir(this.flagValues['state-dir'], this.runtime.env);
  }

  /** The engine context on this command's state folder (kept open inside the shell). */
  protected async engine(options: { create?: boolean } = {}): Promise<EngineContext> {
    const dir = this.stateDir;
    let store = this.runtime.stores.get(dir);
    if (!store || (store.absent && options.create)) {
      const timeout = Number(this.runtime.env.CLOUDHSM_LOCK_TIMEOUT_MS ?? 10_000);
      store = await Store.open({
        dir,
        passphrase: this.runtime.env.CLOUDHSM_STATE_PASSPHRASE,
        lockTimeoutMs: Number.isFinite(timeout) && timeout >= 0 ? timeout : 10_000,
        create: options.create,
      });
      // A folder with no state is looked at again by the next command (another process may create it).
      if (store.absent) this.runtime.stores.delete(dir);
      else this.runtime.stores.set(dir, store);
    }
    // The lock file names the command running now, not the one that opened the store.
    store.owner = this.id?.replace(/:/g, ' ') ?? 'cloudhsm-local';
    this.runtime.prepared ??= new Map();
    const seed = this.runtime.env.CLOUDHSM_DETERMINISTIC_SEED;
    if (seed === undefined) {
      return { store, now: () => Date.now(), random: systemRandom, cryptoName: this.cryptoName(), prepared: this.runtime.prepared };
    }
    // Insecure test mode: the stream depends on the seed, how many changes the state has seen and
    // how many commands this process ran, so a script replays identically on a fresh state.
    if (seed.length === 0) throw new HsmError('INVALID_ARGUMENT', 'CLOUDHSM_DETERMINISTIC_SEED is set but empty; give a seed or unset it');
    const run = (deterministicRuns.get(this.runtime) ?? 0) + 1;
    deterministicRuns.set(this.runtime, run);
    return {
      store,
      now: () => Date.now(),
      random: seededRandom(`${seed}|${store.committedSeq}|${run}`),
      // ECDSA in the noble provider uses RFC 6979 nonces, so signatures replay too.
      cryptoName: this.cryptoName('noble'),
      prepared: this.runtime.prepared,
      deterministicSeed: seed,
    };
  }

  /** CLOUDHSM_CRYPTO_PROVIDER: node (default, node:crypto) or noble (@noble/*). */
  private cryptoName(fallback: 'node' | 'noble' = 'node'): 'node' | 'noble' {
    const name = this.runtime.env.CLOUDHSM_CRYPTO_PROVIDER ?? fallback;
    if (name !== 'node' && name !== 'noble') {
      throw new HsmError('INVALID_ARGUMENT', `CLOUDHSM_CRYPTO_PROVIDER must be node or noble, not "${name}"`);
    }
    return name;
  }

  /**
   * Single-command credentials from CLOUDHSM_ROLE / CLOUDHSM_PIN (cli-commands.md §1.2). `login
   * --role R` may supply the role itself, so a script's login line takes only the PIN from the
   * environment.
   */
  protected envCredentials(roleGiven?: string): Credentials | undefined {
    const { CLOUDHSM_PIN: pin } = this.runtime.env;
    const role = roleGiven ?? this.runtime.env.CLOUDHSM_ROLE;
    if (!pin && (roleGiven !== undefined || !role)) return undefined;
    if (!role || !pin) {
      throw new HsmError('INVALID_ARGUMENT', `CLOUDHSM_${role ? 'PIN' : 'ROLE'} is not set; single-command login needs both CLOUDHSM_ROLE (admin or crypto-user) and CLOUDHSM_PIN (username:password)`);
    }
    const colon = pin.indexOf(':');
    if (colon <= 0) throw new HsmError('INVALID_ARGUMENT', 'CLOUDHSM_PIN must be username:password');
    if (role !== 'admin' && role !== 'crypto-user') {
      throw new HsmError('INVALID_ARGUMENT', `CLOUDHSM_ROLE must be admin or crypto-user, not "${role}"`);
    }
    return { role, username: pin.slice(0, colon), password: pin.slice(colon + 1) };
  }

  /** The shell's login if there is one, else the environment's credentials. */
  protected caller(): Caller {
    const shell = this.runtime.shell;
    if (shell?.session) return { session: shell.session, sessionKeys: (shell.sessionKeys ??= new Map()) };
    // In the shell, CLOUDHSM_PIN alone serves its `login --role R` lines; it logs nothing else in.
    if (shell && !this.runtime.env.CLOUDHSM_ROLE) return {};
    const credentials = this.envCredentials();
    // A single command is its own session: its session keys end with it.
    return credentials ? { credentials, sessionKeys: new Map() } : {};
  }

  /** Runs one core operation for this command's caller on its cluster. */
  protected async perform<I extends { clusterId?: string }, O, P>(op: Operation<I, O, P>, input: Omit<I, 'clusterId'>): Promise<O> {
    const engine = await this.engine({ create: op.createsState });
    const progress = { stream: this.runtime.stderr, json: Boolean(this.flagValues.json) || this.runtime.alwaysJson, env: this.runtime.env, label: `${this.id?.replace(/:/g, ' ') ?? 'working'}…` };
    const approvals = this.approvals();
    return withProgress(progress, () => perform(engine, op, { ...input, ...(approvals ? { approvals } : {}), clusterId: this.clusterId } as I, this.caller()));
  }

  /** The quorum approval files this command was given (quorum-flags.ts), parsed. */
  private approvals(): Record<string, unknown> | undefined {
    const given = APPROVAL_FLAGS.filter((flag) => typeof this.flagValues[flag] === 'string');
    if (given.length === 0) return undefined;
    return Object.fromEntries(given.map((flag) => [flag, this.readJsonFile(flag, this.flagValues[flag] as string)]));
  }

  /** Reads a JSON file named by a flag (a token file), failing with a message that names the flag. */
  protected readJsonFile(flag: string, file: string): unknown {
    const text = this.readFile(flag, file);
    try {
      return JSON.parse(text) as unknown;
    } catch {
      throw new HsmError('INVALID_ARGUMENT', `--${flag} ${file} is not JSON; give the token file \`quorum token-sign generate\` wrote, with the signatures added`);
    }
  }

  /**
   * The password for a command: --password, --password-stdin, or a hidden prompt (with
   * confirmation when it sets a password). Without a terminal and without the flags it fails.
   */
  protected async password(flags: { password?: string; 'password-stdin'?: boolean }, options: { confirm: boolean; what?: string }): Promise<string> {
    if (typeof flags.password === 'string') {
      // A process's arguments are visible to every user of the machine (ps) and stay in the
      // login shell's history; inside our shell the line is neither.
      if (this.runtime.interactive && !this.runtime.shell) {
        this.runtime.stderr.write('Warning: a password given with --password is visible to other processes and kept in your shell history; leave it out to be prompted, or use --password-stdin\n');
      }
      return flags.password;
    }
    if (flags['password-stdin']) {
      const line = await this.stdinLine();
      if (!line) throw new HsmError('PASSWORD_REQUIRED', '--password-stdin was given but standard input was empty; pipe the password in');
      return line;
    }
    if (!this.runtime.interactive && this.runtime.compat) return this.passwordFromPipe(options);
    if (!this.runtime.interactive) {
      throw new HsmError('PASSWORD_REQUIRED', `${options.what ?? 'a password'} is needed: give --password-stdin and pipe it in, or run on a terminal to be prompted`);
    }
    const first = await this.runtime.prompter.password('Enter password:');
    if (options.confirm) {
      const second = await this.runtime.prompter.password('Confirm password:');
      if (first !== second) throw new HsmError('INVALID_PASSWORD', 'the two passwords typed differ; nothing was changed');
    }
    return first;
  }

  /**
   * The next line of standard input: a command that reads several values (a password, then a
   * new one) takes them in turn. Standard input is read whole, once.
   */
  protected async stdinLine(): Promise<string | undefined> {
    this.stdinLines ??= { lines: (await this.runtime.readStdin()).split(/\r?\n/), next: 0 };
    return this.stdinLines.lines[this.stdinLines.next++];
  }

  private stdinLines?: { lines: string[]; next: number };

  /**
   * users-and-auth.md §7: writes the tokens to sign to `tokenPath`, asks where the signed file
   * is (enter: the same file) and reads it back.
   */
  protected async signedTokenFile(tokenPath: string, unsigned: unknown): Promise<unknown> {
    this.writeFile('token', tokenPath, `${JSON.stringify(unsigned, null, 2)}\n`);
    const signedPath = (await this.askLine('Enter signed token file path (press enter if same as the unsigned token file):')) || tokenPath;
    return this.readJsonFile('token', signedPath);
  }

  /** A line the real tool prompts for (a file path): typed at a terminal, else the next line of standard input. */
  protected async askLine(message: string): Promise<string> {
    if (this.runtime.interactive) return (await this.runtime.prompter.text(message)).trim();
    return (await this.stdinLine())?.trim() ?? '';
  }

  /**
   * cloudhsm-cli reads what it would prompt for from standard input when that is not a terminal:
   * the password on the first line and, when the password is being set, the confirmation on the
   * second, as the real tool's two prompts read them. The prompts are not printed, so standard
   * output holds only the JSON.
   */
  private async passwordFromPipe(options: { confirm: boolean; what?: string }): Promise<string> {
    const first = await this.stdinLine();
    const second = options.confirm ? await this.stdinLine() : undefined;
    const what = options.what ?? 'the password';
    if (!first) throw new HsmError('PASSWORD_REQUIRED', `${what} is needed: pipe it in on standard input, or give --password`);
    if (options.confirm) {
      if (second === undefined || second === '') throw new HsmError('PASSWORD_REQUIRED', `${what} must be confirmed: pipe it in twice, on two lines, as the CloudHSM CLI asks for it twice`);
      if (second !== first) throw new HsmError('INVALID_PASSWORD', 'the two passwords piped in differ; nothing was changed');
    }
    return first;
  }

  /** Reads a text file named by a flag (a PEM, a certificate), failing with a message that names the flag. */
  protected readFile(flag: string, file: string): string {
    try {
      return readInputFile(`--${flag}`, file, MAX_TEXT_FILE_BYTES).toString('utf8');
    } catch (err) {
      throw new HsmError('INVALID_ARGUMENT', (err as Error).message);
    }
  }

  /**
   * Writes a file named by a flag. `secret`: the bytes may be secret or sensitive (plaintext,
   * wrapped keys, MACs, random bytes), so the file is left mode 0600.
   */
  protected writeFile(flag: string, file: string, content: string | Buffer, secret = false): void {
    try {
      writeOutputFile(`--${flag}`, file, content, secret);
    } catch (err) {
      throw new HsmError('INVALID_ARGUMENT', (err as Error).message);
    }
  }
}
