import { Args, loadHelp } from '../cli/oclif.js';

type HelpClass = typeof import('@oclif/core/help').Help;
type HelpInstance = InstanceType<HelpClass>;
type LoadableCommand = Parameters<HelpInstance['formatCommand']>[0];

/** The text of one command's help, from oclif's renderer, instead of printing it. */
async function commandText(config: ConstructorParameters<HelpClass>[0], command: LoadableCommand): Promise<string> {
  const { Help } = await loadHelp();
  class HelpText extends Help {
    text(c: LoadableCommand): string {
      return this.formatCommand(c);
    }
  }
  return new HelpText(config, { stripAnsi: true }).text(command);
}
import { BaseCommand, type ExecuteInput } from '../cli/base-command.js';
import { HsmError } from '../core/errors.js';

export default class HelpCommand extends BaseCommand<typeof HelpCommand> {
  static override summary = 'Show the commands, or the usage of one command.';
  static override examples = ['<%= config.bin %> help', '<%= config.bin %> help user create'];
  static override strict = false;
  static override args = { command: Args.string({ description: 'Command words, e.g. `user create`.' }) };

  protected async execute({ runtime }: ExecuteInput<typeof HelpCommand>) {
    const words = this.argv.filter((w) => !w.startsWith('-'));
    // No words: every command. A group (`key`, `crypto hmac`): the commands under it.
    const group = words.join(':');
    const inGroup = runtime.commands.ids.filter((id) => id.startsWith(`${group}:`));
    if (words.length === 0 || (!this.config.findCommand(group) && inGroup.length > 0)) {
      const ids = [...(words.length === 0 ? runtime.commands.ids : inGroup)].sort();
      const width = Math.max(...ids.map((id) => id.length));
      const lines = ids.map((id) => `  ${id.replace(/:/g, ' ').padEnd(width)}  ${this.config.findCommand(id)?.summary ?? ''}`);
      const where = runtime.shell ? '' : `${this.config.bin} `;
      return {
        data: { commands: ids.map((id) => id.replace(/:/g, ' ')) },
        text: `Commands:\n${lines.join('\n')}\n\nType \`${where}help <command>\` or \`${where}<command> --help\` for its flags.\n`,
      };
    }
    const id = words.join(':');
    const command = this.config.findCommand(id);
    if (!command) {
      throw new HsmError('INVALID_ARGUMENT', `no command "${words.join(' ')}"; \`help\` lists the commands`);
    }
    // oclif's help rewrites the id it is given for display: hand it a copy, not the config's entry.
    const text = await commandText(this.config, { ...command });
    return { data: text, text: `${text}\n` };
  }
}
