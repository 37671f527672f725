/**
 * The CLI's key filter grammar (cli-commands.md §4), read at the edge: a filter is
 * `key-reference=<hex|decimal>` or one or more `attr.<name>=<value>` terms (a value in double
 * quotes loses them), ANDed into the KeySelector that the core operations take.
 */
import { HsmError } from '../core/errors.js';
import { ANY_KEY, type KeySelector } from '../core/keys/selector.js';

/** Filters parsed before, by flag and terms: a long-running process (the shell) repeats the same few. */
const parsedFilters = new Map<string, KeySelector>();
const PARSED_FILTERS_MAX = 256;

/**
 * The selector a filter flag's terms name; `flag` names the option in errors (--filter,
 * --key-filter …). No terms select every key, or are refused when the flag is `required`. The
 * result is frozen and may be shared between calls.
 */
export function parseKeyFilter(terms: readonly string[] | undefined, flag: string, required: boolean): KeySelector {
  if (!terms || terms.length === 0) {
    if (required) throw new HsmError('INVALID_ARGUMENT', `${flag} is required: give key-reference=0x… or attr.label=NAME`);
    return ANY_KEY;
  }
  // Each term is length-prefixed, so that no two different lists of terms share a cache key.
  let cacheKey = flag;
  for (const term of terms) cacheKey += `|${term.length}:${term}`;
  const cached = parsedFilters.get(cacheKey);
  if (cached) return cached;
  const selector = parseTerms(terms, flag);
  if (parsedFilters.size >= PARSED_FILTERS_MAX) parsedFilters.clear();
  parsedFilters.set(cacheKey, selector);
  return selector;
}

function parseTerms(terms: readonly string[], flag: string): KeySelector {
  let ref: number | undefined;
  const attributes: Array<readonly [string, string]> = [];
  for (const term of terms) {
    const eq = term.indexOf('=');
    if (eq <= 0) {
      throw new HsmError('INVALID_ARGUMENT', `${flag} term "${term}" is not NAME=VALUE; use key-reference=0x… or attr.label=NAME`);
    }
    const name = term.slice(0, eq);
    const value = term.slice(eq + 1).replace(/^"(.*)"$/, '$1');
    if (name === 'key-reference') {
      ref = parseReference(value);
    } else if (name.startsWith('attr.') && name.length > 5) {
      attributes.push(Object.freeze([name.slice(5), value] as const));
    } else {
      throw new HsmError('INVALID_ARGUMENT', `${flag} term "${name}" is unknown; use key-reference=0x… or attr.<attribute>=<value> (for example attr.label=mykey)`);
    }
  }
  return Object.freeze(ref === undefined ? { attributes: Object.freeze(attributes) } : { ref, attributes: Object.freeze(attributes) });
}

/** A key reference as filters take it: `0x…` hex (as `key list` prints it) or decimal. */
export function parseReference(text: string): number {
  const t = text.trim();
  const value = /^0x[0-9a-f]+$/i.test(t) ? Number.parseInt(t.slice(2), 16) : /^\d+$/.test(t) ? Number(t) : Number.NaN;
  if (!Number.isSafeInteger(value) || value <= 0) {
    throw new HsmError('INVALID_ARGUMENT', `key-reference "${text}" is not a key reference: give 0x followed by hex digits (as \`key list\` prints) or a decimal number`);
  }
  return value;
}
