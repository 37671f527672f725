/**
 * AWS KMS custom key stores backed by a cluster (kms-custom-key-store.md §1-5, §8): create,
 * describe, update, delete, connect and disconnect, with the service's rules and exceptions.
 *
 * A key store is KMS metadata in the same state as the cluster. Connecting logs in to the cluster
 * as the `kmsuser` crypto user with the password KMS holds (a wrong one counts toward its lockout,
 * as any login does), then rotates that password to a random one only KMS knows (§3.2), so that
 * while the store is CONNECTED nobody else can log in as `kmsuser`. [emulator rule] The connection
 * is made within the ConnectCustomKeyStore call: the CONNECTING state AWS shows while it works is
 * over by the time the caller first describes the store (§3.1 allows resolving on the next read).
 */
import type { EngineContext } from '../context.js';
import { HsmError, awsError, type ErrorCode, type KmsErrorType } from '../errors.js';
import { defineOperation, type ClusterInput, type OperationEnv } from '../engine.js';
import { activeHsms, storeKeys, type ClusterRecord } from '../cluster/model.js';
import type { ReadView } from '../store/index.js';
import { recordEvents, userEvent, type PlannedEvent } from '../audit/record.js';
import { isLoggedInElsewhere, verifyCredentials, type SessionRecord } from '../users/authentication.js';
import { hashPassword } from '../users/password.js';
import type { UserRecord } from '../users/rules.js';
import { keyStoreKeys } from './model.js';
import { attemptConnection, clusterSubnets, networkProblem } from '../network/model.js';
import { authorizeInAccount, type KmsCaller } from './access.js';

export { keyStoreKeys } from './model.js';

export type ConnectionState = 'CONNECTED' | 'CONNECTING' | 'FAILED' | 'DISCONNECTED' | 'DISCONNECTING';
/** §4, for CloudHSM key stores. */
export type ConnectionErrorCode =
  | 'INVALID_CREDENTIALS'
  | 'USER_LOCKED_OUT'
  | 'USER_NOT_FOUND'
  | 'USER_LOGGED_IN'
  | 'CLUSTER_NOT_FOUND'
  | 'INSUFFICIENT_CLOUDHSM_HSMS'
  | 'INSUFFICIENT_FREE_ADDRESSES_IN_SUBNET'
  | 'SUBNET_NOT_FOUND'
  | 'NETWORK_ERRORS'
  | 'INTERNAL_ERROR';

/** The crypto user KMS logs in as (§2.1). */
export const KMS_USER = 'kmsuser';
/** §8: custom key stores per account and Region. */
export const MAX_KEY_STORES = 10;

export interface KeyStoreRecord {
  id: string;
  name: string;
  clusterId: string;
  trustAnchorPem: string;
  state: ConnectionState;
  errorCode?: ConnectionErrorCode;
  createdAt: number;
  /** The kmsuser password KMS holds: never returned (§1.1), kept only in the sealed state. */
  kmsuserPassword: string;
}

/** DescribeCustomKeyStores' entry (§1.1). */
export interface CustomKeyStoreView {
  CustomKeyStoreId: string;
  CustomKeyStoreName: string;
  CustomKeyStoreType: 'AWS_CLOUDHSM';
  CloudHsmClusterId: string;
  TrustAnchorCertificate: string;
  ConnectionState: ConnectionState;
  ConnectionErrorCode?: ConnectionErrorCode;
  CreationDate: Date;
}

function kmsError(code: ErrorCode, type: KmsErrorType, operation: string, message: string): HsmError {
  return awsError(code, type, operation, message);
}

function present(store: KeyStoreRecord): CustomKeyStoreView {
  return {
    CustomKeyStoreId: store.id,
    CustomKeyStoreName: store.name,
    CustomKeyStoreType: 'AWS_CLOUDHSM',
    CloudHsmClusterId: store.clusterId,
    TrustAnchorCertificate: store.trustAnchorPem,
    ConnectionState: store.state,
    ...(store.state === 'FAILED' && store.errorCode ? { ConnectionErrorCode: store.errorCode } : {}),
    CreationDate: new Date(store.createdAt),
  };
}

