import { approvalFlag } from '../../cli/quorum-flags.js';
import { Flags } from '../../cli/oclif.js';
import { BaseCommand, type ExecuteInput } from '../../cli/base-command.js';
import { filterFlag } from '../../cli/key-flags.js';
import { parseKeyFilter } from '../../cli/key-filter.js';
import { setAttribute } from '../../core/keys/operations.js';

export default class KeySetAttribute extends BaseCommand<typeof KeySetAttribute> {
  static override summary = 'Change one attribute of a key you own (an admin may set only trusted).';
  static override examples = ['<%= config.bin %> key set-attribute --filter attr.label=signing-key --name sign --value true', '<%= config.bin %> key set-attribute --filter key-reference=0x00000000000003d5 --name trusted --value true'];
  static override flags = {
    filter: filterFlag('The key (exactly one match).'),
    ...approvalFlag,
    name: Flags.string({ description: 'Attribute name, e.g. label, sign, encrypt, trusted.', required: true, helpValue: '<ATTRIBUTE>' }),
    value: Flags.string({ description: 'New value: true/false, a label, or hex for id.', required: true, helpValue: '<VALUE>' }),
  };

  protected async execute({ flags }: ExecuteInput<typeof KeySetAttribute>) {
    return { data: await this.perform(setAttribute, { filter: parseKeyFilter(flags.filter, '--filter', true), name: flags.name, value: flags.value }) };
  }
}
