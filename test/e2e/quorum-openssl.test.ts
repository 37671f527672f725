/**
 * The AWS quorum (M of N) walk-throughs, end to end through the built binaries, with `openssl` as
 * the approvers' tool (users-and-auth.md §8, cli-commands.md §3.11, §3.13): first-time setup for
 * admins, changing the minimum value, user management and key use and management needing two
 * approvals, with the refusals for a missing, short, reused or expired approval.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { CLI_BIN, runBin, tempDir, type BinRun } from '../support/helpers.js';
import { clusterFolder } from '../support/templates.js';

const ADMIN_PW = 'Admin123!';
const PW = 'Quorum-Pass-1';

function openssl(args: string[], input?: Buffer): Buffer {
  return execFileSync('openssl', args, { input, stdio: ['pipe', 'pipe', 'pipe'] });
}

describe('e2e: quorum authentication walk-throughs with openssl', function () {
  this.timeout(240_000);
  const work = tempDir('chsm-quorum-');
  const f = (name: string) => path.join(work, name);
  const state = { CLOUDHSM_STATE_DIR: f('state') };
  const as = (username: string, role = 'admin', password = username === 'admin' ? ADMIN_PW : PW) => ({ ...state, CLOUDHSM_ROLE: role, CLOUDHSM_PIN: `${username}:${password}` });
  const admin = as('admin');

  function ok(r: BinRun): any {
    assert.equal(r.status, 0, `${r.stdout}${r.stderr}`);
    return r.json?.data;
  }

  function refusedWith(r: BinRun, message: RegExp | string): void {
    assert.equal(r.status, 1, `${r.stdout}${r.stderr}`);
    if (typeof message === 'string') assert.equal(r.json?.data, message, r.stdout);
    else assert.match(String(r.json?.data), message);
  }

  function keyPair(name: string): void {
    openssl(['genrsa', '-out', f(`${name}.key`), '2048']);
    openssl(['rsa', '-in', f(`${name}.key`), '-pubout', '-out', f(`${name}.pub`)]);
  }

  /** `openssl pkeyutl -sign -pkeyopt digest:sha256` over a base64 digest, as the docs show. */
  function signDigest(name: string, digestB64: string): string {
    fs.writeFileSync(f('digest.bin'), Buffer.from(digestB64, 'base64'));
    return openssl(['pkeyutl', '-sign', '-inkey', f(`${name}.key`), '-pkeyopt', 'digest:sha256', '-in', f('digest.bin')]).toString('base64');
  }

  /** `openssl dgst -sha256 -sign` over the token's approval data: the same signature. */
  function signData(name: string, dataB64: string): string {
    fs.writeFileSync(f('data.bin'), Buffer.from(dataB64, 'base64'));
    return openssl(['dgst', '-sha256', '-sign', f(`${name}.key`), f('data.bin')]).toString('base64');
  }

  function register(username: string, role = 'admin'): void {
    keyPair(username);
    const token = f(`${username}.reg`);
    assert.deepEqual(ok(runBin(['quorum', 'token-sign', 'generate', '--service', 'registration', '--token', token, '--json'], { env: as(username, role) })), { filepath: token });
    const file = JSON.parse(fs.readFileSync(token, 'utf8'));
    assert.deepEqual(Object.keys(file.tokens[0]).sort(), ['approval_data', 'signed', 'unsigned']);
    file.tokens[0].signed = signDigest(username, file.tokens[0].unsigned);
    fs.writeFileSync(token, JSON.stringify(file));
    const registered = ok(runBin(['user', 'change-quorum', 'token-sign', 'register', '--public-key', f(`${username}.pub`), '--signed-token', token, '--json'], { env: as(username, role) }));
    assert.deepEqual(registered, { username, role });
  }

  /** Generates a token as `requester` and has `approvers` sign it; returns the approval file. */
  function approval(requester: Record<string, string>, service: string, approvers: string[], extra: string[] = []): string {
    const file = f(`${service}-${Date.now()}-${Math.random().toString(36).slice(2)}.token`);
    ok(runBin(['quorum', 'token-sign', 'generate', '--service', service, '--token', file, ...extra, '--json'], { env: requester }));
    const token = JSON.parse(fs.readFileSync(file, 'utf8'));
    assert.equal(token.version, '2.0');
    assert.equal(token.service, service);
    assert.deepEqual(token.signatures, []);
    approvers.forEach((name, i) => {
      const signature = i % 2 === 0 ? signDigest(name, token.token) : signData(name, token.approval_data);
      token.signatures.push({ username: name, role: name.startsWith('admin') ? 'admin' : 'crypto-user', signature });
    });
    fs.writeFileSync(file, JSON.stringify(token, null, 2));
    return file;
  }

  const createUser = (username: string, extra: string[] = [], bin?: string) =>
    runBin(['user', 'create', '--username', username, '--role', 'crypto-user', '--password', PW, ...extra, ...(bin ? [] : ['--json'])], { env: admin, bin });

  before(async () => {
    fs.cpSync(await clusterFolder({ cryptoUsers: { alice: PW, bob: PW, carol: PW } }), state.CLOUDHSM_STATE_DIR, { recursive: true });
    for (const name of ['admin2', 'admin3']) ok(runBin(['user', 'create', '--username', name, '--role', 'admin', '--password', PW, '--json'], { env: admin }));
  });

  it('first-time setup: each admin registers an RSA-2048 key with a signed registration token; user list shows it', () => {
    assert.deepEqual(ok(runBin(['quorum', 'token-sign', 'list-quorum-values', '--json'], { env: state })), { user: 1, quorum: 1, cluster: 1 });
    assert.deepEqual(ok(runBin(['quorum', 'token-sign', 'list-timeouts', '--json'], { env: state })), { generated: 600, approved: 600 });
    for (const name of ['admin', 'admin2', 'admin3']) register(name);
    const users = ok(runBin(['user', 'list', '--json'], { env: state })).users as Array<{ username: string; quorum: unknown[]; mfa: unknown[] }>;
    for (const name of ['admin', 'admin2', 'admin3']) {
      assert.deepEqual(users.find((u) => u.username === name)?.quorum, [{ strategy: 'token-sign', status: 'enabled' }]);
    }
    assert.deepEqual(users.find((u) => u.username === 'alice')?.quorum, []);
    // A registration signed by another key, or a reused registration token, is refused.
    keyPair('mallory');
    ok(runBin(['quorum', 'token-sign', 'generate', '--service', 'registration', '--token', f('bad.reg')], { env: as('admin2') }));
    const bad = JSON.parse(fs.readFileSync(f('bad.reg'), 'utf8'));
    bad.tokens[0].signed = signDigest('mallory', bad.tokens[0].unsigned);
    fs.writeFileSync(f('bad.reg'), JSON.stringify(bad));
    refusedWith(runBin(['user', 'change-quorum', 'token-sign', 'register', '--public-key', f('admin2.pub'), '--signed-token', f('bad.reg'), '--json'], { env: as('admin2') }), /does not verify/);
    refusedWith(runBin(['user', 'change-quorum', 'token-sign', 'register', '--public-key', f('admin.pub'), '--signed-token', f('admin.reg'), '--json'], { env: admin }), /not an active registration token/);
    // The refused registration left its token; its owner deletes it.
    assert.equal(ok(runBin(['quorum', 'token-sign', 'delete', '--scope', 'user', '--json'], { env: as('admin2') })), 'Deletion of quorum token(s) successful');
  });

  it('changing the minimum value: quorum first, then user needs an approved quorum token', () => {
    assert.equal(ok(runBin(['quorum', 'token-sign', 'set-quorum-value', '--service', 'quorum', '--value', '2', '--json'], { env: admin })), 'Set Quorum Value successful');
    refusedWith(runBin(['quorum', 'token-sign', 'set-quorum-value', '--service', 'user', '--value', '2', '--json'], { env: admin }), 'Quorum approval is required for this operation');
    refusedWith(runBin(['quorum', 'token-sign', 'set-quorum-value', '--service', 'user', '--value', '4', '--json'], { env: admin }), /more than the 3 admin/);
    const one = approval(admin, 'quorum', ['admin2']);
    refusedWith(runBin(['quorum', 'token-sign', 'set-quorum-value', '--service', 'user', '--value', '2', '--approval', one, '--json'], { env: admin }), 'Too few quorum approvals: currently 1 approvals, but 2 approvals required');
    runBin(['quorum', 'token-sign', 'delete', '--scope', 'user'], { env: admin });
    const two = approval(admin, 'quorum', ['admin2', 'admin3']);
    assert.equal(ok(runBin(['quorum', 'token-sign', 'set-quorum-value', '--service', 'user', '--value', '2', '--approval', two, '--json'], { env: admin })), 'Set Quorum Value successful');
    assert.deepEqual(ok(runBin(['quorum', 'token-sign', 'list-quorum-values', '--json'], { env: state })), { user: 2, quorum: 2, cluster: 1 });
  });

  it('creating and deleting a user needs two approvals: refused without, accepted with, refused when reused or expired', () => {
    // The real tool's exact envelope.
    const plain = createUser('dave', [], CLI_BIN);
    assert.equal(plain.status, 1);
    assert.deepEqual(JSON.parse(plain.stdout), { error_code: 1, data: 'Quorum approval is required for this operation' });
    const file = approval(admin, 'user', ['admin', 'admin2']);
    const listed = ok(runBin(['quorum', 'token-sign', 'list', '--json'], { env: as('admin3') })).tokens;
    assert.deepEqual(listed.map((t: Record<string, unknown>) => ({ ...t, 'token-timeout-seconds': typeof t['token-timeout-seconds'] })), [
      { username: 'admin', service: 'user', 'approvals-required': 2, 'number-of-approvals': 0, 'token-timeout-seconds': 'number', 'cluster-coverage': 'full' },
    ]);
    // Another admin cannot use admin's token.
    refusedWith(runBin(['user', 'create', '--username', 'dave', '--role', 'crypto-user', '--password', PW, '--approval', file, '--json'], { env: as('admin2') }), /belongs to admin/);
    assert.deepEqual(ok(createUser('dave', ['--approval', file])), { username: 'dave', role: 'crypto-user' });
    refusedWith(createUser('erin', ['--approval', file]), /^Invalid username-signature pair for quorum authorization/);
    // One active token per user for an admin service; an expired one is refused.
    const stale = approval(admin, 'user', ['admin2', 'admin3']);
    refusedWith(runBin(['quorum', 'token-sign', 'generate', '--service', 'user', '--token', f('second.token'), '--json'], { env: admin }), /already has an active token/);
    ok(runBin(['clock', 'advance', '--minutes', '11'], { env: state }));
    refusedWith(createUser('erin', ['--approval', stale]), /expired/);
    // A signature over another token does not count.
    const forged = JSON.parse(fs.readFileSync(approval(admin, 'user', ['admin2']), 'utf8'));
    forged.signatures.push({ username: 'admin3', role: 'admin', signature: signDigest('admin3', Buffer.alloc(32, 7).toString('base64')) });
    fs.writeFileSync(f('forged.token'), JSON.stringify(forged));
    refusedWith(createUser('erin', ['--approval', f('forged.token')]), /signature of admin3 does not verify/);
    runBin(['quorum', 'token-sign', 'delete', '--scope', 'all'], { env: admin });
    refusedWith(runBin(['user', 'delete', '--username', 'dave', '--role', 'crypto-user', '--json'], { env: admin }), 'Quorum approval is required for this operation');
    const del = approval(admin, 'user', ['admin2', 'admin3']);
    assert.deepEqual(ok(runBin(['user', 'delete', '--username', 'dave', '--role', 'crypto-user', '--approval', del, '--json'], { env: admin })), { username: 'dave', role: 'crypto-user' });
    // Changing one's own password needs no quorum; another user's does.
    ok(runBin(['user', 'change-password', '--username', 'admin3', '--role', 'admin', '--password', PW, '--json'], { env: as('admin3') }));
    refusedWith(runBin(['user', 'change-password', '--username', 'alice', '--role', 'crypto-user', '--password', PW, '--json'], { env: admin }), 'Quorum approval is required for this operation');
  });

  it('a key whose use needs two approvals: crypto sign refused without, signs with them, once per token', () => {
    const alice = as('alice', 'crypto-user');
    const bob = as('bob', 'crypto-user');
    register('alice', 'crypto-user');
    register('bob', 'crypto-user');
    ok(runBin(['key', 'generate-asymmetric-pair', 'rsa', '--public-label', 'q-pub', '--private-label', 'q-priv', '--modulus-size-bits', '2048', '--public-exponent', '65537', '--private-attributes', 'sign=true', '--share-crypto-users', 'bob', '--manage-private-key-quorum-value', '2', '--use-private-key-quorum-value', '2', '--json'], { env: alice }));
    ok(runBin(['key', 'export-public', '--filter', 'attr.label=q-pub', '--out', f('q.pem')], { env: alice }));
    fs.writeFileSync(f('msg'), 'pay 10');
    const sign = (env: Record<string, string>, extra: string[] = []) =>
      runBin(['crypto', 'sign', 'rsa-pkcs', '--key-filter', 'attr.label=q-priv', '--hash-function', 'sha256', '--data-path', f('msg'), ...extra, '--json'], { env });
    refusedWith(sign(alice), 'Quorum approval is required for this operation');
    // Admins cannot approve a key's use: only its owner and the users it is shared with.
    const byAdmins = approval(alice, 'key-usage', ['admin2', 'admin3']);
    refusedWith(sign(alice, ['--approval', byAdmins]), /admin2 is neither the owner/);
    const file = approval(alice, 'key-usage', ['alice', 'bob'], ['--filter', 'attr.label=q-priv']);
    const signed = ok(sign(alice, ['--approval', file]));
    fs.writeFileSync(f('sig'), Buffer.from(signed.signature, 'base64'));
    assert.match(openssl(['dgst', '-sha256', '-verify', f('q.pem'), '-signature', f('sig'), f('msg')]).toString(), /Verified OK/);
    refusedWith(sign(alice, ['--approval', file]), /^Invalid username-signature pair/);
    // The sharee needs its own token: alice's is hers.
    refusedWith(sign(bob, ['--approval', approval(alice, 'key-usage', ['alice', 'bob'])]), /belongs to alice/);
    ok(sign(bob, ['--approval', approval(bob, 'key-usage', ['bob', 'alice'])]));
  });

  it('a key whose management needs two approvals: share, set-attribute and wrap refused without, done with; delete needs none', () => {
    const alice = as('alice', 'crypto-user');
    register('carol', 'crypto-user');
    const share = (extra: string[] = []) => runBin(['key', 'share', '--filter', 'attr.label=q-priv', '--username', 'carol', '--role', 'crypto-user', ...extra, '--json'], { env: alice });
    refusedWith(share(), 'Quorum approval is required for this operation');
    assert.deepEqual(ok(share(['--approval', approval(alice, 'key-management', ['alice', 'bob'])])), { message: 'Key shared successfully' });
    const setLabel = (extra: string[] = []) => runBin(['key', 'set-attribute', '--filter', 'attr.label=q-priv', '--name', 'label', '--value', 'q-priv2', ...extra, '--json'], { env: alice });
    refusedWith(setLabel(), 'Quorum approval is required for this operation');
    // A key-usage token is no key-management approval.
    refusedWith(setLabel(['--approval', approval(alice, 'key-usage', ['alice', 'bob'])]), /for the key-usage service/);
    ok(setLabel(['--approval', approval(alice, 'key-management', ['bob', 'carol'])]));
    // Wrapping: the payload's manage quorum is approved with --payload-approval.
    ok(runBin(['key', 'generate-symmetric', 'aes', '--label', 'q-wrapped', '--key-length-bytes', '16', '--attributes', 'extractable=true', '--share-crypto-users', 'bob', '--manage-key-quorum-value', '2', '--use-key-quorum-value', '2', '--json'], { env: alice }));
    ok(runBin(['key', 'generate-symmetric', 'aes', '--label', 'q-kek', '--key-length-bytes', '32', '--attributes', 'wrap=true', 'unwrap=true', '--json'], { env: alice }));
    const wrap = (extra: string[] = []) => runBin(['key', 'wrap', 'aes-pkcs5-pad', '--payload-filter', 'attr.label=q-wrapped', '--wrapping-filter', 'attr.label=q-kek', ...extra, '--json'], { env: alice });
    refusedWith(wrap(), 'Quorum approval is required for this operation');
    assert.equal(Buffer.from(ok(wrap(['--payload-approval', approval(alice, 'key-management', ['alice', 'bob'])])).wrapped_key_data, 'base64').length, 32);
    // key delete is not quorum-controlled (keys.md §1).
    ok(runBin(['key', 'delete', '--filter', 'attr.label=q-wrapped', '--json'], { env: alice }));
  });

  it('the audit log shows the quorum approval sequence on every HSM, and verifies', () => {
    ok(runBin(['audit', 'verify', '--json'], { env: state }));
    const events = ok(runBin(['audit', 'list', '--json'], { env: state })).events as Array<{ logStream: string; opcode: { name: string }; userName?: string; response: { code?: number; text: string } }>;
    const hsms = [...new Set(events.map((e) => e.logStream))];
    assert.equal(hsms.length, 2);
    for (const hsm of hsms) {
      // A refused command is logged too, with its response after it.
      const ops = events.filter((e) => e.logStream === hsm).map((e) => `${e.opcode.name}${e.userName ? `:${e.userName}` : ''}${e.response.code === 0 ? '' : ` (${e.response.text})`}`);
      // Token requested, then approved and used at once by the command it authorises.
      const created = ops.indexOf('CN_CREATE_USER:dave');
      assert.ok(created > 0, ops.join(' '));
      assert.ok(ops.slice(0, created).includes('CN_CREATE_USER:dave (HSM Error: RET_MXN_AUTH_FAILED)'), 'the attempts without approval were refused');
      assert.equal(ops[created - 1], 'CN_APPROVE_TOKEN:admin', ops.slice(0, created + 1).join(' '));
      assert.ok(ops.slice(0, created).includes('CN_GET_TOKEN:admin'));
      assert.equal(ops[ops.indexOf('CN_SET_M_VALUE:admin', ops.indexOf('CN_SET_M_VALUE:admin') + 1) - 1], 'CN_APPROVE_TOKEN:admin', 'the second value change was approved');
    }
  });
});
