/**
 * Refused operations are logged (audit-log.md §2): an operation that declares its event and is
 * refused after its caller authenticated leaves that event with the refusal's response, on the
 * HSM it was sent to (a key operation) or on every HSM (a user change); documented codes where
 * they apply, the error's name otherwise. A refusal that reached no HSM, and an operation the
 * HSM does not log, leave nothing; a refusal whose event cannot be written still reaches the
 * caller.
 */
import assert from 'node:assert/strict';
import type { EngineContext } from '../../../src/core/context.js';
import { perform, type Caller } from '../../../src/core/engine.js';
import { renderAuditEvent } from '../../../src/core/audit/log.js';
import { verifyAudit } from '../../../src/core/audit/operations.js';
import { setStoreFaultHook } from '../../../src/core/store/faults.js';
import { generateSymmetric } from '../../../src/core/keys/generate.js';
import { deleteKey, setAttribute, shareKey } from '../../../src/core/keys/operations.js';
import { byLabel, byReference } from '../../../src/core/keys/selector.js';
import { sign } from '../../../src/core/keys/sign.js';
import { wrapKey } from '../../../src/core/keys/wrap.js';
import { setQuorumValue } from '../../../src/core/quorum/operations.js';
import { createUser, deleteUser, login, logout } from '../../../src/core/users/operations.js';
import { added, events, hsmIds } from '../../support/audit-events.js';
import { refused } from '../../support/helpers.js';
import { clusterContext } from '../../support/templates.js';

const ADMIN: Caller = { credentials: { username: 'admin', password: 'Admin123!', role: 'admin' } };
const USERS = { alice: 'alice-Pass1', bob: 'bob-Pass1' };

function cryptoUser(name: keyof typeof USERS): Caller {
  return { credentials: { username: name, password: USERS[name], role: 'crypto-user' }, sessionKeys: new Map() };
}

/** A shell-like session caller: its operations log no login of their own. */
async function session(ctx: EngineContext, caller: Caller): Promise<Caller> {
  const { session } = await perform(ctx, login, { credentials: caller.credentials!, sessionPid: process.pid });
  return { session, sessionKeys: new Map() };
}

/** What `action` added, all streams together, without the logins of single-command callers. */
async function refusalsOf(ctx: EngineContext, action: () => Promise<unknown>): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>();
  for (const [hsm, list] of await added(ctx, action)) {
    const rest = list.filter((g) => !g.startsWith('CN_LOGIN '));
    if (rest.length > 0) out.set(hsm, rest);
  }
  return out;
}

