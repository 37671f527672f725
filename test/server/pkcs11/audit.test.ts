/**
 * The audit log records PKCS #11 calls as it records the CLI's commands (audit-log.md): the same
 * session of work — a wrong PIN, a login, a key pair made, a key wrapped out and back in, a key
 * destroyed, a wrap refused, a logout — run once through the PKCS #11 server and once through the
 * operations the CLI's commands call, on two copies of one cluster, leaves the same events on
 * the cluster's HSMs: the same opcodes, responses, users and key handles.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import type { EngineContext } from '../../../src/core/context.js';
import { perform, type Caller } from '../../../src/core/engine.js';
import { generateKeyPair, generateSymmetric } from '../../../src/core/keys/generate.js';
import { deleteKey } from '../../../src/core/keys/operations.js';
import { byReference } from '../../../src/core/keys/selector.js';
import { unwrapKey, wrapKey } from '../../../src/core/keys/wrap.js';
import { login, logout } from '../../../src/core/users/operations.js';
import { CKA, CKM, CKO, CKR, CKU } from '../../../src/server/pkcs11/constants.js';
import { createPkcs11Server, listenPkcs11 } from '../../../src/server/pkcs11/server.js';
import { events, gist } from '../../support/audit-events.js';
import { refused, tempDir } from '../../support/helpers.js';
import { Client, P256, bool, bytes, noParams, ulong } from '../../support/pkcs11-client.js';
import { clusterContext } from '../../support/templates.js';

const PASSWORD = 'alice-Pass1';
const CREDENTIALS = { username: 'alice', password: PASSWORD, role: 'crypto-user' as const };

/** Each HSM's events since `from` (counts per HSM), as gists, by HSM in a stable order. */
async function since(ctx: EngineContext, from: Map<string, number>): Promise<string[][]> {
  const byHsm = new Map<string, string[]>();
  for (const e of await events(ctx)) byHsm.set(e.logStream, [...(byHsm.get(e.logStream) ?? []), gist(e)]);
  return [...byHsm.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([hsm, all]) => all.slice(from.get(hsm) ?? 0));
}

async function counts(ctx: EngineContext): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  for (const e of await events(ctx)) out.set(e.logStream, (out.get(e.logStream) ?? 0) + 1);
  return out;
}

/** The keys both runs start from: an AES wrapping key and a key that never leaves. */
async function setUp(ctx: EngineContext): Promise<{ kek: number; locked: number }> {
  const alice: Caller = { credentials: CREDENTIALS };
  const kek = (await perform(ctx, generateSymmetric, { keyType: 'aes', label: 'kek', keyLengthBytes: 32, attributes: ['wrap=true', 'unwrap=true'] }, alice)).key.ref;
  const locked = (await perform(ctx, generateSymmetric, { keyType: 'aes', label: 'locked', keyLengthBytes: 32, attributes: ['extractable=false'] }, alice)).key.ref;
  return { kek, locked };
}

