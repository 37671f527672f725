import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { perform, type Caller } from '../../../src/core/engine.js';
import { activateCluster, createCluster, createHsm, getCsr, initializeCluster } from '../../../src/core/cluster/operations.js';
import { quickstart } from '../../../src/core/cluster/quickstart.js';
import { generateKeyPair as generateKeyPairOp, generateSymmetric as generateSymmetricOp } from '../../../src/core/keys/generate.js';
import { listKeys as listKeysOp } from '../../../src/core/keys/operations.js';
import { replicateKey as replicateKeyOp } from '../../../src/core/keys/replicate.js';
import { byLabel } from '../../../src/core/keys/selector.js';
import { createUser } from '../../../src/core/users/operations.js';
import { refused, tempDir, testContext } from '../../support/helpers.js';
import { presented } from '../../support/presented.js';

// These tests check the documented JSON shapes: results as the CLI prints them.
const generateKeyPair = presented(generateKeyPairOp);
const generateSymmetric = presented(generateSymmetricOp);
const listKeys = presented(listKeysOp);
const replicateKey = presented(replicateKeyOp);

describe('core/keys replicate', function () {
  this.timeout(120_000);

  it('copies a key to a cluster of the same trust anchor, refuses other clusters and missing users', async () => {
    const ctx = await testContext();
    const ca = tempDir('chsm-ca-');
    execFileSync('openssl', ['genrsa', '-out', path.join(ca, 'ca.key'), '2048'], { stdio: 'ignore' });
    execFileSync('openssl', ['req', '-new', '-x509', '-days', '30', '-key', path.join(ca, 'ca.key'), '-out', path.join(ca, 'ca.crt'), '-subj', '/CN=one CA'], { stdio: 'ignore' });
    const ids: string[] = [];
    for (let i = 0; i < 2; i++) {
      const { ClusterId } = (await perform(ctx, createCluster, {})) as { ClusterId: string };
      ids.push(ClusterId);
      await perform(ctx, createHsm, { clusterId: ClusterId, availabilityZone: 'us-east-1a' });
      fs.writeFileSync(path.join(ca, 'c.csr'), (await perform(ctx, getCsr, { clusterId: ClusterId })).ClusterCsr);
      execFileSync('openssl', ['x509', '-req', '-days', '30', '-in', path.join(ca, 'c.csr'), '-CA', path.join(ca, 'ca.crt'), '-CAkey', path.join(ca, 'ca.key'), '-CAcreateserial', '-out', path.join(ca, 'c.crt')], { stdio: 'ignore' });
      await perform(ctx, initializeCluster, { clusterId: ClusterId, signedCertPem: fs.readFileSync(path.join(ca, 'c.crt'), 'utf8'), trustAnchorPem: fs.readFileSync(path.join(ca, 'ca.crt'), 'utf8') });
      await perform(ctx, activateCluster, { clusterId: ClusterId, password: 'Admin123!' });
    }
    const [source, destination] = ids as [string, string];
    const admin: Caller = { credentials: { username: 'admin', password: 'Admin123!', role: 'admin' } };
    await perform(ctx, createUser, { clusterId: source, username: 'alice', role: 'crypto-user', password: 'alice-Pass1' }, admin);
    const alice: Caller = { credentials: { username: 'alice', password: 'alice-Pass1', role: 'crypto-user' }, sessionKeys: new Map() };
    const pair = await perform(ctx, generateKeyPair, { clusterId: source, keyType: 'ec', curve: 'secp384r1', publicLabel: 'pub', privateLabel: 'priv' }, alice);
    const destinationCredentials = { username: 'alice', password: 'alice-Pass1', role: 'crypto-user' as const };
    await refused(perform(ctx, replicateKey, { clusterId: source, filter: byLabel('priv'), destinationClusterId: destination, destinationCredentials }, alice), 'USER_NOT_FOUND');
    await perform(ctx, createUser, { clusterId: destination, username: 'alice', role: 'crypto-user', password: 'alice-Pass1' }, admin);
    const copied = await perform(ctx, replicateKey, { clusterId: source, filter: byLabel('priv'), destinationClusterId: destination, destinationCredentials }, alice);
    assert.equal(copied.key['key-reference'], pair.private_key['key-reference']);
    const there = await perform(ctx, listKeys, { clusterId: destination, verbose: true }, alice);
    assert.equal(there.total_key_count, 1);
    assert.equal((there.matched_keys as Array<{ attributes: { 'check-value': string } }>)[0]!.attributes['check-value'], (pair.private_key.attributes as { 'check-value': string })['check-value']);
    // Another user's key at the same reference is never replaced, even when check values match
    // (every generic secret's is 0x); replicating the same key again changes nothing.
    await perform(ctx, createUser, { clusterId: destination, username: 'bob', role: 'crypto-user', password: 'bob-Pass12' }, admin);
    const bob: Caller = { credentials: { username: 'bob', password: 'bob-Pass12', role: 'crypto-user' }, sessionKeys: new Map() };
    const bobs = [];
    for (let i = 0; i < 3; i++) bobs.push(await perform(ctx, generateSymmetric, { clusterId: destination, keyType: 'generic-secret', label: `bob-${i}`, keyLengthBytes: 32 }, bob));
    const secret = await perform(ctx, generateSymmetric, { clusterId: source, keyType: 'generic-secret', label: 'alice-secret', keyLengthBytes: 32 }, alice);
    const clash = bobs.find((k) => k.key['key-reference'] === secret.key['key-reference']);
    assert.ok(clash, 'the test needs bob to hold a key at the reference alice replicates');
    await refused(perform(ctx, replicateKey, { clusterId: source, filter: byLabel('alice-secret'), destinationClusterId: destination, destinationCredentials }, alice), 'INVALID_REQUEST');
    const bobKeys = await perform(ctx, listKeys, { clusterId: destination, verbose: true }, bob);
    assert.ok((bobKeys.matched_keys as Array<{ attributes: { label: string } }>).some((k) => k.attributes.label === (clash.key.attributes as { label: string }).label), "bob's key is still his");
    await perform(ctx, replicateKey, { clusterId: source, filter: byLabel('priv'), destinationClusterId: destination, destinationCredentials }, alice);
    // A cluster initialized under another trust anchor is not a clone.
    const other = await testContext('other', { dir: ctx.dir });
    const { cluster } = await quickstart(other, { password: 'Admin123!' });
    await perform(other, createUser, { clusterId: cluster.ClusterId, username: 'alice', role: 'crypto-user', password: 'alice-Pass1' }, admin);
    await refused(perform(ctx, replicateKey, { clusterId: source, filter: byLabel('pub'), destinationClusterId: cluster.ClusterId, destinationCredentials }, alice), 'INVALID_REQUEST');
    await refused(perform(ctx, replicateKey, { clusterId: source, filter: byLabel('priv'), destinationClusterId: destination }, alice), 'NOT_LOGGED_IN');
  });
});
