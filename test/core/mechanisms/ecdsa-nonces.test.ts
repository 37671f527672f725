/**
 * The node backend's ECDSA nonces (src/core/mechanisms/ecdsa-nonces.ts): each pair (r, k⁻¹) is right
 * for its k, none is handed out twice whether it was made on the spot or ahead on the worker, the
 * signatures verify, losing the worker loses nothing, and the worker never keeps a process alive.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createECDH, createHash, createPublicKey, verify as nodeVerify } from 'node:crypto';
import path from 'node:path';
import fc from 'fast-check';
import { OPENSSL_CURVE_NAMES, bigIntToBytes, bytesToBigInt, curveOrder } from '../../../src/core/mechanisms/curves.js';
import { nonceBatch, nonceStats, stopNonceWorker, takeNonce } from '../../../src/core/mechanisms/ecdsa-nonces.js';
import { EC_CURVES, EC_CURVE_BYTES, type CryptoProvider, type EcCurve, type HashName } from '../../../src/core/mechanisms/index.js';
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

/** The compiled module at `parts` (under dist/src), as a file URL string for a child's import. */
const distModule = (...parts: string[]) => JSON.stringify(path.join(ROOT, 'dist', 'src', ...parts));

/** Runs an ES module script in a child node with `flags`; it must exit by itself. Returns its last stdout line as JSON. */
function runChild(script: string, flags: readonly string[] = []): unknown {
  const child = spawnSync(process.execPath, [...flags, '--input-type=module', '-e', script], { encoding: 'utf8', timeout: 60_000 });
  assert.equal(child.signal, null, `node ${flags.join(' ')}: the process did not exit by itself: ${child.stderr}`);
  assert.equal(child.status, 0, `node ${flags.join(' ')}: ${child.stderr}`);
  return JSON.parse(child.stdout.trim().split('\n').at(-1)!);
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

  it('over a digest longer or shorter than the order, on every curve and hash, OpenSSL verifies the message (its own truncation)', () => {
    // SHA-512 on P-256 keeps its leftmost 256 bits; on P-521 (a 521-bit order) all 512 bits.
    const hashes: HashName[] = ['sha1', 'sha224', 'sha256', 'sha384', 'sha512'];
    for (const curve of EC_CURVES) {
      const { privateKey, spec } = node.generateEc(curve, seededRandom(`truncation-${curve}`));
      const priv = node.preparePrivate(spec, privateKey);
      const pub = createPublicKey({ key: Buffer.from(node.exportSpki(priv)), format: 'der', type: 'spki' });
      for (const hash of hashes) {
        for (let i = 0; i < 4; i++) {
          const message = Buffer.from(`${curve} ${hash} ${i}`);
          const digest = new Uint8Array(createHash(hash).update(message).digest());
          const signature = node.ecdsaSign(priv, hash, digest, { prehashed: true });
          assert.ok(nodeVerify(hash, message, { key: pub, dsaEncoding: 'ieee-p1363' }, signature), `${curve} ${hash}: OpenSSL refuses the signature`);
        }
      }
    }
  });

  it('nonces made on the worker are right on every curve: r = x(kG) mod n for the k its k⁻¹ inverts, none twice', () => {
    // One child process a curve, so that the batch that arrives is that curve's: it signs until
    // the worker's batch arrives, then checks the pool's top 320 nonces (that batch of 256, LIFO,
    // and some made on the spot) against OpenSSL's kG for k = (k⁻¹)⁻¹.
    for (const curve of EC_CURVES) {
      const script = `
        import { createECDH } from 'node:crypto';
        import { takeNonce, nonceStats } from ${distModule('core', 'mechanisms', 'ecdsa-nonces.js')};
        import { OPENSSL_CURVE_NAMES, bigIntToBytes, bytesToBigInt, curveOrder } from ${distModule('core', 'mechanisms', 'curves.js')};
        import { EC_CURVE_BYTES } from ${distModule('core', 'mechanisms', 'index.js')};
        const inverse = (k, n) => { let [r, b, e] = [1n, k % n, n - 2n]; for (; e > 0n; e >>= 1n, b = (b * b) % n) if (e & 1n) r = (r * b) % n; return r; };
        const curve = ${JSON.stringify(curve)};
        const n = curveOrder(curve), size = EC_CURVE_BYTES[curve], ecdh = createECDH(OPENSSL_CURVE_NAMES[curve]);
        const seen = new Set();
        const deadline = Date.now() + 30000;
        while (nonceStats().made.ahead === 0 && nonceStats().worker !== 'failed' && Date.now() < deadline) {
          for (let i = 0; i < 10; i++) seen.add(takeNonce(curve).r);
          await new Promise((resolve) => setTimeout(resolve, 2));
        }
        const arrived = nonceStats().made.ahead;
        let wrong = 0, repeated = 0;
        for (let i = 0; i < 320; i++) {
          const { r, kInverse } = takeNonce(curve);
          if (seen.has(r)) repeated++;
          seen.add(r);
          ecdh.setPrivateKey(bigIntToBytes(inverse(kInverse, n), size));
          if (bytesToBigInt(ecdh.getPublicKey().subarray(1, 1 + size)) % n !== r) wrong++;
        }
        console.log(JSON.stringify({ arrived, wrong, repeated, stats: nonceStats() }));
      `;
      const out = runChild(script) as { arrived: number; wrong: number; repeated: number; stats: ReturnType<typeof nonceStats> };
      assert.equal(out.arrived, 256, `${curve}: no batch came from the worker (${JSON.stringify(out)})`);
      assert.equal(out.wrong, 0, `${curve}: a worker nonce's r is not x(kG) mod n`);
      assert.equal(out.repeated, 0, `${curve}: a nonce was handed out twice`);
    }
  });

  it('under flags workers inherit, a signing process signs correctly and exits by itself; a refused worker only loses the speed; the stats hold no secret', () => {
    const permission = process.allowedNodeEnvironmentFlags.has('--permission') ? '--permission' : '--experimental-permission';
    const script = `
      import { providers } from ${distModule('core', 'mechanisms', 'index.js')};
      import { nonceStats } from ${distModule('core', 'mechanisms', 'ecdsa-nonces.js')};
      const node = providers.node, noble = providers.noble;
      const { privateKey, publicKey, spec } = node.generateEc('secp384r1', (size) => new Uint8Array(size).fill(7));
      const priv = node.preparePrivate(spec, privateKey), pub = noble.preparePublic(spec, publicKey);
      const digest = new Uint8Array(64).fill(3);
      const rs = new Set();
      let invalid = 0, total = 0;
      for (let round = 0; round < 400 && nonceStats().made.ahead === 0 && nonceStats().worker !== 'failed'; round++) {
        for (let i = 0; i < 20; i++, total++) {
          const signature = node.ecdsaSign(priv, 'sha512', digest, { prehashed: true });
          rs.add(Buffer.from(signature.subarray(0, 48)).toString('hex'));
          if (!noble.ecdsaVerify(pub, 'sha512', digest, signature, { prehashed: true })) invalid++;
        }
        await new Promise((resolve) => setTimeout(resolve, 2));
      }
      console.log(JSON.stringify({ total, distinct: rs.size, invalid, stats: nonceStats() }));
    `;
    const runs: Array<{ flags: string[]; worker: 'running' | 'failed' }> = [
      { flags: ['--frozen-intrinsics', '--no-warnings'], worker: 'running' },
      { flags: ['--disallow-code-generation-from-strings'], worker: 'running' },
      { flags: [permission, '--allow-fs-read=*', '--no-warnings'], worker: 'failed' },
    ];
    for (const { flags, worker } of runs) {
      const out = runChild(script, flags) as { total: number; distinct: number; invalid: number; stats: ReturnType<typeof nonceStats> };
      const label = `node ${flags.join(' ')}: ${JSON.stringify(out)}`;
      assert.equal(out.stats.worker, worker, label);
      if (worker === 'running') assert.ok(out.stats.made.ahead > 0, label);
      else assert.match(out.stats.failure ?? '', /\w/, label);
      assert.equal(out.invalid, 0, label);
      assert.equal(out.distinct, out.total, `${label}: an r repeated`);
      // Counts and a reason only: no number long enough to be a key, a nonce or an inverse.
      assert.doesNotMatch(JSON.stringify(out.stats), /[0-9a-f]{16,}/i, label);
    }
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
    const script = `
      import { takeNonce, nonceStats } from ${distModule('core', 'mechanisms', 'ecdsa-nonces.js')};
      for (let round = 0; nonceStats().made.ahead === 0 && round < 2000; round++) {
        for (let i = 0; i < 50; i++) takeNonce('secp256r1');
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
      console.log(JSON.stringify(nonceStats()));
    `;
    const stats = runChild(script) as ReturnType<typeof nonceStats>;
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
