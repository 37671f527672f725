/**
 * cloudhsm_mgmt_util quorum (M of N) commands, walked through as users-and-auth.md §8 describes
 * them, with the approvers' keys and signatures made by the real `openssl`: COs register their
 * public keys, service 3 (USER_MGMT) is set to 2, a createUser is refused until a token signed by
 * two COs is approved, and the approved token serves one command only.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { perform } from '../../src/core/engine.js';
import { activeHsms, resolveCluster, storeKeys } from '../../src/core/cluster/model.js';
import { createUser } from '../../src/core/users/operations.js';
import type { UserRecord } from '../../src/core/users/rules.js';
import { cmuDialect } from '../../src/shell/dialects/cmu.js';
import { kmuDialect } from '../../src/shell/dialects/kmu.js';
import { parseApprovalText } from '../../src/shell/dialects/cmu-quorum.js';
import { ADMIN_PASSWORD, CMU_CAUTION, lineRunner, testHost, type TestHost } from '../support/dialect-host.js';
import { tempDir } from '../support/helpers.js';

const OFFICERS = ['admin', 'officer1', 'officer2'] as const;
const PASSWORDS: Record<string, string> = { admin: ADMIN_PASSWORD, officer1: 'Officer1-Pass', officer2: 'Officer2-Pass' };

function openssl(...args: string[]): void {
  const run = spawnSync('openssl', args, { encoding: 'utf8' });
  assert.equal(run.status, 0, `openssl ${args.join(' ')}: ${run.stderr}`);
}

/** Each officer's RSA-2048 key pair (KEY.pem, KEY.pub), made once: `openssl genrsa` is slow. */
let keyDir = '';
const privateKey = (name: string) => path.join(keyDir, `${name}.pem`);
const publicKey = (name: string) => path.join(keyDir, `${name}.pub`);

/** `openssl dgst -sha256 -sign KEY.pem -out SIGNATURE FILE`, as an approver signs (§8.2-8.3). */
function sign(signer: string, file: string, signature: string): void {
  openssl('dgst', '-sha256', '-sign', privateKey(signer), '-out', signature, file);
}

interface Walk {
  t: TestHost;
  ips: string[];
  dir: string;
  line: (text: string) => Promise<{ outcome: string; out: string }>;
  ok: (text: string) => Promise<string>;
  perServer: (cmd: string) => string;
  /** Logs `name` in (after logging out whoever is logged in). */
  loginAs: (name: string) => Promise<void>;
}

async function walk(): Promise<Walk> {
  const t = await testHost();
  const cluster = await t.ctx.store.read((view) => resolveCluster(view, undefined));
  const ips = activeHsms(cluster).map((h) => h.eniIp);
  const { line, ok } = lineRunner(cmuDialect, t);
  const perServer = (cmd: string) => ips.map((ip, i) => `${cmd} success on server ${i}(${ip})\n`).join('');
  const loginAs = async (name: string) => {
    if (t.host.session) await ok('logoutHSM');
    await ok(`loginHSM CO ${name} ${PASSWORDS[name]}`);
  };
  return { t, ips, dir: tempDir('cmu-quorum-'), line, ok, perServer, loginAs };
}

/** Three COs (admin, officer1, officer2), each with its quorum key registered; admin logged in. */
async function registeredOfficers(w: Walk): Promise<void> {
  await w.loginAs('admin');
  w.t.answers.push('y', 'y');
  await w.ok(`createUser CO officer1 ${PASSWORDS.officer1}`);
  await w.ok(`createUser CO officer2 ${PASSWORDS.officer2}`);
  for (const name of OFFICERS) {
    await w.loginAs(name);
    const token = path.join(w.dir, `${name}.register`);
    fs.writeFileSync(token, `any data of at most 245 bytes, from ${name}`);
    sign(name, token, `${token}.signed`);
    w.t.answers.push('y');
    const registered = await w.ok(`registerQuorumPubKey CO ${name} ${token} ${token}.signed ${publicKey(name)}`);
    assert.equal(registered, `${CMU_CAUTION}y\n${w.perServer('registerQuorumPubKey')}`);
  }
  await w.loginAs('admin');
}

