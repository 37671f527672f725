/**
 * KMS keys (kms-custom-key-store.md §6) and the key store's story: a key in a connected store is
 * an AES-256 key of kmsuser in the cluster; encryption works only while the store is connected;
 * a locked kmsuser keeps it from connecting; once unlocked and connected again, the earlier
 * ciphertext decrypts. Standard keys work beside them; blobs are authenticated and name their key.
 */
import assert from 'node:assert/strict';
import { perform, type Caller } from '../../../src/core/engine.js';
import type { EngineContext } from '../../../src/core/context.js';
import { HsmError } from '../../../src/core/errors.js';
import { storeKeys, type ClusterRecord } from '../../../src/core/cluster/model.js';
import { changePassword, deleteUser, login } from '../../../src/core/users/operations.js';
import { listKeys } from '../../../src/core/keys/operations.js';
import { connectKeyStore, createKeyStore, deleteKeyStore, describeKeyStores, disconnectKeyStore, updateKeyStore } from '../../../src/core/kms/key-stores.js';
import {
  cancelKmsKeyDeletion,
  createKmsAlias,
  createKmsKey,
  deleteKmsAlias,
  kmsGenerateRandom,
  kmsReEncrypt,
  listKmsAliases,
  updateKmsAlias,
  describeKmsKey,
  disableKmsKey,
  enableKmsKey,
  kmsDecrypt,
  kmsEncrypt,
  kmsGenerateDataKey,
  listKmsKeys,
  scheduleKmsKeyDeletion,
} from '../../../src/core/kms/keys.js';
import { advanceClock } from '../../../src/core/time/operations.js';
import { clusterContext } from '../../support/templates.js';

const ADMIN: Caller = { credentials: { username: 'admin', password: 'Admin123!', role: 'admin' } };
const PW = 'Kms-User-Pass-1';
const text = (s: string) => new Uint8Array(Buffer.from(s));

async function kmsRefusal(attempt: Promise<unknown>, type: string): Promise<void> {
  try {
    await attempt;
  } catch (err) {
    assert.ok(err instanceof HsmError, String(err));
    assert.equal(err.aws?.type, type, err.message);
    return;
  }
  assert.fail(`expected ${type}`);
}

