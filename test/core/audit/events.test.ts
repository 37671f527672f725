/**
 * The events operations write (audit-log.md §4): logins on every HSM, refused ones with the name
 * and type given, key generation with its masked-object sync, user changes; and never a
 * password or key byte in any of them.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { perform, type Caller } from '../../../src/core/engine.js';
import { renderAuditEvent } from '../../../src/core/audit/log.js';
import { verifyAudit, type AuditEventView } from '../../../src/core/audit/operations.js';
import { listHsms } from '../../../src/core/cluster/operations.js';
import { generateKeyPair, generateSymmetric } from '../../../src/core/keys/generate.js';
import type { KeyRecord } from '../../../src/core/keys/model.js';
import { createUser, deleteUser, login, logout } from '../../../src/core/users/operations.js';
import { deleteKey, setAttribute, shareKey } from '../../../src/core/keys/operations.js';
import { byLabel } from '../../../src/core/keys/selector.js';
import { events, gist as what } from '../../support/audit-events.js';
import { refused, ROOT } from '../../support/helpers.js';
import { clusterContext } from '../../support/templates.js';

const ADMIN: Caller = { credentials: { username: 'admin', password: 'Admin123!', role: 'admin' } };

/** What an event says and on which HSM, without its times, hashes and session handle. */
function gist(e: AuditEventView): string {
  return `${e.logStream} ${what(e)}`;
}

