/**
 * Section 9, the KMS endpoint (`serve`): `Encrypt` of 1 KiB through @aws-sdk/client-kms over HTTP,
 * at a fixed number of requests in flight (1, then 8), with a key in a connected custom key store
 * and with a standard (AWS_KMS) key, against the same client and requests on moto's KMS
 * (`moto_server`, a standard key: moto has no custom key stores) when moto_server is on PATH.
 * Both servers run as child processes of this one, each on its own free loopback port; fixed time
 * windows rotate through the three subjects so that a drift in background load hits all alike.
 * Throughput is the median of the windows; p99 is over every request of every window. Target:
 * at least MOTO_TARGET times moto's throughput. The client runs in this process and costs far
 * more CPU a call than the endpoint does (see the in-process lines), so the ratio is a floor.
 *
 * Then what the endpoint adds to an engine call, in this one process: `perform(ctx, kmsEncrypt)`
 * directly against the same request through HTTP to the endpoint (createAwsServer on the same
 * context), once with a bare node:http client (the endpoint's own cost) and once through the SDK
 * client (what an application pays), one request in flight. Informational, no target.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { CreateKeyCommand, DecryptCommand, EncryptCommand, KMSClient } from '@aws-sdk/client-kms';
import { storeKeys, type ClusterRecord } from '../src/core/cluster/model.js';
import type { EngineContext } from '../src/core/context.js';
import { perform } from '../src/core/engine.js';
import { connectKeyStore, createKeyStore, KMS_USER } from '../src/core/kms/key-stores.js';
import { createKmsKey, kmsEncrypt } from '../src/core/kms/keys.js';
import { createUser } from '../src/core/users/operations.js';
import { createAwsServer } from '../src/server/aws.js';
import { activeCluster, ADMIN, childEnv, median, opsText, PROJECT_ROOT, reportThroughput, which } from './support.js';

/** Requests in flight, one figure each. */
const CONCURRENCIES = [1, 8] as const;
const WARMUP_MS = 300;
const WINDOWS = 5;
const WINDOW_MS = 600;
const MOTO_TARGET = 2;
const PLAINTEXT_BYTES = 1024;
const KMSUSER_PASSWORD = 'Kms-User-Pass-1';
/** How long a server may take to answer its first request. */
const START_TIMEOUT_MS = 30_000;

const NAME_WIDTH = 34;
const us = (ms: number): string => `${Math.round(ms * 1000).toLocaleString('en-US')} µs`;

interface KmsCluster {
  ctx: EngineContext;
  dir: string;
  /** The KMS key ID of a key in the connected custom key store, and of a standard key. */
  customKeyId: string;
  standardKeyId: string;
}

/** An activated cluster with kmsuser, a connected custom key store on it, and a key in it and a standard one. */
async function kmsCluster(): Promise<KmsCluster> {
  const { ctx, dir } = await activeCluster('kms');
  await perform(ctx, createUser, { username: KMS_USER, role: 'crypto-user', password: KMSUSER_PASSWORD }, ADMIN);
  const cluster = await ctx.store.read((view) => view.list<ClusterRecord>(storeKeys.clusterPrefix)[0]![1]);
  const { CustomKeyStoreId } = await perform(ctx, createKeyStore, {
    CustomKeyStoreName: 'bench',
    CloudHsmClusterId: cluster.clusterId,
    KeyStorePassword: KMSUSER_PASSWORD,
    TrustAnchorCertificate: cluster.trustAnchorPem!,
  });
  await perform(ctx, connectKeyStore, { CustomKeyStoreId });
  const custom = await perform(ctx, createKmsKey, { Origin: 'AWS_CLOUDHSM', CustomKeyStoreId });
  const standard = await perform(ctx, createKmsKey, {});
  return { ctx, dir, customKeyId: custom.KeyMetadata.KeyId, standardKeyId: standard.KeyMetadata.KeyId };
}

function kmsClient(endpoint: string): KMSClient {
  // The SDK's notice about future Node versions is not the bench's to print.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  // One attempt: a retried request would hide an error and count twice the time as one call.
  return new KMSClient({ endpoint, region: 'us-east-1', credentials: { accessKeyId: 'bench', secretAccessKey: 'bench' }, maxAttempts: 1 });
}

// ---------------------------------------------------------------------------------------------
// Servers as child processes

