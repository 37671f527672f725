import { Flags } from '../../cli/oclif.js';
import { BaseCommand, type ExecuteInput } from '../../cli/base-command.js';
import { failNetwork } from '../../core/network/operations.js';
import { MAX_FAILED_CONNECTIONS } from '../../core/network/model.js';

export default class NetworkFail extends BaseCommand<typeof NetworkFail> {
  static override summary = "Make the network between KMS and the cluster fail for the next connection attempts (fault injection).";
  static override description = [
    'A transient network fault: the next KMS custom key store connection attempts to the cluster (one by default) fail with ConnectionErrorCode NETWORK_ERRORS. The fix is the documented one: disconnect the store, wait, connect again; the fault is spent by then, or ended early with `network restore`. Key stores already connected and HSM operations are not affected.',
    'The real service has no such call; there network errors just happen.',
  ].join('\n\n');
  static override examples = ['<%= config.bin %> network fail', '<%= config.bin %> network fail --attempts 3 --cluster-id cluster-igklspoyj5v'];
  static override flags = {
    attempts: Flags.integer({ description: `How many of the next connection attempts fail (1 to ${MAX_FAILED_CONNECTIONS}, default 1).`, helpValue: '<N>' }),
  };

  protected async execute({ flags }: ExecuteInput<typeof NetworkFail>) {
    const data = await this.perform(failNetwork, { attempts: flags.attempts });
    return { data, text: `The next ${data.FailingConnectionAttempts} KMS connection attempt(s) to cluster ${data.ClusterId} fail with NETWORK_ERRORS (fault injection); \`network restore\` ends it sooner.\n` };
  }
}