function allStores(view: ReadView): KeyStoreRecord[] {
  return view.list<KeyStoreRecord>(keyStoreKeys.prefix).map(([, s]) => s);
}

function findStore(view: ReadView, id: string, operation: string): KeyStoreRecord {
  const store = typeof id === 'string' ? view.get<KeyStoreRecord>(keyStoreKeys.store(id)) : undefined;
  if (!store) throw kmsError('KEY_STORE_NOT_FOUND', 'CustomKeyStoreNotFoundException', operation, `Custom key store ${id} does not exist. Run \`kms describe-custom-key-stores\` to see the key stores.`);
  return store;
}

function checkName(name: unknown, operation: string): string {
  if (typeof name !== 'string' || name.length < 1 || name.length > 256) {
    throw kmsError('INVALID_ARGUMENT', 'ValidationException', operation, 'CustomKeyStoreName must be 1 to 256 characters long');
  }
  return name;
}

/** §2.1 [emulator rule]: 7-32 printable ASCII characters. */
function checkKeyStorePassword(password: unknown, operation: string): string {
  if (typeof password !== 'string' || password.length < 7 || password.length > 32 || !/^[\x20-\x7e]+$/.test(password)) {
    throw kmsError('INVALID_ARGUMENT', 'ValidationException', operation, 'KeyStorePassword must be the kmsuser password: 7 to 32 printable ASCII characters');
  }
  return password;
}

/** The PEM's base64 body, so that line breaks and trailing whitespace do not matter. */
function pemBody(pem: string): string {
  return pem.replace(/-----[^-]+-----/g, '').replace(/\s+/g, '');
}

/**
 * The cluster by ID, or the KMS exception for a missing one (a DELETED cluster is missing). KMS in
 * one Region sees the clusters of that Region only (§2): given the request's Region, a cluster of
 * another is missing too.
 */
function kmsCluster(view: ReadView, clusterId: unknown, operation: string, requestRegion: string | undefined): ClusterRecord {
  const cluster = typeof clusterId === 'string' ? view.get<ClusterRecord>(storeKeys.cluster(clusterId)) : undefined;
  if (!cluster || cluster.state === 'DELETED') {
    throw kmsError('CLUSTER_NOT_FOUND', 'CloudHsmClusterNotFoundException', operation, `AWS CloudHSM cluster ${String(clusterId)} not found. Run \`cluster list\` to see the clusters.`);
  }
  if (requestRegion !== undefined && cluster.region !== requestRegion) {
    throw kmsError(
      'CLUSTER_NOT_FOUND',
      'CloudHsmClusterNotFoundException',
      operation,
      `AWS CloudHSM cluster ${cluster.clusterId} not found in ${requestRegion}: it is in ${cluster.region}, and a key store uses a cluster of its own Region. Send the request to ${cluster.region}`,
    );
  }
  return cluster;
}

/** The Region a request was sent to (the endpoint's SigV4 credential scope, the CLI's --region); when given, the cluster must be in it. */
interface RegionInput {
  requestRegion?: string;
}

