import { Flags } from '../../../cli/oclif.js';
import { BaseCommand, type ExecuteInput } from '../../../cli/base-command.js';
import { MAX_TOKEN_TIMEOUT_S } from '../../../core/quorum/model.js';
import { setTimeout } from '../../../core/quorum/operations.js';

export default class QuorumTokenSignSetTimeout extends BaseCommand<typeof QuorumTokenSignSetTimeout> {
  static override summary = 'Set how long quorum tokens last, for tokens generated from now on; admin only.';
  static override examples = ['<%= config.bin %> quorum token-sign set-timeout --generated 300', '<%= config.bin %> quorum token-sign set-timeout --approved 900'];
  static override flags = {
    generated: Flags.integer({ description: `Seconds a generated token lasts (1-${MAX_TOKEN_TIMEOUT_S}).`, exactlyOne: ['generated', 'approved'], helpValue: '<SECONDS>' }),
    approved: Flags.integer({ description: `Seconds an approved token lasts (1-${MAX_TOKEN_TIMEOUT_S}).`, exactlyOne: ['generated', 'approved'], helpValue: '<SECONDS>' }),
  };

  protected async execute({ flags }: ExecuteInput<typeof QuorumTokenSignSetTimeout>) {
    return { data: await this.perform(setTimeout, { generated: flags.generated, approved: flags.approved }) };
  }
}
