/**
 * The cluster plane (cluster.md §2-5), modelled on the CloudHSMv2 API: CreateCluster,
 * DescribeClusters, ModifyCluster, DeleteCluster, CreateHsm, DeleteHsm, the CSR,
 * InitializeCluster, activation and hsm-info. Results are the API's objects (shapes.ts).
 *
 * Transitions the real service makes asynchronously complete at once (cluster.md §3.2 default
 * delay 0): the response of the call reports the in-progress state the real API returns
 * (CREATE_IN_PROGRESS, INITIALIZE_IN_PROGRESS, DELETE_IN_PROGRESS), and the next read sees the
 * settled state.
 */
import { createHash } from 'node:crypto';
import { HsmError, awsError, type ErrorCode } from '../errors.js';
import { defineOperation, type ClusterInput } from '../engine.js';
import { base32Id, hexId } from '../ids.js';
import { hashPassword } from '../users/password.js';
import { APPLIANCE_USER, BUILTIN_ADMIN, DEFAULT_PRECO_PASSWORD, checkPassword, type UserRecord } from '../users/rules.js';
import { checkTags, type Tag } from '../tags/model.js';
import { checkClusterCertificate, createPartitionIdentity, type PartitionIdentity } from './certificates.js';
import {
  CLUSTER_MODES,
  HSM_TYPES,
  QUOTAS,
  REGIONS,
  RETENTION_DAYS,
  activeHsms,
  hsmSerial,
  isListed,
  listClusters,
  storeKeys,
  type ClusterMode,
  type ClusterRecord,
  type HsmRecord,
  type HsmType,
} from './model.js';
import { presentCluster, presentHsm, type ClusterDescription } from './shapes.js';
import { contentForNewHsm, settledState } from './replacement.js';
import { RELATIVE_KEY_PREFIX, scheduleHousekeeping, takeBackup, type BackupPayload } from '../backups/lifecycle.js';
import { checkBackup, openBackup } from '../backups/encryption.js';
import { recordOn } from '../audit/record.js';
import type { AuditEventInput } from '../audit/log.js';
import { findBackup } from '../backups/model.js';
import { quorumKeys } from '../quorum/model.js';
import { subnetIn } from '../network/model.js';
import { keyStoreKeys } from '../keys/filters.js';
import type { EngineContext } from '../context.js';
import type { Store, StoredValue, Transaction } from '../store/index.js';

const invalid = (operation: string, message: string, code: ErrorCode = 'INVALID_REQUEST') =>
  awsError(code, 'CloudHsmInvalidRequestException', operation, message);

export interface CreateClusterInput extends ClusterInput {
  hsmType?: string;
  mode?: string;
  region?: string;
  backupRetentionDays?: number;
  /** The AZs that get a subnet (default: every AZ of the region). */
  availabilityZones?: string[];
  /** CreateCluster's TagList: 1 to 50 tags (tags/model.ts). */
  tags?: Tag[];
  /** cluster.md §8.5: restore from this READY backup (ID or ARN). */
  sourceBackupId?: string;
}

/** cluster.md §8.3: BackupRetentionPolicy Value is 7 to 379 days. */
function checkRetentionDays(operation: string, days: unknown): number {
  if (typeof days !== 'number' || !Number.isInteger(days) || days < RETENTION_DAYS.min || days > RETENTION_DAYS.max) {
    throw invalid(operation, `BackupRetentionPolicy Value must be a whole number of days from ${RETENTION_DAYS.min} to ${RETENTION_DAYS.max}, not ${String(days)}`);
  }
  return days;
}

