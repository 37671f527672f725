/**
 * aes_wrap_test.json (RFC 3394) through `key unwrap` with mechanism aes-no-pad, and
 * aes_kwp_test.json (RFC 5649) through `key unwrap` with mechanism rsa-aes.
 *
 * KW: each vector KEK enters by `key unwrap` itself (key-type-class aes, unwrap=true); the
 * vector's ciphertext is then unwrapped under it to a generic secret, whose bytes (wrapped again
 * by the engine, opened outside) must equal the vector's key data.
 *
 * KWP: the engine has no bare RFC 5649 unwrap (its aes-pkcs5-pad is PKCS#5 padding under RFC
 * 3394, not RFC 5649). RFC 5649 runs only inside rsa-aes (PKCS#11 RSA AES KEY WRAP: an RSA-OAEP
 * block carrying a temporary AES key, then that key's RFC 5649 output), so each case goes in as
 * OAEP(vector KEK) ‖ vector ciphertext under the bench's transport RSA key. The temporary key is
 * the vector's 16-, 24- or 32-byte KEK, as PKCS#11 allows (ulAESKeyBits 128/192/256).
 */
import assert from 'node:assert/strict';
import type { KeyView } from '../../../src/core/keys/model.js';
import { unwrapKey } from '../../../src/core/keys/wrap.js';
import { byReference } from '../../../src/core/keys/selector.js';
import { PROVIDER_NAMES, benches, hex, keyCache, loadVectors, runCases, sameBytes, summarize, type Bench } from './support.js';

/** The unwrapped key holds exactly `msg`: its length attribute and its bytes. */
async function holds(bench: Bench, key: KeyView, msg: Uint8Array): Promise<boolean> {
  if (key.keyLengthBytes !== msg.length) return false;
  return sameBytes(await bench.secretBytes(byReference(key.ref)), msg);
}

describe('engine vectors: AES key wrap (key unwrap aes-no-pad; RFC 5649 through key unwrap rsa-aes)', function () {
  this.timeout(120_000);
  const kw = loadVectors('aes_wrap_test.json');
  const kwp = loadVectors('aes_kwp_test.json');
  const open = benches();

  for (const provider of PROVIDER_NAMES) {
    it(`${provider}: aes-no-pad unwraps every valid RFC 3394 case to a key holding exactly the key data, and refuses every invalid one`, async () => {
      const bench = open[provider];
      const kekFor = keyCache((material) => bench.importSecret(hex(material), 'aes', ['unwrap=true']));
      const stats = await runCases(kw, async (_group, test) => {
        const filter = await kekFor(String(test.key));
        const { key } = await bench.run(unwrapKey, { mechanism: 'aes-no-pad', filter, data: hex(test.ct), keyTypeClass: 'generic-secret', label: `kw-${test.tcId}` });
        return holds(bench, key, hex(test.msg));
      });
      // The three "acceptable" cases wrap 8 bytes, which RFC 3394 itself does not allow: refused.
      assert.equal(stats.acceptable, 3, summarize(stats));
      assert.equal(stats.acceptedAcceptable, 0, summarize(stats));
    });

    it(`${provider}: rsa-aes (sha256, mgf1-sha256) unwraps every valid RFC 5649 case to a key holding exactly the key data, and refuses every invalid one`, async () => {
      const bench = open[provider];
      const stats = await runCases(kwp, async (_group, test) => {
        const data = Uint8Array.from([...bench.encryptForTransport(hex(test.key)), ...hex(test.ct)]);
        const { key } = await bench.run(unwrapKey, { mechanism: 'rsa-aes', filter: bench.transportPrivate, data, keyTypeClass: 'generic-secret', label: `kwp-${test.tcId}`, hash: 'sha256', mgf: 'mgf1-sha256' });
        return holds(bench, key, hex(test.msg));
      });
      assert.equal(stats.valid, 77, summarize(stats));
    });
  }
});
