/**
 * Plaintext export and import (key_mgmt_util's exSymKey, exportPrivateKey and imSymKey): what
 * comes out is the key itself, and only under the tool's rules (owner, extractable, an AES
 * wrapping key with wrap and decrypt, trusted for wrap-with-trusted keys, no key quorum); what
 * comes in becomes a key with local=false; a wrong host key (-wk) fails the wrap or unwrap and
 * changes nothing.
 */
import assert from 'node:assert/strict';
import { createHash, createPrivateKey, createPublicKey } from 'node:crypto';
import { perform, type Caller } from '../../../src/core/engine.js';
import type { EngineContext } from '../../../src/core/context.js';
import { generateKeyPair, generateSymmetric } from '../../../src/core/keys/generate.js';
import type { KeyRecord } from '../../../src/core/keys/model.js';
import { setAttribute, shareKey } from '../../../src/core/keys/operations.js';
import { exportPlaintextKey, importPlaintextKey } from '../../../src/core/keys/plaintext.js';
import { byLabel } from '../../../src/core/keys/selector.js';
import { isAuditObject } from '../../../src/core/audit/log.js';
import { refused } from '../../support/helpers.js';
import { clusterContext } from '../../support/templates.js';

const USERS = { alice: 'alice-Pass1', bob: 'bob-Pass1' };
const cu = (username: 'alice' | 'bob'): Caller => ({ credentials: { username, password: USERS[username], role: 'crypto-user' }, sessionKeys: new Map() });
const admin: Caller = { credentials: { username: 'admin', password: 'Admin123!', role: 'admin' } };
const alice = cu('alice');

async function material(ctx: EngineContext, label: string): Promise<Buffer> {
  const keys = await ctx.store.read((view) => view.list<KeyRecord>('key/'));
  const found = keys.find(([, k]) => k.label === label);
  assert.ok(found, `a key labelled ${label}`);
  return Buffer.from(found[1].material, 'base64');
}

