/**
 * The local AWS endpoint (`serve`) as the CloudHSM cluster API (BaldrApiService), driven by
 * `@aws-sdk/client-cloudhsm-v2`: clusters, HSMs, backups and tags as the SDK sees them, beside a
 * CLI process on the same state folder, and the API's exception names.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import {
  CloudHSMV2Client,
  CreateClusterCommand,
  CreateHsmCommand,
  DeleteHsmCommand,
  DescribeBackupsCommand,
  DescribeClustersCommand,
  ListTagsCommand,
  TagResourceCommand,
} from '@aws-sdk/client-cloudhsm-v2';
import { runBin, tempDir } from '../support/helpers.js';
import { startServe, type Served } from '../support/processes.js';

describe('e2e: the AWS endpoint with @aws-sdk/client-cloudhsm-v2', function () {
  this.timeout(120_000);
  let served: Served;
  let client: CloudHSMV2Client;
  const dir = path.join(tempDir('chsm-baldr-'), 'state');

  before(async () => {
    // The endpoint serves a folder a command created: both work on the same state.
    assert.equal(runBin(['cluster', 'create', '--json'], { env: { CLOUDHSM_STATE_DIR: dir } }).status, 0);
    served = await startServe(dir);
    client = new CloudHSMV2Client({ endpoint: served.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
  });

  after(() => {
    client.destroy();
    served.process.kill('SIGTERM');
  });

  it('creates a cluster and HSMs, describes, tags and lists them, deletes an HSM; errors carry the API exception names', async () => {
    const created = await client.send(new CreateClusterCommand({ HsmType: 'hsm2m.medium', SubnetIds: [], TagList: [{ Key: 'team', Value: 'payments' }] }));
    const clusterId = created.Cluster!.ClusterId!;
    assert.match(clusterId, /^cluster-[a-z2-7]{11}$/);
    const hsm = await client.send(new CreateHsmCommand({ ClusterId: clusterId, AvailabilityZone: 'us-east-1a' }));
    assert.match(hsm.Hsm!.HsmId!, /^hsm-[a-z2-7]{11}$/);
    const described = await client.send(new DescribeClustersCommand({ Filters: { clusterIds: [clusterId] } }));
    assert.equal(described.Clusters!.length, 1);
    assert.equal(described.Clusters![0]!.Hsms!.length, 1);
    assert.ok(described.Clusters![0]!.CreateTimestamp instanceof Date);
    // The CLI sees what the SDK made.
    const cli = runBin(['cluster', 'describe', '--cluster-id', clusterId, '--json'], { env: { CLOUDHSM_STATE_DIR: dir } });
    assert.equal(cli.json.data.Hsms.length, 1);
    await client.send(new TagResourceCommand({ ResourceId: clusterId, TagList: [{ Key: 'env', Value: 'test' }] }));
    const tags = await client.send(new ListTagsCommand({ ResourceId: clusterId }));
    assert.deepEqual(tags.TagList!.map((t) => `${t.Key}=${t.Value}`).sort(), ['env=test', 'team=payments']);
    assert.deepEqual((await client.send(new DeleteHsmCommand({ ClusterId: clusterId, HsmId: hsm.Hsm!.HsmId }))).HsmId, hsm.Hsm!.HsmId);
    assert.ok(Array.isArray((await client.send(new DescribeBackupsCommand({}))).Backups));
    await assert.rejects(client.send(new DescribeClustersCommand({ Filters: { clusterIds: ['cluster-aaaaaaaaaaa'] } })), (err: Error) => err.name === 'CloudHsmResourceNotFoundException');
    assert.match(served.log(), /POST BaldrApiService\.CreateCluster 200 \d+ ms/);
  });
});