export const createCluster = defineOperation({
  name: 'CreateCluster',
  account: 'local',
  cluster: 'none',
  access: 'none',
  write: true,
  createsState: true,
  run: ({ tx, ctx }, input: CreateClusterInput) => {
    const op = 'CreateCluster';
    const hsmType = (input.hsmType ?? 'hsm2m.medium') as HsmType;
    if (!HSM_TYPES.includes(hsmType)) throw invalid(op, `HsmType must be one of ${HSM_TYPES.join(', ')}, not "${input.hsmType}"`);
    const mode = (input.mode ?? 'FIPS') as ClusterMode;
    if (!CLUSTER_MODES.includes(mode)) throw invalid(op, `Mode must be FIPS or NON_FIPS, not "${input.mode}"`);
    if (mode === 'NON_FIPS' && hsmType !== 'hsm2m.medium') {
      throw invalid(op, 'NON_FIPS mode is available only on hsm2m.medium; use --hsm-type hsm2m.medium or --mode FIPS');
    }
    const region = input.region ?? 'us-east-1';
    const letters = REGIONS[region];
    if (!letters) throw invalid(op, `unknown region "${region}"; choose one of ${Object.keys(REGIONS).join(', ')}`);
    const retention = checkRetentionDays(op, input.backupRetentionDays ?? RETENTION_DAYS.default);
    const tags = input.tags === undefined ? undefined : checkTags(op, input.tags);
    const sourceBackupId = input.sourceBackupId === undefined ? undefined : checkSourceBackup(tx, ctx.store, ctx.now(), input.sourceBackupId, { hsmType, mode, region });
    const allZones = letters.split('').map((l) => `${region}${l}`);
    const zones = input.availabilityZones?.length ? [...new Set(input.availabilityZones)] : allZones;
    for (const az of zones) {
      if (!allZones.includes(az)) throw invalid(op, `availability zone ${az} is not in ${region}; choose from ${allZones.join(', ')}`);
    }
    if (zones.length > 10) throw invalid(op, 'a cluster takes at most 10 subnets (one per availability zone)');
    const live = listClusters(tx).filter((c) => c.state !== 'DELETED' && c.region === region);
    if (live.length >= QUOTAS.clustersPerRegion) {
      throw awsError('RESOURCE_LIMIT_EXCEEDED', 'CloudHsmResourceLimitExceededException', op, `the quota of ${QUOTAS.clustersPerRegion} clusters in ${region} is reached; delete a cluster first`);
    }
    const subnetMapping: Record<string, string> = {};
    const subnetPrefixes: Record<string, string> = {};
    for (const az of zones) {
      subnetMapping[az] = hexId('subnet', ctx.random);
      subnetPrefixes[az] = `10.0.${allZones.indexOf(az)}`;
    }
    const cluster: ClusterRecord = {
      clusterId: base32Id('cluster', ctx.random),
      region,
      hsmType,
      mode,
      state: 'UNINITIALIZED',
      backupRetentionDays: retention,
      securityGroup: hexId('sg', ctx.random),
      vpcId: hexId('vpc', ctx.random),
      subnetMapping,
      subnetPrefixes,
      networkType: 'IPV4',
      createdAt: ctx.now(),
      hsms: [],
      preCoPassword: DEFAULT_PRECO_PASSWORD,
      nextUserId: 1,
      hsmsCreated: 0,
      deterministicSeedSha256: ctx.deterministicSeed === undefined ? undefined : createHash('sha256').update(ctx.deterministicSeed).digest('hex'),
      tags,
      sourceBackupId,
    };
    tx.put(storeKeys.cluster(cluster.clusterId), cluster);
    return presentCluster(cluster, 'CREATE_IN_PROGRESS');
  },
});

/**
 * cluster.md §8.5: the source backup of a restored cluster must be READY, in its region, of the same Mode, and of
 * the same HSM type or hsm1.medium into hsm2m.medium; and its file must open here (not damaged,
 * not another installation's). Returns its ID.
 */
