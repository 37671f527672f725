/**
 * The `kms` custom key store commands (kms-custom-key-store.md §2-5): the AWS shapes in the
 * envelope, the exception names in refusals, readable text, and the trust anchor given as
 * file://PATH as the AWS CLI takes it.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { Store } from '../../src/core/store/index.js';
import { storeKeys, type ClusterRecord } from '../../src/core/cluster/model.js';
import { COMMAND_LOADERS, type CommandId } from '../../src/registry.js';
import { runCommand, tempDir } from '../support/helpers.js';
import { clusterFolder } from '../support/templates.js';

/** A copy of the template cluster (kmsuser's password Kms-Pass-12), a DISCONNECTED key store on it, and `run` for a command that must succeed. */
async function withKeyStore() {
  const dir = await clusterFolder({ cryptoUsers: { kmsuser: 'Kms-Pass-12' } });
  const env = { CLOUDHSM_STATE_DIR: dir };
  const cluster = await (await Store.open({ dir })).read((view) => view.list<ClusterRecord>(storeKeys.clusterPrefix)[0]![1]);
  const run = async (id: CommandId, argv: string[]) => {
    const r = await runCommand(id, [...argv, '--json'], { env });
    assert.equal(r.exitCode, 0, r.stdout + r.stderr);
    return r.json.data;
  };
  const store = (await run('kms:create-custom-key-store', ['--custom-key-store-name', 'S', '--cloud-hsm-cluster-id', cluster.clusterId, '--key-store-password', 'Kms-Pass-12', '--trust-anchor-certificate', cluster.trustAnchorPem!])).CustomKeyStoreId as string;
  return { env, cluster, run, store };
}

