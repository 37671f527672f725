/**
 * The interactive shell (cloudhsm-cli `interactive`, prompt `aws-cloudhsm > `). It owns only the
 * prompt, the line queue, tokenising, the login kept between lines, hidden password entry,
 * `help` and `quit`; every other line runs through the same oclif parse-and-run path as the
 * binary, with this shell's runtime installed. Lines run one at a time, so pasted input cannot
 * race a running command. Its streams are passed in, so tests drive it with plain streams.
 */
import readline from 'node:readline';
import type { Config } from '@oclif/core/config';
import type { Prompter } from '../cli/prompter.js';
import { withRuntime, type OutputStream, type Runtime } from '../cli/runtime.js';
import { printUsageError } from '../cli/output.js';
import { redactSecrets, tokenize, TokenizeError } from './tokenize.js';

export const PROMPT = 'aws-cloudhsm > ';

export interface ShellOptions {
  input: NodeJS.ReadableStream;
  output: OutputStream & NodeJS.WritableStream;
  errorOutput: OutputStream;
  /** Whether the input is a terminal: echo control, prompts, Ctrl-C handling. */
  terminal: boolean;
  env: Record<string, string | undefined>;
  config: Config;
  /** cloudhsm-cli interactive: every result as the JSON envelope. */
  alwaysJson?: boolean;
  /** Printed before the first prompt. */
  banner?: string;
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

export async function runShell(options: ShellOptions): Promise<number> {
  const { output, terminal } = options;
  const rl = readline.createInterface({ input: options.input, output: terminal ? output : undefined, terminal, prompt: PROMPT, historySize: terminal ? 500 : 0 });
  const reader = new LineReader(rl);
  // Hidden input: while muted, readline echoes nothing of what is typed.
  const internal = rl as unknown as { _writeToOutput: (s: string) => void; history: string[] };
  const writeToOutput = internal._writeToOutput?.bind(rl);
  if (terminal && writeToOutput) {
    internal._writeToOutput = (s: string) => {
      if (!reader.muted) writeToOutput(s);
    };
  }

  const prompter: Prompter = {
    async password(message) {
      output.write(`${message} `);
      reader.muted = true;
      const line = await reader.next();
      reader.muted = false;
      output.write('\n');
      if (terminal && internal.history?.[0] === line) internal.history.shift();
      if (line === null || line === CANCELLED) throw Object.assign(new Error('prompt cancelled'), { cancelled: true });
      return line;
    },
    async confirm(message) {
      output.write(`${message} (y/n) `);
      const line = await reader.next();
      if (line === null || line === CANCELLED) return false;
      return /^y(es)?$/i.test(line.trim());
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
    shell: {},
    alwaysJson: Boolean(options.alwaysJson),
    stores: new Map(),
    exitCode: 0,
    programName: '',
  };

  rl.on('SIGINT', () => {
    if (reader.cancel()) {
      reader.muted = false;
      output.write('^C\n');
      return;
    }
    // Abandon the line being typed; the shell stays.
    output.write('^C\n');
    (rl as unknown as { line: string }).line = '';
    rl.prompt();
  });

  const { COMMANDS } = await import('../registry.js');
  let failures = 0;
  if (options.banner) output.write(options.banner);

  for (;;) {
    if (terminal) rl.prompt();
    const line = await reader.next();
    if (line === null) break;
    if (line === CANCELLED) continue;
    if (terminal && internal.history?.[0] === line) internal.history[0] = redactSecrets(line);
    const trimmed = line.trim();
    if (trimmed === '' || trimmed.startsWith('#')) continue;
    let words: string[];
    try {
      words = tokenize(trimmed);
    } catch (err) {
      if (!(err instanceof TokenizeError)) throw err;
      await printUsageError(runtime, err.message, 'help');
      failures++;
      continue;
    }
    if (words[0] === 'quit' || words[0] === 'exit') break;
    if (words[0] === 'shell' || words[0] === 'interactive') {
      await printUsageError(runtime, 'already in the shell', 'help');
      failures++;
      continue;
    }
    let n = words.length;
    while (n > 0 && !Object.hasOwn(COMMANDS, words.slice(0, n).join(':'))) n--;
    if (n === 0) {
      await printUsageError(runtime, `unknown command "${words.slice(0, 2).join(' ')}"; type \`help\` to list the commands`, 'help');
      failures++;
      continue;
    }
    const id = words.slice(0, n).join(':');
    let argv = words.slice(n);
    if (argv.includes('--help') || argv.includes('-h')) {
      argv = id.split(':');
      await withRuntime(runtime, () => COMMANDS.help.run(argv, options.config));
    } else {
      const Command = COMMANDS[id as keyof typeof COMMANDS];
      try {
        await withRuntime(runtime, () => Command.run(argv, options.config));
      } catch (err) {
        if ((err as { cancelled?: boolean }).cancelled) {
          runtime.exitCode = 1;
        } else throw err;
      }
    }
    if (runtime.exitCode !== 0) failures++;
  }

  if (runtime.shell?.session) {
    // Leaving the shell logs out (users-and-auth.md §5).
    const silent: Runtime = { ...runtime, stdout: { write: () => true }, stderr: { write: () => true } };
    await withRuntime(silent, () => COMMANDS.logout.run([], options.config)).catch(() => undefined);
  }
  rl.close();
  return failures > 0 && !terminal ? 1 : 0;
}