/** §2 and §5: an ACTIVE cluster with subnets in two Availability Zones or more, and two ACTIVE HSMs in different ones. */
function requireKeyStoreCluster(view: ReadView, cluster: ClusterRecord, operation: string): void {
  if (cluster.state !== 'ACTIVE') {
    throw kmsError('CLUSTER_NOT_ACTIVE', 'CloudHsmClusterNotActiveException', operation, `AWS CloudHSM cluster ${cluster.clusterId} is ${cluster.state}, not ACTIVE; initialize and activate it first`);
  }
  // Subnets fault injection deleted (network/operations.ts) cover no Availability Zone.
  const subnets = clusterSubnets(view, cluster).filter((s) => !s.deleted).length;
  if (subnets < 2) {
    throw kmsError(
      'CLUSTER_INVALID_CONFIGURATION',
      'CloudHsmClusterInvalidConfigurationException',
      operation,
      `AWS CloudHSM cluster ${cluster.clusterId} has subnets in ${subnets} Availability Zone; a key store needs subnets in at least two. Use a cluster created with \`cluster create --availability-zones\` naming two or more`,
    );
  }
  const zones = new Set(activeHsms(cluster).map((h) => h.availabilityZone));
  if (zones.size < 2) {
    throw kmsError(
      'CLUSTER_INVALID_CONFIGURATION',
      'CloudHsmClusterInvalidConfigurationException',
      operation,
      `AWS CloudHSM cluster ${cluster.clusterId} needs at least two ACTIVE HSMs in different Availability Zones; it has ${activeHsms(cluster).length} in ${zones.size}. Add one with \`hsm create --availability-zone AZ\``,
    );
  }
}

export interface CreateKeyStoreInput extends ClusterInput, RegionInput, KmsCaller {
  CustomKeyStoreName: string;
  CloudHsmClusterId: string;
  KeyStorePassword: string;
  TrustAnchorCertificate: string;
}

/** CreateCustomKeyStore (§2): checks in the spec's order; an identical DISCONNECTED store is returned as it is. */
export const createKeyStore = defineOperation({
  name: 'CreateCustomKeyStore',
  cluster: 'none',
  access: 'none',
  write: true,
  run: ({ tx, ctx }, input: CreateKeyStoreInput): { CustomKeyStoreId: string } => {
    const operation = 'CreateCustomKeyStore';
    authorizeInAccount(input, 'kms:CreateCustomKeyStore', operation);
    const name = checkName(input.CustomKeyStoreName, operation);
    const password = checkKeyStorePassword(input.KeyStorePassword, operation);
    if (typeof input.TrustAnchorCertificate !== 'string' || input.TrustAnchorCertificate.length < 1 || input.TrustAnchorCertificate.length > 5000) {
      throw kmsError('INVALID_ARGUMENT', 'ValidationException', operation, 'TrustAnchorCertificate must be the PEM of the cluster\'s trust anchor (1 to 5000 characters)');
    }
    const stores = allStores(tx);
    const sameRegion = (s: KeyStoreRecord) => input.requestRegion === undefined || tx.get<ClusterRecord>(storeKeys.cluster(s.clusterId))?.region === input.requestRegion;
    const same = stores.find(
      (s) => s.state === 'DISCONNECTED' && s.name === name && s.clusterId === input.CloudHsmClusterId && pemBody(s.trustAnchorPem) === pemBody(input.TrustAnchorCertificate) && s.kmsuserPassword === password && sameRegion(s),
    );
    if (same) return { CustomKeyStoreId: same.id };
    const cluster = kmsCluster(tx, input.CloudHsmClusterId, operation, input.requestRegion);
    if (cluster.state !== 'ACTIVE') requireKeyStoreCluster(tx, cluster, operation);
    const lineage = (c: ClusterRecord | undefined) => c?.clusterCertificatePem;
    const inUse = stores.find((s) => s.clusterId === cluster.clusterId || (lineage(cluster) !== undefined && lineage(tx.get<ClusterRecord>(storeKeys.cluster(s.clusterId))) === lineage(cluster)));
    if (inUse) {
      throw kmsError('KEY_STORE_CLUSTER_IN_USE', 'CloudHsmClusterInUseException', operation, `AWS CloudHSM cluster ${cluster.clusterId} (or a cluster of its backup lineage) is already used by custom key store ${inUse.id}`);
    }
    requireKeyStoreCluster(tx, cluster, operation);
    if (!cluster.trustAnchorPem || pemBody(cluster.trustAnchorPem) !== pemBody(input.TrustAnchorCertificate)) {
      throw kmsError('INCORRECT_TRUST_ANCHOR', 'IncorrectTrustAnchorException', operation, `The trust anchor certificate is not the one cluster ${cluster.clusterId} was initialized with (the customerCA.crt given to \`cluster initialize\`)`);
    }
    if (stores.some((s) => s.name === name)) throw kmsError('KEY_STORE_NAME_IN_USE', 'CustomKeyStoreNameInUseException', operation, `A custom key store named ${name} already exists`);
    if (stores.length >= MAX_KEY_STORES) throw kmsError('KMS_LIMIT_EXCEEDED', 'LimitExceededException', operation, `There are already ${MAX_KEY_STORES} custom key stores, the quota; delete one first`);
    const id = `cks-${ctx.random(9).toString('hex').slice(0, 17)}`;
    tx.put(keyStoreKeys.store(id), { id, name, clusterId: cluster.clusterId, trustAnchorPem: input.TrustAnchorCertificate, state: 'DISCONNECTED', createdAt: ctx.now(), kmsuserPassword: password } satisfies KeyStoreRecord);
    return { CustomKeyStoreId: id };
  },
});

