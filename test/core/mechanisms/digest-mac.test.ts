import assert from 'node:assert/strict';
import { HASH_BYTES, HASH_NAMES, providers, type HashName } from '../../../src/core/mechanisms/index.js';
import {
  PROVIDERS,
  assertBytes,
  assertRejects,
  hex,
  loadVectors,
  runVectors,
  sameBytes,
  seededRandom,
  toHex,
} from './support.js';

const HMAC_FILES: ReadonlyArray<[string, HashName]> = [
  ['hmac_sha1_test.json', 'sha1'],
  ['hmac_sha256_test.json', 'sha256'],
  ['hmac_sha384_test.json', 'sha384'],
  ['hmac_sha512_test.json', 'sha512'],
];

/** FIPS 180-4 / FIPS 202 example values for the message "abc". */
const ABC_DIGESTS: Readonly<Record<HashName, string>> = {
  sha1: 'a9993e364706816aba3e25717850c26c9cd0d89d',
  sha224: '23097d223405d8228642a477bda255b32aadbce4bda0b3f7e36c9da7',
  sha256: 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
  sha384: 'cb00753f45a35e8bb5a03d699ac65007272c32ab0eded1631a8b605a43ff5bed8086072ba1e7cc2358baeca134c825a7',
  sha512:
    'ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f',
  'sha3-224': 'e642824c3f8cf24ad09234ee7d3c766fc9a3a5168d0c94ad73b46fdf',
  'sha3-256': '3a985da74fe225b2045c172d6bd390bd855f086e3e9d525b46bfe24511431532',
  'sha3-384': 'ec01498288516fc926459f58e2c6ad8df9b473cb0fc08c2596da7cf0e49be4b298d88cea927ac7f539f1edf228376d25',
  'sha3-512':
    'b751850b1a57168a5693cd924b6b096e08f621827444f70d884f5d0240d2712e10e116e9192af3c91a7ec57647e3934057340b4cf408d5a56592f8274eec53f0',
};

const abc = new TextEncoder().encode('abc');

describe('mechanisms: digests', () => {
  for (const provider of PROVIDERS) {
    it(`${provider.name}: matches the FIPS 180-4 and FIPS 202 "abc" examples for all nine hashes`, () => {
      for (const hash of HASH_NAMES) {
        const digest = provider.digest(hash, abc);
        assert.equal(digest.length, HASH_BYTES[hash]);
        assert.equal(toHex(digest), ABC_DIGESTS[hash], hash);
      }
    });

    it(`${provider.name}: refuses an unknown hash name`, () => {
      assertRejects(() => provider.digest('md5' as HashName, abc), 'INVALID_ARGUMENT');
    });
  }

  it('gives identical digests in both providers on random inputs', () => {
    const random = seededRandom('digest');
    for (const length of [0, 1, 55, 56, 63, 64, 65, 127, 128, 135, 136, 137, 1000]) {
      const data = random(length);
      for (const hash of HASH_NAMES) {
        assertBytes(providers.noble.digest(hash, data), providers.node.digest(hash, data), `${hash} over ${length} bytes`);
      }
    }
  });
});

describe('mechanisms: HMAC (Wycheproof)', () => {
  for (const [file, hash] of HMAC_FILES) {
    const vectors = loadVectors(file);
    for (const provider of PROVIDERS) {
      it(`${provider.name}: ${file}`, () => {
        runVectors(vectors, (group, test) => {
          const tagBytes = Number(group.tagSize) / 8;
          const tag = provider.hmac(hash, hex(test.key), hex(test.msg)).subarray(0, tagBytes);
          return sameBytes(tag, hex(test.tag));
        });
      });
    }
  }

  it('gives identical HMACs in both providers for every hash, with keys shorter and longer than a block', () => {
    const random = seededRandom('hmac');
    for (const hash of HASH_NAMES) {
      for (const keyLength of [0, 1, 20, 64, 65, 128, 144, 200]) {
        const key = random(keyLength);
        const data = random(keyLength * 3 + 1);
        assertBytes(providers.noble.hmac(hash, key, data), providers.node.hmac(hash, key, data), `${hash} key ${keyLength}`);
      }
    }
  });
});

describe('mechanisms: AES-CMAC', () => {
  const vectors = loadVectors('aes_cmac_test.json');
  for (const provider of PROVIDERS) {
    it(`${provider.name}: aes_cmac_test.json (bad key sizes refused with INVALID_ARGUMENT)`, () => {
      const stats = runVectors(vectors, (group, test) => {
        const tagBytes = Number(group.tagSize) / 8;
        return sameBytes(provider.cmac(hex(test.key), hex(test.msg)).subarray(0, tagBytes), hex(test.tag));
      });
      assert.equal(stats.rejectionCodes.INVALID_ARGUMENT, 5, 'the five InvalidKeySize cases');
    });

    it(`${provider.name}: matches RFC 4493 §4 examples 1-4`, () => {
      const key = hex('2b7e151628aed2a6abf7158809cf4f3c');
      const message = hex(
        '6bc1bee22e409f96e93d7e117393172aae2d8a571e03ac9c9eb76fac45af8e5130c81c46a35ce411e5fbc1191a0a52eff69f2445df4f9b17ad2b417be66c3710',
      );
      const expected: Array<[number, string]> = [
        [0, 'bb1d6929e95937287fa37d129b756746'],
        [16, '070a16b46b4d4144f79bdd9dd04a287c'],
        [40, 'dfa66747de9ae63030ca32611497c827'],
        [64, '51f0bebf7e3b9d92fc49741779363cfe'],
      ];
      for (const [length, tag] of expected) assert.equal(toHex(provider.cmac(key, message.subarray(0, length))), tag);
    });
  }

  it('gives identical CMACs in both providers for 128/192/256-bit keys and all message lengths to 80 bytes', () => {
    const random = seededRandom('cmac');
    for (const keyLength of [16, 24, 32]) {
      const key = random(keyLength);
      for (let length = 0; length <= 80; length++) {
        const data = random(length);
        assertBytes(providers.noble.cmac(key, data), providers.node.cmac(key, data), `key ${keyLength}, ${length} bytes`);
      }
    }
  });
});
