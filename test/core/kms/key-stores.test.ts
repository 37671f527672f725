/**
 * Custom key stores in the core (kms-custom-key-store.md §2-5): every refusal with the KMS
 * exception the real service raises, and the connection story: connect rotates the kmsuser
 * password, a wrong or locked kmsuser, a kmsuser logged in elsewhere or a missing one leaves the
 * store FAILED with its ConnectionErrorCode, and disconnecting clears it.
 */
import assert from 'node:assert/strict';
import { perform, type Caller } from '../../../src/core/engine.js';
import type { EngineContext } from '../../../src/core/context.js';
import { HsmError } from '../../../src/core/errors.js';
import { storeKeys, type ClusterRecord } from '../../../src/core/cluster/model.js';
import { createHsm, deleteHsm, listHsms } from '../../../src/core/cluster/operations.js';
import { changePassword, createUser, deleteUser, login, logout } from '../../../src/core/users/operations.js';
import { connectKeyStore, createKeyStore, deleteKeyStore, describeKeyStores, disconnectKeyStore, updateKeyStore } from '../../../src/core/kms/key-stores.js';
import { listAuditEvents } from '../../../src/core/audit/operations.js';
import { setStoreFaultHook } from '../../../src/core/store/faults.js';
import { runBin } from '../../support/helpers.js';
import { clusterContext } from '../../support/templates.js';

const ADMIN: Caller = { credentials: { username: 'admin', password: 'Admin123!', role: 'admin' } };
const KMSUSER_PW = 'Kms-User-Pass-1';

async function kmsRefusal(attempt: Promise<unknown>, type: string): Promise<HsmError> {
  try {
    await attempt;
  } catch (err) {
    assert.ok(err instanceof HsmError, String(err));
    assert.equal(err.aws?.type, type, err.message);
    return err;
  }
  assert.fail(`expected ${type}`);
}

