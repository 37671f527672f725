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
      else if (ch === '\\' && quote === '"' && i + 1 < line.length) current += line.charAt(++i);
      else current += ch;
      continue;
    }
    if (ch === '"' || ch === "'") {
      quote = ch;
      inWord = true;
    } else if (ch === '\\' && i + 1 < line.length) {
      current += line.charAt(++i);
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

/** Where one word lies in a line, by the tokenizer's rules; `open` when an unclosed quote ends it. */
export interface WordSpan {
  start: number;
  end: number;
  open?: boolean;
}

/** The spans of the words of `line`, read exactly as `tokenize` reads them. */
export function wordSpans(line: string): WordSpan[] {
  const spans: WordSpan[] = [];
  let start = -1;
  let quote: string | undefined;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i]!;
    if (quote) {
      if (ch === quote) quote = undefined;
      else if (ch === '\\' && quote === '"') i++;
      continue;
    }
    if (/\s/.test(ch)) {
      if (start >= 0) spans.push({ start, end: i });
      start = -1;
      continue;
    }
    if (start < 0) start = i;
    if (ch === '"' || ch === "'") quote = ch;
    else if (ch === '\\') i++;
  }
  if (start >= 0) spans.push({ start, end: line.length, open: quote !== undefined });
  return spans;
}

/**
 * `line` with the values of secret options replaced by `****`, word by word as the tokenizer
 * reads them (quotes, escapes, `--flag=value`); a value whose quote is never closed takes the
 * rest of the line with it. `isSecretFlag` names the options whose next word is secret: that word
 * goes whatever it looks like, because the parsers take it as the value even when it starts with
 * dashes (`login --password --role admin` logs in with the password "--role"). A word that starts
 * with `joinedPrefix` and goes on (KMU's `-pSECRET`) keeps only the prefix.
 */
export function redactOptions(line: string, isSecretFlag: (word: string) => boolean, joinedPrefix?: string): string {
  const spans = wordSpans(line);
  let out = '';
  let at = 0;
  for (let i = 0; i < spans.length; i++) {
    const { start, end, open } = spans[i]!;
    const word = line.slice(start, end);
    const eq = word.indexOf('=');
    let from: number | undefined;
    if (eq > 0 && isSecretFlag(word.slice(0, eq))) from = start + eq + 1;
    else if (i > 0 && isSecretFlag(line.slice(spans[i - 1]!.start, spans[i - 1]!.end))) from = start;
    else if (joinedPrefix && word.length > joinedPrefix.length && word.startsWith(joinedPrefix)) from = start + joinedPrefix.length;
    if (from === undefined) continue;
    out += `${line.slice(at, from)}****`;
    at = open ? line.length : end;
  }
  return out + line.slice(at);
}

/**
 * The words of `line` up to the first one that `known` rejects, then `****` for the rest: a line
 * whose command is unknown may be a password typed at the wrong prompt, so nothing of it that is
 * not a command word is kept or echoed. `known(words)` says whether the words so far name a
 * command (or a group of commands). Returns the kept words too.
 */
export function redactUnknown(line: string, known: (words: string[]) => boolean): { line: string; kept: string[] } {
  // A quote left open is read as closed at the end of the line, as the redaction of its words is.
  let words: string[] | undefined;
  for (const ending of ['', '"', "'"]) {
    try {
      words = tokenize(line + ending);
      break;
    } catch {
      /* try the other quote */
    }
  }
  if (!words) return { line: '****', kept: [] };
  let n = 0;
  while (n < words.length && known(words.slice(0, n + 1))) n++;
  const kept = words.slice(0, n);
  return { line: n < words.length ? [...kept, '****'].join(' ') : kept.join(' '), kept };
}

/** The line with secret flag values replaced by `****`, for history. */
export function redactSecrets(line: string): string {
  return redactOptions(line, (word) => SECRET_FLAGS.includes(word));
}
