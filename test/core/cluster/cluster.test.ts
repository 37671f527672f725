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
  listHsms,
  modifyCluster,
} from '../../../src/core/cluster/operations.js';
import { quickstart } from '../../../src/core/cluster/quickstart.js';
import { presentSecurityGroup, type BackupDescription } from '../../../src/core/cluster/shapes.js';
import { advanceClock } from '../../../src/core/time/operations.js';
import { tempDir, testContext, refused } from '../../support/helpers.js';
import { BACKUP_SHAPE, CLUSTER_SHAPE, HSM_SHAPE, SECURITY_GROUP_SHAPE, differences } from '../../support/shapes.js';
import { clusterContext } from '../../support/templates.js';


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
    assert.match(hsm.HsmId, /^hsm-[a-z2-7]{11}$/);
    assert.match(hsm.EniId, /^eni-[0-9a-f]{17}$/);
    assert.match(hsm.EniIp, /^10\.0\.0\.\d+$/);
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
    await perform(ctx, deleteHsm, { hsmId: a.HsmId });
    await perform(ctx, deleteHsm, { eniIp: b.EniIp });
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

describe('core/cluster: the API objects, ModifyCluster, DELETED clusters', function () {
  this.timeout(30_000);

  it('Cluster and Hsm objects have exactly the API fields and types, in every state', async () => {
    const ctx = await testContext();
    const created = await perform(ctx, createCluster, { tags: [{ key: 'team', value: 'payments' }] });
    assert.deepEqual(differences(created, CLUSTER_SHAPE), []);
    const hsm = await perform(ctx, createHsm, { availabilityZone: 'us-east-1a' });
    assert.deepEqual(differences(hsm, HSM_SHAPE), []);
    const uninitialized = await perform(ctx, describeCluster, {});
    assert.deepEqual(differences(uninitialized, CLUSTER_SHAPE), []);
    assert.deepEqual(Object.keys(uninitialized.Certificates), ['ClusterCsr']);
    assert.equal(typeof uninitialized.PreCoPassword, 'string');
    assert.deepEqual(uninitialized.TagList, [{ Key: 'team', Value: 'payments' }]);
    assert.equal(uninitialized.CreateTimestamp, created.CreateTimestamp);
    assert.match(String(uninitialized.CreateTimestamp), /^\d{10}(\.\d{1,3})?$/, 'epoch seconds with a millisecond fraction');
    for (const h of (await perform(ctx, listHsms, {})).Hsms) assert.deepEqual(differences(h, HSM_SHAPE), []);
    await perform(ctx, deleteHsm, { hsmId: hsm.HsmId });
    const deleted = await perform(ctx, deleteCluster, {});
    assert.deepEqual(differences(deleted, CLUSTER_SHAPE), []);
    assert.equal(deleted.State, 'DELETE_IN_PROGRESS');

    const active = await clusterContext();
    const described = await perform(active, describeCluster, {});
    assert.deepEqual(differences(described, CLUSTER_SHAPE), []);
    assert.deepEqual(Object.keys(described.Certificates), ['ClusterCertificate']);
    assert.equal(described.PreCoPassword, undefined, 'gone after activation');
    assert.equal(described.Hsms.length, 2);
  });

  it('the Backup type the backups will fill carries the spec fields', () => {
    const sample: BackupDescription = {
      BackupId: 'backup-abcdefghijk',
      BackupState: 'READY',
      ClusterId: 'cluster-abcdefghijk',
      CreateTimestamp: 1_767_225_600.123,
      BackupArn: 'arn:aws:cloudhsm:us-east-1:111122223333:backup/backup-abcdefghijk',
      HsmType: 'hsm2m.medium',
      Mode: 'FIPS',
      NeverExpires: false,
      TagList: [],
    };
    assert.deepEqual(differences(sample, BACKUP_SHAPE), []);
  });

  it('the security group is cloudhsm-cluster-<id>-sg with TCP 2223-2225 in and out, within the group', async () => {
    const ctx = await testContext();
    const cluster = await perform(ctx, createCluster, {});
    const group = presentSecurityGroup({ clusterId: cluster.ClusterId, securityGroup: cluster.SecurityGroup, vpcId: cluster.VpcId });
    assert.deepEqual(differences(group, SECURITY_GROUP_SHAPE), []);
    assert.equal(group.GroupName, `cloudhsm-cluster-${cluster.ClusterId}-sg`);
    assert.equal(group.GroupId, cluster.SecurityGroup);
    const rule = { IpProtocol: 'tcp', FromPort: 2223, ToPort: 2225, UserIdGroupPairs: [{ GroupId: cluster.SecurityGroup }] };
    assert.deepEqual(group.IpPermissions, [rule]);
    assert.deepEqual(group.IpPermissionsEgress, [rule]);
  });

  it('ModifyCluster sets the retention within 7-379 days; anything else is refused with the real error and changes nothing', async () => {
    const ctx = await testContext();
    await perform(ctx, createCluster, {});
    for (const days of [7, 379, 30]) assert.deepEqual((await perform(ctx, modifyCluster, { backupRetentionDays: days })).BackupRetentionPolicy, { Type: 'DAYS', Value: String(days) });
    // A retention change asks for housekeeping; the next command runs it, whatever that command does.
    await perform(ctx, describeCluster, {});
    const committed = ctx.store.committedSeq;
    for (const days of [6, 380, 0, -7, 30.5, Number.NaN]) {
      const err = await refused(perform(ctx, modifyCluster, { backupRetentionDays: days }), 'INVALID_REQUEST', 'CloudHsmInvalidRequestException');
      assert.match(err.displayMessage, /^An error occurred \(CloudHsmInvalidRequestException\) when calling the ModifyCluster operation: .*from 7 to 379/);
    }
    assert.equal(ctx.store.committedSeq, committed);
    assert.equal((await perform(ctx, describeCluster, {})).BackupRetentionPolicy.Value, '30');
  });

  it('a deleted cluster is listed and described as DELETED for a day of cluster time, and is not found for anything else', async () => {
    const ctx = await testContext();
    const gone = await perform(ctx, createCluster, {});
    const kept = await perform(ctx, createCluster, {});
    await perform(ctx, deleteCluster, { clusterId: gone.ClusterId });
    const listed = await perform(ctx, describeClusters, {});
    assert.deepEqual(listed.Clusters.map((c) => [c.ClusterId, c.State]), [[gone.ClusterId, 'DELETED'], [kept.ClusterId, 'UNINITIALIZED']]);
    assert.equal((await perform(ctx, describeCluster, { clusterId: gone.ClusterId })).State, 'DELETED');
    assert.deepEqual((await perform(ctx, describeClusters, { states: ['DELETED'] })).Clusters.map((c) => c.ClusterId), [gone.ClusterId]);
    // Only the live cluster counts when none is named.
    assert.equal((await perform(ctx, describeCluster, {})).ClusterId, kept.ClusterId);
    await refused(perform(ctx, createHsm, { clusterId: gone.ClusterId, availabilityZone: 'us-east-1a' }), 'CLUSTER_NOT_FOUND', 'CloudHsmResourceNotFoundException');
    await refused(perform(ctx, modifyCluster, { clusterId: gone.ClusterId, backupRetentionDays: 30 }), 'CLUSTER_NOT_FOUND', 'CloudHsmResourceNotFoundException');
    await refused(perform(ctx, deleteCluster, { clusterId: gone.ClusterId }), 'CLUSTER_NOT_FOUND', 'CloudHsmResourceNotFoundException');

    await perform(ctx, advanceClock, { hours: 23 });
    assert.equal((await perform(ctx, describeClusters, {})).Clusters.length, 2, 'still listed after 23 hours');
    await perform(ctx, advanceClock, { hours: 1 });
    assert.deepEqual((await perform(ctx, describeClusters, {})).Clusters.map((c) => c.ClusterId), [kept.ClusterId]);
    const err = await refused(perform(ctx, describeCluster, { clusterId: gone.ClusterId }), 'CLUSTER_NOT_FOUND', 'CloudHsmResourceNotFoundException');
    assert.match(err.message, /was deleted at \d{4}-\d\d-\d\dT/);
    await refused(perform(ctx, describeClusters, { clusterId: gone.ClusterId }), 'CLUSTER_NOT_FOUND', 'CloudHsmResourceNotFoundException');
    // Its ID is never reused, and the quota counts live clusters only.
    for (let i = 0; i < 3; i++) assert.notEqual((await perform(ctx, createCluster, {})).ClusterId, gone.ClusterId);
  });
});
