import { BaseCommand } from '../../cli/base-command.js';
import { listHsms } from '../../core/cluster/operations.js';

export default class HsmList extends BaseCommand<typeof HsmList> {
  static override summary = 'List the HSMs of the cluster.';
  static override examples = ['<%= config.bin %> hsm list --json'];

  protected async execute() {
    return { data: await this.perform(listHsms, {}) };
  }
}
