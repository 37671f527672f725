/**
 * Performance benchmarks for cloudhsm-local (`npm run bench`).
 *
 * Machines running this are shared and noisy, so every figure is a MEDIAN, is paired with a
 * BASELINE measured in the same run, and is judged as a ratio against that baseline
 * (bench/support.ts). A missed target is printed as `MISSED` but never fails the run; only a
 * crash exits non-zero.
 *
 * The sections, each described in its module:
 * 1. CLI startup and a shell line's latency (bench/startup.ts, bench/shell.ts)
 * 2. commit cost vs objects stored, and the whole-state read (bench/store.ts)
 * 3. engine throughput vs raw node:crypto (bench/engine.ts)
 * 4. key generation vs keys stored, and 5. `key list` through the CLI with 10,000 keys
 *    (bench/keys.ts)
 * 6. the SoftHSM comparison, informational (bench/softhsm.ts, bench/softhsm.py)
 * 7. backup and restore with 10,000 keys, and commands with 500 backups kept (bench/backups.ts)
 * 8. what the audit log adds to a key generation and to a sign (auditing on vs off), and
 *    `audit verify` per 10,000 events (bench/audit.ts)
 * 9. KMS Encrypt through the endpoint (`serve`) with @aws-sdk/client-kms, against moto's KMS when
 *    moto_server is installed, and what the endpoint adds to an engine call (bench/kms.ts)
 * 10. ECDSA C_Sign through p11-kit's client module and `serve --pkcs11`, against SoftHSM 2 called
 *    the same way (bench/pkcs11.ts, bench/softhsm.py)
 *
 * `node dist/bench/run.js engine list` runs only the named sections (startup, shell, commit,
 * engine, generate, list, softhsm, backups, audit, kms, pkcs11); with none named it runs them all.
 */
import os from 'node:os';
import { benchAudit } from './audit.js';
import { benchBackups } from './backups.js';
import { benchEngineThroughput } from './engine.js';
import { benchKeyGeneration, benchKeyListCli, largeKeyCluster } from './keys.js';
import { benchKms } from './kms.js';
import { benchPkcs11 } from './pkcs11.js';
import { benchSoftHsm } from './softhsm.js';
import { benchCliStartup, benchShellLatency } from './startup.js';
import { benchCommitCost } from './store.js';
import { removeTempDirs } from './support.js';

/** The sections `node dist/bench/run.js [section ...]` may name; none named runs them all. */
const SECTIONS = ['startup', 'shell', 'commit', 'engine', 'generate', 'list', 'softhsm', 'backups', 'audit', 'kms', 'pkcs11'] as const;
type Section = (typeof SECTIONS)[number];

function chosenSections(args: string[]): Set<Section> {
  const unknown = args.filter((a) => !(SECTIONS as readonly string[]).includes(a));
  if (unknown.length > 0) throw new Error(`unknown bench section ${unknown.join(', ')}; choose from ${SECTIONS.join(', ')}`);
  return new Set((args.length > 0 ? args : SECTIONS) as Section[]);
}

async function main(): Promise<void> {
  const run = chosenSections(process.argv.slice(2));
  console.log(`cloudhsm-local bench   node ${process.version}   ${os.cpus().length} CPUs   ${os.platform()}/${os.arch()}`);
  console.log('medians; each ratio is against a baseline measured in this run\n');
  try {
    if (run.has('startup')) await benchCliStartup();
    if (run.has('shell')) await benchShellLatency();
    if (run.has('commit')) await benchCommitCost();
    // SoftHSM is compared with the engine's rates, so it needs the engine section.
    const engineRates = run.has('engine') || run.has('softhsm') ? await benchEngineThroughput() : undefined;
    if (run.has('generate') || run.has('list') || run.has('backups')) {
      // key list and backups need the 10,000-key cluster; without the generate section it is filled untimed.
      const large = run.has('generate') ? await benchKeyGeneration() : await largeKeyCluster();
      if (run.has('list')) await benchKeyListCli(large);
      if (run.has('backups')) await benchBackups(large);
    }
    if (run.has('softhsm')) await benchSoftHsm(engineRates!);
    if (run.has('audit')) await benchAudit();
    if (run.has('kms')) await benchKms();
    if (run.has('pkcs11')) await benchPkcs11();
  } finally {
    removeTempDirs();
  }
}

main().catch((err: unknown) => {
  console.error('bench crashed:', err);
  process.exitCode = 1;
});
