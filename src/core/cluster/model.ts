/**
 * The cluster and HSM records (cluster.md §1, §3, §4, §11-12), the regions the emulator models,
 * the store keys they live under, and which cluster an operation means. shapes.ts renders them in
 * the CloudHSMv2 API's shapes.
 */
import { HsmError, awsError } from '../errors.js';
import type { ReadView } from '../store/index.js';
import type { Tag } from '../tags/model.js';
import { DAY_MS, isoTime } from '../time/clock.js';

export const CLUSTER_STATES = [
  'CREATE_IN_PROGRESS',
  'UNINITIALIZED',
  'INITIALIZE_IN_PROGRESS',
  'INITIALIZED',
  'ACTIVE',
  'UPDATE_IN_PROGRESS',
  'DELETE_IN_PROGRESS',
  'DELETED',
  'DEGRADED',
  'MODIFY_IN_PROGRESS',
  'ROLLBACK_IN_PROGRESS',
] as const;
export type ClusterState = (typeof CLUSTER_STATES)[number];
export type HsmState = 'CREATE_IN_PROGRESS' | 'ACTIVE' | 'DEGRADED' | 'DELETE_IN_PROGRESS' | 'DELETED';
export type HsmType = 'hsm1.medium' | 'hsm2m.medium';
export type ClusterMode = 'FIPS' | 'NON_FIPS';
export const HSM_TYPES: readonly HsmType[] = ['hsm1.medium', 'hsm2m.medium'];
export const CLUSTER_MODES: readonly ClusterMode[] = ['FIPS', 'NON_FIPS'];

/** cluster.md §11.1 default service quotas (per account and region). */
export const QUOTAS = { clustersPerRegion: 4, hsmsPerRegion: 6, hsmsPerCluster: 28 } as const;
export const RETENTION_DAYS = { min: 7, max: 379, default: 90 } as const;

/** Regions the emulator models, with their availability-zone letters. */
export const REGIONS: Readonly<Record<string, string>> = {
  'us-east-1': 'abcdef',
  'us-east-2': 'abc',
  'us-west-1': 'ab',
  'us-west-2': 'abcd',
  'ca-central-1': 'abd',
  'eu-west-1': 'abc',
  'eu-west-2': 'abc',
  'eu-central-1': 'abc',
  'eu-north-1': 'abc',
  'ap-southeast-1': 'abc',
  'ap-southeast-2': 'abc',
  'ap-northeast-1': 'acd',
  'ap-south-1': 'abc',
  'sa-east-1': 'abc',
  'us-gov-west-1': 'abc',
  'us-gov-east-1': 'abc',
};

export interface HsmRecord {
  hsmId: string;
  availabilityZone: string;
  subnetId: string;
  eniId: string;
  eniIp: string;
  state: HsmState;
  stateMessage: string;
  serialNumber: string;
  createdAt: number;
  /** While DEGRADED: how it failed and when the service replaces it (cluster/failure.ts). */
  failure?: HsmFailure;
}

/**
 * An HSM failed by `hsm fail` (cluster.md §7): what it still holds, for coverage, and when the
 * service replaces it (cluster time).
 */
export interface HsmFailure {
  mode: 'unhealthy' | 'zeroize';
  failedAt: number;
  replaceAt: number;
  /** An unhealthy HSM keeps what it had: the token keys up to this reference and the users up to this ID. */
  lastKeyRef: number;
  lastUserId: number;
}

export interface ClusterRecord {
  clusterId: string;
  region: string;
  hsmType: HsmType;
  mode: ClusterMode;
  state: ClusterState;
  stateMessage?: string;
  backupRetentionDays: number;
  securityGroup: string;
  vpcId: string;
  /** AZ → subnet ID. */
  subnetMapping: Record<string, string>;
  /** AZ → the subnet's /24 prefix ("10.0.3"), for ENI addresses. */
  subnetPrefixes: Record<string, string>;
  networkType: 'IPV4';
  createdAt: number;
  hsms: HsmRecord[];
  /** users-and-auth.md §4: the PRECO's default password, shown until activation. */
  preCoPassword: string;
  csrPem?: string;
  /** The partition private key (PKCS#8 DER, base64); secret, lives only in the sealed store. */
  partitionKeyPkcs8?: string;
  clusterCertificatePem?: string;
  trustAnchorPem?: string;
  activatedAt?: number;
  deletedAt?: number;
  /** cluster.md §10, in the order first set (tags/model.ts). */
  tags?: Tag[];
  nextUserId: number;
  hsmsCreated: number;
  /** cluster.md §8.5: the backup a restored cluster was created from; its first HSM receives it. */
  sourceBackupId?: string;
  /** Deterministic (insecure test) mode: SHA-256 of the seed the cluster was created with. */
  deterministicSeedSha256?: string;
}

export const storeKeys = {
  clusterPrefix: 'cluster/',
  cluster: (clusterId: string) => `cluster/${clusterId}`,
  userPrefix: (clusterId: string) => `user/${clusterId}/`,
  user: (clusterId: string, username: string) => `user/${clusterId}/${username}`,
  sessionPrefix: (clusterId: string) => `session/${clusterId}/`,
  session: (clusterId: string, sessionId: string) => `session/${clusterId}/${sessionId}`,
} as const;

