/**
 * The subnet fault-injection commands that act on one subnet (`subnet delete | restore |
 * exhaust-addresses | free-addresses`): one flag, one core operation, the subnet as it is after.
 */
import { Flags } from './oclif.js';
import { BaseCommand } from './base-command.js';
import type { Operation } from '../core/engine.js';
import type { SubnetDescription, SubnetInput } from '../core/network/operations.js';

export const subnetIdFlag = Flags.string({ description: 'The subnet: one in a cluster\'s SubnetMapping (`subnet list` shows them).', required: true, helpValue: '<SUBNET_ID>' });

export abstract class SubnetCommand extends BaseCommand<typeof SubnetCommand> {
  static override flags = { 'subnet-id': subnetIdFlag };

  /** The operation this command runs on the subnet. */
  protected abstract readonly operation: Operation<SubnetInput, { Subnet: SubnetDescription }>;
  /** What it did, for a person. */
  protected abstract describe(subnet: SubnetDescription): string;

  protected async execute() {
    const data = await this.perform(this.operation, { subnetId: this.flagValues['subnet-id'] as string });
    return { data, text: `${this.describe(data.Subnet)}\n` };
  }
}
