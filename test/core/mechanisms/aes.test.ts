import assert from 'node:assert/strict';
import { gcmDecrypt, gcmEncrypt } from '../../../src/core/mechanisms/gcm.js';
import { GCM_TAG_BYTES, providers, type CryptoProvider } from '../../../src/core/mechanisms/index.js';
import {
  PROVIDERS,
  assertBytes,
  assertRejects,
  attempt,
  hex,
  loadVectors,
  runVectors,
  sameBytes,
  seededRandom,
  summarize,
  toHex,
} from './support.js';

const [node, noble] = PROVIDERS as [CryptoProvider, CryptoProvider];

describe('mechanisms: AES-GCM', () => {
  const vectors = loadVectors('aes_gcm_test.json');

  for (const provider of PROVIDERS) {
    it(`${provider.name}: aes_gcm_test.json, every IV size from 1 to 257 bytes; the empty IV refused`, () => {
      const stats = runVectors(vectors, (_group, test) => {
        const [key, iv, aad, msg, ct, tag] = [test.key, test.iv, test.aad, test.msg, test.ct, test.tag].map((v) => hex(v));
        const plaintext = provider.aesGcmDecrypt(key!, iv!, ct!, tag!, aad!);
        if (!sameBytes(plaintext, msg!)) return false;
        if (test.result !== 'valid') return true;
        const sealed = provider.aesGcmEncrypt(key!, iv!, msg!, aad!, tag!.length);
        return sameBytes(sealed.ciphertext, ct!) && sameBytes(sealed.tag, tag!);
      });
      // The six ZeroLengthIv cases are refused as bad input before any decryption.
      assert.equal(stats.rejectionCodes.INVALID_ARGUMENT, 6, summarize(stats));
      assert.equal(stats.rejectionCodes.DECRYPTION_FAILED, 81, summarize(stats));
    });
  }

  it('gcm.ts (the composed GCM both providers fall back to) passes every vector with a non-empty IV', () => {
    let ran = 0;
    for (const group of vectors.testGroups) {
      for (const test of group.tests) {
        const [key, iv, aad, msg, ct, tag] = [test.key, test.iv, test.aad, test.msg, test.ct, test.tag].map((v) => hex(v));
        if (iv!.length === 0) continue;
        ran++;
        const opened = attempt(() => gcmDecrypt(key!, iv!, ct!, tag!, aad!));
        if (test.result === 'valid') {
          assert.ok(opened.ok, `tcId ${test.tcId}`);
          assertBytes(opened.value, msg!, `tcId ${test.tcId}`);
          const sealed = gcmEncrypt(key!, iv!, msg!, aad!, 16);
          assertBytes(sealed.ciphertext, ct!, `tcId ${test.tcId}`);
          assertBytes(sealed.tag, tag!, `tcId ${test.tcId}`);
        } else {
          assert.deepEqual(opened, { ok: false, code: 'DECRYPTION_FAILED' }, `tcId ${test.tcId}`);
        }
      }
    }
    assert.equal(ran, 310);
  });

  it('agrees across providers for IVs of 1-200 bytes and every tag length, and each opens the other\'s output', () => {
    const random = seededRandom('gcm');
    for (const keyLength of [16, 24, 32]) {
      for (const ivLength of [1, 7, 8, 12, 16, 60, 128, 129, 200]) {
        for (const tagBytes of GCM_TAG_BYTES) {
          const key = random(keyLength);
          const iv = random(ivLength);
          const aad = random((ivLength * 7) % 40);
          const plaintext = random((ivLength * 13 + tagBytes) % 70);
          const a = node.aesGcmEncrypt(key, iv, plaintext, aad, tagBytes);
          const b = noble.aesGcmEncrypt(key, iv, plaintext, aad, tagBytes);
          const label = `key ${keyLength}, iv ${ivLength}, tag ${tagBytes}`;
          assertBytes(b.ciphertext, a.ciphertext, label);
          assertBytes(b.tag, a.tag, label);
          assert.equal(a.tag.length, tagBytes);
          assertBytes(noble.aesGcmDecrypt(key, iv, a.ciphertext, a.tag, aad), plaintext, label);
          assertBytes(node.aesGcmDecrypt(key, iv, b.ciphertext, b.tag, aad), plaintext, label);
        }
      }
    }
  });

  for (const provider of PROVIDERS) {
    it(`${provider.name}: refuses tag lengths outside SP 800-38D, an empty IV and a wrong key size`, () => {
      const key = new Uint8Array(16);
      const iv = new Uint8Array(12);
      for (const tagBytes of [0, 1, 3, 5, 9, 10, 11, 17]) {
        assertRejects(() => provider.aesGcmEncrypt(key, iv, new Uint8Array(4), new Uint8Array(0), tagBytes), 'INVALID_ARGUMENT', `tag ${tagBytes}`);
        assertRejects(() => provider.aesGcmDecrypt(key, iv, new Uint8Array(4), new Uint8Array(tagBytes), new Uint8Array(0)), 'INVALID_ARGUMENT', `tag ${tagBytes}`);
      }
      assertRejects(() => provider.aesGcmEncrypt(key, new Uint8Array(0), new Uint8Array(4), new Uint8Array(0), 16), 'INVALID_ARGUMENT');
      assertRejects(() => provider.aesGcmEncrypt(new Uint8Array(15), iv, new Uint8Array(4), new Uint8Array(0), 16), 'INVALID_ARGUMENT');
    });

    it(`${provider.name}: refuses a changed ciphertext, tag or AAD with DECRYPTION_FAILED, also for truncated tags`, () => {
      const random = seededRandom(`gcm-tamper-${provider.name}`);
      const key = random(32);
      for (const [ivLength, tagBytes] of [[12, 16], [12, 4], [3, 12], [200, 8]] as const) {
        const iv = random(ivLength);
        const aad = random(10);
        const { ciphertext, tag } = provider.aesGcmEncrypt(key, iv, random(33), aad, tagBytes);
        const flip = (bytes: Uint8Array, at: number): Uint8Array => {
          const out = bytes.slice();
          out[at]! ^= 1;
          return out;
        };
        assertRejects(() => provider.aesGcmDecrypt(key, iv, flip(ciphertext, 5), tag, aad), 'DECRYPTION_FAILED');
        assertRejects(() => provider.aesGcmDecrypt(key, iv, ciphertext, flip(tag, tagBytes - 1), aad), 'DECRYPTION_FAILED');
        assertRejects(() => provider.aesGcmDecrypt(key, iv, ciphertext, tag, flip(aad, 0)), 'DECRYPTION_FAILED');
      }
    });
  }
});