/** Registered officers (admin logged in), then `setup`, then service 3 (USER_MGMT) set to 2. */
async function userQuorum(setup?: (w: Walk) => Promise<void>): Promise<Walk> {
  const w = await walk();
  await registeredOfficers(w);
  await setup?.(w);
  w.t.answers.push('y');
  await w.ok('setMValue 3 2');
  return w;
}

/** A token for service 3 of the logged-in admin, written to a file and signed by `signers`; returns the approval file. */
async function signedToken(w: Walk, name: string, signers: readonly string[]): Promise<string> {
  const token = path.join(w.dir, `${name}.token`);
  await w.ok(`getToken 3 admin ${token}`);
  const approvers = signers.map((signer) => {
    const signature = path.join(w.dir, `${name}.${signer}.sig`);
    sign(signer, token, signature);
    return `Approver Type: 2 ; 2 = CO\nApprover Name: ${signer}\nApproval File: ${signature}\n`;
  });
  const approval = path.join(w.dir, `${name}.approval`);
  fs.writeFileSync(approval, `Multi Token File Path: ; not used\nToken File Path: ${token}\nNumber of Approvals: ${signers.length}\n${approvers.join('')}`);
  return approval;
}

/** §0: the documented createUser failure sequence when quorum is not met, answered I then A. */
function createRefused(w: Walk, name: string): string {
  const part = (i: number, answer: string) => `createUser failed: RET_MXN_AUTH_FAILED\ncreating user on server ${i}(${w.ips[i]}) failed\n\nRetry/Ignore/Abort?(R/I/A):${answer}\n`;
  return `${CMU_CAUTION}y\nCreating User ${name}(CU) on 2 nodes\n${part(0, 'I')}${part(1, 'A')}`;
}

async function userRecord(t: TestHost, name: string): Promise<UserRecord | undefined> {
  const cluster = await t.ctx.store.read((view) => resolveCluster(view, undefined));
  return t.ctx.store.read((view) => view.get<UserRecord>(storeKeys.user(cluster.clusterId, name)));
}

