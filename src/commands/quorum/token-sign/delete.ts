import { Flags } from '../../../cli/oclif.js';
import { BaseCommand, type ExecuteInput } from '../../../cli/base-command.js';
import { deleteTokens } from '../../../core/quorum/operations.js';

export default class QuorumTokenSignDelete extends BaseCommand<typeof QuorumTokenSignDelete> {
  static override summary = 'Delete your quorum tokens (--scope user) or every user\'s (--scope all); admin only.';
  static override examples = ['<%= config.bin %> quorum token-sign delete --scope user', '<%= config.bin %> quorum token-sign delete --scope all'];
  static override flags = {
    scope: Flags.option({ description: 'Whose tokens: the logged-in user\'s, or all users\'.', options: ['user', 'all'] as const, required: true })(),
  };

  protected async execute({ flags }: ExecuteInput<typeof QuorumTokenSignDelete>) {
    return { data: await this.perform(deleteTokens, { scope: flags.scope }) };
  }
}
