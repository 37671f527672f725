/**
 * "Did you mean" for a mistyped command word or flag. Only known words are ever shown: the word
 * typed is not echoed, since a password typed in the wrong place must not reach the screen, a log
 * or the history.
 */

/** The words of a command line before its first flag: the command's words. */
export function commandWords(argv: readonly string[]): string[] {
  const end = argv.findIndex((a) => a.startsWith('-'));
  return argv.slice(0, end < 0 ? argv.length : end);
}

/** Edits (insert, delete, substitute, swap two neighbours) between two words. */
export function editDistance(a: string, b: string): number {
  const rows = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(rows[i - 1]![j]! + 1, rows[i]![j - 1]! + 1, rows[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) best = Math.min(best, rows[i - 2]![j - 2]! + 1);
      rows[i]![j] = best;
    }
  }
  return rows[a.length]![b.length]!;
}

/**
 * The one candidate closest to `word`, if it is close enough to be a slip (a third of the word's
 * length, at least one edit) and no other candidate is as close; a prefix of a single candidate
 * counts too (`gen` for `generate-file` when nothing else starts so).
 */
export function closest(word: string, candidates: readonly string[]): string | undefined {
  const lowered = word.toLowerCase();
  const limit = Math.max(1, Math.floor(lowered.length / 3));
  const scored = [...new Set(candidates)].map((c) => ({ c, d: editDistance(lowered, c) })).sort((x, y) => x.d - y.d);
  const best = scored[0];
  if (best && best.d <= limit && scored[1]?.d !== best.d) return best.c;
  const prefixed = candidates.filter((c) => lowered.length >= 3 && c.startsWith(lowered));
  return new Set(prefixed).size === 1 ? prefixed[0] : undefined;
}

/**
 * What to say about command words that name no command: the known group they start with, the
 * command they most likely meant, then `advice` (a sentence, for example how to list the
 * commands). `ids` are command ids with ':' between words.
 */
export function unknownCommand(ids: readonly string[], words: readonly string[], advice: string): string {
  const groups = new Set(ids.flatMap((id) => id.split(':').slice(0, -1).map((_, i, parts) => parts.slice(0, i + 1).join(':'))));
  let known = 0;
  while (known < words.length && groups.has(words.slice(0, known + 1).join(':'))) known++;
  const prefix = words.slice(0, known);
  const under = prefix.length > 0 ? ` under "${prefix.join(' ')}"` : '';
  // Each word from the first unknown one on: as typed when it fits, else the closest that does.
  const meant = [...prefix];
  for (const word of words.slice(known)) {
    const options = ids.map((id) => id.split(':')).filter((parts) => meant.every((w, i) => parts[i] === w)).map((parts) => parts[meant.length]).filter((w): w is string => w !== undefined);
    const next = options.includes(word) ? word : closest(word, options);
    if (next === undefined) break;
    meant.push(next);
  }
  if (meant.length === known) return `unknown command${under}. ${advice}`;
  return `unknown command${under}; did you mean \`${meant.join(' ')}\`? ${advice}`;
}

/** The flag most likely meant by an unknown one (`--pasword`), among a command's flags. */
export function unknownFlagHint(flag: string, flags: readonly string[]): string {
  const name = flag.replace(/^--?/, '').split('=')[0]!;
  const guess = closest(name, flags);
  return guess === undefined ? '' : `; did you mean --${guess}?`;
}
