import { Flags } from '../../cli/oclif.js';
import { BaseCommand, type ExecuteInput } from '../../cli/base-command.js';
import { clockText, presentClock } from '../../cli/presenters/clusters.js';
import { advanceClock } from '../../core/time/operations.js';

export default class ClockAdvance extends BaseCommand<typeof ClockAdvance> {
  static override summary = 'Move the cluster time forward by days, hours and minutes.';
  static override description =
    'Everything made afterwards is stamped with the later time, and what expires with time (a DELETED cluster leaving `cluster list`, daily backups and their retention, the replacement of a failed HSM) sees it. The clock never goes back.';
  static override examples = ['<%= config.bin %> clock advance --days 8', '<%= config.bin %> clock advance --hours 25 --json'];
  static override flags = {
    days: Flags.integer({ description: 'Whole days to move forward (0 or more).', helpValue: '<N>' }),
    hours: Flags.integer({ description: 'Whole hours to move forward (0 or more).', helpValue: '<N>' }),
    minutes: Flags.integer({ description: 'Whole minutes to move forward (0 or more).', helpValue: '<N>' }),
  };

  protected async execute({ flags }: ExecuteInput<typeof ClockAdvance>) {
    const reading = await this.perform(advanceClock, { days: flags.days, hours: flags.hours, minutes: flags.minutes });
    return { data: presentClock(reading), text: clockText(reading) };
  }
}
