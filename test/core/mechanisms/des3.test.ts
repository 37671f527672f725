/**
 * Triple DES, three-key (SP 800-67): the known answer of SP 800-67 Rev. 1 Appendix B (three
 * blocks in ECB), the key rules (odd parity, K1 ≠ K2 ≠ K3) and the input checks, in both
 * providers (which share node:crypto's des-ede3: @noble/ciphers has no DES).
 */
import assert from 'node:assert/strict';
import { isDegenerateDes3Key, withOddParity } from '../../../src/core/mechanisms/families/des3.js';
import { PROVIDERS, assertBytes, assertRejects, hex } from './support.js';

/** SP 800-67 Rev. 1 Appendix B: Key1 ‖ Key2 ‖ Key3, the plaintext "The qufck brown fox jump" and its ECB ciphertext. */
const KEY = '0123456789abcdef' + '23456789abcdef01' + '456789abcdef0123';
const PLAINTEXT = ['5468652071756663', '6b2062726f776e20', '666f78206a756d70'];
const CIPHERTEXT = ['a826fd8ce53b855f', 'cce21c8112256fe6', '68d5c05dd9b6b900'];

describe('mechanisms: Triple DES', () => {
  for (const provider of PROVIDERS) {
    it(`${provider.name}: the SP 800-67 known answer, block by block`, () => {
      PLAINTEXT.forEach((block, i) => assertBytes(provider.des3EcbEncryptBlock(hex(KEY), hex(block)), hex(CIPHERTEXT[i])));
    });

    it(`${provider.name}: refuses a key that is not 24 bytes and a block that is not 8`, () => {
      assertRejects(() => provider.des3EcbEncryptBlock(hex(KEY.slice(0, 32)), hex(PLAINTEXT[0])), 'INVALID_ARGUMENT');
      assertRejects(() => provider.des3EcbEncryptBlock(hex(KEY), hex('00')), 'INVALID_ARGUMENT');
    });
  }

  it('sets odd parity in each byte and keeps the seven key bits', () => {
    const fixed = withOddParity(hex('0001fefff0e1'));
    assert.deepEqual([...fixed], [0x01, 0x01, 0xfe, 0xfe, 0xf1, 0xe0]);
    for (const byte of withOddParity(new Uint8Array(256).map((_, i) => i))) {
      let ones = 0;
      for (let bit = 1; bit < 0x100; bit <<= 1) if (byte & bit) ones++;
      assert.equal(ones % 2, 1);
    }
    // The SP 800-67 key already has odd parity.
    assertBytes(withOddParity(hex(KEY)), hex(KEY));
  });

  it('knows a key that collapses to single DES (K1 = K2 or K2 = K3), parity bits aside', () => {
    const [k1, k2, k3] = [KEY.slice(0, 16), KEY.slice(16, 32), KEY.slice(32)];
    assert.equal(isDegenerateDes3Key(hex(KEY)), false);
    assert.equal(isDegenerateDes3Key(hex(k1 + k1 + k3)), true);
    assert.equal(isDegenerateDes3Key(hex(k1 + k2 + k2)), true);
    // K1 = K3 is keying option 2 in disguise, not single DES.
    assert.equal(isDegenerateDes3Key(hex(k1 + k2 + k1)), false);
    // The same key bits with other parity bits is the same DES key: K1 with its parity bits flipped still equals K1.
    const flipped = hex(k1).map((b) => b ^ 1);
    assert.equal(isDegenerateDes3Key(new Uint8Array([...flipped, ...hex(k1), ...hex(k3)])), true);
  });
});
