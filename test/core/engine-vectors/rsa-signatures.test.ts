/**
 * rsa_signature_2048_sha256_test.json (RSASSA-PKCS1-v1_5) and rsa_pss_2048_sha256_mgf1_32_test.json
 * (RSASSA-PSS, MGF1-SHA-256, 32-byte salt) through `crypto verify` with mechanisms rsa-pkcs and
 * rsa-pkcs-pss. Each group's public key enters by `key import pem` (publicKeyPem, key-type-class
 * rsa-public, verify=true).
 */
import assert from 'node:assert/strict';
import { verify } from '../../../src/core/keys/sign.js';
import { PROVIDER_NAMES, benches, hex, keyCache, loadVectors, runCases, summarize } from './support.js';

const hashOf = (value: unknown) => String(value).replace('SHA-', 'sha');

describe('engine vectors: RSA signatures (crypto verify rsa-pkcs and rsa-pkcs-pss, public keys by key import pem)', function () {
  this.timeout(120_000);
  const pkcs1 = loadVectors('rsa_signature_2048_sha256_test.json');
  const SMALL_EXPONENT = 'key import pem refuses public exponents below 65537';
  const pss = loadVectors('rsa_pss_2048_sha256_mgf1_32_test.json');
  const open = benches();

  for (const provider of PROVIDER_NAMES) {
    it(`${provider}: rsa-pkcs verifies every valid PKCS#1 v1.5 signature and refuses every invalid one`, async () => {
      const bench = open[provider];
      const keyFor = keyCache((pemText) => bench.importPem(pemText, 'rsa-public', ['verify=true']));
      const stats = await runCases(pkcs1, async (group, test) => {
        const keyFilter = await keyFor(String(group.publicKeyPem));
        await bench.run(verify, { mechanism: 'rsa-pkcs', keyFilter, data: hex(test.msg), hash: hashOf(group.sha), signature: hex(test.sig) });
        return true;
      }, { gap: (group) => (BigInt(`0x${(group.publicKey as { publicExponent?: string } | undefined)?.publicExponent ?? '010001'}`) < 65537n ? SMALL_EXPONENT : undefined) });
      assert.equal(stats.acceptable, 1, summarize(stats));
      // Wycheproof's e=3 keys cannot enter the HSM (keys.md §6: odd e of at least 65537).
      assert.equal(stats.gaps[SMALL_EXPONENT], 2, summarize(stats));
    });

    it(`${provider}: rsa-pkcs-pss with mgf1-sha256 and salt length 32 verifies every valid PSS signature and refuses every invalid one`, async () => {
      const bench = open[provider];
      const keyFor = keyCache((pemText) => bench.importPem(pemText, 'rsa-public', ['verify=true']));
      await runCases(pss, async (group, test) => {
        const keyFilter = await keyFor(String(group.publicKeyPem));
        const hash = hashOf(group.sha);
        assert.equal(hashOf(group.mgfSha), hash, 'the engine takes the MGF1 hash equal to the signing hash');
        await bench.run(verify, { mechanism: 'rsa-pkcs-pss', keyFilter, data: hex(test.msg), hash, mgf: `mgf1-${hashOf(group.mgfSha)}`, saltLength: Number(group.sLen), signature: hex(test.sig) });
        return true;
      });
    });
  }
});
