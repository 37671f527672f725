import { BaseCommand } from '../../cli/base-command.js';
import { restoreNetwork } from '../../core/network/operations.js';

export default class NetworkRestore extends BaseCommand<typeof NetworkRestore> {
  static override summary = 'End a `network fail` fault before its failed attempts are spent (fault injection).';
  static override examples = ['<%= config.bin %> network restore'];

  protected async execute() {
    const data = await this.perform(restoreNetwork, {});
    return { data, text: data.Cleared ? `The network to cluster ${data.ClusterId} works again.\n` : `There was no network fault on cluster ${data.ClusterId}.\n` };
  }
}
