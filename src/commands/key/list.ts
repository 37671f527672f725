import { Flags } from '../../cli/oclif.js';
import { BaseCommand, type ExecuteInput } from '../../cli/base-command.js';
import { filterFlag } from '../../cli/key-flags.js';
import { renderText } from '../../cli/output.js';
import { listKeys } from '../../core/keys/operations.js';

export default class KeyList extends BaseCommand<typeof KeyList> {
  static override summary = 'List the keys you own, keys shared with you, and every public key.';
  static override examples = ['<%= config.bin %> key list', '<%= config.bin %> key list --filter attr.label=signing-key --verbose', '<%= config.bin %> key list --max-items 50 --starting-token 10'];
  static override flags = {
    filter: filterFlag('Only keys matching these terms.', false),
    'max-items': Flags.integer({ description: 'Keys per page.', default: 10, min: 1 }),
    'starting-token': Flags.string({ description: 'Resume from the next_token of an earlier listing.', helpValue: '<TOKEN>' }),
    verbose: Flags.boolean({ char: 'v', description: 'Show key-info and every attribute (crypto users).' }),
  };

  protected async execute({ flags }: ExecuteInput<typeof KeyList>) {
    const data = await this.perform(listKeys, { filter: flags.filter, maxItems: flags['max-items'], startingToken: flags['starting-token'], verbose: flags.verbose });
    const rows = (data.matched_keys as Array<{ 'key-reference': string; attributes: Record<string, unknown> }>).map((k) => ({
      'key-reference': k['key-reference'],
      label: k.attributes.label,
      ...(flags.verbose ? { class: k.attributes.class, 'key-type': k.attributes['key-type'] } : {}),
    }));
    const more = data.next_token ? `\n${data.returned_key_count} of ${data.total_key_count}; next page: --starting-token ${data.next_token}\n` : '';
    return { data, text: `${renderText({ keys: rows })}${more}` };
  }
}
