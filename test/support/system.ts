/**
 * The system tests (`npm run test:system`, test/system/) drive Debian packages' programs against
 * the emulator. A program that is missing fails the suite on CI (CI=true, where .ci/run installs
 * the packages) and skips it elsewhere, saying which package to install.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';

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
