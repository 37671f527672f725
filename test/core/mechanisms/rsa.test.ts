import assert from 'node:assert/strict';
import {
  HASH_BYTES,
  HASH_NAMES,
  decodeDigestInfo,
  encodeDigestInfo,
  rsaPublicNumbers,
  type CryptoProvider,
  type HashName,
  type KeyPairMaterial,
  type PreparedKey,
} from '../../../src/core/mechanisms/index.js';
import {
  PROVIDERS,
  assertBytes,
  assertRejects,
  hashName,
  hex,
  loadVectors,
  runVectors,
  sameBytes,
  seededRandom,
  summarize,
  type WycheproofGroup,
} from './support.js';

const [node, noble] = PROVIDERS as [CryptoProvider, CryptoProvider];

function cachedKey(provider: CryptoProvider, field: 'publicKeyDer' | 'privateKeyPkcs8') {
  const keys = new Map<WycheproofGroup, PreparedKey>();
  return (group: WycheproofGroup): PreparedKey => {
    let key = keys.get(group);
    if (!key) {
      const imported =
        field === 'publicKeyDer'
          ? provider.importPublicDer(hex(group.publicKeyDer), 'spki')
          : provider.importPrivateDer(hex(group.privateKeyPkcs8), 'pkcs8');
      assert.deepEqual(imported.spec, { type: 'rsa' });
      key = field === 'publicKeyDer' ? provider.preparePublic(imported.spec, imported.material) : provider.preparePrivate(imported.spec, imported.material);
      keys.set(group, key);
    }
    return key;
  };
}

describe('mechanisms: RSA (Wycheproof)', () => {
  const pkcs1Signatures = loadVectors('rsa_signature_2048_sha256_test.json');
  const pss = loadVectors('rsa_pss_2048_sha256_mgf1_32_test.json');
  const oaep = loadVectors('rsa_oaep_2048_sha256_mgf1sha256_test.json');
  const pkcs1Encryption = loadVectors('rsa_pkcs1_2048_test.json');

  for (const provider of PROVIDERS) {
    it(`${provider.name}: rsa_signature_2048_sha256_test.json (PKCS#1 v1.5 verify, raw and prehashed)`, () => {
      const key = cachedKey(provider, 'publicKeyDer');
      const stats = runVectors(pkcs1Signatures, (group, test) => {
        const hash = hashName(group.sha);
        const msg = hex(test.msg);
        const result = provider.rsaPkcs1Verify(key(group), hash, msg, hex(test.sig));
        const overDigest = provider.rsaPkcs1Verify(key(group), hash, provider.digest(hash, msg), hex(test.sig), { prehashed: true });
        assert.equal(overDigest, result, `tcId ${test.tcId}: prehashed and raw verification agree`);
        return result;
      });
      assert.equal(stats.acceptable, 1, summarize(stats));
    });

    it(`${provider.name}: rsa_pss_2048_sha256_mgf1_32_test.json (PSS verify, raw and prehashed)`, () => {
      const key = cachedKey(provider, 'publicKeyDer');
      runVectors(pss, (group, test) => {
        const hash = hashName(group.sha);
        const mgfHash = hashName(group.mgfSha);
        const saltBytes = Number(group.sLen);
        const msg = hex(test.msg);
        const result = provider.rsaPssVerify(key(group), hash, mgfHash, saltBytes, msg, hex(test.sig));
        const overDigest = provider.rsaPssVerify(key(group), hash, mgfHash, saltBytes, provider.digest(hash, msg), hex(test.sig), {
          prehashed: true,
        });
        assert.equal(overDigest, result, `tcId ${test.tcId}: prehashed and raw verification agree`);
        return result;
      });
    });

    it(`${provider.name}: rsa_oaep_2048_sha256_mgf1sha256_test.json (OAEP decrypt, key from privateKeyPkcs8)`, () => {
      const key = cachedKey(provider, 'privateKeyPkcs8');
      const stats = runVectors(oaep, (group, test) =>
        sameBytes(provider.rsaOaepDecrypt(key(group), hashName(group.sha), hashName(group.mgfSha), hex(test.label), hex(test.ct)), hex(test.msg)),
      );
      assert.equal(stats.rejectionCodes.DECRYPTION_FAILED, stats.invalid, summarize(stats));
    });

    it(`${provider.name}: rsa_pkcs1_2048_test.json (PKCS#1 v1.5 decrypt, key from privateKeyPkcs8)`, () => {
      const key = cachedKey(provider, 'privateKeyPkcs8');
      const stats = runVectors(pkcs1Encryption, (group, test) => sameBytes(provider.rsaPkcs1Decrypt(key(group), hex(test.ct)), hex(test.msg)));
      assert.equal(stats.rejectionCodes.DECRYPTION_FAILED, stats.invalid, summarize(stats));
    });
  }
});

