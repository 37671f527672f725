/**
 * Key operations hand out views, never key material: every result of a sequence of permitted
 * operations that create, bring in, copy in, write out or list keys is searched, at any depth,
 * for a `material` field and for the stored material itself (which the test reads from the store).
 */
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { perform, type Caller } from '../../../src/core/engine.js';
import { storeKeys } from '../../../src/core/cluster/model.js';
import { deriveEcdh } from '../../../src/core/keys/derive.js';
import { exportPublic, generateFile, importPem } from '../../../src/core/keys/files.js';
import { keyStoreKeys } from '../../../src/core/keys/filters.js';
import { generateKeyPair, generateSymmetric } from '../../../src/core/keys/generate.js';
import type { KeyRecord } from '../../../src/core/keys/model.js';
import { listKeys } from '../../../src/core/keys/operations.js';
import { unwrapKey, wrapKey } from '../../../src/core/keys/wrap.js';
import { byLabel } from '../../../src/core/keys/selector.js';
import { clusterContext } from '../../support/templates.js';

const alice: Caller = { credentials: { username: 'alice', password: 'alice-Pass1', role: 'crypto-user' }, sessionKeys: new Map() };

/** Every field name anywhere in `value`, and every string. */
function walk(value: unknown, names: Set<string>, strings: Set<string>): void {
  if (typeof value === 'string') strings.add(value);
  else if (value instanceof Uint8Array) strings.add(Buffer.from(value).toString('base64'));
  else if (Array.isArray(value)) for (const v of value) walk(v, names, strings);
  else if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      names.add(k);
      walk(v, names, strings);
    }
  }
}

describe('core/keys: operations return key views, never material', function () {
  this.timeout(60_000);

  it('generate, import, unwrap, derive, export-public, generate-file and list return no material field and no stored material', async () => {
    const ctx = await clusterContext({ cryptoUsers: { alice: 'alice-Pass1' } });
    const run = <I extends { clusterId?: string }, O, P>(op: Parameters<typeof perform<I, O, P>>[1], input: I) => perform(ctx, op, input, alice);
    const results: unknown[] = [];
    results.push(await run(generateSymmetric, { keyType: 'aes', label: 'kek', keyLengthBytes: 32, attributes: ['wrap=true', 'unwrap=true'] }));
    results.push(await run(generateSymmetric, { keyType: 'aes', label: 'payload', keyLengthBytes: 16 }));
    results.push(await run(generateKeyPair, { keyType: 'ec', curve: 'prime256v1', publicLabel: 'ec-pub', privateLabel: 'ec-priv', privateAttributes: ['derive=true'] }));
    const peer = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    results.push(await run(importPem, { pem: peer.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string, label: 'imported', keyTypeClass: 'ec-private' }));
    const wrapped = await run(wrapKey, { mechanism: 'aes-gcm', payloadFilter: byLabel('payload'), wrappingFilter: byLabel('kek'), tagLengthBits: 128 });
    const iv = `0x${Buffer.from(wrapped.iv!).toString('hex')}`;
    results.push(await run(unwrapKey, { mechanism: 'aes-gcm', filter: byLabel('kek'), data: wrapped.wrapped, iv, tagLengthBits: 128, keyTypeClass: 'aes', label: 'back' }));
    results.push(await run(deriveEcdh, { baseKeyFilter: byLabel('ec-priv'), peerPublicKeyPem: peer.publicKey.export({ type: 'spki', format: 'pem' }) as string, keyType: 'aes', label: 'agreed' }));
    results.push(await run(exportPublic, { filter: byLabel('ec-priv') }));
    results.push(await run(generateFile, { filter: byLabel('ec-priv'), encoding: 'reference-pem' }));
    results.push(await run(listKeys, { verbose: true, maxItems: 100 }));

    const stored = await ctx.store.read((view) => {
      const cluster = view.list<{ clusterId: string }>(storeKeys.clusterPrefix)[0]![1];
      return view.list<KeyRecord>(keyStoreKeys.prefix(cluster.clusterId)).map(([, k]) => k);
    });
    assert.ok(stored.length >= 7, `the sequence stored ${stored.length} keys`);
    const names = new Set<string>();
    const strings = new Set<string>();
    for (const r of results) walk(r, names, strings);
    assert.ok(!names.has('material'), 'a result has a material field');
    for (const key of stored) {
      // Public material (a public key) is fine to show; secret and private material is not.
      if (key.class === 'public-key') continue;
      assert.ok(!strings.has(key.material), `the material of ${key.label} reached a result`);
    }
  });
});
