/**
 * The node backend's ECDSA nonces (src/core/mechanisms/ecdsa-nonces.ts): each pair (r, k⁻¹) is right
 * for its k, none is handed out twice whether it was made on the spot or ahead on the worker, the
 * signatures verify, losing the worker loses nothing, and the worker never keeps a process alive.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createECDH } from 'node:crypto';
import path from 'node:path';
import fc from 'fast-check';
import { OPENSSL_CURVE_NAMES, bigIntToBytes, bytesToBigInt, curveOrder } from '../../../src/core/mechanisms/curves.js';
import { nonceBatch, nonceStats, stopNonceWorker, takeNonce } from '../../../src/core/mechanisms/ecdsa-nonces.js';
import { EC_CURVES, EC_CURVE_BYTES, type CryptoProvider, type EcCurve } from '../../../src/core/mechanisms/index.js';
import { ROOT } from '../../support/helpers.js';
import { propertyRuns } from '../../support/property.js';
import { PROVIDERS, seededRandom, toHex } from './support.js';

const [node, noble] = PROVIDERS as [CryptoProvider, CryptoProvider];

/** An ECDH that hands out the given private keys in turn, with their real public points. */
function scriptedEcdh(curve: EcCurve, ks: readonly bigint[]) {
  const real = createECDH(OPENSSL_CURVE_NAMES[curve]);
  const size = EC_CURVE_BYTES[curve];
  let next = 0;
  let current = Buffer.alloc(0);
  return {
    generateKeys() {
      current = Buffer.from(ks[next++]!.toString(16).padStart(2 * size, '0'), 'hex');
      real.setPrivateKey(current);
      return real.getPublicKey();
    },
    getPrivateKey: () => current,
  };
}

/** x(kG) mod n, by the noble backend's arithmetic. */
function expectedR(curve: EcCurve, k: bigint): bigint {
  const size = EC_CURVE_BYTES[curve];
  const point = noble.publicKeyOf(noble.preparePrivate({ type: 'ec', curve }, bigIntToBytes(k, size)));
  return bytesToBigInt(point.subarray(1, 1 + size)) % curveOrder(curve);
}

/** k⁻¹ mod n (n prime): k^(n-2). */
function inverse(k: bigint, n: bigint): bigint {
  let [result, base, e] = [1n, k % n, n - 2n];
  for (; e > 0n; e >>= 1n, base = (base * base) % n) if (e & 1n) result = (result * base) % n;
  return result;
}

