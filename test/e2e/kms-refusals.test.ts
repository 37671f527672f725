/**
 * Every rule of kms-custom-key-store.md §2-6 that refuses something, through `serve` and the real
 * @aws-sdk/client-kms, showing the exception name the SDK raises (or, for §4, the
 * ConnectionErrorCode DescribeCustomKeyStores shows). One test per rule, the rule quoted in its
 * name. The situations are set up in the test process with the core operations on the same state
 * folder (as a CLI or shell beside `serve` would), the refusals asked for through the SDK.
 *
 * Each describe block has one state folder (a copy of a template cluster, about a millisecond),
 * one `serve` and the clusters it needs; its tests run in order on that state.
 *
 * Rules no local cause can break, so not tested here:
 * - §2 the cluster security group's TCP 2223-2225 rules (the emulator models no security group
 *   rules) and "anything else ⇒ KMSInternalException";
 * - §3.1 the CONNECTING and DISCONNECTING states: the emulator connects and disconnects within
 *   the call (§3.1 allows resolving on the next read), so no call ever finds a store in them;
 * - §4 INSUFFICIENT_CLOUDHSM_HSMS (with no ACTIVE HSM, ConnectCustomKeyStore's quick check
 *   refuses first with CloudHsmClusterInvalidConfigurationException, §3.1; the core tests the
 *   last HSM going while KMS connects) and INTERNAL_ERROR (a fault of KMS itself).
 * SUBNET_NOT_FOUND, INSUFFICIENT_FREE_ADDRESSES_IN_SUBNET and NETWORK_ERRORS come from the
 * emulator's fault injection in the cluster's network (`subnet delete`, `subnet
 * exhaust-addresses`, `network fail`: core/network/operations.ts), as §4's hooks ask.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import {
  CancelKeyDeletionCommand,
  ConnectCustomKeyStoreCommand,
  CreateCustomKeyStoreCommand,
  CreateKeyCommand,
  DecryptCommand,
  DeleteCustomKeyStoreCommand,
  DescribeCustomKeyStoresCommand,
  DescribeKeyCommand,
  DisableKeyCommand,
  DisableKeyRotationCommand,
  DisconnectCustomKeyStoreCommand,
  EnableKeyCommand,
  EnableKeyRotationCommand,
  EncryptCommand,
  GenerateDataKeyCommand,
  GenerateDataKeyPairCommand,
  GenerateDataKeyPairWithoutPlaintextCommand,
  GenerateMacCommand,
  GenerateRandomCommand,
  GetKeyRotationStatusCommand,
  KMSClient,
  ReEncryptCommand,
  ScheduleKeyDeletionCommand,
  SignCommand,
  UpdateCustomKeyStoreCommand,
  VerifyCommand,
  VerifyMacCommand,
  type CreateKeyCommandInput,
  type CustomKeyStoresListEntry,
} from '@aws-sdk/client-kms';
import type { EngineContext } from '../../src/core/context.js';
import { perform, type Caller } from '../../src/core/engine.js';
import { Store } from '../../src/core/store/index.js';
import { storeKeys, type ClusterRecord } from '../../src/core/cluster/model.js';
import { createCluster, createHsm, deleteCluster, deleteHsm } from '../../src/core/cluster/operations.js';
import { quickstart } from '../../src/core/cluster/quickstart.js';
import { failHsm } from '../../src/core/cluster/failure.js';
import { deleteSubnet, exhaustSubnetAddresses, failNetwork, freeSubnetAddresses, restoreSubnet } from '../../src/core/network/operations.js';
import { describeBackups } from '../../src/core/backups/operations.js';
import { advanceClock } from '../../src/core/time/operations.js';
import { changePassword, createUser, deleteUser, login, logout } from '../../src/core/users/operations.js';
import { deleteKey } from '../../src/core/keys/operations.js';
import { byReference } from '../../src/core/keys/selector.js';
import { keyStoreKeys, kmsKeys } from '../../src/core/kms/model.js';
import type { KeyStoreRecord } from '../../src/core/kms/key-stores.js';
import type { KmsKeyRecord } from '../../src/core/kms/keys.js';
import { startServe, type Served } from '../support/processes.js';
import { clusterFolder } from '../support/templates.js';

const PW = 'Kms-Pass-12';
const ADMIN_PW = 'Admin123!';
const text = (s: string) => new TextEncoder().encode(s);

/** One describe block's world: a state folder, `serve` on it, the SDK client, and the core on the same folder. */
interface World {
  served: Served;
  kms: KMSClient;
  ctx: EngineContext;
  /** The template cluster: ACTIVE, two HSMs in two AZs, crypto user kmsuser. */
  a: ClusterRecord;
}

