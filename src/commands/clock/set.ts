import { Args } from '../../cli/oclif.js';
import { BaseCommand, type ExecuteInput } from '../../cli/base-command.js';
import { clockText, presentClock } from '../../cli/presenters/clusters.js';
import { setClock } from '../../core/time/operations.js';

export default class ClockSet extends BaseCommand<typeof ClockSet> {
  static override summary = 'Move the cluster time forward to a given moment (never back).';
  static override description =
    'TIME is ISO 8601: a date (midnight UTC) or a date and time with its zone. A moment before the current cluster time is refused and nothing changes; the clock keeps running from the moment set.';
  static override examples = ['<%= config.bin %> clock set 2030-01-01', '<%= config.bin %> clock set 2030-01-01T09:30:00Z --json'];
  static override args = { time: Args.string({ description: 'The new cluster time (2030-01-01, 2030-01-01T09:30:00Z, 2030-01-01T10:30:00+01:00).', required: true }) };

  protected async execute({ args }: ExecuteInput<typeof ClockSet>) {
    const reading = await this.perform(setClock, { time: args.time });
    return { data: presentClock(reading), text: clockText(reading) };
  }
}
