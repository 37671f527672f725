import { BaseCommand, type ExecuteInput } from '../../cli/base-command.js';
import { backupIdFlag } from '../../cli/presenters/backups.js';
import { restoreBackup } from '../../core/backups/operations.js';

export default class BackupRestore extends BaseCommand<typeof BackupRestore> {
  static override summary = 'Bring a PENDING_DELETION backup back to READY (CloudHSMv2 RestoreBackup).';
  static override description =
    'Only within 7 days of its deletion or purge. A backup purged by retention is purged again by the next housekeeping unless it is marked --never-expires or the cluster\'s retention is raised first.';
  static override examples = ['<%= config.bin %> backup restore --backup-id backup-ro3ywd2bg5f'];
  static override flags = { 'backup-id': backupIdFlag };

  protected async execute({ flags }: ExecuteInput<typeof BackupRestore>) {
    const data = await this.perform(restoreBackup, { backupId: flags['backup-id'] });
    return { data, text: `Backup ${data.BackupId} is ${data.BackupState}.\n` };
  }
}
