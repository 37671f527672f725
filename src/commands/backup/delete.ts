import { BaseCommand, type ExecuteInput } from '../../cli/base-command.js';
import { backupIdFlag } from '../../cli/presenters/backups.js';
import { deleteBackup } from '../../core/backups/operations.js';

export default class BackupDelete extends BaseCommand<typeof BackupDelete> {
  static override summary = 'Delete a backup (CloudHSMv2 DeleteBackup): PENDING_DELETION for 7 days, then DELETED.';
  static override description = 'Within the 7 days `backup restore` brings it back.';
  static override examples = ['<%= config.bin %> backup delete --backup-id backup-ro3ywd2bg5f'];
  static override flags = { 'backup-id': backupIdFlag };

  protected async execute({ flags }: ExecuteInput<typeof BackupDelete>) {
    const data = await this.perform(deleteBackup, { backupId: flags['backup-id'] });
    return { data, text: `Backup ${data.BackupId} is PENDING_DELETION until ${new Date((data.DeleteTimestamp ?? 0) * 1000).toISOString()}; \`backup restore\` brings it back until then.\n` };
  }
}
