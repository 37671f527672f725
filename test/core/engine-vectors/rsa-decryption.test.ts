/**
 * rsa_oaep_2048_sha256_mgf1sha256_test.json through `crypto decrypt` with mechanism rsa-oaep, and
 * rsa_pkcs1_2048_test.json (RSAES-PKCS1-v1_5) through `key unwrap` with mechanism rsa-pkcs, the
 * engine's only PKCS#1 v1.5 decryption: the plaintext becomes a generic-secret key, whose length
 * and bytes (wrapped again by the engine, unwrapped outside) must equal the vector's message.
 * Each group's private key enters by `key import pem` (privateKeyPem, key-type-class
 * rsa-private, decrypt=true unwrap=true).
 *
 * Gaps pinned here: `crypto decrypt rsa-oaep` takes no OAEP label, so the eight valid cases with
 * a label are refused (DECRYPTION_FAILED: the engine decrypts with the empty label); and a
 * generic secret holds 1 to 800 bytes, so the valid PKCS#1 case with an empty message cannot
 * become a key (INVALID_ARGUMENT).
 */
import assert from 'node:assert/strict';
import { decrypt } from '../../../src/core/keys/data-operations.js';
import { unwrapKey } from '../../../src/core/keys/wrap.js';
import { PROVIDER_NAMES, benches, hex, keyCache, loadVectors, runCases, sameBytes, summarize } from './support.js';

const hashOf = (value: unknown) => String(value).replace('SHA-', 'sha');
const OAEP_LABEL_GAP = 'crypto decrypt rsa-oaep takes no OAEP label';
const EMPTY_SECRET_GAP = 'an empty plaintext cannot become a generic secret (1-800 bytes)';

describe('engine vectors: RSA decryption (crypto decrypt rsa-oaep, key unwrap rsa-pkcs; private keys by key import pem)', function () {
  this.timeout(120_000);
  const oaep = loadVectors('rsa_oaep_2048_sha256_mgf1sha256_test.json');
  const pkcs1 = loadVectors('rsa_pkcs1_2048_test.json');
  const open = benches();

  for (const provider of PROVIDER_NAMES) {
    it(`${provider}: rsa-oaep (sha256, mgf1-sha256) decrypts every valid case without a label to its message and refuses every invalid case with DECRYPTION_FAILED`, async () => {
      const bench = open[provider];
      const keyFor = keyCache((pemText) => bench.importPem(pemText, 'rsa-private', ['decrypt=true', 'unwrap=true']));
      const stats = await runCases(
        oaep,
        async (group, test) => {
          const keyFilter = [await keyFor(String(group.privateKeyPem))];
          const { plaintext } = (await bench.run(decrypt, { mechanism: 'rsa-oaep', keyFilter, data: hex(test.ct), hash: hashOf(group.sha), mgf: `mgf1-${hashOf(group.mgfSha)}` })) as { plaintext: Uint8Array };
          return sameBytes(plaintext, hex(test.msg));
        },
        { gap: (_group, test) => (String(test.label) !== '' ? OAEP_LABEL_GAP : undefined) },
      );
      assert.equal(stats.gaps[OAEP_LABEL_GAP], 8, summarize(stats));
      assert.equal(stats.refusals.DECRYPTION_FAILED, stats.invalid + 8, summarize(stats));
    });

    it(`${provider}: rsa-pkcs unwraps every valid ciphertext to a generic secret holding exactly the message, and refuses every invalid one with DECRYPTION_FAILED`, async () => {
      const bench = open[provider];
      const keyFor = keyCache((pemText) => bench.importPem(pemText, 'rsa-private', ['decrypt=true', 'unwrap=true']));
      const stats = await runCases(
        pkcs1,
        async (group, test) => {
          const filter = [await keyFor(String(group.privateKeyPem))];
          const { key } = await bench.run(unwrapKey, { mechanism: 'rsa-pkcs', filter, data: hex(test.ct), keyTypeClass: 'generic-secret', label: `pkcs1-${test.tcId}` });
          const msg = hex(test.msg);
          const attributes = key.attributes as Record<string, unknown>;
          if (attributes['key-length-bytes'] !== msg.length) return false;
          return sameBytes(await bench.secretBytes(`key-reference=${String(key['key-reference'])}`), msg);
        },
        { gap: (_group, test) => (test.result === 'valid' && hex(test.msg).length === 0 ? EMPTY_SECRET_GAP : undefined) },
      );
      assert.equal(stats.gaps[EMPTY_SECRET_GAP], 1, summarize(stats));
      assert.equal(stats.refusals.DECRYPTION_FAILED, stats.invalid, summarize(stats));
      assert.equal(stats.refusals.INVALID_ARGUMENT, 1, summarize(stats));
    });
  }
});
