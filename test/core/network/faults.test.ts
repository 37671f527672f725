/**
 * Fault injection in the cluster's network (network/operations.ts; kms-custom-key-store.md §4):
 * each network ConnectionErrorCode arises from its cause and goes with the documented fix, and the
 * cause has the other effects the real one has (no HSM in a deleted or full subnet). A deleted
 * subnet (SUBNET_NOT_FOUND), one without a free address (INSUFFICIENT_FREE_ADDRESSES_IN_SUBNET),
 * a transient network fault (NETWORK_ERRORS); none of them lets KMS try a kmsuser login.
 */
import assert from 'node:assert/strict';
import { perform } from '../../../src/core/engine.js';
import type { EngineContext } from '../../../src/core/context.js';
import { HsmError } from '../../../src/core/errors.js';
import { storeKeys, type ClusterRecord } from '../../../src/core/cluster/model.js';
import { createHsm, deleteHsm } from '../../../src/core/cluster/operations.js';
import type { UserRecord } from '../../../src/core/users/rules.js';
import { connectKeyStore, createKeyStore, describeKeyStores, disconnectKeyStore } from '../../../src/core/kms/key-stores.js';
import { deleteSubnet, exhaustSubnetAddresses, failNetwork, freeSubnetAddresses, listSubnets, restoreNetwork, restoreSubnet, type SubnetDescription } from '../../../src/core/network/operations.js';
import { clusterContext } from '../../support/templates.js';

const PW = 'Kms-User-Pass-1';

/** The refusal's code and AWS type. */
async function refusal(attempt: Promise<unknown>, code: string, type: string): Promise<HsmError> {
  try {
    await attempt;
  } catch (err) {
    assert.ok(err instanceof HsmError, String(err));
    assert.deepEqual([err.code, err.aws?.type], [code, type], err.message);
    return err;
  }
  return assert.fail(`expected ${code}`);
}

