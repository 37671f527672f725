/**
 * The custom key store story of issue 11, end to end: the AWS SDK clients against `serve`, the
 * CLI as the cluster's operator beside it, one state folder.
 *
 * Create the key store; connect (kmsuser's password changes); create a key; encrypt; disconnect
 * (encrypt and decrypt now fail with KMSInvalidStateException); delete an HSM so that one
 * remains; add one back; lock kmsuser out (connect fails with USER_LOCKED_OUT); unlock; connect;
 * decrypt the earlier ciphertext.
 *
 * One remaining HSM is enough to connect (KMS: "for ConnectCustomKeyStore, the cluster must
 * contain at least one active HSM"), but not to create a key (two in different AZs), so the story
 * shows CreateKey refused there. INSUFFICIENT_CLOUDHSM_HSMS is the failure of a connection
 * attempt whose cluster loses its last HSM; test/core/kms/key-stores.test.ts forces it.
 */
import assert from 'node:assert/strict';
import { CloudHSMV2Client, CreateHsmCommand, DeleteHsmCommand, DescribeClustersCommand } from '@aws-sdk/client-cloudhsm-v2';
import {
  ConnectCustomKeyStoreCommand,
  CreateCustomKeyStoreCommand,
  CreateKeyCommand,
  DecryptCommand,
  DescribeCustomKeyStoresCommand,
  DescribeKeyCommand,
  DisconnectCustomKeyStoreCommand,
  EncryptCommand,
  KMSClient,
  UpdateCustomKeyStoreCommand,
} from '@aws-sdk/client-kms';
import { storeKeys, type ClusterRecord } from '../../src/core/cluster/model.js';
import { Store } from '../../src/core/store/index.js';
import { LOCKOUT_THRESHOLD, type UserRecord } from '../../src/core/users/rules.js';
import { runBin } from '../support/helpers.js';
import { startServe, type Served } from '../support/processes.js';
import { clusterFolder } from '../support/templates.js';

const KMSUSER_PW = 'Kms-Pass-12';
const ADMIN = { CLOUDHSM_ROLE: 'admin', CLOUDHSM_PIN: 'admin:Admin123!' };

async function rejectsAs(attempt: Promise<unknown>, name: string): Promise<void> {
  await assert.rejects(attempt, (err: Error) => {
    assert.equal(err.name, name, err.message);
    return true;
  });
}

