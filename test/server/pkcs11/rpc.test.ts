/**
 * The p11-kit RPC codec: every call's request and response survive encode→decode for both
 * dialects (p11-kit 0.24 and 0.25+), truncated or garbled bodies and frames are refused with an
 * RpcProtocolError (never another exception), and fixed frames match the layout of p11-kit's
 * rpc-message.c and rpc-transport.c, written out byte by byte here.
 */
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { CKA, CKM, VENDOR_DEFINED } from '../../../src/server/pkcs11/constants.js';
import {
  CALLS,
  CALL_IDS,
  FrameReader,
  RpcProtocolError,
  attributeKind,
  decodeMessage,
  encodeError,
  encodeFrame,
  encodeMessage,
  mechanismParamKind,
  tokens,
  type Attribute,
  type AttributeValue,
  type Dialect,
  type Mechanism,
  type MechanismParams,
  type Token,
  type Value,
} from '../../../src/server/pkcs11/rpc.js';
import { propertyRuns } from '../../support/property.js';

const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex');
const u64 = fc.bigInt({ min: 0n, max: (1n << 64n) - 1n });
const u32 = fc.integer({ min: 0, max: 0xffffffff });
const bytes = (max = 40) => fc.uint8Array({ maxLength: max });
const maybeBytes = fc.option(bytes(), { nil: null });

/** Attribute types across every encoding, vendor ones and unknown ones (byte arrays) included. */
const ATTRIBUTE_TYPES = [
  ...Object.values(CKA),
  VENDOR_DEFINED + 0x10001,
  VENDOR_DEFINED + 0x10005,
  VENDOR_DEFINED + 0xd0002,
  0x12345,
];

function attributeValue(type: number, dialect: Dialect, depth: number): fc.Arbitrary<AttributeValue> {
  const kind = attributeKind(type, dialect);
  switch (kind) {
    case 'byte':
      return fc.integer({ min: 0, max: 255 }).map((byte) => ({ kind, byte }));
    case 'ulong':
      return u64.map((ulong) => ({ kind, ulong }));
    case 'bytes':
      return maybeBytes.map((b) => ({ kind, bytes: b }));
    case 'date':
      return fc.option(fc.uint8Array({ minLength: 8, maxLength: 8 }), { nil: null }).map((date) => ({ kind, date }));
    case 'attributes':
      return fc.array(attribute(dialect, depth + 1), { maxLength: depth >= 1 ? 0 : 3 }).map((attributes) => ({ kind, attributes }));
    case 'mechanisms':
      return fc.array(u64, { maxLength: 4 }).map((mechanisms) => ({ kind, mechanisms }));
  }
}

function size(v: AttributeValue): number {
  switch (v.kind) {
    case 'byte':
      return 1;
    case 'ulong':
      return 8;
    case 'bytes':
      return v.bytes?.length ?? 0;
    case 'date':
      return v.date?.length ?? 0;
    case 'attributes':
      return v.attributes.length * 24;
    case 'mechanisms':
      return v.mechanisms.length * 8;
  }
}

function attribute(dialect: Dialect, depth = 0): fc.Arbitrary<Attribute> {
  return fc.constantFrom(...ATTRIBUTE_TYPES).chain((type) =>
    fc.oneof(
      fc.constant<Attribute>({ type, unavailable: true }),
      fc.tuple(attributeValue(type, dialect, depth), fc.integer({ min: 0, max: 16 })).map(([value, extra]): Attribute => ({ type, length: size(value) + extra, value })),
    ),
  );
}

const MECHANISM_TYPES = [...Object.values(CKM), 0x1044, 0x250, 0x40];

