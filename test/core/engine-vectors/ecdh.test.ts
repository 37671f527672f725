/**
 * ecdh_secp256r1_test.json and x25519_test.json through `key derive ecdh`: each case's private
 * key enters by `key import pem --key-type-class ec-private` (a PKCS#8 PEM, derive=true), the
 * peer key is the case's SubjectPublicKeyInfo as a PEM, and the derived generic secret (a session
 * key) is wrapped out by the engine and opened outside, to be compared with the expected shared
 * secret. X25519 keys are an extension for key agreement in NON_FIPS clusters.
 */
import assert from 'node:assert/strict';
import { createECDH } from 'node:crypto';
import { deriveEcdh } from '../../../src/core/keys/derive.js';
import { importPem } from '../../../src/core/keys/files.js';
import { byReference, type KeySelector } from '../../../src/core/keys/selector.js';
import { HsmError } from '../../../src/core/errors.js';
import { PROVIDER_NAMES, benches, hex, keyCache, loadVectors, pem, runCases, sameBytes, summarize, type Bench } from './support.js';

/** Wycheproof writes the ECDH private scalar as a signed big-endian integer: make it 32 bytes. */
function scalar32(value: Uint8Array): Buffer {
  const trimmed = value.subarray(Math.max(0, value.length - 32));
  return Buffer.concat([Buffer.alloc(32 - trimmed.length), trimmed]);
}

/** A P-256 private key as OpenSSL writes it (SEC 1 "EC PRIVATE KEY" with the public point). */
function p256PrivatePem(d: Buffer): string {
  const point = createECDH('prime256v1');
  point.setPrivateKey(d);
  const der = Buffer.concat([
    Buffer.from('30770201010420', 'hex'),
    d,
    Buffer.from('a00a06082a8648ce3d030107a144034200', 'hex'),
    point.getPublicKey(),
  ]);
  return pem('EC PRIVATE KEY', der);
}

/** RFC 8410 PKCS#8 and SPKI for raw X25519 keys. */
const x25519PrivatePem = (key: Uint8Array) => pem('PRIVATE KEY', Buffer.concat([Buffer.from('302e020100300506032b656e04220420', 'hex'), key]));
const x25519PublicPem = (key: Uint8Array) => pem('PUBLIC KEY', Buffer.concat([Buffer.from('302a300506032b656e032100', 'hex'), key]));

async function derivedSecret(bench: Bench, baseKeyFilter: KeySelector, peerPublicKeyPem: string, tcId: unknown): Promise<Uint8Array> {
  const { key } = await bench.run(deriveEcdh, { baseKeyFilter, peerPublicKeyPem, keyType: 'generic-secret', label: `ecdh-${String(tcId)}`, session: true });
  return bench.secretBytes(byReference(key.ref));
}

describe('engine vectors: ECDH P-256 and X25519 (key import pem ec-private, then key derive ecdh)', function () {
  this.timeout(240_000);
  const open = benches();

  for (const provider of PROVIDER_NAMES) {
    it(`${provider}: ecdh_secp256r1_test.json: every valid peer key gives the expected shared secret; invalid peers (wrong curve, invalid points, bad encodings) are refused`, async () => {
      const bench = open[provider];
      const keyFor = keyCache((d) => bench.importPem(p256PrivatePem(scalar32(hex(d))), 'ec-private', ['derive=true']));
      const stats = await runCases(loadVectors('ecdh_secp256r1_test.json'), async (_group, test) => {
        const secret = await derivedSecret(bench, await keyFor(String(test.private)), pem('PUBLIC KEY', hex(test.public)), test.tcId);
        return sameBytes(secret, hex(test.shared));
      });
      assert.equal(stats.refusals.INVALID_ARGUMENT, stats.invalid + stats.acceptable - stats.acceptedAcceptable, summarize(stats));
    });

    it(`${provider}: x25519_test.json: every valid case gives the expected shared secret; only the all-zero secrets of low-order peers are refused`, async () => {
      const bench = open[provider];
      const keyFor = keyCache((d) => bench.importPem(x25519PrivatePem(hex(d)), 'ec-private', ['derive=true']));
      const stats = await runCases(loadVectors('x25519_test.json'), async (_group, test) => {
        const secret = await derivedSecret(bench, await keyFor(String(test.private)), x25519PublicPem(hex(test.public)), test.tcId);
        return sameBytes(secret, hex(test.shared));
      });
      assert.equal(stats.acceptable - stats.acceptedAcceptable, stats.refusals.INVALID_ARGUMENT ?? 0, summarize(stats));
    });

    it(`${provider}: a P-256 base key refuses an X25519 peer, and a base key without derive=true is refused`, async () => {
      const bench = open[provider];
      const d = Buffer.alloc(32, 7);
      const withDerive = await bench.importPem(p256PrivatePem(d), 'ec-private', ['derive=true']);
      const x25519Peer = x25519PublicPem(Buffer.alloc(32, 9));
      await assert.rejects(derivedSecret(bench, withDerive, x25519Peer, 'mix'), (err) => err instanceof HsmError && err.code === 'INVALID_ARGUMENT' && /same curve/.test(err.message));
      const withoutDerive = (await bench.run(importPem, { pem: p256PrivatePem(d), label: 'no-derive', keyTypeClass: 'ec-private', attributes: [] })).key;
      const peer = createECDH('prime256v1');
      peer.generateKeys();
      const spki = Buffer.concat([Buffer.from('3059301306072a8648ce3d020106082a8648ce3d030107034200', 'hex'), peer.getPublicKey()]);
      await assert.rejects(
        derivedSecret(bench, byReference(withoutDerive.ref), pem('PUBLIC KEY', spki), 'no-derive'),
        (err) => err instanceof HsmError && err.code === 'KEY_ATTRIBUTE_REFUSED',
      );
    });
  }
});
