/**
 * Keys leaving and entering the HSM (audit-log.md §4.5-4.6): a wrap is CN_WRAP_KEY then, with an
 * AES wrapping key, CN_NIST_AES_WRAP, on the HSM that ran it only; an unwrap is CN_NIST_AES_WRAP
 * (an AES unwrapping key), CN_UNWRAP_KEY and the new key's masked-object sync; key_mgmt_util's
 * exSymKey and imSymKey log the same; a key imported from PEM is CN_CREATE_OBJECT and a derived
 * one CN_DERIVE_KEY, each synchronised. No event holds a password or any key byte, wrapped or not.
 */
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import type { EngineContext } from '../../../src/core/context.js';
import { perform, type Caller } from '../../../src/core/engine.js';
import { renderAuditEvent } from '../../../src/core/audit/log.js';
import { verifyAudit } from '../../../src/core/audit/operations.js';
import { deriveEcdh } from '../../../src/core/keys/derive.js';
import { importPem } from '../../../src/core/keys/files.js';
import { generateKeyPair, generateSymmetric } from '../../../src/core/keys/generate.js';
import type { KeyRecord } from '../../../src/core/keys/model.js';
import { exportPlaintextKey, importPlaintextKey } from '../../../src/core/keys/plaintext.js';
import { byLabel } from '../../../src/core/keys/selector.js';
import { unwrapKey, wrapKey } from '../../../src/core/keys/wrap.js';
import { createUser, login } from '../../../src/core/users/operations.js';
import { added, events } from '../../support/audit-events.js';
import { refused } from '../../support/helpers.js';
import { clusterContext } from '../../support/templates.js';

const ALICE_PASSWORD = 'alice-Pass1';

/** Alice in a session (her operations log no login of their own), on a cluster with a wrapping key `kek`. */
async function setUp(): Promise<{ ctx: EngineContext; alice: Caller; ref: (label: string) => Promise<number> }> {
  const ctx = await clusterContext({ cryptoUsers: { alice: ALICE_PASSWORD } });
  const { session } = await perform(ctx, login, { credentials: { username: 'alice', password: ALICE_PASSWORD, role: 'crypto-user' }, sessionPid: process.pid });
  const alice: Caller = { session, sessionKeys: new Map() };
  await perform(ctx, generateSymmetric, { keyType: 'aes', label: 'kek', keyLengthBytes: 32, attributes: ['wrap=true', 'unwrap=true', 'encrypt=true', 'decrypt=true'] }, alice);
  await perform(ctx, generateSymmetric, { keyType: 'aes', label: 'payload', keyLengthBytes: 16 }, alice);
  const ref = async (label: string) => (await ctx.store.read((view) => view.list<KeyRecord>('key/').find(([, k]) => k.label === label)))![1].ref;
  return { ctx, alice, ref };
}

/**
 * The streams `action` added to: the HSM that ran it (the one whose events start with `first`)
 * and the other one, which must exist.
 */
async function homeAndOther(ctx: EngineContext, first: string, action: () => Promise<unknown>): Promise<{ home: string[]; other: string[] }> {
  const byHsm = [...(await added(ctx, action)).values()];
  const home = byHsm.find((gists) => gists[0]?.startsWith(first));
  assert.ok(home, `an HSM logged ${first} first: ${JSON.stringify(byHsm)}`);
  assert.ok(byHsm.length <= 2);
  return { home, other: byHsm.find((gists) => gists !== home) ?? [] };
}

