/**
 * The CloudHSM CLI dialect (prompt `aws-cloudhsm > `): a line is a command of the registry
 * followed by its flags, parsed and run by exactly the code the binary runs, with the shell's
 * runtime installed so the login, prompts and open store carry over between lines.
 */
import type { Config } from '@oclif/core/config';
import { extensionRefusal, namedExtension } from '../../cli/compat.js';
import { printUsageError } from '../../cli/output.js';
import { commandWords, unknownCommand } from '../../cli/suggest.js';
import { withRuntime, type Runtime } from '../../cli/runtime.js';
import type { Dialect, DialectHost } from '../dialect.js';
import { completeModern } from '../completion.js';
import { SECRET_FLAGS, redactOptions, redactUnknown } from '../tokenize.js';

export const PROMPT = 'aws-cloudhsm > ';

/** The prompt names who is logged in, when someone is. */
export function modernPrompt(host: DialectHost): string {
  return host.session ? `aws-cloudhsm [${host.session.username}:${host.session.role}] > ` : PROMPT;
}

const SHELL_WORDS = ['quit', 'exit', 'history', 'shell', 'interactive'];

/**
 * Redaction for the CloudHSM CLI dialect, reading a line as the command parser does: the values
 * of secret flags go; so does the word after a flag the command does not have (a mistyped
 * `--pasword` is refused by the parser, and its value is likely the password); a line that names
 * no command keeps only its command words (a password typed at the wrong prompt must not reach
 * history or an error). `flagsOf` gives a command's flag names (long, without dashes).
 */
export function modernRedactor(commandIds: readonly string[], flagsOf: (id: string) => readonly string[] = () => []): (line: string) => string {
  const ids = new Set(commandIds);
  const groups = new Set(commandIds.flatMap((id) => id.split(':').slice(0, -1).map((_, i, parts) => parts.slice(0, i + 1).join(':'))));
  const known = (words: string[]) => {
    const id = words.join(':');
    return ids.has(id) || groups.has(id) || (words.length === 1 && SHELL_WORDS.includes(words[0]!));
  };
  return (line) => {
    const { line: kept, kept: words } = redactUnknown(line, known);
    const id = words.join(':');
    if (!ids.has(id) && !(words.length === 1 && SHELL_WORDS.includes(id))) return kept;
    const flags = new Set(flagsOf(id));
    const unknownFlag = (word: string) => /^--?[^-]/.test(word) && flags.size > 0 && !flags.has(word.replace(/^--?/, ''));
    return redactOptions(line, (word) => SECRET_FLAGS.includes(word) || unknownFlag(word));
  };
}

export function modernDialect(runtime: Runtime, config: Config): Dialect {
  const redact = modernRedactor(config.commandIDs, (id) => {
    const command = config.findCommand(id);
    return command ? [...Object.keys(command.flags), 'help', 'h'] : [];
  });
  const { commands } = runtime;
  const run = async (argv: string[], id: string) => {
    await withRuntime(runtime, () => commands.run(id, argv, config));
  };
  return {
    name: 'cloudhsm-cli',
    prompt: modernPrompt,
    banner: async () => '',
    redact,
    complete: (host, words, partial) => completeModern(host, config, commands.ids, words, partial),
    async help(_host, topic) {
      let text = '';
      const capture: Runtime = { ...runtime, stdout: { write: (s: string) => (text += s) } };
      await withRuntime(capture, () => commands.run('help', topic, config));
      return text;
    },
    async run(_host, words) {
      if (words[0] === 'quit' || words[0] === 'exit') return 'quit';
      if (words[0] === 'shell' || words[0] === 'interactive') {
        await printUsageError(runtime, 'already in the shell; type `help` to list the commands');
        return 'failed';
      }
      const extension = namedExtension(commands, words);
      if (extension) {
        await printUsageError(runtime, extensionRefusal(extension));
        return 'failed';
      }
      let n = words.length;
      while (n > 0 && !commands.ids.includes(words.slice(0, n).join(':'))) n--;
      const group = words.filter((w) => !w.startsWith('-'));
      if (n === 0 && group.length > 0 && commands.ids.some((id) => id.startsWith(`${group.join(':')}:`))) {
        // `key --help`, `crypto hmac`: the commands of that group, as `help key` lists them.
        await run(group, 'help');
        return runtime.exitCode === 0 ? 'ok' : 'failed';
      }
      if (n === 0) {
        // Only known words are named (a group, a suggestion): the rest may be a password.
        await printUsageError(runtime, unknownCommand(commands.ids, commandWords(words), 'Type `help` to list the commands.'));
        return 'failed';
      }
      const id = words.slice(0, n).join(':');
      const argv = words.slice(n);
      runtime.exitCode = 0;
      try {
        // `<command> --help` prints exactly what `help <command>` prints.
        if (argv.includes('--help') || argv.includes('-h')) await run(id.split(':'), 'help');
        else await run(argv, id);
      } catch (err) {
        if (!(err as { cancelled?: boolean }).cancelled) throw err;
        runtime.exitCode = 1;
      }
      return runtime.exitCode === 0 ? 'ok' : 'failed';
    },
  };
}
