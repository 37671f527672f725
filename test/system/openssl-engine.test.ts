/**
 * SSL offload with OpenSSL, the way CloudHSM users run it: OpenSC's libp11 engine (Debian's
 * libengine-pkcs11-openssl) loads p11-kit's client module (p11-kit-client.so) and signs with keys
 * that the project's CLI made in the cluster served by `serve --pkcs11`. OpenSSL makes a
 * self-signed certificate for an EC and an RSA key, and then serves TLS 1.3 with each: the
 * handshake's signature (ECDSA, RSA-PSS) is made by the emulated HSM, and the client verifies it
 * against the certificate.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { runBin, tempDir } from '../support/helpers.js';
import { sleep, type Served } from '../support/processes.js';
import { P11KIT_CLIENT_MODULES, PKCS11_ALICE_PIN, findProgram, requireProgram, servePkcs11Cluster } from '../support/system.js';

/** Where Debian's libengine-pkcs11-openssl puts the engine (OpenSSL finds it there by its id, pkcs11), by architecture. */
const ENGINES = ['/usr/lib/x86_64-linux-gnu/engines-3/pkcs11.so', '/usr/lib/aarch64-linux-gnu/engines-3/pkcs11.so'];

describe('system: OpenSSL with the libp11 engine through p11-kit-client.so against serve --pkcs11', function () {
  this.timeout(180_000);
  let openssl: string;
  let work: string;
  let env: NodeJS.ProcessEnv;
  let served: Served | undefined;

  const keyUri = (label: string) => `pkcs11:object=${label};type=private;pin-value=${PKCS11_ALICE_PIN}`;
  const ssl = (args: string[]) => spawnSync(openssl, args, { cwd: work, encoding: 'utf8', timeout: 60_000, env, input: '' });

  before(async function () {
    openssl = requireProgram(this, 'openssl', findProgram(['/usr/bin/openssl'], 'openssl'), 'apt-get install openssl');
    requireProgram(this, "OpenSC's libp11 engine for OpenSSL", ENGINES.find((e) => fs.existsSync(e)), 'apt-get install libengine-pkcs11-openssl (see README, "System tests")');
    const module = requireProgram(this, "p11-kit's client module", P11KIT_CLIENT_MODULES.find((m) => fs.existsSync(m)), 'apt-get install p11-kit-modules (see README, "System tests")');
    work = tempDir('chsm-ossl-');
    const cluster = await servePkcs11Cluster(work);
    served = cluster.served;
    env = { PATH: process.env.PATH, HOME: work, P11_KIT_SERVER_ADDRESS: `unix:path=${cluster.socket}`, PKCS11_MODULE_PATH: module };
    // The keys are made with the CLI, as an operator would before handing them to the web server.
    const cli = { CLOUDHSM_STATE_DIR: cluster.dir, CLOUDHSM_ROLE: 'crypto-user', CLOUDHSM_PIN: PKCS11_ALICE_PIN };
    for (const args of [
      ['ec', '--curve', 'prime256v1', '--public-label', 'tls-ec', '--private-label', 'tls-ec'],
      ['rsa', '--modulus-size-bits', '2048', '--public-exponent', '65537', '--public-label', 'tls-rsa', '--private-label', 'tls-rsa'],
    ]) {
      const made = runBin(['key', 'generate-asymmetric-pair', ...args, '--private-attributes', 'sign=true', '--json'], { env: cli });
      assert.equal(made.status, 0, made.stderr);
    }
  });

  after(() => {
    if (served?.process.exitCode === null) served.process.kill('SIGKILL');
  });

  for (const [label, signature] of [
    ['tls-ec', 'ECDSA'],
    ['tls-rsa', 'RSA-PSS'],
  ] as const) {
    it(`${label}: openssl req makes a self-signed certificate with the HSM's key, and serves TLS 1.3 with it (${signature})`, async () => {
      const cert = path.join(work, `${label}.pem`);
      const req = ssl(['req', '-engine', 'pkcs11', '-keyform', 'engine', '-key', keyUri(label), '-new', '-x509', '-days', '1', '-subj', `/CN=${label}`, '-sha256', '-out', cert]);
      assert.equal(req.status, 0, req.stderr);
      const verified = ssl(['verify', '-CAfile', cert, cert]);
      assert.equal(verified.status, 0, verified.stderr);
      assert.match(verified.stdout, /: OK/);

      // Port 0: s_server prints the one it was given ("ACCEPT 127.0.0.1:PORT").
      const server = spawn(openssl, ['s_server', '-engine', 'pkcs11', '-keyform', 'engine', '-key', keyUri(label), '-cert', cert, '-accept', '127.0.0.1:0', '-naccept', '1', '-tls1_3', '-www'], { cwd: work, env, stdio: ['ignore', 'pipe', 'pipe'] });
      let serverLog = '';
      server.stdout.on('data', (c: Buffer) => (serverLog += c.toString()));
      server.stderr.on('data', (c: Buffer) => (serverLog += c.toString()));
      try {
        const accepting = /ACCEPT 127\.0\.0\.1:(\d+)/;
        for (let i = 0; i < 500 && !accepting.test(serverLog) && server.exitCode === null; i++) await sleep(20);
        const port = accepting.exec(serverLog)?.[1];
        assert.ok(port, `s_server did not listen: ${serverLog}`);
        const client = ssl(['s_client', '-connect', `127.0.0.1:${port}`, '-CAfile', cert, '-verify_return_error', '-tls1_3']);
        assert.equal(client.status, 0, `${client.stdout}\n${client.stderr}\n${serverLog}`);
        assert.match(client.stdout, /Verify return code: 0 \(ok\)/);
        assert.match(client.stdout, new RegExp(`Peer signature type: ${signature}`));
      } finally {
        server.kill('SIGKILL');
      }
    });
  }
});
