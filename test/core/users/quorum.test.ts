/**
 * Quorum and MFA through the one dispatch point, as sequences of permitted operations an
 * attacker would try (users-and-auth.md §7-8): a quorum of 1 changes nothing; no sequence lowers
 * a quorum, removes approvers below it or reuses an approval; tokens stay with their user, session
 * and cluster; MFA cannot be skipped by any login path.
 */
import assert from 'node:assert/strict';
import { constants, generateKeyPairSync, privateEncrypt, sign as rsaSign, type KeyObject } from 'node:crypto';
import { perform, type Caller } from '../../../src/core/engine.js';
import type { EngineContext } from '../../../src/core/context.js';
import { changePassword, createUser, deleteUser, listUsers, login, logout } from '../../../src/core/users/operations.js';
import { changeMfa, finishMfaLogin, startMfaLogin, startMfaRegistration, type MfaTokenFile } from '../../../src/core/users/mfa.js';
import { deleteTokens, generateToken, registerQuorumKey, setQuorumValue } from '../../../src/core/quorum/operations.js';
import type { QuorumTokenFile, RegistrationTokenFile } from '../../../src/core/quorum/tokens.js';
import { generateSymmetric } from '../../../src/core/keys/generate.js';
import { setAttribute, unshareKey } from '../../../src/core/keys/operations.js';
import { byLabel } from '../../../src/core/keys/selector.js';
import { advanceClock } from '../../../src/core/time/operations.js';
import { listAuditEvents } from '../../../src/core/audit/operations.js';
import { refused } from '../../support/helpers.js';
import { clusterContext } from '../../support/templates.js';

const PW = 'Quorum-Pass-1';
const ADMIN: Caller = { credentials: { username: 'admin', password: 'Admin123!', role: 'admin' } };
const as = (username: string, role: 'admin' | 'crypto-user' = 'admin'): Caller => ({ credentials: { username, password: PW, role } });

interface Person {
  caller: Caller;
  key: KeyObject;
  pem: string;
}

function keyPair(): { key: KeyObject; pem: string } {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return { key: privateKey, pem: publicKey.export({ type: 'spki', format: 'pem' }).toString() };
}

const signOver = (key: KeyObject, data: Buffer) => rsaSign('sha256', data, key).toString('base64');

async function registerQuorum(ctx: EngineContext, caller: Caller): Promise<Person> {
  const { key, pem } = keyPair();
  const { token } = await perform(ctx, generateToken, { service: 'registration' }, caller);
  const file = token as RegistrationTokenFile;
  for (const t of file.tokens) t.signed = signOver(key, Buffer.from(t.approval_data, 'base64'));
  await perform(ctx, registerQuorumKey, { publicKeyPem: pem, signedToken: file }, caller);
  return { caller, key, pem };
}

async function approval(ctx: EngineContext, requester: Caller, service: string, signers: Array<{ name: string; role: string; key: KeyObject }>): Promise<QuorumTokenFile> {
  const { token } = await perform(ctx, generateToken, { service }, requester);
  const file = token as QuorumTokenFile;
  for (const s of signers) file.signatures.push({ username: s.name, role: s.role, signature: signOver(s.key, Buffer.from(file.approval_data, 'base64')) });
  return file;
}