export interface DescribeKeyStoresInput extends ClusterInput, KmsCaller {
  CustomKeyStoreId?: string;
  CustomKeyStoreName?: string;
}

/** DescribeCustomKeyStores: all, or the one named by ID or name (a missing one is an exception). */
export const describeKeyStores = defineOperation({
  name: 'DescribeCustomKeyStores',
  cluster: 'none',
  access: 'none',
  write: false,
  run: ({ tx }, input: DescribeKeyStoresInput): { CustomKeyStores: CustomKeyStoreView[] } => {
    const operation = 'DescribeCustomKeyStores';
    authorizeInAccount(input, 'kms:DescribeCustomKeyStores', operation);
    if (input.CustomKeyStoreId !== undefined && input.CustomKeyStoreName !== undefined) {
      throw kmsError('INVALID_ARGUMENT', 'ValidationException', operation, 'Give CustomKeyStoreId or CustomKeyStoreName, not both');
    }
    const stores = allStores(tx).sort((a, b) => a.createdAt - b.createdAt);
    if (input.CustomKeyStoreId !== undefined) return { CustomKeyStores: [present(findStore(tx, input.CustomKeyStoreId, operation))] };
    if (input.CustomKeyStoreName !== undefined) {
      const store = stores.find((s) => s.name === input.CustomKeyStoreName);
      if (!store) throw kmsError('KEY_STORE_NOT_FOUND', 'CustomKeyStoreNotFoundException', operation, `There is no custom key store named ${input.CustomKeyStoreName}`);
      return { CustomKeyStores: [present(store)] };
    }
    return { CustomKeyStores: stores.map(present) };
  },
});

export interface UpdateKeyStoreInput extends ClusterInput, RegionInput, KmsCaller {
  CustomKeyStoreId: string;
  NewCustomKeyStoreName?: string;
  KeyStorePassword?: string;
  CloudHsmClusterId?: string;
}