describe('core/audit: refused operations are logged', function () {
  this.timeout(60_000);

  it('user management refused after login: on every HSM, as documented codes (157, 219) or by the error\'s name; the refusal still reaches the caller', async () => {
    const ctx = await clusterContext({ cryptoUsers: USERS });
    const hsms = await hsmIds(ctx);
    const each = (gists: string[]) => Object.fromEntries(hsms.map((h) => [h, gists]));
    const byRole = await refusalsOf(ctx, () => refused(perform(ctx, createUser, { username: 'Carol', role: 'crypto-user', password: 'Carol-Pass-1' }, cryptoUser('alice')), 'PERMISSION_DENIED'));
    assert.deepEqual(Object.fromEntries(byRole), each(['CN_CREATE_USER 219 carol/CN_CRYPTO_USER']));
    const exists = await refusalsOf(ctx, () => refused(perform(ctx, createUser, { username: 'bob', role: 'admin', password: 'Bob-Pass-123' }, ADMIN), 'USER_EXISTS'));
    assert.deepEqual(Object.fromEntries(exists), each(['CN_CREATE_CO HSM Error: USER_EXISTS bob/CN_CRYPTO_OFFICER']));
    const missing = await refusalsOf(ctx, () => refused(perform(ctx, deleteUser, { username: 'nobody', role: 'crypto-user' }, ADMIN), 'USER_NOT_FOUND'));
    assert.deepEqual(Object.fromEntries(missing), each(['CN_DELETE_USER 157 nobody/CN_CRYPTO_USER']));

    // An unpublished response code is printed by name only, as an unpublished opcode is (§2-3).
    const [event] = (await events(ctx, 'CN_CREATE_CO')).filter((e) => e.response.code === undefined);
    assert.equal(event!.response.text, 'HSM Error: USER_EXISTS');
    assert.match(renderAuditEvent(event!), /^Response : HSM Error: USER_EXISTS$/m);
    assert.ok(!('code' in event!.response));
    const byRoleEvent = (await events(ctx, 'CN_CREATE_USER')).find((e) => e.userName === 'carol');
    assert.match(renderAuditEvent(byRoleEvent!), /^Response : 219:HSM Error: Invalid User Type\.$/m);
    await perform(ctx, verifyAudit, {});
  });

  it('quorum: a refusal for want of approvals is RET_MXN_AUTH_FAILED; a refused set-quorum-value is logged too', async () => {
    const ctx = await clusterContext({ cryptoUsers: USERS });
    await perform(ctx, createUser, { username: 'officer', role: 'admin', password: 'Officer-Pass-1' }, ADMIN);
    const admin = await session(ctx, ADMIN);
    const tooHigh = await refusalsOf(ctx, () => refused(perform(ctx, setQuorumValue, { service: 'user', value: 3 }, admin), 'INVALID_ARGUMENT'));
    assert.deepEqual([...new Set([...tooHigh.values()].flat())], ['CN_SET_M_VALUE HSM Error: INVALID_ARGUMENT admin/CN_CRYPTO_OFFICER']);
    await perform(ctx, setQuorumValue, { service: 'user', value: 2 }, admin);
    const quorum = await refusalsOf(ctx, () => refused(perform(ctx, deleteUser, { username: 'bob', role: 'crypto-user' }, admin), 'QUORUM_FAILED'));
    assert.equal(quorum.size, 2);
    for (const gists of quorum.values()) assert.deepEqual(gists, ['CN_DELETE_USER HSM Error: RET_MXN_AUTH_FAILED bob/CN_CRYPTO_USER']);
  });

  it('key management refused: on the one HSM it was sent to, with the handle the input names (198 for a key the caller does not own)', async () => {
    const ctx = await clusterContext({ cryptoUsers: USERS });
    const alice = cryptoUser('alice');
    const { key } = await perform(ctx, generateSymmetric, { keyType: 'aes', label: 'k', keyLengthBytes: 32, attributes: ['wrap=true', 'extractable=true'] }, alice);
    await perform(ctx, shareKey, { filter: byLabel('k'), username: 'bob', role: 'crypto-user' }, alice);
    const bob = cryptoUser('bob');
    const cases: Array<[string, () => Promise<unknown>, string, string]> = [
      ['delete', () => perform(ctx, deleteKey, { filter: byReference(key.ref) }, bob), 'KEY_ACCESS_DENIED', `CN_DESTROY_OBJECT 198 keys ${key.ref}/0`],
      ['set-attribute', () => perform(ctx, setAttribute, { filter: byReference(key.ref), name: 'decrypt', value: 'true' }, bob), 'KEY_ACCESS_DENIED', `CN_MODIFY_OBJECT 198 keys ${key.ref}/0`],
      ['share', () => perform(ctx, shareKey, { filter: byLabel('k'), username: 'bob', role: 'crypto-user' }, alice), 'INVALID_ARGUMENT', 'CN_SHARE_OBJECT HSM Error: INVALID_ARGUMENT'],
      ['generate', () => perform(ctx, generateSymmetric, { keyType: 'aes', label: 'x', keyLengthBytes: 17 }, alice), 'INVALID_ARGUMENT', 'CN_GENERATE_KEY HSM Error: INVALID_ARGUMENT keys 0/0'],
      ['no such key', () => perform(ctx, deleteKey, { filter: byReference(0x7fffff) }, alice), 'KEY_SELECTION_NOT_UNIQUE', 'CN_DESTROY_OBJECT 168 keys 8388607/0'],
      [
        'wrap',
        () => perform(ctx, wrapKey, { mechanism: 'aes-gcm', payloadFilter: byReference(key.ref), wrappingFilter: byLabel('k'), tagLengthBits: 128 }, bob),
        'KEY_ACCESS_DENIED',
        `CN_WRAP_KEY 198 keys ${key.ref}/0`,
      ],
    ];
    for (const [what, action, code, expected] of cases) {
      const logged = await refusalsOf(ctx, () => refused(action(), code));
      assert.deepEqual([...logged.values()], [[expected]], what);
    }
  });

  it('nothing is logged for an operation the HSM does not log (sign), for a session that has ended, or when the refusal cannot be written; the caller gets its refusal all the same', async () => {
    const ctx = await clusterContext({ cryptoUsers: USERS });
    const alice = await session(ctx, cryptoUser('alice'));
    const admin = await session(ctx, ADMIN);
    const before = (await events(ctx)).length;
    await refused(perform(ctx, sign, { keyFilter: byLabel('none'), mechanism: 'ecdsa', data: new Uint8Array(32), hash: 'sha256' }, alice), 'KEY_SELECTION_NOT_UNIQUE');
    // The refusal's own write fails: the caller still gets USER_EXISTS, and no event is written.
    // The operation's own transaction takes the lock first (and is refused); the refusal's own
    // transaction, the second, fails.
    let transactions = 0;
    let failedWrites = 0;
    setStoreFaultHook((step) => {
      if (step === 'commit.locked' && ++transactions === 2) throw Object.assign(new Error('injected I/O failure'), { code: 'EIO', failedWrites: ++failedWrites });
    });
    try {
      await refused(perform(ctx, createUser, { username: 'alice', role: 'crypto-user', password: 'Alice-Pass-9' }, admin), 'USER_EXISTS');
    } finally {
      setStoreFaultHook(undefined);
    }
    assert.equal(failedWrites, 1, 'the refusal\'s event was being written');
    assert.equal((await events(ctx)).length, before);
    await perform(ctx, logout, {}, alice);
    const after = (await events(ctx)).length;
    await refused(perform(ctx, generateSymmetric, { keyType: 'aes', label: 'x', keyLengthBytes: 32 }, alice), 'NOT_LOGGED_IN');
    assert.equal((await events(ctx)).length, after);
    await perform(ctx, verifyAudit, {});
  });
});
