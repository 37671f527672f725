/**
 * What a command loads as it starts. scripts/bundle.mjs defers modules that oclif requires when
 * it loads but a command only needs for help, error display, debugging or plugin discovery;
 * src/cli/main.ts gives oclif a logger that drops its messages unless DEBUG is set, and
 * BaseCommand.run uses the loaded configuration instead of loading another. These tests run the
 * built binary with a recorder preloaded (`--require`) that writes, at exit, every file resolved
 * by require and Node's list of built-in modules loaded.
 *
 * The first test fails when a deferral is lost (an oclif upgrade that changes a require line, a
 * second configuration load that builds oclif's debug logger). The others make sure the deferred
 * modules still load when they are needed, which also shows that the recorder sees them.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { BIN, ROOT, cleanEnv, runBin, tempDir } from '../support/helpers.js';

const RECORDER = `
const Module = require('node:module');
const fs = require('node:fs');
const resolved = [];
const resolveFilename = Module._resolveFilename;
Module._resolveFilename = function (...args) {
  const file = resolveFilename.apply(this, args);
  resolved.push(file);
  return file;
};
process.on('exit', () => {
  fs.writeFileSync(process.env.LOADED_MODULES_FILE, JSON.stringify({ resolved, builtins: process.moduleLoadList }));
});`;

/** Packages oclif loads only for help, errors shown with stacks, debugging, spinners or globbing. */
const DEFERRED_PACKAGES = ['debug', 'ejs', 'tinyglobby', 'minimatch', 'lilconfig', 'cli-spinners', 'clean-stack', 'wrap-ansi', 'widest-line', 'wsl-utils'];
const DEFERRED_BUILTINS = ['child_process', 'readline', 'perf_hooks'];

interface Loaded {
  packages: string[];
  builtins: string[];
  stdout: string;
  stderr: string;
  status: number | null;
}

function packageOf(file: string): string | undefined {
  const at = file.lastIndexOf(`${path.sep}node_modules${path.sep}`);
  if (at < 0) return undefined;
  const parts = file.slice(at + 14).split(path.sep);
  return parts[0]!.startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0];
}

describe('e2e: what a command loads as it starts', function () {
  this.timeout(120_000);
  let stateDir: string;
  let recorder: string;

  function load(args: string[], env: Record<string, string> = {}): Loaded {
    const out = path.join(tempDir('chsm-loaded-'), 'loaded.json');
    const r = spawnSync(process.execPath, ['--require', recorder, BIN, ...args], {
      cwd: ROOT,
      env: { ...cleanEnv(), CLOUDHSM_STATE_DIR: stateDir, LOADED_MODULES_FILE: out, ...env },
      input: '',
      encoding: 'utf8',
      timeout: 60_000,
    });
    const { resolved, builtins } = JSON.parse(fs.readFileSync(out, 'utf8')) as { resolved: string[]; builtins: string[] };
    return {
      packages: [...new Set(resolved.map(packageOf).filter((p): p is string => p !== undefined))],
      builtins: builtins.filter((m) => m.startsWith('NativeModule ')).map((m) => m.slice('NativeModule '.length)),
      stdout: r.stdout,
      stderr: r.stderr,
      status: r.status,
    };
  }

  before(() => {
    stateDir = tempDir('chsm-startup-');
    recorder = path.join(tempDir('chsm-recorder-'), 'recorder.cjs');
    fs.writeFileSync(recorder, RECORDER);
    const made = runBin(['cluster', 'quickstart', '--password-stdin', '--json'], { env: { CLOUDHSM_STATE_DIR: stateDir }, input: 'Start-Up-Pass-1\n' });
    assert.equal(made.status, 0, made.stderr);
  });

  it('user list --json loads none of the deferred packages or built-ins', () => {
    const loaded = load(['user', 'list', '--json']);
    assert.equal(loaded.status, 0, loaded.stderr);
    assert.equal(JSON.parse(loaded.stdout).data.users.length, 2);
    assert.deepEqual(loaded.packages.filter((p) => DEFERRED_PACKAGES.includes(p)), []);
    assert.deepEqual(loaded.builtins.filter((m) => DEFERRED_BUILTINS.includes(m)), []);
  });

  it('help for a command still formats with the deferred packages', () => {
    const loaded = load(['user', 'list', '--help']);
    assert.equal(loaded.status, 0, loaded.stderr);
    assert.match(loaded.stdout, /^USAGE\n {2}\$ cloudhsm-local user list/m);
    assert.ok(loaded.packages.includes('wrap-ansi'), `help loaded ${loaded.packages.join(', ')}`);
  });

  it('DEBUG=oclif* still prints oclif\'s debug messages', () => {
    const loaded = load(['user', 'list', '--json'], { DEBUG: 'oclif*' });
    assert.equal(loaded.status, 0, loaded.stderr);
    assert.match(loaded.stderr, /oclif:/);
    assert.ok(loaded.packages.includes('debug'));
  });

  it('a bad flag is still a usage error naming the flag', () => {
    const loaded = load(['user', 'list', '--no-such-flag']);
    assert.equal(loaded.status, 2);
    assert.match(loaded.stderr, /Nonexistent flag: --no-such-flag/);
  });
});
