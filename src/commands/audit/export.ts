import { Flags } from '../../cli/oclif.js';
import { BaseCommand, type ExecuteInput } from '../../cli/base-command.js';
import { writeOutputFile } from '../../cli/files.js';
import { listAuditEvents } from '../../core/audit/operations.js';

export default class AuditExport extends BaseCommand<typeof AuditExport> {
  static override summary = 'Write the audit log to a file as JSON Lines, for a SIEM.';
  static override description = 'One event a line, in time order, each with its log group and stream and its chain hashes. The same filters as `audit list`.';
  static override examples = ['<%= config.bin %> audit export --out audit.jsonl'];
  static override flags = {
    out: Flags.string({ description: 'The file to write.', required: true, helpValue: '<FILE>' }),
    'hsm-id': Flags.string({ description: 'Only this HSM\'s stream.', helpValue: '<HSM_ID>' }),
    since: Flags.string({ description: 'Only events at or after this time (cluster time, ISO 8601).', helpValue: '<TIME>' }),
    until: Flags.string({ description: 'Only events at or before this time.', helpValue: '<TIME>' }),
  };

  protected async execute({ flags }: ExecuteInput<typeof AuditExport>) {
    const { events } = await this.perform(listAuditEvents, { hsmId: flags['hsm-id'], since: flags.since, until: flags.until });
    writeOutputFile('the audit log', flags.out, events.map((e) => `${JSON.stringify(e)}\n`).join(''), false);
    return { data: { events: events.length, file: flags.out }, text: `Wrote ${events.length} audit events to ${flags.out}.\n` };
  }
}
