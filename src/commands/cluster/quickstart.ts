import { Flags } from '../../cli/oclif.js';
import { BaseCommand, passwordFlags, type ExecuteInput } from '../../cli/base-command.js';
import { quickstart } from '../../core/cluster/quickstart.js';
import { CLUSTER_MODES, HSM_TYPES } from '../../core/cluster/model.js';
import { optionalTagListFlag, parseTagList } from '../../cli/tag-flags.js';

export default class ClusterQuickstart extends BaseCommand<typeof ClusterQuickstart> {
  static override summary = 'Create, initialize and activate a cluster with two HSMs in one step.';
  static override description = 'Creates the cluster, adds HSMs in two availability zones, signs the CSR with a new local issuing CA, initializes, and activates with the admin password (prompted when omitted on a terminal).';
  static override examples = ['<%= config.bin %> cluster quickstart', 'echo "$ADMIN_PASSWORD" | <%= config.bin %> cluster quickstart --password-stdin --trust-anchor-out customerCA.crt'];
  static override flags = {
    ...passwordFlags,
    'hsm-type': Flags.option({ description: 'HSM type.', options: HSM_TYPES, default: 'hsm2m.medium' })(),
    mode: Flags.option({ description: 'FIPS or NON_FIPS.', options: CLUSTER_MODES, default: 'FIPS' })(),
    region: Flags.string({ description: 'Region of the cluster.', default: 'us-east-1' }),
    'trust-anchor-out': Flags.string({ description: 'Write the issuing CA certificate (customerCA.crt) to this file.', helpValue: '<FILE>' }),
    'tag-list': optionalTagListFlag('Tags for the cluster (1-50); --tags works too.'),
  };

  protected async execute({ flags }: ExecuteInput<typeof ClusterQuickstart>) {
    const tags = parseTagList(flags['tag-list']);
    const password = await this.password(flags, { confirm: true, what: 'the new admin password' });
    const result = await quickstart(await this.engine({ create: true }), { hsmType: flags['hsm-type'], mode: flags.mode, region: flags.region, password, tags });
    if (flags['trust-anchor-out']) this.writeFile('trust-anchor-out', flags['trust-anchor-out'], result.trustAnchorPem);
    const id = result.cluster.ClusterId;
    return {
      data: result.cluster,
      text: `Cluster ${id} is ACTIVE with ${result.cluster.Hsms.length} HSMs.\nNext: log in with \`login --username admin --role admin\` (in \`cloudhsm-local shell\`), or set CLOUDHSM_ROLE=admin and CLOUDHSM_PIN=admin:PASSWORD, then create users with \`user create\`.\n`,
    };
  }
}
