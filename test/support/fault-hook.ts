/**
 * Installs the store's fault hook from the environment, for the test-only entries
 * (fault-cli.ts, store-writer.ts). Never imported by the product.
 *
 *   CLOUDHSM_TEST_FAULT=pause:<step>[@n]   at the n-th time (default 1) the store reaches <step>,
 *                                          write <file>.paused and wait until <file>.resume exists
 *   CLOUDHSM_TEST_FAULT=fail:<step>[@n]    throw an EIO error there instead
 *   CLOUDHSM_TEST_FAULT_FILE=<file>        the base name of the signal files
 */
import fs from 'node:fs';
import { ENGINE_STEPS, STORE_STEPS, setStoreFaultHook } from '../../src/core/store/faults.js';

const sleeper = new Int32Array(new SharedArrayBuffer(4));

export function installFaultHookFromEnv(env: NodeJS.ProcessEnv = process.env): void {
  const spec = env.CLOUDHSM_TEST_FAULT;
  if (!spec) return;
  const m = /^(pause|fail):([a-z.-]+)(?:@(\d+))?$/.exec(spec);
  const steps: readonly string[] = [...STORE_STEPS, ...ENGINE_STEPS];
  if (!m || !steps.includes(m[2]!)) throw new Error(`CLOUDHSM_TEST_FAULT: cannot read "${spec}"; steps are ${steps.join(', ')}`);
  const [, action, step, nth = '1'] = m;
  const file = env.CLOUDHSM_TEST_FAULT_FILE;
  if (action === 'pause' && !file) throw new Error('CLOUDHSM_TEST_FAULT=pause needs CLOUDHSM_TEST_FAULT_FILE');
  let seen = 0;
  setStoreFaultHook((reached) => {
    if (reached !== step || ++seen !== Number(nth)) return;
    if (action === 'fail') throw Object.assign(new Error(`injected I/O failure at ${step}`), { code: 'EIO' });
    fs.writeFileSync(`${file}.paused`, String(process.pid));
    // A synchronous wait: the store's steps are synchronous, and nothing else may run meanwhile.
    while (!fs.existsSync(`${file}.resume`)) Atomics.wait(sleeper, 0, 0, 5);
  });
}
