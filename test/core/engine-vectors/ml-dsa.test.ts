/**
 * mldsa_65_verify_test.json through `crypto verify` with mechanism ml-dsa.
 *
 * Gap: there is no way for a user to bring an ML-DSA public key in. `key import pem` takes
 * key-type-class rsa-public, ec-public, rsa-private or ec-private only (the first test pins
 * that), and `key unwrap` has no ml-dsa class either. The closest engine path is therefore: the
 * test stores the key record that `key import pem` would create (the SPKI parsed by the
 * cluster's provider, described the same way, verify=true, owned by the crypto user) straight
 * into its own store, and every case then runs through `perform(verify)`: key selection,
 * attribute checks, the prepared-key cache and the provider. A key the provider refuses to parse
 * (the wrong-length groups) fails as an import would, with INVALID_ARGUMENT.
 *
 * Second gap: `crypto verify ml-dsa` takes no FIPS 204 context string, so the two valid cases
 * signed under a non-empty context are refused (the engine verifies with the empty context).
 */
import assert from 'node:assert/strict';
import { HsmError } from '../../../src/core/errors.js';
import { importPem } from '../../../src/core/keys/files.js';
import { keyStoreKeys } from '../../../src/core/keys/filters.js';
import { allocateReferences, describeAsymmetric } from '../../../src/core/keys/generate.js';
import { defaultAttributes, formatReference, type KeyRecord } from '../../../src/core/keys/model.js';
import { cryptoOf } from '../../../src/core/keys/prepared.js';
import { verify } from '../../../src/core/keys/sign.js';
import { PROVIDER_NAMES, benches, hex, keyCache, loadVectors, pem, runCases, summarize, type Bench } from './support.js';

const CONTEXT_GAP = 'crypto verify ml-dsa takes no context string';

/** Stores what `key import pem` would store for this SPKI, had it an ml-dsa key-type-class. */
async function storeAsImported(bench: Bench, spki: Uint8Array): Promise<string> {
  const crypto = cryptoOf(bench.ctx);
  const imported = crypto.importPublicDer(spki, 'spki');
  assert.deepEqual(imported.spec, { type: 'ml-dsa', variant: 'ML-DSA-65' });
  const described = describeAsymmetric(crypto, imported.spec, imported.material);
  const attributes = { ...defaultAttributes('public-key', 'ml-dsa'), verify: true, local: false, 'always-sensitive': false, 'never-extractable': false };
  const owner = bench.caller.session!.username;
  const ref = await bench.ctx.store.transact((tx) => {
    const [allocated] = allocateReferences(tx, bench.clusterId, 1);
    const key: KeyRecord = {
      ref: allocated!,
      class: 'public-key',
      keyType: 'ml-dsa',
      label: `mldsa-${allocated}`,
      id: '',
      emptyIdText: '0x',
      attributes,
      keyLengthBytes: described.publicLength,
      checkValue: described.checkValue,
      ...described.typeFields,
      owner,
      sharedUsers: [],
      manageQuorum: 0,
      useQuorum: 0,
      material: Buffer.from(imported.material).toString('base64'),
      createdAt: bench.ctx.now(),
    };
    tx.put(keyStoreKeys.key(bench.clusterId, key.ref), key);
    return key.ref;
  });
  return `key-reference=${formatReference(ref)}`;
}

describe('engine vectors: ML-DSA-65 (crypto verify ml-dsa; keys stored as key import pem would, for want of an ml-dsa import)', function () {
  this.timeout(120_000);
  const vectors = loadVectors('mldsa_65_verify_test.json');
  const open = benches();

  for (const provider of PROVIDER_NAMES) {
    it(`${provider}: key import pem refuses an ML-DSA-65 public key under every key-type-class, and an ml-dsa class does not exist`, async () => {
      const bench = open[provider];
      const spkiPem = pem('PUBLIC KEY', hex(vectors.testGroups[0]!.publicKeyDer));
      for (const keyTypeClass of ['ec-public', 'rsa-public', 'ml-dsa-public', 'ml-dsa']) {
        await assert.rejects(
          bench.run(importPem, { pem: spkiPem, label: 'mldsa', keyTypeClass, attributes: ['verify=true'] }),
          (err) => err instanceof HsmError && err.code === 'INVALID_ARGUMENT',
          keyTypeClass,
        );
      }
    });

    it(`${provider}: verifies every valid signature without a context and refuses every invalid one (wrong-length keys, 256-byte contexts, tampered signatures)`, async () => {
      const bench = open[provider];
      const keyFor = keyCache(async (der) => storeAsImported(bench, hex(der)));
      const stats = await runCases(
        vectors,
        async (group, test) => {
          const keyFilter = [await keyFor(String(group.publicKeyDer))];
          await bench.run(verify, { mechanism: 'ml-dsa', keyFilter, data: hex(test.msg), signature: hex(test.sig) });
          return true;
        },
        { gap: (_group, test) => (test.result !== 'invalid' && typeof test.ctx === 'string' && test.ctx !== '' ? CONTEXT_GAP : undefined) },
      );
      assert.equal(stats.gaps[CONTEXT_GAP], 2, summarize(stats));
      assert.ok((stats.refusals.INVALID_ARGUMENT ?? 0) >= 4, `the four wrong-length keys are refused: ${summarize(stats)}`);
    });
  }
});
