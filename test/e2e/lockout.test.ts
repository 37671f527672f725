/**
 * Lockout across processes: guesses are counted before they are evaluated, so parallel guessers
 * get at most five evaluations, and a guess that cannot be counted reveals nothing.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { Store } from '../../src/core/store/index.js';
import { runBin } from '../support/helpers.js';
import { clusterFolder } from '../support/templates.js';
import { BIN_PATH, start } from '../support/processes.js';


async function cluster(): Promise<Record<string, string>> {
  return { CLOUDHSM_STATE_DIR: await clusterFolder({ cryptoUsers: { bob: 'Bob-Pass-12' } }) };
}

function bobLocked(env: Record<string, string>): string {
  const users = runBin(['user', 'list', '--json'], { env }).json.data.users;
  return users.find((u: { username: string }) => u.username === 'bob').locked;
}

/** Bob's failed-login count as stored: how many guesses were counted. */
async function failedLogins(env: Record<string, string>): Promise<number> {
  const store = await Store.open({ dir: env.CLOUDHSM_STATE_DIR! });
  const users = await store.read((v) => v.list<{ username: string; failedLogins: number }>('user/'));
  return users.find(([, u]) => u.username === 'bob')![1].failedLogins;
}

describe('e2e: lockout under parallel guessing', function () {
  this.timeout(240_000);

  it('20 wrong guesses at once: exactly five are evaluated (four refused as wrong, the fifth locks), and the right password is then refused', async () => {
    const env = await cluster();
    const guesses = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        start(BIN_PATH, ['key', 'list', '--json'], { env: { ...env, CLOUDHSM_LOCK_TIMEOUT_MS: '120000', CLOUDHSM_ROLE: 'crypto-user', CLOUDHSM_PIN: `bob:Wrong-Guess-${i}` } }).done,
      ),
    );
    const codes = guesses.map((g) => JSON.parse(g.stdout).code as string);
    const wrong = codes.filter((c) => c === 'LOGIN_FAILED').length;
    const locked = codes.filter((c) => c === 'USER_LOCKED').length;
    assert.equal(wrong, 4, codes.join('\n'));
    assert.equal(locked, 16, codes.join('\n'));
    assert.equal(bobLocked(env), 'true');
    assert.equal(await failedLogins(env), 5, 'more than five guesses were evaluated');
    const right = runBin(['key', 'list', '--json'], { env: { ...env, CLOUDHSM_ROLE: 'crypto-user', CLOUDHSM_PIN: 'bob:Bob-Pass-12' } });
    assert.equal(right.status, 1);
    assert.match(right.stdout, /USER_LOCKED/);
  });

  it('while a writer holds the state lock, a wrong and a right password get the same STATE_LOCKED refusal', async () => {
    const env = await cluster();
    const lock = path.join(env.CLOUDHSM_STATE_DIR!, 'lock');
    fs.writeFileSync(lock, JSON.stringify({ pid: process.pid, command: 'key generate-symmetric aes', since: new Date().toISOString() }));
    try {
      const outcomes = ['Bob-Pass-12', 'Wrong-Pass-1'].map((password) => {
        const r = runBin(['key', 'list', '--json'], { env: { ...env, CLOUDHSM_LOCK_TIMEOUT_MS: '200', CLOUDHSM_ROLE: 'crypto-user', CLOUDHSM_PIN: `bob:${password}` } });
        return { status: r.status, code: r.json.code };
      });
      assert.deepEqual(outcomes[0], { status: 1, code: 'STATE_LOCKED' });
      assert.deepEqual(outcomes[1], outcomes[0]);
    } finally {
      fs.rmSync(lock, { force: true });
    }
    assert.equal(bobLocked(env), 'false');
    assert.equal(await failedLogins(env), 0);
    // Once the lock is gone, the right password works: nothing was counted against it.
    assert.equal(runBin(['key', 'list', '--json'], { env: { ...env, CLOUDHSM_ROLE: 'crypto-user', CLOUDHSM_PIN: 'bob:Bob-Pass-12' } }).status, 0);
  });
});
