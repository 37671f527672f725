import assert from 'node:assert/strict';
import path from 'node:path';
import { runCommand, tempDir } from '../support/helpers.js';

/** An ACTIVE cluster made by the CLI, on the real clock (a template's clock would be months behind it). */
async function activeCluster(): Promise<Record<string, string>> {
  const env = { CLOUDHSM_STATE_DIR: path.join(tempDir(), 'state') };
  const r = await runCommand('cluster:quickstart', ['--password-stdin'], { env, stdin: 'Admin123!\n' });
  assert.equal(r.exitCode, 0, r.stdout + r.stderr);
  return env;
}

describe('commands: backup list | describe | delete | restore | modify', function () {
  this.timeout(60_000);

  it('lists the automatic backups in the API shape, deletes, restores and marks one, and refuses wrong states with exit 1', async () => {
    const env = await activeCluster();
    const listed = await runCommand('backup:list', ['--json'], { env });
    assert.equal(listed.exitCode, 0, listed.stdout + listed.stderr);
    const [backup] = listed.json.data.Backups;
    assert.equal(listed.json.data.Backups.length, 1, 'activation made one');
    assert.equal(backup.BackupState, 'READY');
    const id = backup.BackupId as string;
    assert.match((await runCommand('backup:list', [], { env })).stdout, new RegExp(`^${id}  READY`));
    assert.deepEqual((await runCommand('backup:describe', ['--backup-id', id, '--json'], { env })).json.data, backup);

    const deleted = await runCommand('backup:delete', ['--backup-id', id, '--json'], { env });
    assert.equal(deleted.json.data.BackupState, 'PENDING_DELETION');
    assert.equal(typeof deleted.json.data.DeleteTimestamp, 'number');
    const twice = await runCommand('backup:delete', ['--backup-id', id, '--json'], { env });
    assert.equal(twice.exitCode, 1);
    assert.equal(twice.json.code, 'INVALID_STATE');
    assert.match(twice.json.data, /CloudHsmInvalidRequestException/);
    assert.deepEqual((await runCommand('backup:list', ['--states', 'PENDING_DELETION', '--json'], { env })).json.data.Backups.map((b: { BackupId: string }) => b.BackupId), [id]);

    const restored = await runCommand('backup:restore', ['--backup-id', id, '--json'], { env });
    assert.equal(restored.json.data.BackupState, 'READY');
    const marked = await runCommand('backup:modify', ['--backup-id', id, '--never-expires', 'true', '--json'], { env });
    assert.equal(marked.json.data.NeverExpires, true);
    assert.equal((await runCommand('backup:modify', ['--backup-id', id, '--never-expires', 'maybe'], { env })).exitCode, 2);
    assert.equal((await runCommand('backup:list', ['--never-expires', '--json'], { env })).json.data.Backups.length, 1);

    const unknown = await runCommand('backup:describe', ['--backup-id', 'backup-aaaaaaaaaaa', '--json'], { env });
    assert.equal(unknown.exitCode, 1);
    assert.equal(unknown.json.code, 'BACKUP_NOT_FOUND');
    assert.match(unknown.json.data, /CloudHsmResourceNotFoundException/);

    const tagged = await runCommand('tag', ['--resource-id', id, '--tag-list', 'Key=keep,Value=audit', '--json'], { env });
    assert.equal(tagged.exitCode, 0, tagged.stdout);
    assert.deepEqual((await runCommand('list-tags', ['--resource-id', id, '--json'], { env })).json.data.TagList, [{ Key: 'keep', Value: 'audit' }]);
  });

  it('copy-to-region copies within a partition and refuses across', async () => {
    const env = await activeCluster();
    const id = (await runCommand('backup:list', ['--json'], { env })).json.data.Backups[0].BackupId as string;
    const copied = await runCommand('backup:copy-to-region', ['--backup-id', id, '--destination-region', 'us-west-2', '--tag-list', 'Key=dr,Value=yes', '--json'], { env });
    assert.equal(copied.exitCode, 0, copied.stdout + copied.stderr);
    assert.deepEqual(Object.keys(copied.json.data.DestinationBackup).sort(), ['CreateTimestamp', 'SourceBackup', 'SourceCluster', 'SourceRegion']);
    const copies = (await runCommand('backup:list', ['--source-backup-id', id, '--json'], { env })).json.data.Backups;
    assert.equal(copies.length, 1);
    assert.equal(copies[0].SourceRegion, 'us-east-1');
    const gov = await runCommand('backup:copy-to-region', ['--backup-id', id, '--destination-region', 'us-gov-east-1', '--json'], { env });
    assert.equal(gov.exitCode, 1);
    assert.match(gov.json.data, /CloudHsmInvalidRequestException.*partition/);
    const restored = await runCommand('cluster:create', ['--source-backup-id', id, '--json'], { env });
    assert.equal(restored.exitCode, 0, restored.stdout + restored.stderr);
    assert.equal(restored.json.data.SourceBackupId, id);
    const wrongMode = await runCommand('cluster:create', ['--source-backup-id', id, '--mode', 'NON_FIPS', '--json'], { env });
    assert.equal(wrongMode.exitCode, 1);
    assert.match(wrongMode.json.data, /restores only into a FIPS cluster/);
  });

  it('backups appear every 24 hours of cluster time', async () => {
    const env = await activeCluster();
    await runCommand('clock:advance', ['--days', '2'], { env });
    assert.equal((await runCommand('backup:list', ['--json'], { env })).json.data.Backups.length, 3);
  });
});
