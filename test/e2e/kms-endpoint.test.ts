/**
 * The local AWS endpoint (`serve`) driven by the real AWS SDK client for KMS: the key store story
 * (create, connect, create a key, encrypt, disconnect: refused with KMSInvalidStateException;
 * reconnect, decrypt), the exception names as the SDK raises them, one log line per request, and
 * a clean stop on SIGTERM.
 */
import assert from 'node:assert/strict';
import {
  ConnectCustomKeyStoreCommand,
  CreateAliasCommand,
  GenerateRandomCommand,
  ListAliasesCommand,
  ReEncryptCommand,
  CreateCustomKeyStoreCommand,
  CreateKeyCommand,
  DecryptCommand,
  DescribeCustomKeyStoresCommand,
  DisconnectCustomKeyStoreCommand,
  EncryptCommand,
  GenerateDataKeyCommand,
  KMSClient,
  ListKeysCommand,
} from '@aws-sdk/client-kms';
import { Store } from '../../src/core/store/index.js';
import { storeKeys, type ClusterRecord } from '../../src/core/cluster/model.js';
import { startServe, type Served } from '../support/processes.js';
import { clusterFolder } from '../support/templates.js';

async function rejectsAs(attempt: Promise<unknown>, name: string): Promise<void> {
  try {
    await attempt;
  } catch (err) {
    assert.equal((err as Error).name, name, (err as Error).message);
    return;
  }
  assert.fail(`expected ${name}`);
}

describe('e2e: the AWS endpoint with @aws-sdk/client-kms', function () {
  this.timeout(120_000);
  let served: Served;
  let client: KMSClient;
  let dir: string;

  before(async () => {
    dir = await clusterFolder({ cryptoUsers: { kmsuser: 'Kms-Pass-12' } });
    served = await startServe(dir);
    client = new KMSClient({ endpoint: served.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
  });

  after(() => {
    client.destroy();
    if (served.process.exitCode === null) served.process.kill('SIGKILL');
  });

  it('the key store story through the SDK, and the real exception names', async () => {
    const cluster = await (await Store.open({ dir })).read((view) => view.list<ClusterRecord>(storeKeys.clusterPrefix)[0]![1]);
    await rejectsAs(
      client.send(new CreateCustomKeyStoreCommand({ CustomKeyStoreName: 'S', CloudHsmClusterId: cluster.clusterId, KeyStorePassword: 'Kms-Pass-12', TrustAnchorCertificate: 'not the anchor' })),
      'IncorrectTrustAnchorException',
    );
    const { CustomKeyStoreId } = await client.send(new CreateCustomKeyStoreCommand({ CustomKeyStoreName: 'S', CloudHsmClusterId: cluster.clusterId, KeyStorePassword: 'Kms-Pass-12', TrustAnchorCertificate: cluster.trustAnchorPem! }));
    await client.send(new ConnectCustomKeyStoreCommand({ CustomKeyStoreId }));
    const described = await client.send(new DescribeCustomKeyStoresCommand({ CustomKeyStoreId }));
    assert.equal(described.CustomKeyStores![0]!.ConnectionState, 'CONNECTED');
    assert.ok(described.CustomKeyStores![0]!.CreationDate instanceof Date);
    const { KeyMetadata } = await client.send(new CreateKeyCommand({ Origin: 'AWS_CLOUDHSM', CustomKeyStoreId, Description: 'sdk' }));
    assert.equal(KeyMetadata!.Origin, 'AWS_CLOUDHSM');
    const encrypted = await client.send(new EncryptCommand({ KeyId: KeyMetadata!.KeyId, Plaintext: new TextEncoder().encode('order 42'), EncryptionContext: { dept: 'sales' } }));
    const dataKey = await client.send(new GenerateDataKeyCommand({ KeyId: KeyMetadata!.Arn, KeySpec: 'AES_256' }));
    assert.equal(dataKey.Plaintext!.length, 32);
    await client.send(new DisconnectCustomKeyStoreCommand({ CustomKeyStoreId }));
    await rejectsAs(client.send(new EncryptCommand({ KeyId: KeyMetadata!.KeyId, Plaintext: new Uint8Array([1]) })), 'KMSInvalidStateException');
    await rejectsAs(client.send(new DecryptCommand({ CiphertextBlob: encrypted.CiphertextBlob, EncryptionContext: { dept: 'sales' } })), 'KMSInvalidStateException');
    await rejectsAs(client.send(new DisconnectCustomKeyStoreCommand({ CustomKeyStoreId })), 'CustomKeyStoreInvalidStateException');
    // The store holds the password the last connection rotated to: it connects again.
    await client.send(new ConnectCustomKeyStoreCommand({ CustomKeyStoreId }));
    const decrypted = await client.send(new DecryptCommand({ CiphertextBlob: encrypted.CiphertextBlob, EncryptionContext: { dept: 'sales' } }));
    assert.equal(new TextDecoder().decode(decrypted.Plaintext), 'order 42');
    await rejectsAs(client.send(new DecryptCommand({ CiphertextBlob: encrypted.CiphertextBlob, EncryptionContext: { dept: 'other' } })), 'InvalidCiphertextException');
    await rejectsAs(client.send(new EncryptCommand({ KeyId: '00000000-0000-4000-8000-000000000000', Plaintext: new Uint8Array([1]) })), 'NotFoundException');
    const standard = await client.send(new CreateKeyCommand({}));
    await client.send(new CreateAliasCommand({ AliasName: 'alias/standard', TargetKeyId: standard.KeyMetadata!.KeyId }));
    const moved = await client.send(new ReEncryptCommand({ CiphertextBlob: encrypted.CiphertextBlob, SourceEncryptionContext: { dept: 'sales' }, DestinationKeyId: 'alias/standard' }));
    assert.equal(moved.KeyId, standard.KeyMetadata!.Arn);
    assert.equal((await client.send(new ListAliasesCommand({}))).Aliases![0]!.AliasName, 'alias/standard');
    assert.equal((await client.send(new GenerateRandomCommand({ NumberOfBytes: 32, CustomKeyStoreId }))).Plaintext!.length, 32);
    assert.deepEqual((await client.send(new ListKeysCommand({}))).Keys!.map((k) => k.KeyId), [KeyMetadata!.KeyId, standard.KeyMetadata!.KeyId]);
    assert.match(served.log(), /POST TrentService\.Encrypt 200 \d+ ms/);
    assert.match(served.log(), /POST TrentService\.Encrypt 400 KMSInvalidStateException \d+ ms/);
  });

  it('stops cleanly on SIGTERM', async () => {
    const exited = new Promise<number | null>((resolve) => served.process.once('exit', (code) => resolve(code)));
    served.process.kill('SIGTERM');
    assert.equal(await exited, 0);
  });
});
