import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import type { EngineContext } from '../../src/core/context.js';
import { perform } from '../../src/core/engine.js';
import { activeHsms, resolveCluster, storeKeys, type ClusterRecord } from '../../src/core/cluster/model.js';
import { quickstart } from '../../src/core/cluster/quickstart.js';
import { generateSymmetric } from '../../src/core/keys/generate.js';
import { keyStoreKeys } from '../../src/core/keys/filters.js';
import type { KeyRecord } from '../../src/core/keys/model.js';
import type { UserRecord } from '../../src/core/users/rules.js';
import type { DialectHost } from '../../src/shell/dialect.js';
import { cmuDialect } from '../../src/shell/dialects/cmu.js';
import { ADMIN_PASSWORD, CMU_CAUTION, runLines, testHost, type TestHost } from '../support/dialect-host.js';
import { tempDir, testContext } from '../support/helpers.js';

const CAUTION = CMU_CAUTION;
const USERS_HEADER = '    User Id             User Type       User Name                          MofnPubKey    LoginFailureCnt         2FA';

async function clusterOf(ctx: EngineContext): Promise<ClusterRecord> {
  return ctx.store.read((view) => resolveCluster(view, undefined));
}

async function ipsOf(ctx: EngineContext): Promise<string[]> {
  return activeHsms(await clusterOf(ctx)).map((h) => h.eniIp);
}

/** Runs one line and returns its outcome and what it printed. */
async function line(t: TestHost, text: string): Promise<{ outcome: string; out: string }> {
  t.clear();
  const [outcome] = await runLines(cmuDialect, t.host, [text]);
  return { outcome: outcome!, out: t.output() };
}

function perServer(cmd: string, ips: readonly string[]): string {
  return ips.map((ip, i) => `${cmd} success on server ${i}(${ip})\n`).join('');
}

async function user(ctx: EngineContext, name: string): Promise<UserRecord | undefined> {
  const cluster = await clusterOf(ctx);
  return ctx.store.read((view) => view.get<UserRecord>(storeKeys.user(cluster.clusterId, name)));
}

/** A user row as the spec's listUsers example lays it out. */
function row(id: number, type: string, name: string, failures = 0): string {
  return `${String(id).padStart(10)}${' '.repeat(14)}${type.padEnd(16)}${name.padEnd(40)} NO${String(failures).padStart(16)}${'NO'.padStart(17)}`;
}

/** Admin logged in, CUs alice (ID 3) and bob (ID 4), and an AES key owned by alice. */
async function withKeys(): Promise<{ t: TestHost; ips: string[]; handle: number }> {
  const t = await testHost();
  const ips = await ipsOf(t.ctx);
  t.answers.push('y', 'y');
  const outcomes = await runLines(cmuDialect, t.host, [`loginHSM CO admin ${ADMIN_PASSWORD}`, 'createUser CU alice AlicePass1', 'createUser CU bob BobPass12']);
  assert.deepEqual(outcomes, ['ok', 'ok', 'ok'], t.output());
  const created = await perform(t.ctx, generateSymmetric, { keyType: 'aes', label: 'alice-aes', keyLengthBytes: 32 }, { credentials: { username: 'alice', password: 'AlicePass1', role: 'crypto-user' } });
  const handle = created.key.ref;
  return { t, ips, handle };
}

