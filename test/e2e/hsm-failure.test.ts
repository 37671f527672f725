/**
 * HSM failure through the built CLI: work in flight on a failed HSM fails (a process held with
 * the fault hook between its preparation and its transaction while another fails the HSM), what
 * `hsm fail` prints, and how cloudhsm_mgmt_util shows a failed server.
 */
import assert from 'node:assert/strict';
import { runBin } from '../support/helpers.js';
import { clusterFolder } from '../support/templates.js';
import { FAULT_CLI, startPaused } from '../support/processes.js';

const ALICE = { CLOUDHSM_ROLE: 'crypto-user', CLOUDHSM_PIN: 'alice:Alice-Pass-1' };

async function cluster(): Promise<Record<string, string>> {
  return { CLOUDHSM_STATE_DIR: await clusterFolder({ cryptoUsers: { alice: 'Alice-Pass-1' } }) };
}

function hsmIds(env: Record<string, string>): string[] {
  return (runBin(['hsm', 'list', '--json'], { env }).json.data.Hsms as Array<{ HsmId: string }>).map((h) => h.HsmId);
}

function labels(env: Record<string, string>): string[] {
  return (runBin(['key', 'list', '--json'], { env: { ...env, ...ALICE } }).json.data.matched_keys as Array<{ attributes: { label: string } }>).map((k) => k.attributes.label);
}

const GENERATE = ['key', 'generate-asymmetric-pair', 'ec', '--curve', 'secp256r1', '--public-label', 'pub', '--private-label', 'priv', '--json'];

describe('e2e: HSM failure', function () {
  this.timeout(120_000);

  it('a key generation whose HSM fails while it is in flight fails with HSM_FAILED and leaves nothing; one whose HSM survives completes', async () => {
    const env = await cluster();
    const [first] = hsmIds(env);
    // A single command sends its operation to the first ACTIVE HSM.
    const inFlight = await startPaused(FAULT_CLI, GENERATE, 'operation.prepared', { env: { ...env, ...ALICE } });
    const failed = runBin(['hsm', 'fail', '--hsm-id', first!, '--replace-after-minutes', '10'], { env });
    assert.equal(failed.status, 0, failed.stderr);
    inFlight.resume();
    const outcome = await inFlight.done;
    assert.equal(outcome.code, 1, outcome.stdout);
    assert.equal(JSON.parse(outcome.stdout).code, 'HSM_FAILED');
    assert.match(JSON.parse(outcome.stdout).data, new RegExp(`HSM ${first} failed while the operation was in flight.*run the command again`));
    assert.deepEqual(labels(env), []);

    // The same command now goes to the other HSM, which stays up while it is in flight.
    const survivor = await startPaused(FAULT_CLI, GENERATE, 'operation.prepared', { env: { ...env, ...ALICE } });
    survivor.resume();
    const done = await survivor.done;
    assert.equal(done.code, 0, done.stdout);
    assert.deepEqual(labels(env).sort(), ['priv', 'pub']);
  });

  it('hsm fail on a one-HSM cluster prints the replacement and the keys lost since the last backup', async () => {
    const env = await cluster();
    const [, second] = hsmIds(env);
    assert.equal(runBin(['hsm', 'delete', '--hsm-id', second!], { env }).status, 0);
    const made = runBin(['key', 'generate-symmetric', 'aes', '--label', 'late', '--key-length-bytes', '32', '--json'], { env: { ...env, ...ALICE } });
    const ref = made.json.data.key['key-reference'] as string;
    const [only] = hsmIds(env);
    const r = runBin(['hsm', 'fail', '--hsm-id', only!], { env });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`^${only} \\(10\\.0\\.\\d+\\.\\d+\\) failed \\(unhealthy\\)\\.\\n${only} was replaced by hsm-[a-z2-7]{11} in us-east-1a at 10\\.0\\.\\d+\\.\\d+, restored from backup-[a-z2-7]{11} \\(made [^)]+\\); lost since that backup: 1 token key\\(s\\) \\(${ref}\\) and 0 user\\(s\\)\\.\\n$`));
    assert.deepEqual(labels(env), []);
    const again = runBin(['hsm', 'fail', '--hsm-id', only!, '--json'], { env });
    assert.equal(again.status, 1);
    assert.equal(again.json.code, 'HSM_NOT_FOUND');
  });

  it('cloudhsm_mgmt_util shows a failed HSM as a server that does not answer, and its replacement in its place', async () => {
    const env = await cluster();
    const [first] = hsmIds(env);
    const ip = (runBin(['hsm', 'list', '--json'], { env }).json.data.Hsms as Array<{ EniIp: string }>)[0]!.EniIp;
    runBin(['hsm', 'fail', '--hsm-id', first!, '--replace-after-minutes', '10'], { env });
    const during = runBin(['shell', '--dialect', 'cmu'], { env, input: 'info server 0\ninfo server 1\nserver 0\nquit\n' });
    assert.match(during.stdout, new RegExp(`Unable to connect to server '${ip.replace(/\./g, '\\.')}'`));
    assert.match(during.stdout, new RegExp(`^0 +${ip.replace(/\./g, '\\.')} +\\S+ +2225 +Disconnected +${first} +Not logged in$`, 'm'));
    assert.match(during.stdout, /^1 +\S+ +\S+ +2225 +Connected +hsm-/m);
    assert.match(during.stdout + during.stderr, /server 0 .* is not connected/);
    runBin(['clock', 'advance', '--minutes', '10'], { env });
    const after = runBin(['shell', '--dialect', 'cmu'], { env, input: 'info server 0\nquit\n' });
    assert.doesNotMatch(after.stdout, /Unable to connect/);
    const [replacement] = hsmIds(env);
    assert.notEqual(replacement, first);
    assert.match(after.stdout, new RegExp(`^0 +${ip.replace(/\./g, '\\.')} +\\S+ +2225 +Connected +${replacement}`, 'm'));
  });

  it('configure turns the key availability check on and off; with it on, a one-HSM cluster refuses key use with the real message', async () => {
    const env = await cluster();
    runBin(['key', 'generate-symmetric', 'aes', '--label', 'k', '--key-length-bytes', '32', '--attributes', 'encrypt=true'], { env: { ...env, ...ALICE } });
    assert.equal(runBin(['configure'], { env }).stdout, 'key availability check: disabled\n');
    assert.deepEqual(runBin(['configure', '--enable-key-availability-check', '--json'], { env }).json.data, { 'key-availability-check': 'enabled' });
    const encrypt = ['crypto', 'encrypt', 'aes-gcm', '--key-filter', 'attr.label=k', '--data', 'aGVsbG8=', '--json'];
    assert.equal(runBin(encrypt, { env: { ...env, ...ALICE } }).status, 0, 'two HSMs');
    runBin(['hsm', 'delete', '--hsm-id', hsmIds(env)[1]!], { env });
    const refused = runBin(encrypt, { env: { ...env, ...ALICE } });
    assert.equal(refused.status, 1);
    assert.equal(refused.json.code, 'KEY_NOT_AVAILABLE');
    assert.match(refused.json.data, /^Key 0x[0-9a-f]{16} does not meet the availability requirements - The key must be available on at least 2 HSMs before being used\./);
    const both = runBin(['configure', '--enable-key-availability-check', '--disable-key-availability-check'], { env });
    assert.equal(both.status, 2);
    runBin(['configure', '--disable-key-availability-check'], { env });
    assert.equal(runBin(encrypt, { env: { ...env, ...ALICE } }).status, 0);
  });
});