export function listClusters(view: ReadView): ClusterRecord[] {
  return view
    .list<ClusterRecord>(storeKeys.clusterPrefix)
    .map(([, c]) => c)
    .sort((a, b) => a.createdAt - b.createdAt);
}

/**
 * How long DescribeClusters still lists a DELETED cluster, in cluster time. [emulator rule]
 * cluster.md §3.2 says "a short while" and AWS publishes no figure. The record itself stays, so
 * that its ID is never reused and backups can name their source cluster.
 */
export const DELETED_CLUSTER_LISTED_MS = DAY_MS;

/** Whether DescribeClusters lists `cluster` at cluster time `nowMs`: live, or deleted within the last day. */
export function isListed(cluster: ClusterRecord, nowMs: number): boolean {
  return cluster.state !== 'DELETED' || nowMs - (cluster.deletedAt ?? 0) < DELETED_CLUSTER_LISTED_MS;
}

/**
 * The cluster an operation targets: the one named, or the only live one when none is named
 * (PRODUCT.md: --cluster-id "may be omitted when there is exactly one"). A DELETED cluster is
 * not found (cluster.md §2.1), unless `listedAt` (cluster time) is given and the cluster is still
 * listed then: describing a cluster shows it DELETED for as long as DescribeClusters lists it.
 */
export function resolveCluster(view: ReadView, clusterId: string | undefined, operation = 'DescribeClusters', listedAt?: number): ClusterRecord {
  if (clusterId) {
    const cluster = view.get<ClusterRecord>(storeKeys.cluster(clusterId));
    if (cluster && cluster.state === 'DELETED' && listedAt !== undefined && isListed(cluster, listedAt)) return cluster;
    if (!cluster || cluster.state === 'DELETED') {
      const deleted = cluster?.deletedAt === undefined ? '' : ` (it was deleted at ${isoTime(cluster.deletedAt)})`;
      throw awsError('CLUSTER_NOT_FOUND', 'CloudHsmResourceNotFoundException', operation, `Cluster ${clusterId} not found${deleted}. Run \`cluster list\` to see the clusters in this state folder.`);
    }
    return cluster;
  }
  const live = listClusters(view).filter((c) => c.state !== 'DELETED');
  if (live.length === 1) return live[0]!;
  if (live.length === 0) {
    throw new HsmError('CLUSTER_NOT_FOUND', 'there is no cluster yet; create one with `cluster create` (or `cluster quickstart`)');
  }
  throw new HsmError(
    'CLUSTER_NOT_SELECTED',
    `${live.length} clusters exist (${live.map((c) => c.clusterId).join(', ')}); choose one with --cluster-id or CLOUDHSM_CLUSTER_ID`,
  );
}

/** An HSM serial number in the shape the real ones have. */
export function hsmSerial(random: (n: number) => Buffer): string {
  const digits = random(6).reduce((s, b) => s + String(b % 10), '');
  return `5.3G${digits.slice(0, 4)}-ICM${digits}`.slice(0, 20);
}

export function activeHsms(cluster: ClusterRecord): HsmRecord[] {
  return cluster.hsms.filter((h) => h.state === 'ACTIVE');
}

/**
 * Whether the HSMs of `cluster` hold a token key or user (cluster.md §6): every ACTIVE HSM holds
 * every token key and user (writes reach all ACTIVE HSMs at once, and an added or replacing HSM is
 * restored from a copy of an ACTIVE one), so only a failed HSM can miss one: an unhealthy HSM
 * keeps what existed when it failed, a zeroized one holds nothing. "full" when every HSM of the
 * cluster holds it.
 */
export function tokenCoverage(cluster: ClusterRecord, held: (failure: HsmFailure) => boolean): 'full' | 'partial' {
  return cluster.hsms.every((h) => !h.failure || (h.failure.mode === 'unhealthy' && held(h.failure))) ? 'full' : 'partial';
}

/** An operation that talks to an HSM needs one ACTIVE in the cluster. */
export function requireHsm(cluster: ClusterRecord): void {
  if (cluster.hsms.some((h) => h.state === 'ACTIVE')) return;
  const failed = cluster.hsms.filter((h) => h.failure);
  if (failed.length > 0) {
    const next = Math.min(...failed.map((h) => h.failure!.replaceAt));
    throw new HsmError(
      'NO_ACTIVE_HSM',
      `cluster ${cluster.clusterId} has no ACTIVE HSM: ${failed.map((h) => h.hsmId).join(', ')} failed, and the service replaces the first at ${isoTime(next)} (cluster time); wait, or move the clock with \`clock advance\``,
    );
  }
  throw new HsmError(
    'NO_ACTIVE_HSM',
    `cluster ${cluster.clusterId} has no ACTIVE HSM to connect to; add one with \`hsm create --availability-zone ${Object.keys(cluster.subnetMapping)[0]}\``,
  );
}

export function requireActivated(cluster: ClusterRecord): void {
  if (!cluster.activatedAt) {
    const next =
      cluster.state === 'INITIALIZED'
        ? 'activate it with `cluster activate`'
        : 'sign its CSR, run `cluster initialize`, then `cluster activate` (or use `cluster quickstart`)';
    throw new HsmError('CLUSTER_NOT_ACTIVATED', `cluster ${cluster.clusterId} is not activated yet (${cluster.state}); ${next}`);
  }
}
