/**
 * Secrets typed into the shell, read as each dialect's parser reads them: never kept in history,
 * never echoed in an error, whatever the form (a value that starts with dashes, KMU's -pSECRET
 * and --password SECRET, a password typed alone at the command prompt). Property-based tests
 * (fast-check) try random passwords in every form.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { cmuDialect } from '../../src/shell/dialects/cmu.js';
import { kmuDialect } from '../../src/shell/dialects/kmu.js';
import { modernRedactor } from '../../src/shell/dialects/modern.js';
import { oclifConfig, runBin, tempDir } from '../support/helpers.js';

/** Passwords as people choose them: 7-32 printable characters, some starting with dashes. */
const password = fc
  .tuple(fc.constantFrom('', '-', '--'), fc.string({ unit: fc.constantFrom(...'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!@#$%^&*()_+=-.,:/'.split('')), minLength: 7, maxLength: 30 }))
  .map(([dashes, rest]) => `${dashes}${rest}`)
  .filter((p) => !/^-+$/.test(p));

/** How a shell line quotes a word so that the tokenizer reads it back as `word`. */
const quoted = (word: string) => `'${word.replace(/'/g, `'"'"'`)}'`;

describe('shell: secrets stay out of history and errors', function () {
  this.timeout(120_000);

  it('the CloudHSM CLI dialect redacts secret flag values in every form, and lines that name no command', async () => {
    const config = await oclifConfig();
    const redact = modernRedactor(config.commandIDs, (id) => Object.keys(config.findCommand(id)?.flags ?? {}));
    fc.assert(
      fc.property(password, (pw) => {
        for (const line of [
          `login --username admin --role admin --password ${quoted(pw)}`,
          `login --username admin --role admin --password=${quoted(pw)}`,
          `user create --username bob --role crypto-user --password ${quoted(pw)} --json`,
          quoted(pw),
          `key ${quoted(pw)}`,
          `${quoted(pw)} --password x`,
        ]) {
          const out = redact(line);
          assert.ok(!out.includes(pw) || line.replace(quoted(pw), '').includes(pw), `${JSON.stringify(line)} → ${JSON.stringify(out)}`);
        }
      }),
      { numRuns: 300 },
    );
    assert.equal(redact('key list --filter attr.label=mine --json --state-dir ./s'), 'key list --filter attr.label=mine --json --state-dir ./s', 'ordinary lines stay as typed');
    // A mistyped secret flag is refused by the parser; the word after it goes all the same.
    assert.equal(redact('login --username admin --role admin --pasword Secret-Typo-1'), 'login --username admin --role admin --pasword ****');
  });

  it('the KMU dialect redacts -p VALUE, -pVALUE, --password VALUE and lines that are no command', () => {
    fc.assert(
      fc.property(password, (pw) => {
        for (const line of [`loginHSM -u CU -s alice -p ${quoted(pw)}`, `loginHSM -u CU -s alice -p${quoted(pw)}`, `loginHSM -u CU -s alice --password ${quoted(pw)}`, `loginHSM -u CU -s alice -password ${quoted(pw)}`, quoted(pw)]) {
          assert.ok(!kmuDialect.redact(line).includes(pw), `${line} → ${kmuDialect.redact(line)}`);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('the CMU dialect redacts passwords of its password commands and lines that are no command', () => {
    fc.assert(
      fc.property(password, (pw) => {
        for (const line of [`loginHSM CU alice ${quoted(pw)}`, `createUser CU bob ${quoted(pw)}`, `changePswd CU bob ${quoted(pw)}`, quoted(pw)]) {
          assert.ok(!cmuDialect.redact(line).includes(pw), `${line} → ${cmuDialect.redact(line)}`);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('piped sessions in each dialect never echo a password, and keep no history file', () => {
    const dir = path.join(tempDir(), 'state');
    const history = path.join(tempDir(), 'history');
    const env = { CLOUDHSM_STATE_DIR: dir, CLOUDHSM_HISTORY_FILE: history };
    assert.equal(runBin(['cluster', 'quickstart', '--password-stdin'], { env, input: 'Admin123!\n' }).status, 0);
    const sessions: Array<[string, string[]]> = [
      ['cloudhsm-cli', ['login --username admin --role admin --password --Leak-One-1', 'Leak-Two-22', 'key Leak-Three-3', 'login --username admin --role admin --pasword Leak-Nine-9']],
      ['kmu', ['loginHSM -u CU -s admin -pLeak-Four-4', 'loginHSM -u CU -s admin --password Leak-Five-5', 'Leak-Six-66']],
      ['cmu', ['Leak-Seven-7', 'loginHSM CU admin Leak-Eight-8']],
    ];
    for (const [dialect, lines] of sessions) {
      const r = runBin(['shell', '--dialect', dialect], { env, input: `${lines.join('\n')}\nquit\n` });
      const seen = `${r.stdout}${r.stderr}`;
      for (const leak of seen.match(/Leak-[A-Za-z]+-\d+/g) ?? []) assert.fail(`${dialect} echoed ${leak}:\n${seen}`);
    }
    assert.ok(!fs.existsSync(history), 'a piped shell wrote a history file');
  });
});