async function world(): Promise<World> {
  const dir = await clusterFolder({ cryptoUsers: { kmsuser: PW } });
  const ctx: EngineContext = { store: await Store.open({ dir, lockTimeoutMs: 10_000 }), now: () => Date.now(), random: (n) => randomBytes(n) };
  const served = await startServe(dir);
  const kms = new KMSClient({ endpoint: served.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' }, maxAttempts: 1 });
  return { served, kms, ctx, a: await clusterOf(ctx, undefined) };
}

function stop(w: World | undefined): void {
  w?.kms.destroy();
  if (w && w.served.process.exitCode === null) w.served.process.kill('SIGKILL');
}

async function clusterOf(ctx: EngineContext, clusterId: string | undefined): Promise<ClusterRecord> {
  return ctx.store.read((view) => (clusterId ? view.get<ClusterRecord>(storeKeys.cluster(clusterId))! : view.list<ClusterRecord>(storeKeys.clusterPrefix)[0]![1]));
}

const admin = (clusterId: string): Caller & { clusterId: string } => ({ clusterId, credentials: { username: 'admin', password: ADMIN_PW, role: 'admin' } });

/** Another ACTIVE cluster in the folder (its own certificate, so another backup lineage). */
async function anotherCluster(ctx: EngineContext, options: { availabilityZones?: string[] } = {}): Promise<ClusterRecord> {
  const { cluster } = await quickstart(ctx, { password: ADMIN_PW, ...options });
  return clusterOf(ctx, cluster.ClusterId);
}

/** A cluster restored from the newest backup of `from`: same certificate, no HSM yet. */
async function relatedCluster(ctx: EngineContext, from: ClusterRecord): Promise<ClusterRecord> {
  const [backup] = (await perform(ctx, describeBackups, { clusterId: from.clusterId, states: ['READY'] })).Backups;
  const created = await perform(ctx, createCluster, { sourceBackupId: backup!.BackupId });
  return clusterOf(ctx, created.ClusterId);
}

async function addHsm(ctx: EngineContext, cluster: ClusterRecord, zone: string): Promise<void> {
  await perform(ctx, createHsm, { clusterId: cluster.clusterId, availabilityZone: zone });
}

async function removeHsm(ctx: EngineContext, clusterId: string, index = 0): Promise<string> {
  const hsm = (await clusterOf(ctx, clusterId)).hsms[index]!;
  await perform(ctx, deleteHsm, { clusterId, hsmId: hsm.hsmId });
  return hsm.availabilityZone;
}

/** The SDK raised `name` (the exception class AWS's JSON names), with HTTP 400. */
async function refused(attempt: Promise<unknown>, name: string, message?: RegExp): Promise<Error> {
  try {
    await attempt;
  } catch (err) {
    const e = err as Error & { $metadata?: { httpStatusCode?: number } };
    assert.equal(e.name, name, e.message);
    assert.equal(e.$metadata?.httpStatusCode, 400);
    if (message) assert.match(e.message, message);
    return e;
  }
  return assert.fail(`expected ${name}`);
}

async function storeEntry(w: World, id: string): Promise<CustomKeyStoresListEntry> {
  return (await w.kms.send(new DescribeCustomKeyStoresCommand({ CustomKeyStoreId: id }))).CustomKeyStores![0]!;
}

async function newStore(w: World, name: string, cluster: ClusterRecord, password = PW): Promise<string> {
  const { CustomKeyStoreId } = await w.kms.send(new CreateCustomKeyStoreCommand({ CustomKeyStoreName: name, CloudHsmClusterId: cluster.clusterId, KeyStorePassword: password, TrustAnchorCertificate: cluster.trustAnchorPem! }));
  return CustomKeyStoreId!;
}

const connect = (w: World, id: string) => w.kms.send(new ConnectCustomKeyStoreCommand({ CustomKeyStoreId: id }));
const disconnect = (w: World, id: string) => w.kms.send(new DisconnectCustomKeyStoreCommand({ CustomKeyStoreId: id }));

/** Connects `id` and says what DescribeCustomKeyStores then shows. */
async function connectAndLook(w: World, id: string): Promise<[string | undefined, string | undefined]> {
  await connect(w, id);
  const entry = await storeEntry(w, id);
  return [entry.ConnectionState, entry.ConnectionErrorCode];
}

describe('e2e: KMS refusals (kms-custom-key-store.md §2-6) through @aws-sdk/client-kms', function () {
  this.timeout(120_000);

  describe('§2 CreateCustomKeyStore', () => {
    let w: World;
    let b: ClusterRecord;
    let storeA: string;

    before(async () => {
      w = await world();
      b = await anotherCluster(w.ctx);
      storeA = await newStore(w, 'Store-A', w.a);
    });
    after(() => stop(w));

    it('"cluster exists in the same account and region" ⇒ CloudHsmClusterNotFoundException', async () => {
      const attempt = w.kms.send(new CreateCustomKeyStoreCommand({ CustomKeyStoreName: 'X', CloudHsmClusterId: 'cluster-234567abcde', KeyStorePassword: PW, TrustAnchorCertificate: w.a.trustAnchorPem! }));
      await refused(attempt, 'CloudHsmClusterNotFoundException', /cluster-234567abcde/);
      // "…and region": the Region is the request's SigV4 credential scope.
      const west = new KMSClient({ endpoint: w.served.endpoint, region: 'us-west-2', credentials: { accessKeyId: 'local', secretAccessKey: 'local' }, maxAttempts: 1 });
      try {
        const input = { CustomKeyStoreName: 'X', CloudHsmClusterId: w.a.clusterId, KeyStorePassword: PW, TrustAnchorCertificate: w.a.trustAnchorPem! };
        await refused(west.send(new CreateCustomKeyStoreCommand(input)), 'CloudHsmClusterNotFoundException', /not found in us-west-2: it is in us-east-1/);
        await refused(west.send(new UpdateCustomKeyStoreCommand({ CustomKeyStoreId: storeA, CloudHsmClusterId: b.clusterId })), 'CloudHsmClusterNotFoundException', /not found in us-west-2/);
      } finally {
        west.destroy();
      }
    });

    it('"cluster state is ACTIVE (created, initialized, activated)" ⇒ CloudHsmClusterNotActiveException', async () => {
      const created = await perform(w.ctx, createCluster, {});
      const attempt = w.kms.send(new CreateCustomKeyStoreCommand({ CustomKeyStoreName: 'X', CloudHsmClusterId: created.ClusterId, KeyStorePassword: PW, TrustAnchorCertificate: w.a.trustAnchorPem! }));
      await refused(attempt, 'CloudHsmClusterNotActiveException', /UNINITIALIZED/);
      await perform(w.ctx, deleteCluster, { clusterId: created.ClusterId });
    });

    it('"no other key store uses this cluster" ⇒ CloudHsmClusterInUseException (the same properties as a DISCONNECTED store give its ID instead)', async () => {
      assert.equal(await newStore(w, 'Store-A', w.a), storeA);
      await refused(newStore(w, 'Store-A2', w.a), 'CloudHsmClusterInUseException', new RegExp(storeA));
      await refused(newStore(w, 'Store-A', w.a, 'Other-Pass-1'), 'CloudHsmClusterInUseException');
    });

    it('"…or any cluster with the same cluster certificate (shared backup lineage)" ⇒ CloudHsmClusterInUseException', async () => {
      const restored = await relatedCluster(w.ctx, w.a);
      for (const zone of Object.keys(restored.subnetMapping).slice(0, 2)) await addHsm(w.ctx, restored, zone);
      assert.equal((await clusterOf(w.ctx, restored.clusterId)).state, 'ACTIVE');
      await refused(newStore(w, 'Restored', await clusterOf(w.ctx, restored.clusterId)), 'CloudHsmClusterInUseException', /lineage/);
      // Its HSMs would count toward the region's quota of HSMs.
      for (let i = 0; i < 2; i++) await removeHsm(w.ctx, restored.clusterId);
    });

    it('"cluster subnets cover ≥ 2 AZs" ⇒ CloudHsmClusterInvalidConfigurationException', async () => {
      const oneZone = await anotherCluster(w.ctx, { availabilityZones: [Object.keys(w.a.subnetMapping)[0]!] });
      assert.equal(oneZone.hsms.length, 2);
      await refused(newStore(w, 'One-Zone', oneZone), 'CloudHsmClusterInvalidConfigurationException', /subnets in 1 Availability Zone/);
    });

    it('"≥ 2 ACTIVE HSMs in different AZs" ⇒ CloudHsmClusterInvalidConfigurationException', async () => {
      const zone = await removeHsm(w.ctx, b.clusterId);
      await refused(newStore(w, 'Store-B', b), 'CloudHsmClusterInvalidConfigurationException', /two ACTIVE HSMs in different Availability Zones/);
      await addHsm(w.ctx, b, zone);
    });

    it('"TrustAnchorCertificate equals the cluster\'s trust anchor" ⇒ IncorrectTrustAnchorException', async () => {
      const attempt = w.kms.send(new CreateCustomKeyStoreCommand({ CustomKeyStoreName: 'Store-B', CloudHsmClusterId: b.clusterId, KeyStorePassword: PW, TrustAnchorCertificate: w.a.trustAnchorPem! }));
      await refused(attempt, 'IncorrectTrustAnchorException');
    });

    it('"name unused in account+region" ⇒ CustomKeyStoreNameInUseException', async () => {
      await refused(newStore(w, 'Store-A', b), 'CustomKeyStoreNameInUseException', /Store-A/);
    });

    it('"store count below quota" (10) ⇒ LimitExceededException', async () => {
      // Nine more stores, written straight to the state: ten clusters of ten lineages would cost ten quickstarts.
      const fake = Array.from({ length: 9 }, (_, i) => `cks-0000000000000000${i}`);
      await w.ctx.store.transact((tx) => {
        fake.forEach((id, i) => tx.put(keyStoreKeys.store(id), { id, name: id, clusterId: `cluster-gone${i}abcdef`, trustAnchorPem: 'x', state: 'DISCONNECTED', createdAt: 0, kmsuserPassword: PW } satisfies KeyStoreRecord));
      });
      await refused(newStore(w, 'Store-B', b), 'LimitExceededException', /10/);
      await w.ctx.store.transact((tx) => fake.forEach((id) => tx.delete(keyStoreKeys.store(id))));
      await newStore(w, 'Store-B', b);
    });

    it('"KeyStorePassword 7–32 printable ASCII characters" ⇒ ValidationException, without echoing it', async () => {
      for (const password of ['Short', 'x'.repeat(33), 'Tab\tin-it', 'Naïve-pass-1']) {
        const err = await refused(newStore(w, 'P', b, password), 'ValidationException', /7 to 32 printable ASCII/);
        assert.ok(!err.message.includes(password));
      }
    });
  });

  describe('§3 connecting and disconnecting', () => {
    let w: World;
    let store: string;

    before(async () => {
      w = await world();
      store = await newStore(w, 'Store', w.a);
    });
    after(() => stop(w));

    it('"store exists" ⇒ CustomKeyStoreNotFoundException (connect, disconnect, describe)', async () => {
      await refused(connect(w, 'cks-00000000000000000'), 'CustomKeyStoreNotFoundException');
      await refused(disconnect(w, 'cks-00000000000000000'), 'CustomKeyStoreNotFoundException');
      await refused(w.kms.send(new DescribeCustomKeyStoresCommand({ CustomKeyStoreName: 'Nope' })), 'CustomKeyStoreNotFoundException');
    });

    it('"DISCONNECTED / DISCONNECTING: DisconnectCustomKeyStore ⇒ CustomKeyStoreInvalidStateException"', async () => {
      await refused(disconnect(w, store), 'CustomKeyStoreInvalidStateException', /DISCONNECTED/);
    });

    it('"CONNECTED / CONNECTING: ConnectCustomKeyStore ⇒ unchanged (accepted, no-op)"', async () => {
      await connect(w, store);
      const before = await w.ctx.store.read((view) => view.get<KeyStoreRecord>(keyStoreKeys.store(store))!.kmsuserPassword);
      assert.deepEqual(await connectAndLook(w, store), ['CONNECTED', undefined]);
      // No second rotation of the kmsuser password.
      assert.equal(await w.ctx.store.read((view) => view.get<KeyStoreRecord>(keyStoreKeys.store(store))!.kmsuserPassword), before);
      await disconnect(w, store);
    });

    it('"FAILED / DISCONNECTING: ConnectCustomKeyStore ⇒ CustomKeyStoreInvalidStateException"; "a FAILED store must be disconnected before another connect attempt"', async () => {
      await w.kms.send(new UpdateCustomKeyStoreCommand({ CustomKeyStoreId: store, KeyStorePassword: 'Not-The-Pass-1' }));
      assert.deepEqual(await connectAndLook(w, store), ['FAILED', 'INVALID_CREDENTIALS']);
      await refused(connect(w, store), 'CustomKeyStoreInvalidStateException', /FAILED/);
      // CONNECTED / CONNECTING / FAILED: DisconnectCustomKeyStore is accepted.
      await disconnect(w, store);
      // The earlier connection rotated kmsuser's password: an admin sets a known one, and KMS is told.
      await perform(w.ctx, changePassword, { username: 'kmsuser', role: 'crypto-user', password: PW }, admin(w.a.clusterId));
      await w.kms.send(new UpdateCustomKeyStoreCommand({ CustomKeyStoreId: store, KeyStorePassword: PW }));
      assert.deepEqual(await connectAndLook(w, store), ['CONNECTED', undefined]);
      await disconnect(w, store);
    });

    it('quick check "cluster ACTIVE" ⇒ CloudHsmClusterNotActiveException, and the store stays DISCONNECTED', async () => {
      await perform(w.ctx, failHsm, { clusterId: w.a.clusterId, hsmId: w.a.hsms[0]!.hsmId, replaceAfterMinutes: 60 });
      assert.equal((await clusterOf(w.ctx, w.a.clusterId)).state, 'DEGRADED');
      await refused(connect(w, store), 'CloudHsmClusterNotActiveException', /DEGRADED/);
      assert.equal((await storeEntry(w, store)).ConnectionState, 'DISCONNECTED');
      await perform(w.ctx, advanceClock, { minutes: 61 });
      assert.deepEqual(await connectAndLook(w, store), ['CONNECTED', undefined]);
      await disconnect(w, store);
    });

    it('quick check "cluster has ≥ 1 ACTIVE HSM" ⇒ CloudHsmClusterInvalidConfigurationException', async () => {
      const zones = [await removeHsm(w.ctx, w.a.clusterId), await removeHsm(w.ctx, w.a.clusterId)];
      await refused(connect(w, store), 'CloudHsmClusterInvalidConfigurationException', /no ACTIVE HSM/);
      assert.equal((await storeEntry(w, store)).ConnectionState, 'DISCONNECTED');
      for (const zone of zones) await addHsm(w.ctx, w.a, zone);
      assert.deepEqual(await connectAndLook(w, store), ['CONNECTED', undefined]);
    });
  });

  describe('§4 ConnectionErrorCode (FAILED)', () => {
    let w: World;
    let store: string;
    const kmsuser = { username: 'kmsuser', role: 'crypto-user' as const };

    before(async () => {
      w = await world();
      store = await newStore(w, 'Store', w.a);
    });
    after(() => stop(w));

    /** After the cause is gone: disconnect, connect, CONNECTED; then disconnect again. */
    async function recovers(): Promise<void> {
      await disconnect(w, store);
      assert.deepEqual(await connectAndLook(w, store), ['CONNECTED', undefined]);
      await disconnect(w, store);
      // The connection rotated kmsuser's password; set a known one again and tell KMS.
      await perform(w.ctx, changePassword, { ...kmsuser, password: PW }, admin(w.a.clusterId));
      await w.kms.send(new UpdateCustomKeyStoreCommand({ CustomKeyStoreId: store, KeyStorePassword: PW }));
    }

    it('"INVALID_CREDENTIALS: stored kmsuser password does not match the cluster"', async () => {
      await perform(w.ctx, changePassword, { ...kmsuser, password: 'Changed-Pass-1' }, admin(w.a.clusterId));
      assert.deepEqual(await connectAndLook(w, store), ['FAILED', 'INVALID_CREDENTIALS']);
      await perform(w.ctx, changePassword, { ...kmsuser, password: PW }, admin(w.a.clusterId));
      await recovers();
    });

    it('"USER_LOCKED_OUT: kmsuser locked after too many failed logins"', async () => {
      for (let i = 0; i < 5; i++) await assert.rejects(perform(w.ctx, login, { clusterId: w.a.clusterId, credentials: { ...kmsuser, password: 'Wrong-Pass-1' } }));
      assert.deepEqual(await connectAndLook(w, store), ['FAILED', 'USER_LOCKED_OUT']);
      await perform(w.ctx, changePassword, { ...kmsuser, password: PW }, admin(w.a.clusterId));
      await recovers();
    });

    it('"USER_NOT_FOUND: no CU named kmsuser in the cluster"', async () => {
      await perform(w.ctx, deleteUser, kmsuser, admin(w.a.clusterId));
      assert.deepEqual(await connectAndLook(w, store), ['FAILED', 'USER_NOT_FOUND']);
      await perform(w.ctx, createUser, { ...kmsuser, password: PW }, admin(w.a.clusterId));
      await recovers();
    });

    it('"USER_LOGGED_IN: kmsuser is logged in from somewhere else"', async () => {
      const { session } = await perform(w.ctx, login, { clusterId: w.a.clusterId, credentials: { ...kmsuser, password: PW }, sessionPid: process.pid });
      assert.deepEqual(await connectAndLook(w, store), ['FAILED', 'USER_LOGGED_IN']);
      await perform(w.ctx, logout, { clusterId: w.a.clusterId }, { session });
      await recovers();
    });

    /** A subnet of the template cluster with no HSM in it. */
    const spareSubnet = () => Object.entries(w.a.subnetMapping).find(([az]) => !w.a.hsms.some((h) => h.availabilityZone === az))![1];

    it('"SUBNET_NOT_FOUND: a subnet in the cluster configuration was deleted" (fault injection: `subnet delete`); restored, it connects again', async () => {
      const subnetId = spareSubnet();
      await perform(w.ctx, deleteSubnet, { subnetId });
      assert.deepEqual(await connectAndLook(w, store), ['FAILED', 'SUBNET_NOT_FOUND']);
      await perform(w.ctx, restoreSubnet, { subnetId });
      await recovers();
    });

    it('"INSUFFICIENT_FREE_ADDRESSES_IN_SUBNET: a cluster subnet has no free IP for the KMS ENI" (fault injection: `subnet exhaust-addresses`); "free addresses; connect"', async () => {
      const subnetId = spareSubnet();
      await perform(w.ctx, exhaustSubnetAddresses, { subnetId });
      assert.deepEqual(await connectAndLook(w, store), ['FAILED', 'INSUFFICIENT_FREE_ADDRESSES_IN_SUBNET']);
      await perform(w.ctx, freeSubnetAddresses, { subnetId });
      await recovers();
    });

    it('"NETWORK_ERRORS: transient network problem" (fault injection: `network fail`); "disconnect, wait, reconnect"', async () => {
      await perform(w.ctx, failNetwork, { clusterId: w.a.clusterId });
      assert.deepEqual(await connectAndLook(w, store), ['FAILED', 'NETWORK_ERRORS']);
      // The fault was one attempt: it is spent.
      await recovers();
    });

    it('"CLUSTER_NOT_FOUND: no cluster with that ID (wrong ID or cluster deleted)"', async () => {
      const b = await anotherCluster(w.ctx);
      const other = await newStore(w, 'Store-B', b);
      for (const hsm of b.hsms) await perform(w.ctx, deleteHsm, { clusterId: b.clusterId, hsmId: hsm.hsmId });
      await perform(w.ctx, deleteCluster, { clusterId: b.clusterId });
      assert.deepEqual(await connectAndLook(w, other), ['FAILED', 'CLUSTER_NOT_FOUND']);
      // ConnectionErrorCode is shown only while FAILED.
      await disconnect(w, other);
      assert.deepEqual([(await storeEntry(w, other)).ConnectionState, (await storeEntry(w, other)).ConnectionErrorCode], ['DISCONNECTED', undefined]);
    });
  });

  describe('§5 UpdateCustomKeyStore and DeleteCustomKeyStore', () => {
    let w: World;
    let store: string;
    let b: ClusterRecord;

    before(async () => {
      w = await world();
      b = await anotherCluster(w.ctx);
      store = await newStore(w, 'Store-A', w.a);
      await newStore(w, 'Store-B', b);
      await connect(w, store);
    });
    after(() => stop(w));

    const update = (input: { NewCustomKeyStoreName?: string; KeyStorePassword?: string; CloudHsmClusterId?: string }, id = store) => w.kms.send(new UpdateCustomKeyStoreCommand({ CustomKeyStoreId: id, ...input }));

    it('"KeyStorePassword: allowed when DISCONNECTED" ⇒ CustomKeyStoreInvalidStateException', async () => {
      await refused(update({ KeyStorePassword: PW }), 'CustomKeyStoreInvalidStateException', /CONNECTED/);
    });

    it('"CloudHsmClusterId: allowed when DISCONNECTED" ⇒ CustomKeyStoreInvalidStateException', async () => {
      await refused(update({ CloudHsmClusterId: b.clusterId }), 'CustomKeyStoreInvalidStateException');
    });

    it('"NewCustomKeyStoreName: any state; must stay unique" ⇒ CustomKeyStoreNameInUseException', async () => {
      await refused(update({ NewCustomKeyStoreName: 'Store-B' }), 'CustomKeyStoreNameInUseException');
      await update({ NewCustomKeyStoreName: 'Renamed-While-Connected' });
      assert.equal((await storeEntry(w, store)).CustomKeyStoreName, 'Renamed-While-Connected');
    });

    it('an unknown store ⇒ CustomKeyStoreNotFoundException (update, delete)', async () => {
      await refused(update({ NewCustomKeyStoreName: 'X' }, 'cks-00000000000000000'), 'CustomKeyStoreNotFoundException');
      await refused(w.kms.send(new DeleteCustomKeyStoreCommand({ CustomKeyStoreId: 'cks-00000000000000000' })), 'CustomKeyStoreNotFoundException');
    });

    it('"DeleteCustomKeyStore: store must be DISCONNECTED" ⇒ CustomKeyStoreInvalidStateException', async () => {
      await refused(w.kms.send(new DeleteCustomKeyStoreCommand({ CustomKeyStoreId: store })), 'CustomKeyStoreInvalidStateException', /disconnect it/);
    });

    it('"DeleteCustomKeyStore: …and hold no KMS keys at all, including keys pending deletion" ⇒ CustomKeyStoreHasCMKsException', async () => {
      const { KeyMetadata } = await w.kms.send(new CreateKeyCommand({ Origin: 'AWS_CLOUDHSM', CustomKeyStoreId: store }));
      await disconnect(w, store);
      await refused(w.kms.send(new DeleteCustomKeyStoreCommand({ CustomKeyStoreId: store })), 'CustomKeyStoreHasCMKsException');
      // §6.4: deletion is scheduled while disconnected; the key still counts.
      await w.kms.send(new ScheduleKeyDeletionCommand({ KeyId: KeyMetadata!.KeyId, PendingWindowInDays: 7 }));
      await refused(w.kms.send(new DeleteCustomKeyStoreCommand({ CustomKeyStoreId: store })), 'CustomKeyStoreHasCMKsException', /pending deletion/);
    });

    it('"CloudHsmClusterId: new cluster must be related" ⇒ CloudHsmClusterNotRelatedException; an unknown one ⇒ CloudHsmClusterNotFoundException', async () => {
      await refused(update({ CloudHsmClusterId: b.clusterId }), 'CloudHsmClusterNotRelatedException', new RegExp(b.clusterId));
      await refused(update({ CloudHsmClusterId: 'cluster-234567abcde' }), 'CloudHsmClusterNotFoundException');
    });

    it('"…must also satisfy ACTIVE / ≥2 HSMs in different AZs" ⇒ CloudHsmClusterNotActiveException, CloudHsmClusterInvalidConfigurationException; then accepted', async () => {
      const restored = await relatedCluster(w.ctx, w.a);
      const zones = Object.keys(restored.subnetMapping);
      await addHsm(w.ctx, restored, zones[0]!);
      await refused(update({ CloudHsmClusterId: restored.clusterId }), 'CloudHsmClusterInvalidConfigurationException', /two ACTIVE HSMs/);
      await addHsm(w.ctx, restored, zones[1]!);
      const failing = (await clusterOf(w.ctx, restored.clusterId)).hsms[0]!;
      await perform(w.ctx, failHsm, { clusterId: restored.clusterId, hsmId: failing.hsmId, replaceAfterMinutes: 60 });
      await refused(update({ CloudHsmClusterId: restored.clusterId }), 'CloudHsmClusterNotActiveException', /DEGRADED/);
      await perform(w.ctx, advanceClock, { minutes: 61 });
      await update({ CloudHsmClusterId: restored.clusterId });
      assert.equal((await storeEntry(w, store)).CloudHsmClusterId, restored.clusterId);
    });
  });

  describe('§6 KMS keys in the store', () => {
    let w: World;
    let store: string;
    let key: string;
    let standard: string;
    const create = (input: CreateKeyCommandInput) => w.kms.send(new CreateKeyCommand(input));

    before(async () => {
      w = await world();
      store = await newStore(w, 'Store', w.a);
      await connect(w, store);
      key = (await create({ Origin: 'AWS_CLOUDHSM', CustomKeyStoreId: store })).KeyMetadata!.KeyId!;
      standard = (await create({})).KeyMetadata!.KeyId!;
    });
    after(() => stop(w));

    const inStore = { Origin: 'AWS_CLOUDHSM' as const, CustomKeyStoreId: '' };
    const storeKey = () => ({ ...inStore, CustomKeyStoreId: store });
    const encrypt = (keyId = key) => w.kms.send(new EncryptCommand({ KeyId: keyId, Plaintext: text('order 42') }));

    it('§6.1 "KeySpec must be SYMMETRIC_DEFAULT…; anything else (asymmetric…)" ⇒ UnsupportedOperationException', async () => {
      await refused(create({ ...storeKey(), KeySpec: 'RSA_2048', KeyUsage: 'SIGN_VERIFY' }), 'UnsupportedOperationException', /RSA_2048/);
      await refused(create({ ...storeKey(), KeySpec: 'ECC_NIST_P256', KeyUsage: 'SIGN_VERIFY' }), 'UnsupportedOperationException');
      await refused(create({ ...storeKey(), KeySpec: 'RSA_4096', KeyUsage: 'ENCRYPT_DECRYPT' }), 'UnsupportedOperationException');
    });

    it('§6.1 "…(…HMAC)" ⇒ UnsupportedOperationException', async () => {
      await refused(create({ ...storeKey(), KeySpec: 'HMAC_256', KeyUsage: 'GENERATE_VERIFY_MAC' }), 'UnsupportedOperationException', /HMAC_256/);
    });

    it('§6.1 "KeyUsage ENCRYPT_DECRYPT" ⇒ UnsupportedOperationException for another usage', async () => {
      await refused(create({ ...storeKey(), KeyUsage: 'SIGN_VERIFY' }), 'UnsupportedOperationException', /SIGN_VERIFY/);
    });

    it('§6.1 "MultiRegion=true" ⇒ UnsupportedOperationException', async () => {
      await refused(create({ ...storeKey(), MultiRegion: true }), 'UnsupportedOperationException', /Multi-Region/);
    });

    it('§6.2 "imported key material (EXTERNAL origin)" ⇒ UnsupportedOperationException', async () => {
      await refused(create({ Origin: 'EXTERNAL', CustomKeyStoreId: store }), 'UnsupportedOperationException', /EXTERNAL/);
      await refused(create({ Origin: 'EXTERNAL' }), 'UnsupportedOperationException');
    });

    it('§6.1 "Unknown store" ⇒ CustomKeyStoreNotFoundException', async () => {
      await refused(create({ ...inStore, CustomKeyStoreId: 'cks-00000000000000000' }), 'CustomKeyStoreNotFoundException');
    });

    it('§6.1 "Store must be CONNECTED" ⇒ CustomKeyStoreInvalidStateException', async () => {
      await disconnect(w, store);
      await refused(create(storeKey()), 'CustomKeyStoreInvalidStateException', /DISCONNECTED/);
      await connect(w, store);
    });

    it('§6.1 "Cluster must have ≥ 2 ACTIVE HSMs in different AZs" ⇒ CloudHsmClusterInvalidConfigurationException; existing keys still usable (§7)', async () => {
      const zone = await removeHsm(w.ctx, w.a.clusterId);
      await refused(create(storeKey()), 'CloudHsmClusterInvalidConfigurationException', /two ACTIVE HSMs/);
      await encrypt();
      await addHsm(w.ctx, w.a, zone);
    });

    it('§6.2 "automatic key rotation (EnableKeyRotation ⇒ UnsupportedOperationException)"; DisableKeyRotation too; GetKeyRotationStatus says false', async () => {
      await refused(w.kms.send(new EnableKeyRotationCommand({ KeyId: key })), 'UnsupportedOperationException', /AWS CloudHSM key store/);
      await refused(w.kms.send(new DisableKeyRotationCommand({ KeyId: key })), 'UnsupportedOperationException');
      await refused(w.kms.send(new EnableKeyRotationCommand({ KeyId: standard })), 'UnsupportedOperationException', /not supported by this local KMS/);
      assert.equal((await w.kms.send(new GetKeyRotationStatusCommand({ KeyId: key }))).KeyRotationEnabled, false);
      await refused(w.kms.send(new EnableKeyRotationCommand({ KeyId: 'alias/none' })), 'NotFoundException');
    });

    it('§6.2 "GenerateDataKeyPair, GenerateDataKeyPairWithoutPlaintext" ⇒ UnsupportedOperationException (a standard key makes the pair)', async () => {
      await refused(w.kms.send(new GenerateDataKeyPairCommand({ KeyId: key, KeyPairSpec: 'RSA_2048' })), 'UnsupportedOperationException', /custom key store/);
      await refused(w.kms.send(new GenerateDataKeyPairWithoutPlaintextCommand({ KeyId: key, KeyPairSpec: 'ECC_NIST_P256' })), 'UnsupportedOperationException', /custom key store/);
      const pair = await w.kms.send(new GenerateDataKeyPairWithoutPlaintextCommand({ KeyId: standard, KeyPairSpec: 'ECC_NIST_P256' }));
      assert.ok(pair.PrivateKeyCiphertextBlob && pair.PublicKey && !('PrivateKeyPlaintext' in pair));
    });

    it('§6.2 "Sign/Verify, GenerateMac/VerifyMac": a symmetric encryption key ⇒ InvalidKeyUsageException', async () => {
      const message = text('m');
      await refused(w.kms.send(new SignCommand({ KeyId: key, Message: message, SigningAlgorithm: 'RSASSA_PSS_SHA_256' })), 'InvalidKeyUsageException', /SIGN_VERIFY/);
      await refused(w.kms.send(new VerifyCommand({ KeyId: key, Message: message, Signature: message, SigningAlgorithm: 'RSASSA_PSS_SHA_256' })), 'InvalidKeyUsageException');
      await refused(w.kms.send(new GenerateMacCommand({ KeyId: key, Message: message, MacAlgorithm: 'HMAC_SHA_256' })), 'InvalidKeyUsageException', /GENERATE_VERIFY_MAC/);
      await refused(w.kms.send(new VerifyMacCommand({ KeyId: standard, Message: message, Mac: message, MacAlgorithm: 'HMAC_SHA_256' })), 'InvalidKeyUsageException');
    });

    it('§6.3 "key state Enabled (Disabled ⇒ DisabledException)"', async () => {
      await w.kms.send(new DisableKeyCommand({ KeyId: key }));
      await refused(encrypt(), 'DisabledException');
      await refused(w.kms.send(new GenerateDataKeyCommand({ KeyId: key, KeySpec: 'AES_256' })), 'DisabledException');
      await w.kms.send(new EnableKeyCommand({ KeyId: key }));
      await encrypt();
    });

    it('§6.3 "store CONNECTED" ⇒ KMSInvalidStateException (Encrypt, Decrypt, ReEncrypt, GenerateDataKey)', async () => {
      const sealed = await encrypt();
      await disconnect(w, store);
      await refused(encrypt(), 'KMSInvalidStateException', /DISCONNECTED/);
      await refused(w.kms.send(new DecryptCommand({ CiphertextBlob: sealed.CiphertextBlob })), 'KMSInvalidStateException');
      await refused(w.kms.send(new ReEncryptCommand({ CiphertextBlob: sealed.CiphertextBlob, DestinationKeyId: standard })), 'KMSInvalidStateException');
      await refused(w.kms.send(new GenerateDataKeyCommand({ KeyId: key, NumberOfBytes: 32 })), 'KMSInvalidStateException');
      await connect(w, store);
    });

    it('§6.3 "GenerateRandom with a CustomKeyStoreId … store must be CONNECTED" ⇒ CustomKeyStoreInvalidStateException; unknown ⇒ CustomKeyStoreNotFoundException', async () => {
      await disconnect(w, store);
      await refused(w.kms.send(new GenerateRandomCommand({ NumberOfBytes: 16, CustomKeyStoreId: store })), 'CustomKeyStoreInvalidStateException');
      await connect(w, store);
      await refused(w.kms.send(new GenerateRandomCommand({ NumberOfBytes: 16, CustomKeyStoreId: 'cks-00000000000000000' })), 'CustomKeyStoreNotFoundException');
    });

    it('§6.3 "GenerateDataKey: NumberOfBytes 1–1024 or KeySpec AES_128/AES_256"; "GenerateRandom: 1–1024 bytes" ⇒ ValidationException', async () => {
      await refused(w.kms.send(new GenerateDataKeyCommand({ KeyId: key, NumberOfBytes: 1025 })), 'ValidationException');
      await refused(w.kms.send(new GenerateDataKeyCommand({ KeyId: key, KeySpec: 'AES_512' as 'AES_256' })), 'ValidationException');
      await refused(w.kms.send(new GenerateRandomCommand({ NumberOfBytes: 0 })), 'ValidationException');
    });

    it('§6.3 "Decrypt … with KeyId it must match" ⇒ IncorrectKeyException', async () => {
      const sealed = await encrypt();
      await refused(w.kms.send(new DecryptCommand({ CiphertextBlob: sealed.CiphertextBlob, KeyId: standard })), 'IncorrectKeyException');
    });

    it('§6.3 a changed blob, another encryption context, or not a blob at all ⇒ InvalidCiphertextException', async () => {
      const sealed = await w.kms.send(new EncryptCommand({ KeyId: key, Plaintext: text('order 42'), EncryptionContext: { dept: 'sales' } }));
      const changed = new Uint8Array(sealed.CiphertextBlob!);
      changed[changed.length - 20]! ^= 1;
      await refused(w.kms.send(new DecryptCommand({ CiphertextBlob: changed, EncryptionContext: { dept: 'sales' } })), 'InvalidCiphertextException');
      await refused(w.kms.send(new DecryptCommand({ CiphertextBlob: sealed.CiphertextBlob, EncryptionContext: { dept: 'hr' } })), 'InvalidCiphertextException');
      await refused(w.kms.send(new DecryptCommand({ CiphertextBlob: sealed.CiphertextBlob })), 'InvalidCiphertextException');
      await refused(w.kms.send(new DecryptCommand({ CiphertextBlob: text('not a ciphertext blob at all') })), 'InvalidCiphertextException');
    });

    it('unknown key ID, ARN or alias ⇒ NotFoundException', async () => {
      await refused(w.kms.send(new DescribeKeyCommand({ KeyId: '00000000-0000-4000-8000-000000000000' })), 'NotFoundException');
      await refused(w.kms.send(new EncryptCommand({ KeyId: 'arn:aws:kms:us-east-1:000000000000:key/00000000-0000-4000-8000-000000000000', Plaintext: text('x') })), 'NotFoundException');
      await refused(w.kms.send(new EncryptCommand({ KeyId: 'alias/missing', Plaintext: text('x') })), 'NotFoundException');
    });

    it('§6.5 "ScheduleKeyDeletion waiting period 7–30 days" ⇒ ValidationException', async () => {
      await refused(w.kms.send(new ScheduleKeyDeletionCommand({ KeyId: key, PendingWindowInDays: 6 })), 'ValidationException', /7 to 30/);
      await refused(w.kms.send(new ScheduleKeyDeletionCommand({ KeyId: key, PendingWindowInDays: 31 })), 'ValidationException');
    });

    it('§6.3/§6.4 a key PendingDeletion: crypto, EnableKey, DisableKey and a second ScheduleKeyDeletion ⇒ KMSInvalidStateException; CancelKeyDeletion of a key not pending ⇒ KMSInvalidStateException', async () => {
      await refused(w.kms.send(new CancelKeyDeletionCommand({ KeyId: key })), 'KMSInvalidStateException', /not pending deletion/);
      await w.kms.send(new ScheduleKeyDeletionCommand({ KeyId: key, PendingWindowInDays: 7 }));
      await refused(encrypt(), 'KMSInvalidStateException', /pending deletion/);
      await refused(w.kms.send(new EnableKeyCommand({ KeyId: key })), 'KMSInvalidStateException');
      await refused(w.kms.send(new DisableKeyCommand({ KeyId: key })), 'KMSInvalidStateException');
      await refused(w.kms.send(new ScheduleKeyDeletionCommand({ KeyId: key, PendingWindowInDays: 7 })), 'KMSInvalidStateException');
      await w.kms.send(new CancelKeyDeletionCommand({ KeyId: key }));
      await w.kms.send(new EnableKeyCommand({ KeyId: key }));
      await encrypt();
    });

    it('§6.3 "cluster has ≥ 1 ACTIVE HSM" ⇒ KMSInvalidStateException', async () => {
      const cluster = await clusterOf(w.ctx, w.a.clusterId);
      for (const hsm of cluster.hsms) await perform(w.ctx, failHsm, { clusterId: cluster.clusterId, hsmId: hsm.hsmId, replaceAfterMinutes: 60 });
      await refused(encrypt(), 'KMSInvalidStateException', /no ACTIVE HSM/);
      // The service replaces them (from the newest backup, which holds the key: adding an HSM above made one).
      await perform(w.ctx, advanceClock, { minutes: 61 });
      await encrypt();
    });

    it('§6.3 "key material (by label/handle) present in the cluster — absent if deleted by a user" ⇒ KMSInvalidStateException, and DescribeKey shows Unavailable (§6.4)', async () => {
      const doomed = (await create(storeKey())).KeyMetadata!.KeyId!;
      const handle = await w.ctx.store.read((view) => view.get<KmsKeyRecord>(kmsKeys.key(doomed))!.keyReference!);
      // §6.5's manual way: disconnect, set a known kmsuser password, delete the handle as kmsuser, tell KMS, reconnect.
      await disconnect(w, store);
      await perform(w.ctx, changePassword, { username: 'kmsuser', role: 'crypto-user', password: PW }, admin(w.a.clusterId));
      await perform(w.ctx, deleteKey, { clusterId: w.a.clusterId, filter: byReference(handle) }, { credentials: { username: 'kmsuser', password: PW, role: 'crypto-user' } });
      await w.kms.send(new UpdateCustomKeyStoreCommand({ CustomKeyStoreId: store, KeyStorePassword: PW }));
      await connect(w, store);
      await refused(encrypt(doomed), 'KMSInvalidStateException', /no longer in cluster/);
      assert.equal((await w.kms.send(new DescribeKeyCommand({ KeyId: doomed }))).KeyMetadata!.KeyState, 'Unavailable');
      await encrypt();
    });
  });
});

