/**
 * Drift checks between the table of mechanisms and what the edges print: every code key_mgmt_util's
 * help spells out maps back to a table row, and every hash, MGF, curve and parameter set the CLI's
 * flags offer is a table row.
 */
import assert from 'node:assert/strict';
import { cipherCommand } from '../../src/cli/key-commands/cipher.js';
import { keyPairCommand } from '../../src/cli/key-commands/generate.js';
import { macCommand } from '../../src/cli/key-commands/mac.js';
import { signCommand } from '../../src/cli/key-commands/sign.js';
import { wrapCommand } from '../../src/cli/key-commands/wrap.js';
import { CURVES as CLI_CURVES } from '../../src/core/keys/model.js';
import { CIPHER_MECHANISMS, mgf1Hash, SIGN_MECHANISMS, WRAP_MECHANISMS } from '../../src/core/mechanisms/choices.js';
import { CURVES, HASHES, KEY_CLASSES, KEY_TYPES, ML_DSA, SIGNATURES, WRAPS } from '../../src/core/mechanisms/table.js';
import type { DialectHost } from '../../src/shell/dialect.js';
import { kmuDialect } from '../../src/shell/dialects/kmu.js';
import { CURVE_IDS, SIGN_CODES, WRAP_CODES, WRAP_HASHES } from '../../src/shell/dialects/kmu-codes.js';

/** The help line of one flag of a KMU command: `    -i         curve: 2 P-256, ...`. */
async function flagHelp(command: string, flag: string): Promise<string> {
  const text = await kmuDialect.help(undefined as unknown as DialectHost, [command]);
  const line = text.split('\n').find((l) => l.trimStart().startsWith(`-${flag} `));
  assert.ok(line, `help ${command} has no -${flag} line`);
  return line.trim().slice(flag.length + 1).trim();
}

/** The codes a help text names: single numbers and ranges like 0-4. */
function codesIn(text: string): number[] {
  return [...text.matchAll(/\b(\d+)(?:-(\d+))?\b/g)].flatMap(([, from, to]) => {
    const first = Number(from);
    const last = to === undefined ? first : Number(to);
    return Array.from({ length: last - first + 1 }, (_, i) => first + i);
  });
}

/** A flag's options as oclif holds them. */
function options(flags: object, name: string): string[] {
  const flag = (flags as Record<string, { options?: string[] } | undefined>)[name];
  assert.ok(flag?.options, `no options for --${name}`);
  return flag.options;
}

const typeCodes = new Set<number>(Object.values(KEY_TYPES).map((row) => row.pkcs11));
const classCodes = new Set<number>(Object.values(KEY_CLASSES).map((row) => row.pkcs11));

describe('mechanism codes and options come from the table of mechanisms', () => {
  it('every curve ID in genECCKeyPair -i help is a CURVES row with a KMU ID', async () => {
    const ids = codesIn((await flagHelp('genECCKeyPair', 'i')).replace(/P-\d+|secp\d+k1/g, ''));
    assert.deepEqual(ids, Object.values(CURVES).flatMap((row) => ('kmu' in row ? [row.kmu.id] : [])).sort((a, b) => a - b));
    for (const id of ids) assert.ok(CURVE_IDS.has(id), `-i ${id}`);
  });

  it('every sign -m code in the help maps back to a hash row and scheme, and every such code is shown', async () => {
    const codes = codesIn((await flagHelp('sign', 'm')).replace(/SHA[\d/]+/g, ''));
    for (const code of codes) assert.ok(SIGN_CODES.has(code), `sign -m ${code}`);
    assert.deepEqual(new Set(codes), new Set(SIGN_CODES.keys()));
  });

  it('every wrapKey -m and -t code in the help maps back to a WRAPS or HASHES row', async () => {
    const mechanisms = codesIn(await flagHelp('wrapKey', 'm'));
    assert.deepEqual(new Set(mechanisms), new Set(WRAP_CODES.keys()));
    for (const code of mechanisms) assert.ok(WRAP_CODES.get(code)! in WRAPS);
    const [oaep, hashes] = (await flagHelp('wrapKey', 't')).split(':') as [string, string];
    for (const code of codesIn(oaep)) {
      const mechanism = WRAP_CODES.get(code);
      assert.ok(mechanism !== undefined && 'oaep' in WRAPS[mechanism], `-m ${code} takes -t`);
    }
    const hashCodes = codesIn(hashes.replace(/SHA\d+/g, ''));
    assert.deepEqual(new Set(hashCodes), new Set(WRAP_HASHES.keys()));
    for (const code of hashCodes) assert.ok(WRAP_HASHES.get(code)! in HASHES);
  });

  it('every key type and class code in the help is a KEY_TYPES or KEY_CLASSES row', async () => {
    for (const [command, flag] of [['findKey', 't'], ['unWrapKey', 'kt'], ['genSymKey', 't']] as const) {
      for (const code of codesIn(await flagHelp(command, flag))) assert.ok(typeCodes.has(code), `${command} -${flag} ${code}`);
    }
    for (const [command, flag] of [['findKey', 'c'], ['unWrapKey', 'kc']] as const) {
      for (const code of codesIn(await flagHelp(command, flag))) assert.ok(classCodes.has(code), `${command} -${flag} ${code}`);
    }
  });

  it('every hash and MGF the CLI offers has a row, and signing mechanisms offer the hashes their row names', () => {
    for (const mechanism of SIGN_MECHANISMS) {
      const flags = signCommand(mechanism).flags;
      const row = SIGNATURES[mechanism];
      if (!('hash' in row)) continue;
      for (const hash of options(flags, 'hash-function')) {
        assert.ok(row.hash === 'signing' ? HASHES[hash as keyof typeof HASHES].signs : hash === row.hash, `${mechanism} --hash-function ${hash}`);
      }
      assert.deepEqual(options(flags, 'data-type'), [...row.dataTypes]);
      if ('mgf1' in row) for (const mgf of options(flags, 'mgf')) assert.ok(HASHES[mgf1Hash(mgf) as keyof typeof HASHES].signs, mgf);
    }
    const oaep = [...CIPHER_MECHANISMS.map((m) => cipherCommand(m, false).flags), ...WRAP_MECHANISMS.map((m) => wrapCommand(m).flags)];
    for (const flags of oaep) {
      if (!('hash-function' in flags)) continue;
      for (const hash of options(flags, 'hash-function')) assert.ok(HASHES[hash as keyof typeof HASHES].oaep, hash);
      for (const mgf of options(flags, 'mgf')) assert.ok(HASHES[mgf1Hash(mgf) as keyof typeof HASHES].oaep, mgf);
    }
    for (const hash of options(macCommand('hmac', false).flags, 'hash-function')) assert.ok(hash in HASHES, hash);
  });

  it('every curve and ML-DSA parameter set the CLI offers is a table row', () => {
    for (const curve of options(keyPairCommand('ec').flags, 'curve')) {
      const name = CLI_CURVES[curve]!;
      assert.ok(name in CURVES || name === 'ed25519' || name === 'x25519', curve);
    }
    assert.deepEqual(options(keyPairCommand('ml-dsa').flags, 'mldsa-algorithm'), Object.keys(ML_DSA));
  });
});
