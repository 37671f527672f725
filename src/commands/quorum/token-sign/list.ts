import { BaseCommand } from '../../../cli/base-command.js';
import { listTokens } from '../../../core/quorum/operations.js';

export default class QuorumTokenSignList extends BaseCommand<typeof QuorumTokenSignList> {
  static override summary = "List the cluster's active quorum tokens, other users' included.";
  static override examples = ['<%= config.bin %> quorum token-sign list'];

  protected async execute() {
    return { data: await this.perform(listTokens, {}) };
  }
}
