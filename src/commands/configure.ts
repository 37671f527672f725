import { Flags } from '../cli/oclif.js';
import { BaseCommand, type ExecuteInput } from '../cli/base-command.js';
import { configureClient } from '../core/client/config.js';

export default class Configure extends BaseCommand<typeof Configure> {
  static override summary = 'Show or change the client configuration (as the SDK 5 configure tool does).';
  static override description =
    'The key availability check: when enabled, a token key is used only once it is on at least 2 ACTIVE HSMs, and key use on a one-HSM cluster (or on a two-HSM cluster while one is replaced) fails with "Key <handle> does not meet the availability requirements". The real client has it on by default; here it is off until you enable it. With no flag, prints the configuration.';
  static override examples = ['<%= config.bin %> configure --enable-key-availability-check', '<%= config.bin %> configure --json'];
  static override flags = {
    'enable-key-availability-check': Flags.boolean({ description: 'Use a key only once it is on 2 HSMs.', exclusive: ['disable-key-availability-check'] }),
    'disable-key-availability-check': Flags.boolean({ description: 'Use keys on any number of HSMs (the default here).' }),
  };

  protected async execute({ flags }: ExecuteInput<typeof Configure>) {
    const check = flags['enable-key-availability-check'] ? true : flags['disable-key-availability-check'] ? false : undefined;
    const config = await this.perform(configureClient, { keyAvailabilityCheck: check });
    const data = { 'key-availability-check': config.keyAvailabilityCheck ? 'enabled' : 'disabled' };
    return { data, text: `key availability check: ${data['key-availability-check']}\n` };
  }
}
