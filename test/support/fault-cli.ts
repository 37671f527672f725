/**
 * The CLI with the store's fault hook installed from CLOUDHSM_TEST_FAULT (fault-hook.ts): a
 * test-only entry, so that a test can pause or fail a real command at a named store step. It
 * runs the same bundle as bin/run.js; the hook reaches that bundle's store (faults.ts).
 */
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { installFaultHookFromEnv } from './fault-hook.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
installFaultHookFromEnv();
const { main } = (await import(pathToFileURL(path.join(root, 'dist', 'bundle', 'main.mjs')).href)) as typeof import('../../src/cli/main.js');
await main({ launcher: pathToFileURL(path.join(root, 'bin', 'run.js')).href, argv: process.argv.slice(2) });
