import fs from 'node:fs';
import path from 'node:path';
import { Flags } from '../cli/oclif.js';
import { BaseCommand, type ExecuteInput } from '../cli/base-command.js';
import { HsmError } from '../core/errors.js';
import { readInputFile } from '../cli/files.js';
import { parseCredentials, type ServiceCredential } from '../server/sigv4.js';

/** A credentials file lists a few access keys; this is far more than any needs. */
const MAX_CREDENTIALS_BYTES = 1024 * 1024;

export default class Serve extends BaseCommand<typeof Serve> {
  static override summary = 'Serve the AWS KMS API and the CloudHSM cluster API on a local endpoint, for the AWS SDKs and the AWS CLI (--endpoint-url).';
  static override description = [
    'Speaks the AWS JSON 1.1 protocol of KMS (TrentService) and of the CloudHSM cluster API (BaldrApiService: clusters, HSMs, backups, tags) over the same state folder as the commands and shells, safely beside them. It listens on loopback unless --host says otherwise. One line per request goes to standard error; SIGINT or SIGTERM stops it.',
    'By default requests are accepted with any SigV4 credentials (or none), as local AWS emulators accept them, and act as the account root (arn:aws:iam::000000000000:root). With --credentials FILE (or env CLOUDHSM_SERVE_CREDENTIALS=FILE) every request must carry a valid AWS Signature Version 4 made with an access key the file lists: a JSON list of {"accessKeyId": "...", "secretAccessKey": "...", "principal": "arn:aws:iam::111122223333:user/NAME"} entries (principal optional, default the account root), which the request then acts as. Refusals are AWS\'s: MissingAuthenticationTokenException (unsigned), IncompleteSignatureException (a part missing), UnrecognizedClientException (an access key not listed), InvalidSignatureException (a wrong secret, a changed request, or a clock more than 15 minutes off), all HTTP 400. Keep the file readable by you only (chmod 600).',
    'Point a client at it: `aws --endpoint-url http://127.0.0.1:4599 kms list-keys`, or `new KMSClient({ endpoint: "http://127.0.0.1:4599", region: "us-east-1" })`.',
    'With --pkcs11 it also serves PKCS #11 programs, beside the AWS APIs: the server side of p11-kit\'s RPC protocol on a Unix socket (owner-only, mode 0600; by default pkcs11.sock in the state folder). Load p11-kit\'s client module and point it at the socket: `P11_KIT_SERVER_ADDRESS=unix:path=SOCKET pkcs11-tool --module /usr/lib/x86_64-linux-gnu/pkcs11/p11-kit-client.so --list-slots`. One slot per cluster; log in with the PIN username:password of a crypto user.',
  ].join('\n\n');
  static override examples = ['<%= config.bin %> serve', '<%= config.bin %> serve --port 0', '<%= config.bin %> serve --credentials aws-keys.json', '<%= config.bin %> serve --pkcs11 --socket /tmp/hsm.sock'];
  static override flags = {
    port: Flags.integer({ description: 'TCP port (0: any free one, printed).', default: 4599, min: 0, max: 65535, helpValue: '<PORT>' }),
    host: Flags.string({ description: 'Address to listen on.', default: '127.0.0.1', helpValue: '<HOST>' }),
    credentials: Flags.string({ description: 'Require SigV4 signatures made with the access keys this JSON file lists (env CLOUDHSM_SERVE_CREDENTIALS); see below.', helpValue: '<FILE>' }),
    pkcs11: Flags.boolean({ description: 'Also serve PKCS #11 programs through p11-kit\'s client module, on a Unix socket.', default: false }),
    socket: Flags.string({ description: 'The PKCS #11 socket (with --pkcs11; default: pkcs11.sock in the state folder).', helpValue: '<PATH>', dependsOn: ['pkcs11'] }),
  };

