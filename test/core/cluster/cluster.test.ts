import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { perform } from '../../../src/core/engine.js';
import { signWithLocalCa } from '../../../src/core/cluster/certificates.js';
import {
  activateCluster,
  createCluster,
  createHsm,
  deleteCluster,
  deleteHsm,
  describeCluster,
  describeClusters,
  getCsr,
  hsmInfo,
  initializeCluster,
} from '../../../src/core/cluster/operations.js';
import { quickstart } from '../../../src/core/cluster/quickstart.js';
import { tempDir, testContext, refused } from '../../support/helpers.js';


/** An openssl-made CA and the cluster certificate it signs, as an operator makes them. */
function opensslSign(csrPem: string, bits = 2048): { cert: string; anchor: string } {
  const dir = tempDir('chsm-ca-');
  const f = (n: string) => path.join(dir, n);
  fs.writeFileSync(f('cluster.csr'), csrPem);
  execFileSync('openssl', ['genrsa', '-out', f('ca.key'), String(bits)], { stdio: 'ignore' });
  execFileSync('openssl', ['req', '-new', '-x509', '-days', '3652', '-key', f('ca.key'), '-out', f('ca.crt'), '-subj', '/CN=customerCA'], { stdio: 'ignore' });
  execFileSync('openssl', ['x509', '-req', '-days', '3652', '-in', f('cluster.csr'), '-CA', f('ca.crt'), '-CAkey', f('ca.key'), '-CAcreateserial', '-out', f('cluster.crt')], { stdio: 'ignore' });
  return { cert: fs.readFileSync(f('cluster.crt'), 'utf8'), anchor: fs.readFileSync(f('ca.crt'), 'utf8') };
}