function checkSourceBackup(tx: Transaction, store: Store, now: number, id: string, { hsmType, mode, region }: Pick<ClusterRecord, 'hsmType' | 'mode' | 'region'>): string {
  const op = 'CreateCluster';
  const backup = findBackup(tx, op, id, now);
  if (backup.region !== region) throw invalid(op, `backup ${backup.backupId} is in ${backup.region}, the new cluster in ${region}: copy the backup there with \`backup copy-to-region\`, or create the cluster in ${backup.region}`);
  if (backup.state !== 'READY') throw invalid(op, `SourceBackupId ${backup.backupId} is ${backup.state}: a cluster is restored only from a READY backup${backup.state === 'PENDING_DELETION' ? ' (`backup restore` brings it back first)' : ''}`, 'INVALID_STATE');
  if (backup.mode !== mode) throw invalid(op, `backup ${backup.backupId} is of a ${backup.mode} cluster: it restores only into a ${backup.mode} cluster; use --mode ${backup.mode}`);
  if (backup.hsmType !== hsmType && !(backup.hsmType === 'hsm1.medium' && hsmType === 'hsm2m.medium')) {
    throw invalid(op, `backup ${backup.backupId} is of ${backup.hsmType} HSMs and cannot be restored onto ${hsmType}; use --hsm-type ${backup.hsmType}`);
  }
  checkBackup(tx, op, backup.backupId, store.readBackupFile(backup.backupId));
  return backup.backupId;
}

export const describeClusters = defineOperation({
  name: 'DescribeClusters',
  account: 'local',
  cluster: 'none',
  access: 'none',
  write: false,
  run: ({ tx, ctx }, input: ClusterInput & { states?: string[] }): { Clusters: ClusterDescription[] } => {
    const now = ctx.now();
    let clusters = listClusters(tx).filter((c) => isListed(c, now));
    if (input.clusterId) clusters = clusters.filter((c) => c.clusterId === input.clusterId);
    if (input.states?.length) clusters = clusters.filter((c) => input.states!.includes(c.state));
    if (input.clusterId && clusters.length === 0) {
      throw awsError('CLUSTER_NOT_FOUND', 'CloudHsmResourceNotFoundException', 'DescribeClusters', `Cluster ${input.clusterId} not found`);
    }
    return { Clusters: clusters.map((c) => presentCluster(c)) };
  },
});

/** One cluster; a DELETED one named by its ID is shown for as long as DescribeClusters lists it. */
export const describeCluster = defineOperation({
  name: 'DescribeClusters',
  cluster: 'listed',
  access: 'none',
  write: false,
  run: ({ cluster }): ClusterDescription => presentCluster(cluster),
});

export interface ModifyClusterInput extends ClusterInput {
  backupRetentionDays: number;
}

/** ModifyCluster: the backup retention policy (cluster.md §2, §8.3); the change completes at once. */
export const modifyCluster = defineOperation({
  name: 'ModifyCluster',
  cluster: 'any',
  access: 'none',
  write: true,
  run: ({ tx, ctx, cluster }, input: ModifyClusterInput): ClusterDescription => {
    const next: ClusterRecord = { ...cluster, backupRetentionDays: checkRetentionDays('ModifyCluster', input.backupRetentionDays) };
    tx.put(storeKeys.cluster(cluster.clusterId), next);
    // A shorter retention may purge backups now: the next write's housekeeping applies it.
    scheduleHousekeeping(tx, ctx.now());
    return presentCluster(next);
  },
});

/**
 * The cluster as the emulator keeps it (it holds no secrets), for the legacy shells, which show
 * what the CloudHSMv2 API does not: certificates, activation, the HSMs' ENI addresses.
 */
export const readCluster = defineOperation({
  name: 'DescribeClusters',
  cluster: 'any',
  access: 'none',
  write: false,
  run: ({ cluster }): ClusterRecord => cluster,
});

