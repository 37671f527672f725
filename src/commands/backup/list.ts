import { Flags } from '../../cli/oclif.js';
import { BaseCommand, type ExecuteInput } from '../../cli/base-command.js';
import { backupLine } from '../../cli/presenters/backups.js';
import { describeBackups } from '../../core/backups/operations.js';

export default class BackupList extends BaseCommand<typeof BackupList> {
  static override summary = 'List backups (CloudHSMv2 DescribeBackups), newest first.';
  static override description =
    'Backups are made automatically: on activation, on adding or removing an HSM of an active cluster, and every 24 hours of cluster time. --cluster-id (or CLOUDHSM_CLUSTER_ID) shows one cluster\'s backups; DELETED backups stay listed.';
  static override examples = [
    '<%= config.bin %> backup list',
    '<%= config.bin %> backup list --states READY PENDING_DELETION --sort-ascending --json',
    '<%= config.bin %> backup list --cluster-id cluster-igklspoyj5v --never-expires',
  ];
  static override flags = {
    'backup-id': Flags.string({ description: 'Only these backups.', multiple: true, helpValue: '<BACKUP_ID>' }),
    'source-backup-id': Flags.string({ description: 'Only copies of these backups (backup copy-to-region).', multiple: true, helpValue: '<BACKUP_ID>' }),
    states: Flags.string({ description: 'Only backups in these states.', multiple: true, options: ['CREATE_IN_PROGRESS', 'READY', 'PENDING_DELETION', 'DELETED'] }),
    'never-expires': Flags.boolean({ description: 'Only backups marked NeverExpires (--no-never-expires: only the others).', allowNo: true }),
    'sort-ascending': Flags.boolean({ description: 'Oldest first.' }),
  };

  protected async execute({ flags }: ExecuteInput<typeof BackupList>) {
    const data = await this.perform(describeBackups, {
      backupIds: flags['backup-id'],
      sourceBackupIds: flags['source-backup-id'],
      states: flags.states,
      neverExpires: flags['never-expires'],
      sortAscending: flags['sort-ascending'],
    });
    return { data, text: data.Backups.length ? data.Backups.map(backupLine).join('') : 'No backups.\n' };
  }
}
