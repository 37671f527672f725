/**
 * Fault injection in the cluster's network (kms-custom-key-store.md §4: "failure-injection hooks
 * in the emulator: subnet removal, IP exhaustion, network error"), so that each network
 * ConnectionErrorCode arises from its cause, as `hsm fail` does for an HSM. The real service has
 * none of these calls: a subnet is the customer's (EC2 DeleteSubnet), its addresses go to the
 * customer's other network interfaces, and network errors just happen.
 *
 * - `subnet delete` deletes one of a cluster's subnets, as EC2 DeleteSubnet does: refused while a
 *   network interface is in it (an HSM's, or KMS's while a key store on the cluster is
 *   CONNECTED), as EC2 refuses with DependencyViolation. Then no HSM can be created in that
 *   Availability Zone, and a key store connecting to the cluster fails with SUBNET_NOT_FOUND.
 *   `subnet restore` brings it back (fault injection only: EC2 cannot).
 * - `subnet exhaust-addresses` leaves a subnet no free address: CreateHsm there is refused and a
 *   connecting key store fails with INSUFFICIENT_FREE_ADDRESSES_IN_SUBNET (KMS needs one per
 *   subnet for its ENI), until `subnet free-addresses`.
 * - `network fail` makes the next KMS connection attempts to the cluster fail with
 *   NETWORK_ERRORS (one by default), until they are spent or `network restore`.
 */
import { awsError } from '../errors.js';
import { defineOperation, type ClusterInput } from '../engine.js';
import { listClusters, type ClusterRecord } from '../cluster/model.js';
import type { ReadView, Transaction } from '../store/index.js';
import { MAX_FAILED_CONNECTIONS, clusterSubnets, connectedStoreOn, networkKeys, type ClusterSubnet, type NetworkFaultRecord, type SubnetRecord } from './model.js';

/** A subnet as EC2 DescribeSubnets shows it; `State` "deleted" is the emulator's, for a subnet fault injection deleted. */
export interface SubnetDescription {
  SubnetId: string;
  AvailabilityZone: string;
  CidrBlock: string;
  VpcId: string;
  AvailableIpAddressCount: number;
  State: 'available' | 'deleted';
  /** The cluster whose SubnetMapping names it. */
  ClusterId: string;
}

function present(cluster: ClusterRecord, subnet: ClusterSubnet): SubnetDescription {
  return {
    SubnetId: subnet.subnetId,
    AvailabilityZone: subnet.availabilityZone,
    CidrBlock: subnet.cidrBlock,
    VpcId: cluster.vpcId,
    AvailableIpAddressCount: subnet.freeAddresses,
    State: subnet.deleted ? 'deleted' : 'available',
    ClusterId: cluster.clusterId,
  };
}

/** DescribeSubnets of the cluster's SubnetMapping, deleted ones included. */
export const listSubnets = defineOperation({
  name: 'DescribeSubnets',
  cluster: 'any',
  access: 'none',
  write: false,
  run: ({ tx, cluster }): { Subnets: SubnetDescription[] } => ({ Subnets: clusterSubnets(tx, cluster).map((s) => present(cluster, s)) }),
});

export interface SubnetInput extends ClusterInput {
  subnetId: string;
}

/** The live cluster with subnet `subnetId` in its SubnetMapping (the one named, when one is), and the subnet. */
function findSubnet(view: ReadView, input: SubnetInput, operation: string): { cluster: ClusterRecord; subnet: ClusterSubnet } {
  if (typeof input.subnetId !== 'string' || !/^subnet-[0-9a-f]{8,17}$/.test(input.subnetId)) {
    throw awsError('INVALID_ARGUMENT', 'InvalidParameterValue', operation, `--subnet-id must be a subnet ID (subnet- and 8 to 17 hex digits), not ${JSON.stringify(input.subnetId)}`);
  }
  for (const cluster of listClusters(view)) {
    if (cluster.state === 'DELETED' || (input.clusterId !== undefined && cluster.clusterId !== input.clusterId)) continue;
    const subnet = clusterSubnets(view, cluster).find((s) => s.subnetId === input.subnetId);
    if (subnet) return { cluster, subnet };
  }
  const where = input.clusterId === undefined ? 'any cluster' : `cluster ${input.clusterId}`;
  throw awsError('SUBNET_NOT_FOUND', 'InvalidSubnetID.NotFound', operation, `The subnet ID '${input.subnetId}' is not in the SubnetMapping of ${where}; \`subnet list\` shows a cluster's subnets`);
}

/** What a subnet operation sees: the subnet, its cluster and the record fault injection keeps of it. */
interface SubnetChange {
  tx: Transaction;
  now: number;
  cluster: ClusterRecord;
  subnet: ClusterSubnet;
  record: SubnetRecord;
}