describe('core/users: quorum and MFA as sequences of permitted operations', function () {
  this.timeout(120_000);
  let ctx: EngineContext;
  let admins: Record<string, Person>;

  before(async () => {
    ctx = await clusterContext({ cryptoUsers: { alice: PW, bob: PW, carol: PW } });
    for (const name of ['admin2', 'admin3']) await perform(ctx, createUser, { username: name, role: 'admin', password: PW }, ADMIN);
    admins = {};
    for (const [name, caller] of [['admin', ADMIN], ['admin2', as('admin2')], ['admin3', as('admin3')]] as const) admins[name] = await registerQuorum(ctx, caller);
  });

  const signer = (name: string) => ({ name, role: 'admin', key: admins[name]!.key });

  it('a quorum of 1 behaves as before: no approval needed, and one given is not consumed', async () => {
    const unused = await approval(ctx, ADMIN, 'user', [signer('admin2')]);
    await perform(ctx, createUser, { username: 'q1', role: 'crypto-user', password: PW, approvals: { approval: unused } }, ADMIN);
    await perform(ctx, deleteUser, { username: 'q1', role: 'crypto-user' }, ADMIN);
    await perform(ctx, deleteTokens, { scope: 'user' }, ADMIN);
  });

  it('no quorum can exceed the admins, nor can deleting admins leave fewer than it', async () => {
    await refused(perform(ctx, setQuorumValue, { service: 'user', value: 4 }, ADMIN), 'INVALID_ARGUMENT');
    await perform(ctx, setQuorumValue, { service: 'quorum', value: 3 }, ADMIN);
    await perform(ctx, createUser, { username: 'admin4', role: 'admin', password: PW }, ADMIN);
    // With a quorum value of 3 and 4 admins, deleting one is fine; a second would leave 2.
    await perform(ctx, deleteUser, { username: 'admin4', role: 'admin' }, ADMIN);
    await refused(perform(ctx, deleteUser, { username: 'admin3', role: 'admin' }, ADMIN), 'INVALID_ARGUMENT');
    // Lowering it back needs 3 approvals now: two are too few, and a refused attempt consumes nothing.
    const short = await approval(ctx, ADMIN, 'quorum', [signer('admin'), signer('admin2')]);
    await refused(perform(ctx, setQuorumValue, { service: 'quorum', value: 1, approvals: { approval: short } }, ADMIN), 'QUORUM_FAILED');
    await refused(perform(ctx, generateToken, { service: 'quorum' }, ADMIN), 'QUORUM_FAILED'); // still active: one per service
    short.signatures.push({ username: 'admin3', role: 'admin', signature: signOver(admins.admin3!.key, Buffer.from(short.approval_data, 'base64')) });
    await perform(ctx, setQuorumValue, { service: 'quorum', value: 2, approvals: { approval: short } }, ADMIN);
    // Used once: the same approval does not serve again, though it carries enough signatures.
    await refused(perform(ctx, setQuorumValue, { service: 'quorum', value: 1, approvals: { approval: short } }, ADMIN), 'QUORUM_FAILED');
    await perform(ctx, setQuorumValue, { service: 'quorum', value: 1, approvals: { approval: await approval(ctx, ADMIN, 'quorum', [signer('admin2'), signer('admin3')]) } }, ADMIN);
  });

  it('a token belongs to its user and its shell session: another session, another user, a logout or expiry ends it', async () => {
    await perform(ctx, setQuorumValue, { service: 'user', value: 2 }, ADMIN);
    const shell = (await perform(ctx, login, { credentials: { username: 'admin', password: 'Admin123!', role: 'admin' }, sessionPid: process.pid }));
    const inShell: Caller = { session: shell.session! };
    const file = await approval(ctx, inShell, 'user', [signer('admin2'), signer('admin3')]);
    const attempt = (caller: Caller) => perform(ctx, createUser, { username: 'dave', role: 'crypto-user', password: PW, approvals: { approval: file } }, caller);
    await refused(attempt(ADMIN), 'QUORUM_FAILED'); // the same user, outside that session
    await refused(attempt(as('admin2')), 'QUORUM_FAILED'); // another user
    await perform(ctx, logout, {}, inShell);
    const again = (await perform(ctx, login, { credentials: { username: 'admin', password: 'Admin123!', role: 'admin' }, sessionPid: process.pid }));
    await refused(attempt({ session: again.session! }), 'QUORUM_FAILED'); // the logout dropped it
    // Expiry: 600 s of cluster time.
    const late = await approval(ctx, { session: again.session! }, 'user', [signer('admin2'), signer('admin3')]);
    await perform(ctx, advanceClock, { minutes: 11 }, {});
    await refused(perform(ctx, createUser, { username: 'dave', role: 'crypto-user', password: PW, approvals: { approval: late } }, { session: again.session! }), 'QUORUM_FAILED');
    // An approver who signs twice counts once; an unregistered one does not count.
    const twice = await approval(ctx, { session: again.session! }, 'user', [signer('admin2'), signer('admin2')]);
    await refused(perform(ctx, createUser, { username: 'dave', role: 'crypto-user', password: PW, approvals: { approval: twice } }, { session: again.session! }), 'QUORUM_FAILED');
    await perform(ctx, logout, {}, { session: again.session! });
  });

  it('key quorum: unsharing cannot drop the associated users below it; an admin sets trusted without it', async () => {
    const alice = as('alice', 'crypto-user');
    await perform(ctx, generateSymmetric, { keyType: 'aes', label: 'kq', keyLengthBytes: 32, shareWith: ['bob'], manageQuorum: 2, useQuorum: 2 }, alice);
    await refused(perform(ctx, unshareKey, { filter: byLabel('kq'), username: 'bob', role: 'crypto-user' }, alice), 'INVALID_ARGUMENT');
    await refused(perform(ctx, setAttribute, { filter: byLabel('kq'), name: 'label', value: 'kq2' }, alice), 'QUORUM_FAILED');
    await perform(ctx, setAttribute, { filter: byLabel('kq'), name: 'trusted', value: 'true' }, ADMIN);
    // Admins cannot even request a key-service token.
    await refused(perform(ctx, generateToken, { service: 'key-usage' }, ADMIN), 'PERMISSION_DENIED');
  });

  it('MFA cannot be skipped: password-only logins and single-command credentials are refused; a challenge answers once, for its user', async () => {
    const carol = as('carol', 'crypto-user');
    const { key, pem } = keyPair();
    const started = await perform(ctx, startMfaRegistration, { username: 'carol', role: 'crypto-user' }, carol);
    await refused(perform(ctx, startMfaRegistration, { username: 'alice', role: 'crypto-user' }, carol), 'PERMISSION_DENIED');
    const signFile = (file: MfaTokenFile, k: KeyObject) => {
      // Sign the digest the way openssl pkeyutl does: PKCS#1 v1.5 over SHA-256 of the data, given the digest.
      return { ...file, tokens: file.tokens.map((t) => ({ ...t, signed: signDigest(k, Buffer.from(t.unsigned, 'base64')) })) };
    };
    await perform(ctx, changeMfa, { username: 'carol', role: 'crypto-user', answer: { challengeId: started.challengeId, signed: signFile(started.file, key) }, publicKeyPem: pem }, carol);
    await refused(perform(ctx, login, { credentials: { username: 'carol', password: PW, role: 'crypto-user' } }), 'MFA_REQUIRED');
    await refused(perform(ctx, generateToken, { service: 'registration' }, carol), 'MFA_REQUIRED');
    const first = await perform(ctx, startMfaLogin, { credentials: { username: 'carol', password: PW, role: 'crypto-user' } });
    assert.ok('challengeId' in first);
    const signed = signFile(first.file, key);
    // Answered for another user, the challenge does not fit; for carol it logs in once.
    await refused(perform(ctx, finishMfaLogin, { username: 'alice', challengeId: first.challengeId, signed }), 'MFA_FAILED');
    const second = await perform(ctx, startMfaLogin, { credentials: { username: 'carol', password: PW, role: 'crypto-user' } });
    assert.ok('challengeId' in second);
    const ok = await perform(ctx, finishMfaLogin, { username: 'carol', challengeId: second.challengeId, signed: signFile(second.file, key) });
    assert.equal(ok.username, 'carol');
    await refused(perform(ctx, finishMfaLogin, { username: 'carol', challengeId: second.challengeId, signed: signFile(second.file, key) }), 'MFA_FAILED');
    // A file signed for one challenge does not answer another.
    const third = await perform(ctx, startMfaLogin, { credentials: { username: 'carol', password: PW, role: 'crypto-user' } });
    assert.ok('challengeId' in third);
    await refused(perform(ctx, finishMfaLogin, { username: 'carol', challengeId: third.challengeId, signed }), 'MFA_FAILED');
    // cloudhsm_mgmt_util's changePswd without -2fa removes 2FA and the quorum key with it.
    const fourth = await perform(ctx, startMfaLogin, { credentials: { username: 'carol', password: PW, role: 'crypto-user' } });
    assert.ok('challengeId' in fourth);
    const session = await perform(ctx, finishMfaLogin, { username: 'carol', challengeId: fourth.challengeId, signed: signFile(fourth.file, key), sessionPid: process.pid });
    await perform(ctx, changePassword, { username: 'carol', role: 'crypto-user', password: PW, dropTwoFactor: true }, { session: session.session! });
    const { users } = await perform(ctx, listUsers, {});
    const after = users.find((u) => u.username === 'carol')!;
    assert.equal(after.mfa, undefined);
    assert.equal(after.quorum, undefined);
    await perform(ctx, login, { credentials: { username: 'carol', password: PW, role: 'crypto-user' } });
  });

  it('no event holds a signature, public key or password', async () => {
    const { events } = await perform(ctx, listAuditEvents, {});
    const text = JSON.stringify(events);
    assert.ok(events.some((e) => e.opcode.name === 'CN_APPROVE_TOKEN'));
    for (const secret of [PW, 'Admin123!', 'BEGIN PUBLIC KEY', admins.admin2!.pem.split('\n')[1]!]) assert.ok(!text.includes(secret), secret);
  });
});

/** PKCS#1 v1.5 signature of a SHA-256 `digest` (what `openssl pkeyutl -sign -pkeyopt digest:sha256` makes). */
function signDigest(key: KeyObject, digest: Buffer): string {
  const sha256DigestInfo = Buffer.from('3031300d060960864801650304020105000420', 'hex');
  return privateEncrypt({ key, padding: constants.RSA_PKCS1_PADDING }, Buffer.concat([sha256DigestInfo, digest])).toString('base64');
}
