import { Flags } from '../../cli/oclif.js';
import { BaseCommand, type ExecuteInput } from '../../cli/base-command.js';
import { initializeCluster } from '../../core/cluster/operations.js';

export default class ClusterInitialize extends BaseCommand<typeof ClusterInitialize> {
  static override summary = 'Initialize the cluster with its signed certificate and your trust anchor (CloudHSMv2 InitializeCluster).';
  static override description = 'The certificate must be for the cluster CSR\'s key and issued directly by the trust anchor, a self-signed RSA 2048 or 4096 CA certificate.';
  static override examples = ['<%= config.bin %> cluster initialize --signed-cert cluster.crt --trust-anchor customerCA.crt'];
  static override flags = {
    'signed-cert': Flags.string({ description: 'The cluster certificate (PEM) signed by your CA.', required: true, helpValue: '<FILE>' }),
    'trust-anchor': Flags.string({ description: 'Your issuing CA certificate (PEM).', required: true, helpValue: '<FILE>' }),
  };

  protected async execute({ flags }: ExecuteInput<typeof ClusterInitialize>) {
    const data = await this.perform(initializeCluster, {
      signedCertPem: this.readFile('signed-cert', flags['signed-cert']),
      trustAnchorPem: this.readFile('trust-anchor', flags['trust-anchor']),
    });
    return { data, text: 'Cluster initializing (INITIALIZE_IN_PROGRESS, ready as INITIALIZED).\nNext: cluster activate\n' };
  }
}
