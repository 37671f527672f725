/**
 * The binaries' bundle (dist/bundle, esbuild) runs the ECDSA nonce worker from the source text of
 * one function (src/core/mechanisms/ecdsa-nonces.ts). A build change that broke that text would
 * only lose the speed, silently: here `serve --pkcs11`, as users run it, signs digests through the
 * protocol until its worker has delivered nonces, with a preload that records each worker the
 * process starts and each message it sends. Every signature verifies and none repeats its r.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { getProvider } from '../../src/core/mechanisms/index.js';
import { CKA, CKM, CKO } from '../../src/server/pkcs11/constants.js';
import type { Attribute } from '../../src/server/pkcs11/rpc.js';
import { runBin, tempDir } from '../support/helpers.js';
import { startServe, type Served } from '../support/processes.js';
import { Client, P256, bool, bytes, noParams, ulong } from '../support/pkcs11-client.js';

const PRELOAD = `
const fs = require('node:fs');
const threads = require('node:worker_threads');
const { syncBuiltinESMExports } = require('node:module');
if (threads.isMainThread) {
  const trace = (line) => fs.appendFileSync(process.env.WORKER_TRACE, line + '\\n');
  const Original = threads.Worker;
  threads.Worker = class extends Original {
    constructor(...args) {
      super(...args);
      trace('started');
      this.on('message', () => trace('message'));
      this.on('error', (err) => trace('error ' + err.message));
    }
  };
  syncBuiltinESMExports();
}
`;

describe('e2e: serve --pkcs11 makes ECDSA nonces ahead on its worker', function () {
  this.timeout(120_000);
  let served: Served | undefined;

  after(() => {
    if (served?.process.exitCode === null) served.process.kill('SIGKILL');
  });

  it('the bundled server starts the worker, takes its nonces, and every signature verifies with a fresh r', async () => {
    const work = tempDir('chsm-nonces-');
    const dir = path.join(work, 'state');
    const socket = path.join(work, 'p11.sock');
    const trace = path.join(work, 'workers.log');
    const preload = path.join(work, 'trace-workers.cjs');
    fs.writeFileSync(preload, PRELOAD);
    const env = { CLOUDHSM_STATE_DIR: dir };
    assert.equal(runBin(['cluster', 'quickstart', '--password-stdin', '--json'], { env, input: 'Admin-Pass-1\n' }).status, 0);
    const user = runBin(['user', 'create', '--username', 'alice', '--role', 'crypto-user', '--password', 'Alice-Pass-1', '--json'], { env: { ...env, CLOUDHSM_ROLE: 'admin', CLOUDHSM_PIN: 'admin:Admin-Pass-1' } });
    assert.equal(user.status, 0, user.stderr);
    served = await startServe(dir, { args: ['--pkcs11', '--socket', socket], nodeArgs: ['--require', preload], env: { WORKER_TRACE: trace } });
    for (let i = 0; i < 250 && !fs.existsSync(socket); i++) await new Promise((r) => setTimeout(r, 20));

    const c = await Client.open(socket);
    const s = await c.session('alice:Alice-Pass-1');
    const [pub, priv] = await c.ok('C_GenerateKeyPair', [
      s,
      noParams(CKM.EC_KEY_PAIR_GEN),
      [bool(CKA.TOKEN, false), bool(CKA.VERIFY, true), bytes(CKA.EC_PARAMS, P256), bytes(CKA.LABEL, 'nonces')],
      [ulong(CKA.CLASS, CKO.PRIVATE_KEY), bool(CKA.TOKEN, false), bool(CKA.SIGN, true), bytes(CKA.LABEL, 'nonces')],
    ]);
    const [point] = await c.ok('C_GetAttributeValue', [s, pub!, [{ type: CKA.EC_POINT, length: 67 }]]);
    const attribute = (point as Attribute[])[0]!;
    assert.ok(!attribute.unavailable && attribute.value.kind === 'bytes' && attribute.value.bytes);
    const der = Buffer.from(attribute.value.bytes);
    // Checked by the other backend (noble), over the digest as given.
    const noble = getProvider('noble');
    const publicKey = noble.preparePublic({ type: 'ec', curve: 'secp256r1' }, new Uint8Array(der.subarray(2)));
    const digest = new Uint8Array(createHash('sha256').update('one digest').digest());

    const rs = new Set<string>();
    const messages = () => (fs.existsSync(trace) ? fs.readFileSync(trace, 'utf8').split('\n').filter((l) => l === 'message').length : 0);
    // Until the worker has sent a batch and the server has signed past it (its batches are 256).
    let signed = 0;
    for (; signed < 5000 && (messages() === 0 || signed < 600); signed++) {
      await c.ok('C_SignInit', [s, noParams(CKM.ECDSA), priv!]);
      const [sig] = await c.ok('C_Sign', [s, { bytes: digest }, 64]);
      const signature = (sig as { bytes: Uint8Array }).bytes;
      assert.ok(noble.ecdsaVerify(publicKey, 'sha256', digest, signature, { prehashed: true }), `signature ${signed} does not verify`);
      rs.add(Buffer.from(signature.subarray(0, 32)).toString('hex'));
    }
    c.close();
    const lines = fs.readFileSync(trace, 'utf8');
    assert.doesNotMatch(lines, /^error/m, lines);
    assert.equal(lines.split('\n').filter((l) => l === 'started').length, 1, 'one worker, started once');
    assert.ok(messages() > 0, `the worker sent no nonces in ${signed} signatures`);
    assert.equal(rs.size, signed, 'an r repeated: a nonce was used twice');
  });
});
