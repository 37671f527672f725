import assert from 'node:assert/strict';
import path from 'node:path';
import { runBin, tempDir } from '../support/helpers.js';

/** Runs the same script on a fresh state folder and returns what it printed that should replay. */
function replay(seed: string): Record<string, unknown> {
  const env = { CLOUDHSM_STATE_DIR: path.join(tempDir(), 'state'), CLOUDHSM_DETERMINISTIC_SEED: seed };
  const quick = runBin(['cluster', 'quickstart', '--password-stdin', '--json'], { env, input: 'Admin123!\n' });
  assert.equal(quick.status, 0, quick.stdout + quick.stderr);
  assert.match(String(quick.json.data.DeterministicMode), /INSECURE/);
  const admin = { ...env, CLOUDHSM_ROLE: 'admin', CLOUDHSM_PIN: 'admin:Admin123!' };
  assert.equal(runBin(['user', 'create', '--username', 'alice', '--role', 'crypto-user', '--password-stdin'], { env: admin, input: 'Alice-Pass-1\n' }).status, 0);
  const cu = { ...env, CLOUDHSM_ROLE: 'crypto-user', CLOUDHSM_PIN: 'alice:Alice-Pass-1' };
  const aes = runBin(['key', 'generate-symmetric', 'aes', '--label', 'k', '--key-length-bytes', '32', '--json'], { env: cu });
  const ec = runBin(['key', 'generate-asymmetric-pair', 'ec', '--curve', 'prime256v1', '--public-label', 'p', '--private-label', 'q', '--private-attributes', 'sign=true', '--json'], { env: cu });
  const rsa = runBin(['key', 'generate-asymmetric-pair', 'rsa', '--modulus-size-bits', '2048', '--public-exponent', '65537', '--public-label', 'rp', '--private-label', 'rq', '--json'], { env: cu });
  const sig = runBin(['crypto', 'sign', 'ecdsa', '--key-filter', 'attr.label=q', '--data', 'aGVsbG8=', '--hash-function', 'sha256', '--json'], { env: cu });
  const rnd = runBin(['crypto', 'random', '--length', '16', '--json'], { env: cu });
  for (const r of [aes, ec, rsa, sig, rnd]) assert.equal(r.status, 0, r.stdout + r.stderr);
  return {
    clusterId: quick.json.data.ClusterId,
    hsms: quick.json.data.Hsms.map((h: { HsmId: string; EniIp: string }) => `${h.HsmId}@${h.EniIp}`),
    aes: aes.json.data.key.attributes['check-value'],
    ec: ec.json.data.public_key.attributes['ec-point'],
    rsa: rsa.json.data.public_key.attributes.modulus,
    signature: sig.json.data.signature,
    random: rnd.json.data.random,
  };
}

describe('e2e: the insecure deterministic mode', function () {
  this.timeout(180_000);

  it('replays identically from the same seed on a fresh state, and differs with another seed', () => {
    const a = replay('ci-snapshot-seed');
    const b = replay('ci-snapshot-seed');
    assert.deepEqual(b, a);
    const c = replay('another-seed');
    assert.notEqual(c.clusterId, a.clusterId);
    assert.notEqual(c.ec, a.ec);
  });

  it('is refused unless chosen when the cluster was created', () => {
    const env = { CLOUDHSM_STATE_DIR: path.join(tempDir(), 'state') };
    assert.equal(runBin(['cluster', 'create', '--json'], { env }).status, 0);
    const late = runBin(['cluster', 'describe', '--json'], { env: { ...env, CLOUDHSM_DETERMINISTIC_SEED: 'late' } });
    assert.equal(late.status, 1);
    assert.equal(late.json.code, 'DETERMINISTIC_MODE');
    assert.equal(runBin(['cluster', 'describe', '--json'], { env }).json.data.DeterministicMode, undefined);
    const seeded = { CLOUDHSM_STATE_DIR: path.join(tempDir(), 'state') };
    assert.equal(runBin(['cluster', 'create', '--json'], { env: { ...seeded, CLOUDHSM_DETERMINISTIC_SEED: 's1' } }).status, 0);
    assert.equal(runBin(['cluster', 'describe', '--json'], { env: seeded }).json.code, 'DETERMINISTIC_MODE');
    assert.equal(runBin(['cluster', 'describe', '--json'], { env: { ...seeded, CLOUDHSM_DETERMINISTIC_SEED: 's2' } }).json.code, 'DETERMINISTIC_MODE');
    assert.equal(runBin(['cluster', 'describe', '--json'], { env: { ...seeded, CLOUDHSM_DETERMINISTIC_SEED: 's1' } }).status, 0);
  });
});