interface ChildServer {
  endpoint: string;
  stop: () => Promise<void>;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A free loopback port (the OS picks it; it is free again once this returns). */
async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/**
 * Starts `file args` and waits until `endpointOf(output so far)` names its endpoint; throws with
 * what it printed when it exits first or takes longer than START_TIMEOUT_MS.
 */
async function startServer(what: string, file: string, args: string[], env: NodeJS.ProcessEnv, endpointOf: (output: string) => Promise<string | undefined>): Promise<ChildServer> {
  const child = spawn(file, args, { cwd: PROJECT_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const gone = () => child.exitCode !== null || child.signalCode !== null;
  const stop = async () => {
    if (gone()) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
  };
  const deadline = Date.now() + START_TIMEOUT_MS;
  for (;;) {
    const endpoint = await endpointOf(output);
    if (endpoint) return { endpoint, stop };
    if (gone() || Date.now() > deadline) {
      const ended = gone();
      await stop();
      throw new Error(`${what} did not start${ended ? ` (it exited with ${child.exitCode ?? child.signalCode})` : ` within ${START_TIMEOUT_MS} ms`}: ${output.trim().split('\n').slice(-5).join(' | ')}`);
    }
    await sleep(50);
  }
}

function startServe(dir: string): Promise<ChildServer> {
  const listening = /Listening on (http:\/\/[\d.]+:\d+)/;
  return startServer('cloudhsm-local serve', process.execPath, [path.join(PROJECT_ROOT, 'bin', 'run.js'), 'serve', '--port', '0'], childEnv(dir), (output) =>
    Promise.resolve(listening.exec(output)?.[1]),
  );
}

/** One KMS request without the SDK: true once the server answers it with 200. */
function answers(endpoint: string): Promise<boolean> {
  return new Promise((resolve) => {
    const req = http.request(`${endpoint}/`, { method: 'POST', headers: { 'x-amz-target': 'TrentService.ListKeys', 'content-type': 'application/x-amz-json-1.1' } }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.once('error', () => resolve(false));
    req.end('{}');
  });
}

async function startMoto(file: string): Promise<ChildServer> {
  const port = await freePort();
  const endpoint = `http://127.0.0.1:${port}`;
  return startServer('moto_server', file, ['-H', '127.0.0.1', '-p', String(port)], process.env, async () => ((await answers(endpoint)) ? endpoint : undefined));
}

// ---------------------------------------------------------------------------------------------
// Measurement

/**
 * Runs `send` from `concurrency` loops at once for about `windowMs` (each loop starts another
 * request while the window lasts) and returns the requests per second; each request's
 * milliseconds go into `latencies`.
 */
async function windowRate(send: () => Promise<unknown>, concurrency: number, windowMs: number, latencies: number[]): Promise<number> {
  const start = process.hrtime.bigint();
  const end = start + BigInt(Math.round(windowMs * 1e6));
  let count = 0;
  let last = start;
  const loop = async () => {
    for (let sent = process.hrtime.bigint(); sent < end; sent = process.hrtime.bigint()) {
      await send();
      const done = process.hrtime.bigint();
      latencies.push(Number(done - sent) / 1e6);
      count++;
      if (done > last) last = done;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, loop));
  return count / (Number(last - start) / 1e9);
}

function percentile(values: number[], fraction: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(0, Math.ceil(sorted.length * fraction) - 1)]!;
}

interface Subject {
  name: string;
  send: () => Promise<unknown>;
}

interface Measured {
  opsPerSecond: number;
  p99Ms: number;
}

/** Each subject's median rate and p99 at `concurrency`; the windows rotate through the subjects. */
async function measure(subjects: Subject[], concurrency: number): Promise<Measured[]> {
  for (const s of subjects) await windowRate(s.send, concurrency, WARMUP_MS, []);
  const rates = subjects.map((): number[] => []);
  const latencies = subjects.map((): number[] => []);
  for (let w = 0; w < WINDOWS; w++) {
    for (let k = 0; k < subjects.length; k++) {
      const i = (w + k) % subjects.length;
      rates[i]!.push(await windowRate(subjects[i]!.send, concurrency, WINDOW_MS, latencies[i]!));
    }
  }
  return subjects.map((_, i) => ({ opsPerSecond: median(rates[i]!), p99Ms: percentile(latencies[i]!, 0.99) }));
}

const p99Text = (m: Measured): string => `p99 ${m.p99Ms.toFixed(2)} ms`;

function informational(name: string, m: Measured, note: string): void {
  console.log([name.padEnd(NAME_WIDTH), `median ${opsText(m.opsPerSecond)}`.padEnd(22), p99Text(m).padEnd(16), note].join(' '));
}

// ---------------------------------------------------------------------------------------------
// The section

/** Checks that `client` encrypts 1 KiB under `keyId` and decrypts it back, and returns the Encrypt call to time. */
async function encryptCall(client: KMSClient, keyId: string, plaintext: Uint8Array, where: string): Promise<() => Promise<unknown>> {
  const { CiphertextBlob } = await client.send(new EncryptCommand({ KeyId: keyId, Plaintext: plaintext }));
  const { Plaintext } = await client.send(new DecryptCommand({ CiphertextBlob }));
  if (!Plaintext || Buffer.compare(Buffer.from(Plaintext), Buffer.from(plaintext)) !== 0) throw new Error(`${where}: Decrypt did not give back what Encrypt took`);
  return () => client.send(new EncryptCommand({ KeyId: keyId, Plaintext: plaintext }));
}

async function compareWithMoto(cluster: KmsCluster, plaintext: Uint8Array): Promise<void> {
  console.log(`KMS Encrypt of ${PLAINTEXT_BYTES} bytes through @aws-sdk/client-kms over HTTP, c = requests in flight; p99 over all windows' requests`);
  const motoFile = which('moto_server');
  const started: ChildServer[] = [];
  const clients: KMSClient[] = [];
  try {
    const serve = await startServe(cluster.dir);
    started.push(serve);
    const local = kmsClient(serve.endpoint);
    clients.push(local);
    const subjects: Subject[] = [
      { name: 'custom key store key', send: await encryptCall(local, cluster.customKeyId, plaintext, 'serve, custom key store key') },
      { name: 'standard key', send: await encryptCall(local, cluster.standardKeyId, plaintext, 'serve, standard key') },
    ];
    let motoSkipped: string | undefined;
    if (!motoFile) {
      motoSkipped = "moto_server is not on PATH; to compare, run `pip install 'moto[server]'`, then `npm run bench`";
    } else {
      try {
        const moto = await startMoto(motoFile);
        started.push(moto);
        const client = kmsClient(moto.endpoint);
        clients.push(client);
        const { KeyMetadata } = await client.send(new CreateKeyCommand({}));
        subjects.push({ name: 'moto', send: await encryptCall(client, KeyMetadata!.KeyId!, plaintext, 'moto_server') });
      } catch (err) {
        motoSkipped = `moto_server is on PATH but did not serve KMS: ${(err as Error).message}`;
      }
    }
    if (motoSkipped) console.log(`${'moto comparison'.padEnd(NAME_WIDTH)} skipped: ${motoSkipped}`);
    for (const c of CONCURRENCIES) {
      const [custom, standard, moto] = await measure(subjects, c);
      const lines: Array<[string, Measured]> = [
        [`serve Encrypt, custom store, c=${c}`, custom!],
        [`serve Encrypt, standard key, c=${c}`, standard!],
      ];
      if (!moto) {
        for (const [name, m] of lines) informational(name, m, 'informational (no moto to compare)');
        continue;
      }
      informational(`moto Encrypt, standard key, c=${c}`, moto, 'the baseline');
      for (const [name, m] of lines) {
        reportThroughput({ name, opsPerSecond: m.opsPerSecond, baselineName: 'moto', baselineOpsPerSecond: moto.opsPerSecond, target: MOTO_TARGET, note: `${p99Text(m)} (moto ${moto.p99Ms.toFixed(2)} ms)` });
      }
    }
  } finally {
    for (const client of clients) client.destroy();
    for (const server of started) await server.stop();
  }
}

/** Milliseconds per call of `send`, one in flight: the median of windows alternating with the others'. */
async function endpointOverhead(cluster: KmsCluster, plaintext: Uint8Array): Promise<void> {
  const server = createAwsServer(cluster.ctx, { log: () => {} });
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(0, '127.0.0.1', resolve));
  const endpoint = `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`;
  const client = kmsClient(endpoint);
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  try {
    const keyId = cluster.customKeyId;
    const body = JSON.stringify({ KeyId: keyId, Plaintext: Buffer.from(plaintext).toString('base64') });
    const headers = { 'x-amz-target': 'TrentService.Encrypt', 'content-type': 'application/x-amz-json-1.1', 'content-length': Buffer.byteLength(body) };
    const bare = () =>
      new Promise<void>((resolve, reject) => {
        const req = http.request(`${endpoint}/`, { method: 'POST', headers, agent }, (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (d: Buffer) => chunks.push(d));
          res.on('end', () => (res.statusCode === 200 ? resolve() : reject(new Error(`Encrypt through node:http: ${res.statusCode} ${Buffer.concat(chunks).toString()}`))));
        });
        req.once('error', reject);
        req.end(body);
      });
    const subjects: Subject[] = [
      { name: 'perform', send: () => perform(cluster.ctx, kmsEncrypt, { KeyId: keyId, Plaintext: plaintext }) },
      { name: 'node:http', send: bare },
      { name: 'SDK', send: await encryptCall(client, keyId, plaintext, 'in-process endpoint') },
    ];
    const [direct, viaHttp, viaSdk] = (await measure(subjects, 1)).map((m) => 1000 / m.opsPerSecond);
    console.log(`${'in-process Encrypt, custom store'.padEnd(NAME_WIDTH)} perform(ctx, kmsEncrypt) directly: ${us(direct!)} a call, c=1 (the baseline)`);
    for (const [name, perCall] of [
      ['  via node:http → endpoint', viaHttp!],
      ['  via client-kms → endpoint', viaSdk!],
    ] as const) {
      console.log([name.padEnd(NAME_WIDTH), `${us(perCall)} a call`.padEnd(22), `adds ${us(perCall - direct!)}`.padEnd(16), `ratio ${(perCall / direct!).toFixed(2)}`.padEnd(12), 'informational, no target'].join(' '));
    }
  } finally {
    client.destroy();
    agent.destroy();
    await new Promise((resolve) => server.close(resolve));
  }
}

export async function benchKms(): Promise<void> {
  const cluster = await kmsCluster();
  const plaintext = new Uint8Array(randomBytes(PLAINTEXT_BYTES));
  await compareWithMoto(cluster, plaintext);
  await endpointOverhead(cluster, plaintext);
}
