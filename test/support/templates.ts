/**
 * Clusters made once per test process and copied for each test that needs one. A quickstart
 * (key pairs for the cluster and its issuing CA, a CSR, a signature) costs about a second; a
 * copy of its state folder about a millisecond. A copy is an ordinary state folder: it is opened
 * like any other, and its random source and clock go on from where the template's stopped.
 */
import fs from 'node:fs';
import path from 'node:path';
import { seededRandom, type EngineContext } from '../../src/core/context.js';
import { quickstart, type QuickstartInput } from '../../src/core/cluster/quickstart.js';
import { perform, type Caller } from '../../src/core/engine.js';
import { Store } from '../../src/core/store/index.js';
import { createUser } from '../../src/core/users/operations.js';
import { tempDir, testContext } from './helpers.js';

export interface TemplateOptions {
  /** Admin password; without it the cluster stops at INITIALIZED. Default Admin123!. */
  password?: string | null;
  mode?: QuickstartInput['mode'];
  hsmType?: QuickstartInput['hsmType'];
  /** Crypto users made by the admin: name → password. */
  cryptoUsers?: Record<string, string>;
}

interface Template {
  dir: string;
  clock: number;
}

const templates = new Map<string, Promise<Template>>();

/** The same cluster however it is asked for: defaults filled in, in one order. */
function keyOf(options: TemplateOptions): string {
  return JSON.stringify([options.password === undefined ? 'Admin123!' : options.password, options.mode ?? 'FIPS', options.hsmType ?? 'hsm2m.medium', Object.entries(options.cryptoUsers ?? {})]);
}

function template(options: TemplateOptions): Promise<Template> {
  const key = keyOf(options);
  let found = templates.get(key);
  if (!found) templates.set(key, (found = build(options)));
  return found;
}

function build(options: TemplateOptions): Promise<Template> {
  return (async () => {
    const ctx = await testContext(`template-${keyOf(options)}`);
    const password = options.password === undefined ? 'Admin123!' : options.password;
    // A few minutes before real time, one second a step: a copy used through the CLI (on the
    // real clock) is then not days past its last backup, which would make its first command
    // catch up with a daily backup for each day in between.
    let clock = Date.now() - 10 * 60_000;
    ctx.now = () => (clock += 1000);
    await quickstart(ctx, {
      ...(password === null ? {} : { password }),
      ...(options.mode ? { mode: options.mode } : {}),
      ...(options.hsmType ? { hsmType: options.hsmType } : {}),
    });
    const admin: Caller = { credentials: { username: 'admin', password: password ?? '', role: 'admin' } };
    for (const [name, userPassword] of Object.entries(options.cryptoUsers ?? {})) {
      await perform(ctx, createUser, { username: name, role: 'crypto-user', password: userPassword }, admin);
    }
    return { dir: ctx.dir, clock };
  })();
}

/** A new state folder holding a copy of the template cluster described by `options`. */
export async function clusterFolder(options: TemplateOptions = {}): Promise<string> {
  const { dir } = await template(options);
  const copy = path.join(tempDir(), 'state');
  fs.cpSync(dir, copy, { recursive: true, filter: (source) => path.basename(source) !== 'lock' && !path.basename(source).startsWith('lock.') });
  return copy;
}

/** An engine context on a copy of the template cluster (ACTIVE, admin password Admin123!, by default). */
export async function clusterContext(options: TemplateOptions & { seed?: string } = {}): Promise<EngineContext & { dir: string }> {
  const { seed, ...rest } = options;
  const dir = await clusterFolder(rest);
  const { clock: start } = await template(rest);
  const store = await Store.open({ dir, lockTimeoutMs: 5000 });
  let clock = start;
  return { dir, store, now: () => (clock += 1000), random: seededRandom(`${seed ?? 'test'}/copy`) };
}
