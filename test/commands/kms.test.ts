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
import type { CommandId } from '../../src/registry.js';
import { runCommand, tempDir } from '../support/helpers.js';
import { clusterFolder } from '../support/templates.js';

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
    const created = await create(['--trust-anchor-certificate', `file://${ca}`]);
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
    const dir = await clusterFolder({ cryptoUsers: { kmsuser: 'Kms-Pass-12' } });
    const env = { CLOUDHSM_STATE_DIR: dir };
    const cluster = await (await Store.open({ dir })).read((view) => view.list<ClusterRecord>(storeKeys.clusterPrefix)[0]![1]);
    const run = async (id: CommandId, argv: string[]) => {
      const r = await runCommand(id, [...argv, '--json'], { env });
      assert.equal(r.exitCode, 0, r.stdout + r.stderr);
      return r.json.data;
    };
    const store = (await run('kms:create-custom-key-store', ['--custom-key-store-name', 'S', '--cloud-hsm-cluster-id', cluster.clusterId, '--key-store-password', 'Kms-Pass-12', '--trust-anchor-certificate', cluster.trustAnchorPem!])).CustomKeyStoreId as string;
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
    await run('kms:disconnect-custom-key-store', ['--custom-key-store-id', store]);
    assert.equal((await run('kms:describe-key', ['--key-id', key.KeyId])).KeyMetadata.KeyState, 'Unavailable');
    const refused = await runCommand('kms:encrypt', ['--key-id', key.KeyId, '--plaintext', 'aGk=', '--json'], { env });
    assert.equal(refused.exitCode, 1);
    assert.match(refused.json.data, /^An error occurred \(KMSInvalidStateException\) when calling the Encrypt operation: /);
    const bad = await runCommand('kms:encrypt', ['--key-id', key.KeyId, '--plaintext', 'not base64!', '--json'], { env });
    assert.match(bad.json.data, /base64 text or fileb:\/\/PATH/);
    assert.deepEqual((await run('kms:list-keys', [])).Keys.map((k: { KeyId: string }) => k.KeyId), [key.KeyId]);
    // The waiting period ends while the store is disconnected: the material is orphaned, and listed.
    assert.equal((await runCommand('kms:list-orphaned-key-material', [], { env })).stdout, 'No orphaned key material.\n');
    await run('kms:schedule-key-deletion', ['--key-id', key.KeyId, '--pending-window-in-days', '7']);
    await run('clock:advance', ['--days', '8']);
    assert.match((await runCommand('kms:describe-key', ['--key-id', key.KeyId, '--json'], { env })).json.data, /NotFoundException/);
    const orphans = (await run('kms:list-orphaned-key-material', ['--custom-key-store-id', store])).OrphanedKeyMaterial;
    assert.deepEqual(orphans.map((o: { KeyId: string; CloudHsmClusterId: string; MaterialPresent: boolean }) => [o.KeyId, o.CloudHsmClusterId, o.MaterialPresent]), [[key.KeyId, cluster.clusterId, true]]);
    assert.match((await runCommand('kms:list-orphaned-key-material', [], { env })).stdout, new RegExp(`^KeyId +CloudHsmClusterId +KeyHandle +DeletionDate +MaterialPresent +Reason\n${key.KeyId} +${cluster.clusterId} +${orphans[0].KeyHandle} `));
  });
});
