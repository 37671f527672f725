/**
 * The Node API as a consumer gets it: `npm pack`, the package unpacked into a temporary project's
 * node_modules with its declared dependencies beside it (linked from this checkout, so the test
 * needs no network), then a script that imports `cloudhsm-local` by name and a TypeScript file
 * type-checked against the package's declarations. A dependency that the package uses but does
 * not declare, a file missing from `files`, or a broken `exports` map fails here.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { ROOT, cleanEnv, tempDir } from '../support/helpers.js';

const CONSUMER_SCRIPT = `
import { open, operations, byLabel, HsmError, ERROR_CODES } from 'cloudhsm-local';

const stateDir = process.argv[2];
const hsm = await open({ stateDir, create: true });
const made = await hsm.quickstart({ password: 'Admin-Pass-1' });
const admin = await hsm.login({ username: 'admin', role: 'admin', password: 'Admin-Pass-1' });
await admin.run(operations.createUser, { username: 'app', role: 'crypto-user', password: 'App-Pass-12' });
await admin.logout();

const app = await hsm.login({ username: 'app', role: 'crypto-user', password: 'App-Pass-12' });
const pair = await app.run(operations.generateKeyPair, { keyType: 'ec', curve: 'secp256r1', publicLabel: 'signer-pub', privateLabel: 'signer-priv', privateAttributes: ['sign=true'], publicAttributes: ['verify=true'] });
const data = new TextEncoder().encode('hello from a consumer');
const signed = await app.run(operations.sign, { mechanism: 'ecdsa', keyFilter: byLabel('signer-priv'), hash: 'sha256', data });
const verified = await app.run(operations.verify, { mechanism: 'ecdsa', keyFilter: byLabel('signer-pub'), hash: 'sha256', data, signature: signed.signature });

let refused;
try {
  await app.run(operations.createUser, { username: 'mallory', role: 'admin', password: 'Mallory-Pass-1' });
} catch (err) {
  refused = { code: err.code, isHsmError: err instanceof HsmError, documented: err.code in ERROR_CODES };
}
const users = await hsm.run(operations.listUsers, {});
await hsm.close();
const closed = {};
try {
  await app.run(operations.listKeys, {});
} catch (err) {
  closed.session = err.code;
}
try {
  await hsm.run(operations.listUsers, {});
} catch (err) {
  closed.handle = err.code;
}
console.log(JSON.stringify({
  clusterId: made.clusterId,
  publicLabel: pair.publicKey.label,
  signatureIsBytes: signed.signature instanceof Uint8Array,
  verified,
  refused,
  users: users.users.map((u) => u.username),
  closed,
}));
`;

const CONSUMER_TYPES = `
import { open, operations, byReference, type KeyView, type KeySelector, type ErrorCode, type ClusterDescription, type ClockReading } from 'cloudhsm-local';

const hsm = await open({ stateDir: './state' });
const session = await hsm.login({ username: 'app', role: 'crypto-user', password: 'App-Pass-12' });
const selector: KeySelector = byReference(7);
const listing = await session.run(operations.listKeys, { filter: selector });
const first: KeyView | undefined = listing.keys[0];
const code: ErrorCode = 'KEY_ACCESS_DENIED';
// @ts-expect-error: sign takes bytes, not a string
await session.run(operations.sign, { mechanism: 'ecdsa', keyFilter: selector, hash: 'sha256', data: 'text' });
const clusterTime: Date = await hsm.now();
const moved: ClockReading = await hsm.run(operations.advanceClock, { days: 8 });
// @ts-expect-error: the clock moves by whole days and hours, given as numbers
await hsm.run(operations.advanceClock, { days: '8' });
const cluster: ClusterDescription | undefined = (await hsm.run(operations.describeClusters, {})).Clusters[0];
await hsm.run(operations.tagResource, { tags: [{ key: 'team', value: 'payments' }] });
// @ts-expect-error: tags are { key, value }
await hsm.run(operations.tagResource, { tags: [{ Key: 'team', Value: 'payments' }] });
export { first, code, clusterTime, moved, cluster };
`;

function run(command: string, args: string[], cwd: string, env: Record<string, string | undefined> = cleanEnv()) {
  const r = spawnSync(command, args, { cwd, env, encoding: 'utf8', timeout: 120_000 });
  assert.equal(r.status, 0, `${command} ${args.join(' ')}\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

describe('e2e: the Node API, installed as a package', function () {
  this.timeout(180_000);
  let project: string;

  before(() => {
    const work = tempDir('chsm-consumer-');
    const packed = JSON.parse(run('npm', ['pack', '--json', '--pack-destination', work], ROOT)) as Array<{ filename: string; files: Array<{ path: string }> }>;
    assert.ok(packed[0]!.files.some((f) => f.path === 'dist/api/index.mjs'), 'the API is in the package');
    assert.ok(!packed[0]!.files.some((f) => f.path.startsWith('test/') || f.path.startsWith('dist/test/')), 'no tests in the package');
    project = path.join(work, 'consumer');
    const installed = path.join(project, 'node_modules', 'cloudhsm-local');
    fs.mkdirSync(installed, { recursive: true });
    run('tar', ['-xzf', path.join(work, packed[0]!.filename), '-C', installed, '--strip-components=1'], work);
    fs.writeFileSync(path.join(project, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }));
    // The declared dependencies, as npm would install them (linked: no network).
    const manifest = JSON.parse(fs.readFileSync(path.join(installed, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
    for (const dependency of Object.keys(manifest.dependencies)) {
      const link = path.join(project, 'node_modules', dependency);
      fs.mkdirSync(path.dirname(link), { recursive: true });
      fs.symlinkSync(path.join(ROOT, 'node_modules', dependency), link, 'dir');
    }
    // Only declared dependencies may be found: nothing above the project folder is searched.
    assert.ok(!fs.existsSync(path.join(work, 'node_modules')));
  });

  it('imports by name and runs: quickstart, users, a key pair, sign and verify, an error with its code, close', () => {
    fs.writeFileSync(path.join(project, 'consumer.mjs'), CONSUMER_SCRIPT);
    const stateDir = path.join(project, 'hsm-state');
    const result = JSON.parse(run(process.execPath, ['consumer.mjs', stateDir], project));
    assert.match(result.clusterId, /^cluster-[a-z0-9]{11}$/);
    assert.equal(result.publicLabel, 'signer-pub');
    assert.equal(result.signatureIsBytes, true);
    assert.deepEqual(result.verified, { message: 'Signature verified successfully' });
    assert.deepEqual(result.refused, { code: 'PERMISSION_DENIED', isHsmError: true, documented: true });
    assert.deepEqual(result.users, ['admin', 'app', 'app_user']);
    assert.deepEqual(result.closed, { session: 'NOT_LOGGED_IN', handle: 'INVALID_ARGUMENT' });

    // The package's own CLI sees what the API made, in the same folder.
    const listed = JSON.parse(run(process.execPath, [path.join(project, 'node_modules', 'cloudhsm-local', 'bin', 'run.js'), 'key', 'list', '--json'], project, { ...cleanEnv(), CLOUDHSM_STATE_DIR: stateDir, CLOUDHSM_ROLE: 'crypto-user', CLOUDHSM_PIN: 'app:App-Pass-12' }));
    assert.deepEqual(listed.data.matched_keys.map((k: { attributes: { label: string } }) => k.attributes.label).sort(), ['signer-priv', 'signer-pub']);
  });

  it('runs the README\'s example as written', () => {
    const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
    const example = /## Node API[\s\S]*?```js\n([\s\S]*?)```/.exec(readme)?.[1];
    assert.ok(example, 'the README has a Node API example');
    // In a folder of its own (its state folder is ./hsm-state), beside a cluster made before.
    const folder = path.join(project, 'readme');
    fs.mkdirSync(path.join(folder, 'hsm-state'), { recursive: true });
    fs.cpSync(path.join(project, 'hsm-state'), path.join(folder, 'hsm-state'), { recursive: true });
    fs.writeFileSync(path.join(folder, 'readme-example.mjs'), `${example}\nconsole.log(signature.length > 0);\n`);
    assert.equal(run(process.execPath, ['readme-example.mjs'], folder).trim(), 'true');
  });

  it('type-checks a TypeScript consumer against the declarations', () => {
    fs.writeFileSync(path.join(project, 'consumer.ts'), CONSUMER_TYPES);
    const tsc = path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
    run(process.execPath, [tsc, '--noEmit', '--strict', '--module', 'nodenext', '--moduleResolution', 'nodenext', '--target', 'es2022', '--skipLibCheck', '--typeRoots', path.join(ROOT, 'node_modules', '@types'), '--types', 'node', 'consumer.ts'], project);
  });
});
