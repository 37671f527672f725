import { Flags } from '../../cli/oclif.js';
import { BaseCommand, type ExecuteInput } from '../../cli/base-command.js';
import { backupIdFlag } from '../../cli/presenters/backups.js';
import { optionalTagListFlag, parseTagList } from '../../cli/tag-flags.js';
import { copyBackupToRegion } from '../../core/backups/operations.js';

export default class BackupCopyToRegion extends BaseCommand<typeof BackupCopyToRegion> {
  static override summary = 'Copy a READY backup to another region (CloudHSMv2 CopyBackupToRegion).';
  static override description =
    'The copy is READY at once, has no retention (it stays until deleted) and records SourceBackup, SourceCluster, SourceRegion and CopyTimestamp. Copies stay within a partition: GovCloud East and West copy to each other, not to the standard regions.';
  static override examples = ['<%= config.bin %> backup copy-to-region --backup-id backup-ro3ywd2bg5f --destination-region eu-west-1 --tag-list Key=dr,Value=yes --json'];
  static override flags = {
    'backup-id': backupIdFlag,
    'destination-region': Flags.string({ description: 'The region to copy to.', required: true, helpValue: '<REGION>' }),
    'tag-list': optionalTagListFlag('Tags for the copy (1-50).'),
  };

  protected async execute({ flags }: ExecuteInput<typeof BackupCopyToRegion>) {
    const data = await this.perform(copyBackupToRegion, { backupId: flags['backup-id'], destinationRegion: flags['destination-region'], tags: parseTagList(flags['tag-list']) });
    const source = data.DestinationBackup.SourceBackup;
    return { data, text: `Backup ${source} copied to ${flags['destination-region']}; \`backup list --source-backup-id ${source}\` shows the copy.\n` };
  }
}