describe('core/network: fault injection, and the key store connection errors it causes', function () {
  this.timeout(120_000);
  let ctx: EngineContext;
  let cluster: ClusterRecord;
  let storeId: string;
  /** A subnet of the cluster with no HSM in it, and its Availability Zone. */
  let spare: SubnetDescription;

  const subnets = async () => (await perform(ctx, listSubnets, {})).Subnets;
  const kmsuserFailures = () => ctx.store.read((view) => view.get<UserRecord>(storeKeys.user(cluster.clusterId, 'kmsuser'))!.failedLogins);
  /** Connects the store and says what DescribeCustomKeyStores then shows. */
  const connect = async () => {
    await perform(ctx, connectKeyStore, { CustomKeyStoreId: storeId });
    const s = (await perform(ctx, describeKeyStores, { CustomKeyStoreId: storeId })).CustomKeyStores[0]!;
    return [s.ConnectionState, s.ConnectionErrorCode];
  };
  const disconnect = () => perform(ctx, disconnectKeyStore, { CustomKeyStoreId: storeId });

  beforeEach(async () => {
    ctx = await clusterContext({ cryptoUsers: { kmsuser: PW } });
    cluster = await ctx.store.read((view) => view.list<ClusterRecord>(storeKeys.clusterPrefix)[0]![1]);
    ({ CustomKeyStoreId: storeId } = await perform(ctx, createKeyStore, { CustomKeyStoreName: 'Faults', CloudHsmClusterId: cluster.clusterId, KeyStorePassword: PW, TrustAnchorCertificate: cluster.trustAnchorPem! }));
    const zones = new Set(cluster.hsms.map((h) => h.availabilityZone));
    spare = (await subnets()).find((s) => !zones.has(s.AvailabilityZone))!;
  });

  it("subnet list: the SubnetMapping's subnets in EC2's shape, with the free addresses (251 of a /24, one per HSM, one for KMS while connected)", async () => {
    const listed = await subnets();
    assert.deepEqual(listed.map((s) => [s.AvailabilityZone, s.SubnetId]), Object.entries(cluster.subnetMapping));
    for (const s of listed) {
      const hsms = cluster.hsms.filter((h) => h.subnetId === s.SubnetId).length;
      assert.deepEqual([s.VpcId, s.State, s.AvailableIpAddressCount, s.ClusterId], [cluster.vpcId, 'available', 251 - hsms, cluster.clusterId]);
      assert.match(s.CidrBlock, /^10\.0\.\d+\.0\/24$/);
    }
    assert.deepEqual(Object.keys(listed[0]!), ['SubnetId', 'AvailabilityZone', 'CidrBlock', 'VpcId', 'AvailableIpAddressCount', 'State', 'ClusterId']);
    await perform(ctx, connectKeyStore, { CustomKeyStoreId: storeId });
    assert.ok((await subnets()).every((s, i) => s.AvailableIpAddressCount === listed[i]!.AvailableIpAddressCount - 1), "KMS's ENI takes one address in each subnet");
  });

  it('SUBNET_NOT_FOUND: a deleted subnet fails the connection and refuses HSMs in its zone; restore, disconnect, connect', async () => {
    // As EC2: a subnet with a network interface in it cannot be deleted.
    const withHsm = cluster.hsms[0]!;
    await refusal(perform(ctx, deleteSubnet, { subnetId: withHsm.subnetId }), 'SUBNET_IN_USE', 'DependencyViolation');
    await perform(ctx, connectKeyStore, { CustomKeyStoreId: storeId });
    const kmsEni = await refusal(perform(ctx, deleteSubnet, { subnetId: spare.SubnetId }), 'SUBNET_IN_USE', 'DependencyViolation');
    assert.match(kmsEni.message, new RegExp(`custom key store ${storeId}; disconnect it first`));
    await disconnect();

    const deleted = (await perform(ctx, deleteSubnet, { subnetId: spare.SubnetId })).Subnet;
    assert.deepEqual([deleted.State, deleted.AvailableIpAddressCount], ['deleted', 0]);
    await refusal(perform(ctx, createHsm, { availabilityZone: spare.AvailabilityZone }), 'SUBNET_NOT_FOUND', 'CloudHsmInvalidRequestException');
    await refusal(perform(ctx, deleteSubnet, { subnetId: spare.SubnetId }), 'SUBNET_NOT_FOUND', 'InvalidSubnetID.NotFound');
    await refusal(perform(ctx, exhaustSubnetAddresses, { subnetId: spare.SubnetId }), 'SUBNET_NOT_FOUND', 'InvalidSubnetID.NotFound');

    assert.deepEqual(await connect(), ['FAILED', 'SUBNET_NOT_FOUND']);
    assert.equal(await kmsuserFailures(), 0, 'KMS never got as far as logging in');
    // The fix: a cluster with valid subnets (here the subnet back), disconnect, connect.
    await perform(ctx, restoreSubnet, { subnetId: spare.SubnetId });
    await disconnect();
    assert.deepEqual(await connect(), ['CONNECTED', undefined]);
    await disconnect();
    await perform(ctx, createHsm, { availabilityZone: spare.AvailabilityZone });
    await refusal(perform(ctx, restoreSubnet, { subnetId: spare.SubnetId }), 'SUBNET_NOT_DELETED', 'InvalidParameterValue');
  });

  it('INSUFFICIENT_FREE_ADDRESSES_IN_SUBNET: a subnet with no free address fails the connection and refuses HSMs; free them, disconnect, connect', async () => {
    const full = (await perform(ctx, exhaustSubnetAddresses, { subnetId: spare.SubnetId })).Subnet;
    assert.deepEqual([full.State, full.AvailableIpAddressCount], ['available', 0]);
    await refusal(perform(ctx, createHsm, { availabilityZone: spare.AvailabilityZone }), 'SUBNET_FULL', 'CloudHsmInvalidRequestException');
    // Addresses freed later are taken too while the fault lasts: deleting the HSM of a full subnet frees none.
    const busy = cluster.hsms[0]!;
    await perform(ctx, exhaustSubnetAddresses, { subnetId: busy.subnetId });
    await perform(ctx, deleteHsm, { hsmId: busy.hsmId });
    assert.equal((await subnets()).find((s) => s.SubnetId === busy.subnetId)!.AvailableIpAddressCount, 0);
    await perform(ctx, freeSubnetAddresses, { subnetId: busy.subnetId });
    await perform(ctx, createHsm, { availabilityZone: busy.availabilityZone });

    assert.deepEqual(await connect(), ['FAILED', 'INSUFFICIENT_FREE_ADDRESSES_IN_SUBNET']);
    assert.equal(await kmsuserFailures(), 0);
    await perform(ctx, freeSubnetAddresses, { subnetId: spare.SubnetId });
    await disconnect();
    assert.deepEqual(await connect(), ['CONNECTED', undefined]);
    assert.equal((await subnets()).find((s) => s.SubnetId === spare.SubnetId)!.AvailableIpAddressCount, 250);
    // Exhausted while connected: KMS keeps its ENIs, the store stays CONNECTED.
    await perform(ctx, exhaustSubnetAddresses, { subnetId: spare.SubnetId });
    assert.equal((await perform(ctx, describeKeyStores, { CustomKeyStoreId: storeId })).CustomKeyStores[0]!.ConnectionState, 'CONNECTED');
  });

  it('NETWORK_ERRORS: the next connection attempts fail; disconnect, wait, reconnect (or `network restore`)', async () => {
    await refusal(perform(ctx, failNetwork, { attempts: 0 }), 'INVALID_ARGUMENT', 'InvalidParameterValue');
    await refusal(perform(ctx, failNetwork, { attempts: 101 }), 'INVALID_ARGUMENT', 'InvalidParameterValue');
    assert.deepEqual(await perform(ctx, failNetwork, { attempts: 2 }), { ClusterId: cluster.clusterId, FailingConnectionAttempts: 2 });
    assert.deepEqual(await connect(), ['FAILED', 'NETWORK_ERRORS']);
    await disconnect();
    assert.deepEqual(await connect(), ['FAILED', 'NETWORK_ERRORS']);
    assert.equal(await kmsuserFailures(), 0);
    await disconnect();
    assert.deepEqual(await connect(), ['CONNECTED', undefined], 'the fault is spent');
    await disconnect();

    await perform(ctx, failNetwork, { attempts: 5 });
    assert.deepEqual(await perform(ctx, restoreNetwork, {}), { ClusterId: cluster.clusterId, FailingConnectionAttempts: 0, Cleared: true });
    assert.deepEqual(await connect(), ['CONNECTED', undefined]);
    assert.equal((await perform(ctx, restoreNetwork, {})).Cleared, false);
  });

  it('a subnet ID that is malformed or no cluster has is refused, and nothing changes', async () => {
    await refusal(perform(ctx, deleteSubnet, { subnetId: 'subnet-0123456789abcdef0' }), 'SUBNET_NOT_FOUND', 'InvalidSubnetID.NotFound');
    await refusal(perform(ctx, deleteSubnet, { subnetId: 'vpc-12345678' }), 'INVALID_ARGUMENT', 'InvalidParameterValue');
    await refusal(perform(ctx, freeSubnetAddresses, { subnetId: spare.SubnetId, clusterId: 'cluster-aaaaaaaaaaa' }), 'SUBNET_NOT_FOUND', 'InvalidSubnetID.NotFound');
    assert.ok((await subnets()).every((s) => s.State === 'available'));
  });
});
