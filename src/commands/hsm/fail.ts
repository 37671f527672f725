import { Flags } from '../../cli/oclif.js';
import { BaseCommand, type ExecuteInput } from '../../cli/base-command.js';
import { FAILURE_MODES, MAX_REPLACEMENT_DELAY_MINUTES, failHsm } from '../../core/cluster/failure.js';
import { describeReplacement } from '../../core/cluster/replacement.js';

export default class HsmFail extends BaseCommand<typeof HsmFail> {
  static override summary = 'Make an HSM fail, to rehearse what the service does (fault injection).';
  static override description = [
    'The HSM becomes DEGRADED and so does the cluster; work in flight on it fails. The service then replaces it: a new HSM ID in the same availability zone, with the same ENI and IP address.',
    'The replacement copies an ACTIVE HSM when one is left, so nothing is lost. With none left (a one-HSM cluster), it is restored from the newest backup, and the users and token keys made since that backup are gone: the output names them.',
    'unhealthy: a health fault; the HSM keeps its contents until it is replaced. zeroize: the HSM is wiped at once (no login is needed for that, as on a real HSM).',
    `--replace-after-minutes delays the replacement (cluster time, at most ${MAX_REPLACEMENT_DELAY_MINUTES}), so that you can watch the degraded cluster; \`clock advance --minutes N\` gets there.`,
  ].join('\n\n');
  static override examples = [
    '<%= config.bin %> hsm fail --hsm-id hsm-ab3cdefgh4i',
    '<%= config.bin %> hsm fail --eni-ip 10.0.0.17 --mode zeroize --replace-after-minutes 30',
  ];
  static override flags = {
    'hsm-id': Flags.string({ description: 'HSM id.', exactlyOne: ['hsm-id', 'eni-ip'], helpValue: '<HSM_ID>' }),
    'eni-ip': Flags.string({ description: 'ENI IP address of the HSM.', helpValue: '<IP>' }),
    mode: Flags.string({ description: 'How it fails.', options: [...FAILURE_MODES], default: 'unhealthy' }),
    'replace-after-minutes': Flags.integer({ description: 'Minutes of cluster time before the service replaces it (default 0: at once).', helpValue: '<N>' }),
  };

  protected async execute({ flags }: ExecuteInput<typeof HsmFail>) {
    const data = await this.perform(failHsm, { hsmId: flags['hsm-id'], eniIp: flags['eni-ip'], mode: flags.mode, replaceAfterMinutes: flags['replace-after-minutes'] });
    const failed = `${data.Hsm.HsmId} (${data.Hsm.EniIp}) failed (${flags.mode}).\n`;
    const text = data.Replacement
      ? `${failed}${describeReplacement(data.Replacement)}.\n`
      : `${failed}The cluster is DEGRADED; the service replaces the HSM at ${data.ReplacementAt} (cluster time): \`clock advance\` gets there.\n`;
    return { data, text };
  }
}
