/**
 * aes_gcm_test.json through `crypto decrypt` / `crypto encrypt` with mechanism aes-gcm. Each
 * vector key enters by `key unwrap` (aes-no-pad, key-type-class aes, encrypt=true decrypt=true);
 * IV and tag travel as 0x-hex and the AAD as hex, as the CLI takes them.
 */
import assert from 'node:assert/strict';
import { decrypt, encrypt } from '../../../src/core/keys/data-operations.js';
import { PROVIDER_NAMES, benches, hex, keyCache, loadVectors, runCases, sameBytes, summarize } from './support.js';

const toHexArg = (value: unknown) => `0x${String(value)}`;

describe('engine vectors: AES-GCM (crypto encrypt/decrypt aes-gcm, keys by key unwrap)', function () {
  this.timeout(120_000);
  const vectors = loadVectors('aes_gcm_test.json');
  const open = benches();

  for (const provider of PROVIDER_NAMES) {
    it(`${provider}: decrypts every valid case to its message and re-encrypts it to the same ciphertext and tag; refuses every invalid case`, async () => {
      const bench = open[provider];
      const keyFor = keyCache((material) => bench.importSecret(hex(material), 'aes', ['encrypt=true', 'decrypt=true']));
      const stats = await runCases(vectors, async (_group, test) => {
        const keyFilter = await keyFor(String(test.key));
        const opened = await bench.run(decrypt, { mechanism: 'aes-gcm', keyFilter, data: hex(test.ct), iv: toHexArg(test.iv), tag: toHexArg(test.tag), aad: String(test.aad) });
        if (!sameBytes(opened.plaintext, hex(test.msg))) return false;
        if (test.result !== 'valid') return true;
        const sealed = (await bench.run(encrypt, { mechanism: 'aes-gcm', keyFilter, data: hex(test.msg), iv: toHexArg(test.iv), aad: String(test.aad), tagLengthBits: hex(test.tag).length * 8 })) as {
          ciphertext: Uint8Array;
          iv?: Uint8Array;
          tag?: Uint8Array;
        };
        return sameBytes(sealed.ciphertext, hex(test.ct)) && sameBytes(sealed.tag ?? new Uint8Array(0), hex(test.tag)) && sameBytes(sealed.iv ?? new Uint8Array(0), hex(test.iv));
      });
      // The six zero-length-IV cases are refused as bad input; the other invalid ones fail the tag.
      assert.equal(stats.refusals.INVALID_ARGUMENT, 6, summarize(stats));
      assert.equal(stats.refusals.DECRYPTION_FAILED, 81, summarize(stats));
      assert.equal(stats.valid, 229);
    });
  }
});