/** UpdateCustomKeyStore (§5): a name in any state; the password and cluster only while DISCONNECTED. */
export const updateKeyStore = defineOperation({
  name: 'UpdateCustomKeyStore',
  cluster: 'none',
  access: 'none',
  write: true,
  run: ({ tx }, input: UpdateKeyStoreInput): Record<string, never> => {
    const operation = 'UpdateCustomKeyStore';
    authorizeInAccount(input, 'kms:UpdateCustomKeyStore', operation);
    const store = findStore(tx, input.CustomKeyStoreId, operation);
    const next: KeyStoreRecord = { ...store };
    if (input.NewCustomKeyStoreName !== undefined) {
      const name = checkName(input.NewCustomKeyStoreName, operation);
      if (allStores(tx).some((s) => s.id !== store.id && s.name === name)) throw kmsError('KEY_STORE_NAME_IN_USE', 'CustomKeyStoreNameInUseException', operation, `A custom key store named ${name} already exists`);
      next.name = name;
    }
    if ((input.KeyStorePassword !== undefined || input.CloudHsmClusterId !== undefined) && store.state !== 'DISCONNECTED') {
      throw kmsError('KEY_STORE_INVALID_STATE', 'CustomKeyStoreInvalidStateException', operation, `Custom key store ${store.id} is ${store.state}: its password and cluster change only while it is DISCONNECTED; disconnect it first`);
    }
    if (input.KeyStorePassword !== undefined) next.kmsuserPassword = checkKeyStorePassword(input.KeyStorePassword, operation);
    if (input.CloudHsmClusterId !== undefined && input.CloudHsmClusterId !== store.clusterId) {
      const cluster = kmsCluster(tx, input.CloudHsmClusterId, operation, input.requestRegion);
      const current = tx.get<ClusterRecord>(storeKeys.cluster(store.clusterId));
      if (!cluster.clusterCertificatePem || cluster.clusterCertificatePem !== current?.clusterCertificatePem) {
        throw kmsError('CLUSTER_NOT_RELATED', 'CloudHsmClusterNotRelatedException', operation, `AWS CloudHSM cluster ${cluster.clusterId} is not related to ${store.clusterId}: give a cluster restored from a backup of it`);
      }
      requireKeyStoreCluster(tx, cluster, operation);
      next.clusterId = cluster.clusterId;
    }
    tx.put(keyStoreKeys.store(store.id), next);
    return {};
  },
});

/** DeleteCustomKeyStore (§5): only DISCONNECTED, and holding no KMS keys; the cluster is untouched. */
export const deleteKeyStore = defineOperation({
  name: 'DeleteCustomKeyStore',
  cluster: 'none',
  access: 'none',
  write: true,
  run: ({ tx }, input: { CustomKeyStoreId: string; clusterId?: string } & KmsCaller): Record<string, never> => {
    const operation = 'DeleteCustomKeyStore';
    authorizeInAccount(input, 'kms:DeleteCustomKeyStore', operation);
    const store = findStore(tx, input.CustomKeyStoreId, operation);
    if (store.state !== 'DISCONNECTED') {
      throw kmsError('KEY_STORE_INVALID_STATE', 'CustomKeyStoreInvalidStateException', operation, `Custom key store ${store.id} is ${store.state}; disconnect it before deleting it`);
    }
    const keys = tx.list<{ customKeyStoreId?: string }>('kms/key/').filter(([, k]) => k.customKeyStoreId === store.id).length;
    if (keys > 0) {
      throw kmsError('KEY_STORE_HAS_KEYS', 'CustomKeyStoreHasCMKsException', operation, `Custom key store ${store.id} holds ${keys} KMS key(s), pending deletion ones included; delete them first`);
    }
    tx.delete(keyStoreKeys.store(store.id));
    return {};
  },
});

/** What connecting found before its transaction: the login's outcome and the new password's hash. */
interface ConnectPrepared {
  /** The quick checks passed when the request came: the connection attempt began (§3.1). */
  began?: boolean;
  /** The cluster's network stopped the attempt before KMS could log in (so it did not try). */
  unreachable?: boolean;
  failure?: ConnectionErrorCode;
  password?: string;
  passwordHash?: string;
}

/** §4: the connection error a kmsuser login refusal means. */
function connectionError(err: unknown): ConnectionErrorCode {
  const code = err instanceof HsmError ? err.code : undefined;
  if (code === 'USER_NOT_FOUND') return 'USER_NOT_FOUND';
  if (code === 'USER_LOCKED') return 'USER_LOCKED_OUT';
  if (code === 'CLUSTER_NOT_FOUND') return 'CLUSTER_NOT_FOUND';
  if (code === 'NO_ACTIVE_HSM') return 'INSUFFICIENT_CLOUDHSM_HSMS';
  if (code === 'LOGIN_FAILED' || code === 'ROLE_MISMATCH' || code === 'MFA_REQUIRED') return 'INVALID_CREDENTIALS';
  return 'INTERNAL_ERROR';
}