describe('e2e: the custom key store story through the AWS SDKs and the CLI', function () {
  this.timeout(120_000);
  let served: Served;
  let dir: string;
  let kms: KMSClient;
  let hsm: CloudHSMV2Client;

  before(async () => {
    dir = await clusterFolder({ cryptoUsers: { kmsuser: KMSUSER_PW } });
    served = await startServe(dir);
    const client = { endpoint: served.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } };
    kms = new KMSClient(client);
    hsm = new CloudHSMV2Client(client);
  });

  after(() => {
    kms.destroy();
    hsm.destroy();
    if (served.process.exitCode === null) served.process.kill('SIGKILL');
  });

  it('create, connect, encrypt, disconnect, lose and add an HSM, lock kmsuser out, unlock, reconnect and decrypt', async () => {
    const env = { CLOUDHSM_STATE_DIR: dir };
    const cluster = (await hsm.send(new DescribeClustersCommand({}))).Clusters![0]!;
    const clusterId = cluster.ClusterId!;
    const kmsuserHash = async () => (await (await Store.open({ dir })).read((view) => view.get<UserRecord>(storeKeys.user(clusterId, 'kmsuser'))))!.passwordHash;
    const storeState = async () => (await kms.send(new DescribeCustomKeyStoresCommand({ CustomKeyStoreId }))).CustomKeyStores![0]!;
    const anchor = (await (await Store.open({ dir })).read((view) => view.get<ClusterRecord>(storeKeys.cluster(clusterId))))!.trustAnchorPem!;

    // Create the key store; connect: KMS rotates kmsuser's password.
    const { CustomKeyStoreId } = await kms.send(new CreateCustomKeyStoreCommand({ CustomKeyStoreName: 'story', CloudHsmClusterId: clusterId, KeyStorePassword: KMSUSER_PW, TrustAnchorCertificate: anchor }));
    const before = await kmsuserHash();
    await kms.send(new ConnectCustomKeyStoreCommand({ CustomKeyStoreId }));
    assert.equal((await storeState()).ConnectionState, 'CONNECTED');
    assert.notEqual(await kmsuserHash(), before, 'connecting changed the kmsuser password');

    // Create a key (kmsuser's key in the cluster, labelled with its ARN); encrypt.
    const { KeyMetadata } = await kms.send(new CreateKeyCommand({ Origin: 'AWS_CLOUDHSM', CustomKeyStoreId }));
    const keyId = KeyMetadata!.KeyId!;
    const context = { order: '42' };
    const { CiphertextBlob } = await kms.send(new EncryptCommand({ KeyId: keyId, Plaintext: new TextEncoder().encode('the earlier secret'), EncryptionContext: context }));

    // Disconnect: encrypt and decrypt fail, the key is Unavailable.
    await kms.send(new DisconnectCustomKeyStoreCommand({ CustomKeyStoreId }));
    await rejectsAs(kms.send(new EncryptCommand({ KeyId: keyId, Plaintext: new Uint8Array([1]) })), 'KMSInvalidStateException');
    await rejectsAs(kms.send(new DecryptCommand({ CiphertextBlob, EncryptionContext: context })), 'KMSInvalidStateException');
    assert.equal((await kms.send(new DescribeKeyCommand({ KeyId: keyId }))).KeyMetadata!.KeyState, 'Unavailable');

    // Delete an HSM so that one remains: KMS connects with one, but creates no key on it.
    const hsms = cluster.Hsms!;
    assert.equal(hsms.length, 2);
    await hsm.send(new DeleteHsmCommand({ ClusterId: clusterId, HsmId: hsms[1]!.HsmId }));
    await kms.send(new ConnectCustomKeyStoreCommand({ CustomKeyStoreId }));
    assert.equal((await storeState()).ConnectionState, 'CONNECTED');
    await rejectsAs(kms.send(new CreateKeyCommand({ Origin: 'AWS_CLOUDHSM', CustomKeyStoreId })), 'CloudHsmClusterInvalidConfigurationException');
    await kms.send(new DisconnectCustomKeyStoreCommand({ CustomKeyStoreId }));
    // Add one back (in another AZ): the key's material is synced to it.
    await hsm.send(new CreateHsmCommand({ ClusterId: clusterId, AvailabilityZone: hsms[1]!.AvailabilityZone }));

    // Lock kmsuser out: the operator (or an attacker) guesses its password from the CLI.
    for (let i = 0; i < LOCKOUT_THRESHOLD; i++) {
      const guess = runBin(['key', 'list'], { env: { ...env, CLOUDHSM_ROLE: 'crypto-user', CLOUDHSM_PIN: `kmsuser:wrong-guess-${i}` } });
      assert.notEqual(guess.status, 0);
    }
    await kms.send(new ConnectCustomKeyStoreCommand({ CustomKeyStoreId }));
    const locked = await storeState();
    assert.equal(locked.ConnectionState, 'FAILED');
    assert.equal(locked.ConnectionErrorCode, 'USER_LOCKED_OUT');

    // Unlock (spec §4's fix): disconnect; an admin resets kmsuser's password; KMS is told it; connect.
    await kms.send(new DisconnectCustomKeyStoreCommand({ CustomKeyStoreId }));
    const reset = runBin(['user', 'change-password', '--username', 'kmsuser', '--role', 'crypto-user', '--password-stdin'], { env: { ...env, ...ADMIN }, input: 'Kms-Pass-New-3\n' });
    assert.equal(reset.status, 0, reset.stderr);
    await kms.send(new UpdateCustomKeyStoreCommand({ CustomKeyStoreId, KeyStorePassword: 'Kms-Pass-New-3' }));
    await kms.send(new ConnectCustomKeyStoreCommand({ CustomKeyStoreId }));
    assert.equal((await storeState()).ConnectionState, 'CONNECTED');

    // Decrypt the earlier ciphertext, on the cluster whose HSMs changed meanwhile.
    const { Plaintext, KeyId } = await kms.send(new DecryptCommand({ CiphertextBlob, EncryptionContext: context }));
    assert.equal(new TextDecoder().decode(Plaintext), 'the earlier secret');
    assert.equal(KeyId, KeyMetadata!.Arn);
    assert.equal((await kms.send(new DescribeKeyCommand({ KeyId: keyId }))).KeyMetadata!.KeyState, 'Enabled');
  });
});