describe('commands: kms custom key stores', function () {
  this.timeout(60_000);

  it('create, describe, connect, disconnect, update and delete, with the real exceptions', async () => {
    const dir = await clusterFolder({ cryptoUsers: { kmsuser: 'Kms-Pass-12' } });
    const env = { CLOUDHSM_STATE_DIR: dir };
    const cluster = await (await Store.open({ dir })).read((view) => view.list<ClusterRecord>(storeKeys.clusterPrefix)[0]![1]);
    const ca = path.join(tempDir(), 'customerCA.crt');
    fs.writeFileSync(ca, cluster.trustAnchorPem!);
    const create = (extra: string[]) =>
      runCommand('kms:create-custom-key-store', ['--custom-key-store-name', 'ExampleKeyStore', '--cloud-hsm-cluster-id', cluster.clusterId, '--key-store-password', 'Kms-Pass-12', ...extra, '--json'], { env });
    const wrongCa = await create(['--trust-anchor-certificate', path.join(dir, '..', 'missing.crt')]);
    assert.equal(wrongCa.exitCode, 1);
    assert.match(wrongCa.json.data, /cannot read --trust-anchor-certificate/);
    const elsewhere = await create(['--trust-anchor-certificate', `file://${ca}`, '--region', 'eu-west-1']);
    assert.match(elsewhere.json.data, /\(CloudHsmClusterNotFoundException\).*not found in eu-west-1: it is in us-east-1/);
    const created = await create(['--trust-anchor-certificate', `file://${ca}`, '--region', 'us-east-1']);
    assert.equal(created.exitCode, 0, created.stdout);
    const id = created.json.data.CustomKeyStoreId as string;
    const described = await runCommand('kms:describe-custom-key-stores', ['--json'], { env });
    assert.deepEqual(Object.keys(described.json.data.CustomKeyStores[0]), ['CustomKeyStoreId', 'CustomKeyStoreName', 'CustomKeyStoreType', 'CloudHsmClusterId', 'TrustAnchorCertificate', 'ConnectionState', 'CreationDate']);
    const text = await runCommand('kms:describe-custom-key-stores', [], { env });
    assert.match(text.stdout, new RegExp(`^CustomKeyStoreId +CustomKeyStoreName +CloudHsmClusterId +ConnectionState +ConnectionErrorCode\\n${id} +ExampleKeyStore +${cluster.clusterId} +DISCONNECTED\\n$`));
    assert.equal((await runCommand('kms:connect-custom-key-store', ['--custom-key-store-id', id], { env })).stdout, `Custom key store ${id} connected.\n`);
    const refused = await runCommand('kms:delete-custom-key-store', ['--custom-key-store-id', id, '--json'], { env });
    assert.equal(refused.exitCode, 1);
    assert.equal(refused.json.code, 'KEY_STORE_INVALID_STATE');
    assert.match(refused.json.data, /^An error occurred \(CustomKeyStoreInvalidStateException\) when calling the DeleteCustomKeyStore operation: /);
    assert.deepEqual((await runCommand('kms:disconnect-custom-key-store', ['--custom-key-store-id', id, '--json'], { env })).json.data, {});
    assert.equal((await runCommand('kms:update-custom-key-store', ['--custom-key-store-id', id, '--new-custom-key-store-name', 'Dev', '--json'], { env })).exitCode, 0);
    assert.equal((await runCommand('kms:describe-custom-key-stores', ['--custom-key-store-name', 'Dev', '--json'], { env })).json.data.CustomKeyStores[0].CustomKeyStoreId, id);
    assert.deepEqual((await runCommand('kms:delete-custom-key-store', ['--custom-key-store-id', id, '--json'], { env })).json.data, {});
    const gone = await runCommand('kms:describe-custom-key-stores', ['--custom-key-store-id', id, '--json'], { env });
    assert.match(gone.json.data, /CustomKeyStoreNotFoundException/);
  });

  it('KMS keys: create-key in the store, encrypt a file, decrypt the base64 blob, make a data key; disconnected, encrypt fails with KMSInvalidStateException', async () => {
    const { env, cluster, run, store } = await withKeyStore();
    await run('kms:connect-custom-key-store', ['--custom-key-store-id', store]);
    const key = (await run('kms:create-key', ['--origin', 'AWS_CLOUDHSM', '--custom-key-store-id', store, '--description', 'orders'])).KeyMetadata;
    assert.equal(key.KeyState, 'Enabled');
    const file = path.join(tempDir(), 'order.txt');
    fs.writeFileSync(file, 'order 42');
    const encrypted = await run('kms:encrypt', ['--key-id', key.KeyId, '--plaintext', `fileb://${file}`, '--encryption-context', 'dept=sales']);
    assert.equal(encrypted.KeyId, key.Arn);
    const decrypted = await run('kms:decrypt', ['--ciphertext-blob', encrypted.CiphertextBlob, '--encryption-context', '{"dept":"sales"}']);
    assert.equal(Buffer.from(decrypted.Plaintext, 'base64').toString(), 'order 42');
    const dataKey = await run('kms:generate-data-key', ['--key-id', key.Arn, '--key-spec', 'AES_256']);
    assert.equal(Buffer.from(dataKey.Plaintext, 'base64').length, 32);
    assert.deepEqual(Object.keys(await run('kms:generate-data-key-without-plaintext', ['--key-id', key.KeyId, '--number-of-bytes', '16'])), ['CiphertextBlob', 'KeyId']);
    const pairRefused = await runCommand('kms:generate-data-key-pair', ['--key-id', key.KeyId, '--key-pair-spec', 'ECC_NIST_P256', '--json'], { env });
    assert.match(pairRefused.json.data, /UnsupportedOperationException.*custom key store/);
    const standard = (await run('kms:create-key', [])).KeyMetadata;
    const pair = await run('kms:generate-data-key-pair', ['--key-id', standard.KeyId, '--key-pair-spec', 'ECC_NIST_P384', '--encryption-context', 'app=pairs']);
    assert.deepEqual(Object.keys(pair), ['PrivateKeyCiphertextBlob', 'PrivateKeyPlaintext', 'PublicKey', 'KeyId', 'KeyPairSpec']);
    const opened = await run('kms:decrypt', ['--ciphertext-blob', pair.PrivateKeyCiphertextBlob, '--encryption-context', 'app=pairs']);
    assert.equal(opened.Plaintext, pair.PrivateKeyPlaintext);
    assert.deepEqual(Object.keys(await run('kms:generate-data-key-pair-without-plaintext', ['--key-id', standard.KeyId, '--key-pair-spec', 'ECC_NIST_P256'])), ['PrivateKeyCiphertextBlob', 'PublicKey', 'KeyId', 'KeyPairSpec']);
    await run('kms:disconnect-custom-key-store', ['--custom-key-store-id', store]);
    assert.equal((await run('kms:describe-key', ['--key-id', key.KeyId])).KeyMetadata.KeyState, 'Unavailable');
    const refused = await runCommand('kms:encrypt', ['--key-id', key.KeyId, '--plaintext', 'aGk=', '--json'], { env });
    assert.equal(refused.exitCode, 1);
    assert.match(refused.json.data, /^An error occurred \(KMSInvalidStateException\) when calling the Encrypt operation: /);
    const bad = await runCommand('kms:encrypt', ['--key-id', key.KeyId, '--plaintext', 'not base64!', '--json'], { env });
    assert.match(bad.json.data, /base64 text or fileb:\/\/PATH/);
    assert.deepEqual((await run('kms:list-keys', [])).Keys.map((k: { KeyId: string }) => k.KeyId), [key.KeyId, standard.KeyId]);
    // The waiting period ends while the store is disconnected: the material is orphaned, and listed.
    assert.equal((await runCommand('kms:list-orphaned-key-material', [], { env })).stdout, 'No orphaned key material.\n');
    await run('kms:schedule-key-deletion', ['--key-id', key.KeyId, '--pending-window-in-days', '7']);
    await run('clock:advance', ['--days', '8']);
    assert.match((await runCommand('kms:describe-key', ['--key-id', key.KeyId, '--json'], { env })).json.data, /NotFoundException/);
    const orphans = (await run('kms:list-orphaned-key-material', ['--custom-key-store-id', store])).OrphanedKeyMaterial;
    assert.deepEqual(orphans.map((o: { KeyId: string; CloudHsmClusterId: string; MaterialPresent: boolean }) => [o.KeyId, o.CloudHsmClusterId, o.MaterialPresent]), [[key.KeyId, cluster.clusterId, true]]);
    assert.match((await runCommand('kms:list-orphaned-key-material', [], { env })).stdout, new RegExp(`^KeyId +CloudHsmClusterId +KeyHandle +DeletionDate +MaterialPresent +Reason\n${key.KeyId} +${cluster.clusterId} +${orphans[0].KeyHandle} `));
  });

  it('fault injection: subnet delete | restore | exhaust-addresses | free-addresses and network fail | restore leave a connecting key store FAILED with the network ConnectionErrorCodes', async () => {
    const { env, cluster, run, store } = await withKeyStore();
    /** Connect, read the state and error code, disconnect. */
    const attempt = async () => {
      await run('kms:connect-custom-key-store', ['--custom-key-store-id', store]);
      const entry = (await run('kms:describe-custom-key-stores', ['--custom-key-store-id', store])).CustomKeyStores[0];
      await run('kms:disconnect-custom-key-store', ['--custom-key-store-id', store]);
      return `${entry.ConnectionState} ${entry.ConnectionErrorCode ?? ''}`.trim();
    };
    const listed = await runCommand('subnet:list', [], { env });
    assert.match(listed.stdout, /^SubnetId +AvailabilityZone +CidrBlock +VpcId +AvailableIpAddressCount +State +ClusterId\n/);
    const zones = new Set(cluster.hsms.map((h) => h.availabilityZone));
    const spare = Object.entries(cluster.subnetMapping).find(([az]) => !zones.has(az))!;
    const [az, subnet] = spare;

    const deleted = await runCommand('subnet:delete', ['--subnet-id', subnet], { env });
    assert.equal(deleted.stdout, `Subnet ${subnet} (${az}) of cluster ${cluster.clusterId} deleted (fault injection); \`subnet restore --subnet-id ${subnet}\` brings it back.\n`);
    assert.equal(await attempt(), 'FAILED SUBNET_NOT_FOUND');
    const noHsm = await runCommand('hsm:create', ['--availability-zone', az, '--json'], { env });
    assert.deepEqual([noHsm.exitCode, noHsm.json.code], [1, 'SUBNET_NOT_FOUND']);
    await run('subnet:restore', ['--subnet-id', subnet]);
    assert.equal(await attempt(), 'CONNECTED');

    assert.equal((await run('subnet:exhaust-addresses', ['--subnet-id', subnet])).Subnet.AvailableIpAddressCount, 0);
    assert.equal(await attempt(), 'FAILED INSUFFICIENT_FREE_ADDRESSES_IN_SUBNET');
    assert.match((await runCommand('subnet:free-addresses', ['--subnet-id', subnet], { env })).stdout, /: 251 addresses free\. /);
    assert.equal(await attempt(), 'CONNECTED');

    assert.equal((await runCommand('network:fail', [], { env })).stdout, `The next 1 KMS connection attempt(s) to cluster ${cluster.clusterId} fail with NETWORK_ERRORS (fault injection); \`network restore\` ends it sooner.\n`);
    assert.equal(await attempt(), 'FAILED NETWORK_ERRORS');
    assert.equal(await attempt(), 'CONNECTED', 'one failed attempt by default');
    await run('network:fail', ['--attempts', '3']);
    assert.deepEqual(await run('network:restore', []), { ClusterId: cluster.clusterId, FailingConnectionAttempts: 0, Cleared: true });
    assert.equal(await attempt(), 'CONNECTED');

    const unknown = await runCommand('subnet:delete', ['--subnet-id', 'subnet-00000000', '--json'], { env });
    assert.equal(unknown.exitCode, 1);
    assert.match(unknown.json.data, /^An error occurred \(InvalidSubnetID\.NotFound\) when calling the DeleteSubnet operation: /);
    // --help says each is fault injection, which the real service does not have.
    for (const id of ['subnet:delete', 'subnet:restore', 'subnet:exhaust-addresses', 'subnet:free-addresses', 'network:fail', 'network:restore'] as const) {
      assert.match((await COMMAND_LOADERS[id]()).default.summary, /\(fault injection/, id);
    }
  });

  it('grants, key policies, tags and the description, in the AWS CLI\'s flags and shapes', async () => {
    const dir = await clusterFolder();
    const env = { CLOUDHSM_STATE_DIR: dir };
    const run = async (id: CommandId, argv: string[]) => {
      const r = await runCommand(id, [...argv, '--json'], { env });
      assert.equal(r.exitCode, 0, r.stdout + r.stderr);
      return r.json.data;
    };
    const policyFile = path.join(tempDir(), 'key_policy.json');
    const policy = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::000000000000:root' }, Action: 'kms:*', Resource: '*' }] };
    fs.writeFileSync(policyFile, JSON.stringify(policy));
    const key = (await run('kms:create-key', ['--policy', `file://${policyFile}`, '--tags', 'TagKey=team,TagValue=payments', '--description', 'orders'])).KeyMetadata;
    assert.deepEqual(JSON.parse((await run('kms:get-key-policy', ['--key-id', key.KeyId, '--policy-name', 'default'])).Policy), policy);
    assert.deepEqual(await run('kms:list-key-policies', ['--key-id', key.KeyId]), { PolicyNames: ['default'], Truncated: false });
    const locked = await runCommand('kms:put-key-policy', ['--key-id', key.KeyId, '--policy', JSON.stringify({ Statement: [{ Effect: 'Allow', Principal: '*', Action: 'kms:Encrypt', Resource: '*' }] }), '--json'], { env });
    assert.equal(locked.exitCode, 1);
    assert.match(locked.json.data, /^An error occurred \(MalformedPolicyDocumentException\) when calling the PutKeyPolicy operation: /);
    const grant = await run('kms:create-grant', ['--key-id', key.KeyId, '--grantee-principal', 'arn:aws:iam::111122223333:role/app', '--operations', 'Encrypt', 'Decrypt', '--constraints', 'EncryptionContextSubset={dept=sales}', '--retiring-principal', 'arn:aws:iam::111122223333:role/ops', '--name', 'job']);
    assert.deepEqual(Object.keys(grant), ['GrantToken', 'GrantId']);
    const listed = (await run('kms:list-grants', ['--key-id', key.KeyId])).Grants;
    assert.deepEqual(listed.map((g: Record<string, unknown>) => [g.GrantId, g.Operations, g.Constraints, g.Name]), [[grant.GrantId, ['Encrypt', 'Decrypt'], { EncryptionContextSubset: { dept: 'sales' } }, 'job']]);
    assert.equal((await run('kms:list-retirable-grants', ['--retiring-principal', 'arn:aws:iam::111122223333:role/ops'])).Grants.length, 1);
    const badOp = await runCommand('kms:create-grant', ['--key-id', key.KeyId, '--grantee-principal', 'arn:aws:iam::111122223333:role/app', '--operations', 'Sign', '--json'], { env });
    assert.match(badOp.json.data, /ValidationException/);
    // --grant-tokens, as the AWS CLI takes it: accepted on the crypto commands (a grant works at once here), a token KMS never issued refused.
    const sealed = await run('kms:encrypt', ['--key-id', key.KeyId, '--plaintext', Buffer.from('order 42').toString('base64'), '--encryption-context', 'dept=sales', '--grant-tokens', grant.GrantToken]);
    const opened = await run('kms:decrypt', ['--ciphertext-blob', sealed.CiphertextBlob, '--encryption-context', 'dept=sales', '--grant-tokens', grant.GrantToken, grant.GrantToken]);
    assert.equal(Buffer.from(opened.Plaintext, 'base64').toString(), 'order 42');
    await run('kms:re-encrypt', ['--ciphertext-blob', sealed.CiphertextBlob, '--source-encryption-context', 'dept=sales', '--destination-key-id', key.KeyId, '--grant-tokens', grant.GrantToken]);
    for (const id of ['kms:generate-data-key', 'kms:generate-data-key-without-plaintext'] as const) await run(id, ['--key-id', key.KeyId, '--key-spec', 'AES_256', '--grant-tokens', grant.GrantToken]);
    const forged = await runCommand('kms:encrypt', ['--key-id', key.KeyId, '--plaintext', 'AAAA', '--grant-tokens', 'not-a-grant-token', '--json'], { env });
    assert.equal(forged.exitCode, 1);
    assert.match(forged.json.data, /InvalidGrantTokenException/);
    await run('kms:retire-grant', ['--grant-token', grant.GrantToken]);
    const second = await run('kms:create-grant', ['--key-id', key.KeyId, '--grantee-principal', 'arn:aws:iam::111122223333:role/app', '--operations', 'DescribeKey']);
    await run('kms:revoke-grant', ['--key-id', key.KeyId, '--grant-id', second.GrantId]);
    assert.deepEqual((await run('kms:list-grants', ['--key-id', key.KeyId])).Grants, []);
    await run('kms:tag-resource', ['--key-id', key.KeyId, '--tags', 'TagKey=env,TagValue=dev', '[{"TagKey":"team","TagValue":"risk"}]']);
    await run('kms:untag-resource', ['--key-id', key.KeyId, '--tag-keys', 'env']);
    assert.deepEqual(await run('kms:list-resource-tags', ['--key-id', key.KeyId]), { Tags: [{ TagKey: 'team', TagValue: 'risk' }], Truncated: false });
    const reserved = await runCommand('kms:tag-resource', ['--key-id', key.KeyId, '--tags', 'TagKey=aws:x,TagValue=1', '--json'], { env });
    assert.match(reserved.json.data, /TagException/);
    await run('kms:update-key-description', ['--key-id', key.KeyId, '--description', 'orders, 2026']);
    assert.equal((await run('kms:describe-key', ['--key-id', key.KeyId])).KeyMetadata.Description, 'orders, 2026');
    assert.equal((await runCommand('kms:get-key-policy', ['--key-id', key.KeyId], { env })).stdout, `${JSON.stringify(policy)}\n`);
  });
});
