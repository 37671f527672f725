#!/usr/bin/env node
// `npm test`: the unit tests, the Wycheproof vector tests and the end-to-end tests, each part a
// mocha run of its own with its files spread over two worker processes, then one closing line
// "N passed, N failed" for all of them. `node scripts/test.mjs unit vectors` runs only those parts.
// The system tests (`npm run test:system`) drive Debian packages' programs (the AWS CLI, p11-kit)
// and run only when asked for by name.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
/** Each part runs the tests under its folders of dist/test; `onlyByName` parts are not in the default run. */
export const PARTS = {
  unit: { parallel: true, folders: ['core/audit', 'core/backups', 'core/cluster', 'core/keys', 'core/kms', 'core/network', 'core/store', 'core/tags', 'core/time', 'core/users', 'cli', 'commands', 'lint', 'server', 'shell'] },
  vectors: { parallel: true, folders: ['core/mechanisms', 'core/engine-vectors'] },
  e2e: { parallel: true, folders: ['e2e'] },
  system: { parallel: false, folders: ['system'], onlyByName: true },
};

// A test file in no part would never run, and nothing would say so.
const testRoot = path.join(root, 'dist', 'test');
const folders = Object.values(PARTS).flatMap((part) => part.folders);
const orphans = fs
  .readdirSync(testRoot, { recursive: true })
  .filter((file) => file.endsWith('.test.js'))
  .filter((file) => !folders.some((folder) => file.startsWith(`${folder}${path.sep}`)));
if (orphans.length > 0) {
  console.error(`these tests belong to no part of scripts/test.mjs, so they would never run: ${orphans.join(', ')}; add their folder to a part`);
  process.exit(1);
}

const asked = process.argv.slice(2);
const unknown = asked.filter((p) => !(p in PARTS));
if (unknown.length > 0) {
  console.error(`no test part ${unknown.join(', ')}; the parts are ${Object.keys(PARTS).join(', ')}`);
  process.exit(2);
}
let passed = 0;
let failed = 0;
let status = 0;
for (const name of asked.length > 0 ? asked : Object.keys(PARTS).filter((p) => !PARTS[p].onlyByName)) {
  const part = PARTS[name];
  const started = Date.now();
  console.log(`\n== ${name} tests ==`);
  const specs = part.folders.filter((folder) => fs.existsSync(path.join(testRoot, folder))).map((folder) => `dist/test/${folder}/**/*.test.js`);
  const args = [path.join(root, 'node_modules', 'mocha', 'bin', 'mocha.js'), ...(part.parallel ? ['--parallel', '--jobs', '2'] : []), ...specs];
  const run = spawnSync(process.execPath, args, { cwd: root, stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  const out = run.stdout ?? '';
  const summary = [...out.matchAll(/^(\d+) passed, (\d+) failed$/gm)].at(-1);
  process.stdout.write(out.replace(/\n?^\d+ passed, \d+ failed\n?$/gm, '\n'));
  if (summary) {
    passed += Number(summary[1]);
    failed += Number(summary[2]);
  } else {
    failed += 1;
  }
  if (run.status !== 0) status = 1;
  console.log(`== ${name} tests: ${summary ? `${summary[1]} passed, ${summary[2]} failed` : 'did not finish'} in ${((Date.now() - started) / 1000).toFixed(0)} s ==`);
}
console.log(`\n${passed} passed, ${failed} failed`);
process.exit(status);