describe('core/keys: plaintext export and import (exSymKey, exportPrivateKey, imSymKey)', function () {
  this.timeout(60_000);
  let ctx: EngineContext;
  const both = ['wrap=true', 'unwrap=true', 'encrypt=true', 'decrypt=true'];
  const exportOf = (label: string, keyClass: 'secret-key' | 'private-key' = 'secret-key', wrapping = 'kek', who: Caller = alice, hostUnwrapKey?: Uint8Array) =>
    perform(ctx, exportPlaintextKey, { payloadFilter: byLabel(label), keyClass, wrappingFilter: byLabel(wrapping), ...(hostUnwrapKey ? { hostUnwrapKey } : {}) }, who);

  before(async () => {
    ctx = await clusterContext({ hsmType: 'hsm1.medium', cryptoUsers: USERS });
    await perform(ctx, generateSymmetric, { keyType: 'aes', label: 'kek', keyLengthBytes: 32, attributes: both }, alice);
    for (const [label, keyType, keyLengthBytes] of [['aes', 'aes', 16], ['tdes', 'des3', 24], ['secret', 'generic-secret', 40]] as const) {
      await perform(ctx, generateSymmetric, { keyType, label, keyLengthBytes }, alice);
    }
    await perform(ctx, generateSymmetric, { keyType: 'aes', label: 'nex', keyLengthBytes: 32, attributes: ['extractable=false'] }, alice);
    await perform(ctx, generateKeyPair, { keyType: 'ec', curve: 'secp256r1', publicLabel: 'ec-pub', privateLabel: 'ec-priv' }, alice);
  });

  it('exports an extractable secret key as its own bytes, and changes nothing in the store', async () => {
    for (const label of ['aes', 'tdes', 'secret']) {
      const held = () => ctx.store.read((view) => view.list('').filter(([k]) => !isAuditObject(k)).length);
      const before = await held();
      const { plaintext, key } = await exportOf(label);
      assert.deepEqual(Buffer.from(plaintext), await material(ctx, label));
      assert.equal(key.label, label);
      assert.equal(await held(), before, 'nothing but the audit log changed');
    }
  });

  it('exports a private key as PKCS#8 of the same key pair (its public half has the key\'s check value)', async () => {
    const { plaintext, key } = await exportOf('ec-priv', 'private-key');
    const spki = createPublicKey(createPrivateKey({ key: Buffer.from(plaintext), format: 'der', type: 'pkcs8' })).export({ type: 'spki', format: 'der' });
    assert.equal(`0x${createHash('sha1').update(spki).digest('hex').slice(0, 6)}`, key.checkValue);
  });

  it('refuses a non-extractable key, a key of the other class, and a key the caller does not own', async () => {
    await refused(exportOf('nex'), 'KEY_ATTRIBUTE_REFUSED');
    await refused(exportOf('ec-priv'), 'INVALID_ARGUMENT');
    await refused(exportOf('aes', 'private-key'), 'INVALID_ARGUMENT');
    await refused(exportOf('ec-pub', 'private-key'), 'INVALID_ARGUMENT');
    await perform(ctx, shareKey, { filter: byLabel('aes'), username: 'bob', role: 'crypto-user' }, alice);
    await perform(ctx, shareKey, { filter: byLabel('kek'), username: 'bob', role: 'crypto-user' }, alice);
    await refused(exportOf('aes', 'secret-key', 'kek', cu('bob')), 'KEY_ACCESS_DENIED');
  });

  it('needs an AES wrapping key with wrap and decrypt', async () => {
    await perform(ctx, generateSymmetric, { keyType: 'aes', label: 'wrap-only', keyLengthBytes: 32, attributes: ['wrap=true'] }, alice);
    await perform(ctx, generateSymmetric, { keyType: 'aes', label: 'decrypt-only', keyLengthBytes: 32, attributes: ['decrypt=true'] }, alice);
    await refused(exportOf('aes', 'secret-key', 'wrap-only'), 'KEY_ATTRIBUTE_REFUSED');
    await refused(exportOf('aes', 'secret-key', 'decrypt-only'), 'KEY_ATTRIBUTE_REFUSED');
    await refused(exportOf('aes', 'secret-key', 'tdes'), 'INVALID_ARGUMENT');
  });

  it('exports a wrap-with-trusted key only through a trusted wrapping key', async () => {
    await perform(ctx, generateSymmetric, { keyType: 'aes', label: 'wwt', keyLengthBytes: 16, attributes: ['wrap-with-trusted=true'] }, alice);
    await refused(exportOf('wwt'), 'KEY_ATTRIBUTE_REFUSED');
    await perform(ctx, setAttribute, { filter: byLabel('kek'), name: 'trusted', value: 'true' }, admin);
    assert.deepEqual(Buffer.from((await exportOf('wwt')).plaintext), await material(ctx, 'wwt'));
    await perform(ctx, setAttribute, { filter: byLabel('kek'), name: 'trusted', value: 'false' }, admin);
    await refused(exportOf('wwt'), 'KEY_ATTRIBUTE_REFUSED');
  });

  it('refuses a key under key quorum, which no one can approve here', async () => {
    await perform(ctx, generateSymmetric, { keyType: 'aes', label: 'quorum', keyLengthBytes: 16, shareWith: ['bob'], manageQuorum: 2 }, alice);
    await refused(exportOf('quorum'), 'PERMISSION_DENIED');
  });

  it('with -wk the host unwraps with the bytes it holds: the right ones work, others fail with nothing out', async () => {
    const kek = new Uint8Array(await material(ctx, 'kek'));
    assert.deepEqual(Buffer.from((await exportOf('aes', 'secret-key', 'kek', alice, kek)).plaintext), await material(ctx, 'aes'));
    await refused(exportOf('aes', 'secret-key', 'kek', alice, kek.map((b, i) => (i === 0 ? b ^ 1 : b))), 'DECRYPTION_FAILED');
    await refused(exportOf('aes', 'secret-key', 'kek', alice, kek.subarray(0, 20)), 'INVALID_ARGUMENT');
  });

  it('imports a plaintext AES or 3DES key as a new key with local=false and the same check value', async () => {
    for (const [label, keyType] of [['aes', 'aes'], ['tdes', 'des3']] as const) {
      const data = new Uint8Array(await material(ctx, label));
      const { key } = await perform(ctx, importPlaintextKey, { data, keyType, label: `${label}-in`, wrappingFilter: byLabel('kek') }, alice);
      const original = (await exportOf(label)).key;
      assert.deepEqual([key.keyType, key.checkValue, key.attributes.local, key.owner], [keyType, original.checkValue, false, 'alice']);
    }
  });

  it('refuses what is not a key of the type, a wrapping key without unwrap (or encrypt), and a wrong host key, storing nothing', async () => {
    const count = () => ctx.store.read((view) => view.count('key/'));
    await perform(ctx, generateSymmetric, { keyType: 'aes', label: 'unwrap-only', keyLengthBytes: 32, attributes: ['unwrap=true'] }, alice);
    const before = await count();
    const imported = (input: Partial<Parameters<typeof importPlaintextKey.run>[1]>, who: Caller = alice) =>
      perform(ctx, importPlaintextKey, { data: new Uint8Array(16), keyType: 'aes', label: 'in', wrappingFilter: byLabel('kek'), ...input }, who);
    await refused(imported({ data: new Uint8Array(20) }), 'INVALID_ARGUMENT');
    // Three equal DES keys: single DES.
    await refused(imported({ keyType: 'des3', data: new Uint8Array(24).fill(1) }), 'INVALID_ARGUMENT');
    await refused(imported({ keyType: 'generic-secret' as never }), 'INVALID_ARGUMENT');
    await refused(imported({ wrappingFilter: byLabel('wrap-only') }), 'KEY_ATTRIBUTE_REFUSED');
    await refused(imported({ wrappingFilter: byLabel('unwrap-only') }), 'KEY_ATTRIBUTE_REFUSED');
    const unwrapOnly = new Uint8Array(await material(ctx, 'unwrap-only'));
    await refused(imported({ wrappingFilter: byLabel('unwrap-only'), hostWrapKey: unwrapOnly.map((b) => b ^ 0xff) }), 'DECRYPTION_FAILED');
    assert.equal(await count(), before);
    const { key } = await imported({ wrappingFilter: byLabel('unwrap-only'), hostWrapKey: unwrapOnly, label: 'host-wrapped' });
    assert.equal(key.keyLengthBytes, 16);
  });

  it('refuses 3DES imports on an hsm2m.medium cluster', async () => {
    const hsm2m = await clusterContext({ cryptoUsers: USERS });
    await perform(hsm2m, generateSymmetric, { keyType: 'aes', label: 'kek', keyLengthBytes: 32, attributes: both }, alice);
    await refused(perform(hsm2m, importPlaintextKey, { data: new Uint8Array(await material(ctx, 'tdes')), keyType: 'des3', label: 'in', wrappingFilter: byLabel('kek') }, alice), 'MECHANISM_NOT_ALLOWED');
  });
});
