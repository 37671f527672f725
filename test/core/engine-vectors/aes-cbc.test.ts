/**
 * aes_cbc_pkcs5_test.json through `crypto decrypt` / `crypto encrypt` with mechanism aes-cbc
 * (PKCS#7 padding). Each vector key enters by `key unwrap` (aes-no-pad, key-type-class aes,
 * encrypt=true decrypt=true); the IV travels as 0x-hex.
 */
import assert from 'node:assert/strict';
import { decrypt, encrypt } from '../../../src/core/keys/data-operations.js';
import { PROVIDER_NAMES, benches, hex, keyCache, loadVectors, runCases, sameBytes, summarize } from './support.js';

describe('engine vectors: AES-CBC with PKCS#5 padding (crypto encrypt/decrypt aes-cbc, keys by key unwrap)', function () {
  this.timeout(120_000);
  const vectors = loadVectors('aes_cbc_pkcs5_test.json');
  const open = benches();

  for (const provider of PROVIDER_NAMES) {
    it(`${provider}: decrypts every valid case to its message and re-encrypts it to the same ciphertext; refuses bad padding and partial blocks`, async () => {
      const bench = open[provider];
      const keyFor = keyCache((material) => bench.importSecret(hex(material), 'aes', ['encrypt=true', 'decrypt=true']));
      const stats = await runCases(vectors, async (_group, test) => {
        const keyFilter = await keyFor(String(test.key));
        const iv = `0x${String(test.iv)}`;
        const opened = await bench.run(decrypt, { mechanism: 'aes-cbc', keyFilter, data: hex(test.ct), iv });
        if (!sameBytes(opened.plaintext, hex(test.msg))) return false;
        if (test.result !== 'valid') return true;
        const sealed = await bench.run(encrypt, { mechanism: 'aes-cbc', keyFilter, data: hex(test.msg), iv });
        return sameBytes(sealed.ciphertext, hex(test.ct));
      });
      // Bad padding fails decryption; the three cases that are not whole blocks are bad input.
      assert.equal(stats.refusals.DECRYPTION_FAILED, 141, summarize(stats));
      assert.equal(stats.refusals.INVALID_ARGUMENT, 3, summarize(stats));
      assert.equal(stats.valid, 72);
    });
  }
});
