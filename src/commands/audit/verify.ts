import { BaseCommand } from '../../cli/base-command.js';
import { verifyAudit } from '../../core/audit/operations.js';

export default class AuditVerify extends BaseCommand<typeof AuditVerify> {
  static override summary = 'Check that no audit event was changed, removed, reordered or cut off.';
  static override description =
    'Each stream must count its events from 0 with no gap, and each event must carry the MAC that chains it to the one before (an extension of cloudhsm-local: the real service only numbers them). Names the first event that does not verify and why, with exit status 1.';
  static override examples = ['<%= config.bin %> audit verify', '<%= config.bin %> audit verify --json'];

  protected async execute() {
    const data = await this.perform(verifyAudit, {});
    return { data, text: `The audit log verifies: ${data.events} events in ${data.streams} streams.\n` };
  }
}