function mechanism(dialect: Dialect): fc.Arbitrary<Mechanism> {
  return fc.constantFrom(...MECHANISM_TYPES).chain((type) => {
    const kind = mechanismParamKind(type, dialect);
    let params: fc.Arbitrary<MechanismParams>;
    switch (kind) {
      case 'bytes':
        params = maybeBytes.map((b) => ({ kind, bytes: b }));
        break;
      case 'pss':
        params = fc.tuple(u64, u64, u64).map(([hashAlg, mgf, saltLength]) => ({ kind, hashAlg, mgf, saltLength }));
        break;
      case 'oaep':
        params = fc.tuple(u64, u64, u64, maybeBytes).map(([hashAlg, mgf, source, sourceData]) => ({ kind, hashAlg, mgf, source, sourceData }));
        break;
      case 'iv': {
        const n = [CKM.DES_CBC, CKM.DES_CBC_PAD, CKM.DES3_CBC, CKM.DES3_CBC_PAD, CKM.DES_CFB8, CKM.DES_CFB64, CKM.DES_OFB64].includes(type as never) ? 8 : 16;
        params = fc.uint8Array({ minLength: n, maxLength: n }).map((iv) => ({ kind, iv }));
        break;
      }
      case 'ctr':
        params = fc.tuple(u64, fc.uint8Array({ minLength: 16, maxLength: 16 })).map(([counterBits, counterBlock]) => ({ kind, counterBits, counterBlock }));
        break;
      case 'gcm':
        params = fc.tuple(maybeBytes, u64, maybeBytes, u64).map(([iv, ivBits, aad, tagBits]) => ({ kind, iv, ivBits, aad, tagBits }));
        break;
      case 'mac-general':
        params = u64.map((macLength) => ({ kind, macLength }));
        break;
      case 'ecdh':
        params = fc.tuple(u64, maybeBytes, maybeBytes).map(([kdf, sharedData, publicData]) => ({ kind, kdf, sharedData, publicData }));
        break;
      case 'ulong':
        params = u64.map((value) => ({ kind, value }));
        break;
    }
    return params.map((p) => ({ type, params: p }));
  });
}

function valueFor(token: Token, dialect: Dialect): fc.Arbitrary<Value> {
  switch (token) {
    case 'y':
      return fc.integer({ min: 0, max: 255 });
    case 'u':
      return u64;
    case 'z':
    case 's':
      return bytes(64);
    case 'v':
      return fc.tuple(fc.integer({ min: 0, max: 255 }), fc.integer({ min: 0, max: 255 })).map(([major, minor]) => ({ major, minor }));
    case 'ay':
      return fc.oneof(bytes(64).map((b) => ({ bytes: b })), u32.map((length) => ({ bytes: null, length })));
    case 'au':
      return fc.oneof(fc.array(u64, { maxLength: 6 }).map((values) => ({ values })), u32.map((length) => ({ values: null, length })));
    case 'fy':
    case 'fu':
      return u32;
    case 'fA':
      return fc.array(fc.tuple(u32, u32).map(([type, length]) => ({ type, length })), { maxLength: 6 });
    case 'aA':
      return fc.array(attribute(dialect), { maxLength: 5 });
    case 'M':
      return mechanism(dialect);
    case 'P':
      throw new Error('element P is not generated');
  }
}

/** A call, a direction and values for it (C_DeriveKey2's response, with element P, is left out). */
const message = fc
  .tuple(fc.integer({ min: 0, max: CALLS.length - 1 }), fc.constantFrom<'request' | 'response'>('request', 'response'), fc.constantFrom<Dialect>(0, 1, 2))
  .filter(([id, direction]) => !(direction === 'request' && id === 0) && !(id === CALL_IDS.C_DeriveKey2 && direction === 'response'))
  .chain(([id, direction, dialect]) => {
    const signature = direction === 'request' ? CALLS[id]!.request : CALLS[id]!.response;
    return fc.tuple(fc.constant(id), fc.constant(direction), fc.constant(dialect), fc.tuple(...tokens(signature).map((t) => valueFor(t, dialect))));
  });

/** Runs `fn`; passes when it returns or throws an RpcProtocolError, fails on anything else. */
function onlyRefuses(fn: () => unknown): void {
  try {
    fn();
  } catch (err) {
    if (!(err instanceof RpcProtocolError)) throw err;
    assert.ok(err.message.length > 10, 'the refusal says what was wrong');
  }
}