  protected async execute({ flags, runtime }: ExecuteInput<typeof Serve>) {
    if (runtime.shell) throw new HsmError('INVALID_ARGUMENT', 'serve runs as a command of its own, not inside the shell; run `cloudhsm-local serve` in another terminal');
    const credentials = this.credentials(flags.credentials ?? runtime.env.CLOUDHSM_SERVE_CREDENTIALS);
    const { createAwsServer } = await import('../server/aws.js');
    const ctx = await this.engine();
    const server = createAwsServer(ctx, { log: (line) => runtime.stderr.write(`${line}\n`), ...(credentials ? { credentials } : {}) });
    await new Promise<void>((resolve, reject) => {
      server.once('error', (err: NodeJS.ErrnoException) =>
        reject(new HsmError('INVALID_ARGUMENT', err.code === 'EADDRINUSE' ? `port ${flags.port} on ${flags.host} is in use; choose another with --port` : `cannot listen on ${flags.host}:${flags.port}: ${err.message}`)),
      );
      server.listen(flags.port, flags.host, resolve);
    });
    const address = server.address();
    const port = typeof address === 'object' && address ? address.port : flags.port;
    const signing = credentials ? `SigV4 required, ${credentials.size} access key${credentials.size === 1 ? '' : 's'}` : 'any credentials accepted';
    if (!credentials && !/^(127\.\d+\.\d+\.\d+|::1|localhost)$/.test(flags.host)) {
      runtime.stderr.write(`Warning: ${flags.host} is reachable beyond this machine and any request is accepted; give --credentials to require signed requests\n`);
    }
    // Both listen before either is announced: a refused socket leaves no "Listening" line behind.
    const pkcs11 = flags.pkcs11 ? await this.servePkcs11(flags.socket, runtime.stderr).catch((err: unknown) => {
      server.close();
      throw err;
    }) : undefined;
    runtime.stderr.write(`Listening on http://${flags.host}:${port} (AWS KMS and CloudHSM APIs; ${signing}); Ctrl-C stops\n`);
    if (pkcs11) runtime.stderr.write(pkcs11.announce);
    await new Promise<void>((resolve) => {
      const stop = () => {
        pkcs11?.close();
        server.close(() => resolve());
      };
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
    return { data: 'Stopped', text: 'Stopped.\n' };
  }

  /** The access keys of the credentials file, when one is named. */
  private credentials(file: string | undefined): Map<string, ServiceCredential> | undefined {
    if (file === undefined) return undefined;
    const what = this.flagValues.credentials === undefined ? 'CLOUDHSM_SERVE_CREDENTIALS' : '--credentials';
    if (file === '') throw new HsmError('INVALID_ARGUMENT', `${what} is empty; name a JSON credentials file, or unset it to accept any credentials`);
    let text: string;
    try {
      text = readInputFile(what, file, MAX_CREDENTIALS_BYTES).toString('utf8');
    } catch (err) {
      throw new HsmError('INVALID_ARGUMENT', (err as Error).message);
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      // The parser's message quotes the text, which holds secrets: only say where to look.
      throw new HsmError('INVALID_ARGUMENT', `${what} ${file} is not JSON; it is a JSON list of {"accessKeyId", "secretAccessKey", "principal"?} entries`);
    }
    return parseCredentials(json, `${what} ${file}`);
  }

  /** The PKCS #11 socket beside the HTTP endpoint (src/server/pkcs11). */
  private async servePkcs11(socketFlag: string | undefined, stderr: { write: (text: string) => unknown }) {
    const { createPkcs11Server, listenPkcs11 } = await import('../server/pkcs11/server.js');
    const socketPath = path.resolve(socketFlag ?? path.join(this.stateDir, 'pkcs11.sock'));
    const server = createPkcs11Server(await this.engine(), { log: (line) => stderr.write(`${line}\n`) });
    await listenPkcs11(server, socketPath).catch((err: unknown) => {
      throw new HsmError('INVALID_ARGUMENT', `cannot serve PKCS #11: ${err instanceof Error ? err.message : String(err)}`);
    });
    return {
      announce: `PKCS #11 on unix:path=${socketPath}: export P11_KIT_SERVER_ADDRESS=unix:path=${socketPath} and load p11-kit-client.so\n`,
      close: () => server.close(() => fs.rmSync(socketPath, { force: true })),
    };
  }
}
