import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { Store } from '../../../src/core/store/index.js';
import type { EngineContext } from '../../../src/core/context.js';
import { perform, type Caller } from '../../../src/core/engine.js';
import { createHsm, deleteHsm, describeCluster, listHsms, readCluster } from '../../../src/core/cluster/operations.js';
import { failHsm } from '../../../src/core/cluster/failure.js';
import { describeBackups } from '../../../src/core/backups/operations.js';
import { configureClient } from '../../../src/core/client/config.js';
import { generateKeyPair, generateSymmetric } from '../../../src/core/keys/generate.js';
import { listKeys } from '../../../src/core/keys/operations.js';
import { hmacGenerate } from '../../../src/core/keys/data-operations.js';
import { sign } from '../../../src/core/keys/sign.js';
import { byLabel } from '../../../src/core/keys/selector.js';
import { createUser, listUsers } from '../../../src/core/users/operations.js';
import { advanceClock } from '../../../src/core/time/operations.js';
import { refused } from '../../support/helpers.js';
import { clusterContext } from '../../support/templates.js';

const PASSWORD = 'alice-Pass1';
const ADMIN: Caller = { credentials: { username: 'admin', password: 'Admin123!', role: 'admin' } };

function aliceOf(): Caller {
  return { credentials: { username: 'alice', password: PASSWORD, role: 'crypto-user' }, sessionKeys: new Map() };
}

async function hsms(ctx: EngineContext) {
  return (await perform(ctx, listHsms, {})).Hsms;
}

async function labels(ctx: EngineContext, caller: Caller): Promise<string[]> {
  return (await perform(ctx, listKeys, {}, caller)).keys.map((k) => k.label).sort();
}

async function hmac(ctx: EngineContext, caller: Caller, label: string): Promise<string> {
  const { mac } = await perform(ctx, hmacGenerate, { keyFilter: byLabel(label), hash: 'sha256', data: new Uint8Array([1, 2, 3]) }, caller);
  return Buffer.from(mac).toString('hex');
}

async function oneHsmCluster(): Promise<EngineContext & { dir: string }> {
  const ctx = await clusterContext({ cryptoUsers: { alice: PASSWORD } });
  const [, second] = await hsms(ctx);
  await perform(ctx, deleteHsm, { hsmId: second!.HsmId });
  return ctx;
}

