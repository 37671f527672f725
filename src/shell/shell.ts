/**
 * The interactive operator shell (`shell`, `npm start`, cloudhsm-cli `interactive`). It owns the
 * terminal: the prompt, the line queue, tab completion, history (redacted, kept per state
 * folder), hidden password entry, Ctrl-C, `history` and scripts (`--file`, piped input). What a
 * line means belongs to the dialect: the CloudHSM CLI's commands through the same registry and
 * parser as the binary, or the legacy cloudhsm_mgmt_util / key_mgmt_util grammars. Lines run one
 * at a time, so pasted input cannot race a running command. Streams are passed in, so tests
 * drive it with plain streams or a pseudo-terminal.
 */
import { escapeControls } from '../cli/terminal-text.js';
import readline from 'node:readline';
import type { Config } from '@oclif/core/config';
import type { EngineContext } from '../core/context.js';
import type { Prompter } from '../cli/prompter.js';
import type { OutputStream, Runtime } from '../cli/runtime.js';
import type { CommandCatalog } from '../cli/catalog.js';
import { printUsageError } from '../cli/output.js';
import type { Dialect, DialectHost, DialectIo } from './dialect.js';
import { History } from './history.js';
import { tokenize, TokenizeError } from './tokenize.js';

export { PROMPT } from './dialects/modern.js';

export const DIALECTS = ['cloudhsm-cli', 'cmu', 'kmu'] as const;
export type DialectName = (typeof DIALECTS)[number];

export interface ShellOptions {
  input: NodeJS.ReadableStream;
  output: OutputStream & NodeJS.WritableStream;
  errorOutput: OutputStream;
  /** Whether the input is a terminal: echo control, prompts, completion, Ctrl-C handling. */
  terminal: boolean;
  env: Record<string, string | undefined>;
  config: Config;
  /** The engine on the shell's state folder (for the legacy dialects and completion). */
  engine: () => Promise<EngineContext>;
  /** The state folder, whose history the shell keeps. */
  stateDir: string;
  /** cloudhsm-cli interactive or `shell --json`: every result as the JSON envelope. */
  alwaysJson?: boolean;
  /** cloudhsm-cli interactive: the real tool's commands only (see Runtime.compat). */
  compat?: boolean;
  /** Printed before the first prompt. */
  banner?: string;
  dialect?: DialectName;
  /** Legacy dialects: why a line failed goes to `errorOutput` (their standard output is the real tools' lines only). */
  explain?: boolean;
  /** Where the lines come from, for failure reports (`script.txt`, `<stdin>`). */
  source?: string;
  /** Stop at the first line that fails (scripts). */
  stopOnError?: boolean;
  /** The commands the modern dialect runs and completes. */
  commands: CommandCatalog;
}

const CANCELLED = Symbol('cancelled');
type Line = string | null | typeof CANCELLED;

/** Reads lines one at a time from readline, with a hidden mode for passwords. */
class LineReader {
  private queue: string[] = [];
  private waiter: ((line: Line) => void) | undefined;
  private closed = false;
  muted = false;

  constructor(readonly rl: readline.Interface) {
    rl.on('line', (line) => {
      if (this.waiter) {
        const w = this.waiter;
        this.waiter = undefined;
        w(line);
      } else this.queue.push(line);
    });
    rl.on('close', () => {
      this.closed = true;
      this.waiter?.(null);
      this.waiter = undefined;
    });
  }

  next(): Promise<Line> {
    if (this.queue.length > 0) return Promise.resolve(this.queue.shift()!);
    if (this.closed) return Promise.resolve(null);
    return new Promise((resolve) => (this.waiter = resolve));
  }

  /** Ctrl-C: abandon whatever is being read. */
  cancel(): boolean {
    if (!this.waiter) return false;
    const w = this.waiter;
    this.waiter = undefined;
    w(CANCELLED);
    return true;
  }
}

/** Index of the last blank not escaped by a backslash (-1 when none). */
function lastBlank(line: string): number {
  let last = -1;
  for (let i = 0; i < line.length; i++) {
    if (line[i] === '\\') i++;
    else if (line[i] === ' ' || line[i] === '\t') last = i;
  }
  return last;
}

const cancelled = () => Object.assign(new Error('prompt cancelled'), { cancelled: true });

async function loadDialect(name: DialectName, runtime: Runtime, config: Config): Promise<Dialect> {
  switch (name) {
    case 'cmu':
      return (await import('./dialects/cmu.js')).cmuDialect;
    case 'kmu':
      return (await import('./dialects/kmu.js')).kmuDialect;
    default:
      return (await import('./dialects/modern.js')).modernDialect(runtime, config);
  }
}

