import { BaseCommand } from '../../cli/base-command.js';
import { hsmInfo } from '../../core/cluster/operations.js';

export default class ClusterHsmInfo extends BaseCommand<typeof ClusterHsmInfo> {
  static override summary = 'Show vendor, model, serial number and firmware of each HSM (no login needed).';
  static override examples = ['<%= config.bin %> cluster hsm-info --json'];

  protected async execute() {
    return { data: await this.perform(hsmInfo, {}) };
  }
}