describe('core/cluster: HSM failure and replacement, coverage, the key availability check', function () {
  this.timeout(60_000);

  it('failing one of two HSMs: the cluster keeps serving, the replacement has a new ID and the same AZ, ENI and IP, and holds every key', async () => {
    const ctx = await clusterContext({ cryptoUsers: { alice: PASSWORD } });
    const alice = aliceOf();
    await perform(ctx, generateSymmetric, { keyType: 'generic-secret', label: 'mac', keyLengthBytes: 32 }, alice);
    await perform(ctx, generateKeyPair, { keyType: 'ec', curve: 'secp256r1', publicLabel: 'ec-pub', privateLabel: 'ec-priv', privateAttributes: ['sign=true'] }, alice);
    const macBefore = await hmac(ctx, alice, 'mac');
    const backupsBefore = (await perform(ctx, describeBackups, {})).Backups.length;
    const [first, second] = await hsms(ctx);
    const result = await perform(ctx, failHsm, { hsmId: first!.HsmId });
    assert.equal(result.Hsm.State, 'DEGRADED');
    const replacement = result.Replacement!;
    assert.equal(replacement.FailedHsmId, first!.HsmId);
    assert.notEqual(replacement.Hsm.HsmId, first!.HsmId);
    assert.equal(replacement.Hsm.State, 'ACTIVE');
    for (const field of ['AvailabilityZone', 'SubnetId', 'EniId', 'EniIp'] as const) assert.equal(replacement.Hsm[field], first![field], field);
    assert.equal(replacement.RestoredFrom, `synchronised from ${second!.HsmId}`);
    assert.deepEqual([replacement.LostKeys, replacement.LostUsers], [[], []]);
    const now = await hsms(ctx);
    assert.deepEqual(now.map((h) => h.HsmId), [replacement.Hsm.HsmId, second!.HsmId], 'the replacement takes the failed HSM\'s place');
    assert.equal((await perform(ctx, describeCluster, {})).State, 'ACTIVE');
    assert.deepEqual(await labels(ctx, alice), ['ec-priv', 'ec-pub', 'mac']);
    assert.equal(await hmac(ctx, alice, 'mac'), macBefore, 'the same key after replacement');
    await perform(ctx, sign, { mechanism: 'ecdsa', keyFilter: byLabel('ec-priv'), hash: 'sha256', data: new Uint8Array([9]) }, alice);
    const listed = await perform(ctx, listKeys, { verbose: true }, alice);
    assert.ok(listed.keys.every((k) => k.coverage === 'full'));
    assert.equal((await perform(ctx, describeBackups, {})).Backups.length, backupsBefore + 1, 'adding the replacement made a backup');
  });

  it('a one-HSM cluster: the replacement is restored from the newest backup, and the keys and users made since are gone and named', async () => {
    const ctx = await oneHsmCluster();
    const alice = aliceOf();
    // deleteHsm made a backup: alice and this key are in it.
    await perform(ctx, generateSymmetric, { keyType: 'aes', label: 'after-backup', keyLengthBytes: 32 }, alice);
    await perform(ctx, createUser, { username: 'bob', role: 'crypto-user', password: 'bob-Pass12' }, ADMIN);
    const cluster = await perform(ctx, readCluster, {});
    const lostRef = (await perform(ctx, listKeys, {}, alice)).keys.find((k) => k.label === 'after-backup')!.ref;
    const result = await perform(ctx, failHsm, { hsmId: cluster.hsms[0]!.hsmId, mode: 'zeroize' });
    const replacement = result.Replacement!;
    assert.match(replacement.RestoredFrom, /^restored from backup-[a-z2-7]{11} \(made /);
    assert.deepEqual(replacement.LostKeys, [`0x${lostRef.toString(16).padStart(16, '0')}`]);
    assert.deepEqual(replacement.LostUsers, ['bob']);
    assert.deepEqual(await labels(ctx, aliceOf()), []);
    assert.ok(!(await perform(ctx, listUsers, {})).users.some((u) => u.username === 'bob'));
    // Key references are never reused after a loss.
    const { key } = await perform(ctx, generateSymmetric, { keyType: 'aes', label: 'next', keyLengthBytes: 32 }, aliceOf());
    assert.ok(key.ref > lostRef);
  });

  it('with a delay: the HSM and the cluster are DEGRADED, new keys and users are not on every HSM, and the first read after the delay sees the replacement', async () => {
    const ctx = await clusterContext({ cryptoUsers: { alice: PASSWORD } });
    const alice = aliceOf();
    await perform(ctx, generateSymmetric, { keyType: 'aes', label: 'before', keyLengthBytes: 32 }, alice);
    const [first] = await hsms(ctx);
    const result = await perform(ctx, failHsm, { hsmId: first!.HsmId, replaceAfterMinutes: 30 });
    assert.equal(result.Replacement, undefined);
    assert.ok(result.ReplacementAt);
    const degraded = await perform(ctx, describeCluster, {});
    assert.equal(degraded.State, 'DEGRADED');
    assert.match(degraded.StateMessage, new RegExp(`${first!.HsmId}.*being replaced`));
    assert.equal(degraded.Hsms[0]!.State, 'DEGRADED');
    await perform(ctx, generateSymmetric, { keyType: 'aes', label: 'during', keyLengthBytes: 32 }, alice);
    await perform(ctx, createUser, { username: 'bob', role: 'crypto-user', password: 'bob-Pass12' }, ADMIN);
    const coverage = Object.fromEntries((await perform(ctx, listKeys, { verbose: true }, alice)).keys.map((k) => [k.label, k.coverage]));
    assert.deepEqual(coverage, { before: 'full', during: 'partial' });
    const users = Object.fromEntries((await perform(ctx, listUsers, {})).users.map((u) => [u.username, u.coverage]));
    assert.equal(users.alice, 'full');
    assert.equal(users.bob, 'inconsistent');
    await refused(perform(ctx, failHsm, { hsmId: first!.HsmId }), 'INVALID_STATE', 'CloudHsmInvalidRequestException');
    await perform(ctx, advanceClock, { minutes: 29 });
    assert.equal((await perform(ctx, describeCluster, {})).State, 'DEGRADED', 'not before its time');
    await perform(ctx, advanceClock, { minutes: 1 });
    // A read: the engine's housekeeping catches up before it.
    const after = await perform(ctx, describeCluster, {});
    assert.equal(after.State, 'ACTIVE');
    assert.notEqual(after.Hsms[0]!.HsmId, first!.HsmId);
    assert.equal(after.Hsms[0]!.EniIp, first!.EniIp);
    assert.ok((await perform(ctx, listKeys, { verbose: true }, alice)).keys.every((k) => k.coverage === 'full'));
  });

  it('a read that finds a replacement due but cannot take the lock still answers, from the state as it is', async () => {
    const ctx = await clusterContext();
    const [first] = await hsms(ctx);
    await perform(ctx, failHsm, { hsmId: first!.HsmId, replaceAfterMinutes: 5 });
    await perform(ctx, advanceClock, { minutes: 5 });
    const lock = path.join(ctx.dir, 'lock');
    fs.writeFileSync(lock, JSON.stringify({ pid: process.pid, command: 'key generate-symmetric aes', since: new Date().toISOString() }));
    const impatient = { ...ctx, store: await Store.open({ dir: ctx.dir, lockTimeoutMs: 100 }) };
    try {
      assert.equal((await perform(impatient, describeCluster, {})).State, 'DEGRADED');
    } finally {
      fs.rmSync(lock);
    }
    assert.equal((await perform(impatient, describeCluster, {})).State, 'ACTIVE');
  });

  it('a zeroized HSM holds nothing while it waits: every key shows partial coverage', async () => {
    const ctx = await clusterContext({ cryptoUsers: { alice: PASSWORD } });
    const alice = aliceOf();
    await perform(ctx, generateSymmetric, { keyType: 'aes', label: 'k', keyLengthBytes: 32 }, alice);
    await perform(ctx, failHsm, { eniIp: (await hsms(ctx))[1]!.EniIp, mode: 'zeroize', replaceAfterMinutes: 5 });
    assert.deepEqual((await perform(ctx, listKeys, { verbose: true }, alice)).keys.map((k) => k.coverage), ['partial']);
    assert.equal((await perform(ctx, listUsers, {})).users.find((u) => u.username === 'alice')!.coverage, 'inconsistent');
  });

  it('with every HSM failed, operations that need an HSM say when the replacement comes; deleting a failed HSM ends DEGRADED', async () => {
    const ctx = await clusterContext({ cryptoUsers: { alice: PASSWORD } });
    const [first, second] = await hsms(ctx);
    await perform(ctx, failHsm, { hsmId: first!.HsmId, replaceAfterMinutes: 10 });
    await perform(ctx, failHsm, { hsmId: second!.HsmId, replaceAfterMinutes: 20 });
    const err = await refused(perform(ctx, listKeys, {}, aliceOf()), 'NO_ACTIVE_HSM');
    assert.match(err.message, /failed, and the service replaces the first at .*clock advance/);
    await perform(ctx, deleteHsm, { hsmId: first!.HsmId });
    await perform(ctx, deleteHsm, { hsmId: second!.HsmId });
    assert.equal((await perform(ctx, describeCluster, {})).State, 'ACTIVE', 'an ACTIVE cluster with no HSM stays ACTIVE');
    await perform(ctx, advanceClock, { hours: 1 });
    assert.deepEqual(await hsms(ctx), [], 'a deleted HSM is not replaced');
    // No ACTIVE HSM was left to back up: a new HSM gets the newest backup, from before alice existed.
    await perform(ctx, createHsm, { availabilityZone: 'us-east-1a' });
    assert.deepEqual((await perform(ctx, listUsers, {})).users.map((u) => u.username), ['admin', 'app_user']);
  });

  it('refuses every wrong input or state and changes nothing', async () => {
    const ctx = await clusterContext();
    const [first] = await hsms(ctx);
    const attempts: Array<[Parameters<typeof failHsm.run>[1], string, string]> = [
      [{ hsmId: 'hsm-aaaaaaaaaaa' }, 'HSM_NOT_FOUND', 'CloudHsmResourceNotFoundException'],
      [{ eniIp: '10.9.9.9' }, 'HSM_NOT_FOUND', 'CloudHsmResourceNotFoundException'],
      [{}, 'INVALID_REQUEST', 'CloudHsmInvalidRequestException'],
      [{ hsmId: first!.HsmId, eniIp: first!.EniIp }, 'INVALID_REQUEST', 'CloudHsmInvalidRequestException'],
      [{ hsmId: first!.HsmId, mode: 'melt' }, 'INVALID_REQUEST', 'CloudHsmInvalidRequestException'],
      [{ hsmId: first!.HsmId, replaceAfterMinutes: -1 }, 'INVALID_REQUEST', 'CloudHsmInvalidRequestException'],
      [{ hsmId: first!.HsmId, replaceAfterMinutes: 10_081 }, 'INVALID_REQUEST', 'CloudHsmInvalidRequestException'],
      [{ hsmId: first!.HsmId, replaceAfterMinutes: 1.5 }, 'INVALID_REQUEST', 'CloudHsmInvalidRequestException'],
    ];
    for (const [input, code, type] of attempts) {
      const seq = ctx.store.committedSeq;
      await refused(perform(ctx, failHsm, input), code, type);
      assert.equal(ctx.store.committedSeq, seq, `${JSON.stringify(input)}: nothing written`);
    }
    const uninitialized = await clusterContext({ password: null });
    const [hsm] = await hsms(uninitialized);
    await refused(perform(uninitialized, failHsm, { hsmId: hsm!.HsmId }), 'INVALID_STATE', 'CloudHsmInvalidRequestException');
  });

  it('the key availability check: off by default; on, token keys on fewer than 2 ACTIVE HSMs are refused with the real message, session keys never', async () => {
    const ctx = await oneHsmCluster();
    const alice = aliceOf();
    await perform(ctx, generateSymmetric, { keyType: 'generic-secret', label: 'mac', keyLengthBytes: 32 }, alice);
    await perform(ctx, generateSymmetric, { keyType: 'generic-secret', label: 'session-mac', keyLengthBytes: 32, session: true }, alice);
    await hmac(ctx, alice, 'mac');
    assert.deepEqual(await perform(ctx, configureClient, {}), { keyAvailabilityCheck: false });
    await perform(ctx, configureClient, { keyAvailabilityCheck: true });
    const err = await refused(hmac(ctx, alice, 'mac'), 'KEY_NOT_AVAILABLE');
    assert.match(err.message, /^Key 0x[0-9a-f]{16} does not meet the availability requirements - The key must be available on at least 2 HSMs before being used\./);
    await hmac(ctx, alice, 'session-mac');
    // A second HSM is restored from a copy of the first: the key is then on 2 HSMs.
    await perform(ctx, createHsm, { availabilityZone: 'us-east-1b' });
    await hmac(ctx, alice, 'mac');
    // While one of two is being replaced, the key is on one ACTIVE HSM again.
    await perform(ctx, failHsm, { hsmId: (await hsms(ctx))[0]!.HsmId, replaceAfterMinutes: 5 });
    await refused(hmac(ctx, alice, 'mac'), 'KEY_NOT_AVAILABLE');
    await perform(ctx, configureClient, { keyAvailabilityCheck: false });
    await hmac(ctx, alice, 'mac');
  });

  it('session keys live on the HSM that made them: when it fails they are gone', async () => {
    const ctx = await clusterContext({ cryptoUsers: { alice: PASSWORD } });
    const alice = aliceOf();
    const { key } = await perform(ctx, generateSymmetric, { keyType: 'aes', label: 's', keyLengthBytes: 32, session: true }, alice);
    assert.ok(key.hsmId);
    assert.equal(key.coverage, 'partial', 'one HSM of two');
    const other = (await hsms(ctx)).find((h) => h.HsmId !== key.hsmId)!;
    await perform(ctx, failHsm, { hsmId: other.HsmId });
    assert.deepEqual(await labels(ctx, alice), ['s'], 'another HSM failing leaves it');
    await perform(ctx, failHsm, { hsmId: key.hsmId, replaceAfterMinutes: 1 });
    assert.deepEqual(await labels(ctx, alice), []);
  });
});