describe('core/audit: the events operations write', function () {
  this.timeout(60_000);

  it('a login is logged on every ACTIVE HSM; wrong passwords, an unknown user and a locked user are logged refused, with the name and type given', async () => {
    const ctx = await clusterContext({ cryptoUsers: { alice: 'alice-Pass1' } });
    const [a, b] = (await perform(ctx, listHsms, {})).Hsms.map((h) => h.HsmId);
    const before = (await events(ctx, 'CN_LOGIN')).length;
    const { session } = await perform(ctx, login, { credentials: { username: 'alice', password: 'alice-Pass1', role: 'crypto-user' }, sessionPid: process.pid });
    await refused(perform(ctx, login, { credentials: { username: 'mallory', password: 'whatever-1', role: 'crypto-user' } }), 'USER_NOT_FOUND');
    for (let i = 0; i < 5; i++) await refused(perform(ctx, login, { credentials: { username: 'alice', password: `wrong-Pass-${i}`, role: 'crypto-user' } }), i < 4 ? 'LOGIN_FAILED' : 'USER_LOCKED');
    await refused(perform(ctx, login, { credentials: { username: 'alice', password: 'alice-Pass1', role: 'crypto-user' } }), 'USER_LOCKED');
    const logins = (await events(ctx, 'CN_LOGIN')).slice(before).map(gist);
    const pair = (code: number, who: string) => [`${a} CN_LOGIN ${code} ${who}`, `${b} CN_LOGIN ${code} ${who}`];
    assert.deepEqual(logins, [
      ...pair(0, 'alice/CN_CRYPTO_USER'),
      ...pair(157, 'mallory/CN_CRYPTO_USER'),
      ...[0, 1, 2, 3, 4].flatMap(() => pair(163, 'alice/CN_CRYPTO_USER')),
      ...pair(163, 'alice/CN_CRYPTO_USER'),
    ]);
    const failed = (await events(ctx, 'CN_LOGIN')).at(-1)!;
    assert.equal(failed.response.text, 'HSM Error: RET_USER_LOGIN_FAILURE');
    // A logout is logged only by the HSM that ran it.
    await perform(ctx, logout, {}, { session });
    assert.equal((await events(ctx, 'CN_LOGOUT')).length, 1);
    await perform(ctx, verifyAudit, {});
  });

  it('a key generation: generate and masked-object extract on the HSM that ran it, insert on the other, with the same handle; a pair names both handles', async () => {
    const ctx = await clusterContext({ cryptoUsers: { alice: 'alice-Pass1' } });
    const alice: Caller = { credentials: { username: 'alice', password: 'alice-Pass1', role: 'crypto-user' }, sessionKeys: new Map() };
    const [a, b] = (await perform(ctx, listHsms, {})).Hsms.map((h) => h.HsmId);
    const start = (await events(ctx)).length;
    const { key } = await perform(ctx, generateSymmetric, { keyType: 'aes', label: 'k', keyLengthBytes: 32 }, alice);
    const keyEvents = (await events(ctx)).slice(start).filter((e) => e.opcode.name !== 'CN_LOGIN').map(gist);
    const [home, other] = keyEvents[0]!.startsWith(a!) ? [a, b] : [b, a];
    assert.deepEqual(keyEvents, [`${home} CN_GENERATE_KEY 0 keys ${key.ref}/0`, `${home} CN_EXTRACT_MASKED_OBJECT_USER 0 keys ${key.ref}/0`, `${other} CN_INSERT_MASKED_OBJECT_USER 0 keys ${key.ref}/0`]);
    const pair = await perform(ctx, generateKeyPair, { keyType: 'ec', curve: 'secp256r1', publicLabel: 'p', privateLabel: 'q' }, alice);
    const generated = (await events(ctx, 'CN_GENERATE_KEY_PAIR')).map(gist);
    assert.equal(generated.length, 1);
    assert.match(generated[0]!, new RegExp(`CN_GENERATE_KEY_PAIR 0 keys ${pair.privateKey.ref}/${pair.publicKey.ref}$`));
    assert.equal((await events(ctx, 'CN_INSERT_MASKED_OBJECT_USER')).length, 3);
    // A session key stays on its HSM: generated, never synchronised.
    const before = (await events(ctx)).length;
    await perform(ctx, generateSymmetric, { keyType: 'aes', label: 's', keyLengthBytes: 16, session: true }, alice);
    assert.deepEqual((await events(ctx)).slice(before).filter((e) => e.opcode.name !== 'CN_LOGIN').map((e) => e.opcode.name), ['CN_GENERATE_KEY']);
  });

  it('user creation and deletion are logged on every HSM, and no password or key byte appears in any event', async () => {
    const ctx = await clusterContext();
    await perform(ctx, createUser, { username: 'carol', role: 'crypto-user', password: 'Carol-Pass-77' }, ADMIN);
    await perform(ctx, createUser, { username: 'officer', role: 'admin', password: 'Officer-Pass-88' }, ADMIN);
    const carol: Caller = { credentials: { username: 'carol', password: 'Carol-Pass-77', role: 'crypto-user' } };
    const { key } = await perform(ctx, generateSymmetric, { keyType: 'generic-secret', label: 'g', keyLengthBytes: 32 }, carol);
    await refused(perform(ctx, deleteUser, { username: 'carol', role: 'crypto-user' }, ADMIN), 'USER_OWNS_KEYS');
    await perform(ctx, deleteUser, { username: 'officer', role: 'admin' }, ADMIN);
    const gists = (await events(ctx)).map(gist);
    assert.equal(gists.filter((g) => / CN_CREATE_USER 0 carol\/CN_CRYPTO_USER$/.test(g)).length, 2);
    assert.equal(gists.filter((g) => / CN_CREATE_CO 0 officer\/CN_CRYPTO_OFFICER$/.test(g)).length, 2);
    assert.equal(gists.filter((g) => / CN_DELETE_USER 0 officer\/CN_CRYPTO_OFFICER$/.test(g)).length, 2);
    const material = await ctx.store.read((v) => v.list<KeyRecord>('key/').find(([, k]) => k.ref === key.ref)![1].material);
    // The events as stored (JSON) and as shown (text), and the stream heads.
    const logged = await events(ctx);
    const everything = `${JSON.stringify(logged)}\n${logged.map(renderAuditEvent).join('\n')}\n${JSON.stringify(await ctx.store.read((v) => v.list('audit-stream/')))}`;
    for (const secret of ['Carol-Pass-77', 'Officer-Pass-88', 'Admin123!', material, Buffer.from(material, 'base64').toString('hex')]) {
      assert.ok(!everything.includes(secret), 'a secret is in the audit log');
    }
  });

  it('key management: a token key\'s deletion, sharing and attribute change are logged on every HSM; a session key\'s deletion on its own HSM', async () => {
    const ctx = await clusterContext({ cryptoUsers: { alice: 'alice-Pass1', bob: 'bob-Pass1' } });
    const alice: Caller = { credentials: { username: 'alice', password: 'alice-Pass1', role: 'crypto-user' }, sessionKeys: new Map() };
    const { key } = await perform(ctx, generateSymmetric, { keyType: 'aes', label: 'k', keyLengthBytes: 32 }, alice);
    const session = await perform(ctx, generateSymmetric, { keyType: 'aes', label: 's', keyLengthBytes: 16, session: true }, alice);
    const start = (await events(ctx)).length;
    await perform(ctx, shareKey, { filter: byLabel('k'), username: 'bob', role: 'crypto-user' }, alice);
    await perform(ctx, setAttribute, { filter: byLabel('k'), name: 'encrypt', value: 'true' }, alice);
    await perform(ctx, deleteKey, { filter: byLabel('k') }, alice);
    await perform(ctx, deleteKey, { filter: byLabel('s') }, alice);
    const after = (await events(ctx)).slice(start).filter((e) => e.opcode.name !== 'CN_LOGIN');
    const count = (name: string) => after.filter((e) => e.opcode.name === name).length;
    assert.deepEqual([count('CN_SHARE_OBJECT'), count('CN_MODIFY_OBJECT'), count('CN_TOMBSTONE_OBJECT'), count('CN_DESTROY_OBJECT')], [2, 2, 2, 1]);
    assert.ok(after.filter((e) => e.opcode.name === 'CN_SHARE_OBJECT').every((e) => e.logType.name === 'UNKNOWN_LOG_TYPE'));
    assert.ok(after.filter((e) => e.opcode.name === 'CN_TOMBSTONE_OBJECT').every((e) => e.privSecretKeyHandle === key.ref && e.publicKeyHandle === 0));
    const destroyed = after.find((e) => e.opcode.name === 'CN_DESTROY_OBJECT')!;
    assert.deepEqual([destroyed.logStream, destroyed.privSecretKeyHandle], [session.key.hsmId, session.key.ref]);
    await perform(ctx, verifyAudit, {});
  });

  it('only the bench can switch auditing off: outside its declaration and its one check, no source sets auditOffForBench', () => {
    const src = path.join(ROOT, 'src');
    const naming = (fs.readdirSync(src, { recursive: true }) as string[])
      .filter((file) => file.endsWith('.ts') && fs.readFileSync(path.join(src, file), 'utf8').includes('auditOffForBench'))
      .map((file) => file.split(path.sep).join('/'))
      .sort();
    assert.deepEqual(naming, ['core/audit/record.ts', 'core/context.ts']);
    assert.match(fs.readFileSync(path.join(src, 'core', 'audit', 'record.ts'), 'utf8'), /ctx\.auditOffForBench\) return;/);
  });
});