describe('mechanisms: RSA cross-checks', function () {
  let pair: KeyPairMaterial;
  const keys: Record<string, { priv: PreparedKey; pub: PreparedKey }> = {};

  before(async function () {
    this.timeout(60000);
    pair = await node.generateRsa(2048, 65537);
    for (const p of PROVIDERS) keys[p.name] = { priv: p.preparePrivate(pair.spec, pair.privateKey), pub: p.preparePublic(pair.spec, pair.publicKey) };
  });

  const directions = [
    [node, noble],
    [noble, node],
  ] as const;
  const message = new TextEncoder().encode('the quick brown fox');

  it('generates 2048-bit keys with e = 65537 whose public half both providers derive the same way', async () => {
    const numbers = rsaPublicNumbers(pair.publicKey);
    assert.equal(numbers.modulusBits, 2048);
    assert.equal(Buffer.from(numbers.publicExponent).toString('hex'), '010001');
    for (const p of PROVIDERS) assertBytes(p.publicKeyOf(keys[p.name]!.priv), pair.publicKey);
    const viaNoble = await noble.generateRsa(2048, 3);
    assert.equal(Buffer.from(rsaPublicNumbers(viaNoble.publicKey).publicExponent).toString('hex'), '03');
  });

  it('PKCS#1 v1.5 signatures are identical in both providers for all nine hashes (DigestInfo agrees with OpenSSL)', () => {
    for (const hash of HASH_NAMES) {
      const viaNode = node.rsaPkcs1Sign(keys.node!.priv, hash, message);
      const viaNoble = noble.rsaPkcs1Sign(keys.noble!.priv, hash, message);
      assertBytes(viaNoble, viaNode, hash);
      const digest = node.digest(hash, message);
      assertBytes(node.rsaPkcs1Sign(keys.node!.priv, hash, digest, { prehashed: true }), viaNode, `${hash} prehashed`);
      for (const [, verifier] of directions) {
        assert.ok(verifier.rsaPkcs1Verify(keys[verifier.name]!.pub, hash, message, viaNode), `${verifier.name} ${hash}`);
        assert.ok(verifier.rsaPkcs1Verify(keys[verifier.name]!.pub, hash, digest, viaNode, { prehashed: true }));
        assert.equal(verifier.rsaPkcs1Verify(keys[verifier.name]!.pub, hash, message.subarray(1), viaNode), false);
      }
    }
  });

  it('PSS signatures verify across providers: every hash, MGF1 hash equal or not, salts 0/20/max, raw and prehashed', () => {
    const cases: Array<[HashName, HashName, number]> = [];
    for (const hash of HASH_NAMES) cases.push([hash, hash, HASH_BYTES[hash]]);
    cases.push(['sha256', 'sha1', 20], ['sha512', 'sha256', 0], ['sha1', 'sha512', 0], ['sha256', 'sha256', 0], ['sha256', 'sha256', 256 - 32 - 2]);
    for (const [hash, mgfHash, salt] of cases) {
      for (const [signer, verifier] of directions) {
        const label = `${signer.name} → ${verifier.name}, ${hash}/mgf1-${mgfHash}/salt ${salt}`;
        const sig = signer.rsaPssSign(keys[signer.name]!.priv, hash, mgfHash, salt, message);
        const digest = signer.digest(hash, message);
        const sigOverDigest = signer.rsaPssSign(keys[signer.name]!.priv, hash, mgfHash, salt, digest, { prehashed: true });
        const pub = keys[verifier.name]!.pub;
        assert.ok(verifier.rsaPssVerify(pub, hash, mgfHash, salt, message, sig), label);
        assert.ok(verifier.rsaPssVerify(pub, hash, mgfHash, salt, message, sigOverDigest), `${label}, prehashed signature`);
        assert.ok(verifier.rsaPssVerify(pub, hash, mgfHash, salt, digest, sig, { prehashed: true }), `${label}, prehashed verify`);
        if (salt > 0) assert.equal(verifier.rsaPssVerify(pub, hash, mgfHash, salt - 1, message, sig), false, `${label}, other salt`);
        if (mgfHash !== 'sha1') assert.equal(verifier.rsaPssVerify(pub, hash, 'sha1', salt, message, sig), false, `${label}, other MGF`);
      }
    }
  });

  it('OAEP round-trips across providers for several hashes, MGF1 hashes and labels', () => {
    const label = new TextEncoder().encode('label');
    const cases: Array<[HashName, HashName, Uint8Array | undefined]> = [
      ['sha1', 'sha1', undefined],
      ['sha256', 'sha256', label],
      ['sha512', 'sha512', undefined],
      ['sha256', 'sha1', label],
      ['sha384', 'sha256', undefined],
      ['sha3-256', 'sha3-256', undefined],
    ];
    for (const [hash, mgfHash, l] of cases) {
      for (const [encryptor, decryptor] of directions) {
        const plaintext = seededRandom(`oaep-${hash}`)(32);
        const ct = encryptor.rsaOaepEncrypt(keys[encryptor.name]!.pub, hash, mgfHash, l, plaintext);
        assertBytes(decryptor.rsaOaepDecrypt(keys[decryptor.name]!.priv, hash, mgfHash, l, ct), plaintext, `${hash}/${mgfHash}`);
        assertRejects(() => decryptor.rsaOaepDecrypt(keys[decryptor.name]!.priv, hash, mgfHash, new Uint8Array(1), ct), 'DECRYPTION_FAILED');
      }
    }
    const max = 256 - 2 * 32 - 2;
    for (const p of PROVIDERS) {
      p.rsaOaepEncrypt(keys[p.name]!.pub, 'sha256', 'sha256', undefined, new Uint8Array(max));
      assertRejects(() => p.rsaOaepEncrypt(keys[p.name]!.pub, 'sha256', 'sha256', undefined, new Uint8Array(max + 1)), 'INVALID_ARGUMENT');
    }
  });

  it('PKCS#1 v1.5 encryption round-trips across providers; bad lengths and changed ciphertexts are refused', () => {
    for (const [encryptor, decryptor] of directions) {
      for (const length of [0, 1, 32, 245]) {
        const plaintext = seededRandom(`pkcs1-${length}`)(length);
        const ct = encryptor.rsaPkcs1Encrypt(keys[encryptor.name]!.pub, plaintext);
        assertBytes(decryptor.rsaPkcs1Decrypt(keys[decryptor.name]!.priv, ct), plaintext);
      }
      assertRejects(() => encryptor.rsaPkcs1Encrypt(keys[encryptor.name]!.pub, new Uint8Array(246)), 'INVALID_ARGUMENT');
      assertRejects(() => decryptor.rsaPkcs1Decrypt(keys[decryptor.name]!.priv, new Uint8Array(255)), 'DECRYPTION_FAILED');
      assertRejects(() => decryptor.rsaPkcs1Decrypt(keys[decryptor.name]!.priv, new Uint8Array(256).fill(0xff)), 'DECRYPTION_FAILED');
    }
  });

  it('refuses bad generation parameters, oversized salts and the wrong key kind', async () => {
    for (const p of PROVIDERS) {
      await assert.rejects(p.generateRsa(2048, 65536), (err: { code?: string }) => err.code === 'INVALID_ARGUMENT');
      await assert.rejects(p.generateRsa(1000, 65537), (err: { code?: string }) => err.code === 'INVALID_ARGUMENT');
      assertRejects(() => p.rsaPssSign(keys[p.name]!.priv, 'sha256', 'sha256', 256 - 32 - 1, message), 'INVALID_ARGUMENT');
      assertRejects(() => p.rsaPkcs1Sign(keys[p.name]!.pub, 'sha256', message), 'INVALID_ARGUMENT');
      assertRejects(() => p.rsaPkcs1Sign(keys[p.name]!.priv, 'sha256', message, { prehashed: true }), 'INVALID_ARGUMENT');
      assertRejects(() => p.preparePrivate({ type: 'rsa' }, pair.publicKey), 'INVALID_ARGUMENT');
    }
  });

  it('DigestInfo encodes and decodes for every hash, and refuses a foreign algorithm', () => {
    for (const hash of HASH_NAMES) {
      const digest = new Uint8Array(HASH_BYTES[hash]).fill(7);
      const decoded = decodeDigestInfo(encodeDigestInfo(hash, digest));
      assert.equal(decoded.hash, hash);
      assertBytes(decoded.digest, digest);
    }
    // MD5 DigestInfo (RFC 8017 §9.2 note 1).
    assertRejects(() => decodeDigestInfo(hex('3020300c06082a864886f70d020505000410' + '00'.repeat(16))), 'INVALID_ARGUMENT');
  });
});
