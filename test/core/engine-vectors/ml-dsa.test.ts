/**
 * mldsa_65_verify_test.json through `crypto verify` with mechanism ml-dsa, each public key
 * brought in with `key import pem --key-type-class ml-dsa-public` (an extension: the CLI's own
 * import takes RSA and EC keys only). A key the provider refuses to parse (the wrong-length
 * groups) fails at import with INVALID_ARGUMENT.
 * Each case's FIPS 204 context string goes in through `--context` (hex); the 256-byte contexts
 * are refused by the engine's length rule.
 */
import assert from 'node:assert/strict';
import { HsmError } from '../../../src/core/errors.js';
import { importPem } from '../../../src/core/keys/files.js';
import { verify } from '../../../src/core/keys/sign.js';
import { byReference, type KeySelector } from '../../../src/core/keys/selector.js';
import { PROVIDER_NAMES, benches, hex, keyCache, loadVectors, pem, runCases, summarize, type Bench } from './support.js';

/** Imports the SPKI as a user would, with `key import pem --key-type-class ml-dsa-public`. */
async function storeAsImported(bench: Bench, spki: Uint8Array): Promise<KeySelector> {
  const { key } = await bench.run(importPem, { pem: pem('PUBLIC KEY', spki), label: 'mldsa', keyTypeClass: 'ml-dsa-public', attributes: ['verify=true'] });
  return byReference(key.ref);
}

describe('engine vectors: ML-DSA-65 (key import pem ml-dsa-public, then crypto verify ml-dsa)', function () {
  this.timeout(120_000);
  const vectors = loadVectors('mldsa_65_verify_test.json');
  const open = benches();

  for (const provider of PROVIDER_NAMES) {
    it(`${provider}: key import pem refuses an ML-DSA-65 public key under the RSA and EC classes`, async () => {
      const bench = open[provider];
      const spkiPem = pem('PUBLIC KEY', hex(vectors.testGroups[0]!.publicKeyDer));
      for (const keyTypeClass of ['ec-public', 'rsa-public', 'ml-dsa-private', 'ml-dsa']) {
        await assert.rejects(
          bench.run(importPem, { pem: spkiPem, label: 'mldsa', keyTypeClass, attributes: ['verify=true'] }),
          (err) => err instanceof HsmError && err.code === 'INVALID_ARGUMENT',
          keyTypeClass,
        );
      }
    });

    it(`${provider}: verifies every valid signature, with or without a context, and refuses every invalid one (wrong-length keys, 256-byte contexts, tampered signatures)`, async () => {
      const bench = open[provider];
      const keyFor = keyCache(async (der) => storeAsImported(bench, hex(der)));
      let withContext = 0;
      const stats = await runCases(vectors, async (group, test) => {
        const keyFilter = await keyFor(String(group.publicKeyDer));
        const context = typeof test.ctx === 'string' ? `0x${test.ctx}` : undefined;
        if (context && test.result === 'valid' && test.ctx !== '') withContext++;
        await bench.run(verify, { mechanism: 'ml-dsa', keyFilter, data: hex(test.msg), signature: hex(test.sig), context });
        return true;
      });
      assert.equal(withContext, 2, 'two valid cases are signed under a non-empty context');
      assert.ok((stats.refusals.INVALID_ARGUMENT ?? 0) >= 4, `the four wrong-length keys are refused: ${summarize(stats)}`);
    });
  }
});
