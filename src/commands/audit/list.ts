import { Flags } from '../../cli/oclif.js';
import { BaseCommand, type ExecuteInput } from '../../cli/base-command.js';
import { listAuditEvents } from '../../core/audit/operations.js';
import { renderAuditEvent } from '../../core/audit/log.js';

export default class AuditList extends BaseCommand<typeof AuditList> {
  static override summary = 'Show the HSM audit log, as CloudWatch Logs shows it.';
  static override description =
    'One log group per cluster (/aws/cloudhsm/<cluster ID>) and one stream per HSM ID. Events are shown in time order across streams, in the readable form of the HSM audit log; --json gives them as objects with their log group and stream. Ordinary cryptographic use (sign, encrypt) is not logged, as on the real HSM.';
  static override examples = [
    '<%= config.bin %> audit list',
    '<%= config.bin %> audit list --opcode CN_LOGIN --user alice --since 2026-12-06T00:00:00Z',
    '<%= config.bin %> audit list --hsm-id hsm-ab3cdefgh4i --json',
  ];
  static override flags = {
    'hsm-id': Flags.string({ description: 'Only this HSM\'s stream.', helpValue: '<HSM_ID>' }),
    since: Flags.string({ description: 'Only events at or after this time (cluster time, ISO 8601).', helpValue: '<TIME>' }),
    until: Flags.string({ description: 'Only events at or before this time.', helpValue: '<TIME>' }),
    user: Flags.string({ description: 'Only events naming this user.', helpValue: '<USERNAME>' }),
    opcode: Flags.string({ description: 'Only events of this opcode (CN_LOGIN, CN_CREATE_USER, CN_GENERATE_KEY, ...).', helpValue: '<OPCODE>' }),
  };

  protected async execute({ flags }: ExecuteInput<typeof AuditList>) {
    const data = await this.perform(listAuditEvents, { hsmId: flags['hsm-id'], since: flags.since, until: flags.until, user: flags.user, opcode: flags.opcode });
    const text = data.events.length ? data.events.map((e) => `Log group : ${e.logGroup}   Log stream : ${e.logStream}\n${renderAuditEvent(e)}`).join('\n') : 'No audit events.\n';
    return { data, text };
  }
}