describe('core/kms: KMS keys and the key store story', function () {
  this.timeout(120_000);
  let ctx: EngineContext;
  let storeId: string;

  before(async () => {
    ctx = await clusterContext({ cryptoUsers: { kmsuser: PW } });
    const cluster = await ctx.store.read((view) => view.list<ClusterRecord>(storeKeys.clusterPrefix)[0]![1]);
    ({ CustomKeyStoreId: storeId } = await perform(ctx, createKeyStore, { CustomKeyStoreName: 'Story', CloudHsmClusterId: cluster.clusterId, KeyStorePassword: PW, TrustAnchorCertificate: cluster.trustAnchorPem! }));
  });

  it('the story: connect, create a key, encrypt; disconnected nothing encrypts or decrypts; a locked kmsuser keeps it FAILED; unlocked and connected, the earlier ciphertext decrypts', async () => {
    await kmsRefusal(perform(ctx, createKmsKey, { Origin: 'AWS_CLOUDHSM', CustomKeyStoreId: storeId }), 'CustomKeyStoreInvalidStateException');
    await perform(ctx, connectKeyStore, { CustomKeyStoreId: storeId });
    const { KeyMetadata: meta } = await perform(ctx, createKmsKey, { Origin: 'AWS_CLOUDHSM', CustomKeyStoreId: storeId, Description: 'story' });
    assert.equal(meta.KeyState, 'Enabled');
    assert.equal(meta.Origin, 'AWS_CLOUDHSM');
    assert.equal(meta.CustomKeyStoreId, storeId);
    // In the cluster: kmsuser's non-extractable AES-256 key, labelled with the ARN.
    // §7: while KMS is logged in as kmsuser, nobody changes its password or deletes it.
    await assert.rejects(perform(ctx, changePassword, { username: 'kmsuser', role: 'crypto-user', password: PW }, ADMIN), (err: HsmError) => err.code === 'USER_LOGGED_IN');
    await assert.rejects(perform(ctx, deleteUser, { username: 'kmsuser', role: 'crypto-user' }, ADMIN), (err: HsmError) => err.code === 'USER_LOGGED_IN');
    const encrypted = await perform(ctx, kmsEncrypt, { KeyId: meta.KeyId, Plaintext: text('secret order 42'), EncryptionContext: { purpose: 'test' } });
    assert.equal(encrypted.KeyId, meta.Arn);
    await perform(ctx, disconnectKeyStore, { CustomKeyStoreId: storeId });
    assert.equal((await perform(ctx, describeKmsKey, { KeyId: meta.KeyId })).KeyMetadata.KeyState, 'Unavailable');
    await kmsRefusal(perform(ctx, kmsEncrypt, { KeyId: meta.KeyId, Plaintext: text('x') }), 'KMSInvalidStateException');
    await kmsRefusal(perform(ctx, kmsDecrypt, { CiphertextBlob: encrypted.CiphertextBlob, EncryptionContext: { purpose: 'test' } }), 'KMSInvalidStateException');
    // kmsuser (whose password the connection rotated) as the customer sees it: an admin resets it, KMS is told, kmsuser gets locked out.
    await perform(ctx, changePassword, { username: 'kmsuser', role: 'crypto-user', password: PW }, ADMIN);
    const hsmKeys = (await perform(ctx, listKeys, { maxItems: 100 }, { credentials: { username: 'kmsuser', password: PW, role: 'crypto-user' } })).keys;
    assert.ok(hsmKeys.some((k) => k.label === meta.Arn && k.owner === 'kmsuser' && k.keyType === 'aes' && k.keyLengthBytes === 32 && !k.attributes.extractable && k.attributes.token), JSON.stringify(hsmKeys));
    await perform(ctx, updateKeyStore, { CustomKeyStoreId: storeId, KeyStorePassword: PW });
    for (let i = 0; i < 5; i++) await assert.rejects(perform(ctx, login, { credentials: { username: 'kmsuser', password: 'Wrong-Pass-1', role: 'crypto-user' } }));
    await perform(ctx, connectKeyStore, { CustomKeyStoreId: storeId });
    const failed = (await perform(ctx, describeKeyStores, { CustomKeyStoreId: storeId })).CustomKeyStores[0]!;
    assert.equal(failed.ConnectionState, 'FAILED');
    assert.equal(failed.ConnectionErrorCode, 'USER_LOCKED_OUT');
    await perform(ctx, disconnectKeyStore, { CustomKeyStoreId: storeId });
    await perform(ctx, changePassword, { username: 'kmsuser', role: 'crypto-user', password: PW }, ADMIN);
    await perform(ctx, connectKeyStore, { CustomKeyStoreId: storeId });
    const decrypted = await perform(ctx, kmsDecrypt, { CiphertextBlob: encrypted.CiphertextBlob, EncryptionContext: { purpose: 'test' } });
    assert.equal(Buffer.from(decrypted.Plaintext).toString(), 'secret order 42');
    // Another context, a changed blob, or another key's ID: refused with the real exceptions.
    await kmsRefusal(perform(ctx, kmsDecrypt, { CiphertextBlob: encrypted.CiphertextBlob, EncryptionContext: { purpose: 'other' } }), 'InvalidCiphertextException');
    const changed = new Uint8Array(encrypted.CiphertextBlob);
    changed[changed.length - 1]! ^= 1;
    await kmsRefusal(perform(ctx, kmsDecrypt, { CiphertextBlob: changed, EncryptionContext: { purpose: 'test' } }), 'InvalidCiphertextException');
    const standard = (await perform(ctx, createKmsKey, {})).KeyMetadata;
    await kmsRefusal(perform(ctx, kmsDecrypt, { CiphertextBlob: encrypted.CiphertextBlob, KeyId: standard.KeyId, EncryptionContext: { purpose: 'test' } }), 'IncorrectKeyException');
    // A store holding keys cannot be deleted.
    await perform(ctx, disconnectKeyStore, { CustomKeyStoreId: storeId });
    await kmsRefusal(perform(ctx, deleteKeyStore, { CustomKeyStoreId: storeId }), 'CustomKeyStoreHasCMKsException');
  });

  it('standard keys: data keys, enable and disable, deletion scheduled and cancelled; unsupported specs refused', async () => {
    const { KeyMetadata: key } = await perform(ctx, createKmsKey, { Description: 'standard' });
    assert.equal(key.Origin, 'AWS_KMS');
    const dataKey = await perform(ctx, kmsGenerateDataKey, { KeyId: key.Arn, KeySpec: 'AES_256' });
    assert.equal(dataKey.Plaintext!.length, 32);
    const back = await perform(ctx, kmsDecrypt, { CiphertextBlob: dataKey.CiphertextBlob });
    assert.deepEqual(Buffer.from(back.Plaintext), Buffer.from(dataKey.Plaintext!));
    const without = await perform(ctx, kmsGenerateDataKey, { KeyId: key.KeyId, NumberOfBytes: 64, withoutPlaintext: true });
    assert.equal('Plaintext' in without, false);
    await perform(ctx, disableKmsKey, { KeyId: key.KeyId });
    await kmsRefusal(perform(ctx, kmsEncrypt, { KeyId: key.KeyId, Plaintext: text('x') }), 'DisabledException');
    await perform(ctx, enableKmsKey, { KeyId: key.KeyId });
    const scheduled = await perform(ctx, scheduleKmsKeyDeletion, { KeyId: key.KeyId, PendingWindowInDays: 7 });
    assert.equal(scheduled.KeyState, 'PendingDeletion');
    await kmsRefusal(perform(ctx, scheduleKmsKeyDeletion, { KeyId: key.KeyId, PendingWindowInDays: 6 }), 'ValidationException');
    await kmsRefusal(perform(ctx, kmsEncrypt, { KeyId: key.KeyId, Plaintext: text('x') }), 'KMSInvalidStateException');
    await perform(ctx, cancelKmsKeyDeletion, { KeyId: key.KeyId });
    assert.equal((await perform(ctx, describeKmsKey, { KeyId: key.KeyId })).KeyMetadata.KeyState, 'Disabled');
    await kmsRefusal(perform(ctx, createKmsKey, { KeySpec: 'RSA_2048' }), 'UnsupportedOperationException');
    await kmsRefusal(perform(ctx, describeKmsKey, { KeyId: '00000000-0000-4000-8000-000000000000' }), 'NotFoundException');
    assert.ok((await perform(ctx, listKmsKeys, {})).Keys.some((k) => k.KeyArn === key.Arn));
  });

  it('ListKeys and ListAliases come a page at a time: AWS defaults (100, 50) and bounds, every item once across pages, markers checked', async () => {
    while ((await perform(ctx, listKmsKeys, { Limit: 1000 })).Keys.length < 101) await perform(ctx, createKmsKey, {});
    const everyKey = (await perform(ctx, listKmsKeys, { Limit: 1000 })).Keys.map((k) => k.KeyId);
    const first = await perform(ctx, listKmsKeys, {});
    assert.equal(first.Keys.length, 100);
    assert.ok(first.Truncated && first.NextMarker);
    const paged: string[] = [];
    let marker: string | undefined;
    do {
      const p = await perform(ctx, listKmsKeys, { Limit: 7, ...(marker ? { Marker: marker } : {}) });
      assert.ok(p.Keys.length <= 7);
      assert.equal(p.Truncated, p.NextMarker !== undefined);
      paged.push(...p.Keys.map((k) => k.KeyId));
      marker = p.NextMarker;
    } while (marker);
    assert.deepEqual(paged, everyKey);
    const key = everyKey[0]!;
    const names = Array.from({ length: 51 }, (_, i) => `alias/page-${String(i).padStart(2, '0')}`);
    for (const AliasName of names) await perform(ctx, createKmsAlias, { AliasName, TargetKeyId: key });
    const aliases = await perform(ctx, listKmsAliases, { KeyId: key });
    assert.equal(aliases.Aliases.length, 50);
    assert.ok(aliases.Truncated);
    const rest = await perform(ctx, listKmsAliases, { KeyId: key, Marker: aliases.NextMarker });
    assert.deepEqual([...aliases.Aliases, ...rest.Aliases].map((a) => a.AliasName), names);
    assert.equal(rest.Truncated, false);
    for (const Limit of [0, 1001, 2.5]) await kmsRefusal(perform(ctx, listKmsKeys, { Limit }), 'ValidationException');
    await kmsRefusal(perform(ctx, listKmsAliases, { Limit: 101 }), 'ValidationException');
    for (const Marker of ['nonsense', Buffer.from('m:-1').toString('base64url')]) await kmsRefusal(perform(ctx, listKmsKeys, { Marker }), 'InvalidMarkerException');
    for (const AliasName of names) await perform(ctx, deleteKmsAlias, { AliasName });
  });

  it('a page goes on after the last item the caller saw: items removed or added before it move nothing into or out of the next page', async () => {
    const own = await clusterContext({ seed: 'paging-changes' });
    const keys: string[] = [];
    for (let i = 0; i < 5; i++) keys.push((await perform(own, createKmsKey, {})).KeyMetadata.KeyId);
    const first = await perform(own, listKmsKeys, { Limit: 2 });
    assert.deepEqual(first.Keys.map((k) => k.KeyId), keys.slice(0, 2));
    // Another process deletes the first key (its waiting period ends) before the caller asks for the next page.
    await perform(own, scheduleKmsKeyDeletion, { KeyId: keys[0]!, PendingWindowInDays: 7 });
    await perform(own, advanceClock, { days: 8 });
    assert.equal((await perform(own, listKmsKeys, { Limit: 1000 })).Keys.length, 4);
    const second = await perform(own, listKmsKeys, { Limit: 2, Marker: first.NextMarker });
    assert.deepEqual(second.Keys.map((k) => k.KeyId), keys.slice(2, 4), 'a key that was there all along was skipped');
    const names = ['alias/p-b', 'alias/p-d', 'alias/p-f', 'alias/p-h'];
    for (const AliasName of names) await perform(own, createKmsAlias, { AliasName, TargetKeyId: keys[1]! });
    const aliases = await perform(own, listKmsAliases, { Limit: 2 });
    assert.deepEqual(aliases.Aliases.map((a) => a.AliasName), names.slice(0, 2));
    // One removed and one added before the marker: the next page is still the two after alias/p-d.
    await perform(own, deleteKmsAlias, { AliasName: 'alias/p-b' });
    await perform(own, createKmsAlias, { AliasName: 'alias/p-a', TargetKeyId: keys[1]! });
    await perform(own, createKmsAlias, { AliasName: 'alias/p-c', TargetKeyId: keys[1]! });
    const rest = await perform(own, listKmsAliases, { Limit: 2, Marker: aliases.NextMarker });
    assert.deepEqual(rest.Aliases.map((a) => a.AliasName), names.slice(2, 4));
    // A marker of one listing is not one of the other.
    await kmsRefusal(perform(own, listKmsAliases, { Marker: first.NextMarker }), 'InvalidMarkerException');
    await kmsRefusal(perform(own, listKmsKeys, { Marker: aliases.NextMarker }), 'InvalidMarkerException');
  });

  it('aliases name keys anywhere a key ID is taken; ReEncrypt moves a ciphertext to another key; GenerateRandom needs a connected store when it names one', async () => {
    const a = (await perform(ctx, createKmsKey, {})).KeyMetadata;
    const b = (await perform(ctx, createKmsKey, {})).KeyMetadata;
    await perform(ctx, createKmsAlias, { AliasName: 'alias/orders', TargetKeyId: a.KeyId });
    await kmsRefusal(perform(ctx, createKmsAlias, { AliasName: 'alias/orders', TargetKeyId: b.KeyId }), 'AlreadyExistsException');
    await kmsRefusal(perform(ctx, createKmsAlias, { AliasName: 'orders', TargetKeyId: b.KeyId }), 'ValidationException');
    await kmsRefusal(perform(ctx, createKmsAlias, { AliasName: 'alias/aws/s3', TargetKeyId: b.KeyId }), 'ValidationException');
    const sealed = await perform(ctx, kmsEncrypt, { KeyId: 'alias/orders', Plaintext: text('via alias') });
    assert.equal(sealed.KeyId, a.Arn);
    assert.equal((await perform(ctx, describeKmsKey, { KeyId: 'arn:aws:kms:us-east-1:000000000000:alias/orders' })).KeyMetadata.KeyId, a.KeyId);
    await perform(ctx, updateKmsAlias, { AliasName: 'alias/orders', TargetKeyId: b.Arn });
    const moved = await perform(ctx, kmsReEncrypt, { CiphertextBlob: sealed.CiphertextBlob, DestinationKeyId: 'alias/orders', DestinationEncryptionContext: { v: '2' } });
    assert.equal(moved.SourceKeyId, a.Arn);
    assert.equal(moved.KeyId, b.Arn);
    assert.equal(Buffer.from((await perform(ctx, kmsDecrypt, { CiphertextBlob: moved.CiphertextBlob, EncryptionContext: { v: '2' } })).Plaintext).toString(), 'via alias');
    assert.deepEqual((await perform(ctx, listKmsAliases, { KeyId: b.KeyId })).Aliases.map((x) => x.AliasName), ['alias/orders']);
    await perform(ctx, deleteKmsAlias, { AliasName: 'alias/orders' });
    await kmsRefusal(perform(ctx, kmsEncrypt, { KeyId: 'alias/orders', Plaintext: text('x') }), 'NotFoundException');
    await kmsRefusal(perform(ctx, deleteKmsAlias, { AliasName: 'alias/orders' }), 'NotFoundException');
    assert.equal((await perform(ctx, kmsGenerateRandom, { NumberOfBytes: 48 })).Plaintext.length, 48);
    await kmsRefusal(perform(ctx, kmsGenerateRandom, { NumberOfBytes: 1025 }), 'ValidationException');
    await kmsRefusal(perform(ctx, kmsGenerateRandom, { NumberOfBytes: 16, CustomKeyStoreId: storeId }), 'CustomKeyStoreInvalidStateException');
  });
});