describe('core/cluster', function () {
  this.timeout(60_000);

  it('creates a cluster that reports CREATE_IN_PROGRESS, then reads as UNINITIALIZED with the real ID formats', async () => {
    const ctx = await testContext();
    const created = await perform(ctx, createCluster, {});
    assert.equal(created.State, 'CREATE_IN_PROGRESS');
    assert.match(created.ClusterId, /^cluster-[a-z2-7]{11}$/);
    assert.match(created.SecurityGroup, /^sg-[0-9a-f]{17}$/);
    assert.equal(created.HsmType, 'hsm2m.medium');
    assert.equal(created.Mode, 'FIPS');
    assert.deepEqual(created.BackupRetentionPolicy, { Type: 'DAYS', Value: '90' });
    const described = await perform(ctx, describeCluster, {});
    assert.equal(described.State, 'UNINITIALIZED');
    assert.deepEqual(described.Certificates, {});
  });

  it('refuses NON_FIPS on hsm1.medium, unknown types, regions and retention out of range', async () => {
    const ctx = await testContext();
    await refused(perform(ctx, createCluster, { hsmType: 'hsm1.medium', mode: 'NON_FIPS' }), 'INVALID_REQUEST', 'CloudHsmInvalidRequestException');
    await refused(perform(ctx, createCluster, { hsmType: 'hsm9.huge' }), 'INVALID_REQUEST');
    await refused(perform(ctx, createCluster, { region: 'mars-north-1' }), 'INVALID_REQUEST');
    await refused(perform(ctx, createCluster, { backupRetentionDays: 6 }), 'INVALID_REQUEST');
    await refused(perform(ctx, createCluster, { backupRetentionDays: 380 }), 'INVALID_REQUEST');
    assert.deepEqual((await perform(ctx, describeClusters, {})).Clusters, []);
  });

  it('enforces the clusters-per-region quota with the real error type', async () => {
    const ctx = await testContext();
    for (let i = 0; i < 4; i++) await perform(ctx, createCluster, {});
    await refused(perform(ctx, createCluster, {}), 'RESOURCE_LIMIT_EXCEEDED', 'CloudHsmResourceLimitExceededException');
    await perform(ctx, createCluster, { region: 'eu-west-1' });
  });

  it('asks for --cluster-id when several clusters exist', async () => {
    const ctx = await testContext();
    await perform(ctx, createCluster, {});
    await perform(ctx, createCluster, {});
    await refused(perform(ctx, describeCluster, {}), 'CLUSTER_NOT_SELECTED');
    await refused(perform(ctx, describeCluster, { clusterId: 'cluster-aaaaaaaaaaa' }), 'CLUSTER_NOT_FOUND', 'CloudHsmResourceNotFoundException');
  });

  it('walks create → HSMs → CSR → initialize (openssl-signed) → activate', async () => {
    const ctx = await testContext();
    const { ClusterId: clusterId } = (await perform(ctx, createCluster, {})) as { ClusterId: string };
    await refused(perform(ctx, getCsr, {}), 'INVALID_STATE');
    const hsm = await perform(ctx, createHsm, { availabilityZone: 'us-east-1a' });
    assert.equal(hsm.State, 'CREATE_IN_PROGRESS');
    assert.match(String(hsm.HsmId), /^hsm-[a-z2-7]{11}$/);
    assert.match(String(hsm.EniId), /^eni-[0-9a-f]{17}$/);
    assert.match(String(hsm.EniIp), /^10\.0\.0\.\d+$/);
    await perform(ctx, createHsm, { availabilityZone: 'us-east-1b' });
    const described = await perform(ctx, describeCluster, {});
    assert.deepEqual((described.Hsms as Array<{ State: string }>).map((h) => h.State), ['ACTIVE', 'ACTIVE']);
    const { ClusterCsr } = await perform(ctx, getCsr, {});
    assert.match(ClusterCsr, /-----BEGIN CERTIFICATE REQUEST-----/);
    assert.equal((described.Certificates).ClusterCsr, ClusterCsr);
    await refused(perform(ctx, activateCluster, { password: 'Admin123!' }), 'INVALID_STATE');
    const signed = opensslSign(ClusterCsr);
    const init = await perform(ctx, initializeCluster, { signedCertPem: signed.cert, trustAnchorPem: signed.anchor });
    assert.equal(init.State, 'INITIALIZE_IN_PROGRESS');
    const initialized = await perform(ctx, describeCluster, { clusterId });
    assert.equal(initialized.State, 'INITIALIZED');
    assert.deepEqual(Object.keys(initialized.Certificates as object), ['ClusterCertificate']);
    await refused(perform(ctx, initializeCluster, { signedCertPem: signed.cert, trustAnchorPem: signed.anchor }), 'INVALID_STATE', 'CloudHsmInvalidRequestException');
    await refused(perform(ctx, createHsm, { availabilityZone: 'us-east-1c' }), 'INVALID_STATE', 'CloudHsmInvalidRequestException');
    assert.equal(await perform(ctx, activateCluster, { password: 'Admin123!' }), 'Cluster activation successful');
    assert.equal((await perform(ctx, describeCluster, {})).State, 'ACTIVE');
    await refused(perform(ctx, activateCluster, { password: 'Admin123!' }), 'CLUSTER_ALREADY_ACTIVATED');
    assert.equal((await perform(ctx, describeCluster, {})).PreCoPassword, undefined);
  });

  it('refuses a certificate that is not for the CSR, or does not chain to the trust anchor, and changes nothing', async () => {
    const ctx = await testContext();
    await perform(ctx, createCluster, {});
    await perform(ctx, createHsm, { availabilityZone: 'us-east-1a' });
    const { ClusterCsr } = await perform(ctx, getCsr, {});
    const other = await testContext('other');
    await perform(other, createCluster, {});
    await perform(other, createHsm, { availabilityZone: 'us-east-1a' });
    const otherCsr = (await perform(other, getCsr, {})).ClusterCsr;
    const wrongKey = opensslSign(otherCsr);
    const err = await refused(perform(ctx, initializeCluster, { signedCertPem: wrongKey.cert, trustAnchorPem: wrongKey.anchor }), 'CERTIFICATE_REJECTED', 'CloudHsmInvalidRequestException');
    assert.match(err.message, /not for this cluster/);
    const good = opensslSign(ClusterCsr);
    const unrelated = opensslSign(ClusterCsr);
    const err2 = await refused(perform(ctx, initializeCluster, { signedCertPem: good.cert, trustAnchorPem: unrelated.anchor }), 'CERTIFICATE_REJECTED');
    assert.match(err2.message, /not issued by the trust anchor/);
    await refused(perform(ctx, initializeCluster, { signedCertPem: 'not a pem', trustAnchorPem: good.anchor }), 'CERTIFICATE_REJECTED');
    await refused(perform(ctx, initializeCluster, { signedCertPem: good.cert, trustAnchorPem: good.cert }), 'CERTIFICATE_REJECTED');
    const weak = opensslSign(ClusterCsr, 3072);
    await refused(perform(ctx, initializeCluster, { signedCertPem: weak.cert, trustAnchorPem: weak.anchor }), 'CERTIFICATE_REJECTED');
    assert.equal((await perform(ctx, describeCluster, {})).State, 'UNINITIALIZED');
    await perform(ctx, initializeCluster, { signedCertPem: good.cert, trustAnchorPem: good.anchor });
  });

  it('refuses to delete a cluster that has HSMs, and deletes it once they are gone', async () => {
    const ctx = await testContext();
    await perform(ctx, createCluster, {});
    const a = await perform(ctx, createHsm, { availabilityZone: 'us-east-1a' });
    const b = await perform(ctx, createHsm, { availabilityZone: 'us-east-1b' });
    await refused(perform(ctx, deleteCluster, {}), 'CLUSTER_HAS_HSMS', 'CloudHsmInvalidRequestException');
    await refused(perform(ctx, deleteHsm, {}), 'INVALID_REQUEST');
    await refused(perform(ctx, deleteHsm, { hsmId: 'hsm-aaaaaaaaaaa' }), 'HSM_NOT_FOUND', 'CloudHsmResourceNotFoundException');
    await perform(ctx, deleteHsm, { hsmId: String(a.HsmId) });
    await perform(ctx, deleteHsm, { eniIp: String(b.EniIp) });
    const deleted = await perform(ctx, deleteCluster, {});
    assert.equal(deleted.State, 'DELETE_IN_PROGRESS');
    const all = (await perform(ctx, describeClusters, {})).Clusters as Array<{ State: string }>;
    assert.deepEqual(all.map((c) => c.State), ['DELETED']);
    await refused(perform(ctx, describeCluster, {}), 'CLUSTER_NOT_FOUND');
  });

  it('places HSMs only in the cluster subnets, at free addresses of those subnets', async () => {
    const ctx = await testContext();
    await perform(ctx, createCluster, { availabilityZones: ['us-east-1a', 'us-east-1b'] });
    await refused(perform(ctx, createHsm, { availabilityZone: 'us-east-1c' }), 'INVALID_REQUEST', 'CloudHsmInvalidRequestException');
    await refused(perform(ctx, createHsm, { availabilityZone: 'us-east-1a', ipAddress: '192.168.1.5' }), 'INVALID_REQUEST');
    const hsm = await perform(ctx, createHsm, { availabilityZone: 'us-east-1a', ipAddress: '10.0.0.7' });
    assert.equal(hsm.EniIp, '10.0.0.7');
    await refused(perform(ctx, createHsm, { availabilityZone: 'us-east-1a', ipAddress: '10.0.0.7' }), 'INVALID_REQUEST');
  });

  it('quickstart makes an ACTIVE cluster with two HSMs in two AZs, and hsm-info reports them', async () => {
    const ctx = await testContext();
    const result = await quickstart(ctx, { password: 'Admin123!' });
    assert.equal(result.cluster.State, 'ACTIVE');
    const hsms = result.cluster.Hsms as Array<{ AvailabilityZone: string }>;
    assert.equal(new Set(hsms.map((h) => h.AvailabilityZone)).size, 2);
    const info = await perform(ctx, hsmInfo, {});
    assert.equal(info.hsms.length, 2);
    assert.equal(info.hsms[0]!['fips-state'], '2 [FIPS mode with single factor authentication]');
    assert.equal(typeof info.hsms[0]!['firmware-version-major'], 'string');
  });

  it('signWithLocalCa output passes the InitializeCluster checks of another CSR only for that CSR', async () => {
    const ctx = await testContext();
    await perform(ctx, createCluster, {});
    await perform(ctx, createHsm, { availabilityZone: 'us-east-1a' });
    const { ClusterCsr } = await perform(ctx, getCsr, {});
    const ca = await signWithLocalCa(ClusterCsr, 'cluster-x', Date.now(), Buffer.alloc(16, 7));
    await perform(ctx, initializeCluster, { signedCertPem: ca.signedCertificatePem, trustAnchorPem: ca.certificatePem });
  });
});