/**
 * ConnectCustomKeyStore (§3): the quick checks refuse at once; then KMS logs in as kmsuser with
 * the password it holds and rotates it. A failure leaves the store FAILED with its error code.
 */
export const connectKeyStore = defineOperation({
  name: 'ConnectCustomKeyStore',
  cluster: 'none',
  access: 'none',
  write: true,
  prepare: async (input: { CustomKeyStoreId: string; clusterId?: string } & KmsCaller, ctx: EngineContext): Promise<ConnectPrepared> => {
    // Before anything, as the login below counts toward kmsuser's lockout.
    authorizeInAccount(input, 'kms:ConnectCustomKeyStore', 'ConnectCustomKeyStore');
    const store = await ctx.store.read((view) => view.get<KeyStoreRecord>(keyStoreKeys.store(input.CustomKeyStoreId)));
    // The quick checks and the state rules are the transaction's; nothing to do ahead for those.
    if (!store || store.state !== 'DISCONNECTED') return {};
    const ready = await ctx.store.read((view) => {
      const cluster = view.get<ClusterRecord>(storeKeys.cluster(store.clusterId));
      if (cluster === undefined || cluster.state !== 'ACTIVE' || activeHsms(cluster).length === 0) return 'no';
      return networkProblem(view, cluster) ? 'unreachable' : 'yes';
    });
    if (ready === 'no') return {};
    // §3.2: KMS makes its ENIs in the cluster's subnets before it logs in; where that fails
    // (or the network does), no login is tried, so none counts toward kmsuser's lockout.
    if (ready === 'unreachable') return { began: true, unreachable: true };
    try {
      await verifyCredentials(ctx, store.clusterId, { username: KMS_USER, password: store.kmsuserPassword, role: 'crypto-user' });
    } catch (err) {
      return { began: true, failure: connectionError(err) };
    }
    // §3.2 step 4: a fresh random password only KMS knows.
    const password = ctx.random(24).toString('base64url').slice(0, 32);
    return { began: true, password, passwordHash: await hashPassword(password, ctx.random(16)) };
  },
  run: (env: OperationEnv<ConnectPrepared>, input): Record<string, never> => {
    const { tx, prepared } = env;
    const operation = 'ConnectCustomKeyStore';
    const store = findStore(tx, input.CustomKeyStoreId, operation);
    if (store.state === 'CONNECTED' || store.state === 'CONNECTING') return {};
    if (store.state !== 'DISCONNECTED') {
      throw kmsError('KEY_STORE_INVALID_STATE', 'CustomKeyStoreInvalidStateException', operation, `Custom key store ${store.id} is ${store.state}; disconnect it before connecting again`);
    }
    const cluster = tx.get<ClusterRecord>(storeKeys.cluster(store.clusterId));
    const fail = (errorCode: ConnectionErrorCode) => {
      tx.put(keyStoreKeys.store(store.id), { ...store, state: 'FAILED', errorCode } satisfies KeyStoreRecord);
      return {};
    };
    if (!cluster || cluster.state === 'DELETED') return fail('CLUSTER_NOT_FOUND');
    if (cluster.state !== 'ACTIVE') requireKeyStoreCluster(tx, cluster, operation);
    if (activeHsms(cluster).length === 0) {
      // §4: the last HSM went while KMS was connecting: the attempt fails; a request that finds
      // none to begin with is refused at once (§3.1 quick checks).
      if (prepared.began) return fail('INSUFFICIENT_CLOUDHSM_HSMS');
      throw kmsError('CLUSTER_INVALID_CONFIGURATION', 'CloudHsmClusterInvalidConfigurationException', operation, `AWS CloudHSM cluster ${cluster.clusterId} has no ACTIVE HSM; add one with \`hsm create\``);
    }
    // §3.2 step 2, §4: an ENI in each subnet of the cluster, over a network that works.
    const unreachable = attemptConnection(tx, cluster);
    if (unreachable) return fail(unreachable);
    // The network was fixed while KMS waited for the lock: this attempt did not log in (retry).
    if (prepared.unreachable) return fail('INTERNAL_ERROR');
    if (prepared.failure) return fail(prepared.failure);
    const key = storeKeys.user(cluster.clusterId, KMS_USER);
    const user = tx.get<UserRecord>(key);
    if (!user || !prepared.passwordHash) return fail(user ? 'INTERNAL_ERROR' : 'USER_NOT_FOUND');
    // §4: KMS cannot rotate the password of a kmsuser logged in somewhere else.
    if (isLoggedInElsewhere(tx, cluster.clusterId, KMS_USER)) return fail('USER_LOGGED_IN');
    tx.put(key, { ...user, passwordHash: prepared.passwordHash, failedLogins: 0 });
    // §3.2: KMS stays logged in as kmsuser while the store is CONNECTED.
    tx.put(storeKeys.session(cluster.clusterId, kmsSessionId(store.id)), { username: KMS_USER, role: 'crypto-user', pid: 0, since: env.ctx.now(), heldBy: `kms/${store.id}` } satisfies SessionRecord);
    recordOnCluster(env, cluster, [userEvent('CN_CHANGE_PSWD', KMS_USER, 'crypto-user')]);
    tx.put(keyStoreKeys.store(store.id), { ...store, state: 'CONNECTED', errorCode: undefined, kmsuserPassword: prepared.password! } satisfies KeyStoreRecord);
    return {};
  },
});

