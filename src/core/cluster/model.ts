/**
 * The cluster and HSM records (cluster.md §1, §3, §4, §11-12), the regions the emulator models,
 * the store keys they live under, and the presenters that render them in the CloudHSMv2
 * DescribeClusters shape.
 */
import { HsmError, awsError } from '../errors.js';
import type { ReadView } from '../store/index.js';

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
  nextUserId: number;
  hsmsCreated: number;
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
 * The cluster an operation targets: the one named, or the only live one when none is named
 * (PRODUCT.md: --cluster-id "may be omitted when there is exactly one").
 */
export function resolveCluster(view: ReadView, clusterId: string | undefined, operation = 'DescribeClusters'): ClusterRecord {
  if (clusterId) {
    const cluster = view.get<ClusterRecord>(storeKeys.cluster(clusterId));
    if (!cluster || cluster.state === 'DELETED') {
      throw Object.assign(
        awsError('CLUSTER_NOT_FOUND', 'CloudHsmResourceNotFoundException', operation, `Cluster ${clusterId} not found. Run \`cluster list\` to see the clusters in this state folder.`),
      );
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

export function activeHsms(cluster: ClusterRecord): HsmRecord[] {
  return cluster.hsms.filter((h) => h.state === 'ACTIVE');
}

/** Epoch seconds with millisecond fraction, as the CloudHSMv2 API renders timestamps. */
export function awsTimestamp(ms: number): number {
  return Math.round(ms) / 1000;
}

export function presentHsm(cluster: ClusterRecord, hsm: HsmRecord, state: HsmState = hsm.state): Record<string, unknown> {
  return {
    AvailabilityZone: hsm.availabilityZone,
    ClusterId: cluster.clusterId,
    SubnetId: hsm.subnetId,
    EniId: hsm.eniId,
    EniIp: hsm.eniIp,
    HsmId: hsm.hsmId,
    HsmType: cluster.hsmType,
    State: state,
    StateMessage: state === 'CREATE_IN_PROGRESS' ? 'HSM is being created.' : hsm.stateMessage,
  };
}

/** One cluster as the CloudHSMv2 API describes it (DescribeClusters, CreateCluster, …). */
export interface ClusterDescription {
  BackupPolicy: string;
  BackupRetentionPolicy: { Type: string; Value: string };
  Certificates: Record<string, string>;
  ClusterId: string;
  CreateTimestamp: number;
  HsmType: string;
  Hsms: Array<Record<string, unknown>>;
  Mode: string;
  NetworkType: string;
  SecurityGroup: string;
  State: ClusterState;
  StateMessage: string;
  SubnetMapping: Record<string, string>;
  VpcId: string;
  TagList: unknown[];
  PreCoPassword?: string;
  DeterministicMode?: string;
}

/** The DescribeClusters shape of one cluster. `state` overrides the stored state for responses
 * that report an in-progress transition. */
export function presentCluster(cluster: ClusterRecord, state: ClusterState = cluster.state): ClusterDescription {
  const certificates: Record<string, string> = {};
  if (cluster.state === 'UNINITIALIZED' && cluster.csrPem) certificates.ClusterCsr = cluster.csrPem;
  if (cluster.clusterCertificatePem) certificates.ClusterCertificate = cluster.clusterCertificatePem;
  const out: ClusterDescription = {
    BackupPolicy: 'DEFAULT',
    BackupRetentionPolicy: { Type: 'DAYS', Value: String(cluster.backupRetentionDays) },
    Certificates: certificates,
    ClusterId: cluster.clusterId,
    CreateTimestamp: awsTimestamp(cluster.createdAt),
    HsmType: cluster.hsmType,
    Hsms: cluster.hsms.map((h) => presentHsm(cluster, h)),
    Mode: cluster.mode,
    NetworkType: cluster.networkType,
    SecurityGroup: cluster.securityGroup,
    State: state,
    StateMessage: stateMessage(cluster, state),
    SubnetMapping: { ...cluster.subnetMapping },
    VpcId: cluster.vpcId,
    TagList: [],
  };
  if (!cluster.activatedAt && cluster.state !== 'DELETED') out.PreCoPassword = cluster.preCoPassword;
  // Emulator-only field, present only in the insecure deterministic test mode.
  if (cluster.deterministicSeedSha256) out.DeterministicMode = 'ENABLED (INSECURE: keys and random output are reproducible from CLOUDHSM_DETERMINISTIC_SEED)';
  return out;
}

function stateMessage(cluster: ClusterRecord, state: ClusterState): string {
  switch (state) {
    case 'CREATE_IN_PROGRESS':
      return 'The cluster is being created.';
    case 'UNINITIALIZED':
      return cluster.hsms.length === 0
        ? 'Cluster is uninitialized. Create an HSM, then sign the cluster CSR and initialize the cluster.'
        : 'Cluster is uninitialized. Sign the cluster CSR and initialize the cluster.';
    case 'INITIALIZE_IN_PROGRESS':
      return 'Cluster is initializing. State will change to INITIALIZED upon completion.';
    case 'INITIALIZED':
      return 'Cluster is initialized. Activate it with `cluster activate`.';
    case 'ACTIVE':
      return 'Cluster is active.';
    case 'DELETE_IN_PROGRESS':
      return 'The cluster is being deleted.';
    case 'DELETED':
      return 'The cluster has been deleted.';
    default:
      return cluster.stateMessage ?? '';
  }
}

/** An operation that talks to an HSM needs one ACTIVE in the cluster. */
export function requireHsm(cluster: ClusterRecord): void {
  if (!cluster.hsms.some((h) => h.state === 'ACTIVE')) {
    throw new HsmError(
      'NO_ACTIVE_HSM',
      `cluster ${cluster.clusterId} has no ACTIVE HSM to connect to; add one with \`hsm create --availability-zone ${Object.keys(cluster.subnetMapping)[0]}\``,
    );
  }
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