export async function runShell(options: ShellOptions): Promise<number> {
  const { output, terminal } = options;
  // A script or piped input keeps no history file: only what a person types is worth recalling.
  const history = terminal ? History.forStateDir(options.stateDir, options.env) : new History(undefined);
  // Set once below, after readline exists; its completer may run before then and checks for them.
  // eslint-disable-next-line prefer-const
  let dialect: Dialect | undefined;
  // eslint-disable-next-line prefer-const
  let host: DialectHost | undefined;
  const rl = readline.createInterface({
    input: options.input,
    output: terminal ? output : undefined,
    terminal,
    historySize: terminal ? 500 : 0,
    history: terminal ? [...history.lines].reverse() : [],
    removeHistoryDuplicates: true,
    completer: terminal
      ? (line: string, callback: (err: null, result: [string[], string]) => void) => {
          complete(line)
            .then((result) => callback(null, result))
            .catch(() => callback(null, [[], line]));
        }
      : undefined,
  });
  const complete = async (line: string): Promise<[string[], string]> => {
    if (!dialect || !host) return [[], line];
    // The word being typed starts after the last blank that a backslash does not escape.
    const cut = lastBlank(line) + 1;
    const partial = line.slice(cut);
    let words: string[];
    try {
      words = tokenize(line.slice(0, cut));
    } catch {
      return [[], partial];
    }
    const candidates = await dialect.complete(host, words, partial);
    return [candidates.length === 1 ? [`${candidates[0]}${candidates[0]!.endsWith('/') || candidates[0]!.endsWith('=') ? '' : ' '}`] : candidates, partial];
  };
  const reader = new LineReader(rl);
  // Hidden input: while muted, readline echoes nothing of what is typed.
  // readline's private writer: present in every Node we support, but not part of its API.
  const internal = rl as unknown as { _writeToOutput?: (s: string) => void };
  const writeToOutput = internal._writeToOutput?.bind(rl);
  if (terminal && writeToOutput) {
    internal._writeToOutput = (s: string) => {
      if (!reader.muted) writeToOutput(s);
    };
  }

  /** How many questions or password prompts are waiting for a line (Ctrl-C cancels them). */
  let prompting = 0;
  const ask = async (): Promise<Line> => {
    prompting++;
    try {
      const line = await reader.next();
      // An answer typed ahead, before its question showed, was remembered as a command: forget it.
      const remembered = (rl as unknown as { history?: string[] }).history;
      const at = typeof line === 'string' && remembered ? remembered.indexOf(dialect!.redact(line)) : -1;
      if (at >= 0) remembered!.splice(at, 1);
      return line;
    } finally {
      prompting--;
    }
  };
  const io: DialectIo = {
    // Legacy output prints labels and names that users chose: escaped for the terminal.
    write: (text) => void output.write(escapeControls(text)),
    async password(message) {
      output.write(message.endsWith(' ') ? message : `${message} `);
      reader.muted = true;
      const line = await ask();
      reader.muted = false;
      // Ctrl-C has printed its own line end.
      if (line !== CANCELLED) output.write('\n');
      if (line === null || line === CANCELLED) throw cancelled();
      return line;
    },
    async ask(message) {
      output.write(message);
      const line = await ask();
      return line === null || line === CANCELLED ? null : line;
    },
    ...(options.explain ? { explain: (text: string) => void options.errorOutput.write(`${escapeControls(text)}\n`) } : {}),
  };
  const prompter: Prompter = {
    password: (message) => io.password(message),
    async confirm(message) {
      const line = await io.ask(`${message} (y/n) `);
      return line !== null && /^y(es)?$/i.test(line.trim());
    },
    async text(message) {
      const line = await io.ask(`${message} `);
      if (line === null) throw Object.assign(new Error('cancelled'), { cancelled: true });
      return line.trim();
    },
  };

  const runtime: Runtime = {
    stdout: output,
    stderr: options.errorOutput,
    env: options.env,
    // The shell owns its input: a prompt reads the next line, typed or piped.
    interactive: true,
    readStdin: async () => '',
    prompter,
    shell: { sessionKeys: new Map() },
    alwaysJson: Boolean(options.alwaysJson),
    compat: Boolean(options.compat),
    stores: new Map(),
    exitCode: 0,
    programName: '',
    commands: options.commands,
  };
  const shellState = runtime.shell!;
  // One login for the whole shell: the dialect's host and the modern commands share it.
  host = {
    io,
    engine: options.engine,
    clusterId: options.env.CLOUDHSM_CLUSTER_ID,
    env: options.env,
    get session() {
      return shellState.session;
    },
    set session(value) {
      shellState.session = value;
    },
    get sessionKeys() {
      return (shellState.sessionKeys ??= new Map());
    },
  };
  dialect = await loadDialect(options.dialect ?? 'cloudhsm-cli', runtime, options.config);

  const showPrompt = () => {
    rl.setPrompt(dialect.prompt(host));
    rl.prompt();
  };
  // readline remembers each line as it is entered (before the shell reads it, so typed-ahead lines
  // too): remember it redacted, and answers to questions and hidden prompts not at all.
  rl.on('history', (lines: string[]) => {
    if (prompting > 0) lines.shift();
    else if (lines[0] !== undefined) lines[0] = dialect.redact(lines[0]);
  });

  /** Whether a line is running (Ctrl-C then clears what is typed ahead, but draws no prompt). */
  let running = false;
  rl.on('SIGINT', () => {
    // Ctrl-C abandons what is being typed (muted, so readline does not redraw it) ...
    const muted = reader.muted;
    reader.muted = true;
    rl.write(null, { ctrl: true, name: 'e' });
    rl.write(null, { ctrl: true, name: 'u' });
    reader.muted = false;
    output.write('^C\n');
    // ... and a question or password prompt with it; at the command prompt the shell stays.
    if (prompting > 0 || muted) reader.cancel();
    else if (!running) showPrompt();
  });

  const failedLines: number[] = [];
  let lineNo = 0;
  const banner = `${options.banner ?? ''}${await dialect.banner(host)}`;
  if (banner) output.write(banner);

  for (;;) {
    if (terminal) showPrompt();
    const line = await reader.next();
    if (line === null) break;
    lineNo++;
    if (line === CANCELLED) continue;
    const trimmed = line.trim();
    if (trimmed === '' || trimmed.startsWith('#')) continue;
    history.add(dialect.redact(trimmed));
    running = true;
    const outcome = await runLine(trimmed).finally(() => (running = false));
    if (outcome === 'quit') break;
    if (outcome === 'failed') {
      failedLines.push(lineNo);
      if (!terminal) options.errorOutput.write(`${options.source ?? '<stdin>'}:${lineNo}: this line failed: ${dialect.redact(trimmed)}\n`);
      if (options.stopOnError) break;
    }
  }

  async function runLine(text: string): Promise<'ok' | 'failed' | 'quit'> {
    let words: string[];
    try {
      words = tokenize(text);
    } catch (err) {
      if (!(err instanceof TokenizeError)) throw err;
      await printUsageError(runtime, err.message, 'help');
      return 'failed';
    }
    if (words[0] === 'history' && words.length === 1) {
      output.write(history.lines.map((l, i) => `${String(i + 1).padStart(5)}  ${l}\n`).join(''));
      return 'ok';
    }
    try {
      return await dialect!.run(host!, words);
    } catch (err) {
      // A dialect's own prompt cancelled with Ctrl-C abandons the line; anything else is a bug
      // worth reporting, but never the end of the shell.
      if ((err as { cancelled?: boolean }).cancelled) return 'failed';
      options.errorOutput.write(`Error: ${(err as Error).message}\n`);
      return 'failed';
    }
  }

  await leave(runtime, host, options);
  rl.close();
  if (!terminal && failedLines.length > 0) {
    options.errorOutput.write(`${failedLines.length} line${failedLines.length === 1 ? '' : 's'} failed (line ${failedLines.join(', ')} of ${options.source ?? '<stdin>'})\n`);
  }
  return failedLines.length > 0 && !terminal ? 1 : 0;
}

/**
 * Leaving the shell logs out (users-and-auth.md §5); without a `logout` first, the connection
 * closes, which the HSM logs as CN_APP_FINALIZE (audit-log.md §4.3).
 */
async function leave(runtime: Runtime, host: DialectHost, options: ShellOptions): Promise<void> {
  const session = host.session;
  if (!session) return;
  const { perform } = await import('../core/engine.js');
  const { closeConnection } = await import('../core/users/operations.js');
  await perform(await options.engine(), closeConnection, { clusterId: session.clusterId }, { session }).catch(() => undefined);
  host.session = undefined;
  runtime.shell?.sessionKeys?.clear();
}
