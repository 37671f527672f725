/**
 * The parsers under random input (fast-check): each either returns what its inverse encoded or
 * refuses with our error; none crashes, hangs or lets a foreign exception through.
 */
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { decodeBase64 } from '../../src/cli/key-commands/shared.js';
import { parseKeyFilter } from '../../src/cli/key-filter.js';
import { HsmError } from '../../src/core/errors.js';
import { parsePem, toPem } from '../../src/core/keys/files.js';
import { parseAttributeOverrides } from '../../src/core/keys/generate.js';
import { bytesArg, parseHex } from '../../src/core/keys/wrap.js';
import { cmuDialect } from '../../src/shell/dialects/cmu.js';
import { kmuDialect } from '../../src/shell/dialects/kmu.js';
import { tokenize, wordSpans, TokenizeError } from '../../src/shell/tokenize.js';
import { testHost } from '../support/dialect-host.js';

/** Runs `fn`; passes when it returns or throws one of `allowed`, fails on anything else. */
function onlyRefuses(fn: () => unknown, ...allowed: Array<new (...args: never[]) => Error>): void {
  try {
    fn();
  } catch (err) {
    if (!allowed.some((type) => err instanceof type)) throw err;
  }
}

const quoted = (word: string) => `'${word.replace(/'/g, `'"'"'`)}'`;

describe('parsers under random input (property-based)', function () {
  this.timeout(300_000);

  it('the shell tokenizer reads back any words it is given quoted, and agrees with its word spans', () => {
    fc.assert(
      fc.property(fc.array(fc.string({ maxLength: 12 }), { maxLength: 6 }), (words) => {
        const line = words.map(quoted).join(' ');
        assert.deepEqual(tokenize(line), words);
        assert.equal(wordSpans(line).length, words.length);
      }),
    );
    fc.assert(
      fc.property(fc.string({ maxLength: 60 }), (line) => {
        let words: string[] | undefined;
        onlyRefuses(() => (words = tokenize(line)), TokenizeError);
        if (words) assert.equal(wordSpans(line).length, words.length, JSON.stringify(line));
      }),
    );
  });

  it('PEM: what toPem writes parses back; anything else is refused with INVALID_ARGUMENT', () => {
    fc.assert(
      fc.property(fc.constantFrom('PUBLIC KEY', 'PRIVATE KEY', 'RSA PRIVATE KEY', 'EC PRIVATE KEY'), fc.uint8Array({ minLength: 1, maxLength: 300 }), (label, der) => {
        const parsed = parsePem(toPem(label, der));
        assert.equal(parsed.label, label);
        assert.deepEqual(Buffer.from(parsed.der), Buffer.from(der));
      }),
    );
    fc.assert(fc.property(fc.string({ maxLength: 200 }), (text) => onlyRefuses(() => parsePem(text), HsmError)));
    fc.assert(fc.property(fc.string({ maxLength: 200 }), (body) => onlyRefuses(() => parsePem(`-----BEGIN PUBLIC KEY-----\n${body}\n-----END PUBLIC KEY-----\n`), HsmError)));
  });

  it('base64 and hex flags: encodings of random bytes decode back; other text is refused', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 100 }), (bytes) => {
        assert.deepEqual(Buffer.from(decodeBase64('--data', Buffer.from(bytes).toString('base64'))), Buffer.from(bytes));
        assert.deepEqual(Buffer.from(parseHex('--iv', `0x${Buffer.from(bytes).toString('hex')}`)), Buffer.from(bytes));
        // --iv and --tag take 0x-hex or base64: either encoding reads back, even a base64 text
        // that happens to start with "0x" or "0X".
        assert.deepEqual(Buffer.from(bytesArg('--iv', `0x${Buffer.from(bytes).toString('hex')}`)!), Buffer.from(bytes));
        assert.deepEqual(Buffer.from(bytesArg('--iv', Buffer.from(bytes).toString('base64'))!), Buffer.from(bytes));
      }),
    );
    assert.equal(Buffer.from(bytesArg('--iv', '0XXvwmDj6mZSoPWx')!).toString('base64'), '0XXvwmDj6mZSoPWx');
    fc.assert(
      fc.property(fc.string({ maxLength: 80 }), (text) => {
        onlyRefuses(() => decodeBase64('--data', text), HsmError);
        onlyRefuses(() => parseHex('--iv', text), HsmError);
      }),
    );
  });

  it('key filters and attribute values: random terms parse or are refused with our error', () => {
    const term = fc.oneof(
      fc.string({ maxLength: 30 }),
      fc.tuple(fc.constantFrom('attr.label', 'attr.id', 'attr.encrypt', 'attr.class', 'attr.key-type', 'key-reference', 'attr.nope'), fc.string({ maxLength: 20 })).map(([k, v]) => `${k}=${v}`),
    );
    fc.assert(fc.property(fc.array(term, { maxLength: 4 }), (terms) => onlyRefuses(() => parseKeyFilter(terms, '--filter', false), HsmError)));
    const attribute = fc.tuple(fc.constantFrom('encrypt', 'decrypt', 'wrap', 'token', 'id', 'label', 'trusted', 'bogus', ''), fc.constantFrom('true', 'false', '1', '0', 'yes', '0x0102', '', 'TRUE')).map(([k, v]) => `${k}=${v}`);
    fc.assert(
      fc.property(fc.array(fc.oneof(attribute, fc.string({ maxLength: 20 })), { maxLength: 4 }), fc.constantFrom('secret-key' as const, 'public-key' as const, 'private-key' as const), (attributes, keyClass) =>
        onlyRefuses(() => parseAttributeOverrides(attributes, '--attributes', keyClass), HsmError),
      ),
    );
  });

  it('the legacy dialects answer any line built from their command names and flags without an internal error', async () => {
    const t = await testHost();
    const kmuWords = ['loginHSM', 'genSymKey', 'findKey', 'getAttribute', 'setAttribute', 'wrapKey', 'unWrapKey', 'sign', 'aesWrapUnwrap', 'exportPubKey', 'deleteKey', 'listUsers', 'Error2String'];
    const cmuWords = ['listUsers', 'createUser', 'changePswd', 'getAttribute', 'shareKey', 'findAllKeys', 'getKeyInfo', 'info', 'server'];
    const arg = fc.oneof(fc.constantFrom('-k', '-w', '-t', '-m', '-f', '-out', '-l', '-s', '-u', '-p', '-a', '-o', 'CU', 'CO', '1', '262150', '0', '-1', 'x'), fc.string({ maxLength: 8 }));
    for (const [dialect, words] of [[kmuDialect, kmuWords], [cmuDialect, cmuWords]] as const) {
      await fc.assert(
        fc.asyncProperty(fc.constantFrom(...words), fc.array(arg, { maxLength: 6 }), async (name, args) => {
          t.answers.length = 0;
          t.passwords.length = 0;
          const outcome = await dialect.run(t.host, [name, ...args]);
          assert.ok(['ok', 'failed'].includes(outcome), `${name} ${args.join(' ')} → ${outcome}`);
          assert.doesNotMatch(t.output(), /internal error|This is a bug/, `${name} ${args.join(' ')}`);
          t.clear();
        }),
        { numRuns: 150 },
      );
    }
  });
});
