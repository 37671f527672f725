import { BaseCommand } from '../../cli/base-command.js';
import { renderText } from '../../cli/output.js';
import { perform } from '../../core/engine.js';
import { describeClusters } from '../../core/cluster/operations.js';

export default class ClusterList extends BaseCommand<typeof ClusterList> {
  static override summary = 'List the clusters in the state folder (CloudHSMv2 DescribeClusters).';
  static override examples = ['<%= config.bin %> cluster list', '<%= config.bin %> cluster list --json'];

  protected async execute() {
    const data = await perform(await this.engine(), describeClusters, {});
    const rows = data.Clusters.map((c) => ({
      ClusterId: c.ClusterId,
      State: c.State,
      HsmType: c.HsmType,
      Mode: c.Mode,
      Hsms: c.Hsms.length,
      AvailabilityZones: Object.keys(c.SubnetMapping).join(','),
    }));
    return { data, text: rows.length ? renderText({ Clusters: rows }) : 'No clusters yet: run `cluster create` or `cluster quickstart`.\n' };
  }
}
