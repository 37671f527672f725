import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { Store } from '../../src/core/store/index.js';
import { AUDIT_BATCH, auditKeys } from '../../src/core/audit/log.js';
import { streamLengthKey } from '../../src/core/store/store.js';
import { runCommand, tempDir } from '../support/helpers.js';
import { clusterFolder } from '../support/templates.js';

describe('commands: audit list, verify and export', function () {
  this.timeout(60_000);

  it('lists in the readable form and as JSON, filters, exports JSON Lines, and verify names the first event changed, with exit status 1', async () => {
    const dir = await clusterFolder({ cryptoUsers: { alice: 'alice-Pass1' } });
    const env = { CLOUDHSM_STATE_DIR: dir };
    const failed = await runCommand('key:list', ['--json'], { env: { ...env, CLOUDHSM_ROLE: 'crypto-user', CLOUDHSM_PIN: 'alice:wrong-Pass1' } });
    assert.equal(failed.exitCode, 1);
    const text = await runCommand('audit:list', ['--opcode', 'cn_login', '--user', 'alice'], { env });
    assert.equal(text.exitCode, 0, text.stderr);
    assert.match(text.stdout, /^Log group : \/aws\/cloudhsm\/cluster-[a-z2-7]{11} {3}Log stream : hsm-[a-z2-7]{11}\nTime: \d\d\/\d\d\/\d\d \d\d:\d\d:\d\d\.\d{6}, usecs:\d+\nSequence No : 0x[0-9a-f]+\n/);
    assert.match(text.stdout, /Response : 163:HSM Error: RET_USER_LOGIN_FAILURE\nLog type : MGMT_USER_DETAILS_LOG \(2\)\nUser Name : alice\nUser Type : CN_CRYPTO_USER \(1\)\n/);
    const json = await runCommand('audit:list', ['--json'], { env });
    const events = json.json.data.events as Array<{ logStream: string; opcode: { name: string } }>;
    assert.ok(events.length > 4 && events.every((e) => e.logStream.startsWith('hsm-')));
    const out = path.join(tempDir(), 'audit.jsonl');
    const exported = await runCommand('audit:export', ['--out', out], { env });
    assert.equal(exported.exitCode, 0, exported.stderr);
    const lines = fs.readFileSync(out, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { hash: string });
    assert.equal(lines.length, events.length);
    assert.ok(lines.every((l) => /^[0-9a-f]{64}$/.test(l.hash)));
    const ok = await runCommand('audit:verify', [], { env });
    assert.equal(ok.stdout, `The audit log verifies: ${events.length} events in 2 streams.\n`);
    // Enough events that each stream's file holds chained ones (they move there 32 at a time).
    for (let i = 0; i < AUDIT_BATCH; i++) await runCommand('key:list', ['--json'], { env: { ...env, CLOUDHSM_ROLE: 'crypto-user', CLOUDHSM_PIN: `ghost${i}:wrong-Pass1` } });
    // Cut the last events of one stream off behind the log's back.
    const store = await Store.open({ dir });
    const [streamKey] = (await store.read((view) => view.list('audit-stream/')))[0]!;
    const [, cluster, hsm] = streamKey.split('/');
    await store.transact((tx) => tx.put(streamLengthKey(auditKeys.file(cluster!, hsm!)), 0));
    const broken = await runCommand('audit:verify', ['--json'], { env });
    assert.equal(broken.exitCode, 1);
    assert.equal(broken.json.code, 'AUDIT_INTEGRITY');
    assert.match(broken.json.data, new RegExp(`stream ${hsm}, event 0x0: the stream ends at 0x0 but its head says 0x[0-9a-f]+: events at its end were removed`));
  });
});
