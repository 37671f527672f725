/**
 * aes_cmac_test.json, ecdh_secp256r1_test.json and x25519_test.json: GAPS. The engine has no
 * operation that computes an AES-CMAC or derives a shared secret (no `crypto cmac`, no key
 * derivation or ECDH/X25519 operation in src/core/keys), so these families cannot go through
 * `perform`. Until such operations exist, the cases run through the provider the engine would
 * use, `cryptoOf(ctx)` with `ctx.crypto` set as for the other files, with the same case rules.
 * When an operation is added, these tests should move to the engine path like the others.
 */
import assert from 'node:assert/strict';
import type { EngineContext } from '../../../src/core/context.js';
import { cryptoOf } from '../../../src/core/keys/prepared.js';
import { getProvider } from '../../../src/core/mechanisms/index.js';
import { testContext } from '../../support/helpers.js';
import { PROVIDER_NAMES, hex, loadVectors, runCases, sameBytes, summarize } from './support.js';

/** Wycheproof writes the ECDH private scalar as a signed big-endian integer. */
function fixedWidth(value: Uint8Array, size: number): Uint8Array {
  let start = 0;
  while (start < value.length - size && value[start] === 0) start++;
  const trimmed = value.subarray(start);
  const out = new Uint8Array(size);
  out.set(trimmed, size - trimmed.length);
  return out;
}

describe('engine vectors without an engine operation (gaps): AES-CMAC, ECDH P-256, X25519 through the engine provider cryptoOf(ctx)', function () {
  this.timeout(120_000);
  const contexts = {} as Record<string, EngineContext>;
  before(async () => {
    for (const name of PROVIDER_NAMES) {
      const ctx = await testContext(`provider-only-${name}`);
      ctx.crypto = getProvider(name);
      contexts[name] = ctx;
    }
  });

  for (const provider of PROVIDER_NAMES) {
    it(`${provider}: aes_cmac_test.json: every valid tag (cut to tagSize) matches, every invalid one differs; the five bad key sizes are refused with INVALID_ARGUMENT`, async () => {
      const crypto = cryptoOf(contexts[provider]!);
      assert.equal(crypto.name, provider);
      const stats = await runCases(loadVectors('aes_cmac_test.json'), async (group, test) => {
        const tag = crypto.cmac(hex(test.key), hex(test.msg)).subarray(0, Number(group.tagSize) / 8);
        return sameBytes(tag, hex(test.tag));
      });
      assert.equal(stats.refusals.INVALID_ARGUMENT, 5, summarize(stats));
    });

    it(`${provider}: ecdh_secp256r1_test.json: every valid peer key gives the expected shared secret; invalid peers are refused`, async () => {
      const crypto = cryptoOf(contexts[provider]!);
      const stats = await runCases(loadVectors('ecdh_secp256r1_test.json'), async (_group, test) => {
        const peer = crypto.importPublicDer(hex(test.public), 'spki');
        if (peer.spec.type !== 'ec' || peer.spec.curve !== 'secp256r1') return false;
        const privateKey = crypto.preparePrivate({ type: 'ec', curve: 'secp256r1' }, fixedWidth(hex(test.private), 32));
        return sameBytes(crypto.ecdh(privateKey, peer.material), hex(test.shared));
      });
      assert.equal(stats.valid, 330, summarize(stats));
    });

    it(`${provider}: x25519_test.json: every valid case gives the expected shared secret; only all-zero secrets are refused`, async () => {
      const crypto = cryptoOf(contexts[provider]!);
      const stats = await runCases(loadVectors('x25519_test.json'), async (_group, test) => sameBytes(crypto.x25519(hex(test.private), hex(test.public)), hex(test.shared)));
      assert.equal(stats.acceptable - stats.acceptedAcceptable, stats.refusals.INVALID_ARGUMENT ?? 0, summarize(stats));
    });
  }
});
