/**
 * Mixed writers on one state folder: in each round 32 CLI processes start at once (18 key
 * generations, 8 user creations, 3 key deletions, 3 user deletions). Every change a process
 * reported must be there afterwards, every deletion must stay deleted, and the state must load.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { runBin, tempDir } from '../support/helpers.js';
import { clusterFolder } from '../support/templates.js';
import { BIN_PATH, start } from '../support/processes.js';

const ADMIN = { CLOUDHSM_ROLE: 'admin', CLOUDHSM_PIN: 'admin:Admin123!' };
const ALICE = { CLOUDHSM_ROLE: 'crypto-user', CLOUDHSM_PIN: 'alice:Alice-Pass-1' };
const ROUNDS = 5;

function ok(r: ReturnType<typeof runBin>, what: string): void {
  assert.equal(r.status, 0, `${what}: ${r.stdout}${r.stderr}`);
}

describe('e2e: 32 mixed writers at once', function () {
  this.timeout(600_000);
  let template: string;

  before(async () => {
    template = await clusterFolder({ cryptoUsers: { alice: 'Alice-Pass-1' } });
    const env = { CLOUDHSM_STATE_DIR: template };
    for (let i = 0; i < 3; i++) {
      ok(runBin(['user', 'create', '--username', `gone_${i}`, '--role', 'crypto-user', '--password-stdin'], { env: { ...env, ...ADMIN }, input: 'Gone-Pass-1\n' }), 'victim user');
      ok(runBin(['key', 'generate-symmetric', 'aes', '--label', `gone-${i}`, '--key-length-bytes', '16'], { env: { ...env, ...ALICE } }), 'victim key');
    }
  });

  for (let round = 0; round < ROUNDS; round++) {
    it(`round ${round + 1}: every reported change is present, every deletion stays, the state loads`, async () => {
      const dir = path.join(tempDir(), 'state');
      fs.cpSync(template, dir, { recursive: true });
      const env = { CLOUDHSM_STATE_DIR: dir, CLOUDHSM_LOCK_TIMEOUT_MS: '240000' };
      const jobs: Array<{ what: string; args: string[]; env: Record<string, string>; input?: string }> = [];
      for (let i = 0; i < 18; i++) jobs.push({ what: `key k_${i}`, args: ['key', 'generate-symmetric', 'aes', '--label', `k_${i}`, '--key-length-bytes', '32', '--json'], env: { ...env, ...ALICE } });
      for (let i = 0; i < 8; i++) jobs.push({ what: `user u_${i}`, args: ['user', 'create', '--username', `u_${i}`, '--role', 'crypto-user', '--password-stdin', '--json'], env: { ...env, ...ADMIN }, input: `Pass-word-${i}\n` });
      for (let i = 0; i < 3; i++) jobs.push({ what: `delete key gone-${i}`, args: ['key', 'delete', '--filter', `attr.label=gone-${i}`, '--json'], env: { ...env, ...ALICE } });
      for (let i = 0; i < 3; i++) jobs.push({ what: `delete user gone_${i}`, args: ['user', 'delete', '--username', `gone_${i}`, '--role', 'crypto-user', '--json'], env: { ...env, ...ADMIN } });
      const results = await Promise.all(jobs.map((j) => start(BIN_PATH, j.args, { env: j.env, input: j.input }).done));
      results.forEach((r, i) => assert.equal(r.code, 0, `${jobs[i]!.what}: ${r.stdout}${r.stderr}`));

      const keys = runBin(['key', 'list', '--json', '--max-items', '1000'], { env: { ...env, ...ALICE } });
      ok(keys, 'key list');
      const labels = new Set<string>(keys.json.data.matched_keys.map((k: { attributes: { label: string } }) => k.attributes.label));
      for (let i = 0; i < 18; i++) assert.ok(labels.has(`k_${i}`), `key k_${i} was reported created but is missing`);
      for (let i = 0; i < 3; i++) assert.ok(!labels.has(`gone-${i}`), `key gone-${i} was reported deleted but is back`);
      const users = runBin(['user', 'list', '--json'], { env: { ...env, ...ADMIN } });
      ok(users, 'user list');
      const names = new Set<string>(users.json.data.users.map((u: { username: string }) => u.username));
      for (let i = 0; i < 8; i++) assert.ok(names.has(`u_${i}`), `user u_${i} was reported created but is missing`);
      for (let i = 0; i < 3; i++) assert.ok(!names.has(`gone_${i}`), `user gone_${i} was reported deleted but is back`);
      // A further write still works on what the round left.
      ok(runBin(['key', 'generate-symmetric', 'aes', '--label', 'after', '--key-length-bytes', '16'], { env: { ...env, ...ALICE } }), 'write after the round');
    });
  }
});