describe('core/audit: the events of key wrap, unwrap, plaintext export and import, PEM import and derivation', function () {
  this.timeout(60_000);

  it('key wrap with an AES key: CN_WRAP_KEY (the key) then CN_NIST_AES_WRAP (the wrapping key), on that HSM only; with an RSA key, CN_WRAP_KEY alone', async () => {
    const { ctx, alice, ref } = await setUp();
    const [payload, kek] = [await ref('payload'), await ref('kek')];
    const aes = await homeAndOther(ctx, 'CN_WRAP_KEY', () => perform(ctx, wrapKey, { mechanism: 'aes-pkcs5-pad', payloadFilter: byLabel('payload'), wrappingFilter: byLabel('kek') }, alice));
    assert.deepEqual(aes, { home: [`CN_WRAP_KEY 0 keys ${payload}/0`, `CN_NIST_AES_WRAP 0 keys ${kek}/0`], other: [] });
    await perform(ctx, generateKeyPair, { keyType: 'rsa', modulusSizeBits: 2048, publicExponent: '65537', publicLabel: 'rsa-pub', privateLabel: 'rsa-priv', publicAttributes: ['wrap=true'] }, alice);
    const rsa = await homeAndOther(ctx, 'CN_WRAP_KEY', () =>
      perform(ctx, wrapKey, { mechanism: 'rsa-oaep', payloadFilter: byLabel('payload'), wrappingFilter: byLabel('rsa-pub'), hash: 'sha256', mgf: 'mgf1-sha256' }, alice),
    );
    assert.deepEqual(rsa, { home: [`CN_WRAP_KEY 0 keys ${payload}/0`], other: [] });
  });

  it('key unwrap: CN_NIST_AES_WRAP (the unwrapping key), CN_UNWRAP_KEY (the new key) and its extract on that HSM, the insert on the other; a session key is not synchronised', async () => {
    const { ctx, alice, ref } = await setUp();
    const kek = await ref('kek');
    const { wrapped } = await perform(ctx, wrapKey, { mechanism: 'aes-pkcs5-pad', payloadFilter: byLabel('payload'), wrappingFilter: byLabel('kek') }, alice);
    let handle = 0;
    const token = await homeAndOther(ctx, 'CN_NIST_AES_WRAP', async () => {
      handle = (await perform(ctx, unwrapKey, { mechanism: 'aes-pkcs5-pad', filter: byLabel('kek'), data: wrapped, keyTypeClass: 'aes', label: 'back' }, alice)).key.ref;
    });
    assert.deepEqual(token, {
      home: [`CN_NIST_AES_WRAP 0 keys ${kek}/0`, `CN_UNWRAP_KEY 0 keys ${handle}/0`, `CN_EXTRACT_MASKED_OBJECT_USER 0 keys ${handle}/0`],
      other: [`CN_INSERT_MASKED_OBJECT_USER 0 keys ${handle}/0`],
    });
    const session = await homeAndOther(ctx, 'CN_NIST_AES_WRAP', async () => {
      handle = (await perform(ctx, unwrapKey, { mechanism: 'aes-pkcs5-pad', filter: byLabel('kek'), data: wrapped, keyTypeClass: 'aes', label: 'back-s', session: true }, alice)).key.ref;
    });
    assert.deepEqual(session, { home: [`CN_NIST_AES_WRAP 0 keys ${kek}/0`, `CN_UNWRAP_KEY 0 keys ${handle}/0`], other: [] });
  });

  it('exSymKey and imSymKey (plaintext export and import) log as a wrap and an unwrap do', async () => {
    const { ctx, alice, ref } = await setUp();
    const [payload, kek] = [await ref('payload'), await ref('kek')];
    const exported = await homeAndOther(ctx, 'CN_WRAP_KEY', () => perform(ctx, exportPlaintextKey, { payloadFilter: byLabel('payload'), keyClass: 'secret-key', wrappingFilter: byLabel('kek') }, alice));
    assert.deepEqual(exported, { home: [`CN_WRAP_KEY 0 keys ${payload}/0`, `CN_NIST_AES_WRAP 0 keys ${kek}/0`], other: [] });
    let handle = 0;
    const imported = await homeAndOther(ctx, 'CN_NIST_AES_WRAP', async () => {
      handle = (await perform(ctx, importPlaintextKey, { data: new Uint8Array(16).fill(7), keyType: 'aes', label: 'in', wrappingFilter: byLabel('kek') }, alice)).key.ref;
    });
    assert.deepEqual(imported, {
      home: [`CN_NIST_AES_WRAP 0 keys ${kek}/0`, `CN_UNWRAP_KEY 0 keys ${handle}/0`, `CN_EXTRACT_MASKED_OBJECT_USER 0 keys ${handle}/0`],
      other: [`CN_INSERT_MASKED_OBJECT_USER 0 keys ${handle}/0`],
    });
    // A refused export is logged as the wrap it asked for.
    const refusedExport = await homeAndOther(ctx, 'CN_WRAP_KEY', () =>
      refused(perform(ctx, exportPlaintextKey, { payloadFilter: { ref: payload, attributes: [] }, keyClass: 'private-key', wrappingFilter: byLabel('kek') }, alice), 'INVALID_ARGUMENT'),
    );
    assert.deepEqual(refusedExport, { home: [`CN_WRAP_KEY HSM Error: INVALID_ARGUMENT keys ${payload}/0`], other: [] });
  });

  it('a public key imported from PEM is CN_CREATE_OBJECT, a derived key CN_DERIVE_KEY, each synchronised to the other HSM', async () => {
    const { ctx, alice } = await setUp();
    const peer = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    let handle = 0;
    const created = await homeAndOther(ctx, 'CN_CREATE_OBJECT', async () => {
      handle = (await perform(ctx, importPem, { pem: peer.publicKey.export({ type: 'spki', format: 'pem' }) as string, label: 'peer', keyTypeClass: 'ec-public' }, alice)).key.ref;
    });
    assert.deepEqual(created, { home: [`CN_CREATE_OBJECT 0 keys ${handle}/0`, `CN_EXTRACT_MASKED_OBJECT_USER 0 keys ${handle}/0`], other: [`CN_INSERT_MASKED_OBJECT_USER 0 keys ${handle}/0`] });
    await perform(ctx, generateKeyPair, { keyType: 'ec', curve: 'prime256v1', publicLabel: 'ec-pub', privateLabel: 'ec-priv', privateAttributes: ['derive=true'] }, alice);
    const derived = await homeAndOther(ctx, 'CN_DERIVE_KEY', async () => {
      handle = (await perform(ctx, deriveEcdh, { baseKeyFilter: byLabel('ec-priv'), peerPublicKeyPem: peer.publicKey.export({ type: 'spki', format: 'pem' }) as string, keyType: 'aes', label: 'agreed' }, alice)).key.ref;
    });
    assert.deepEqual(derived, { home: [`CN_DERIVE_KEY 0 keys ${handle}/0`, `CN_EXTRACT_MASKED_OBJECT_USER 0 keys ${handle}/0`], other: [`CN_INSERT_MASKED_OBJECT_USER 0 keys ${handle}/0`] });
    await perform(ctx, verifyAudit, {});
  });

  it('no event holds a password (of a login, a user creation, a refused one) or a key byte: key material, wrapped keys, exported and imported plaintext', async () => {
    const { ctx, alice } = await setUp();
    const admin: Caller = { credentials: { username: 'admin', password: 'Admin123!', role: 'admin' } };
    await perform(ctx, createUser, { username: 'carol', role: 'crypto-user', password: 'Carol-Pass-77' }, admin);
    await refused(perform(ctx, createUser, { username: 'carol', role: 'crypto-user', password: 'Refused-Pass-78' }, admin), 'USER_EXISTS');
    await refused(perform(ctx, createUser, { username: 'dave', role: 'crypto-user', password: 'Refused-Pass-79' }, { credentials: { username: 'alice', password: ALICE_PASSWORD, role: 'crypto-user' } }), 'PERMISSION_DENIED');
    const gcm = await perform(ctx, wrapKey, { mechanism: 'aes-gcm', payloadFilter: byLabel('payload'), wrappingFilter: byLabel('kek'), tagLengthBits: 128 }, alice);
    const kw = await perform(ctx, wrapKey, { mechanism: 'aes-pkcs5-pad', payloadFilter: byLabel('payload'), wrappingFilter: byLabel('kek') }, alice);
    await perform(ctx, unwrapKey, { mechanism: 'aes-pkcs5-pad', filter: byLabel('kek'), data: kw.wrapped, keyTypeClass: 'aes', label: 'back' }, alice);
    const { plaintext } = await perform(ctx, exportPlaintextKey, { payloadFilter: byLabel('payload'), keyClass: 'secret-key', wrappingFilter: byLabel('kek') }, alice);
    const importedBytes = new Uint8Array(32).map((_, i) => (i * 37 + 11) & 0xff);
    await perform(ctx, importPlaintextKey, { data: importedBytes, keyType: 'aes', label: 'in', wrappingFilter: byLabel('kek') }, alice);
    const materials = await ctx.store.read((view) => view.list<KeyRecord>('key/').map(([, k]) => Buffer.from(k.material, 'base64')));

    const logged = await events(ctx);
    assert.ok(logged.some((e) => e.opcode.name === 'CN_UNWRAP_KEY') && logged.some((e) => e.response.code === undefined), 'the log holds the new kinds of event');
    const everything = `${JSON.stringify(logged)}\n${logged.map(renderAuditEvent).join('\n')}`;
    const bytes = [gcm.wrapped, gcm.iv!, kw.wrapped, plaintext, importedBytes, ...materials].map((b) => Buffer.from(b));
    const forms = (b: Buffer) => [b.toString('hex'), b.toString('base64'), b.toString('base64url')];
    for (const secret of ['Admin123!', ALICE_PASSWORD, 'Carol-Pass-77', 'Refused-Pass-78', 'Refused-Pass-79', ...bytes.flatMap(forms)]) {
      assert.ok(!everything.includes(secret), `a secret is in the audit log: ${secret.slice(0, 6)}…`);
    }
  });
});