describe('core/kms: custom key stores', function () {
  this.timeout(120_000);
  let ctx: EngineContext & { dir: string };
  let clusterId: string;
  let anchor: string;
  let storeId: string;

  const state = async () => (await perform(ctx, describeKeyStores, { CustomKeyStoreId: storeId })).CustomKeyStores[0]!;
  const loginAs = (password: string) => perform(ctx, login, { credentials: { username: 'kmsuser', password, role: 'crypto-user' } });

  before(async () => {
    ctx = await clusterContext({ cryptoUsers: { kmsuser: KMSUSER_PW } });
    const cluster = await ctx.store.read((view) => view.list<ClusterRecord>(storeKeys.clusterPrefix)[0]![1]);
    clusterId = cluster.clusterId;
    anchor = cluster.trustAnchorPem!;
  });

  it('CreateCustomKeyStore: each rule refuses with its exception; a new store is DISCONNECTED; the same request again returns it', async () => {
    const input = { CustomKeyStoreName: 'ExampleKeyStore', CloudHsmClusterId: clusterId, KeyStorePassword: KMSUSER_PW, TrustAnchorCertificate: anchor };
    await kmsRefusal(perform(ctx, createKeyStore, { ...input, CloudHsmClusterId: 'cluster-aaaaaaaaaaa' }), 'CloudHsmClusterNotFoundException');
    await kmsRefusal(perform(ctx, createKeyStore, { ...input, TrustAnchorCertificate: anchor.replace(/[A-Za-z](?=[^-]*-----END)/, (c) => (c === 'A' ? 'B' : 'A')) }), 'IncorrectTrustAnchorException');
    await kmsRefusal(perform(ctx, createKeyStore, { ...input, KeyStorePassword: 'short' }), 'ValidationException');
    ({ CustomKeyStoreId: storeId } = await perform(ctx, createKeyStore, input));
    assert.match(storeId, /^cks-[0-9a-f]{17}$/);
    assert.deepEqual(await perform(ctx, createKeyStore, input), { CustomKeyStoreId: storeId });
    await kmsRefusal(perform(ctx, createKeyStore, { ...input, CustomKeyStoreName: 'Other' }), 'CloudHsmClusterInUseException');
    const described = await state();
    assert.equal(described.ConnectionState, 'DISCONNECTED');
    assert.equal(described.CustomKeyStoreType, 'AWS_CLOUDHSM');
    assert.ok(!('KeyStorePassword' in described) && !JSON.stringify(described).includes(KMSUSER_PW), 'the password is never returned');
    await kmsRefusal(perform(ctx, describeKeyStores, { CustomKeyStoreId: 'cks-00000000000000000' }), 'CustomKeyStoreNotFoundException');
  });

  it('connecting logs in as kmsuser and rotates its password; while CONNECTED the password and cluster cannot change and the store cannot be deleted', async () => {
    await perform(ctx, connectKeyStore, { CustomKeyStoreId: storeId });
    assert.equal((await state()).ConnectionState, 'CONNECTED');
    await assert.rejects(loginAs(KMSUSER_PW), /wrong password/, 'the password KMS was given no longer works');
    const events = (await perform(ctx, listAuditEvents, {})).events.filter((e) => e.userName === 'kmsuser').map((e) => e.opcode.name);
    assert.ok(events.includes('CN_LOGIN') && events.includes('CN_CHANGE_PSWD'), events.join(' '));
    await perform(ctx, connectKeyStore, { CustomKeyStoreId: storeId }); // accepted, no change
    await kmsRefusal(perform(ctx, updateKeyStore, { CustomKeyStoreId: storeId, KeyStorePassword: KMSUSER_PW }), 'CustomKeyStoreInvalidStateException');
    await kmsRefusal(perform(ctx, deleteKeyStore, { CustomKeyStoreId: storeId }), 'CustomKeyStoreInvalidStateException');
    await perform(ctx, updateKeyStore, { CustomKeyStoreId: storeId, NewCustomKeyStoreName: 'Renamed' });
    assert.equal((await state()).CustomKeyStoreName, 'Renamed');
    await perform(ctx, disconnectKeyStore, { CustomKeyStoreId: storeId });
    assert.equal((await state()).ConnectionState, 'DISCONNECTED');
    await kmsRefusal(perform(ctx, disconnectKeyStore, { CustomKeyStoreId: storeId }), 'CustomKeyStoreInvalidStateException');
  });

  it('connection failures: INVALID_CREDENTIALS, USER_LOCKED_OUT, USER_LOGGED_IN, USER_NOT_FOUND; a FAILED store must be disconnected first', async () => {
    const fails = async (code: string) => {
      await perform(ctx, connectKeyStore, { CustomKeyStoreId: storeId });
      const described = await state();
      assert.equal(described.ConnectionState, 'FAILED');
      assert.equal(described.ConnectionErrorCode, code);
      await kmsRefusal(perform(ctx, connectKeyStore, { CustomKeyStoreId: storeId }), 'CustomKeyStoreInvalidStateException');
      await perform(ctx, disconnectKeyStore, { CustomKeyStoreId: storeId });
      assert.equal((await state()).ConnectionErrorCode, undefined);
    };
    // The store holds the rotated password; the customer sets a known one and tells KMS a wrong one.
    await perform(ctx, changePassword, { username: 'kmsuser', role: 'crypto-user', password: KMSUSER_PW }, ADMIN);
    await perform(ctx, updateKeyStore, { CustomKeyStoreId: storeId, KeyStorePassword: 'Wrong-Pass-1' });
    await fails('INVALID_CREDENTIALS');
    for (let i = 0; i < 4; i++) await fails(i < 3 ? 'INVALID_CREDENTIALS' : 'USER_LOCKED_OUT');
    await fails('USER_LOCKED_OUT');
    // Unlocked by an admin's reset; the store learns the password; kmsuser logged in elsewhere.
    await perform(ctx, changePassword, { username: 'kmsuser', role: 'crypto-user', password: KMSUSER_PW }, ADMIN);
    await perform(ctx, updateKeyStore, { CustomKeyStoreId: storeId, KeyStorePassword: KMSUSER_PW });
    const shell = (await perform(ctx, login, { credentials: { username: 'kmsuser', password: KMSUSER_PW, role: 'crypto-user' }, sessionPid: process.pid })).session!;
    await fails('USER_LOGGED_IN');
    await perform(ctx, logout, {}, { session: shell });
    await perform(ctx, deleteUser, { username: 'kmsuser', role: 'crypto-user' }, ADMIN);
    await fails('USER_NOT_FOUND');
    await perform(ctx, createUser, { username: 'kmsuser', role: 'crypto-user', password: KMSUSER_PW }, ADMIN);
    await perform(ctx, connectKeyStore, { CustomKeyStoreId: storeId });
    assert.equal((await state()).ConnectionState, 'CONNECTED');
    await perform(ctx, disconnectKeyStore, { CustomKeyStoreId: storeId });
  });

  it('a cluster with one ACTIVE HSM: a store can still connect, but none can be created on it or moved to it; deleting a DISCONNECTED store leaves the cluster', async () => {
    const hsms = (await perform(ctx, listHsms, {})).Hsms;
    await perform(ctx, deleteHsm, { hsmId: hsms[1]!.HsmId });
    await perform(ctx, deleteKeyStore, { CustomKeyStoreId: storeId });
    await kmsRefusal(perform(ctx, describeKeyStores, { CustomKeyStoreId: storeId }), 'CustomKeyStoreNotFoundException');
    await kmsRefusal(
      perform(ctx, createKeyStore, { CustomKeyStoreName: 'One', CloudHsmClusterId: clusterId, KeyStorePassword: KMSUSER_PW, TrustAnchorCertificate: anchor }),
      'CloudHsmClusterInvalidConfigurationException',
    );
    await perform(ctx, createHsm, { availabilityZone: 'us-east-1c' });
    const { CustomKeyStoreId } = await perform(ctx, createKeyStore, { CustomKeyStoreName: 'Two', CloudHsmClusterId: clusterId, KeyStorePassword: KMSUSER_PW, TrustAnchorCertificate: anchor });
    assert.ok((await perform(ctx, listHsms, {})).Hsms.length === 2);
    await perform(ctx, deleteKeyStore, { CustomKeyStoreId });
  });

  it('the last HSM goes while KMS connects: FAILED with INSUFFICIENT_CLOUDHSM_HSMS; a cluster with none refuses the connect at once', async () => {
    const { CustomKeyStoreId } = await perform(ctx, createKeyStore, { CustomKeyStoreName: 'Race', CloudHsmClusterId: clusterId, KeyStorePassword: KMSUSER_PW, TrustAnchorCertificate: anchor });
    const hsms = (await perform(ctx, listHsms, {})).Hsms;
    await perform(ctx, deleteHsm, { hsmId: hsms[1]!.HsmId });
    // Another process deletes the last HSM after the request passed its checks, before KMS commits.
    let deleted = 0;
    setStoreFaultHook((step) => {
      if (step !== 'operation.prepared' || deleted++ > 0) return;
      const run = runBin(['hsm', 'delete', '--hsm-id', hsms[0]!.HsmId], { env: { CLOUDHSM_STATE_DIR: ctx.dir } });
      assert.equal(run.status, 0, run.stderr);
    });
    try {
      await perform(ctx, connectKeyStore, { CustomKeyStoreId });
    } finally {
      setStoreFaultHook(undefined);
    }
    const failed = (await perform(ctx, describeKeyStores, { CustomKeyStoreId })).CustomKeyStores[0]!;
    assert.equal(failed.ConnectionState, 'FAILED');
    assert.equal(failed.ConnectionErrorCode, 'INSUFFICIENT_CLOUDHSM_HSMS');
    await perform(ctx, disconnectKeyStore, { CustomKeyStoreId });
    await kmsRefusal(perform(ctx, connectKeyStore, { CustomKeyStoreId }), 'CloudHsmClusterInvalidConfigurationException');
    assert.equal((await perform(ctx, describeKeyStores, { CustomKeyStoreId })).CustomKeyStores[0]!.ConnectionState, 'DISCONNECTED');
    await perform(ctx, createHsm, { availabilityZone: 'us-east-1a' });
    await perform(ctx, createHsm, { availabilityZone: 'us-east-1b' });
    await perform(ctx, deleteKeyStore, { CustomKeyStoreId });
  });
});
