/**
 * The cluster plane's objects as the CloudHSMv2 API returns them (cluster.md §1.1-1.3; API
 * reference: Cluster, Hsm, Backup, Tag), and the one serialiser from the emulator's records to
 * them. Every edge shows these unchanged: the CLI's `--json`, the Node API, and the AWS endpoint
 * to come. Field names and types are the API's: PascalCase, timestamps as epoch seconds with a
 * millisecond fraction, the retention value as a string.
 *
 * The security group is the one object the real service shows through EC2 rather than CloudHSM:
 * it is given in EC2's DescribeSecurityGroups shape (cluster.md §9).
 */
import { backupArn, backupStateAt, type BackupRecord } from '../backups/model.js';
import type { Tag } from '../tags/model.js';
import type { ClusterRecord, ClusterState, HsmRecord, HsmState } from './model.js';

/** Epoch seconds with millisecond fraction, as the CloudHSMv2 API renders timestamps. */
export function awsTimestamp(ms: number): number {
  return Math.round(ms) / 1000;
}

/** API Tag. */
export interface TagDescription {
  Key: string;
  Value: string;
}

/** API Hsm (cluster.md §1.2). `EniIpV6` belongs to DUALSTACK clusters, which the emulator does not make. */
export interface HsmDescription {
  AvailabilityZone: string;
  ClusterId: string;
  SubnetId: string;
  EniId: string;
  EniIp: string;
  EniIpV6?: string;
  HsmId: string;
  HsmType: string;
  State: HsmState;
  StateMessage: string;
}

/** API Cluster (cluster.md §1.1). */
export interface ClusterDescription {
  BackupPolicy: 'DEFAULT';
  BackupRetentionPolicy: { Type: 'DAYS'; Value: string };
  Certificates: {
    ClusterCsr?: string;
    HsmCertificate?: string;
    AwsHardwareCertificate?: string;
    ManufacturerHardwareCertificate?: string;
    ClusterCertificate?: string;
  };
  ClusterId: string;
  CreateTimestamp: number;
  HsmType: string;
  Hsms: HsmDescription[];
  Mode: string;
  NetworkType: string;
  SecurityGroup: string;
  SourceBackupId?: string;
  State: ClusterState;
  StateMessage: string;
  SubnetMapping: Record<string, string>;
  VpcId: string;
  TagList: TagDescription[];
  PreCoPassword?: string;
  /** Emulator only, and only in the insecure deterministic test mode (README "Deterministic mode"). */
  DeterministicMode?: string;
}

export type BackupState = 'CREATE_IN_PROGRESS' | 'READY' | 'DELETED' | 'PENDING_DELETION';

/**
 * API Backup (cluster.md §1.3): the first four fields always, the next
 * five on every backup the emulator makes, the copy fields only on cross-region copies, and
 * `DeleteTimestamp` only while PENDING_DELETION.
 */
export interface BackupDescription {
  BackupId: string;
  BackupState: BackupState;
  ClusterId: string;
  CreateTimestamp: number;
  BackupArn: string;
  HsmType: string;
  Mode: string;
  NeverExpires: boolean;
  TagList: TagDescription[];
  CopyTimestamp?: number;
  SourceBackup?: string;
  SourceCluster?: string;
  SourceRegion?: string;
  DeleteTimestamp?: number;
}

/** The DescribeBackups shape of one backup at cluster time `nowMs`. */
export function presentBackup(backup: BackupRecord, nowMs: number): BackupDescription {
  const state = backupStateAt(backup, nowMs);
  const out: BackupDescription = {
    BackupId: backup.backupId,
    BackupState: state,
    ClusterId: backup.clusterId,
    CreateTimestamp: awsTimestamp(backup.createdAt),
    BackupArn: backupArn(backup),
    HsmType: backup.hsmType,
    Mode: backup.mode,
    NeverExpires: backup.neverExpires,
    TagList: presentTags(backup.tags),
  };
  if (backup.copiedFrom) {
    out.CopyTimestamp = awsTimestamp(backup.copiedFrom.copiedAt);
    out.SourceBackup = backup.copiedFrom.backupId;
    out.SourceCluster = backup.copiedFrom.clusterId;
    out.SourceRegion = backup.copiedFrom.region;
  }
  if (state === 'PENDING_DELETION' && backup.deleteAt !== undefined) out.DeleteTimestamp = awsTimestamp(backup.deleteAt);
  return out;
}

export function presentTags(tags: readonly Tag[] | undefined): TagDescription[] {
  return (tags ?? []).map((t) => ({ Key: t.key, Value: t.value }));
}

export function presentHsm(cluster: ClusterRecord, hsm: HsmRecord, state: HsmState = hsm.state): HsmDescription {
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

/** The DescribeClusters shape of one cluster. `state` overrides the stored state for responses
 * that report an in-progress transition. */
export function presentCluster(cluster: ClusterRecord, state: ClusterState = cluster.state): ClusterDescription {
  const certificates: ClusterDescription['Certificates'] = {};
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
    TagList: presentTags(cluster.tags),
  };
  if (cluster.sourceBackupId) out.SourceBackupId = cluster.sourceBackupId;
  if (!cluster.activatedAt && cluster.state !== 'DELETED' && !cluster.sourceBackupId) out.PreCoPassword = cluster.preCoPassword;
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

/** The ports of the cluster's security-group rule (cluster.md §9). */
export const HSM_PORTS = { from: 2223, to: 2225 } as const;

/** One rule of a security group, as EC2 describes it. */
export interface SecurityGroupRule {
  IpProtocol: 'tcp';
  FromPort: number;
  ToPort: number;
  /** The group itself: members reach members. */
  UserIdGroupPairs: Array<{ GroupId: string }>;
}

/** The cluster's security group in EC2's DescribeSecurityGroups shape. */
export interface SecurityGroupDescription {
  GroupId: string;
  GroupName: string;
  Description: string;
  VpcId: string;
  IpPermissions: SecurityGroupRule[];
  IpPermissionsEgress: SecurityGroupRule[];
}

/**
 * cluster.md §9: CreateCluster makes `cloudhsm-cluster-<id>-sg` in the cluster's VPC, with one
 * TCP rule for ports 2223-2225 inbound and one outbound, both naming the group itself, so that
 * clients placed in the group reach the HSMs' ENIs. (The description text is [emulator rule]: AWS
 * does not publish it.)
 */
export function presentSecurityGroup(cluster: Pick<ClusterRecord, 'clusterId' | 'securityGroup' | 'vpcId'>): SecurityGroupDescription {
  const rule = (): SecurityGroupRule => ({ IpProtocol: 'tcp', FromPort: HSM_PORTS.from, ToPort: HSM_PORTS.to, UserIdGroupPairs: [{ GroupId: cluster.securityGroup }] });
  return {
    GroupId: cluster.securityGroup,
    GroupName: `cloudhsm-cluster-${cluster.clusterId}-sg`,
    Description: `Security group for CloudHSM cluster ${cluster.clusterId}`,
    VpcId: cluster.vpcId,
    IpPermissions: [rule()],
    IpPermissionsEgress: [rule()],
  };
}
