import { Flags } from '../../cli/oclif.js';
import { BaseCommand, type ExecuteInput } from '../../cli/base-command.js';
import { backupIdFlag } from '../../cli/presenters/backups.js';
import { modifyBackupAttributes } from '../../core/backups/operations.js';

export default class BackupModify extends BaseCommand<typeof BackupModify> {
  static override summary = "Exempt a backup from the cluster's retention, or subject it again (CloudHSMv2 ModifyBackupAttributes).";
  static override examples = ['<%= config.bin %> backup modify --backup-id backup-ro3ywd2bg5f --never-expires true'];
  static override flags = {
    'backup-id': backupIdFlag,
    'never-expires': Flags.string({ description: 'true: never purged by retention; false: purged like the others.', required: true, options: ['true', 'false'] }),
  };

  protected async execute({ flags }: ExecuteInput<typeof BackupModify>) {
    const data = await this.perform(modifyBackupAttributes, { backupId: flags['backup-id'], neverExpires: flags['never-expires'] === 'true' });
    return { data, text: `Backup ${data.BackupId} ${data.NeverExpires ? 'never expires' : "follows the cluster's retention"}.\n` };
  }
}
