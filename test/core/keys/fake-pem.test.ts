/**
 * The fake PEM of key_mgmt_util (getCaviumPrivKey, IsValidKeyHandlefile): OpenSSL reads it as an
 * RSA key with the key's public values, it names the key by handle and cluster, and it holds none
 * of the private key; a real private key file is told apart from it.
 */
import assert from 'node:assert/strict';
import { createPrivateKey, createPublicKey, generateKeyPairSync } from 'node:crypto';
import { readCluster } from '../../../src/core/cluster/operations.js';
import { perform, type Caller } from '../../../src/core/engine.js';
import type { EngineContext } from '../../../src/core/context.js';
import { generateFakePem, inspectKeyFile } from '../../../src/core/keys/fake-pem.js';
import { exportPublic } from '../../../src/core/keys/files.js';
import { generateKeyPair } from '../../../src/core/keys/generate.js';
import type { KeyRecord } from '../../../src/core/keys/model.js';
import { byReference } from '../../../src/core/keys/selector.js';
import { refused } from '../../support/helpers.js';
import { clusterContext } from '../../support/templates.js';

const USERS = { alice: 'alice-Pass1', bob: 'bob-Pass1' };
const cu = (username: 'alice' | 'bob'): Caller => ({ credentials: { username, password: USERS[username], role: 'crypto-user' }, sessionKeys: new Map() });

describe('core/keys: the fake PEM (getCaviumPrivKey, IsValidKeyHandlefile)', function () {
  this.timeout(60_000);
  let ctx: EngineContext;
  let rsa: { publicKey: { ref: number }; privateKey: { ref: number } };

  before(async () => {
    ctx = await clusterContext({ cryptoUsers: USERS });
    rsa = await perform(ctx, generateKeyPair, { keyType: 'rsa', modulusSizeBits: 2048, publicExponent: '65537', publicLabel: 'web-pub', privateLabel: 'web-priv', shareWith: ['bob'] }, cu('alice'));
  });

  it('is an RSA PRIVATE KEY that OpenSSL reads with the key\'s public values, and holds no private value', async () => {
    const { pem } = await perform(ctx, generateFakePem, { filter: byReference(rsa.privateKey.ref) }, cu('alice'));
    assert.match(pem, /^-----BEGIN RSA PRIVATE KEY-----\n/);
    const { pem: publicPem } = await perform(ctx, exportPublic, { filter: byReference(rsa.publicKey.ref) }, cu('alice'));
    assert.equal(createPublicKey(pem).export({ type: 'spki', format: 'pem' }), publicPem);
    const keys = await ctx.store.read((view) => view.list<KeyRecord>('key/'));
    const material = keys.find(([, k]) => k.ref === rsa.privateKey.ref)![1].material;
    const jwk = createPrivateKey({ key: Buffer.from(material, 'base64'), format: 'der', type: 'pkcs8' }).export({ format: 'jwk' });
    const der = Buffer.from(pem.replace(/-----[^-]+-----|\s/g, ''), 'base64');
    for (const field of [jwk.d, jwk.p, jwk.q]) assert.ok(!der.includes(Buffer.from(field!, 'base64url')), 'no private value');
  });

  it('names the key by handle and cluster, for a sharee too; IsValidKeyHandlefile reads them back', async () => {
    const { pem } = await perform(ctx, generateFakePem, { filter: byReference(rsa.privateKey.ref) }, cu('bob'));
    const { clusterId } = await perform(ctx, readCluster, {});
    assert.deepEqual(await perform(ctx, inspectKeyFile, { pem }), { kind: 'key-handle', handle: rsa.privateKey.ref, clusterId });
  });

  it('is made for RSA private keys only', async () => {
    const ec = await perform(ctx, generateKeyPair, { keyType: 'ec', curve: 'secp256r1', publicLabel: 'ec-pub', privateLabel: 'ec-priv' }, cu('alice'));
    await refused(perform(ctx, generateFakePem, { filter: byReference(ec.privateKey.ref) }, cu('alice')), 'INVALID_ARGUMENT');
    await refused(perform(ctx, generateFakePem, { filter: byReference(rsa.publicKey.ref) }, cu('alice')), 'INVALID_ARGUMENT');
  });

  it('tells real private key files (RSA, EC, PKCS#8 and the traditional forms) from anything else', async () => {
    const pems = [
      generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs1', format: 'pem' }),
      generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey.export({ type: 'sec1', format: 'pem' }),
      generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey.export({ type: 'pkcs8', format: 'pem' }),
    ].map(String);
    for (const pem of pems) assert.deepEqual(await perform(ctx, inspectKeyFile, { pem }), { kind: 'private-key' });
    const publicPem = String(generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).publicKey.export({ type: 'spki', format: 'pem' }));
    await refused(perform(ctx, inspectKeyFile, { pem: publicPem }), 'INVALID_ARGUMENT');
    await refused(perform(ctx, inspectKeyFile, { pem: 'not a key' }), 'INVALID_ARGUMENT');
    await refused(perform(ctx, inspectKeyFile, { pem: '-----BEGIN RSA PRIVATE KEY-----\nMAMCAQA=\n-----END RSA PRIVATE KEY-----\n' }), 'INVALID_ARGUMENT');
  });
});