/** DisconnectCustomKeyStore (§3.3): from CONNECTED, CONNECTING or FAILED; KMS logs out of kmsuser. */
export const disconnectKeyStore = defineOperation({
  name: 'DisconnectCustomKeyStore',
  cluster: 'none',
  access: 'none',
  write: true,
  run: (env: OperationEnv<undefined>, input: { CustomKeyStoreId: string; clusterId?: string } & KmsCaller): Record<string, never> => {
    const { tx } = env;
    const operation = 'DisconnectCustomKeyStore';
    authorizeInAccount(input, 'kms:DisconnectCustomKeyStore', operation);
    const store = findStore(tx, input.CustomKeyStoreId, operation);
    if (store.state === 'DISCONNECTED' || store.state === 'DISCONNECTING') {
      throw kmsError('KEY_STORE_INVALID_STATE', 'CustomKeyStoreInvalidStateException', operation, `Custom key store ${store.id} is already ${store.state}`);
    }
    const cluster = tx.get<ClusterRecord>(storeKeys.cluster(store.clusterId));
    if (store.state === 'CONNECTED' && cluster && cluster.state !== 'DELETED') recordOnCluster(env, cluster, [{ ...userEvent('CN_LOGOUT', KMS_USER, 'crypto-user'), on: 'routed' }]);
    tx.delete(storeKeys.session(store.clusterId, kmsSessionId(store.id)));
    tx.put(keyStoreKeys.store(store.id), { ...store, state: 'DISCONNECTED', errorCode: undefined } satisfies KeyStoreRecord);
    return {};
  },
});

/** The login session KMS holds as kmsuser while the store is CONNECTED. */
const kmsSessionId = (storeId: string) => `kms-${storeId}`;

/** Writes audit events on `cluster`, which an operation that needs no cluster resolves itself. */
function recordOnCluster(env: OperationEnv<unknown>, cluster: ClusterRecord, plan: readonly PlannedEvent[]): void {
  recordEvents(env.tx, env.ctx, cluster, undefined, plan);
}
