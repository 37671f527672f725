/**
 * A test-only process that reads a store in a loop while others write: `store-reader.js DIR MS`
 * opens DIR and, for MS milliseconds, counts its objects again and again. It fails (exit 1) if a
 * read throws or the count ever goes down (nothing in the test deletes), and prints the reads.
 */
import { Store } from '../../src/core/store/index.js';

const [dir, ms] = process.argv.slice(2);
const store = await Store.open({ dir: dir!, lockTimeoutMs: 60_000 });
const until = Date.now() + Number(ms);
let last = 0;
let reads = 0;
const seen = new Set<number>();
while (Date.now() < until) {
  const count = await store.read((v) => v.count('obj/a/') + v.count('obj/b/') + v.count('obj/c/'));
  if (count < last) {
    process.stderr.write(`the count went down from ${last} to ${count}\n`);
    process.exit(1);
  }
  last = count;
  seen.add(count);
  reads++;
}
process.stdout.write(`reads ${reads} last ${last} distinct ${seen.size}\n`);
