import { BaseCommand } from '../../../cli/base-command.js';
import { listTimeouts } from '../../../core/quorum/operations.js';

export default class QuorumTokenSignListTimeouts extends BaseCommand<typeof QuorumTokenSignListTimeouts> {
  static override summary = 'Show how many seconds a generated and an approved quorum token last; no login needed.';
  static override examples = ['<%= config.bin %> quorum token-sign list-timeouts'];

  protected async execute() {
    return { data: await this.perform(listTimeouts, {}) };
  }
}