describe('p11-kit RPC codec', function () {
  this.timeout(120_000);

  it('reads back every call it encodes, request and response, in both dialects', () => {
    fc.assert(
      fc.property(message, ([id, direction, dialect, values]) => {
        const body = encodeMessage(id, direction, values, dialect);
        const decoded = decodeMessage(body, direction, dialect);
        assert.equal(decoded.call.id, id);
        assert.deepEqual(decoded.values, values);
      }),
      { numRuns: propertyRuns(2000) },
    );
  });

  it('refuses every truncation of a valid body with an RpcProtocolError', () => {
    fc.assert(
      fc.property(message, fc.nat(), ([id, direction, dialect, values], cut) => {
        const body = encodeMessage(id, direction, values, dialect);
        const short = body.subarray(0, cut % body.length);
        assert.throws(() => decodeMessage(short, direction, dialect), RpcProtocolError);
      }),
      { numRuns: propertyRuns(1000) },
    );
  });

  it('refuses a body with bytes after the last value', () => {
    const body = encodeMessage(CALL_IDS.C_Finalize!, 'request', []);
    assert.throws(() => decodeMessage(Buffer.concat([body, Buffer.of(0)]), 'request'), /1 bytes follow the last value/);
  });

  it('never lets anything but an RpcProtocolError out of garbled bodies', () => {
    fc.assert(
      fc.property(message, fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 }), ([id, direction, dialect, values], flips) => {
        const body = Buffer.from(encodeMessage(id, direction, values, dialect));
        for (const [at, byte] of flips) body[at % body.length] = byte;
        onlyRefuses(() => decodeMessage(body, direction, dialect));
      }),
      { numRuns: propertyRuns(2000) },
    );
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), fc.constantFrom<'request' | 'response'>('request', 'response'), (random, direction) => {
        onlyRefuses(() => decodeMessage(Buffer.from(random), direction, 0));
      }),
      { numRuns: propertyRuns(2000) },
    );
  });

  it('refuses counts the body cannot hold before allocating for them', () => {
    // C_FindObjectsInit: session 1, then an attribute array claiming 2^32-1 attributes.
    const body = Buffer.concat([hex('0000001a 00000003'), Buffer.from('uaA'), hex('0000000000000001 ffffffff')]);
    assert.throws(() => decodeMessage(body, 'request'), /claims 4294967295 items/);
  });

  it('cuts a stream into frames wherever the chunks break', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 1, max: 0xffffffff }), bytes(16), bytes(64)), { minLength: 1, maxLength: 5 }),
        fc.array(fc.integer({ min: 1, max: 30 }), { minLength: 1, maxLength: 20 }),
        (frames, cuts) => {
          const stream = Buffer.concat(frames.map(([code, options, body]) => encodeFrame(code, options, body)));
          const reader = new FrameReader();
          const got = [];
          let at = 0;
          for (let i = 0; at < stream.length; i++) {
            const n = cuts[i % cuts.length]!;
            got.push(...reader.push(stream.subarray(at, at + n)));
            at += n;
          }
          assert.equal(reader.buffered, 0);
          assert.deepEqual(
            got.map((f) => [f.code, new Uint8Array(f.options), new Uint8Array(f.body)]),
            frames.map(([code, options, body]) => [code, options, body]),
          );
        },
      ),
      { numRuns: propertyRuns(500) },
    );
  });

  it('refuses frame headers that cannot be the protocol, and never throws anything else on random streams', () => {
    assert.throws(() => new FrameReader().push(hex('00000000 00000000 00000000')), /call code 0/);
    assert.throws(() => new FrameReader().push(hex('00000001 00000000 7fffffff')), /exceeds/);
    assert.throws(() => new FrameReader().push(hex('00000001 7fffffff 00000000')), /options block/);
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 100 }), (random) => {
        onlyRefuses(() => new FrameReader().push(Buffer.from(random)));
      }),
      { numRuns: propertyRuns(1000) },
    );
  });

  describe('fixed frames, as rpc-message.c and rpc-transport.c lay them out', () => {
    it('a C_GetSlotList request: call 4, signature "yfu", token-present byte, room for 0 slots', () => {
      const body = hex('00000004 00000003 796675 01 00000000');
      const m = decodeMessage(body, 'request');
      assert.equal(m.call.name, 'C_GetSlotList');
      assert.deepEqual(m.values, [1, 0]);
      assert.deepEqual(encodeMessage(4, 'request', [1, 0]), body);
    });

    it('a C_GetSlotList answer: presence byte, count, 64-bit slot IDs', () => {
      const body = hex('00000004 00000002 6175 01 00000002 0000000000000000 0000000000000001');
      assert.deepEqual(encodeMessage(4, 'response', [{ values: [0n, 1n] }]), body);
      // A size answer: absent array, its count only.
      assert.deepEqual(encodeMessage(4, 'response', [{ values: null, length: 2 }]), hex('00000004 00000002 6175 00 00000002'));
    });

    it('an error: call 0, signature "u", the CKR value as 64 bits', () => {
      assert.deepEqual(encodeError(0x101), hex('00000000 00000001 75 0000000000000101'));
    });

    it('a frame: code, options length, body length, options, body', () => {
      assert.deepEqual(encodeFrame(7, Buffer.from('mod'), hex('aabb')), hex('00000007 00000003 00000002 6d6f64 aabb'));
    });

    it('a C_Login request: session, user type, the PIN as a present byte array', () => {
      const body = hex('00000012 00000004 75756179 0000000000000001 0000000000000001 01 00000005 613a623a63');
      const m = decodeMessage(body, 'request');
      assert.equal(m.call.name, 'C_Login');
      assert.deepEqual(m.values, [1n, 1n, { bytes: new Uint8Array(Buffer.from('a:b:c')) }]);
    });

    it('C_FindObjectsInit templates: CKA_CLASS as a ulong, CKA_LABEL as bytes, CKA_TOKEN as a byte', () => {
      const body = hex(
        '0000001a 00000003 756141 0000000000000002 00000003' +
          ' 00000000 01 00000008 0000000000000003' +
          ' 00000003 01 00000002 00000002 6b31' +
          ' 00000001 01 00000001 01',
      );
      const m = decodeMessage(body, 'request');
      assert.deepEqual(m.values[1], [
        { type: CKA.CLASS, length: 8, value: { kind: 'ulong', ulong: 3n } },
        { type: CKA.LABEL, length: 2, value: { kind: 'bytes', bytes: new Uint8Array(Buffer.from('k1')) } },
        { type: CKA.TOKEN, length: 1, value: { kind: 'byte', byte: 1 } },
      ]);
    });

    it('encodes an attribute by the client\'s p11-kit: an IBM vendor boolean is a byte for 0.25, a byte array for 0.24', () => {
      const restrictable = VENDOR_DEFINED + 0x10001;
      assert.equal(attributeKind(restrictable, 0), 'bytes');
      assert.equal(attributeKind(restrictable, 1), 'byte');
      // CKA_DESTROYABLE is in neither version's list: a byte array for both.
      assert.equal(attributeKind(CKA.DESTROYABLE, 0), 'bytes');
      assert.equal(attributeKind(CKA.DERIVE_TEMPLATE, 0), 'bytes');
      assert.equal(attributeKind(CKA.DERIVE_TEMPLATE, 1), 'attributes');
    });

    it('mechanisms: a 32-bit type, then no parameter as a null array, PSS as three ulongs, GCM only from 0.25', () => {
      const ecdsa = hex('00001041 ffffffff');
      const pss = hex('0000000d 0000000000000250 0000000000000002 0000000000000020');
      const sign = (mech: Buffer) => Buffer.concat([hex('0000002a 00000003 754d75 0000000000000001'), mech, hex('0000000000000010')]);
      assert.deepEqual(decodeMessage(sign(ecdsa), 'request').values[1], { type: CKM.ECDSA, params: { kind: 'bytes', bytes: null } });
      assert.deepEqual(decodeMessage(sign(pss), 'request').values[1], { type: CKM.RSA_PKCS_PSS, params: { kind: 'pss', hashAlg: 0x250n, mgf: 2n, saltLength: 32n } });
      const gcm = hex('00001087 0000000c 000102030405060708090a0b 0000000000000060 00000000 0000000000000080');
      assert.deepEqual(decodeMessage(sign(gcm), 'request', 1).values[1], {
        type: CKM.AES_GCM,
        params: { kind: 'gcm', iv: new Uint8Array(Buffer.from('000102030405060708090a0b', 'hex')), ivBits: 96n, aad: new Uint8Array(0), tagBits: 128n },
      });
      assert.equal(mechanismParamKind(CKM.AES_GCM, 0), 'bytes');
    });

    it('refuses a body whose signature is not the call\'s', () => {
      assert.throws(() => decodeMessage(hex('00000004 00000002 7975 01'), 'request'), /signature "yu" is not the call's "yfu"/);
      assert.throws(() => decodeMessage(hex('000000ff 00000000'), 'request'), /unknown call id 255/);
      assert.throws(() => decodeMessage(hex('00000000 00000001 75 0000000000000005'), 'request'), /unknown call id 0/);
    });
  });
});