async function untilAhead(sign: () => void, before: number): Promise<void> {
  for (let round = 0; nonceStats().made.ahead <= before; round++) {
    assert.ok(round < 1000, `the worker made no nonces (${JSON.stringify(nonceStats())})`);
    for (let i = 0; i < 50; i++) sign();
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

describe('ECDSA nonces (node backend)', function () {
  this.timeout(120_000);

  it('a batch gives r = x(kG) mod n and k⁻¹ for each k, on every curve, with keys near 1 and n', () => {
    for (const curve of EC_CURVES) {
      const n = curveOrder(curve);
      const ks = [1n, 2n, n - 1n, n - 2n, n / 2n, 0x1234567890abcdefn];
      const pairs = nonceBatch(scriptedEcdh(curve, ks), n, EC_CURVE_BYTES[curve], ks.length);
      assert.equal(pairs.length, 2 * ks.length);
      ks.forEach((k, i) => {
        assert.equal(pairs[2 * i], expectedR(curve, k), `${curve}: r for k = ${k}`);
        assert.equal((pairs[2 * i + 1]! * k) % n, 1n, `${curve}: k⁻¹ for k = ${k}`);
      });
    }
  });

  it('random batches (fast-check): every k⁻¹ is the inverse of its k, in batches of 1 to 40', () => {
    const n = curveOrder('secp256r1');
    fc.assert(
      fc.property(fc.array(fc.bigInt({ min: 1n, max: n - 1n }), { minLength: 1, maxLength: 40 }), (ks) => {
        const pairs = nonceBatch(scriptedEcdh('secp256r1', ks), n, 32, ks.length);
        ks.forEach((k, i) => assert.equal((pairs[2 * i + 1]! * k) % n, 1n));
      }),
      { numRuns: propertyRuns(25) },
    );
  });

  it('a key whose x(kG) is n reduces to r = 0 and is skipped, not used', () => {
    // No real point has x = n on P-256, so the ECDH is faked: the first key "gives" x = n.
    const n = curveOrder('secp256r1');
    const real = scriptedEcdh('secp256r1', [5n]);
    let calls = 0;
    const ecdh = {
      generateKeys() {
        calls++;
        if (calls === 1) return Buffer.concat([Buffer.of(4), Buffer.from(n.toString(16), 'hex'), Buffer.alloc(32)]);
        return real.generateKeys();
      },
      getPrivateKey: () => (calls === 1 ? Buffer.from('07'.padStart(64, '0'), 'hex') : real.getPrivateKey()),
    };
    const pairs = nonceBatch(ecdh, n, 32, 1);
    assert.equal(calls, 2);
    assert.deepEqual(pairs, [expectedR('secp256r1', 5n), inverse(5n, n)]);
  });

  it('a key of zero (an empty private key, which OpenSSL never gives) is skipped like r = 0, not a crash', () => {
    const n = curveOrder('secp256r1');
    const real = scriptedEcdh('secp256r1', [9n, 9n]);
    let calls = 0;
    const ecdh = {
      generateKeys: () => (calls++, real.generateKeys()),
      getPrivateKey: () => (calls === 1 ? Buffer.alloc(0) : real.getPrivateKey()),
    };
    const pairs = nonceBatch(ecdh, n, 32, 1);
    assert.equal(calls, 2, 'the zero key was not skipped');
    assert.deepEqual(pairs, [expectedR('secp256r1', 9n), inverse(9n, n)]);
  });

  it('nonces made ahead on the worker and on the spot are never handed out twice; every signature verifies', async () => {
    const { privateKey, publicKey, spec } = node.generateEc('secp256r1', seededRandom('nonce-pool'));
    const priv = node.preparePrivate(spec, privateKey);
    const pub = noble.preparePublic(spec, publicKey);
    const digest = node.digest('sha256', new TextEncoder().encode('one digest'));
    const signatures: Uint8Array[] = [];
    const sign = () => signatures.push(node.ecdsaSign(priv, 'sha256', digest, { prehashed: true }));
    await untilAhead(sign, nonceStats().made.ahead);
    for (let i = 0; i < 600; i++) sign(); // through the worker's batches
    await stopNonceWorker();
    const onTheSpot = nonceStats().made.onTheSpot;
    for (let i = 0; i < 100; i++) sign(); // on the spot again
    assert.equal(nonceStats().worker, 'stopped');
    assert.ok(nonceStats().made.onTheSpot > onTheSpot, 'after the worker stopped, nonces are made on the spot');
    assert.equal(new Set(signatures.map((sig) => toHex(sig.subarray(0, 32)))).size, signatures.length, 'an r repeated: a nonce was used twice');
    for (const signature of signatures) assert.ok(noble.ecdsaVerify(pub, 'sha256', digest, signature, { prehashed: true }));
  });

  it('on every curve, the pool hands out distinct nonces, each r being x(kG) mod n for the k its k⁻¹ inverts', () => {
    for (const curve of EC_CURVES) {
      const seen = new Set<bigint>();
      for (let i = 0; i < 80; i++) {
        const { r, kInverse } = takeNonce(curve);
        assert.ok(r > 0n && r < curveOrder(curve) && kInverse > 0n && kInverse < curveOrder(curve));
        assert.ok(!seen.has(r), `${curve}: r repeated`);
        seen.add(r);
      }
      // That r is x(kG) mod n for the k whose inverse comes with it: recompute from k = (k⁻¹)⁻¹.
      const { r, kInverse } = takeNonce(curve);
      const k = inverse(kInverse, curveOrder(curve));
      assert.equal(r, expectedR(curve, k), `${curve}: r is not x(kG) mod n for its k`);
    }
  });

  it('a process that signs enough to start the worker still exits on its own once it is done', () => {
    const modulePath = path.join(ROOT, 'dist', 'src', 'core', 'mechanisms', 'ecdsa-nonces.js');
    const script = `
      import { takeNonce, nonceStats } from ${JSON.stringify(modulePath)};
      for (let round = 0; nonceStats().made.ahead === 0 && round < 2000; round++) {
        for (let i = 0; i < 50; i++) takeNonce('secp256r1');
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
      console.log(JSON.stringify(nonceStats()));
    `;
    const child = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 60_000 });
    assert.equal(child.signal, null, `the process did not exit by itself: ${child.stderr}`);
    assert.equal(child.status, 0, child.stderr);
    const stats = JSON.parse(child.stdout) as ReturnType<typeof nonceStats>;
    assert.equal(stats.worker, 'running');
    assert.ok(stats.made.ahead > 0);
  });

  it('bytes and BigInt convert both ways at every width, dropping only bytes beyond the width', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 0, maxLength: 80 }), fc.integer({ min: 0, max: 80 }), (bytes, width) => {
        const value = bytes.reduce((acc, b) => (acc << 8n) | BigInt(b), 0n);
        assert.equal(bytesToBigInt(bytes), value);
        const padded = new Uint8Array(Math.max(width, bytes.length));
        padded.set(bytes, padded.length - bytes.length);
        assert.deepEqual(bigIntToBytes(value, width), padded.subarray(padded.length - width));
      }),
      { numRuns: propertyRuns(100) },
    );
  });
});
