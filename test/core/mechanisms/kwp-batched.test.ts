/**
 * The batched KWP of backups (backups/kwp.ts): every message wrapped in one call must be exactly
 * RFC 5649's wrap of it alone (Wycheproof's vectors, and node:crypto's `id-aes*-wrap-pad` on
 * random batches), and unwrapping must refuse every invalid vector.
 */
import assert from 'node:assert/strict';
import { createCipheriv, createDecipheriv } from 'node:crypto';
import fc from 'fast-check';
import { kwpUnwrapMany, kwpWrapMany } from '../../../src/core/backups/kwp.js';
import { loadVectors } from './support.js';

const KWP_IV = Buffer.from('A65959A6', 'hex');

function opensslWrap(key: Buffer, message: Buffer): Buffer {
  const c = createCipheriv(`id-aes${key.length * 8}-wrap-pad`, key, KWP_IV);
  return Buffer.concat([c.update(message), c.final()]);
}

function opensslUnwrap(key: Buffer, wrapped: Buffer): Buffer {
  const d = createDecipheriv(`id-aes${key.length * 8}-wrap-pad`, key, KWP_IV);
  return Buffer.concat([d.update(wrapped), d.final()]);
}

describe('backups: batched AES-KWP (RFC 5649) against Wycheproof and node:crypto', () => {
  it('aes_kwp_test.json: each group\'s valid messages wrapped in one batch give the vectors; every invalid one is refused alone', () => {
    let valid = 0;
    let invalid = 0;
    for (const group of loadVectors('aes_kwp_test.json').testGroups) {
      const byKey = new Map<string, Array<{ msg: Buffer; ct: Buffer }>>();
      for (const test of group.tests) {
        const [key, msg, ct] = [test.key, test.msg, test.ct].map((v) => Buffer.from(v as string, 'hex')) as [Buffer, Buffer, Buffer];
        if (test.result === 'valid') {
          valid++;
          const list = byKey.get(key.toString('hex')) ?? [];
          list.push({ msg, ct });
          byKey.set(key.toString('hex'), list);
          assert.deepEqual(kwpUnwrapMany(key, [ct]), [msg], `tcId ${test.tcId}`);
        } else if (test.result === 'invalid') {
          invalid++;
          assert.throws(() => kwpUnwrapMany(key, [ct]), Error, `tcId ${test.tcId} (${test.comment}) was accepted`);
          // In a batch with valid ones, it still fails the whole call.
          assert.throws(() => kwpUnwrapMany(key, [opensslWrap(key, Buffer.alloc(ct.length > 16 ? ct.length - 8 : 8, 1)), ct]), Error, `tcId ${test.tcId} in a batch`);
        }
      }
      for (const [key, tests] of byKey) {
        const wrapped = kwpWrapMany(Buffer.from(key, 'hex'), tests.map((t) => t.msg));
        tests.forEach((t, i) => assert.ok(wrapped[i]!.equals(t.ct), `a batch of ${tests.length}: message ${i}`));
      }
    }
    assert.ok(valid > 20 && invalid > 20, `${valid} valid, ${invalid} invalid vectors`);
  });

  it('random batches of any lengths and key sizes: each wrap is node:crypto\'s, and unwraps back', () => {
    fc.assert(
      fc.property(fc.constantFrom(16, 24, 32), fc.array(fc.uint8Array({ minLength: 1, maxLength: 90 }), { minLength: 1, maxLength: 12 }), fc.uint8Array({ minLength: 32, maxLength: 32 }), (keyLength, messages, keyBytes) => {
        const key = Buffer.from(keyBytes.subarray(0, keyLength));
        const plain = messages.map((m) => Buffer.from(m));
        const wrapped = kwpWrapMany(key, plain);
        wrapped.forEach((w, i) => {
          assert.ok(w.equals(opensslWrap(key, plain[i]!)));
          assert.ok(opensslUnwrap(key, w).equals(plain[i]!));
        });
        assert.deepEqual(kwpUnwrapMany(key, wrapped), plain);
      }),
      { numRuns: 300 },
    );
  });

  it('a changed byte anywhere in any message of a batch is refused', () => {
    const key = Buffer.alloc(32, 9);
    const messages = [Buffer.alloc(1024, 1), Buffer.alloc(1024, 2), Buffer.alloc(100, 3), Buffer.alloc(5, 4)];
    const wrapped = kwpWrapMany(key, messages);
    for (let m = 0; m < wrapped.length; m++) {
      for (const at of [0, 7, 8, wrapped[m]!.length - 1]) {
        const changed = wrapped.map((w) => Buffer.from(w));
        changed[m]![at]! ^= 0x01;
        assert.throws(() => kwpUnwrapMany(key, changed), /integrity/, `message ${m} byte ${at}`);
      }
    }
  });
});