export const deleteCluster = defineOperation({
  name: 'DeleteCluster',
  account: 'local',
  cluster: 'any',
  access: 'none',
  write: true,
  run: ({ tx, cluster, ctx }) => {
    if (cluster.hsms.length > 0) {
      throw invalid(
        'DeleteCluster',
        `Cluster ${cluster.clusterId} still has ${cluster.hsms.length} HSM(s) (${cluster.hsms.map((h) => h.hsmId).join(', ')}); delete them with \`hsm delete --hsm-id ID\` first`,
        'CLUSTER_HAS_HSMS',
      );
    }
    // Its users and keys live on only in its backups (cluster.md §3.2).
    for (const prefix of [storeKeys.userPrefix(cluster.clusterId), storeKeys.sessionPrefix(cluster.clusterId), keyStoreKeys.prefix(cluster.clusterId), quorumKeys.prefix(cluster.clusterId)]) {
      for (const [key] of tx.list(prefix)) tx.delete(key);
    }
    tx.delete(keyStoreKeys.counter(cluster.clusterId));
    const deleted: ClusterRecord = { ...cluster, state: 'DELETED', deletedAt: ctx.now(), partitionKeyPkcs8: undefined };
    tx.put(storeKeys.cluster(cluster.clusterId), deleted);
    return presentCluster(deleted, 'DELETE_IN_PROGRESS');
  },
});

export interface CreateHsmInput extends ClusterInput {
  availabilityZone: string;
  ipAddress?: string;
}

interface CreateHsmPrepared {
  identity?: PartitionIdentity;
  preCoHash?: string;
  applianceHash?: string;
}

/** cluster.md §4.3: a factory-state HSM's partition identity (key pair, CSR) and its two users' password hashes. */
async function factoryContent(ctx: EngineContext, mode: ClusterMode, preCoPassword: string | undefined): Promise<Required<CreateHsmPrepared>> {
  return {
    identity: await createPartitionIdentity(hsmSerial(ctx.random), mode),
    preCoHash: await hashPassword(preCoPassword ?? DEFAULT_PRECO_PASSWORD, ctx.random(16)),
    // The appliance user cannot log in: its password is random and forgotten at once.
    applianceHash: await hashPassword(ctx.random(24).toString('base64'), ctx.random(16)),
  };
}

/**
 * audit-log.md §4.1: the first HSM of a new cluster initializes itself, makes its password
 * encryption key and the appliance user; its stream starts with these.
 */
const FACTORY_EVENTS: ReadonlyArray<Omit<AuditEventInput, 'sessionHandle'>> = [
  { opcode: 'CN_INIT_TOKEN' },
  { opcode: 'CN_GEN_PSWD_ENC_KEY' },
  { opcode: 'CN_CREATE_APPLIANCE_USER', user: { name: APPLIANCE_USER, type: 'CN_APPLIANCE_USER' } },
  { opcode: 'CN_INIT_DONE' },
];

/**
 * §4.2 [emulator rule]: every other HSM is a clone, of a backup or of the HSMs already there, so
 * its stream starts with the restore, and no initialization.
 */
const RESTORE_EVENTS: ReadonlyArray<Omit<AuditEventInput, 'sessionHandle'>> = [{ opcode: 'CN_RESTORE_BEGIN' }, { opcode: 'CN_RESTORE_END' }];

