/**
 * The four ECDSA files through `crypto verify` with mechanism ecdsa. Each group's public key
 * enters by `key import pem` (publicKeyPem, key-type-class ec-public, verify=true). The engine
 * takes raw r‖s signatures, as the CLI prints them: the DER files' signatures are converted by a
 * strict DER reader first, and a signature that is not strict DER is an invalid signature
 * refused before the engine (its raw bytes, handed to the engine unconverted, must be refused
 * too); the P1363 file's signatures go in as given.
 */
import assert from 'node:assert/strict';
import { verify } from '../../../src/core/keys/sign.js';
import { HsmError } from '../../../src/core/errors.js';
import { PROVIDER_NAMES, REFUSAL_CODES, RefusedBeforeEngine, benches, hex, keyCache, loadVectors, runCases, strictDerToP1363, summarize } from './support.js';

const FILES = [
  { file: 'ecdsa_secp256r1_sha256_test.json', hash: 'sha256', size: 32, format: 'der' },
  { file: 'ecdsa_secp256r1_sha256_p1363_test.json', hash: 'sha256', size: 32, format: 'p1363' },
  { file: 'ecdsa_secp384r1_sha384_test.json', hash: 'sha384', size: 48, format: 'der' },
  { file: 'ecdsa_secp256k1_sha256_test.json', hash: 'sha256', size: 32, format: 'der' },
] as const;

describe('engine vectors: ECDSA (crypto verify ecdsa, public keys by key import pem)', function () {
  this.timeout(120_000);
  const open = benches();

  for (const { file, hash, size, format } of FILES) {
    const vectors = loadVectors(file);
    for (const provider of PROVIDER_NAMES) {
      it(`${provider}: ${file}: verifies every valid signature and refuses every invalid one (${format === 'der' ? 'non-DER encodings before the engine and unconverted by it, the rest' : 'all'} with VERIFICATION_FAILED or INVALID_ARGUMENT)`, async () => {
        const bench = open[provider];
        const keyFor = keyCache((pemText) => bench.importPem(pemText, 'ec-public', ['verify=true']));
        const stats = await runCases(vectors, async (group, test) => {
          const keyFilter = await keyFor(String(group.publicKeyPem));
          const signature = format === 'der' ? strictDerToP1363(hex(test.sig), size) : hex(test.sig);
          if (!signature) {
            // Handed to the engine unconverted, the same bytes must be refused too (not crash).
            await assert.rejects(bench.run(verify, { mechanism: 'ecdsa', keyFilter, data: hex(test.msg), hash, signature: hex(test.sig) }), (err) => err instanceof HsmError && REFUSAL_CODES.has(err.code));
            throw new RefusedBeforeEngine('not a strict DER signature');
          }
          await bench.run(verify, { mechanism: 'ecdsa', keyFilter, data: hex(test.msg), hash, signature });
          return true;
        });
        assert.ok((stats.refusals.VERIFICATION_FAILED ?? 0) > 0, summarize(stats));
        assert.equal(stats.acceptable, 0);
      });
    }
  }
});
