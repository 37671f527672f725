import assert from 'node:assert/strict';
import path from 'node:path';
import { runCommand, tempDir } from '../support/helpers.js';

const DAY_S = 86_400;

/** A new state folder with one UNINITIALIZED cluster; its environment and the cluster's ID. */
async function newCluster(argv: string[] = []): Promise<{ env: Record<string, string>; clusterId: string }> {
  const env = { CLOUDHSM_STATE_DIR: path.join(tempDir(), 'state') };
  const r = await runCommand('cluster:create', ['--json', ...argv], { env });
  assert.equal(r.exitCode, 0, r.stdout + r.stderr);
  return { env, clusterId: r.json.data.ClusterId as string };
}

describe('commands: clock', function () {
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
});
