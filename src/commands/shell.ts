import fs from 'node:fs';
import { Flags } from '../cli/oclif.js';
import { BaseCommand, type ExecuteInput } from '../cli/base-command.js';
import { perform } from '../core/engine.js';
import { describeClusters } from '../core/cluster/operations.js';
import { quickstart } from '../core/cluster/quickstart.js';
import { HsmError } from '../core/errors.js';
import { DIALECTS, runShell } from '../shell/shell.js';

export default class Shell extends BaseCommand<typeof Shell> {
  static override summary = 'Open the interactive operator shell (prompt `aws-cloudhsm > `).';
  static override description = [
    'Every command of the CLI works without the binary name; the login is kept between lines. On a state folder with no cluster it first creates one (initialized, ready for `cluster activate`). `quit` or Ctrl-D leaves.',
    'Tab completes commands, flags, flag values, user names and the labels and references of your keys. History is kept per state folder, without passwords; `history` lists it.',
    'Scripts: `--file script.txt` or piped input runs the lines in order (`#` comments and blank lines skipped), and exits 1 naming each line that failed; `--stop-on-error` stops at the first. A `login` line without a password takes it from CLOUDHSM_PIN.',
    '`--dialect cmu` speaks cloudhsm_mgmt_util and `--dialect kmu` key_mgmt_util, printing only what those tools print; `help` in a dialect says where to find the modern command for each legacy one. With `--explain`, a legacy command that fails also says why on standard error.',
  ].join('\n\n');
  static override examples = [
    '<%= config.bin %> shell',
    '<%= config.bin %> shell --state-dir ./my-state',
    'CLOUDHSM_PIN="alice:$PW" <%= config.bin %> shell --file setup.txt --stop-on-error',
    '<%= config.bin %> shell --dialect cmu',
    '<%= config.bin %> shell --dialect kmu --explain',
  ];
  static override flags = {
    file: Flags.string({ description: 'Run the lines of this file instead of reading the terminal.', helpValue: '<FILE>' }),
    'stop-on-error': Flags.boolean({ description: 'Stop a script at the first line that fails.' }),
    dialect: Flags.option({ description: 'Command language: the CloudHSM CLI (default), cloudhsm_mgmt_util (cmu) or key_mgmt_util (kmu).', options: DIALECTS, default: 'cloudhsm-cli' })(),
    explain: Flags.boolean({
      description: 'cmu and kmu dialects: after a failure, say on standard error why it failed and how to fix it (the real tools print only their return codes, and so does the dialect on standard output).',
    }),
  };

  protected async execute({ flags, runtime }: ExecuteInput<typeof Shell>) {
    let input: NodeJS.ReadableStream = process.stdin;
    if (flags.file) {
      try {
        if (!fs.statSync(flags.file).isFile()) throw new Error('it is not a file');
      } catch (err) {
        throw new HsmError('INVALID_ARGUMENT', `cannot read --file ${flags.file}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message}`);
      }
      input = fs.createReadStream(flags.file, 'utf8');
    }
    const engine = await this.engine();
    const env = { ...runtime.env, CLOUDHSM_STATE_DIR: this.stateDir, ...(this.clusterId ? { CLOUDHSM_CLUSTER_ID: this.clusterId } : {}) };
    let banner = '';
    const clusters = (await perform(engine, describeClusters, {})).Clusters.filter((c) => c.State !== 'DELETED');
    if (clusters.length === 0) {
      runtime.stdout.write('No cluster in this state folder yet: creating one with two HSMs...\n');
      const { cluster } = await quickstart(await this.engine({ create: true }), {});
      banner = `Created cluster ${cluster.ClusterId} (INITIALIZED). Run \`cluster activate\` to set the admin password.\n`;
    }
    const code = await runShell({
      input,
      output: process.stdout,
      errorOutput: process.stderr,
      // isTTY is undefined, not false, when standard input is not a terminal.
      // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-conversion
      terminal: !flags.file && Boolean(process.stdin.isTTY),
      env,
      config: this.config,
      engine: () => this.engine(),
      stateDir: this.stateDir,
      alwaysJson: runtime.alwaysJson || flags.json,
      compat: runtime.compat,
      banner,
      dialect: flags.dialect,
      explain: flags.explain,
      source: flags.file ?? '<stdin>',
      stopOnError: flags['stop-on-error'],
      commands: runtime.commands,
    });
    return { data: undefined, silent: true, exitCode: code };
  }
}
