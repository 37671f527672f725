/**
 * "Did you mean" (src/cli/suggest.ts): slips are caught, and nothing the user typed is ever
 * shown back unless it is itself a known command word (a password typed in the wrong place must
 * not reach the screen).
 */
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { closest, commandWords, editDistance, unknownCommand, unknownFlagHint } from '../../src/cli/suggest.js';
import { COMMAND_IDS } from '../../src/registry.js';

const ADVICE = 'Type `help` to list the commands.';

describe('did you mean', () => {
  it('measures edits, with a swap of neighbours as one', () => {
    assert.equal(editDistance('list', 'list'), 0);
    assert.equal(editDistance('lsit', 'list'), 1);
    assert.equal(editDistance('lst', 'list'), 1);
    assert.equal(editDistance('kitten', 'sitting'), 3);
  });

  it('suggests the command meant for common slips, and nothing for words far from any', () => {
    assert.equal(unknownCommand(COMMAND_IDS, ['user', 'lst'], ADVICE), `unknown command under "user"; did you mean \`user list\`? ${ADVICE}`);
    assert.equal(unknownCommand(COMMAND_IDS, ['usr', 'lsit'], ADVICE), `unknown command; did you mean \`user list\`? ${ADVICE}`);
    assert.equal(unknownCommand(COMMAND_IDS, ['key', 'generate-symetric', 'aes'], ADVICE), `unknown command under "key"; did you mean \`key generate-symmetric aes\`? ${ADVICE}`);
    assert.equal(unknownCommand(COMMAND_IDS, ['crypto', 'sing', 'ecdsa'], ADVICE), `unknown command under "crypto"; did you mean \`crypto sign ecdsa\`? ${ADVICE}`);
    assert.equal(unknownCommand(COMMAND_IDS, ['Hunter2-Password'], ADVICE), `unknown command. ${ADVICE}`);
    assert.equal(unknownCommand(COMMAND_IDS, ['user', 'zzzzzz'], ADVICE), `unknown command under "user". ${ADVICE}`);
  });

  it('offers no guess when two commands are equally close', () => {
    assert.equal(closest('cat', ['bat', 'hat']), undefined);
    assert.equal(closest('gen', ['generate-file', 'generate-symmetric']), undefined);
    assert.equal(closest('gen', ['generate-file', 'list']), 'generate-file');
  });

  it('suggests a flag of the command for a mistyped one', () => {
    assert.equal(unknownFlagHint('--pasword', ['password', 'password-stdin', 'username']), '; did you mean --password?');
    assert.equal(unknownFlagHint('--usrname=alice', ['password', 'username']), '; did you mean --username?');
    assert.equal(unknownFlagHint('--zzzzzzzz', ['password', 'username']), '');
  });

  it('takes the words before the first flag as the command', () => {
    assert.deepEqual(commandWords(['key', 'list', '--filter', 'attr.label=x']), ['key', 'list']);
    assert.deepEqual(commandWords(['--json', 'key']), []);
  });

  it('never shows back a typed word that is not a known command word (property)', () => {
    const known = new Set(COMMAND_IDS.flatMap((id) => id.split(':')));
    const word = fc.oneof(fc.constantFrom(...known), fc.string({ minLength: 1, maxLength: 12 }).filter((w) => !w.startsWith('-') && !w.includes('`')));
    fc.assert(
      fc.property(fc.array(word, { minLength: 1, maxLength: 4 }), (words) => {
        const message = unknownCommand(COMMAND_IDS, words, ADVICE);
        const shown = [...message.matchAll(/["`]([^"`]+)["`]/g)].flatMap((m) => m[1]!.split(' '));
        for (const w of shown) {
          if (w === 'help') continue;
          assert.ok(known.has(w), `"${w}" was shown back but is no command word (typed: ${JSON.stringify(words)})`);
        }
      }),
      { numRuns: 500 },
    );
  });
});
