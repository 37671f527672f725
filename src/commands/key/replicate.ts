import { Flags } from '../../cli/oclif.js';
import { BaseCommand, type ExecuteInput } from '../../cli/base-command.js';
import { filterFlag } from '../../cli/key-flags.js';
import { parseKeyFilter } from '../../cli/key-filter.js';
import { HsmError } from '../../core/errors.js';
import { replicateKey } from '../../core/keys/replicate.js';
import { presentKey } from '../../cli/presenters/keys.js';

export default class KeyReplicate extends BaseCommand<typeof KeyReplicate> {
  static override summary = 'Copy a key to a clone cluster (same reference, owner and sharees).';
  static override description = 'Log in to the source as usual (CLOUDHSM_ROLE/CLOUDHSM_PIN) and to the destination with DESTINATION_CLOUDHSM_ROLE and DESTINATION_CLOUDHSM_PIN.';
  static override examples = ['<%= config.bin %> key replicate --filter attr.label=payments --source-cluster-id cluster-aaaaaaaaaaa --destination-cluster-id cluster-bbbbbbbbbbb'];
  static override flags = {
    filter: filterFlag('The key (exactly one match).'),
    'source-cluster-id': Flags.string({ description: 'The cluster holding the key.', required: true, helpValue: '<CLUSTER_ID>' }),
    'destination-cluster-id': Flags.string({ description: 'The clone cluster to copy it to.', required: true, helpValue: '<CLUSTER_ID>' }),
  };

  protected override get clusterId(): string | undefined {
    const id = this.flagValues['source-cluster-id'];
    return typeof id === 'string' ? id : undefined;
  }

  protected async execute({ flags, runtime }: ExecuteInput<typeof KeyReplicate>) {
    const { DESTINATION_CLOUDHSM_ROLE: role, DESTINATION_CLOUDHSM_PIN: pin } = runtime.env;
    let destinationCredentials;
    if (role || pin) {
      const colon = pin?.indexOf(':') ?? -1;
      if (!role || !pin || colon <= 0 || (role !== 'admin' && role !== 'crypto-user')) {
        throw new HsmError('INVALID_ARGUMENT', 'set DESTINATION_CLOUDHSM_ROLE (admin or crypto-user) and DESTINATION_CLOUDHSM_PIN (username:password) for the destination cluster');
      }
      destinationCredentials = { role, username: pin.slice(0, colon), password: pin.slice(colon + 1) } as const;
    }
    const { key } = await this.perform(replicateKey, { filter: parseKeyFilter(flags.filter, '--filter', true), destinationClusterId: flags['destination-cluster-id'], destinationCredentials });
    return { data: { key: presentKey(key), message: 'Successfully replicated key' } };
  }
}