describe('cloudhsm_mgmt_util dialect', function () {
  this.timeout(60_000);

  it('prints one Connecting/Connected pair per ACTIVE HSM and the CMU prompt', async () => {
    const t = await testHost();
    const ips = await ipsOf(t.ctx);
    assert.equal(ips.length, 2);
    const pairs = ips.map((ip) => `Connecting to server '${ip}': hostname '${ip}', port 2225...\nConnected to server '${ip}': hostname '${ip}', port 2225.\n`).join('');
    assert.equal(await cmuDialect.banner(t.host), `Connecting to the server(s), it may take time\ndepending on the server(s) load, please wait...\n\n${pairs}`);
    assert.equal(cmuDialect.prompt(t.host), 'aws-cloudhsm> ');
  });

  it('lists users without a login, in the documented columns', async () => {
    const t = await testHost();
    const ips = await ipsOf(t.ctx);
    const { outcome, out } = await line(t, 'listUsers');
    assert.equal(outcome, 'ok');
    const block = (i: number) => `Users on server ${i}(${ips[i]}):\nNumber of users found:2\n\n${USERS_HEADER}\n${row(1, 'PCO', 'admin')}\n${row(2, 'AU', 'app_user')}\n`;
    assert.equal(out, block(0) + block(1));
    assert.equal(row(1, 'PCO', 'admin').indexOf('PCO'), USERS_HEADER.indexOf('User Type'));
  });

  it('logs in, creates, re-passwords and deletes a user with the documented lines', async () => {
    const t = await testHost();
    const ips = await ipsOf(t.ctx);
    assert.deepEqual(await line(t, `loginHSM CO admin ${ADMIN_PASSWORD}`), { outcome: 'ok', out: perServer('loginHSM', ips) });

    t.answers.push('maybe', 'y');
    const created = await line(t, 'createUser CU alice AlicePass1');
    assert.equal(created.outcome, 'ok');
    assert.equal(
      created.out,
      `${CAUTION}maybe\nInvalid option, please type 'y' or 'n'\n\nDo you want to continue(y/n)?y\nCreating User alice(CU) on 2 nodes\n`,
    );
    assert.equal((await user(t.ctx, 'alice'))?.role, 'crypto-user');
    assert.match((await line(t, 'listUsers')).out, new RegExp(`^${row(3, 'CU', 'alice')}$`, 'm'));

    t.answers.push('y');
    const changed = await line(t, 'changePswd CU alice NewAlice22');
    assert.equal(changed.out, `${CAUTION}y\nChanging password for alice(CU) on 2 nodes\n`);
    assert.deepEqual(await line(t, 'logoutHSM'), { outcome: 'ok', out: perServer('logoutHSM', ips) });
    assert.equal((await line(t, 'loginHSM CU alice AlicePass1')).outcome, 'failed', 'the old password no longer works');
    assert.deepEqual(await line(t, 'loginHSM CU alice NewAlice22'), { outcome: 'ok', out: perServer('loginHSM', ips) });
    await line(t, 'logoutHSM');

    await line(t, `loginHSM CO admin ${ADMIN_PASSWORD}`);
    const deleted = await line(t, 'deleteUser CU alice');
    assert.deepEqual(deleted, { outcome: 'ok', out: `Deleting user alice(CU) on 2 nodes\n${perServer('deleteUser', ips)}` });
    assert.equal(await user(t.ctx, 'alice'), undefined);
  });

  it('changes nothing when the confirmation is answered n', async () => {
    const t = await testHost();
    await line(t, `loginHSM CO admin ${ADMIN_PASSWORD}`);
    t.answers.push('n');
    const declined = await line(t, 'createUser CU carol CarolPass1');
    assert.deepEqual(declined, { outcome: 'ok', out: `${CAUTION}n\n` });
    assert.equal(await user(t.ctx, 'carol'), undefined);
    assert.doesNotMatch((await line(t, 'listUsers')).out, /carol/);
  });

  it('refuses a wrong password, counting it, and a wrong or internal user type', async () => {
    const t = await testHost();
    const ips = await ipsOf(t.ctx);
    const wrong = await line(t, 'loginHSM CO admin NotThePassword');
    assert.equal(wrong.outcome, 'failed');
    const failedOn = (i: number) => `loginHSM failed: RET_USER_LOGIN_FAILURE\nloginHSM failed on server ${i}(${ips[i]})\n`;
    assert.equal(wrong.out, failedOn(0) + failedOn(1));
    assert.match(t.explained.join('\n'), /wrong password for admin/);
    assert.equal(t.host.session, undefined);
    assert.match((await line(t, 'listUsers')).out, new RegExp(`^${row(1, 'PCO', 'admin', 1)}$`, 'm'));

    const mismatch = await line(t, `loginHSM CU admin ${ADMIN_PASSWORD}`);
    assert.equal(mismatch.outcome, 'failed');
    assert.match(mismatch.out, /^loginHSM failed: RET_INVALID_USER_TYPE\n/);
    assert.match(t.explained.join('\n'), /admin is a PCO, not a CU/);
    assert.doesNotMatch(mismatch.out, /admin is a PCO/);

    const au = await line(t, 'loginHSM AU app_user whatever1');
    assert.equal(au.outcome, 'failed');
    assert.match(au.out, /invalid user type "AU".*internal/);
    assert.equal(t.host.session, undefined);
  });

  it('refuses user management to a crypto user and a second login', async () => {
    const { t, ips } = await withKeys();
    assert.match((await line(t, `loginHSM CO admin ${ADMIN_PASSWORD}`)).out, /^loginHSM failed: RET_USER_ALREADY_LOGGED_IN\n/);
    assert.match(t.explained.at(-1)!, /logoutHSM first/);
    await line(t, 'logoutHSM');
    await line(t, 'loginHSM CU alice AlicePass1');
    // §0: a createUser failure is reported server by server, each followed by Retry/Ignore/Abort.
    t.answers.push('y', 'x', 'I', 'A');
    const refused = await line(t, 'createUser CU mallory Mallory123');
    assert.equal(refused.outcome, 'failed');
    const failedOn = (i: number) => `createUser failed: RET_USER_NOT_AUTHORIZED\ncreating user on server ${i}(${ips[i]}) failed\n\n`;
    const question = 'Retry/Ignore/Abort?(R/I/A):';
    assert.ok(refused.out.endsWith(`Creating User mallory(CU) on 2 nodes\n${failedOn(0)}${question}x\n${question}I\n${failedOn(1)}${question}A\n`), refused.out);
    assert.equal(await user(t.ctx, 'mallory'), undefined);
    // A CU that owns keys cannot be deleted (users-and-auth.md §3).
    await line(t, 'logoutHSM');
    await line(t, `loginHSM CO admin ${ADMIN_PASSWORD}`);
    t.answers.push('I', 'I');
    const owner = await line(t, 'deleteUser CU alice');
    assert.equal(owner.outcome, 'failed');
    const notDeleted = (i: number) => `deleteUser failed: RET_USER_OWNS_KEYS\ndeleteUser failed on server ${i}(${ips[i]})\n\nRetry/rollBack/Ignore?(R/B/I):I\n`;
    assert.equal(owner.out, `Deleting user alice(CU) on 2 nodes\n${notDeleted(0)}${notDeleted(1)}`);
    assert.ok(await user(t.ctx, 'alice'));
  });

  it('lists keys by user, with (o)/(s) suffixes and the key hash', async () => {
    const { t, ips, handle } = await withKeys();
    await line(t, 'logoutHSM');
    await line(t, 'loginHSM CU alice AlicePass1');
    t.answers.push('y');
    assert.deepEqual(await line(t, `shareKey ${handle} 4 1`), { outcome: 'ok', out: `${CAUTION}y\n${perServer('shareKey', ips)}` });
    await line(t, 'logoutHSM');
    await line(t, `loginHSM CO admin ${ADMIN_PASSWORD}`);

    const owned = await line(t, 'findAllKeys 3 1');
    assert.equal(owned.outcome, 'ok');
    const match = /Key Hash:\n([0-9a-f]+)\n/.exec(owned.out);
    assert.ok(match && match[1]!.length === 64, owned.out);
    const block = (i: number, list: string, hash: string) =>
      `Keys on server ${i}(${ips[i]}):\nNumber of keys found 1\nnumber of keys matched from start index 0::1\n${list}\n${hash}findAllKeys success on server ${i}(${ips[i]})\n`;
    // With the hash a blank line follows it, and none parts the servers (§2 example).
    assert.equal(owned.out, block(0, `${handle}(o)`, `Key Hash:\n${match[1]}\n\n`) + block(1, `${handle}(o)`, `Key Hash:\n${match[1]}\n\n`));
    const shared = await line(t, 'findAllKeys 4 1');
    assert.ok(shared.out.includes(`${handle}(s)\nKey Hash:\n${match[1]}\n`), 'the hash is the same for every key-owning user');
    assert.equal((await line(t, 'findAllKeys 2 0')).out, `Keys on server 0(${ips[0]}):\nNumber of keys found 0\nnumber of keys matched from start index 0::0\nfindAllKeys success on server 0(${ips[0]})\n\nKeys on server 1(${ips[1]}):\nNumber of keys found 0\nnumber of keys matched from start index 0::0\nfindAllKeys success on server 1(${ips[1]})\n`);

    const file = path.join(tempDir(), 'keys.txt');
    await line(t, `findAllKeys 3 0 ${file}`);
    assert.match(fs.readFileSync(file, 'utf8'), new RegExp(`^${handle}\\(o\\)$`, 'm'));

    await line(t, 'logoutHSM');
    await line(t, 'loginHSM CU alice AlicePass1');
    const cu = await line(t, 'findAllKeys 3 0');
    assert.equal(cu.outcome, 'failed');
    assert.match(cu.out, /^findAllKeys failed: RET_USER_NOT_AUTHORIZED\n/);
  });

  it('shows key info, reads and sets attributes for the owner, and refuses the rest', async () => {
    const { t, ips, handle } = await withKeys();
    await line(t, 'logoutHSM');
    await line(t, 'loginHSM CU alice AlicePass1');

    const infoBlock = (shared: string) => ips.map((ip, i) => `Key Info on server ${i}(${ip}):\n\n        Token/Flash Key,\n\n        Owned by user 3\n\n${shared}`).join('');
    assert.deepEqual(await line(t, `getKeyInfo ${handle}`), { outcome: 'ok', out: infoBlock('') });
    t.answers.push('y');
    await line(t, `shareKey ${handle} 4 1`);
    assert.equal((await line(t, `getKeyInfo -k ${handle}`)).out, infoBlock('        also, shared to following 1 user(s):\n\n                 4\n'));

    const label = await line(t, `getAttribute ${handle} 3`);
    assert.equal(label.out, ips.map((ip, i) => `Attribute Value on server ${i}(${ip}):\nOBJ_ATTR_LABEL\nalice-aes\n`).join('\n'));
    assert.match((await line(t, `getAttribute ${handle} 256`)).out, /^OBJ_ATTR_KEY_TYPE\n0x0000001f$/m);
    assert.match((await line(t, `getAttribute ${handle} 353`)).out, /^OBJ_ATTR_VALUE_LEN\n0x00000020$/m);
    const all = await line(t, `getAttribute ${handle} 512`);
    assert.match(all.out, /^Attribute Value on server 0\(.*\):\nOBJ_ATTR_CLASS\n0x04\nOBJ_ATTR_KEY_TYPE\n0x1f\nOBJ_ATTR_TOKEN\n0x01\n/);
    assert.match(all.out, /^OBJ_ATTR_KCV\n0x[0-9a-f]{6}$/m);
    assert.doesNotMatch(all.out, /OBJ_ATTR_MODULUS/);
    const file = path.join(tempDir(), 'attr.txt');
    await line(t, `getAttribute ${handle} 262 ${file}`);
    assert.equal(fs.readFileSync(file, 'utf8'), 'OBJ_ATTR_WRAP\n0x00000000\n');

    t.answers.push('y');
    assert.deepEqual(await line(t, `setAttribute ${handle} 262 1`), { outcome: 'ok', out: `${CAUTION}y\n${perServer('setAttribute', ips)}` });
    assert.match((await line(t, `getAttribute ${handle} 262`)).out, /^OBJ_ATTR_WRAP\n0x00000001$/m);
    const askedBefore = t.asked.length;
    const notSettable = await line(t, `setAttribute ${handle} 354 0`);
    assert.equal(notSettable.outcome, 'failed');
    assert.match(notSettable.out, /cannot be set; setAttribute takes 3, 134, 260/);
    assert.equal(t.asked.length, askedBefore, 'refused before the confirmation');

    const unknown = await line(t, 'getAttribute 999999 3');
    assert.equal(unknown.outcome, 'failed');
    assert.equal(unknown.out, `getAttribute failed: RET_INVALID_HANDLE\ngetAttribute failed on server 0(${ips[0]})\ngetAttribute failed: RET_INVALID_HANDLE\ngetAttribute failed on server 1(${ips[1]})\n`);

    // bob is a sharee: he may read the key but not change it.
    await line(t, 'logoutHSM');
    await line(t, 'loginHSM CU bob BobPass12');
    assert.equal((await line(t, `getAttribute ${handle} 3`)).outcome, 'ok');
    t.answers.push('y');
    const denied = await line(t, `setAttribute ${handle} 3 stolen`);
    assert.equal(denied.outcome, 'failed');
    assert.match(denied.out, /setAttribute failed: RET_KEY_ACCESS_DENIED\n/);
    const cluster = await clusterOf(t.ctx);
    const stored = await t.ctx.store.read((view) => view.get<KeyRecord>(keyStoreKeys.key(cluster.clusterId, handle)));
    assert.ok(stored);
    assert.equal(stored.label, 'alice-aes');
    assert.equal(stored.attributes.wrap, true);
  });

  it('prints the attribute table, server info and HSM info', async () => {
    const t = await testHost();
    const ips = await ipsOf(t.ctx);
    const attrs = await line(t, 'listAttributes');
    assert.match(attrs.out, /^Following are the possible attribute values for getAttribute:$/m);
    assert.match(attrs.out, /^ {6}OBJ_ATTR_CLASS {18}= 0$/m);
    assert.match(attrs.out, /^ {6}OBJ_ATTR_UNWRAP_TEMPLATE {8}= 1073742354$/m);
    assert.equal(attrs.out.match(/= \d+$/gm)?.length, 29);
    assert.match(attrs.out, /OBJ_ATTR_DERIVE {17}= 268\n {6}OBJ_ATTR_LOCAL {18}= 355\n {6}OBJ_ATTR_MODULUS {16}= 288\n/, 'in the documented order');

    const cluster = await clusterOf(t.ctx);
    const hsm = activeHsms(cluster)[1]!;
    const infoOut = (await line(t, 'info server 1')).out.split('\n');
    assert.deepEqual(infoOut[0]!.split(/\s+/), ['Id', 'Name', 'Hostname', 'Port', 'State', 'Partition', 'LoginState']);
    assert.deepEqual(infoOut[1]!.split(/\s{2,}/), ['1', ips[1], ips[1], '2225', 'Connected', hsm.hsmId, 'Not logged in']);
    await line(t, `loginHSM CO admin ${ADMIN_PASSWORD}`);
    assert.match((await line(t, 'info server 0')).out, /Logged in as 'admin\(PCO\)'\n$/);
    assert.equal((await line(t, 'info server 7')).outcome, 'failed');

    const hsmInfo = await line(t, 'getHSMInfo');
    assert.match(hsmInfo.out, /^Getting HSM Info on 2 nodes\n/);
    assert.match(hsmInfo.out, /\*\*\* Server 1 HSM Info \*\*\*/);
    assert.match(hsmInfo.out, new RegExp(`Serial Number +:${hsm.serialNumber}\n`));
    assert.match(hsmInfo.out, /FIPS state +:2 \[FIPS mode with single factor authentication\]/);
  });

  it('runs server mode: one server, getCert, syncKey/syncUser, exit and quit', async () => {
    const { t, ips, handle } = await withKeys();
    const file = path.join(tempDir(), 'anchor.pem');
    const outside = await line(t, `getCert ${file} 4`);
    assert.equal(outside.outcome, 'failed');
    assert.match(outside.out, /only in server mode/);

    assert.deepEqual(await line(t, 'server 1'), { outcome: 'ok', out: "Server is in 'E2' mode...\n" });
    assert.equal(cmuDialect.prompt(t.host), 'server1> ');
    assert.equal((await line(t, 'listUsers')).out.match(/^Users on server/gm)?.length, 1);
    assert.match((await line(t, 'listUsers')).out, new RegExp(`^Users on server 1\\(${ips[1]!.replace(/\./g, '\\.')}\\):`));
    assert.deepEqual(await line(t, `getCert ${file} 4`), { outcome: 'ok', out: 'getCert Success\n' });
    const cluster = await clusterOf(t.ctx);
    assert.equal(fs.readFileSync(file, 'utf8').trim(), cluster.trustAnchorPem!.trim());
    assert.equal((await line(t, `getCert ${file} 1`)).outcome, 'failed');
    assert.deepEqual(await line(t, 'syncUser 3 0'), { outcome: 'ok', out: 'ExtractMaskedObject: 0x0 !\nInsertMaskedObject: 0x0 !\nsyncUser success\n' });
    assert.deepEqual(await line(t, `syncKey ${handle} 0`), { outcome: 'ok', out: 'syncKey success\n' });
    assert.equal((await line(t, 'syncUser 99 0')).outcome, 'failed');
    assert.equal((await line(t, 'syncKey 5 1')).outcome, 'failed', 'the destination must be another server');

    assert.equal((await line(t, 'exit')).outcome, 'ok');
    assert.equal(cmuDialect.prompt(t.host), 'aws-cloudhsm> ');
    assert.deepEqual(await line(t, 'quit'), { outcome: 'quit', out: 'disconnecting from servers, please wait...\n' });
  });

  it('runs unambiguous prefixes and names the candidates of an ambiguous one', async () => {
    const t = await testHost();
    const ips = await ipsOf(t.ctx);
    assert.match((await line(t, 'listU')).out, new RegExp(`^Users on server 0\\(${ips[0]!.replace(/\./g, '\\.')}\\):`));
    const ambiguous = await line(t, 'get 1 2');
    assert.equal(ambiguous.outcome, 'failed');
    assert.match(ambiguous.out, /^Ambiguous command: it could be .*getAttribute.*getHSMInfo.*getKeyInfo/);
    const unknown = await line(t, 'frobnicate');
    assert.deepEqual(unknown, { outcome: 'failed', out: 'Unknown command; type help to list the commands\n' });
    assert.equal((await line(t, 'listusers')).outcome, 'failed', 'names are case-sensitive');
    assert.deepEqual(await line(t, 'deleteUser CU'), { outcome: 'failed', out: 'Usage: deleteUser <user-type> <user-name>\n' });
    assert.deepEqual(await line(t, 'getM'), { outcome: 'failed', out: 'Usage: getMValue <service>\n' });
  });

  it('prompts for -hpswd, and takes a script login from CLOUDHSM_PIN', async () => {
    const t = await testHost({ env: { CLOUDHSM_PIN: `admin:${ADMIN_PASSWORD}` } });
    const ips = await ipsOf(t.ctx);
    assert.deepEqual(await line(t, 'loginHSM CO admin'), { outcome: 'ok', out: perServer('loginHSM', ips) });
    await line(t, 'logoutHSM');
    t.passwords.push(ADMIN_PASSWORD);
    const hidden = await line(t, 'loginHSM CO admin -hpswd');
    assert.equal(hidden.outcome, 'ok');
    assert.deepEqual(t.asked, ['Enter password:']);
    assert.doesNotMatch(hidden.out, new RegExp(ADMIN_PASSWORD.replace('!', '\\!')));
  });

  it('activates the cluster through the PRECO (changePswd PRECO admin)', async () => {
    const ctx = await testContext('cmu-preco');
    await quickstart(ctx, { mode: 'FIPS' });
    let out = '';
    let explained = '';
    const answers = ['y'];
    const host: DialectHost = {
      io: { write: (s) => void (out += s), password: async () => '', ask: async (m) => ((out += m), answers.shift() ?? null), explain: (s) => void (explained += s) },
      engine: async () => ctx,
      env: {},
      sessionKeys: new Map(),
    };
    assert.deepEqual(await runLines(cmuDialect, host, ['loginHSM CO admin password']), ['failed']);
    assert.match(explained, /admin is a PRECO, not a CO/);
    assert.deepEqual(await runLines(cmuDialect, host, ['loginHSM PRECO admin password', 'changePswd PRECO admin Activated1', 'logoutHSM', 'loginHSM CO admin Activated1']), ['ok', 'ok', 'ok', 'ok']);
    assert.match(out, /Changing password for admin\(PRECO\) on 2 nodes\nlogoutHSM success on server 0/);
    assert.ok((await clusterOf(ctx)).activatedAt);
  });

  it('completes command names, user types, usernames and visible handles', async () => {
    const { t, handle } = await withKeys();
    assert.deepEqual(await cmuDialect.complete(t.host, [], 'listU'), ['listUsers']);
    assert.deepEqual(await cmuDialect.complete(t.host, [], 'log'), ['loginHSM', 'logoutHSM']);
    assert.deepEqual(await cmuDialect.complete(t.host, ['loginHSM'], 'C'), ['CO', 'CU']);
    assert.deepEqual(await cmuDialect.complete(t.host, ['deleteUser', 'CU'], 'a'), ['admin', 'alice', 'app_user']);
    await line(t, 'logoutHSM');
    await line(t, 'loginHSM CU alice AlicePass1');
    assert.deepEqual(await cmuDialect.complete(t.host, ['getAttribute'], ''), [String(handle)]);
    assert.deepEqual(await cmuDialect.complete(t.host, ['getAttribute', String(handle)], '35'), ['353', '354', '355', '356', '357']);
  });

  it('redacts the password word of loginHSM, createUser and changePswd (even abbreviated)', () => {
    assert.equal(cmuDialect.redact('loginHSM CU alice s3cretPw'), 'loginHSM CU alice ****');
    assert.equal(cmuDialect.redact('createUser CU bob "two words" -2fa f.json'), 'createUser CU bob **** -2fa f.json');
    assert.equal(cmuDialect.redact('changeP CO admin Pa55word!'), 'changeP CO admin ****');
    // Names are case-sensitive: `loginhsm` is no command, so nothing of the line is kept.
    assert.equal(cmuDialect.redact('loginhsm CO admin Pa55word!'), '****');
    assert.equal(cmuDialect.redact('loginHSM CU alice "unterminated pw'), 'loginHSM CU alice ****');
    assert.equal(cmuDialect.redact('loginHSM CU alice -hpswd'), 'loginHSM CU alice -hpswd');
    assert.equal(cmuDialect.redact('shareKey 6 4 1'), 'shareKey 6 4 1');
  });

  it('helps with each command and names its CloudHSM CLI equivalent', async () => {
    const t = await testHost();
    const all = await cmuDialect.help(t.host, []);
    assert.match(all, /^ {4}loginHSM +login --username U --role admin\|crypto-user/m);
    assert.match(all, /^ {4}getHSMInfo +cluster hsm-info$/m);
    assert.match(all, /^ {4}syncKey +key replicate$/m);
    const one = await line(t, 'help changeP');
    assert.equal(one.outcome, 'ok');
    assert.match(one.out, /^Usage: changePswd <user-type> <user-name> <password \| -hpswd> \[-2fa <path>\]\n/);
    assert.match(one.out, /CloudHSM CLI: user change-password --username U --role R \(PRECO: cluster activate\)/);
    assert.match((await line(t, 'shareKey -h')).out, /CloudHSM CLI: key share \/ key unshare/);
  });
});
