/**
 * DSA (FIPS 186-4): the Wycheproof DSA verification vectors of (L, N) = (2048, 224) and
 * (2048, 256) with SHA-256, each group's key imported from its SPKI as a user's key would be;
 * generation, signing and the key containers; and the checks an imported key must pass. Both
 * providers run everything, on the one node:crypto implementation they share (@noble has no DSA).
 */
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { validateDsaImport } from '../../../src/core/mechanisms/families/dsa.js';
import { dsaPublicNumbers } from '../../../src/core/mechanisms/key-encoding.js';
import { unsignedInteger, sequence, oid, bitString } from '../../../src/core/mechanisms/der.js';
import type { PreparedKey } from '../../../src/core/mechanisms/index.js';
import { PROVIDERS, assertBytes, assertRejects, hex, loadVectors, runVectors, type WycheproofGroup } from './support.js';

const FILES = ['dsa_2048_224_sha256_test.json', 'dsa_2048_256_sha256_test.json'];

/** A DSA SPKI from its numbers (RFC 3279 §2.3.2), to build keys that break one rule each. */
function spkiOf(p: bigint, q: bigint, g: bigint, y: bigint): Uint8Array {
  const int = (n: bigint) => unsignedInteger(hex(n.toString(16).padStart(Math.ceil(n.toString(16).length / 2) * 2, '0')));
  return sequence(sequence(oid('2a8648ce380401'), sequence(int(p), int(q), int(g))), bitString(int(y)));
}

describe('mechanisms: DSA', function () {
  this.timeout(60_000);

  for (const file of FILES) {
    const vectors = loadVectors(file);
    for (const provider of PROVIDERS) {
      it(`${provider.name}: ${file}, each key imported from publicKeyDer`, () => {
        const keys = new Map<WycheproofGroup, PreparedKey>();
        runVectors(vectors, (group, test) => {
          let key = keys.get(group);
          if (!key) {
            const imported = provider.importPublicDer(hex(group.publicKeyDer), 'spki');
            assert.deepEqual(imported.spec, { type: 'dsa' });
            key = provider.preparePublic(imported.spec, imported.material);
            keys.set(group, key);
          }
          return provider.dsaVerify(key, 'sha256', hex(test.msg), hex(test.sig));
        });
      });
    }
  }

  for (const provider of PROVIDERS) {
    it(`${provider.name}: generates a (2048, 256) key pair that signs and verifies, and exports it as PKCS#8 and SPKI that read back`, async () => {
      const pair = await provider.generateDsa(2048, 256);
      assert.deepEqual(pair.spec, { type: 'dsa' });
      const { p, q } = dsaPublicNumbers(pair.publicKey);
      assert.deepEqual([p.toString(2).length, q.toString(2).length], [2048, 256]);
      validateDsaImport(pair.publicKey);
      const priv = provider.preparePrivate(pair.spec, pair.privateKey);
      const pub = provider.preparePublic(pair.spec, pair.publicKey);
      assertBytes(provider.exportSpki(priv), pair.publicKey);
      assertBytes(provider.publicKeyOf(priv), pair.publicKey);
      const message = new TextEncoder().encode('a message');
      const signature = provider.dsaSign(priv, 'sha256', message);
      assert.equal(provider.dsaVerify(pub, 'sha256', message, signature), true);
      assert.equal(provider.dsaVerify(pub, 'sha256', new TextEncoder().encode('another'), signature), false);
      assert.equal(provider.dsaVerify(pub, 'sha384', message, signature), false);
      const back = provider.importPrivateDer(provider.exportPkcs8(priv), 'pkcs8');
      assert.deepEqual(back.spec, { type: 'dsa' });
      assert.equal(provider.dsaVerify(provider.preparePublic(back.spec, provider.publicKeyOf(provider.preparePrivate(back.spec, back.material))), 'sha256', message, signature), true);
    });

    it(`${provider.name}: refuses a public key to sign with, keys of another type, and bad sizes`, async () => {
      const pair = await provider.generateDsa(2048, 256);
      assertRejects(() => provider.dsaSign(provider.preparePublic(pair.spec, pair.publicKey), 'sha256', new Uint8Array(1)), 'INVALID_ARGUMENT');
      const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'der' });
      assertRejects(() => provider.preparePrivate({ type: 'dsa' }, new Uint8Array(rsa)), 'INVALID_ARGUMENT');
      await assert.rejects(provider.generateDsa(512, 256), { code: 'INVALID_ARGUMENT' });
    });
  }

  it('validateDsaImport takes (2048, 224) and (2048, 256) keys whose g and y lie in the subgroup, and refuses the rest', () => {
    for (const file of FILES) validateDsaImport(hex(loadVectors(file).testGroups[0]!.publicKeyDer));
    const { p, q, g, y } = dsaPublicNumbers(hex(loadVectors(FILES[1]!).testGroups[0]!.publicKeyDer));
    validateDsaImport(spkiOf(p, q, g, y));
    assertRejects(() => validateDsaImport(spkiOf(p, q, g, 1n)), 'INVALID_ARGUMENT', 'y = 1');
    assertRejects(() => validateDsaImport(spkiOf(p, q, g, p - 1n)), 'INVALID_ARGUMENT', 'y = p - 1');
    assertRejects(() => validateDsaImport(spkiOf(p, q, g, y + 1n)), 'INVALID_ARGUMENT', 'y outside the subgroup');
    assertRejects(() => validateDsaImport(spkiOf(p, q, 1n, y)), 'INVALID_ARGUMENT', 'g = 1');
    assertRejects(() => validateDsaImport(spkiOf(p, q + 2n, g, y)), 'INVALID_ARGUMENT', 'q does not divide p - 1');
    const small = generateKeyPairSync('dsa', { modulusLength: 1024, divisorLength: 160 }).publicKey.export({ type: 'spki', format: 'der' });
    assertRejects(() => validateDsaImport(new Uint8Array(small)), 'INVALID_ARGUMENT', '(1024, 160)');
  });
});
