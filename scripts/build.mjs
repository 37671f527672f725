#!/usr/bin/env node
// Builds the project: TypeScript into dist/, the bundle the binaries run (scripts/bundle.mjs),
// the Node API (dist/api, its types in dist/types), then the oclif manifest. With --if-changed it does
// nothing when no source is newer than the last build (so `npm start` starts at once). The
// manifest step gets no standard input (so `echo quit | npm start` reaches the shell) and skips
// the oclif tool's update check (its warning is not ours to print).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundle, bundleApi } from './bundle.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const stamp = path.join(root, 'dist', '.build-stamp');
const inputs = ['src', 'test', 'bench', 'bin', 'scripts', 'package.json', 'tsconfig.json', 'tsconfig.api.json'];

function newest(entry) {
  const stats = fs.statSync(entry, { throwIfNoEntry: false });
  if (!stats) return 0;
  if (!stats.isDirectory()) return stats.mtimeMs;
  return fs.readdirSync(entry).reduce((max, name) => Math.max(max, newest(path.join(entry, name))), stats.mtimeMs);
}

if (process.argv.includes('--if-changed')) {
  const built = fs.statSync(stamp, { throwIfNoEntry: false })?.mtimeMs ?? 0;
  const manifest = fs.existsSync(path.join(root, 'oclif.manifest.json'));
  if (manifest && built > 0 && Math.max(...inputs.map((i) => newest(path.join(root, i)))) < built) process.exit(0);
}

function run(command, args, env = {}) {
  const r = spawnSync(command, args, { cwd: root, stdio: ['ignore', 'inherit', 'inherit'], env: { ...process.env, ...env } });
  if (r.status !== 0) process.exit(r.status ?? 1);
}

const bin = (name) => path.join(root, 'node_modules', '.bin', name);
fs.rmSync(stamp, { force: true });
run(bin('tsc'), ['-p', '.']);
fs.rmSync(path.join(root, 'dist', 'bundle'), { recursive: true, force: true });
await bundle(root);
fs.rmSync(path.join(root, 'dist', 'api'), { recursive: true, force: true });
fs.rmSync(path.join(root, 'dist', 'types'), { recursive: true, force: true });
await bundleApi(root);
run(bin('tsc'), ['-p', 'tsconfig.api.json']);
run(bin('oclif'), ['manifest'], { CLOUDHSM_EAGER_REGISTRY: '1', OCLIF_SKIP_NEW_VERSION_CHECK: 'true' });
fs.writeFileSync(stamp, `${new Date().toISOString()}\n`);
