import assert from 'node:assert/strict';
import path from 'node:path';
import { runCommand, tempDir } from '../support/helpers.js';
import { CLUSTER_SHAPE, SECURITY_GROUP_SHAPE, differences } from '../support/shapes.js';

const DAY_S = 86_400;

/** A new state folder with one UNINITIALIZED cluster; its environment and the cluster's ID. */
async function newCluster(argv: string[] = []): Promise<{ env: Record<string, string>; clusterId: string }> {
  const env = { CLOUDHSM_STATE_DIR: path.join(tempDir(), 'state') };
  const r = await runCommand('cluster:create', ['--json', ...argv], { env });
  assert.equal(r.exitCode, 0, r.stdout + r.stderr);
  return { env, clusterId: r.json.data.ClusterId as string };
}

describe('commands: clock, tags, cluster modify and describe', function () {
  this.timeout(60_000);

  it('clock show | advance | set: JSON and text, forward only, and a refusal changes nothing', async () => {
    const { env } = await newCluster();
    const shown = await runCommand('clock:show', ['--json'], { env });
    assert.deepEqual(Object.keys(shown.json.data), ['ClusterTime', 'ClusterTimestamp', 'RealTime', 'OffsetSeconds']);
    assert.equal(shown.json.data.OffsetSeconds, 0);
    assert.match((await runCommand('clock:show', [], { env })).stdout, /^Cluster time: \d{4}-\d\d-\d\dT[\d:.]+Z \(real time\)\n$/);

    const advanced = await runCommand('clock:advance', ['--days', '8', '--hours', '2', '--json'], { env });
    assert.equal(advanced.exitCode, 0, advanced.stdout);
    assert.equal(advanced.json.data.OffsetSeconds, 8 * DAY_S + 7200);
    assert.match((await runCommand('clock:show', [], { env })).stdout, /\(8 days 2 hours ahead of real time, /);

    const back = await runCommand('clock:set', ['2020-01-01', '--json'], { env });
    assert.equal(back.exitCode, 1);
    assert.equal(back.json.code, 'CLOCK_BACKWARDS');
    assert.match(back.json.data, /cannot be set back to 2020-01-01T00:00:00\.000Z: the clock only moves forward/);
    const human = await runCommand('clock:set', ['2030-01-01T10:00'], { env });
    assert.equal(human.exitCode, 1);
    assert.match(human.stderr, /no time zone: add Z for UTC.*\[INVALID_ARGUMENT\]/);
    for (const argv of [['--days', '-1'], [], ['--hours', 'x']]) {
      const r = await runCommand('clock:advance', ['--json', ...argv], { env });
      assert.notEqual(r.exitCode, 0, argv.join(' '));
    }
    assert.equal((await runCommand('clock:set', [], { env })).exitCode, 2, 'TIME is required');
    assert.equal((await runCommand('clock:show', ['--json'], { env })).json.data.OffsetSeconds, 8 * DAY_S + 7200, 'unchanged by the refusals');

    const set = await runCommand('clock:set', ['2031-01-01T00:00:00Z', '--json'], { env });
    assert.equal(set.json.data.ClusterTime, '2031-01-01T00:00:00.000Z');
    assert.equal(set.json.data.ClusterTimestamp, Date.UTC(2031, 0, 1) / 1000);
    const made = await runCommand('cluster:create', ['--json', '--region', 'eu-west-1'], { env });
    assert.ok(made.json.data.CreateTimestamp >= Date.UTC(2031, 0, 1) / 1000, 'the new cluster is stamped with cluster time');
  });

  it('tag, untag, list-tags round trip, with tags given at cluster create (--tags too) and shown by describe and list', async () => {
    const { env, clusterId } = await newCluster(['--tag-list', 'Key=team,Value=payments', '--tags', 'Key=env,Value=']);
    assert.deepEqual((await runCommand('list-tags', ['--json'], { env })).json.data, { TagList: [{ Key: 'team', Value: 'payments' }, { Key: 'env', Value: '' }] });
    const tagged = await runCommand('tag', ['--resource-id', clusterId, '--tag-list', 'Key=env,Value=staging', '[{"Key":"cost center","Value":"4711"}]', '--json'], { env });
    assert.deepEqual(tagged.json, { error_code: 0, data: {} });
    assert.equal((await runCommand('untag', ['--tag-key-list', 'team', 'nothing', '--json'], { env })).exitCode, 0);
    const expected = [{ Key: 'env', Value: 'staging' }, { Key: 'cost center', Value: '4711' }];
    assert.deepEqual((await runCommand('list-tags', ['--resource-id', clusterId, '--json'], { env })).json.data.TagList, expected);
    assert.deepEqual((await runCommand('cluster:describe', ['--json'], { env })).json.data.TagList, expected);
    assert.deepEqual((await runCommand('cluster:list', ['--json'], { env })).json.data.Clusters[0].TagList, expected);
    const text = (await runCommand('list-tags', [], { env })).stdout;
    assert.match(text, /^Key\s+Value\nenv\s+staging\ncost center\s+4711\n$/);
    const paged = await runCommand('list-tags', ['--max-results', '1', '--json'], { env });
    assert.equal(paged.json.data.TagList.length, 1);
    const rest = await runCommand('list-tags', ['--next-token', paged.json.data.NextToken, '--json'], { env });
    assert.deepEqual(rest.json.data.TagList, [expected[1]]);
  });

  it('cluster quickstart takes the tags too, and refuses bad ones before making anything', async () => {
    const env = { CLOUDHSM_STATE_DIR: path.join(tempDir(), 'state') };
    const bad = await runCommand('cluster:quickstart', ['--password', 'Admin-Pass-1', '--tags', 'Key=aws:x,Value=y', '--json'], { env });
    assert.equal(bad.json.code, 'TAG_INVALID');
    assert.deepEqual((await runCommand('cluster:list', ['--json'], { env })).json.data.Clusters, []);
    const r = await runCommand('cluster:quickstart', ['--password', 'Admin-Pass-1', '--tag-list', 'Key=team,Value=payments', '--json'], { env });
    assert.equal(r.exitCode, 0, r.stdout);
    assert.deepEqual(r.json.data.TagList, [{ Key: 'team', Value: 'payments' }]);
  });

  it('tag refusals: the AWS error type in the message, exit 1, and the tags unchanged', async () => {
    const { env, clusterId } = await newCluster(['--tag-list', 'Key=keep,Value=me']);
    const refusals: Array<[string[], string, RegExp]> = [
      [['--tag-list', 'Key=aws:owner,Value=me'], 'TAG_INVALID', /CloudHsmTagException.*TagResource.*reserves/],
      [['--tag-list', `Key=${'k'.repeat(129)},Value=v`], 'TAG_INVALID', /CloudHsmTagException.*129 characters/],
      [['--tag-list', 'Key=k,Value=a;b'], 'TAG_INVALID', /CloudHsmTagException/],
      [['--tag-list', ...Array.from({ length: 51 }, (_, i) => `Key=k${i},Value=v`)], 'TAG_LIMIT_EXCEEDED', /CloudHsmTagException.*at most 50/],
      [['--tag-list', 'Key=k'], 'INVALID_ARGUMENT', /lacks Value=VALUE.*Value= for an empty value/],
      [['--tag-list', 'Key=k,Value=a,b'], 'INVALID_ARGUMENT', /not Key=NAME,Value=VALUE/],
      [['--tag-list', 'k=v'], 'INVALID_ARGUMENT', /not Key=NAME,Value=VALUE/],
      [['--tag-list', '[{"Key":"k"}]'], 'INVALID_ARGUMENT', /"Value":"" for an empty value/],
      [['--tag-list', '[{"Key":'], 'INVALID_ARGUMENT', /does not parse/],
      [['--resource-id', 'cluster-abcdefghijk', '--tag-list', 'Key=k,Value=v'], 'CLUSTER_NOT_FOUND', /CloudHsmResourceNotFoundException/],
      [['--resource-id', 'sg-0123', '--tag-list', 'Key=k,Value=v'], 'INVALID_REQUEST', /CloudHsmInvalidRequestException.*ResourceId must be/],
    ];
    for (const [argv, code, message] of refusals) {
      const r = await runCommand('tag', [...argv, '--json'], { env });
      assert.equal(r.exitCode, 1, argv.join(' '));
      assert.equal(r.json.code, code, argv.join(' '));
      assert.match(r.json.data, message);
    }
    const untag = await runCommand('untag', ['--tag-key-list', 'aws:x', '--json'], { env });
    assert.equal(untag.json.code, 'TAG_INVALID');
    assert.equal((await runCommand('tag', ['--json'], { env })).exitCode, 2, '--tag-list is required');
    const failed = await runCommand('cluster:create', ['--json', '--tag-list', 'Key=aws:x,Value=y'], { env });
    assert.equal(failed.json.code, 'TAG_INVALID');
    assert.match(failed.json.data, /when calling the CreateCluster operation/);
    assert.deepEqual((await runCommand('list-tags', ['--resource-id', clusterId, '--json'], { env })).json.data.TagList, [{ Key: 'keep', Value: 'me' }]);
    assert.equal((await runCommand('cluster:list', ['--json'], { env })).json.data.Clusters.length, 1);
  });

  it('cluster modify --backup-retention-days: 7-379, the real error outside', async () => {
    const { env } = await newCluster();
    const r = await runCommand('cluster:modify', ['--backup-retention-days', '7', '--json'], { env });
    assert.deepEqual(r.json.data.BackupRetentionPolicy, { Type: 'DAYS', Value: '7' });
    assert.deepEqual(differences(r.json.data, CLUSTER_SHAPE), []);
    assert.match((await runCommand('cluster:modify', ['--backup-retention-days', '379'], { env })).stdout, /keeps backups for 379 days/);
    const out = await runCommand('cluster:modify', ['--backup-retention-days', '380', '--json'], { env });
    assert.equal(out.exitCode, 1);
    assert.match(out.json.data, /^An error occurred \(CloudHsmInvalidRequestException\) when calling the ModifyCluster operation: BackupRetentionPolicy Value must be a whole number of days from 7 to 379, not 380$/);
    assert.equal((await runCommand('cluster:modify', ['--json'], { env })).exitCode, 2);
    assert.equal((await runCommand('cluster:describe', ['--json'], { env })).json.data.BackupRetentionPolicy.Value, '379');
  });

  it('cluster describe shows the security group and its ports, the HSMs with ENI and IP, and the tags; --json stays the API object', async () => {
    const { env, clusterId } = await newCluster(['--tag-list', 'Key=team,Value=payments']);
    const hsm = await runCommand('hsm:create', ['--availability-zone', 'us-east-1b', '--json'], { env });
    const json = await runCommand('cluster:describe', ['--json'], { env });
    assert.deepEqual(differences(json.json.data, CLUSTER_SHAPE), []);
    const text = (await runCommand('cluster:describe', [], { env })).stdout;
    const sg = json.json.data.SecurityGroup as string;
    assert.match(text, new RegExp(`GroupName: cloudhsm-cluster-${clusterId}-sg`));
    assert.match(text, new RegExp(`Inbound: tcp 2223-2225 from ${sg} \\(the group itself\\)`));
    assert.match(text, new RegExp(`Outbound: tcp 2223-2225 to ${sg} \\(the group itself\\)`));
    assert.match(text, new RegExp(`${hsm.json.data.HsmId}\\s+us-east-1b\\s+subnet-[0-9a-f]{17}\\s+${hsm.json.data.EniId}\\s+${hsm.json.data.EniIp.replace(/\./g, '\\.')}\\s+ACTIVE`));
    assert.match(text, /TagList:\n\s+Key\s+Value\n\s+team\s+payments/);
    assert.match(text, /CreateTimestamp:\s+\d{4}-\d\d-\d\dT/);
    const group = await runCommand('cluster:describe', ['--security-group', '--json'], { env });
    assert.equal(group.json.data.SecurityGroups.length, 1);
    assert.deepEqual(differences(group.json.data.SecurityGroups[0], SECURITY_GROUP_SHAPE), []);
    assert.equal(group.json.data.SecurityGroups[0].GroupId, sg);
  });

  it('a deleted cluster stays listed and described as DELETED for a day of cluster time', async () => {
    const { env, clusterId } = await newCluster();
    assert.equal((await runCommand('cluster:delete', ['--json'], { env })).json.data.State, 'DELETE_IN_PROGRESS');
    const listed = await runCommand('cluster:list', [], { env });
    assert.match(listed.stdout, new RegExp(`${clusterId}\\s+DELETED`));
    assert.equal((await runCommand('cluster:describe', ['--cluster-id', clusterId, '--json'], { env })).json.data.State, 'DELETED');
    const hsm = await runCommand('hsm:create', ['--cluster-id', clusterId, '--availability-zone', 'us-east-1a', '--json'], { env });
    assert.equal(hsm.json.code, 'CLUSTER_NOT_FOUND');
    await runCommand('clock:advance', ['--hours', '24'], { env });
    assert.deepEqual((await runCommand('cluster:list', ['--json'], { env })).json.data.Clusters, []);
    const gone = await runCommand('cluster:describe', ['--cluster-id', clusterId, '--json'], { env });
    assert.equal(gone.json.code, 'CLUSTER_NOT_FOUND');
    assert.match(gone.json.data, /CloudHsmResourceNotFoundException.*was deleted at/);
  });
});
