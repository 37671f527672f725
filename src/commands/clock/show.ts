import { BaseCommand } from '../../cli/base-command.js';
import { clockText, presentClock } from '../../cli/presenters/clusters.js';
import { showClock } from '../../core/time/operations.js';

export default class ClockShow extends BaseCommand<typeof ClockShow> {
  static override summary = 'Show the cluster time: the simulated clock that every timestamp and expiry of this state folder follows.';
  static override description = 'Cluster time is real time until `clock advance` or `clock set` moves it forward; it then keeps running from there. Every process and shell on the state folder sees the same cluster time.';
  static override examples = ['<%= config.bin %> clock show', '<%= config.bin %> clock show --json'];

  protected async execute() {
    const reading = await this.perform(showClock, {});
    return { data: presentClock(reading), text: clockText(reading) };
  }
}
