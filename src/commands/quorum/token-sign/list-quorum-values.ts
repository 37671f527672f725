import { BaseCommand } from '../../../cli/base-command.js';
import { listQuorumValues } from '../../../core/quorum/operations.js';

export default class QuorumTokenSignListQuorumValues extends BaseCommand<typeof QuorumTokenSignListQuorumValues> {
  static override summary = "Show the cluster's quorum minimum value per service (1 = no quorum); no login needed.";
  static override examples = ['<%= config.bin %> quorum token-sign list-quorum-values'];

  protected async execute() {
    return { data: await this.perform(listQuorumValues, {}) };
  }
}