describe('mechanisms: AES-CBC', () => {
  const vectors = loadVectors('aes_cbc_pkcs5_test.json');
  for (const provider of PROVIDERS) {
    it(`${provider.name}: aes_cbc_pkcs5_test.json`, () => {
      const stats = runVectors(vectors, (_group, test) => {
        const [key, iv, msg, ct] = [test.key, test.iv, test.msg, test.ct].map((v) => hex(v));
        if (!sameBytes(provider.aesCbcDecrypt(key!, iv!, ct!, { padding: 'pkcs7' }), msg!)) return false;
        return test.result !== 'valid' || sameBytes(provider.aesCbcEncrypt(key!, iv!, msg!, { padding: 'pkcs7' }), ct!);
      });
      // Bad padding fails decryption; the three NoPadding cases are not whole blocks (bad input).
      assert.equal(stats.rejectionCodes.DECRYPTION_FAILED, 141, summarize(stats));
      assert.equal(stats.rejectionCodes.INVALID_ARGUMENT, 3, summarize(stats));
    });

    it(`${provider.name}: refuses unpadded data that is not whole blocks and IVs that are not 16 bytes`, () => {
      const key = new Uint8Array(16);
      assertRejects(() => provider.aesCbcEncrypt(key, new Uint8Array(16), new Uint8Array(15), { padding: 'none' }), 'INVALID_ARGUMENT');
      assertRejects(() => provider.aesCbcDecrypt(key, new Uint8Array(16), new Uint8Array(17), { padding: 'pkcs7' }), 'INVALID_ARGUMENT');
      assertRejects(() => provider.aesCbcDecrypt(key, new Uint8Array(16), new Uint8Array(0), { padding: 'pkcs7' }), 'INVALID_ARGUMENT');
      assertRejects(() => provider.aesCbcEncrypt(key, new Uint8Array(12), new Uint8Array(16), { padding: 'none' }), 'INVALID_ARGUMENT');
      assertRejects(() => provider.aesCbcEncrypt(key, new Uint8Array(16), new Uint8Array(16), { padding: 'zero' as 'none' }), 'INVALID_ARGUMENT');
    });
  }

  it('agrees across providers with and without padding, and each decrypts the other\'s output', () => {
    const random = seededRandom('cbc');
    for (const keyLength of [16, 24, 32]) {
      for (let length = 0; length <= 70; length += 5) {
        const key = random(keyLength);
        const iv = random(16);
        const data = random(length);
        const a = node.aesCbcEncrypt(key, iv, data, { padding: 'pkcs7' });
        assertBytes(noble.aesCbcEncrypt(key, iv, data, { padding: 'pkcs7' }), a);
        assertBytes(noble.aesCbcDecrypt(key, iv, a, { padding: 'pkcs7' }), data);
        const blocks = random(length - (length % 16));
        const b = noble.aesCbcEncrypt(key, iv, blocks, { padding: 'none' });
        assertBytes(node.aesCbcEncrypt(key, iv, blocks, { padding: 'none' }), b);
        assertBytes(node.aesCbcDecrypt(key, iv, b, { padding: 'none' }), blocks);
      }
    }
  });
});