export const createHsm = defineOperation({
  name: 'CreateHsm',
  account: 'local',
  cluster: 'any',
  access: 'none',
  write: true,
  prepare: async (input: CreateHsmInput, ctx): Promise<CreateHsmPrepared> => {
    // The first HSM generates the partition key pair and the CSR: slow, so done before the lock.
    const cluster = await ctx.store.read((view) => listClusters(view).find((c) => c.clusterId === input.clusterId || (!input.clusterId && c.state !== 'DELETED')));
    // Only a factory-state HSM (the first of a new cluster) needs the identity and the two users.
    const factory = !cluster || (!cluster.csrPem && !cluster.clusterCertificatePem && !cluster.sourceBackupId);
    return factory ? factoryContent(ctx, cluster?.mode ?? 'FIPS', cluster?.preCoPassword) : {};
  },
  run: async ({ tx, ctx, cluster, prepared }, input) => {
    const op = 'CreateHsm';
    if (!['UNINITIALIZED', 'ACTIVE', 'DEGRADED'].includes(cluster.state)) {
      throw invalid(op, `cannot add an HSM to cluster ${cluster.clusterId} while it is ${cluster.state}; HSMs are added while the cluster is UNINITIALIZED, ACTIVE or DEGRADED${cluster.state === 'INITIALIZED' ? ' (activate it first with `cluster activate`)' : ''}`, 'INVALID_STATE');
    }
    const az = input.availabilityZone;
    const subnetId = az ? cluster.subnetMapping[az] : undefined;
    if (!subnetId) {
      throw invalid(op, `availability zone "${az}" is not in the cluster's SubnetMapping; choose one of ${Object.keys(cluster.subnetMapping).join(', ')}`);
    }
    // The subnet's state as fault injection left it (network/operations.ts): an HSM's ENI needs
    // the subnet to exist and hold a free address.
    const subnet = subnetIn(tx, cluster, az);
    if (subnet?.deleted) {
      throw invalid(op, `subnet ${subnetId} of availability zone ${az} was deleted, so no HSM can be created there; choose another zone, or \`subnet restore --subnet-id ${subnetId}\``, 'SUBNET_NOT_FOUND');
    }
    if (subnet && subnet.freeAddresses < 1) {
      throw invalid(op, `subnet ${subnetId} of availability zone ${az} has no free IP address for the HSM's network interface; free some (\`subnet free-addresses --subnet-id ${subnetId}\`) or choose another zone`, 'SUBNET_FULL');
    }
    if (cluster.hsms.length >= QUOTAS.hsmsPerCluster) {
      throw awsError('RESOURCE_LIMIT_EXCEEDED', 'CloudHsmResourceLimitExceededException', op, `a cluster holds at most ${QUOTAS.hsmsPerCluster} HSMs`);
    }
    const inRegion = listClusters(tx)
      .filter((c) => c.region === cluster.region && c.state !== 'DELETED')
      .reduce((n, c) => n + c.hsms.length, 0);
    if (inRegion >= QUOTAS.hsmsPerRegion) {
      throw awsError('RESOURCE_LIMIT_EXCEEDED', 'CloudHsmResourceLimitExceededException', op, `the quota of ${QUOTAS.hsmsPerRegion} HSMs in ${cluster.region} is reached; delete an HSM first`);
    }
    const prefix = cluster.subnetPrefixes[az]!;
    const used = new Set(cluster.hsms.map((h) => h.eniIp));
    let eniIp = input.ipAddress;
    if (eniIp !== undefined) {
      const m = /^(\d{1,3}\.\d{1,3}\.\d{1,3})\.(\d{1,3})$/.exec(eniIp);
      if (!m || m[1] !== prefix || Number(m[2]) < 4 || Number(m[2]) > 254) {
        throw invalid(op, `IpAddress ${eniIp} is not a usable address of subnet ${subnetId} (${prefix}.0/24; .4 to .254)`);
      }
      if (used.has(eniIp)) throw invalid(op, `IpAddress ${eniIp} is already used by another HSM`);
    } else {
      for (let host = 10 + (ctx.random(1)[0]! % 200); ; host = host >= 254 ? 4 : host + 1) {
        if (!used.has(`${prefix}.${host}`)) {
          eniIp = `${prefix}.${host}`;
          break;
        }
      }
    }
    const hsm: HsmRecord = {
      hsmId: base32Id('hsm', ctx.random),
      availabilityZone: az,
      subnetId,
      eniId: hexId('eni', ctx.random),
      eniIp,
      state: 'ACTIVE',
      stateMessage: 'HSM created.',
      serialNumber: hsmSerial(ctx.random),
      createdAt: ctx.now(),
    };
    let next: ClusterRecord = { ...cluster, hsms: [...cluster.hsms, hsm], hsmsCreated: cluster.hsmsCreated + 1 };
    const factory = cluster.state === 'UNINITIALIZED' && !cluster.sourceBackupId && !cluster.csrPem;
    if (cluster.state === 'UNINITIALIZED' && cluster.sourceBackupId) {
      // cluster.md §4.3, §8.5: a restored cluster's first HSM receives its source backup.
      next = restoreFromBackup(tx, ctx, next, cluster.sourceBackupId);
    } else if (factory) {
      // cluster.md §4.3: the first HSM starts in factory state: it makes the cluster key pair
      // and CSR and holds the pre-crypto-officer `admin` and the appliance user `app_user`.
      // (Prepared before the lock, unless another process changed the cluster in between.)
      const content = prepared.identity ? (prepared as Required<CreateHsmPrepared>) : await factoryContent(ctx, cluster.mode, cluster.preCoPassword);
      const identity = content.identity;
      next = { ...next, csrPem: identity.csrPem, partitionKeyPkcs8: identity.privateKeyPkcs8, nextUserId: 3 };
      const now = ctx.now();
      const admin: UserRecord = { id: 1, username: BUILTIN_ADMIN, role: 'unactivated-admin', passwordHash: content.preCoHash, failedLogins: 0, createdAt: now };
      const appliance: UserRecord = { id: 2, username: APPLIANCE_USER, role: 'internal(APPLIANCE_USER)', passwordHash: content.applianceHash, failedLogins: 0, createdAt: now };
      tx.put(storeKeys.user(cluster.clusterId, admin.username), admin);
      tx.put(storeKeys.user(cluster.clusterId, appliance.username), appliance);
    }
    // cluster.md §4.3: with no ACTIVE HSM to copy, an activated cluster's new HSM gets its newest backup.
    if (cluster.activatedAt) contentForNewHsm(tx, ctx, cluster);
    recordOn(tx, ctx, next, hsm, factory ? FACTORY_EVENTS : RESTORE_EVENTS);
    tx.put(storeKeys.cluster(cluster.clusterId), next);
    // cluster.md §8.1: adding an HSM to an ACTIVE cluster makes a backup (and restarts the daily
    // schedule of a cluster that had none); a restored cluster's schedule starts with its first HSM.
    if (cluster.activatedAt) takeBackup(tx, ctx, next);
    else if (next.activatedAt) scheduleHousekeeping(tx, ctx.now());
    return presentHsm(next, hsm, 'CREATE_IN_PROGRESS');
  },
});

