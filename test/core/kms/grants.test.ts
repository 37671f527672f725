/**
 * KMS grants (CreateGrant, ListGrants, ListRetirableGrants, RetireGrant, RevokeGrant) as the
 * authorization they are: a principal of another account, whom the default key policy does not
 * let in, may use a key only for the operations a grant lists and only while the grant's
 * encryption context constraint holds; retired or revoked, the grant allows nothing.
 */
import assert from 'node:assert/strict';
import { perform } from '../../../src/core/engine.js';
import type { EngineContext } from '../../../src/core/context.js';
import { createKmsKey, describeKmsKey, disableKmsKey, enableKmsKey, kmsDecrypt, kmsEncrypt, kmsGenerateDataKey, kmsReEncrypt, scheduleKmsKeyDeletion, createKmsAlias } from '../../../src/core/kms/keys.js';
import { createKmsGrant, listKmsGrants, listKmsRetirableGrants, retireKmsGrant, revokeKmsGrant } from '../../../src/core/kms/grants.js';
import { grantsOf, removeKeyRecords } from '../../../src/core/kms/key-records.js';
import { refused, testContext } from '../../support/helpers.js';

const APP = 'arn:aws:iam::111122223333:role/app';
const OPS = 'arn:aws:iam::111122223333:user/ops';
const text = (s: string) => new Uint8Array(Buffer.from(s));

