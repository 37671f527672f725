import { Flags } from '../../cli/oclif.js';
import { BaseCommand, type ExecuteInput } from '../../cli/base-command.js';
import { keyIdFlag } from '../../cli/kms-flags.js';
import { scheduleKmsKeyDeletion } from '../../core/kms/keys.js';

export default class KmsScheduleKeyDeletion extends BaseCommand<typeof KmsScheduleKeyDeletion> {
  static override summary = 'Schedule the deletion of a KMS key after 7 to 30 days of cluster time (KMS ScheduleKeyDeletion).';
  static override examples = ['<%= config.bin %> kms schedule-key-deletion --key-id 1234abcd-12ab-34cd-56ef-1234567890ab --pending-window-in-days 7'];
  static override flags = {
    'key-id': keyIdFlag,
    'pending-window-in-days': Flags.integer({ description: 'Days before the key is deleted, 7 to 30 (default 30).', helpValue: '<DAYS>' }),
  };

  protected async execute({ flags }: ExecuteInput<typeof KmsScheduleKeyDeletion>) {
    return { data: await this.perform(scheduleKmsKeyDeletion, { KeyId: flags['key-id'], PendingWindowInDays: flags['pending-window-in-days'] }) };
  }
}