/**
 * Puts the backup's users, keys and key-reference counter under `cluster` and takes its cluster
 * certificate, trust anchor and partition key: the cluster is ACTIVE, with no initialization or
 * activation (cluster.md §8.5).
 */
function restoreFromBackup(tx: Transaction, ctx: EngineContext, cluster: ClusterRecord, backupId: string): ClusterRecord {
  const parts = openBackup(tx, 'CreateHsm', backupId, ctx.store.readBackupFile(backupId));
  const payload = parts.payload as BackupPayload;
  // The values were just parsed from the backup and nothing else holds them: stored as they are.
  for (const [key, value] of payload.objects) tx.adopt(key.replace('/{cluster}/', `/${cluster.clusterId}/`), value);
  if (payload.keyCount !== undefined) restoreKeys(tx, cluster.clusterId, parts.attachment ?? Buffer.from('[]'), payload.keyCount);
  const source = payload.cluster;
  return {
    ...cluster,
    state: 'ACTIVE',
    activatedAt: ctx.now(),
    clusterCertificatePem: source.clusterCertificatePem,
    trustAnchorPem: source.trustAnchorPem,
    partitionKeyPkcs8: source.partitionKeyPkcs8,
    nextUserId: source.nextUserId,
  };
}

/**
 * The keys of a format-3 backup (its attachment: the JSON text of their [key, value] array, keys
 * relative) go into the new cluster's key collection as text, unparsed. Each key begins an entry,
 * so it follows `[` and a quote; a quote inside a JSON string is always escaped, so no value can
 * hold that sequence. The count of replacements must equal the backup's count of keys, or the
 * text is parsed and the keys put one by one.
 */
function restoreKeys(tx: Transaction, clusterId: string, json: Buffer, keyCount: number): void {
  const pieces = json.toString('utf8').split(`["${RELATIVE_KEY_PREFIX}`);
  const prefix = keyStoreKeys.prefix(clusterId);
  if (pieces.length - 1 === keyCount) {
    tx.loadCollection(prefix, Buffer.from(pieces.join(`["${prefix}`), 'utf8'));
    return;
  }
  for (const [key, value] of JSON.parse(json.toString('utf8')) as Array<[string, StoredValue]>) tx.adopt(key.replace(RELATIVE_KEY_PREFIX, prefix), value);
}

