/**
 * ed25519_test.json through `crypto verify` with mechanism ed25519 (PureEdDSA, RFC 8032 strict
 * verification). Each group's public key enters by `key import pem` (publicKeyPem, key-type-class
 * ec-public, verify=true); Ed25519 keys exist only on hsm2m.medium in NON_FIPS mode, which is
 * how the bench's clusters are made.
 */
import assert from 'node:assert/strict';
import { verify } from '../../../src/core/keys/sign.js';
import { PROVIDER_NAMES, benches, hex, keyCache, loadVectors, runCases, summarize } from './support.js';

describe('engine vectors: Ed25519 (crypto verify ed25519, public keys by key import pem)', function () {
  this.timeout(120_000);
  const vectors = loadVectors('ed25519_test.json');
  const open = benches();

  for (const provider of PROVIDER_NAMES) {
    it(`${provider}: verifies every valid signature and refuses every invalid one (malleable S, non-canonical points, wrong lengths)`, async () => {
      const bench = open[provider];
      const keyFor = keyCache((pemText) => bench.importPem(pemText, 'ec-public', ['verify=true']));
      const stats = await runCases(vectors, async (group, test) => {
        const keyFilter = await keyFor(String(group.publicKeyPem));
        await bench.run(verify, { mechanism: 'ed25519', keyFilter, data: hex(test.msg), signature: hex(test.sig) });
        return true;
      });
      assert.equal(stats.valid, 88, summarize(stats));
    });
  }
});
