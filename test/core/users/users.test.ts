import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { perform, type Caller } from '../../../src/core/engine.js';
import { storeKeys } from '../../../src/core/cluster/model.js';
import { createCluster, createHsm } from '../../../src/core/cluster/operations.js';
import { changePassword, createUser, deleteUser, listUsers, login, logout } from '../../../src/core/users/operations.js';
import { testContext, refused } from '../../support/helpers.js';
import { clusterContext } from '../../support/templates.js';
import { presentUsers } from '../../../src/cli/presenters/users.js';

const ADMIN: Caller = { credentials: { username: 'admin', password: 'Admin123!', role: 'admin' } };
const asUser = (username: string, password: string, role: 'admin' | 'crypto-user' = 'crypto-user'): Caller => ({ credentials: { username, password, role } });


function activated() {
  return clusterContext();
}

describe('core/users', function () {
  this.timeout(60_000);

  it('before activation: lists admin as unactivated-admin and app_user, and refuses user management', async () => {
    const ctx = await testContext();
    await perform(ctx, createCluster, {});
    await refused(perform(ctx, listUsers, {}), 'NO_ACTIVE_HSM');
    await perform(ctx, createHsm, { availabilityZone: 'us-east-1a' });
    const listed = await perform(ctx, listUsers, {});
    assert.ok(listed.users.every((u) => !('passwordHash' in u)), 'the core never hands out password hashes');
    const { users } = presentUsers(listed);
    assert.deepEqual(users, [
      { username: 'admin', role: 'unactivated-admin', locked: 'false', mfa: [], quorum: [], 'cluster-coverage': 'full' },
      { username: 'app_user', role: 'internal(APPLIANCE_USER)', locked: 'false', mfa: [], quorum: [], 'cluster-coverage': 'full' },
    ]);
    const preco = asUser('admin', 'password', 'admin');
    await refused(perform(ctx, createUser, { username: 'alice', role: 'crypto-user', password: 'Alice123!' }, preco), 'CLUSTER_NOT_ACTIVATED');
  });

  it('lets an admin create users, and refuses crypto-users and anonymous callers', async () => {
    const ctx = await activated();
    assert.deepEqual(await perform(ctx, createUser, { username: 'Alice', role: 'crypto-user', password: 'Alice123!' }, ADMIN), { username: 'alice', role: 'crypto-user' });
    await refused(perform(ctx, createUser, { username: 'bob', role: 'crypto-user', password: 'Bob12345!' }, asUser('alice', 'Alice123!')), 'PERMISSION_DENIED');
    await refused(perform(ctx, createUser, { username: 'bob', role: 'crypto-user', password: 'Bob12345!' }), 'NOT_LOGGED_IN');
    await refused(perform(ctx, createUser, { username: 'ALICE', role: 'crypto-user', password: 'Alice123!' }, ADMIN), 'USER_EXISTS');
    const { users } = await perform(ctx, listUsers, {});
    assert.deepEqual(users.map((u) => [u.username, u.role]), [['admin', 'admin'], ['alice', 'crypto-user'], ['app_user', 'internal(APPLIANCE_USER)']]);
  });

  it('enforces the name and password rules', async () => {
    const ctx = await activated();
    const create = (username: string, password = 'Passw0rd!', role = 'crypto-user') => perform(ctx, createUser, { username, role, password }, ADMIN);
    await refused(create('a'.repeat(32)), 'INVALID_USERNAME');
    await refused(create('bad-name'), 'INVALID_USERNAME');
    await refused(create(''), 'INVALID_USERNAME');
    await refused(create('carol', 'short'), 'INVALID_PASSWORD');
    await refused(create('carol', 'x'.repeat(33)), 'INVALID_PASSWORD');
    await refused(create('carol', 'Passw0rd!', 'superuser'), 'INVALID_ARGUMENT');
    await refused(create('carol', 'Passw0rd!\0'), 'INVALID_PASSWORD');
    await create('a'.repeat(31), 'x'.repeat(7));
    await create('carol_2', 'x'.repeat(32), 'admin');
  });

  it('locks a user after five wrong passwords, refuses the right one, and unlocks on an admin reset', async () => {
    const ctx = await activated();
    await perform(ctx, createUser, { username: 'alice', role: 'crypto-user', password: 'Alice123!' }, ADMIN);
    for (let i = 1; i <= 4; i++) {
      const err = await refused(perform(ctx, login, { credentials: { username: 'alice', password: 'wrong-pass', role: 'crypto-user' } }), 'LOGIN_FAILED');
      assert.equal(err.details?.failedLogins, i);
    }
    await refused(perform(ctx, login, { credentials: { username: 'alice', password: 'wrong-pass', role: 'crypto-user' } }), 'USER_LOCKED');
    await refused(perform(ctx, login, { credentials: { username: 'alice', password: 'Alice123!', role: 'crypto-user' } }), 'USER_LOCKED');
    const { users } = await perform(ctx, listUsers, {});
    assert.equal(users.find((u) => u.username === 'alice')!.failedLogins, 5);
    await perform(ctx, changePassword, { username: 'alice', role: 'crypto-user', password: 'NewAlice1!' }, ADMIN);
    assert.equal((await perform(ctx, listUsers, {})).users.find((u) => u.username === 'alice')!.failedLogins, 0);
    await refused(perform(ctx, login, { credentials: { username: 'alice', password: 'Alice123!', role: 'crypto-user' } }), 'LOGIN_FAILED');
    assert.deepEqual(await perform(ctx, login, { credentials: { username: 'alice', password: 'NewAlice1!', role: 'crypto-user' } }), { username: 'alice', role: 'crypto-user' });
  });

  it('refuses the password with NUL bytes after it (which scrypt\'s HMAC would hash alike), counting the guess', async () => {
    const ctx = await activated();
    await perform(ctx, createUser, { username: 'alice', role: 'crypto-user', password: 'Alice123!' }, ADMIN);
    for (const [i, guess] of ['Alice123!\0', 'Alice123!\0\0\0'].entries()) {
      const err = await refused(perform(ctx, login, { credentials: { username: 'alice', password: guess, role: 'crypto-user' } }), 'LOGIN_FAILED');
      assert.equal(err.details?.failedLogins, i + 1);
    }
    await perform(ctx, login, { credentials: { username: 'alice', password: 'Alice123!', role: 'crypto-user' } });
  });

  it('resets the failure count after a successful login', async () => {
    const ctx = await activated();
    await perform(ctx, createUser, { username: 'alice', role: 'crypto-user', password: 'Alice123!' }, ADMIN);
    for (let i = 0; i < 4; i++) await refused(perform(ctx, login, { credentials: { username: 'alice', password: 'nope-nope', role: 'crypto-user' } }), 'LOGIN_FAILED');
    await perform(ctx, login, { credentials: { username: 'alice', password: 'Alice123!', role: 'crypto-user' } });
    const err = await refused(perform(ctx, login, { credentials: { username: 'alice', password: 'nope-nope', role: 'crypto-user' } }), 'LOGIN_FAILED');
    assert.equal(err.details?.failedLogins, 1);
  });

  it('refuses a login with the wrong role or as app_user, without counting it', async () => {
    const ctx = await activated();
    await perform(ctx, createUser, { username: 'alice', role: 'crypto-user', password: 'Alice123!' }, ADMIN);
    await refused(perform(ctx, login, { credentials: { username: 'alice', password: 'Alice123!', role: 'admin' } }), 'ROLE_MISMATCH');
    await refused(perform(ctx, login, { credentials: { username: 'app_user', password: 'whatever1', role: 'admin' } }), 'LOGIN_FAILED');
    await refused(perform(ctx, login, { credentials: { username: 'nobody', password: 'whatever1', role: 'admin' } }), 'USER_NOT_FOUND');
  });

  it('lets a crypto-user change only its own password', async () => {
    const ctx = await activated();
    await perform(ctx, createUser, { username: 'alice', role: 'crypto-user', password: 'Alice123!' }, ADMIN);
    await perform(ctx, createUser, { username: 'bob', role: 'crypto-user', password: 'Bob12345!' }, ADMIN);
    await refused(perform(ctx, changePassword, { username: 'bob', role: 'crypto-user', password: 'Hacked123' }, asUser('alice', 'Alice123!')), 'PERMISSION_DENIED');
    await perform(ctx, changePassword, { username: 'alice', role: 'crypto-user', password: 'Alice456!' }, asUser('alice', 'Alice123!'));
    await perform(ctx, login, { credentials: { username: 'alice', password: 'Alice456!', role: 'crypto-user' } });
    await refused(perform(ctx, changePassword, { username: 'app_user', role: 'admin', password: 'Whatever1' }, ADMIN), 'BUILTIN_USER');
  });

  it('refuses to delete or re-password a user logged in elsewhere, and allows it after logout', async () => {
    const ctx = await activated();
    await perform(ctx, createUser, { username: 'alice', role: 'crypto-user', password: 'Alice123!' }, ADMIN);
    const shell = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 30000)']);
    try {
      const result = await perform(ctx, login, { credentials: { username: 'alice', password: 'Alice123!', role: 'crypto-user' }, sessionPid: shell.pid });
      assert.ok(result.session);
      await refused(perform(ctx, deleteUser, { username: 'alice', role: 'crypto-user' }, ADMIN), 'USER_LOGGED_IN');
      await refused(perform(ctx, changePassword, { username: 'alice', role: 'crypto-user', password: 'Other123!' }, ADMIN), 'USER_LOGGED_IN');
      // The user itself may change its own password from its session.
      await perform(ctx, changePassword, { username: 'alice', role: 'crypto-user', password: 'Alice789!' }, { session: result.session });
      await perform(ctx, logout, {}, { session: result.session });
      assert.equal(await ctx.store.read((v) => v.count(storeKeys.sessionPrefix(result.session!.clusterId))), 0);
      await perform(ctx, deleteUser, { username: 'alice', role: 'crypto-user' }, ADMIN);
    } finally {
      shell.kill('SIGKILL');
    }
  });

  it('ignores sessions of processes that have died', async () => {
    const ctx = await activated();
    await perform(ctx, createUser, { username: 'alice', role: 'crypto-user', password: 'Alice123!' }, ADMIN);
    const gone = spawn(process.execPath, ['-e', '0']);
    await new Promise((r) => gone.on('close', r));
    await perform(ctx, login, { credentials: { username: 'alice', password: 'Alice123!', role: 'crypto-user' }, sessionPid: gone.pid });
    await perform(ctx, deleteUser, { username: 'alice', role: 'crypto-user' }, ADMIN);
  });

  it('refuses deleting oneself, the last admin, a role mismatch and unknown users', async () => {
    const ctx = await activated();
    await refused(perform(ctx, deleteUser, { username: 'admin', role: 'admin' }, ADMIN), 'USER_LOGGED_IN');
    await perform(ctx, createUser, { username: 'admin2', role: 'admin', password: 'Admin2222' }, ADMIN);
    await refused(perform(ctx, deleteUser, { username: 'admin2', role: 'crypto-user' }, ADMIN), 'ROLE_MISMATCH');
    await refused(perform(ctx, deleteUser, { username: 'ghost', role: 'crypto-user' }, ADMIN), 'USER_NOT_FOUND');
    await perform(ctx, deleteUser, { username: 'admin', role: 'admin' }, asUser('admin2', 'Admin2222', 'admin'));
    await refused(perform(ctx, deleteUser, { username: 'app_user', role: 'admin' }, asUser('admin2', 'Admin2222', 'admin')), 'BUILTIN_USER');
  });

  it('ends a shell session whose user was deleted', async () => {
    const ctx = await activated();
    await perform(ctx, createUser, { username: 'alice', role: 'crypto-user', password: 'Alice123!' }, ADMIN);
    const gone = spawn(process.execPath, ['-e', '0']);
    await new Promise((r) => gone.on('close', r));
    const { session } = await perform(ctx, login, { credentials: { username: 'alice', password: 'Alice123!', role: 'crypto-user' }, sessionPid: gone.pid });
    await perform(ctx, deleteUser, { username: 'alice', role: 'crypto-user' }, ADMIN);
    await refused(perform(ctx, changePassword, { username: 'alice', role: 'crypto-user', password: 'Alice999!' }, { session }), 'NOT_LOGGED_IN');
  });
});