describe('cloudhsm_mgmt_util quorum commands', function () {
  this.timeout(60_000);

  before(() => {
    keyDir = tempDir('cmu-quorum-keys-');
    for (const name of OFFICERS) {
      openssl('genrsa', '-out', privateKey(name), '2048');
      openssl('rsa', '-in', privateKey(name), '-pubout', '-out', publicKey(name));
    }
  });

  it('walks through registration, setMValue, a refused createUser, getToken, approveToken and the approved createUser', async () => {
    const w = await walk();
    await registeredOfficers(w);
    const users = await w.ok('listUsers');
    for (const name of OFFICERS) assert.match(users, new RegExp(`^ +\\d+ +P?CO +${name} +YES +0 +NO$`, 'm'));
    assert.match(users, /^ +2 +AU +app_user +NO +0 +NO$/m);

    const mValue = (value: number) => w.ips.map((_, i) => `MValue of service 3[USER_MGMT] on server ${i} : [${value}]\n`).join('');
    assert.equal(await w.ok('getMValue 3'), mValue(1));
    w.t.answers.push('y');
    assert.equal(await w.ok('setMValue 3 2'), `${CMU_CAUTION}y\nSetting M Value(2) for 3 on 2 nodes\n${w.perServer('setMValue')}`);
    assert.equal(await w.ok('getMValue USER_MGMT'), mValue(2));

    // §0: without an approved token, createUser fails on each server with RET_MXN_AUTH_FAILED.
    w.t.answers.push('y', 'I', 'A');
    assert.deepEqual(await w.line('createUser CU alice Alice-Pass-1'), { outcome: 'failed', out: createRefused(w, 'alice') });
    assert.match(w.t.explained.at(-1)!, /service 3 needs 2 approvals: getToken 3/);
    assert.equal(await userRecord(w.t, 'alice'), undefined);

    const token = path.join(w.dir, 'alice.token');
    const got = await w.ok(`getToken 3 admin ${token}`);
    const block = (i: number) => `Token:\nId:1\nService:3\nNode:${i}\nKey Handle:0\nUser:admin\n`;
    assert.equal(got, w.ips.map((ip, i) => `getToken success on server ${i}(${ip})\n${block(i)}`).join(''));
    assert.match(fs.readFileSync(token, 'utf8'), /"service":"user","username":"admin"/, 'the token file holds the data approvers sign');

    const listing = (approvals: string[], validity: string) =>
      w.ips.map(
        (ip, i) =>
          `=====================\n    Server ${i}(${ip})\n=====================\n-------- Token - 0 ----------\n${block(i)}Token Validity: ${validity} sec\n` +
          `Required num of approvers : 2\nCurrent num of approvals : ${approvals.length}\n${approvals.map((a, j) => `Approver-${j}: ${a}\n`).join('')}Num of tokens = 1\n`,
      );
    const before = await w.ok('listTokens');
    const validity = /Token Validity: (\d+) sec/.exec(before)?.[1];
    assert.ok(validity && Number(validity) > 500 && Number(validity) <= 600, before);
    assert.equal(before, `${listing([], validity).join('\n')}\nlistTokens success\n`);

    for (const signer of ['officer1', 'officer2']) sign(signer, token, path.join(w.dir, `${signer}.sig`));
    const approval = path.join(w.dir, 'alice.approval');
    const approver = (name: string) => `Approver Type: 2\nApprover Name: ${name}\nApproval File: ${path.join(w.dir, `${name}.sig`)}\n`;
    fs.writeFileSync(approval, `Multi Token File Path:\nToken File Path: ${token}\nNumber of Approvals: 2\n${approver('officer1')}${approver('officer2')}`);
    assert.equal(await w.ok(`approveToken ${approval}`), w.perServer('approveToken'));
    const approved = await w.ok('listTokens');
    assert.match(approved, /Current num of approvals : 2\nApprover-0: officer1\nApprover-1: officer2\nNum of tokens = 1\n/);
    assert.equal(approved.match(/^Approver-1: officer2$/gm)?.length, 2, 'one block per server');

    w.t.answers.push('y');
    assert.equal(await w.ok('createUser CU alice Alice-Pass-1'), `${CMU_CAUTION}y\nCreating User alice(CU) on 2 nodes\n`);
    assert.equal((await userRecord(w.t, 'alice'))?.role, 'crypto-user');

    // The approved token served that one command: it is gone, and the next one is refused.
    assert.equal(await w.ok('listTokens'), w.ips.map((ip, i) => `=====================\n    Server ${i}(${ip})\n=====================\nNum of tokens = 0\n`).join('\n') + '\nlistTokens success\n');
    w.t.answers.push('y', 'I', 'A');
    assert.deepEqual(await w.line('createUser CU bob Bob-Pass-12'), { outcome: 'failed', out: createRefused(w, 'bob') });
  });

  it('refuses deleteUser and changePswd of another user with the documented per-server lines', async () => {
    const w = await userQuorum(async ({ t, ok }) => {
      t.answers.push('y');
      await ok('createUser CU alice Alice-Pass-1');
    });

    w.t.answers.push('I', 'I');
    const deleted = await w.line('deleteUser CU alice');
    const part = (i: number) => `deleteUser failed: RET_MXN_AUTH_FAILED\ndeleteUser failed on server ${i}(${w.ips[i]})\n\nRetry/rollBack/Ignore?(R/B/I):I\n`;
    assert.deepEqual(deleted, { outcome: 'failed', out: `Deleting user alice(CU) on 2 nodes\n${part(0)}${part(1)}` });
    assert.ok(await userRecord(w.t, 'alice'));

    w.t.answers.push('y');
    const changed = await w.line('changePswd CU alice Alice-Pass-2');
    const failed = w.ips.map((ip, i) => `changePswd failed: RET_MXN_AUTH_FAILED\nchangePswd failed on server ${i}(${ip})\n`).join('');
    assert.deepEqual(changed, { outcome: 'failed', out: `${CMU_CAUTION}y\nChanging password for alice(CU) on 2 nodes\n${failed}` });

    // An approved token lets the deletion through.
    await w.ok(`approveToken ${await signedToken(w, 'delete', ['officer1', 'officer2'])}`);
    assert.equal(await w.ok('deleteUser CU alice'), `Deleting user alice(CU) on 2 nodes\n${w.perServer('deleteUser')}`);
    assert.equal(await userRecord(w.t, 'alice'), undefined);
  });

  it('counts too few approvals as a refusal, and delToken deletes the token', async () => {
    const w = await userQuorum();
    await w.ok(`approveToken ${await signedToken(w, 'one', ['officer1'])}`);
    assert.match(await w.ok('listTokens'), /Required num of approvers : 2\nCurrent num of approvals : 1\nApprover-0: officer1\nNum of tokens = 1\n/);
    w.t.answers.push('y', 'I', 'A');
    assert.deepEqual(await w.line('createUser CU carol Carol-Pass-1'), { outcome: 'failed', out: createRefused(w, 'carol') });
    assert.match(w.t.explained.join('\n'), /Too few quorum approvals: currently 1 approvals, but 2 approvals required/);

    const second = await w.line(`getToken 3 admin ${path.join(w.dir, 'second.token')}`);
    assert.equal(second.outcome, 'failed', 'one token per user and service');
    assert.match(second.out, /^getToken failed: RET_MXN_AUTH_FAILED\n/);
    assert.equal(await w.ok('delToken 3'), w.perServer('delToken'));
    assert.match(await w.ok('listTokens'), /Num of tokens = 0\n/);
    await w.ok(`getToken USER_MGMT admin ${path.join(w.dir, 'second.token')}`);
  });

  it('guards the M values with service 4 (MISC_CO)', async () => {
    // Service 4 guards every change of an M value, its own included: set it last.
    const w = await userQuorum();
    w.t.answers.push('y');
    await w.ok('setMValue 4 2');
    assert.equal(await w.ok('getMValue 4'), w.ips.map((_, i) => `MValue of service 4[MISC_CO] on server ${i} : [2]\n`).join(''));

    w.t.answers.push('y');
    const refused = await w.line('setMValue 3 1');
    const failed = w.ips.map((ip, i) => `setMValue failed: RET_MXN_AUTH_FAILED\nsetMValue failed on server ${i}(${ip})\n`).join('');
    assert.deepEqual(refused, { outcome: 'failed', out: `${CMU_CAUTION}y\nSetting M Value(1) for 3 on 2 nodes\n${failed}` });
    assert.match(w.t.explained.at(-1)!, /service 4 needs 2 approvals: getToken 4/);

    // A service 4 token approved by two COs lets one change through.
    const token = path.join(w.dir, 'misc.token');
    const got = await w.ok(`getToken 4 admin ${token}`);
    assert.match(got, /^Service:4$/m);
    for (const signer of ['admin', 'officer2']) sign(signer, token, `${token}.${signer}`);
    const approver = (name: string) => `Approver Type: 2\nApprover Name: ${name}\nApproval File: ${token}.${name}\n`;
    fs.writeFileSync(`${token}.approval`, `Multi Token File Path: ${token}\nToken File Path:\nNumber of Approvals: 2\n${approver('admin')}${approver('officer2')}`);
    await w.ok(`approveToken ${token}.approval`);
    w.t.answers.push('y');
    await w.ok('setMValue 3 1');
    assert.match(await w.ok('getMValue 3'), /^MValue of service 3\[USER_MGMT\] on server 0 : \[1\]$/m);
  });

  it('refuses approvals that do not verify, and tokens of another login', async () => {
    const w = await userQuorum();
    const token = path.join(w.dir, 'forged.token');
    await w.ok(`getToken 3 admin ${token}`);
    // officer2's name over officer1's signature.
    sign('officer1', token, `${token}.sig`);
    fs.writeFileSync(`${token}.approval`, `Multi Token File Path:\nToken File Path: ${token}\nNumber of Approvals: 1\nApprover Type: 2\nApprover Name: officer2\nApproval File: ${token}.sig\n`);
    const forged = await w.line(`approveToken ${token}.approval`);
    assert.equal(forged.outcome, 'failed');
    assert.equal(forged.out, w.ips.map((ip, i) => `approveToken failed: RET_MXN_AUTH_FAILED\napproveToken failed on server ${i}(${ip})\n`).join(''));
    assert.match(w.t.explained.at(-1)!, /approval of officer2 does not verify/);
    assert.match(await w.ok('listTokens'), /Current num of approvals : 0\nNum of tokens = 1\n/);

    const other = await w.line(`getToken 3 officer1 ${path.join(w.dir, 'other.token')}`);
    assert.equal(other.outcome, 'failed');
    assert.match(other.out, /^getToken failed: RET_USER_NOT_AUTHORIZED\n/);
    assert.match(w.t.explained.at(-1)!, /a token is for the logged-in user: give admin/);

    // §8.3 step 4: the token lives only as long as the login that got it.
    await w.loginAs('admin');
    assert.match(await w.ok('listTokens'), /Num of tokens = 0\n/);
    const stale = await w.line(`approveToken ${token}.approval`);
    assert.match(stale.out, /^approveToken failed: RET_MXN_AUTH_FAILED\n/);
  });

  it('checks registerQuorumPubKey: the confirmation, the signature, the 245-byte limit and the user', async () => {
    const w = await walk();
    await w.loginAs('admin');
    const token = path.join(w.dir, 'register');
    fs.writeFileSync(token, 'registration data');
    sign('admin', token, `${token}.signed`);
    const line = `registerQuorumPubKey CO admin ${token} ${token}.signed`;

    w.t.answers.push('n');
    assert.deepEqual(await w.line(`${line} ${publicKey('admin')}`), { outcome: 'ok', out: `${CMU_CAUTION}n\n` });
    assert.equal((await userRecord(w.t, 'admin'))?.quorum, undefined);

    const failedWith = (ret: string) => w.ips.map((ip, i) => `registerQuorumPubKey failed: ${ret}\nregisterQuorumPubKey failed on server ${i}(${ip})\n`).join('');
    w.t.answers.push('y');
    assert.deepEqual(await w.line(`${line} ${publicKey('officer1')}`), { outcome: 'failed', out: `${CMU_CAUTION}y\n${failedWith('RET_MXN_AUTH_FAILED')}` });
    assert.match(w.t.explained.at(-1)!, /does not verify with this public key/);

    const long = path.join(w.dir, 'long');
    fs.writeFileSync(long, 'x'.repeat(246));
    sign('admin', long, `${long}.signed`);
    w.t.answers.push('y');
    const tooLong = await w.line(`registerQuorumPubKey CO admin ${long} ${long}.signed ${publicKey('admin')}`);
    assert.equal(tooLong.out, `${CMU_CAUTION}y\n${failedWith('RET_INVALID_INPUT')}`);
    assert.match(w.t.explained.at(-1)!, /1 to 245 bytes/);

    w.t.answers.push('y');
    const other = await w.line(`registerQuorumPubKey CO app_user ${token} ${token}.signed ${publicKey('admin')}`);
    assert.equal(other.outcome, 'failed');
    const asked = w.t.asked.length;
    const missing = await w.line(`registerQuorumPubKey CO admin ${token} ${path.join(w.dir, 'nothing')} ${publicKey('admin')}`);
    assert.equal(missing.outcome, 'failed');
    assert.match(missing.out, /^cannot read signed token file .*nothing: no such file; give the path of the signed token file\n$/);
    assert.equal((await w.line(`registerQuorumPubKey CU admin ${token} ${token}.signed ${publicKey('admin')}`)).outcome, 'failed');
    assert.equal(w.t.asked.length, asked, 'refused before the confirmation');

    w.t.answers.push('y');
    await w.ok(`${line} ${publicKey('admin')}`);
    assert.equal((await userRecord(w.t, 'admin'))?.quorum, true);
  });

  it('shows MofnPubKey and 2FA YES for a user with a quorum key and MFA, in both legacy shells', async () => {
    const w = await walk();
    const admin = { credentials: { username: 'admin', password: ADMIN_PASSWORD, role: 'admin' as const } };
    await perform(w.t.ctx, createUser, { username: 'alice', password: 'Alice-Pass-1', role: 'crypto-user' }, admin);
    // Set in the record as `user change-mfa token-sign` would leave it.
    const cluster = await w.t.ctx.store.read((view) => resolveCluster(view, undefined));
    const key = storeKeys.user(cluster.clusterId, 'admin');
    await w.t.ctx.store.transact((tx) => tx.put(key, { ...tx.get<UserRecord>(key)!, mfa: true, quorum: true }));
    assert.match(await w.ok('listUsers'), /^ +1 +PCO +admin +YES +0 +YES$/m);

    const kmu = lineRunner(kmuDialect, w.t);
    await kmu.ok('loginHSM -u CU -s alice -p Alice-Pass-1');
    const users = await kmu.ok('listUsers');
    assert.match(users, /^ +1 +1 +PCO +admin +YES +0 +YES$/m);
    assert.match(users, /^ +3 +3 +CU +alice +NO +0 +NO$/m);
  });

  it('names the line of an approval file that is wrong', () => {
    const good = ['Multi Token File Path:', 'Token File Path: t', 'Number of Approvals: 1', 'Approver Type: 2', 'Approver Name: officer1', 'Approval File: s'];
    assert.deepEqual(parseApprovalText(good.join('\n'), 'a.txt'), { tokenFile: 't', approvers: [{ role: 'admin', name: 'officer1', file: 's' }] });
    const refused = (lines: string[], message: RegExp) => assert.throws(() => parseApprovalText(lines.join('\n'), 'a.txt'), message);
    refused(['Token File Path: t', ...good.slice(2)], /a\.txt line 1: expected "Multi Token File Path: <value>", found "Token File Path: t"/);
    refused([good[0]!, 'Token File Path:', ...good.slice(2)], /names no token file/);
    refused([good[0]!, good[1]!, 'Number of Approvals: two', ...good.slice(3)], /line 3: Number of Approvals must be a whole number/);
    refused([...good.slice(0, 3), 'Approver Type: 3', ...good.slice(4)], /line 4: Approver Type must be 2 \(CO\) or 1 \(CU\), not "3"/);
    refused(good.slice(0, 5), /ends where a "Approval File: <value>" line should follow/);
    refused([...good, 'Approver Type: 2'], /line 7: more lines than Number of Approvals \(1\)/);
  });

  it('helps with the quorum commands, completes services and prints usage for missing arguments', async () => {
    const w = await walk();
    const all = await cmuDialect.help(w.t.host, []);
    assert.doesNotMatch(all, /not modelled/);
    assert.match(all, /^ {4}getToken +quorum token-sign generate --service user\|quorum$/m);
    assert.match(await w.ok('help approveToken'), /Approver Type: 2/);
    assert.deepEqual(await cmuDialect.complete(w.t.host, ['setMValue'], ''), ['3', '4']);
    assert.deepEqual(await w.line('getMValue'), { outcome: 'failed', out: 'Usage: getMValue <service>\n' });
    const unknown = await w.line('getMValue 5');
    assert.equal(unknown.outcome, 'failed');
    assert.match(unknown.out, /unknown service "5"; give 3 \(USER_MGMT/);
  });
});