/** An operation on one subnet: `change` checks and returns its record's next state; the result is the subnet after. */
function subnetOperation(name: string, change: (c: SubnetChange) => SubnetRecord) {
  return defineOperation({
    name,
    cluster: 'none',
    access: 'none',
    write: true,
    run: ({ tx, ctx }, input: SubnetInput): { Subnet: SubnetDescription } => {
      const { cluster, subnet } = findSubnet(tx, input, name);
      const record = change({ tx, now: ctx.now(), cluster, subnet, record: tx.get<SubnetRecord>(networkKeys.subnet(subnet.subnetId)) ?? { subnetId: subnet.subnetId, clusterId: cluster.clusterId, availabilityZone: subnet.availabilityZone } });
      // The record is kept while it says something, and dropped when the subnet is as it was made.
      if (record.deletedAt === undefined && !record.addressesExhausted) tx.delete(networkKeys.subnet(subnet.subnetId));
      else tx.put(networkKeys.subnet(subnet.subnetId), record);
      return { Subnet: present(cluster, clusterSubnets(tx, cluster).find((s) => s.subnetId === subnet.subnetId)!) };
    },
  });
}

function requireLive(subnet: ClusterSubnet, operation: string): void {
  if (subnet.deleted) throw awsError('SUBNET_NOT_FOUND', 'InvalidSubnetID.NotFound', operation, `The subnet ID '${subnet.subnetId}' was deleted; \`subnet restore --subnet-id ${subnet.subnetId}\` brings it back`);
}

/** DeleteSubnet (fault injection): refused while a network interface is in the subnet, as EC2 refuses. */
export const deleteSubnet = subnetOperation('DeleteSubnet', ({ tx, now, cluster, subnet, record }) => {
  const operation = 'DeleteSubnet';
  requireLive(subnet, operation);
  const hsms = cluster.hsms.filter((h) => h.subnetId === subnet.subnetId);
  if (hsms.length > 0) {
    throw awsError('SUBNET_IN_USE', 'DependencyViolation', operation, `The subnet '${subnet.subnetId}' has dependencies and cannot be deleted: the network interface of ${hsms.map((h) => `HSM ${h.hsmId} (${h.eniIp})`).join(', ')}; delete it first with \`hsm delete --hsm-id ${hsms[0]!.hsmId}\``);
  }
  const connected = connectedStoreOn(tx, cluster);
  if (connected) {
    throw awsError('SUBNET_IN_USE', 'DependencyViolation', operation, `The subnet '${subnet.subnetId}' has dependencies and cannot be deleted: the network interface KMS made for custom key store ${connected.id}; disconnect it first with \`kms disconnect-custom-key-store --custom-key-store-id ${connected.id}\``);
  }
  return { ...record, deletedAt: now };
});

/** Brings back a subnet `subnet delete` deleted (fault injection; EC2 has no such call), as it was. */
export const restoreSubnet = subnetOperation('RestoreSubnet', ({ subnet, record }) => {
  if (!subnet.deleted) throw awsError('SUBNET_NOT_DELETED', 'InvalidParameterValue', 'RestoreSubnet', `The subnet '${subnet.subnetId}' was not deleted; there is nothing to restore`);
  const { deletedAt: _deleted, ...rest } = record;
  return rest;
});

/** Exhausts a subnet's free addresses (fault injection): as if other network interfaces took them all. */
export const exhaustSubnetAddresses = subnetOperation('ExhaustSubnetAddresses', ({ subnet, record }) => {
  requireLive(subnet, 'ExhaustSubnetAddresses');
  return { ...record, addressesExhausted: true };
});

/** Frees the addresses `subnet exhaust-addresses` took. */
export const freeSubnetAddresses = subnetOperation('FreeSubnetAddresses', ({ subnet, record }) => {
  requireLive(subnet, 'FreeSubnetAddresses');
  const { addressesExhausted: _exhausted, ...rest } = record;
  return rest;
});

export interface NetworkFaultResult {
  ClusterId: string;
  /** How many KMS connection attempts to the cluster will still fail. */
  FailingConnectionAttempts: number;
}

export interface FailNetworkInput extends ClusterInput {
  /** How many of the next KMS connection attempts fail (default 1). */
  attempts?: number;
}

/** A transient network fault (fault injection): the next KMS connection attempts to the cluster fail with NETWORK_ERRORS. */
export const failNetwork = defineOperation({
  name: 'FailNetwork',
  cluster: 'any',
  access: 'none',
  write: true,
  run: ({ tx, ctx, cluster }, input: FailNetworkInput): NetworkFaultResult => {
    const attempts = input.attempts ?? 1;
    if (!Number.isInteger(attempts) || attempts < 1 || attempts > MAX_FAILED_CONNECTIONS) {
      throw awsError('INVALID_ARGUMENT', 'InvalidParameterValue', 'FailNetwork', `--attempts must be a whole number from 1 to ${MAX_FAILED_CONNECTIONS}, not ${String(attempts)}`);
    }
    tx.put(networkKeys.fault(cluster.clusterId), { clusterId: cluster.clusterId, remainingAttempts: attempts, since: ctx.now() } satisfies NetworkFaultRecord);
    return { ClusterId: cluster.clusterId, FailingConnectionAttempts: attempts };
  },
});

/** Ends a `network fail` fault before its attempts are spent. */
export const restoreNetwork = defineOperation({
  name: 'RestoreNetwork',
  cluster: 'any',
  access: 'none',
  write: true,
  run: ({ tx, cluster }, _input: ClusterInput): NetworkFaultResult & { Cleared: boolean } => {
    const key = networkKeys.fault(cluster.clusterId);
    const cleared = tx.has(key);
    tx.delete(key);
    return { ClusterId: cluster.clusterId, FailingConnectionAttempts: 0, Cleared: cleared };
  },
});
