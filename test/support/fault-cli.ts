/**
 * The CLI with the store's fault hook installed from CLOUDHSM_TEST_FAULT (fault-hook.ts): a
 * test-only entry, so that a test can pause or fail a real command at a named store step.
 */
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { main } from '../../src/cli/main.js';
import { installFaultHookFromEnv } from './fault-hook.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
installFaultHookFromEnv();
await main({ launcher: pathToFileURL(path.join(root, 'bin', 'run.js')).href, argv: process.argv.slice(2) });