describe('PKCS #11 server: the audit log records its calls as the CLI\'s', function () {
  this.timeout(120_000);

  it('a wrong PIN, login, key pair, wrap, unwrap, destroy, a refused wrap and logout leave the CLI\'s events', async () => {
    // Through PKCS #11.
    const viaPkcs11 = await clusterContext({ cryptoUsers: { alice: PASSWORD } });
    const p11Keys = await setUp(viaPkcs11);
    const socketPath = path.join(tempDir('p11a-'), 'p.sock');
    const server = createPkcs11Server(viaPkcs11);
    await listenPkcs11(server, socketPath);
    const p11Start = await counts(viaPkcs11);
    const c = await Client.open(socketPath);
    try {
      const [s0] = await c.ok('C_OpenSession', [0n, 6n]);
      assert.equal(await c.ckr('C_Login', [s0!, BigInt(CKU.USER), { bytes: new Uint8Array(Buffer.from('alice:Wrong-Pass-1')) }]), CKR.PIN_INCORRECT);
      await c.ok('C_CloseSession', [s0!]);
      const s = await c.session(`alice:${PASSWORD}`);
      const [, priv] = await c.ok('C_GenerateKeyPair', [
        s,
        noParams(CKM.EC_KEY_PAIR_GEN),
        [bool(CKA.TOKEN, true), bool(CKA.VERIFY, true), bytes(CKA.EC_PARAMS, P256), bytes(CKA.LABEL, 'pair')],
        [bool(CKA.TOKEN, true), bool(CKA.SIGN, true), bytes(CKA.LABEL, 'pair')],
      ]);
      const m = noParams(CKM.CLOUDHSM_AES_KEY_WRAP_PKCS5_PAD);
      const [size] = await c.ok('C_WrapKey', [s, m, BigInt(p11Keys.kek), priv!, 0]);
      const [wrapped] = await c.ok('C_WrapKey', [s, m, BigInt(p11Keys.kek), priv!, (size as { length: number }).length]);
      const [back] = await c.ok('C_UnwrapKey', [s, m, BigInt(p11Keys.kek), wrapped!, [ulong(CKA.CLASS, CKO.PRIVATE_KEY), ulong(CKA.KEY_TYPE, 3), bool(CKA.TOKEN, true), bytes(CKA.LABEL, 'back')]]);
      await c.ok('C_DestroyObject', [s, back!]);
      assert.equal(await c.ckr('C_WrapKey', [s, m, BigInt(p11Keys.kek), BigInt(p11Keys.locked), 100]), CKR.KEY_UNEXTRACTABLE);
      await c.ok('C_Logout', [s]);
    } finally {
      c.close();
      server.close();
    }
    const p11Events = await since(viaPkcs11, p11Start);

    // Through the operations the CLI's commands run, in one login session as the shell holds it.
    const viaCli = await clusterContext({ cryptoUsers: { alice: PASSWORD } });
    const cliKeys = await setUp(viaCli);
    const cliStart = await counts(viaCli);
    await refused(perform(viaCli, login, { credentials: { ...CREDENTIALS, password: 'Wrong-Pass-1' }, sessionPid: process.pid }), 'LOGIN_FAILED');
    const { session } = await perform(viaCli, login, { credentials: CREDENTIALS, sessionPid: process.pid });
    const alice: Caller = { session, sessionKeys: new Map() };
    const pair = await perform(viaCli, generateKeyPair, { keyType: 'ec', curve: 'secp256r1', publicLabel: 'pair', privateLabel: 'pair', publicAttributes: ['verify=true'], privateAttributes: ['sign=true'] }, alice);
    const { wrapped } = await perform(viaCli, wrapKey, { mechanism: 'aes-pkcs5-pad', payloadFilter: byReference(pair.privateKey.ref), wrappingFilter: byReference(cliKeys.kek) }, alice);
    const { key: back } = await perform(viaCli, unwrapKey, { mechanism: 'aes-pkcs5-pad', filter: byReference(cliKeys.kek), data: wrapped, keyTypeClass: 'ec-private', label: 'back' }, alice);
    await perform(viaCli, deleteKey, { filter: byReference(back.ref) }, alice);
    await refused(perform(viaCli, wrapKey, { mechanism: 'aes-pkcs5-pad', payloadFilter: byReference(cliKeys.locked), wrappingFilter: byReference(cliKeys.kek) }, alice), 'KEY_ATTRIBUTE_REFUSED');
    await perform(viaCli, logout, {}, { session });
    const cliEvents = await since(viaCli, cliStart);

    // Which HSM runs a call is the client's round robin, so the two runs may route differently:
    // the events, counted over the cluster, are the same.
    const all = p11Events.flat();
    assert.deepEqual([...all].sort(), cliEvents.flat().sort());
    for (const opcode of ['CN_LOGIN 0 alice', 'CN_LOGIN 163 alice', 'CN_GENERATE_KEY_PAIR', 'CN_WRAP_KEY 0', 'CN_UNWRAP_KEY', 'CN_TOMBSTONE_OBJECT', 'CN_WRAP_KEY HSM Error: KEY_ATTRIBUTE_REFUSED', 'CN_LOGOUT']) {
      assert.ok(all.some((g) => g.startsWith(opcode)), `${opcode} in ${all.join(' | ')}`);
    }
  });
});
