import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { perform } from '../../src/core/engine.js';
import { generateSymmetric } from '../../src/core/keys/generate.js';
import { createUser, login } from '../../src/core/users/operations.js';
import { completeModern } from '../../src/shell/completion.js';
import { COMMAND_IDS } from '../../src/registry.js';
import { History, HISTORY_LINES, historyFile } from '../../src/shell/history.js';
import { ADMIN_PASSWORD, testHost, type TestHost } from '../support/dialect-host.js';
import { oclifConfig, tempDir } from '../support/helpers.js';
import { formatReference } from '../../src/core/keys/model.js';
import { readCluster } from '../../src/core/cluster/operations.js';
import { describeBackups } from '../../src/core/backups/operations.js';
import { connectKeyStore, createKeyStore } from '../../src/core/kms/key-stores.js';
import { createKmsAlias, createKmsKey, deleteKmsAlias } from '../../src/core/kms/keys.js';

describe('shell: completion and history', function () {
  this.timeout(60_000);
  let t: TestHost;
  const complete = async (line: string) => {
    const cut = line.lastIndexOf(' ') + 1;
    const words = line.slice(0, cut).split(' ').filter(Boolean);
    return completeModern(t.host, await oclifConfig(), COMMAND_IDS, words, line.slice(cut));
  };

  before(async () => {
    t = await testHost();
    const admin = { credentials: { username: 'admin', password: ADMIN_PASSWORD, role: 'admin' as const } };
    await perform(t.ctx, createUser, { username: 'alice', role: 'crypto-user', password: 'Alice-Pass-1' }, admin);
    await perform(t.ctx, createUser, { username: 'bob', role: 'crypto-user', password: 'Bob-Pass-12' }, admin);
  });

  it('completes command words, subcommands and the shell words', async () => {
    assert.deepEqual(await complete('key gen'), ['generate-asymmetric-pair', 'generate-file', 'generate-symmetric']);
    assert.deepEqual(await complete('key generate-symmetric '), ['aes', 'generic-secret']);
    assert.ok((await complete('his')).includes('history'));
    assert.deepEqual(await complete('help key wr'), ['wrap']);
  });

  it('completes flags not yet given, and the fixed values of a flag', async () => {
    const flags = await complete('user create --username x --');
    assert.ok(flags.includes('--role') && flags.includes('--password'), flags.join(' '));
    assert.ok(!flags.includes('--username'), 'a flag already given is not offered again');
    assert.deepEqual(await complete('user create --role '), ['admin', 'crypto-user']);
    assert.deepEqual(await complete('key generate-asymmetric-pair ec --curve secp3'), ['secp384r1']);
  });

  it('completes user names, and the labels and references of the keys the logged-in user sees', async () => {
    assert.deepEqual(await complete('user delete --username b'), ['bob']);
    assert.deepEqual(await complete('key list --filter attr.label='), ['attr.label='], 'nobody logged in: only the term names');
    const { session } = await perform(t.ctx, login, { credentials: { username: 'alice', password: 'Alice-Pass-1', role: 'crypto-user' }, sessionPid: process.pid });
    t.host.session = session;
    const alice = { session: session!, sessionKeys: t.host.sessionKeys };
    const made = await perform(t.ctx, generateSymmetric, { keyType: 'aes', label: 'my payments key', keyLengthBytes: 16 }, alice);
    assert.deepEqual(await complete('key list --filter attr.label=my'), ['attr.label=my\\ payments\\ key']);
    assert.deepEqual(await complete('crypto sign ecdsa --key-filter key-reference=0x'), [`key-reference=${formatReference(made.key.ref)}`]);
  });

  it('completes cluster, HSM and backup IDs, ENI addresses, regions and availability zones from the state', async () => {
    const cluster = await perform(t.ctx, readCluster, {});
    assert.deepEqual(await complete('cluster describe --cluster-id '), [cluster.clusterId]);
    assert.deepEqual((await complete('hsm fail --hsm-id ')).sort(), cluster.hsms.map((h) => h.hsmId).sort());
    assert.deepEqual((await complete('hsm delete --eni-ip 10.')).sort(), cluster.hsms.map((h) => h.eniIp).sort());
    const { Backups } = await perform(t.ctx, describeBackups, {});
    assert.ok(Backups.length > 0);
    assert.deepEqual((await complete('backup describe --backup-id backup-')).sort(), Backups.map((b) => b.BackupId).sort());
    assert.deepEqual(await complete('backup copy-to-region --destination-region eu-w'), ['eu-west-1', 'eu-west-2']);
    assert.deepEqual(await complete('hsm create --availability-zone us-east-1'), Object.keys(cluster.subnetMapping).sort());
    assert.deepEqual(await complete('hsm fail --mode '), ['unhealthy', 'zeroize']);
  });

  it('completes KMS custom key store IDs, key IDs and alias names from the state', async () => {
    const admin = { credentials: { username: 'admin', password: ADMIN_PASSWORD, role: 'admin' as const } };
    assert.deepEqual(await complete('kms encrypt --key-id '), [], 'no KMS keys yet: nothing');
    await perform(t.ctx, createUser, { username: 'kmsuser', role: 'crypto-user', password: 'Kms-User-Pass-1' }, admin);
    const cluster = await perform(t.ctx, readCluster, {});
    const { CustomKeyStoreId } = await perform(t.ctx, createKeyStore, { CustomKeyStoreName: 'S', CloudHsmClusterId: cluster.clusterId, KeyStorePassword: 'Kms-User-Pass-1', TrustAnchorCertificate: cluster.trustAnchorPem! });
    await perform(t.ctx, connectKeyStore, { CustomKeyStoreId });
    const custom = (await perform(t.ctx, createKmsKey, { Origin: 'AWS_CLOUDHSM', CustomKeyStoreId })).KeyMetadata.KeyId;
    const standard = (await perform(t.ctx, createKmsKey, {})).KeyMetadata.KeyId;
    await perform(t.ctx, createKmsAlias, { AliasName: 'alias/orders', TargetKeyId: standard });
    const keys = [custom, standard].sort();

    assert.deepEqual(await complete('kms connect-custom-key-store --custom-key-store-id '), [CustomKeyStoreId]);
    assert.deepEqual(await complete('kms create-key --origin AWS_CLOUDHSM --custom-key-store-id cks-'), [CustomKeyStoreId]);
    assert.deepEqual(await complete('kms create-custom-key-store --cloud-hsm-cluster-id '), [cluster.clusterId]);
    assert.deepEqual(await complete('kms encrypt --key-id '), [...keys, 'alias/orders'].sort());
    assert.deepEqual(await complete('kms encrypt --key-id al'), ['alias/orders']);
    assert.deepEqual(await complete(`kms describe-key --key-id ${custom.slice(0, 8)}`), [custom]);
    assert.deepEqual(await complete('kms re-encrypt --ciphertext-blob x --destination-key-id alias/o'), ['alias/orders']);
    assert.deepEqual(await complete('kms decrypt --ciphertext-blob x --key-id '), [...keys, 'alias/orders'].sort());
    assert.deepEqual(await complete('kms create-alias --alias-name alias/new --target-key-id '), keys, 'an alias targets a key, never another alias');
    assert.deepEqual(await complete('kms delete-alias --alias-name '), ['alias/orders']);
    assert.deepEqual(await complete('kms update-alias --alias-name '), ['alias/orders']);
    assert.deepEqual(await complete('kms create-alias --alias-name '), [], 'a new alias name is not one that exists');
    // The cluster's own keys are not KMS keys, and nothing secret is offered.
    assert.ok((await complete('kms encrypt --key-id 0x')).length === 0);
    assert.deepEqual(await complete('kms update-custom-key-store --custom-key-store-id x --key-store-password '), []);
    // Read afresh each time: a deleted alias is offered no more.
    await perform(t.ctx, deleteKmsAlias, { AliasName: 'alias/orders' });
    assert.deepEqual(await complete('kms encrypt --key-id '), keys);
  });

  it('keeps history per state folder, trims it, and writes nothing when told not to', () => {
    const dir = tempDir();
    const file = path.join(dir, 'history');
    const history = new History(file);
    for (let i = 0; i < HISTORY_LINES + 5; i++) history.add(`user list --line ${i}`);
    history.add(`user list --line ${HISTORY_LINES + 4}`);
    assert.equal(history.lines.length, HISTORY_LINES);
    assert.equal(history.lines.at(-1), `user list --line ${HISTORY_LINES + 4}`, 'a repeated line is kept once');
    assert.deepEqual(new History(file).lines, history.lines, 'a new shell sees the same lines');
    assert.equal(fs.statSync(file).mode & 0o777, 0o600);

    assert.equal(historyFile('/some/state', { CLOUDHSM_HISTORY_FILE: '' }), undefined);
    const a = historyFile('/some/state', { XDG_STATE_HOME: dir });
    const b = historyFile('/other/state', { XDG_STATE_HOME: dir });
    assert.ok(a?.startsWith(path.join(dir, 'cloudhsm-local', 'history')) && a !== b, 'one file per state folder');
  });
});
