import { Flags } from '../../cli/oclif.js';
import { BaseCommand, type ExecuteInput } from '../../cli/base-command.js';
import { getCsr } from '../../core/cluster/operations.js';

export default class ClusterGetCsr extends BaseCommand<typeof ClusterGetCsr> {
  static override summary = "Fetch the cluster's PKCS#10 CSR (only while the cluster is UNINITIALIZED).";
  static override description = "Sign it with your issuing CA, e.g.\n  openssl x509 -req -days 3652 -in cluster.csr -CA customerCA.crt -CAkey customerCA.key -CAcreateserial -out cluster.crt\nthen run `cluster initialize`.";
  static override examples = ['<%= config.bin %> cluster get-csr --out cluster.csr'];
  static override flags = {
    out: Flags.string({ description: 'Write the CSR (PEM) to this file instead of printing it.', helpValue: '<FILE>' }),
  };

  protected async execute({ flags }: ExecuteInput<typeof ClusterGetCsr>) {
    const data = await this.perform(getCsr, {});
    if (flags.out) {
      this.writeFile('out', flags.out, data.ClusterCsr);
      return { data: { ...data, path: flags.out }, text: `Wrote the cluster CSR to ${flags.out}\n` };
    }
    return { data, text: data.ClusterCsr };
  }
}
