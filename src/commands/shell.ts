import { BaseCommand, type ExecuteInput } from '../cli/base-command.js';
import { listClusters } from '../core/cluster/model.js';
import { quickstart } from '../core/cluster/quickstart.js';
import { runShell } from '../shell/shell.js';

export default class Shell extends BaseCommand {
  static override summary = 'Open the interactive operator shell (prompt `aws-cloudhsm > `).';
  static override description = 'Every command of the CLI works without the binary name; the login is kept between lines. On a state folder with no cluster it first creates one (initialized, ready for `cluster activate`). `quit` or Ctrl-D leaves.';
  static override examples = ['<%= config.bin %> shell', '<%= config.bin %> shell --state-dir ./my-state'];

  protected async execute({ runtime }: ExecuteInput) {
    const engine = await this.engine();
    const env = { ...runtime.env, CLOUDHSM_STATE_DIR: this.stateDir, ...(this.clusterId ? { CLOUDHSM_CLUSTER_ID: this.clusterId } : {}) };
    let banner = '';
    const clusters = await engine.store.read((view) => listClusters(view).filter((c) => c.state !== 'DELETED'));
    if (clusters.length === 0) {
      runtime.stdout.write('No cluster in this state folder yet: creating one with two HSMs...\n');
      const { cluster } = await quickstart(engine, {});
      banner = `Created cluster ${String(cluster.ClusterId)} (INITIALIZED). Run \`cluster activate\` to set the admin password.\n`;
    }
    const code = await runShell({
      input: process.stdin,
      output: process.stdout,
      errorOutput: process.stderr,
      terminal: Boolean(process.stdin.isTTY),
      env,
      config: this.config,
      alwaysJson: runtime.alwaysJson,
      banner,
    });
    return { data: undefined, silent: true, exitCode: code };
  }
}
