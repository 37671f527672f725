/**
 * The local AWS endpoint (`serve`) driven by the real AWS SDK client for KMS: the key store story
 * (create, connect, create a key, encrypt, disconnect: refused with KMSInvalidStateException;
 * reconnect, decrypt), grants, key policies and tags, the exception names as the SDK raises them,
 * one log line per request, and a clean stop on SIGTERM.
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
  paginateListKeys,
  CreateGrantCommand,
  DescribeKeyCommand,
  GetKeyPolicyCommand,
  ListGrantsCommand,
  ListKeyPoliciesCommand,
  ListResourceTagsCommand,
  ListRetirableGrantsCommand,
  PutKeyPolicyCommand,
  RetireGrantCommand,
  RevokeGrantCommand,
  TagResourceCommand,
  UntagResourceCommand,
  UpdateKeyDescriptionCommand,
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
    // The SDK's paginator, a key a page: Limit and Marker go through the endpoint.
    const pages: string[][] = [];
    for await (const p of paginateListKeys({ client, pageSize: 1 }, {})) pages.push(p.Keys!.map((k) => k.KeyId!));
    assert.deepEqual(pages, [[KeyMetadata!.KeyId], [standard.KeyMetadata!.KeyId]]);
    assert.match(served.log(), /POST TrentService\.Encrypt 200 \d+ ms/);
    assert.match(served.log(), /POST TrentService\.Encrypt 400 KMSInvalidStateException \d+ ms/);
  });

  it('grants, key policies, tags and the description through the SDK, with the real exception names', async () => {
    const root = 'arn:aws:iam::000000000000:root';
    const app = 'arn:aws:iam::111122223333:role/app';
    const { KeyMetadata } = await client.send(new CreateKeyCommand({ Description: 'managed', Tags: [{ TagKey: 'team', TagValue: 'payments' }] }));
    const KeyId = KeyMetadata!.KeyId!;
    const first = await client.send(new CreateGrantCommand({ KeyId, GranteePrincipal: app, Operations: ['Encrypt', 'Decrypt'], RetiringPrincipal: root, Constraints: { EncryptionContextSubset: { dept: 'sales' } }, Name: 'job' }));
    const again = await client.send(new CreateGrantCommand({ KeyId, GranteePrincipal: app, Operations: ['Encrypt', 'Decrypt'], RetiringPrincipal: root, Constraints: { EncryptionContextSubset: { dept: 'sales' } }, Name: 'job' }));
    assert.equal(again.GrantId, first.GrantId);
    const second = await client.send(new CreateGrantCommand({ KeyId: KeyMetadata!.Arn, GranteePrincipal: app, Operations: ['DescribeKey'], GrantTokens: [first.GrantToken!] }));
    const page = await client.send(new ListGrantsCommand({ KeyId, Limit: 1 }));
    assert.equal(page.Truncated, true);
    assert.equal(page.Grants![0]!.GrantId, first.GrantId);
    assert.ok(page.Grants![0]!.CreationDate instanceof Date);
    assert.deepEqual(page.Grants![0]!.Constraints, { EncryptionContextSubset: { dept: 'sales' } });
    assert.equal((await client.send(new ListGrantsCommand({ KeyId, Marker: page.NextMarker }))).Grants![0]!.GrantId, second.GrantId);
    assert.equal((await client.send(new ListRetirableGrantsCommand({ RetiringPrincipal: root }))).Grants!.length, 1);
    await rejectsAs(client.send(new CreateGrantCommand({ KeyId, GranteePrincipal: app, Operations: ['Sign'] })), 'ValidationException');
    await rejectsAs(client.send(new RetireGrantCommand({ GrantToken: 'forged' })), 'InvalidGrantTokenException');
    await rejectsAs(client.send(new RevokeGrantCommand({ KeyId, GrantId: 'nope' })), 'InvalidGrantIdException');
    await client.send(new RetireGrantCommand({ GrantToken: first.GrantToken }));
    await client.send(new RevokeGrantCommand({ KeyId, GrantId: second.GrantId }));
    await rejectsAs(client.send(new RevokeGrantCommand({ KeyId, GrantId: second.GrantId! })), 'NotFoundException');
    assert.deepEqual((await client.send(new ListGrantsCommand({ KeyId }))).Grants, []);

    const policy = JSON.parse((await client.send(new GetKeyPolicyCommand({ KeyId, PolicyName: 'default' }))).Policy!) as { Statement: unknown[] };
    assert.deepEqual(policy.Statement, [{ Sid: 'Enable IAM User Permissions', Effect: 'Allow', Principal: { AWS: root }, Action: 'kms:*', Resource: '*' }]);
    assert.deepEqual((await client.send(new ListKeyPoliciesCommand({ KeyId }))).PolicyNames, ['default']);
    await rejectsAs(client.send(new GetKeyPolicyCommand({ KeyId, PolicyName: 'other' })), 'NotFoundException');
    await rejectsAs(client.send(new PutKeyPolicyCommand({ KeyId, Policy: '{"Statement": [' })), 'MalformedPolicyDocumentException');
    const denyEncrypt = JSON.stringify({ Statement: [{ Effect: 'Allow', Principal: { AWS: root }, Action: 'kms:*', Resource: '*' }, { Effect: 'Deny', Principal: '*', Action: 'kms:Encrypt', Resource: '*' }] });
    await client.send(new PutKeyPolicyCommand({ KeyId, Policy: denyEncrypt }));
    await rejectsAs(client.send(new EncryptCommand({ KeyId, Plaintext: new Uint8Array([1]) })), 'AccessDeniedException');
    await rejectsAs(client.send(new PutKeyPolicyCommand({ KeyId, Policy: JSON.stringify({ Statement: [{ Effect: 'Allow', Principal: { AWS: app }, Action: 'kms:*', Resource: '*' }] }) })), 'MalformedPolicyDocumentException');

    await client.send(new TagResourceCommand({ KeyId, Tags: [{ TagKey: 'env', TagValue: 'dev' }] }));
    await client.send(new UntagResourceCommand({ KeyId, TagKeys: ['team'] }));
    assert.deepEqual((await client.send(new ListResourceTagsCommand({ KeyId }))).Tags, [{ TagKey: 'env', TagValue: 'dev' }]);
    await rejectsAs(client.send(new TagResourceCommand({ KeyId, Tags: [{ TagKey: 'aws:owner', TagValue: 'x' }] })), 'TagException');
    await client.send(new UpdateKeyDescriptionCommand({ KeyId, Description: 'renamed' }));
    assert.equal((await client.send(new DescribeKeyCommand({ KeyId }))).KeyMetadata!.Description, 'renamed');
  });

  it('stops cleanly on SIGTERM', async () => {
    const exited = new Promise<number | null>((resolve) => served.process.once('exit', (code) => resolve(code)));
    served.process.kill('SIGTERM');
    assert.equal(await exited, 0);
  });
});
