import { Flags } from '../cli/oclif.js';
import { BaseCommand, type ExecuteInput } from '../cli/base-command.js';
import { HsmError } from '../core/errors.js';

export default class Serve extends BaseCommand<typeof Serve> {
  static override summary = 'Serve the AWS KMS API and the CloudHSM cluster API on a local endpoint, for the AWS SDKs and the AWS CLI (--endpoint-url).';
  static override description = [
    'Speaks the AWS JSON 1.1 protocol of KMS (TrentService) and of the CloudHSM cluster API (BaldrApiService: clusters, HSMs, backups, tags) over the same state folder as the commands and shells, safely beside them. Requests are accepted with any SigV4 credentials, as local AWS emulators do; it listens on loopback unless --host says otherwise. One line per request goes to standard error; SIGINT or SIGTERM stops it.',
    'Point a client at it: `aws --endpoint-url http://127.0.0.1:4599 kms list-keys`, or `new KMSClient({ endpoint: "http://127.0.0.1:4599", region: "us-east-1" })`.',
  ].join('\n\n');
  static override examples = ['<%= config.bin %> serve', '<%= config.bin %> serve --port 0'];
  static override flags = {
    port: Flags.integer({ description: 'TCP port (0: any free one, printed).', default: 4599, min: 0, max: 65535, helpValue: '<PORT>' }),
    host: Flags.string({ description: 'Address to listen on.', default: '127.0.0.1', helpValue: '<HOST>' }),
  };

  protected async execute({ flags, runtime }: ExecuteInput<typeof Serve>) {
    if (runtime.shell) throw new HsmError('INVALID_ARGUMENT', 'serve runs as a command of its own, not inside the shell; run `cloudhsm-local serve` in another terminal');
    const { createAwsServer } = await import('../server/aws.js');
    const ctx = await this.engine();
    const server = createAwsServer(ctx, { log: (line) => runtime.stderr.write(`${line}\n`) });
    await new Promise<void>((resolve, reject) => {
      server.once('error', (err: NodeJS.ErrnoException) =>
        reject(new HsmError('INVALID_ARGUMENT', err.code === 'EADDRINUSE' ? `port ${flags.port} on ${flags.host} is in use; choose another with --port` : `cannot listen on ${flags.host}:${flags.port}: ${err.message}`)),
      );
      server.listen(flags.port, flags.host, resolve);
    });
    const address = server.address();
    const port = typeof address === 'object' && address ? address.port : flags.port;
    runtime.stderr.write(`Listening on http://${flags.host}:${port} (AWS KMS and CloudHSM APIs); Ctrl-C stops\n`);
    await new Promise<void>((resolve) => {
      const stop = () => server.close(() => resolve());
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
    return { data: 'Stopped', text: 'Stopped.\n' };
  }
}
