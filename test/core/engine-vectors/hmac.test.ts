/**
 * hmac_sha{1,256,384,512}_test.json through `crypto hmac verify` and `crypto hmac generate`, and
 * aes_cmac_test.json through `crypto cmac verify` and `crypto cmac generate`. Each vector key
 * enters by `key unwrap` (HMAC: generic secrets by aes-no-pad, or aes-pkcs5-pad for the 10- and
 * 65-byte keys; CMAC: AES keys; sign=true verify=true). Every case is verified at the vector's
 * tag size (`macLengthBytes`, so half of the HMAC groups check truncated MACs), and the MAC
 * `generate` gives at that size must equal exactly the valid tags.
 */
import assert from 'node:assert/strict';
import { cmacGenerate, cmacVerify, hmacGenerate, hmacVerify } from '../../../src/core/keys/data-operations.js';
import { HASH_BYTES, type HashName } from '../../../src/core/mechanisms/index.js';
import { PROVIDER_NAMES, benches, hex, keyCache, loadVectors, runCases, sameBytes, summarize } from './support.js';

const FILES: ReadonlyArray<[string, HashName]> = [
  ['hmac_sha1_test.json', 'sha1'],
  ['hmac_sha256_test.json', 'sha256'],
  ['hmac_sha384_test.json', 'sha384'],
  ['hmac_sha512_test.json', 'sha512'],
];

describe('engine vectors: HMAC and AES-CMAC (crypto hmac|cmac verify/generate, keys by key unwrap)', function () {
  this.timeout(120_000);
  const open = benches();

  for (const [file, hash] of FILES) {
    const vectors = loadVectors(file);
    for (const provider of PROVIDER_NAMES) {
      it(`${provider}: ${file}: verifies every valid MAC at its tag size (full and truncated) and refuses every invalid one; generated MACs equal the valid tags`, async () => {
        const bench = open[provider];
        const keyFor = keyCache((material) => bench.importSecret(hex(material), 'generic-secret', ['sign=true', 'verify=true']));
        const stats = await runCases(vectors, async (group, test) => {
          const input = { keyFilter: await keyFor(String(test.key)), hash, data: hex(test.msg), macLengthBytes: Number(group.tagSize) / 8 };
          const generated = (await bench.run(hmacGenerate, input)).mac;
          const matches = sameBytes(generated, hex(test.tag));
          await bench.run(hmacVerify, { ...input, mac: hex(test.tag) });
          assert.ok(matches, `tcId ${test.tcId}: hmacVerify accepted a MAC that hmacGenerate does not give`);
          return true;
        });
        assert.equal(stats.refusals.VERIFICATION_FAILED, stats.invalid, `hmacVerify refuses each invalid MAC: ${summarize(stats)}`);
        assert.ok(vectors.testGroups.some((g) => Number(g.tagSize) < 8 * HASH_BYTES[hash]), 'the file has truncated-MAC groups');
      });
    }
  }

  for (const provider of PROVIDER_NAMES) {
    it(`${provider}: aes_cmac_test.json: verifies every valid tag and refuses every invalid one; generated tags equal the valid tags; the five keys that are not 16, 24 or 32 bytes are refused at import`, async () => {
      const bench = open[provider];
      const keyFor = keyCache((material) => bench.importSecret(hex(material), 'aes', ['sign=true', 'verify=true']));
      const stats = await runCases(loadVectors('aes_cmac_test.json'), async (group, test) => {
        const input = { keyFilter: await keyFor(String(test.key)), data: hex(test.msg), macLengthBytes: Number(group.tagSize) / 8 };
        const generated = (await bench.run(cmacGenerate, input)).mac;
        const matches = sameBytes(generated, hex(test.tag));
        await bench.run(cmacVerify, { ...input, mac: hex(test.tag) });
        assert.ok(matches, `tcId ${test.tcId}: cmacVerify accepted a tag that cmacGenerate does not give`);
        return true;
      });
      assert.equal(stats.refusals.INVALID_ARGUMENT, 5, summarize(stats));
      assert.equal(stats.refusals.VERIFICATION_FAILED, stats.invalid - 5, summarize(stats));
    });
  }
});

