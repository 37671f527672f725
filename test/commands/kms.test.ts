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
});
