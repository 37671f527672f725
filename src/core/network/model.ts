/**
 * The cluster's network as far as the emulator models it (cluster.md §1: a subnet per
 * Availability Zone of the cluster's SubnetMapping, a /24 each; kms-custom-key-store.md §3.2, §4):
 * whether a subnet still exists, how many of its addresses are free, and a transient network
 * fault between KMS and the cluster. The real subnets belong to the customer's VPC (EC2); here the
 * cluster's subnets exist until fault injection (network/operations.ts) deletes one or takes its
 * free addresses, so a subnet nobody touched has no record.
 *
 * Addresses: AWS reserves five addresses of every subnet (the first four and the last), so a /24
 * has 251 to give: one per HSM's ENI and one for the ENI KMS makes while a key store on the cluster
 * is CONNECTED. [emulator rule] A subnet whose addresses fault injection exhausted has none free
 * until they are freed again, as if other network interfaces took each address as soon as it was
 * released: the rehearsal's cause stays until its fix.
 */
import type { ReadView, Transaction } from '../store/index.js';
import type { ClusterRecord } from '../cluster/model.js';
import { keyStoreKeys } from '../kms/model.js';
import type { KeyStoreRecord } from '../kms/key-stores.js';

/** The addresses of a /24 subnet an ENI can take: 256 less the five AWS reserves. */
export const SUBNET_USABLE_ADDRESSES = 251;
/** The most KMS connection attempts one `network fail` may fail. */
export const MAX_FAILED_CONNECTIONS = 100;

export const networkKeys = {
  subnetPrefix: 'network/subnet/',
  subnet: (subnetId: string) => `network/subnet/${subnetId}`,
  fault: (clusterId: string) => `network/fault/${clusterId}`,
} as const;

/** What fault injection did to a subnet of a cluster. */
export interface SubnetRecord {
  subnetId: string;
  clusterId: string;
  availabilityZone: string;
  /** When it was deleted (cluster time); absent while it exists. */
  deletedAt?: number;
  /** Other network interfaces hold every free address (`subnet exhaust-addresses`). */
  addressesExhausted?: boolean;
}

/** A transient network fault between KMS and a cluster: the next connection attempts that fail. */
export interface NetworkFaultRecord {
  clusterId: string;
  remainingAttempts: number;
  since: number;
}

/** The subnet of a cluster's SubnetMapping, in the shape fault injection and its readers use. */
export interface ClusterSubnet {
  subnetId: string;
  availabilityZone: string;
  cidrBlock: string;
  deleted: boolean;
  freeAddresses: number;
}

/** The key store CONNECTED to `cluster`, if one is: KMS then holds an ENI in each of its subnets (§3.2). */
export function connectedStoreOn(view: ReadView, cluster: Pick<ClusterRecord, 'clusterId'>): KeyStoreRecord | undefined {
  return view.list<KeyStoreRecord>(keyStoreKeys.prefix).find(([, s]) => s.clusterId === cluster.clusterId && s.state === 'CONNECTED')?.[1];
}

/** The subnets of `cluster`, in its SubnetMapping's order, with what fault injection did to them. */
export function clusterSubnets(view: ReadView, cluster: ClusterRecord): ClusterSubnet[] {
  const kmsEnis = connectedStoreOn(view, cluster) ? 1 : 0;
  return Object.entries(cluster.subnetMapping).map(([az, subnetId]) => {
    const record = view.get<SubnetRecord>(networkKeys.subnet(subnetId));
    const hsms = cluster.hsms.filter((h) => h.subnetId === subnetId).length;
    const deleted = record?.deletedAt !== undefined;
    return {
      subnetId,
      availabilityZone: az,
      cidrBlock: `${cluster.subnetPrefixes[az]}.0/24`,
      deleted,
      freeAddresses: deleted || record?.addressesExhausted ? 0 : Math.max(0, SUBNET_USABLE_ADDRESSES - hsms - kmsEnis),
    };
  });
}

/** The subnet `cluster` has in Availability Zone `az`. */
export function subnetIn(view: ReadView, cluster: ClusterRecord, az: string): ClusterSubnet | undefined {
  return clusterSubnets(view, cluster).find((s) => s.availabilityZone === az);
}

export type NetworkConnectionError = 'SUBNET_NOT_FOUND' | 'INSUFFICIENT_FREE_ADDRESSES_IN_SUBNET' | 'NETWORK_ERRORS';

/**
 * Whether KMS can reach `cluster` over its network (kms-custom-key-store.md §3.2 step 2): an ENI
 * in each subnet of the cluster, so each must exist and have a free address, and no network fault.
 */
export function networkProblem(view: ReadView, cluster: ClusterRecord): NetworkConnectionError | undefined {
  const subnets = clusterSubnets(view, cluster);
  if (subnets.some((s) => s.deleted)) return 'SUBNET_NOT_FOUND';
  if (subnets.some((s) => s.freeAddresses < 1)) return 'INSUFFICIENT_FREE_ADDRESSES_IN_SUBNET';
  if ((view.get<NetworkFaultRecord>(networkKeys.fault(cluster.clusterId))?.remainingAttempts ?? 0) > 0) return 'NETWORK_ERRORS';
  return undefined;
}

/** A KMS connection attempt meets `cluster`'s network: what stops it, a network fault spending one of its failed attempts. */
export function attemptConnection(tx: Transaction, cluster: ClusterRecord): NetworkConnectionError | undefined {
  const problem = networkProblem(tx, cluster);
  if (problem === 'NETWORK_ERRORS') {
    const key = networkKeys.fault(cluster.clusterId);
    const fault = tx.get<NetworkFaultRecord>(key)!;
    if (fault.remainingAttempts > 1) tx.put(key, { ...fault, remainingAttempts: fault.remainingAttempts - 1 } satisfies NetworkFaultRecord);
    else tx.delete(key);
  }
  return problem;
}
