/**
 * A test-only process that writes to a store directly: `store-writer.js DIR NAME COUNT [EVERY]`
 * puts obj/NAME/0 … obj/NAME/COUNT-1 one transaction each (and appends the key to the stream
 * `writer` in the same transaction), printing "committed obj/NAME/i" once
 * each is durable. With EVERY=compact the log is folded into a snapshot after every commit. The
 * fault hook comes from CLOUDHSM_TEST_FAULT (fault-hook.ts).
 */
import { Store } from '../../src/core/store/index.js';
import { installFaultHookFromEnv } from './fault-hook.js';

const [dir, name, count, every] = process.argv.slice(2);
installFaultHookFromEnv();
const store = await Store.open({ dir: dir!, compactAfterBytes: every === 'compact' ? 1 : 1 << 20, lockTimeoutMs: 60_000, create: true });
for (let i = 0; i < Number(count); i++) {
  const key = `obj/${name}/${i}`;
  await store.transact((tx) => {
    tx.put(key, { i, pad: 'x'.repeat(100) });
    // One stream entry a change: a test checks they commit together (Transaction.appendToStream).
    tx.appendToStream('writer', Buffer.from(key));
  });
  process.stdout.write(`committed ${key}\n`);
}
