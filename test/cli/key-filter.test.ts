import assert from 'node:assert/strict';
import { parseKeyFilter, parseReference } from '../../src/cli/key-filter.js';
import { HsmError } from '../../src/core/errors.js';
import { ANY_KEY } from '../../src/core/keys/selector.js';

/** The error a parse throws: our INVALID_ARGUMENT, whose message the caller checks to the byte. */
function refusal(parse: () => unknown): string {
  try {
    parse();
  } catch (err) {
    assert.ok(err instanceof HsmError, String(err));
    assert.equal(err.code, 'INVALID_ARGUMENT');
    return err.message;
  }
  assert.fail('expected a refusal');
}

const NOT_A_REFERENCE = (text: string) => `key-reference "${text}" is not a key reference: give 0x followed by hex digits (as \`key list\` prints) or a decimal number`;

describe('cli/key-filter: the CLI filter grammar read into key selectors', () => {
  it('key-reference= takes 0x hex (any case) or decimal, with surrounding blanks', () => {
    assert.deepEqual(parseKeyFilter(['key-reference=0x00000000000003d5'], '--filter', true), { ref: 0x3d5, attributes: [] });
    assert.deepEqual(parseKeyFilter(['key-reference=0X3D5'], '--filter', true), { ref: 0x3d5, attributes: [] });
    assert.deepEqual(parseKeyFilter(['key-reference=981'], '--filter', true), { ref: 981, attributes: [] });
    assert.deepEqual(parseKeyFilter(['key-reference= 981 '], '--filter', true), { ref: 981, attributes: [] });
    assert.equal(parseReference(String(Number.MAX_SAFE_INTEGER)), Number.MAX_SAFE_INTEGER);
  });

  it('attr.NAME=VALUE terms are ANDed in order; the value runs to the end of the term and loses one pair of double quotes', () => {
    assert.deepEqual(parseKeyFilter(['attr.label=signing', 'attr.class=private-key', 'key-reference=7'], '--filter', true), {
      ref: 7,
      attributes: [
        ['label', 'signing'],
        ['class', 'private-key'],
      ],
    });
    assert.deepEqual(parseKeyFilter(['attr.label=a=b'], '--filter', true).attributes, [['label', 'a=b']]);
    assert.deepEqual(parseKeyFilter(['attr.label="my key"'], '--filter', true).attributes, [['label', 'my key']]);
    assert.deepEqual(parseKeyFilter(['attr.label=""x""'], '--filter', true).attributes, [['label', '"x"']]);
    assert.deepEqual(parseKeyFilter(['attr.label="open'], '--filter', true).attributes, [['label', '"open']]);
    assert.deepEqual(parseKeyFilter(['attr.label='], '--filter', true).attributes, [['label', '']]);
    assert.deepEqual(parseKeyFilter(['key-reference="0x10"'], '--filter', true), { ref: 16, attributes: [] });
    // A later reference replaces an earlier one.
    assert.equal(parseKeyFilter(['key-reference=1', 'key-reference=2'], '--filter', true).ref, 2);
  });

  it('no terms select every key, unless the flag is required', () => {
    assert.equal(parseKeyFilter(undefined, '--filter', false), ANY_KEY);
    assert.equal(parseKeyFilter([], '--filter', false), ANY_KEY);
    for (const flag of ['--filter', '--key-filter', '--payload-filter', '--wrapping-filter', '--base-key-filter']) {
      for (const terms of [undefined, []]) {
        assert.equal(refusal(() => parseKeyFilter(terms, flag, true)), `${flag} is required: give key-reference=0x… or attr.label=NAME`);
      }
    }
  });

  it('refuses a term without NAME=, an unknown name and a reference that is not one, naming the flag', () => {
    for (const term of ['label', '=x', '', 'attr.label']) {
      assert.equal(refusal(() => parseKeyFilter([term], '--key-filter', true)), `--key-filter term "${term}" is not NAME=VALUE; use key-reference=0x… or attr.label=NAME`);
    }
    for (const [term, name] of [['label=x', 'label'], ['attr.=x', 'attr.'], ['key-ref=1', 'key-ref'], ['Attr.label=x', 'Attr.label']]) {
      assert.equal(refusal(() => parseKeyFilter([term!], '--wrapping-filter', true)), `--wrapping-filter term "${name}" is unknown; use key-reference=0x… or attr.<attribute>=<value> (for example attr.label=mykey)`);
    }
    for (const value of ['0', '0x0', '-1', '0x', '1.5', '1e3', 'abc', '0xg1', '', String(2 ** 53)]) {
      assert.equal(refusal(() => parseKeyFilter([`key-reference=${value}`], '--filter', true)), NOT_A_REFERENCE(value));
    }
    // The term is checked as written; a later good term does not excuse it.
    assert.equal(refusal(() => parseKeyFilter(['attr.label=x', 'nonsense'], '--filter', false)), '--filter term "nonsense" is not NAME=VALUE; use key-reference=0x… or attr.label=NAME');
  });

  it('hands back frozen selectors, the same one for the same flag and terms; another flag is parsed (and named) again', () => {
    const first = parseKeyFilter(['attr.label=cached', 'key-reference=5'], '--filter', true);
    assert.equal(parseKeyFilter(['attr.label=cached', 'key-reference=5'], '--filter', true), first);
    assert.ok(Object.isFrozen(first) && Object.isFrozen(first.attributes) && first.attributes.every((term) => Object.isFrozen(term)));
    assert.deepEqual(parseKeyFilter(['attr.label=cached', 'key-reference=5'], '--key-filter', true), first);
    assert.match(refusal(() => parseKeyFilter(['bad'], '--filter', true)), /^--filter term/);
    assert.match(refusal(() => parseKeyFilter(['bad'], '--key-filter', true)), /^--key-filter term/);
    // Lists of terms are told apart however their text is split between terms.
    assert.deepEqual(parseKeyFilter(['attr.label=a', 'attr.id=b'], '--filter', true).attributes, [
      ['label', 'a'],
      ['id', 'b'],
    ]);
    assert.deepEqual(parseKeyFilter(['attr.label=a|attr.id=b'], '--filter', true).attributes, [['label', 'a|attr.id=b']]);
    assert.deepEqual(parseKeyFilter(['attr.label=a|9:attr.id=b'], '--filter', true).attributes, [['label', 'a|9:attr.id=b']]);
  });
});