export interface DeleteHsmInput extends ClusterInput {
  hsmId?: string;
  eniId?: string;
  eniIp?: string;
}

export const deleteHsm = defineOperation({
  name: 'DeleteHsm',
  account: 'local',
  cluster: 'any',
  access: 'none',
  write: true,
  run: ({ tx, ctx, cluster }, input: DeleteHsmInput) => {
    const given = [input.hsmId, input.eniId, input.eniIp].filter((v) => v !== undefined);
    if (given.length !== 1) throw invalid('DeleteHsm', 'identify the HSM with exactly one of --hsm-id, --eni-id or --eni-ip');
    const hsm = cluster.hsms.find((h) => h.hsmId === input.hsmId || h.eniId === input.eniId || h.eniIp === input.eniIp);
    if (!hsm) {
      throw awsError('HSM_NOT_FOUND', 'CloudHsmResourceNotFoundException', 'DeleteHsm', `no HSM ${given[0]} in cluster ${cluster.clusterId}; \`hsm list\` shows its HSMs`);
    }
    // cluster.md §4.4, §8.1: removing an HSM from an ACTIVE cluster takes a backup first, of an
    // HSM that stays when there is one.
    if (cluster.activatedAt && activeHsms(cluster).length > 0) takeBackup(tx, ctx, cluster, { from: activeHsms(cluster).find((h) => h !== hsm) });
    // Deleting a failed HSM also ends its pending replacement, and maybe the cluster's DEGRADED state.
    tx.put(storeKeys.cluster(cluster.clusterId), settledState({ ...cluster, hsms: cluster.hsms.filter((h) => h !== hsm) }));
    return { HsmId: hsm.hsmId };
  },
});

export const listHsms = defineOperation({
  name: 'DescribeClusters',
  cluster: 'any',
  access: 'none',
  write: false,
  run: ({ cluster }) => ({ Hsms: cluster.hsms.map((h) => presentHsm(cluster, h)) }),
});

export const getCsr = defineOperation({
  name: 'DescribeClusters',
  cluster: 'any',
  access: 'none',
  write: false,
  run: ({ cluster }) => {
    if (cluster.state !== 'UNINITIALIZED') {
      throw invalid('DescribeClusters', `cluster ${cluster.clusterId} is ${cluster.state}: the CSR exists only while the cluster is UNINITIALIZED`, 'INVALID_STATE');
    }
    if (!cluster.csrPem) {
      throw invalid('DescribeClusters', `cluster ${cluster.clusterId} has no CSR yet: its first HSM produces it; run \`hsm create --availability-zone ${Object.keys(cluster.subnetMapping)[0]}\``, 'INVALID_STATE');
    }
    return { ClusterCsr: cluster.csrPem };
  },
});

export interface InitializeClusterInput extends ClusterInput {
  signedCertPem: string;
  trustAnchorPem: string;
}

export const initializeCluster = defineOperation({
  name: 'InitializeCluster',
  account: 'local',
  cluster: 'any',
  access: 'none',
  write: true,
  run: async ({ tx, cluster, record }, input: InitializeClusterInput) => {
    const op = 'InitializeCluster';
    if (cluster.state !== 'UNINITIALIZED') {
      throw invalid(op, `cluster ${cluster.clusterId} is ${cluster.state}; only an UNINITIALIZED cluster can be initialized`, 'INVALID_STATE');
    }
    if (activeHsms(cluster).length === 0 || !cluster.csrPem) {
      throw invalid(op, `cluster ${cluster.clusterId} has no ACTIVE HSM; create one, sign its CSR, then initialize`, 'INVALID_STATE');
    }
    try {
      await checkClusterCertificate(cluster.csrPem, input.signedCertPem, input.trustAnchorPem);
    } catch (err) {
      if (err instanceof HsmError) throw invalid(op, err.message, 'CERTIFICATE_REJECTED');
      throw err;
    }
    tx.put(storeKeys.cluster(cluster.clusterId), {
      ...cluster,
      state: 'INITIALIZED',
      clusterCertificatePem: input.signedCertPem,
      trustAnchorPem: input.trustAnchorPem,
    });
    // audit-log.md §4.1: initialization makes the key encryption key, on the cluster's first HSM.
    record([{ on: 'routed', event: { opcode: 'CN_GEN_KEY_ENC_KEY' } }]);
    return { State: 'INITIALIZE_IN_PROGRESS', StateMessage: 'Cluster is initializing. State will change to INITIALIZED upon completion.' };
  },
});

