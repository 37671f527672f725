/**
 * hmac_sha{1,256,384,512}_test.json through `crypto hmac verify` and `crypto hmac generate`. Each
 * vector key enters by `key unwrap` as a generic secret (aes-no-pad, or aes-pkcs5-pad for the
 * 10- and 65-byte keys; sign=true verify=true).
 *
 * Half of each file's groups use MACs truncated to half the digest. `hmacVerify` compares the
 * full MAC only (it takes no MAC length), so there the verdict comes from `hmacGenerate`, whose
 * MAC is cut to the vector's tagSize by the caller, and `hmacVerify` must refuse every truncated
 * MAC: a gap, pinned here, until the operation takes a MAC length.
 */
import assert from 'node:assert/strict';
import { hmacGenerate, hmacVerify } from '../../../src/core/keys/data-operations.js';
import { HsmError } from '../../../src/core/errors.js';
import { HASH_BYTES, type HashName } from '../../../src/core/mechanisms/index.js';
import { PROVIDER_NAMES, benches, hex, keyCache, loadVectors, runCases, sameBytes, summarize } from './support.js';

const FILES: ReadonlyArray<[string, HashName]> = [
  ['hmac_sha1_test.json', 'sha1'],
  ['hmac_sha256_test.json', 'sha256'],
  ['hmac_sha384_test.json', 'sha384'],
  ['hmac_sha512_test.json', 'sha512'],
];

describe('engine vectors: HMAC (crypto hmac verify/generate, generic-secret keys by key unwrap)', function () {
  this.timeout(120_000);
  const open = benches();

  for (const [file, hash] of FILES) {
    const vectors = loadVectors(file);
    for (const provider of PROVIDER_NAMES) {
      it(`${provider}: ${file}: verifies every valid full-length MAC and refuses every invalid one; generated MACs cut to tagSize match exactly the valid tags`, async () => {
        const bench = open[provider];
        const keyFor = keyCache((material) => bench.importSecret(hex(material), 'generic-secret', ['sign=true', 'verify=true']));
        let truncatedVerifyRefusals = 0;
        const stats = await runCases(vectors, async (group, test) => {
          const keyFilter = [await keyFor(String(test.key))];
          const tagBytes = Number(group.tagSize) / 8;
          const data = hex(test.msg);
          const mac = hex(test.tag);
          const generated = (await bench.run(hmacGenerate, { keyFilter, hash, data })).mac;
          const matches = sameBytes(generated.subarray(0, tagBytes), mac);
          if (tagBytes === HASH_BYTES[hash]) {
            await bench.run(hmacVerify, { keyFilter, hash, data, mac });
            assert.ok(matches, `tcId ${test.tcId}: hmacVerify accepted a MAC that hmacGenerate does not give`);
            return true;
          }
          await assert.rejects(bench.run(hmacVerify, { keyFilter, hash, data, mac }), (err) => err instanceof HsmError && err.code === 'VERIFICATION_FAILED');
          truncatedVerifyRefusals++;
          return matches;
        });
        const full = vectors.testGroups.filter((g) => Number(g.tagSize) / 8 === HASH_BYTES[hash]);
        const fullInvalid = full.flatMap((g) => g.tests).filter((t) => t.result === 'invalid').length;
        const truncated = vectors.numberOfTests - full.reduce((n, g) => n + g.tests.length, 0);
        assert.equal(stats.refusals.VERIFICATION_FAILED, fullInvalid, `hmacVerify refuses each invalid full-length MAC: ${summarize(stats)}`);
        assert.ok(truncated > 0 && truncatedVerifyRefusals === truncated, 'hmacVerify refuses each truncated MAC, valid or not');
      });
    }
  }
});
