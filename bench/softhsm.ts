/**
 * Section 6, informational: the same ECDSA P-256 and RSA-2048 signatures as section 3, through
 * SoftHSM (PKCS#11, driven in-process by bench/softhsm.py) when it is installed, as a ratio to
 * the engine. Without SoftHSM, python3 or the library the line says why it was skipped.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { PAYLOAD_BYTES, THROUGHPUT_WINDOW_MS, THROUGHPUT_WINDOWS, type EngineRates } from './engine.js';
import { makeTempDir, median, opsText, PROJECT_ROOT, which } from './support.js';

const SOFTHSM_NAME = 'SoftHSM comparison';
export const SOFTHSM_MODULES = [
  '/usr/lib/softhsm/libsofthsm2.so',
  '/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so',
  '/usr/lib/aarch64-linux-gnu/softhsm/libsofthsm2.so',
  '/usr/local/lib/softhsm/libsofthsm2.so',
  '/usr/lib64/pkcs11/libsofthsm2.so',
  '/usr/lib/x86_64-linux-gnu/pkcs11/libsofthsm2.so',
];

/**
 * A fresh SoftHSM token labelled `bench` in a temporary folder (its SOFTHSM2_CONF in the returned
 * environment), with an EC P-256 key pair labelled bench-ec and, when `rsa`, an RSA-2048 one
 * labelled bench-rsa, both able to sign.
 */
export function softHsmToken(util: string, tool: string, module: string, rsa: boolean): { env: NodeJS.ProcessEnv; pin: string } {
  const dir = makeTempDir('softhsm');
  const tokens = path.join(dir, 'tokens');
  fs.mkdirSync(tokens);
  const conf = path.join(dir, 'softhsm2.conf');
  fs.writeFileSync(conf, `directories.tokendir = ${tokens}\nobjectstore.backend = file\nlog.level = ERROR\n`);
  const env = { ...process.env, SOFTHSM2_CONF: conf };
  const pin = '123456';
  const quiet = (file: string, args: string[]) => execFileSync(file, args, { env, stdio: ['ignore', 'pipe', 'pipe'], timeout: 120_000 });
  quiet(util, ['--init-token', '--free', '--label', 'bench', '--so-pin', '12345678', '--pin', pin]);
  const login = ['--module', module, '--token-label', 'bench', '--login', '--pin', pin];
  quiet(tool, [...login, '--keypairgen', '--key-type', 'EC:prime256v1', '--id', '01', '--label', 'bench-ec', '--usage-sign']);
  if (rsa) quiet(tool, [...login, '--keypairgen', '--key-type', 'rsa:2048', '--id', '02', '--label', 'bench-rsa', '--usage-sign']);
  return { env, pin };
}

export async function benchSoftHsm(engine: EngineRates): Promise<void> {
  const util = which('softhsm2-util');
  const tool = which('pkcs11-tool');
  if (!util || !tool) {
    console.log(
      `${SOFTHSM_NAME.padEnd(34)} skipped: SoftHSM is not installed (softhsm2-util and pkcs11-tool not found); ` +
        'to compare, run `apt-get install softhsm2 opensc`, then `npm run bench`',
    );
    return;
  }
  const skip = (why: string) => console.log(`${SOFTHSM_NAME.padEnd(34)} skipped: ${why}`);
  const module = SOFTHSM_MODULES.find((file) => fs.existsSync(file));
  if (!module) {
    skip(`libsofthsm2.so not found in ${SOFTHSM_MODULES.join(', ')}`);
    return;
  }
  const python = which('python3');
  if (!python) {
    skip('python3 (which drives the PKCS#11 library in-process) is not installed');
    return;
  }
  try {
    const { env, pin } = softHsmToken(util, tool, module, true);
    const script = path.join(PROJECT_ROOT, 'bench', 'softhsm.py');
    const output = execFileSync(
      python,
      [script, module, 'bench', pin, String(PAYLOAD_BYTES), String(THROUGHPUT_WINDOWS), String(THROUGHPUT_WINDOW_MS)],
      { env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 120_000 },
    );
    const rates = JSON.parse(output) as Record<string, number[]>;
    for (const [id, label, name] of [
      ['ecdsa-sign', 'bench-ec', 'SoftHSM ECDSA P-256 sign'],
      ['rsa-sign', 'bench-rsa', 'SoftHSM RSA-2048 sign (rsa-pkcs)'],
    ] as const) {
      const softhsm = median(rates[label] ?? []);
      const ours = engine.get(id)!;
      console.log(
        [
          name.padEnd(34),
          `median ${opsText(softhsm)}`.padEnd(22),
          `engine: ${opsText(ours)}`.padEnd(36),
          `engine/SoftHSM ${(ours / softhsm).toFixed(2)}`.padEnd(28),
          'informational, no target',
        ].join(' '),
      );
    }
  } catch (err) {
    const e = err as { message?: string; stderr?: Buffer | string };
    const detail = (e.stderr ? String(e.stderr).trim() : '') || String(e.message ?? err);
    skip(`SoftHSM is installed but the run failed: ${detail.split('\n').slice(-3).join(' | ')}`);
  }
}