export interface ActivateClusterInput extends ClusterInput {
  password: string;
}

export const activateCluster = defineOperation({
  name: 'ActivateCluster',
  cluster: 'hsm',
  access: 'none',
  write: true,
  prepare: async (input: ActivateClusterInput, ctx) => {
    checkPassword(input.password);
    return hashPassword(input.password, ctx.random(16));
  },
  run: ({ tx, cluster, ctx, prepared, record }) => {
    if (cluster.activatedAt) {
      throw new HsmError('CLUSTER_ALREADY_ACTIVATED', `cluster ${cluster.clusterId} is already activated; log in as admin with \`login --username admin --role admin\``);
    }
    if (cluster.state !== 'INITIALIZED') {
      throw new HsmError('INVALID_STATE', `cluster ${cluster.clusterId} is ${cluster.state}; initialize it first: sign the CSR from \`cluster get-csr\` and run \`cluster initialize\``);
    }
    const key = storeKeys.user(cluster.clusterId, BUILTIN_ADMIN);
    const admin = tx.get<UserRecord>(key);
    if (!admin || admin.role !== 'unactivated-admin') {
      throw new HsmError('INVALID_STATE', `cluster ${cluster.clusterId} has no unactivated admin to activate`);
    }
    tx.put(key, { ...admin, role: 'admin', passwordHash: prepared, failedLogins: 0 });
    const active: ClusterRecord = { ...cluster, state: 'ACTIVE', activatedAt: ctx.now() };
    tx.put(storeKeys.cluster(cluster.clusterId), active);
    // audit-log.md §4.1: activation is the pre-crypto-officer's password change.
    record([{ on: 'all', event: { opcode: 'CN_CHANGE_PSWD', user: { name: BUILTIN_ADMIN, type: 'CN_CRYPTO_PRE_OFFICER' } } }]);
    // cluster.md §8.1: activation makes the cluster's first backup.
    takeBackup(tx, ctx, active);
    return 'Cluster activation successful';
  },
});

/** cli-commands.md §3.2. Model and firmware strings for hsm2m.medium are [uncertain]. */
export const hsmInfo = defineOperation({
  name: 'GetHsmInfo',
  cluster: 'hsm',
  access: 'none',
  write: false,
  run: ({ cluster }) => {
    const hsm1 = cluster.hsmType === 'hsm1.medium';
    return {
      hsms: activeHsms(cluster).map((h) => ({
        vendor: 'Marvell Semiconductors, Inc.',
        model: hsm1 ? 'NITROX-III CNN35XX-NFBE' : 'LS2-NFBE-FW',
        'serial-number': h.serialNumber,
        'hardware-version-major': hsm1 ? '5' : '6',
        'hardware-version-minor': hsm1 ? '3' : '0',
        'firmware-version-major': hsm1 ? '2' : '3',
        'firmware-version-minor': hsm1 ? '6' : '0',
        'firmware-build-number': hsm1 ? '16' : '1',
        'firmware-id': hsm1 ? 'CNN35XX-NFBE-FW-2.06-16' : 'LS2-NFBE-FW-3.00-01',
        'fips-state': cluster.mode === 'FIPS' ? '2 [FIPS mode with single factor authentication]' : '0 [non-FIPS mode with single factor authentication]',
      })),
    };
  },
});

