/**
 * rsa_oaep_2048_sha256_mgf1sha256_test.json through `crypto decrypt rsa-oaep` (the label through
 * `--oaep-label`), and rsa_pkcs1_2048_test.json (RSAES-PKCS1-v1_5) through `crypto decrypt
 * rsa-pkcs` and through `key unwrap rsa-pkcs`, where the plaintext becomes a generic-secret key
 * whose length and bytes (wrapped again by the engine, unwrapped outside) must equal the
 * vector's message. Each group's private key enters by `key import pem` (privateKeyPem,
 * key-type-class rsa-private, decrypt=true unwrap=true).
 *
 * One rule shows on the unwrap path: a generic secret holds 1 to 800 bytes, so the valid PKCS#1
 * case with an empty message cannot become a key (INVALID_ARGUMENT); `crypto decrypt` gives it.
 */
import assert from 'node:assert/strict';
import { decrypt } from '../../../src/core/keys/data-operations.js';
import { unwrapKey } from '../../../src/core/keys/wrap.js';
import { byReference } from '../../../src/core/keys/selector.js';
import { PROVIDER_NAMES, benches, hex, keyCache, loadVectors, runCases, sameBytes, summarize } from './support.js';

const hashOf = (value: unknown) => String(value).replace('SHA-', 'sha');
const EMPTY_SECRET_GAP = 'an empty plaintext cannot become a generic secret (1-800 bytes)';

describe('engine vectors: RSA decryption (crypto decrypt rsa-oaep, key unwrap rsa-pkcs; private keys by key import pem)', function () {
  this.timeout(120_000);
  const oaep = loadVectors('rsa_oaep_2048_sha256_mgf1sha256_test.json');
  const pkcs1 = loadVectors('rsa_pkcs1_2048_test.json');
  const open = benches();

  for (const provider of PROVIDER_NAMES) {
    it(`${provider}: rsa-oaep (sha256, mgf1-sha256) decrypts every valid case, with or without a label, to its message and refuses every invalid case with DECRYPTION_FAILED`, async () => {
      const bench = open[provider];
      const keyFor = keyCache((pemText) => bench.importPem(pemText, 'rsa-private', ['decrypt=true']));
      let labelled = 0;
      const stats = await runCases(oaep, async (group, test) => {
        const keyFilter = await keyFor(String(group.privateKeyPem));
        if (String(test.label) !== '' && test.result === 'valid') labelled++;
        const input = { mechanism: 'rsa-oaep' as const, keyFilter, data: hex(test.ct), hash: hashOf(group.sha), mgf: `mgf1-${hashOf(group.mgfSha)}`, oaepLabel: `0x${String(test.label)}` };
        const { plaintext } = (await bench.run(decrypt, input)) as { plaintext: Uint8Array };
        return sameBytes(plaintext, hex(test.msg));
      });
      assert.equal(labelled, 8, 'eight valid cases carry a label');
      assert.equal(stats.refusals.DECRYPTION_FAILED, stats.invalid, summarize(stats));
    });

    it(`${provider}: crypto decrypt rsa-pkcs gives every valid case's message (the empty one too) and refuses every invalid one with DECRYPTION_FAILED`, async () => {
      const bench = open[provider];
      const keyFor = keyCache((pemText) => bench.importPem(pemText, 'rsa-private', ['decrypt=true']));
      const stats = await runCases(pkcs1, async (group, test) => {
        const keyFilter = await keyFor(String(group.privateKeyPem));
        const { plaintext } = (await bench.run(decrypt, { mechanism: 'rsa-pkcs', keyFilter, data: hex(test.ct) })) as { plaintext: Uint8Array };
        return sameBytes(plaintext, hex(test.msg));
      });
      assert.equal(stats.refusals.DECRYPTION_FAILED, stats.invalid, summarize(stats));
    });

    it(`${provider}: rsa-pkcs unwraps every valid ciphertext to a generic secret holding exactly the message, and refuses every invalid one with DECRYPTION_FAILED`, async () => {
      const bench = open[provider];
      const keyFor = keyCache((pemText) => bench.importPem(pemText, 'rsa-private', ['unwrap=true']));
      const stats = await runCases(
        pkcs1,
        async (group, test) => {
          const filter = await keyFor(String(group.privateKeyPem));
          const { key } = await bench.run(unwrapKey, { mechanism: 'rsa-pkcs', filter, data: hex(test.ct), keyTypeClass: 'generic-secret', label: `pkcs1-${test.tcId}` });
          const msg = hex(test.msg);
          if (key.keyLengthBytes !== msg.length) return false;
          return sameBytes(await bench.secretBytes(byReference(key.ref)), msg);
        },
        { gap: (_group, test) => (test.result === 'valid' && hex(test.msg).length === 0 ? EMPTY_SECRET_GAP : undefined) },
      );
      assert.equal(stats.gaps[EMPTY_SECRET_GAP], 1, summarize(stats));
      assert.equal(stats.refusals.DECRYPTION_FAILED, stats.invalid, summarize(stats));
      assert.equal(stats.refusals.INVALID_ARGUMENT, 1, summarize(stats));
    });
  }
});
