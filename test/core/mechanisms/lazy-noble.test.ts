/**
 * noble stays unloaded on the node:crypto path: a fresh `node` loads the `crypto sign ecdsa`
 * command and the node provider, signs and verifies with ECDSA, and no module whose location
 * contains @noble was resolved. The same process then signs with Ed25519ph, which node:crypto
 * lacks, and noble must show up: that proves the recorder sees the lazy loading it guards against.
 *
 * The recorder watches both ways a module can arrive: import (a module.register resolve hook,
 * which reports over a MessagePort) and require, which noble.ts uses (Module._resolveFilename).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const distSrc = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../src');
const moduleUrl = (relative: string): string => pathToFileURL(path.join(distSrc, relative)).href;

const HOOKS = `
let port;
export function initialize(data) { port = data.port; }
export async function resolve(specifier, context, next) {
  const resolved = await next(specifier, context);
  port.postMessage(resolved.url);
  return resolved;
}`;

const RECORDER = `
import Module, { register } from 'node:module';
import { MessageChannel } from 'node:worker_threads';
const loaded = (globalThis.loadedModules = []);
const { port1, port2 } = new MessageChannel();
port1.on('message', (url) => loaded.push(url));
port1.unref();
register('data:text/javascript,' + encodeURIComponent(${JSON.stringify(HOOKS)}), { data: { port: port2 }, transferList: [port2] });
const resolveFilename = Module._resolveFilename;
Module._resolveFilename = function (...args) {
  const file = resolveFilename.apply(this, args);
  loaded.push(file);
  return file;
};`;

const SCRIPT = `
await import(${JSON.stringify(moduleUrl('commands/crypto/sign/ecdsa.js'))});
const { getProvider } = await import(${JSON.stringify(moduleUrl('core/mechanisms/index.js'))});
const crypto = getProvider('node');
const random = (n) => new Uint8Array(n).fill(7);
const pair = crypto.generateEc('secp256r1', random);
const key = crypto.preparePrivate(pair.spec, pair.privateKey);
const message = new TextEncoder().encode('no noble here');
const signature = crypto.ecdsaSign(key, 'sha256', message);
const verified = crypto.ecdsaVerify(crypto.preparePublic(pair.spec, pair.publicKey), 'sha256', message, signature);
const settle = () => new Promise((resolve) => setTimeout(resolve, 50));
const nobleModules = () => globalThis.loadedModules.filter((where) => where.includes('@noble'));
await settle();
const afterEcdsa = nobleModules();
const edPair = crypto.generateEd25519(random);
crypto.ed25519phSign(crypto.preparePrivate(edPair.spec, edPair.privateKey), message);
await settle();
console.log(JSON.stringify({ verified, modules: globalThis.loadedModules.length, afterEcdsa, afterEd25519ph: nobleModules() }));
`;

describe('core/mechanisms: noble is loaded only when needed', function () {
  this.timeout(30_000);

  it('signs with ECDSA on node:crypto without loading @noble, and loads it for Ed25519ph', () => {
    const recorder = `data:text/javascript,${encodeURIComponent(RECORDER)}`;
    const run = spawnSync(process.execPath, ['--import', recorder, '--input-type=module', '--eval', SCRIPT], { encoding: 'utf8' });
    assert.equal(run.status, 0, run.stderr);
    const report = JSON.parse(run.stdout) as { verified: boolean; modules: number; afterEcdsa: string[]; afterEd25519ph: string[] };
    assert.equal(report.verified, true);
    assert.ok(report.modules > 10, `the recorder saw only ${report.modules} modules`);
    assert.deepEqual(report.afterEcdsa, []);
    assert.ok(report.afterEd25519ph.length > 0, 'Ed25519ph loaded no @noble module: the recorder does not see lazy loading');
  });
});
