/**
 * Splits a shell line into words: whitespace separates, single and double quotes group (as in
 * `attr.label="my key"`), a backslash escapes the next character outside single quotes.
 */
export class TokenizeError extends Error {}

export function tokenize(line: string): string[] {
  const words: string[] = [];
  let current = '';
  let inWord = false;
  let quote: '"' | "'" | undefined;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i]!;
    if (quote) {
      if (ch === quote) quote = undefined;
      else if (ch === '\\' && quote === '"' && i + 1 < line.length) current += line[++i];
      else current += ch;
      continue;
    }
    if (ch === '"' || ch === "'") {
      quote = ch;
      inWord = true;
    } else if (ch === '\\' && i + 1 < line.length) {
      current += line[++i];
      inWord = true;
    } else if (/\s/.test(ch)) {
      if (inWord) words.push(current);
      current = '';
      inWord = false;
    } else {
      current += ch;
      inWord = true;
    }
  }
  if (quote) throw new TokenizeError(`unclosed ${quote === '"' ? 'double' : 'single'} quote`);
  if (inWord) words.push(current);
  return words;
}

/** Flags whose values are secrets: never echoed, never kept in history. */
export const SECRET_FLAGS = ['--password', '--rotate-password', '--new-password', '--pin'];

/** The line with secret flag values replaced by `****`, for history. */
export function redactSecrets(line: string): string {
  let out = line;
  for (const flag of SECRET_FLAGS) {
    const re = new RegExp(`(${flag})(=|\\s+)("[^"]*"|'[^']*'|\\S+)`, 'g');
    out = out.replace(re, (_m, f: string, sep: string, value: string) => (value.startsWith('--') ? `${f}${sep}${value}` : `${f}${sep}****`));
  }
  return out;
}