describe('mechanisms: AES-CTR and AES-ECB', () => {
  // SP 800-38A F.5.1, F.5.3, F.5.5 (CTR-AES128/192/256.Encrypt).
  const counter = hex('f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff');
  const plaintext = hex(
    '6bc1bee22e409f96e93d7e117393172aae2d8a571e03ac9c9eb76fac45af8e5130c81c46a35ce411e5fbc1191a0a52eff69f2445df4f9b17ad2b417be66c3710',
  );
  const ctrCases: Array<[string, string]> = [
    [
      '2b7e151628aed2a6abf7158809cf4f3c',
      '874d6191b620e3261bef6864990db6ce9806f66b7970fdff8617187bb9fffdff5ae4df3edbd5d35e5b4f09020db03eab1e031dda2fbe03d1792170a0f3009cee',
    ],
    [
      '8e73b0f7da0e6452c810f32b809079e562f8ead2522c6b7b',
      '1abc932417521ca24f2b0459fe7e6e0b090339ec0aa6faefd5ccc2c6f4ce8e941e36b26bd1ebc670d1bd1d665620abf74f78a7f6d29809585a97daec58c6b050',
    ],
    [
      '603deb1015ca71be2b73aef0857d77811f352c073b6108d72d9810a30914dff4',
      '601ec313775789a5b7a7f504bbf3d228f443e3ca4d62b59aca84e990cacaf5c52b0930daa23de94ce87017ba2d84988ddfc9c58db67aada613c2dd08457941a6',
    ],
  ];

  for (const provider of PROVIDERS) {
    it(`${provider.name}: matches the SP 800-38A F.5 CTR examples for AES-128/192/256 (both directions)`, () => {
      for (const [key, ciphertext] of ctrCases) {
        assert.equal(toHex(provider.aesCtr(hex(key), counter, plaintext)), ciphertext);
        assertBytes(provider.aesCtr(hex(key), counter, hex(ciphertext)), plaintext);
      }
    });

    it(`${provider.name}: encrypts one ECB block as in FIPS 197 Appendix C (the AES key check value)`, () => {
      const block = hex('00112233445566778899aabbccddeeff');
      assert.equal(toHex(provider.aesEcbEncryptBlock(hex('000102030405060708090a0b0c0d0e0f'), block)), '69c4e0d86a7b0430d8cdb78070b4c55a');
      assert.equal(
        toHex(provider.aesEcbEncryptBlock(hex('000102030405060708090a0b0c0d0e0f1011121314151617'), block)),
        'dda97ca4864cdfe06eaf70a0ec0d7191',
      );
      assert.equal(
        toHex(provider.aesEcbEncryptBlock(hex('000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f'), block)),
        '8ea2b7ca516745bfeafc49904b496089',
      );
      assertRejects(() => provider.aesEcbEncryptBlock(new Uint8Array(16), new Uint8Array(15)), 'INVALID_ARGUMENT');
    });
  }

  it('agrees across providers, including a counter that wraps past 2^128 - 1', () => {
    const random = seededRandom('ctr');
    const wrapping = new Uint8Array(16).fill(0xff);
    wrapping[15] = 0xfe;
    for (const keyLength of [16, 24, 32]) {
      for (const iv of [random(16), wrapping]) {
        const key = random(keyLength);
        const data = random(100);
        assertBytes(noble.aesCtr(key, iv, data), node.aesCtr(key, iv, data));
      }
    }
  });
});

