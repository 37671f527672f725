import { BaseCommand, type ExecuteInput } from '../../cli/base-command.js';
import { renderText } from '../../cli/output.js';
import { backupIdFlag } from '../../cli/presenters/backups.js';
import { describeBackup } from '../../core/backups/operations.js';

export default class BackupDescribe extends BaseCommand<typeof BackupDescribe> {
  static override summary = 'Describe one backup in the CloudHSMv2 Backup shape.';
  static override examples = ['<%= config.bin %> backup describe --backup-id backup-ro3ywd2bg5f --json'];
  static override flags = { 'backup-id': backupIdFlag };

  protected async execute({ flags }: ExecuteInput<typeof BackupDescribe>) {
    const data = await this.perform(describeBackup, { backupId: flags['backup-id'] });
    return { data, text: renderText(data) };
  }
}
