import { Flags } from '../../cli/oclif.js';
import { BaseCommand, type ExecuteInput } from '../../cli/base-command.js';
import { filterFlag } from '../../cli/key-flags.js';
import { parseKeyFilter } from '../../cli/key-filter.js';
import { renderText } from '../../cli/output.js';
import { listKeys } from '../../core/keys/operations.js';
import { presentKeyListing } from '../../cli/presenters/keys.js';
import { formatReference } from '../../core/keys/model.js';

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
    const listing = await this.perform(listKeys, { filter: parseKeyFilter(flags.filter, '--filter', false), maxItems: flags['max-items'], startingToken: flags['starting-token'], verbose: flags.verbose });
    const data = presentKeyListing(listing);
    // --verbose adds the columns; an admin's listing has no more than labels to fill them with.
    const rows = listing.keys.map((k) => ({
      'key-reference': formatReference(k.ref),
      label: k.label,
      ...(flags.verbose ? { class: listing.verbose ? k.class : undefined, 'key-type': listing.verbose ? k.keyType : undefined } : {}),
    }));
    const more = listing.nextToken ? `\n${listing.keys.length} of ${listing.totalKeyCount}; next page: --starting-token ${listing.nextToken}\n` : '';
    return { data, text: `${renderText({ keys: rows })}${more}` };
  }
}