describe('mechanisms: AES key wrap (RFC 3394) and with padding (RFC 5649)', () => {
  const wrapVectors = loadVectors('aes_wrap_test.json');
  const kwpVectors = loadVectors('aes_kwp_test.json');

  for (const provider of PROVIDERS) {
    it(`${provider.name}: aes_wrap_test.json (8-byte key data, "acceptable", refused by design)`, () => {
      const stats = runVectors(wrapVectors, (_group, test) => {
        const [key, msg, ct] = [test.key, test.msg, test.ct].map((v) => hex(v));
        if (!sameBytes(provider.aesKeyUnwrap(key!, ct!), msg!)) return false;
        return test.result !== 'valid' || sameBytes(provider.aesKeyWrap(key!, msg!), ct!);
      });
      assert.equal(stats.acceptedAcceptable, 0, summarize(stats));
    });

    it(`${provider.name}: aes_kwp_test.json`, () => {
      runVectors(kwpVectors, (_group, test) => {
        const [key, msg, ct] = [test.key, test.msg, test.ct].map((v) => hex(v));
        if (!sameBytes(provider.aesKeyUnwrapPad(key!, ct!), msg!)) return false;
        return test.result !== 'valid' || sameBytes(provider.aesKeyWrapPad(key!, msg!), ct!);
      });
    });

    it(`${provider.name}: refuses key data RFC 3394 cannot wrap, and a changed wrapped key`, () => {
      const kek = new Uint8Array(16).fill(7);
      for (const length of [0, 8, 15, 17]) {
        assertRejects(() => provider.aesKeyWrap(kek, new Uint8Array(length)), 'INVALID_ARGUMENT', `length ${length}`);
      }
      assertRejects(() => provider.aesKeyWrapPad(kek, new Uint8Array(0)), 'INVALID_ARGUMENT');
      assertRejects(() => provider.aesKeyUnwrap(kek, new Uint8Array(16)), 'INVALID_ARGUMENT');
      assertRejects(() => provider.aesKeyUnwrapPad(kek, new Uint8Array(20)), 'INVALID_ARGUMENT');
      const wrapped = provider.aesKeyWrap(kek, new Uint8Array(32).fill(1));
      wrapped[9]! ^= 0x40;
      assertRejects(() => provider.aesKeyUnwrap(kek, wrapped), 'DECRYPTION_FAILED');
      const padded = provider.aesKeyWrapPad(kek, new Uint8Array(5).fill(1));
      padded[0]! ^= 0x01;
      assertRejects(() => provider.aesKeyUnwrapPad(kek, padded), 'DECRYPTION_FAILED');
    });
  }

  it('agrees across providers for KW and KWP at every key-data length to 72 bytes', () => {
    const random = seededRandom('kw');
    for (const kekLength of [16, 24, 32]) {
      const kek = random(kekLength);
      for (let length = 1; length <= 72; length++) {
        const data = random(length);
        const padded = node.aesKeyWrapPad(kek, data);
        assertBytes(noble.aesKeyWrapPad(kek, data), padded, `KWP ${length}`);
        assertBytes(noble.aesKeyUnwrapPad(kek, padded), data);
        if (length >= 16 && length % 8 === 0) {
          const wrapped = noble.aesKeyWrap(kek, data);
          assertBytes(node.aesKeyWrap(kek, data), wrapped, `KW ${length}`);
          assertBytes(node.aesKeyUnwrap(kek, wrapped), data);
        }
      }
    }
  });

  it('wraps a 16-byte key to 24 bytes and a 5-byte one to 16 with padding', () => {
    const kek = providers.node.digest('sha256', new Uint8Array(0)).subarray(0, 16);
    assert.equal(providers.noble.aesKeyWrap(kek, new Uint8Array(16)).length, 24);
    assert.equal(providers.noble.aesKeyWrapPad(kek, new Uint8Array(5)).length, 16);
  });
});
