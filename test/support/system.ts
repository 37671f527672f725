/**
 * The system tests (`npm run test:system`, test/system/) drive Debian packages' programs against
 * the emulator. A program that is missing fails the suite on CI (CI=true, where .ci/run installs
 * the packages) and skips it elsewhere, saying which package to install.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { runBin } from './helpers.js';
import { sleep, startServe, type Served } from './processes.js';

/** The first of `paths` that exists, else `command` as found on PATH, else undefined. */
export function findProgram(paths: readonly string[], command: string): string | undefined {
  const found = paths.find((p) => fs.existsSync(p));
  if (found) return found;
  const which = spawnSync('sh', ['-c', `command -v ${command}`], { encoding: 'utf8' });
  return which.status === 0 && which.stdout.trim() !== '' ? which.stdout.trim() : undefined;
}

/**
 * The program for a suite's `before` hook: its path; when it is missing, an error on CI and a
 * skip of the suite (with the reason on standard error) elsewhere.
 */
export function requireProgram(context: Mocha.Context, what: string, found: string | undefined, install: string): string {
  if (found) return found;
  const reason = `${what} is not installed: ${install}`;
  if (process.env.CI === 'true') throw new Error(`${reason} (CI=true, where the system tests must run)`);
  process.stderr.write(`skipping: ${reason}\n`);
  context.skip();
}

/** Where Debian's p11-kit-modules puts p11-kit's client module, by architecture. */
export const P11KIT_CLIENT_MODULES = ['/usr/lib/x86_64-linux-gnu/pkcs11/p11-kit-client.so', '/usr/lib/aarch64-linux-gnu/pkcs11/p11-kit-client.so', '/usr/lib/pkcs11/p11-kit-client.so'];

/** The crypto user of `servePkcs11Cluster`: its PIN (username:password) for C_Login. */
export const PKCS11_ALICE_PIN = 'alice:Alice-Pass-1';

/**
 * A cluster made with the project's CLI in `work`/state (quickstart, alice and a crypto user for
 * each of `otherPins`, username:password) served with `serve --pkcs11` on `work`/p11.sock, once
 * the socket is announced.
 */
export async function servePkcs11Cluster(work: string, otherPins: readonly string[] = []): Promise<{ dir: string; socket: string; served: Served }> {
  const dir = path.join(work, 'state');
  const socket = path.join(work, 'p11.sock');
  const env = { CLOUDHSM_STATE_DIR: dir };
  const adminPassword = 'Admin-Pass-1';
  const quickstart = runBin(['cluster', 'quickstart', '--password-stdin', '--json'], { env, input: `${adminPassword}\n` });
  assert.equal(quickstart.status, 0, quickstart.stderr);
  for (const pin of [PKCS11_ALICE_PIN, ...otherPins]) {
    const [username, password] = pin.split(':') as [string, string];
    const user = runBin(['user', 'create', '--username', username, '--role', 'crypto-user', '--password', password, '--json'], { env: { ...env, CLOUDHSM_ROLE: 'admin', CLOUDHSM_PIN: `admin:${adminPassword}` } });
    assert.equal(user.status, 0, user.stderr);
  }
  const served = await startServe(dir, { args: ['--pkcs11', '--socket', socket] });
  for (let i = 0; i < 250 && !served.log().includes('PKCS #11 on unix:path='); i++) await sleep(20);
  assert.match(served.log(), /PKCS #11 on unix:path=/);
  return { dir, socket, served };
}
