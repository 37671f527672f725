import { BaseCommand, type ExecuteInput } from '../../cli/base-command.js';
import { filterFlag } from '../../cli/key-flags.js';
import { parseKeyFilter } from '../../cli/key-filter.js';
import { deleteKey } from '../../core/keys/operations.js';

export default class KeyDelete extends BaseCommand<typeof KeyDelete> {
  static override summary = 'Delete one key you own.';
  static override examples = ['<%= config.bin %> key delete --filter key-reference=0x00000000000003d5', '<%= config.bin %> key delete --filter attr.label=old-key'];
  static override flags = { filter: filterFlag('The key to delete (exactly one match).') };

  protected async execute({ flags }: ExecuteInput<typeof KeyDelete>) {
    return { data: await this.perform(deleteKey, { filter: parseKeyFilter(flags.filter, '--filter', true) }) };
  }
}