describe('core/kms: grants', function () {
  this.timeout(30_000);
  let ctx: EngineContext;
  const newKey = async () => (await perform(ctx, createKmsKey, {})).KeyMetadata;

  beforeEach(async () => {
    ctx = await testContext('kms-grants');
  });

  it('a grant lets another account\'s principal do exactly the operations it lists, under its constraint; without it, AccessDeniedException', async () => {
    const key = await newKey();
    const denied = await refused(perform(ctx, kmsEncrypt, { KeyId: key.KeyId, Plaintext: text('x'), principal: APP }), 'KMS_ACCESS_DENIED', 'AccessDeniedException');
    assert.match(denied.message, new RegExp(`^User: ${APP} is not authorized to perform: kms:Encrypt on resource: ${key.Arn} because no resource-based policy allows the kms:Encrypt action$`));
    const { GrantId, GrantToken } = await perform(ctx, createKmsGrant, { KeyId: key.Arn, GranteePrincipal: APP, Operations: ['Encrypt', 'GenerateDataKey'], Constraints: { EncryptionContextSubset: { Dept: 'sales' } } });
    assert.match(GrantId, /^[0-9a-f]{64}$/);
    assert.ok(GrantToken.length > 0);
    // Subset: the pairs must be there (key without case, value with it); more pairs may be.
    const sealed = await perform(ctx, kmsEncrypt, { KeyId: key.KeyId, Plaintext: text('order 42'), EncryptionContext: { dept: 'sales', order: '42' }, principal: APP });
    await perform(ctx, kmsGenerateDataKey, { KeyId: key.KeyId, KeySpec: 'AES_256', EncryptionContext: { Dept: 'sales' }, principal: APP });
    await refused(perform(ctx, kmsEncrypt, { KeyId: key.KeyId, Plaintext: text('x'), EncryptionContext: { dept: 'Sales' }, principal: APP }), 'KMS_ACCESS_DENIED');
    await refused(perform(ctx, kmsEncrypt, { KeyId: key.KeyId, Plaintext: text('x'), principal: APP }), 'KMS_ACCESS_DENIED');
    // Operations the grant does not list stay refused, constraint or not.
    await refused(perform(ctx, kmsDecrypt, { CiphertextBlob: sealed.CiphertextBlob, EncryptionContext: { dept: 'sales', order: '42' }, principal: APP }), 'KMS_ACCESS_DENIED');
    await refused(perform(ctx, describeKmsKey, { KeyId: key.KeyId, principal: APP }), 'KMS_ACCESS_DENIED');
    await refused(perform(ctx, disableKmsKey, { KeyId: key.KeyId, principal: APP }), 'KMS_ACCESS_DENIED');
    // The account root (the CLI's and the Node API's caller) still decrypts.
    assert.equal(Buffer.from((await perform(ctx, kmsDecrypt, { CiphertextBlob: sealed.CiphertextBlob, EncryptionContext: { dept: 'sales', order: '42' } })).Plaintext).toString(), 'order 42');
    // Revoked, it allows nothing.
    await perform(ctx, revokeKmsGrant, { KeyId: key.KeyId, GrantId });
    await refused(perform(ctx, kmsEncrypt, { KeyId: key.KeyId, Plaintext: text('x'), EncryptionContext: { dept: 'sales' }, principal: APP }), 'KMS_ACCESS_DENIED');
  });

  it('EncryptionContextEquals wants exactly the pairs; DescribeKey and ReEncrypt are granted apart, the constraint not applying to DescribeKey; an assumed-role session of the grantee role is the grantee', async () => {
    const a = await newKey();
    const b = await newKey();
    await perform(ctx, createKmsGrant, { KeyId: a.KeyId, GranteePrincipal: APP, Operations: ['Decrypt', 'ReEncryptFrom', 'DescribeKey'], Constraints: { EncryptionContextEquals: { purpose: 'backup' } } });
    const sealed = await perform(ctx, kmsEncrypt, { KeyId: a.KeyId, Plaintext: text('data'), EncryptionContext: { purpose: 'backup' } });
    const session = 'arn:aws:sts::111122223333:assumed-role/app/session-1';
    assert.equal(Buffer.from((await perform(ctx, kmsDecrypt, { CiphertextBlob: sealed.CiphertextBlob, EncryptionContext: { purpose: 'backup' }, principal: session })).Plaintext).toString(), 'data');
    await refused(perform(ctx, kmsDecrypt, { CiphertextBlob: sealed.CiphertextBlob, EncryptionContext: { purpose: 'backup', extra: '1' }, principal: APP }), 'KMS_ACCESS_DENIED');
    assert.equal((await perform(ctx, describeKmsKey, { KeyId: a.KeyId, principal: APP })).KeyMetadata.KeyId, a.KeyId);
    await refused(perform(ctx, describeKmsKey, { KeyId: a.KeyId, principal: 'arn:aws:sts::111122223333:assumed-role/other/s' }), 'KMS_ACCESS_DENIED');
    // ReEncrypt needs ReEncryptFrom on the source and ReEncryptTo on the destination.
    const reEncrypt = () => perform(ctx, kmsReEncrypt, { CiphertextBlob: sealed.CiphertextBlob, SourceEncryptionContext: { purpose: 'backup' }, DestinationKeyId: b.KeyId, principal: APP });
    const toDenied = await refused(reEncrypt(), 'KMS_ACCESS_DENIED');
    assert.match(toDenied.message, /kms:ReEncryptTo/);
    await perform(ctx, createKmsGrant, { KeyId: b.KeyId, GranteePrincipal: APP, Operations: ['ReEncryptTo'] });
    assert.equal((await reEncrypt()).KeyId, b.Arn);
  });

  it('refuses bad requests with the exceptions KMS gives, changing nothing', async () => {
    const key = await newKey();
    const create = (extra: Record<string, unknown>) => perform(ctx, createKmsGrant, { KeyId: key.KeyId, GranteePrincipal: APP, Operations: ['Encrypt'], ...extra });
    await refused(create({ Operations: ['Encrypt', 'Obliterate'] }), 'INVALID_ARGUMENT', 'ValidationException');
    await refused(create({ Operations: [] }), 'INVALID_ARGUMENT', 'ValidationException');
    await refused(create({ Operations: ['Sign'] }), 'INVALID_ARGUMENT', 'ValidationException');
    await refused(create({ Constraints: { EncryptionContextSubset: { a: '1' }, EncryptionContextEquals: { a: '1' } } }), 'INVALID_ARGUMENT', 'ValidationException');
    await refused(create({ Constraints: { EncryptionContextSubset: Object.fromEntries(Array.from({ length: 9 }, (_, i) => [`k${i}`, 'v'])) } }), 'INVALID_ARGUMENT', 'ValidationException');
    await refused(create({ Name: 'has space' }), 'INVALID_ARGUMENT', 'ValidationException');
    await refused(create({ GranteePrincipal: '' }), 'INVALID_ARGUMENT', 'ValidationException');
    await refused(create({ GrantTokens: ['not-a-token'] }), 'KMS_INVALID_GRANT_TOKEN', 'InvalidGrantTokenException');
    await refused(create({ KeyId: '00000000-0000-4000-8000-000000000000' }), 'KMS_KEY_NOT_FOUND', 'NotFoundException');
    await perform(ctx, createKmsAlias, { AliasName: 'alias/k', TargetKeyId: key.KeyId });
    await refused(create({ KeyId: 'alias/k' }), 'INVALID_ARGUMENT', 'ValidationException');
    // A principal of another account may not grant on the key.
    await refused(create({ principal: APP }), 'KMS_ACCESS_DENIED', 'AccessDeniedException');
    await refused(create({ principal: 'not an arn' }), 'INVALID_ARGUMENT', 'ValidationException');
    await perform(ctx, disableKmsKey, { KeyId: key.KeyId });
    await refused(create({}), 'KMS_KEY_DISABLED', 'DisabledException');
    await perform(ctx, enableKmsKey, { KeyId: key.KeyId });
    await perform(ctx, scheduleKmsKeyDeletion, { KeyId: key.KeyId, PendingWindowInDays: 7 });
    await refused(create({}), 'KMS_INVALID_STATE', 'KMSInvalidStateException');
    assert.deepEqual((await perform(ctx, listKmsGrants, { KeyId: key.KeyId })).Grants, []);
  });

  it('a Name makes CreateGrant idempotent: the same parameters give the same grant (a new token), other parameters another grant', async () => {
    const key = await newKey();
    const params = { KeyId: key.KeyId, GranteePrincipal: APP, Operations: ['Encrypt', 'Decrypt'], Constraints: { EncryptionContextSubset: { a: '1', b: '2' } }, Name: 'nightly-job' };
    const first = await perform(ctx, createKmsGrant, params);
    const again = await perform(ctx, createKmsGrant, { ...params, Operations: ['Decrypt', 'Encrypt'], Constraints: { EncryptionContextSubset: { b: '2', a: '1' } } });
    assert.equal(again.GrantId, first.GrantId);
    assert.notEqual(again.GrantToken, first.GrantToken);
    const other = await perform(ctx, createKmsGrant, { ...params, Operations: ['Encrypt'] });
    assert.notEqual(other.GrantId, first.GrantId);
    const unnamed = await perform(ctx, createKmsGrant, { ...params, Name: undefined });
    const unnamedAgain = await perform(ctx, createKmsGrant, { ...params, Name: undefined });
    assert.notEqual(unnamedAgain.GrantId, unnamed.GrantId);
    const listed = await perform(ctx, listKmsGrants, { KeyId: key.KeyId });
    assert.equal(listed.Grants.length, 4);
    assert.deepEqual(listed.Grants[0], {
      KeyId: key.Arn,
      GrantId: first.GrantId,
      Name: 'nightly-job',
      CreationDate: listed.Grants[0]!.CreationDate,
      GranteePrincipal: APP,
      IssuingAccount: 'arn:aws:iam::000000000000:root',
      Operations: ['Encrypt', 'Decrypt'],
      Constraints: { EncryptionContextSubset: { a: '1', b: '2' } },
    });
  });

  it('ListGrants filters by GrantId and GranteePrincipal and pages with Limit and Marker', async () => {
    const key = await newKey();
    const ids: string[] = [];
    for (const grantee of [APP, OPS, APP]) ids.push((await perform(ctx, createKmsGrant, { KeyId: key.KeyId, GranteePrincipal: grantee, Operations: ['Encrypt'] })).GrantId);
    assert.deepEqual((await perform(ctx, listKmsGrants, { KeyId: key.KeyId, GranteePrincipal: APP })).Grants.map((g) => g.GrantId).sort(), [ids[0], ids[2]].sort());
    assert.deepEqual((await perform(ctx, listKmsGrants, { KeyId: key.KeyId, GrantId: ids[1] })).Grants.map((g) => g.GranteePrincipal), [OPS]);
    const first = await perform(ctx, listKmsGrants, { KeyId: key.KeyId, Limit: 2 });
    assert.equal(first.Grants.length, 2);
    assert.equal(first.Truncated, true);
    const rest = await perform(ctx, listKmsGrants, { KeyId: key.KeyId, Limit: 2, Marker: first.NextMarker });
    assert.equal(rest.Truncated, false);
    assert.equal(rest.NextMarker, undefined);
    assert.deepEqual(new Set([...first.Grants, ...rest.Grants].map((g) => g.GrantId)), new Set(ids));
    await refused(perform(ctx, listKmsGrants, { KeyId: key.KeyId, Marker: 'bogus' }), 'KMS_INVALID_MARKER', 'InvalidMarkerException');
    await refused(perform(ctx, listKmsGrants, { KeyId: key.KeyId, Limit: 0 }), 'INVALID_ARGUMENT', 'ValidationException');
    await refused(perform(ctx, listKmsGrants, { KeyId: key.KeyId, GrantId: 'abc' }), 'KMS_INVALID_GRANT_ID', 'InvalidGrantIdException');
    await refused(perform(ctx, listKmsGrants, { KeyId: key.KeyId, principal: APP }), 'KMS_ACCESS_DENIED');
  });

  it('RetireGrant: by the retiring principal (token), the grantee whose grant lists RetireGrant, or the account; nobody else; RevokeGrant by the key policy', async () => {
    const key = await newKey();
    const retirable = await perform(ctx, createKmsGrant, { KeyId: key.KeyId, GranteePrincipal: APP, RetiringPrincipal: OPS, Operations: ['Encrypt'] });
    assert.deepEqual((await perform(ctx, listKmsRetirableGrants, { RetiringPrincipal: OPS })).Grants.map((g) => g.GrantId), [retirable.GrantId]);
    await refused(perform(ctx, retireKmsGrant, { GrantToken: retirable.GrantToken, principal: APP }), 'KMS_ACCESS_DENIED', 'AccessDeniedException');
    await refused(perform(ctx, retireKmsGrant, { GrantToken: `${retirable.GrantToken}x` }), 'KMS_INVALID_GRANT_TOKEN', 'InvalidGrantTokenException');
    await refused(perform(ctx, retireKmsGrant, {}), 'INVALID_ARGUMENT', 'ValidationException');
    await refused(perform(ctx, retireKmsGrant, { GrantToken: retirable.GrantToken, GrantId: retirable.GrantId }), 'INVALID_ARGUMENT', 'ValidationException');
    await perform(ctx, retireKmsGrant, { GrantToken: retirable.GrantToken, principal: OPS });
    await refused(perform(ctx, retireKmsGrant, { GrantToken: retirable.GrantToken, principal: OPS }), 'KMS_KEY_NOT_FOUND', 'NotFoundException');
    assert.deepEqual((await perform(ctx, listKmsRetirableGrants, { RetiringPrincipal: OPS })).Grants, []);

    const self = await perform(ctx, createKmsGrant, { KeyId: key.KeyId, GranteePrincipal: APP, Operations: ['Encrypt', 'RetireGrant'] });
    await perform(ctx, retireKmsGrant, { KeyId: key.Arn, GrantId: self.GrantId, principal: APP });
    const plain = await perform(ctx, createKmsGrant, { KeyId: key.KeyId, GranteePrincipal: APP, Operations: ['Encrypt'] });
    await refused(perform(ctx, retireKmsGrant, { KeyId: key.KeyId, GrantId: plain.GrantId, principal: APP }), 'KMS_ACCESS_DENIED');
    await perform(ctx, retireKmsGrant, { KeyId: key.KeyId, GrantId: plain.GrantId });

    const revocable = await perform(ctx, createKmsGrant, { KeyId: key.KeyId, GranteePrincipal: APP, Operations: ['Encrypt'] });
    await refused(perform(ctx, revokeKmsGrant, { KeyId: key.KeyId, GrantId: revocable.GrantId, principal: APP }), 'KMS_ACCESS_DENIED');
    await refused(perform(ctx, revokeKmsGrant, { KeyId: key.KeyId, GrantId: 'nope' }), 'KMS_INVALID_GRANT_ID', 'InvalidGrantIdException');
    await refused(perform(ctx, revokeKmsGrant, { KeyId: key.KeyId, GrantId: '0'.repeat(64) }), 'KMS_KEY_NOT_FOUND', 'NotFoundException');
    // A principal of the key's account is let in by the default policy (the account delegates to IAM).
    await perform(ctx, revokeKmsGrant, { KeyId: key.KeyId, GrantId: revocable.GrantId, principal: 'arn:aws:iam::000000000000:user/admin' });
    assert.deepEqual((await perform(ctx, listKmsGrants, { KeyId: key.KeyId })).Grants, []);
  });

  it('a grantee with CreateGrant grants no more than it holds, with a constraint at least as strict', async () => {
    const key = await newKey();
    await perform(ctx, createKmsGrant, { KeyId: key.KeyId, GranteePrincipal: APP, Operations: ['CreateGrant', 'Encrypt', 'Decrypt'], Constraints: { EncryptionContextSubset: { tenant: 't1' } } });
    const asApp = (extra: Record<string, unknown>) => perform(ctx, createKmsGrant, { KeyId: key.KeyId, GranteePrincipal: OPS, Operations: ['Encrypt'], principal: APP, ...extra });
    await refused(asApp({}), 'KMS_ACCESS_DENIED');
    await refused(asApp({ Operations: ['Encrypt', 'DescribeKey'], Constraints: { EncryptionContextSubset: { tenant: 't1' } } }), 'KMS_ACCESS_DENIED');
    await refused(asApp({ Constraints: { EncryptionContextSubset: { tenant: 't2' } } }), 'KMS_ACCESS_DENIED');
    await asApp({ Constraints: { EncryptionContextEquals: { tenant: 't1', app: 'x' } } });
    const { GrantToken } = await asApp({ Constraints: { EncryptionContextSubset: { Tenant: 't1', app: 'y' } } });
    // The new grant works at once, and its token is taken in GrantTokens.
    await perform(ctx, kmsEncrypt, { KeyId: key.KeyId, Plaintext: text('x'), EncryptionContext: { tenant: 't1', app: 'y' }, principal: OPS, GrantTokens: [GrantToken] });
    await refused(perform(ctx, kmsEncrypt, { KeyId: key.KeyId, Plaintext: text('x'), principal: OPS, GrantTokens: Array.from({ length: 11 }, () => GrantToken) }), 'INVALID_ARGUMENT', 'ValidationException');
  });

  it('a key\'s grants go with it: removeKeyRecords deletes them, and ListRetirableGrants never lists the grants of a key that is gone', async () => {
    const key = await newKey();
    await perform(ctx, createKmsGrant, { KeyId: key.KeyId, GranteePrincipal: APP, RetiringPrincipal: OPS, Operations: ['Encrypt'] });
    await ctx.store.transact((tx) => tx.delete(`kms/key/${key.KeyId}`));
    assert.deepEqual((await perform(ctx, listKmsRetirableGrants, { RetiringPrincipal: OPS })).Grants, []);
    await ctx.store.transact((tx) => removeKeyRecords(tx, key.KeyId));
    assert.deepEqual(await ctx.store.read((view) => grantsOf(view, key.KeyId)), []);
  });
  it('EncryptionContextEquals is not met by a context with one more pair whose key differs from a constrained one only by case', async () => {
    const key = await newKey();
    await perform(ctx, createKmsGrant, { KeyId: key.KeyId, GranteePrincipal: APP, Operations: ['Encrypt'], Constraints: { EncryptionContextEquals: { tenant: 'alice' } } });
    await perform(ctx, kmsEncrypt, { KeyId: key.KeyId, Plaintext: text('x'), EncryptionContext: { Tenant: 'alice' }, principal: APP });
    // Two pairs are not the one pair the grant allows, whichever comes last.
    await refused(perform(ctx, kmsEncrypt, { KeyId: key.KeyId, Plaintext: text('x'), EncryptionContext: { TENANT: 'bob', tenant: 'alice' }, principal: APP }), 'KMS_ACCESS_DENIED');
    await refused(perform(ctx, kmsEncrypt, { KeyId: key.KeyId, Plaintext: text('x'), EncryptionContext: { tenant: 'alice', TENANT: 'bob' }, principal: APP }), 'KMS_ACCESS_DENIED');
  });
});
