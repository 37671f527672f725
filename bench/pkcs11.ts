/**
 * Section 10, the PKCS #11 server (`serve --pkcs11`): ECDSA P-256 C_Sign of a SHA-256 digest
 * (CKM_ECDSA; p11-kit 0.24's client forwards no CKM_ECDSA_SHA256) from a Python loop
 * (bench/softhsm.py, ctypes, one call at a time) through p11-kit's client module and the socket
 * to a `serve` child process, against the same loop calling SoftHSM 2's module in-process.
 * Rounds alternate between the two so a drift in background load hits both; each figure is the
 * median of its windows. Target: at least 0.5× SoftHSM's rate despite the socket hop. Without
 * p11-kit-client.so, SoftHSM, pkcs11-tool or python3 the line says what is missing.
 */
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { perform } from '../src/core/engine.js';
import { describeClusters } from '../src/core/cluster/operations.js';
import { generateKeyPair } from '../src/core/keys/generate.js';
import { createUser } from '../src/core/users/operations.js';
import { PAYLOAD_BYTES } from './engine.js';
import { SOFTHSM_MODULES, softHsmToken } from './softhsm.js';
import { activeCluster, ADMIN, childEnv, CRYPTO_USER, CRYPTO_USER_PASSWORD, median, PROJECT_ROOT, reportThroughput, which } from './support.js';

const NAME = 'PKCS#11 ECDSA P-256 C_Sign (p11-kit)';
const CLIENT_MODULES = ['/usr/lib/x86_64-linux-gnu/pkcs11/p11-kit-client.so', '/usr/lib/aarch64-linux-gnu/pkcs11/p11-kit-client.so', '/usr/lib/pkcs11/p11-kit-client.so'];
const TARGET = 0.5;
const ROUNDS = 3;
const WINDOWS_PER_ROUND = 3;
const WINDOW_MS = 500;
const START_TIMEOUT_MS = 30_000;

/** Runs the signing loop against `module` and returns its windows' rates (ops/s). */
function signRates(python: string, module: string, token: string, pin: string, env: NodeJS.ProcessEnv): number[] {
  const script = path.join(PROJECT_ROOT, 'bench', 'softhsm.py');
  const args = [script, module, token, pin, String(PAYLOAD_BYTES), String(WINDOWS_PER_ROUND), String(WINDOW_MS), 'ecdsa-digest'];
  const output = execFileSync(python, args, { env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 120_000 });
  return (JSON.parse(output) as Record<string, number[]>)['bench-ec'] ?? [];
}

/** `serve --pkcs11` on a socket in `dir`, as a child process; resolves once it listens. */
async function startServe(dir: string, socket: string): Promise<{ stop: () => void }> {
  const child = spawn(process.execPath, [path.join(PROJECT_ROOT, 'bin', 'run.js'), 'serve', '--port', '0', '--pkcs11', '--socket', socket], {
    cwd: PROJECT_ROOT,
    env: childEnv(dir),
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let log = '';
  child.stderr.on('data', (chunk: Buffer) => (log += chunk.toString()));
  const stop = () => {
    if (child.exitCode === null) child.kill('SIGTERM');
  };
  const deadline = Date.now() + START_TIMEOUT_MS;
  while (!log.includes('PKCS #11 on unix:path=')) {
    if (child.exitCode !== null || Date.now() > deadline) {
      stop();
      throw new Error(`serve --pkcs11 did not start: ${log.trim().split('\n').slice(-2).join(' | ')}`);
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  return { stop };
}

export async function benchPkcs11(): Promise<void> {
  const skip = (why: string) => console.log(`${NAME.padEnd(34)} skipped: ${why}`);
  const client = CLIENT_MODULES.find((file) => fs.existsSync(file));
  const softhsm = SOFTHSM_MODULES.find((file) => fs.existsSync(file));
  const [util, tool, python] = [which('softhsm2-util'), which('pkcs11-tool'), which('python3')];
  const missing = [
    ...(client ? [] : ['p11-kit-client.so (apt-get install p11-kit-modules)']),
    ...(softhsm && util ? [] : ['SoftHSM 2 (apt-get install softhsm2)']),
    ...(tool ? [] : ['pkcs11-tool (apt-get install opensc), which makes the SoftHSM key']),
    ...(python ? [] : ['python3, which drives both modules']),
  ];
  if (missing.length > 0) {
    skip(`needs ${missing.join(', ')}; then \`npm run bench pkcs11\``);
    return;
  }
  let serve: { stop: () => void } | undefined;
  try {
    // Our side: an activated cluster with the bench crypto user and a P-256 key pair that signs.
    const { ctx, dir } = await activeCluster('pkcs11');
    await perform(ctx, createUser, { username: CRYPTO_USER, role: 'crypto-user', password: CRYPTO_USER_PASSWORD }, ADMIN);
    const user = { credentials: { username: CRYPTO_USER, password: CRYPTO_USER_PASSWORD, role: 'crypto-user' as const } };
    await perform(ctx, generateKeyPair, { keyType: 'ec', curve: 'secp256r1', publicLabel: 'bench-ec-pub', privateLabel: 'bench-ec', privateAttributes: ['sign=true'] }, user);
    const clusterId = (await perform(ctx, describeClusters, {})).Clusters[0]!.ClusterId;
    const socket = path.join(dir, 'p11.sock');
    serve = await startServe(dir, socket);
    const oursEnv = { ...process.env, P11_KIT_SERVER_ADDRESS: `unix:path=${socket}` };
    const theirs = softHsmToken(util!, tool!, softhsm!, false);

    const ours: number[] = [];
    const soft: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      ours.push(...signRates(python!, client!, clusterId, `${CRYPTO_USER}:${CRYPTO_USER_PASSWORD}`, oursEnv));
      soft.push(...signRates(python!, softhsm!, 'bench', theirs.pin, theirs.env));
    }
    reportThroughput({ name: NAME, opsPerSecond: median(ours), baselineName: 'SoftHSM 2 in-process', baselineOpsPerSecond: median(soft), target: TARGET, note: 'one call in flight, CKM_ECDSA of a SHA-256 digest' });
  } catch (err) {
    const e = err as { message?: string; stderr?: Buffer | string };
    const detail = (e.stderr ? String(e.stderr).trim() : '') || String(e.message ?? err);
    skip(`the run failed: ${detail.split('\n').slice(-3).join(' | ')}`);
  } finally {
    serve?.stop();
  }
}
