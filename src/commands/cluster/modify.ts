import { Flags } from '../../cli/oclif.js';
import { BaseCommand, type ExecuteInput } from '../../cli/base-command.js';
import { modifyCluster } from '../../core/cluster/operations.js';

export default class ClusterModify extends BaseCommand<typeof ClusterModify> {
  static override summary = "Change the cluster's backup retention (CloudHSMv2 ModifyCluster).";
  static override description = 'Backups older than the retention are purged (PENDING_DELETION, restorable for 7 days); the most recent backup never is.';
  static override examples = ['<%= config.bin %> cluster modify --backup-retention-days 30', '<%= config.bin %> cluster modify --cluster-id cluster-igklspoyj5v --backup-retention-days 379 --json'];
  static override flags = {
    'backup-retention-days': Flags.integer({ description: 'Backup retention in days (7-379).', required: true, helpValue: '<DAYS>' }),
  };

  protected async execute({ flags }: ExecuteInput<typeof ClusterModify>) {
    const data = await this.perform(modifyCluster, { backupRetentionDays: flags['backup-retention-days'] });
    return { data, text: `Cluster ${data.ClusterId} keeps backups for ${data.BackupRetentionPolicy.Value} days.\n` };
  }
}
