/**
 * Key policies (GetKeyPolicy, PutKeyPolicy, ListKeyPolicies, CreateKey's Policy) and the
 * authorization they decide: KMS's default policy lets the account in; an explicit Deny wins over
 * an Allow and over a grant; principals match by account, ARN or "*"; conditions on the
 * encryption context and the caller account are evaluated, others refused when the policy is set;
 * the lockout safety check keeps a caller from shutting itself out unless it bypasses it.
 */
import assert from 'node:assert/strict';
import { perform } from '../../../src/core/engine.js';
import type { EngineContext } from '../../../src/core/context.js';
import { createKmsKey, describeKmsKey, kmsDecrypt, kmsEncrypt, listKmsKeys } from '../../../src/core/kms/keys.js';
import { createKmsGrant } from '../../../src/core/kms/grants.js';
import { getKmsKeyPolicy, listKmsKeyPolicies, putKmsKeyPolicy } from '../../../src/core/kms/policies.js';
import { refused, testContext } from '../../support/helpers.js';

const ROOT = 'arn:aws:iam::000000000000:root';
const BOB = 'arn:aws:iam::000000000000:user/bob';
const APP = 'arn:aws:iam::111122223333:role/app';
const text = (s: string) => new Uint8Array(Buffer.from(s));

type Statement = Record<string, unknown>;
const policy = (...statements: Statement[]) => JSON.stringify({ Version: '2012-10-17', Statement: statements });
const rootAll: Statement = { Sid: 'root', Effect: 'Allow', Principal: { AWS: ROOT }, Action: 'kms:*', Resource: '*' };

describe('core/kms: key policies and authorization', function () {
  this.timeout(30_000);
  let ctx: EngineContext;
  let keyId: string;

  beforeEach(async () => {
    ctx = await testContext('kms-policies');
    keyId = (await perform(ctx, createKmsKey, {})).KeyMetadata.KeyId;
  });

  it('a new key has KMS\'s default key policy, named default; any principal of the account is let in, another account is not', async () => {
    const got = await perform(ctx, getKmsKeyPolicy, { KeyId: keyId, PolicyName: 'default' });
    assert.equal(got.PolicyName, 'default');
    assert.deepEqual(JSON.parse(got.Policy), { Version: '2012-10-17', Id: 'key-default-1', Statement: [{ Sid: 'Enable IAM User Permissions', Effect: 'Allow', Principal: { AWS: ROOT }, Action: 'kms:*', Resource: '*' }] });
    assert.deepEqual(await perform(ctx, listKmsKeyPolicies, { KeyId: keyId }), { PolicyNames: ['default'], Truncated: false });
    await refused(perform(ctx, getKmsKeyPolicy, { KeyId: keyId, PolicyName: 'other' }), 'KMS_KEY_NOT_FOUND', 'NotFoundException');
    await perform(ctx, kmsEncrypt, { KeyId: keyId, Plaintext: text('x'), principal: BOB });
    await refused(perform(ctx, describeKmsKey, { KeyId: keyId, principal: APP }), 'KMS_ACCESS_DENIED', 'AccessDeniedException');
    await refused(perform(ctx, getKmsKeyPolicy, { KeyId: keyId, principal: APP }), 'KMS_ACCESS_DENIED', 'AccessDeniedException');
  });

  it('PutKeyPolicy: the new document decides at once; an explicit Deny wins over the Allow and over a grant', async () => {
    const doc = policy(rootAll, { Effect: 'Allow', Principal: { AWS: ['111122223333'] }, Action: ['kms:Encrypt', 'kms:Describe*'], Resource: '*' }, { Effect: 'Deny', Principal: { AWS: BOB }, Action: 'kms:Decrypt', Resource: '*' });
    await perform(ctx, putKmsKeyPolicy, { KeyId: keyId, Policy: doc });
    assert.equal((await perform(ctx, getKmsKeyPolicy, { KeyId: keyId })).Policy, doc);
    // The account ID names every principal of that account; wildcards match action names without case.
    const sealed = await perform(ctx, kmsEncrypt, { KeyId: keyId, Plaintext: text('x'), principal: APP });
    await perform(ctx, describeKmsKey, { KeyId: keyId, principal: 'arn:aws:iam::111122223333:user/anyone' });
    await refused(perform(ctx, kmsDecrypt, { CiphertextBlob: sealed.CiphertextBlob, principal: APP }), 'KMS_ACCESS_DENIED');
    // Bob is of the account (allowed by the root statement) but denied Decrypt, grant or not.
    await perform(ctx, createKmsGrant, { KeyId: keyId, GranteePrincipal: BOB, Operations: ['Decrypt'] });
    const denied = await refused(perform(ctx, kmsDecrypt, { CiphertextBlob: sealed.CiphertextBlob, principal: BOB }), 'KMS_ACCESS_DENIED', 'AccessDeniedException');
    assert.match(denied.message, /with an explicit deny in a resource-based policy$/);
    await perform(ctx, kmsDecrypt, { CiphertextBlob: sealed.CiphertextBlob });
  });

  it('conditions: StringEquals and StringLike on kms:EncryptionContext:<key> and kms:CallerAccount hold as written; kms:ViaService never does here', async () => {
    await perform(ctx, putKmsKeyPolicy, {
      KeyId: keyId,
      Policy: policy(
        rootAll,
        { Effect: 'Allow', Principal: { AWS: '*' }, Action: 'kms:Encrypt', Resource: '*', Condition: { StringEquals: { 'kms:EncryptionContext:dept': ['sales', 'hr'], 'kms:CallerAccount': '111122223333' }, StringLike: { 'kms:EncryptionContext:order': 'ord-*' } } },
        { Effect: 'Allow', Principal: { AWS: '*' }, Action: 'kms:DescribeKey', Resource: '*', Condition: { StringEquals: { 'kms:ViaService': 'ec2.us-east-1.amazonaws.com' } } },
      ),
    });
    const encrypt = (principal: string, context?: Record<string, string>) => perform(ctx, kmsEncrypt, { KeyId: keyId, Plaintext: text('x'), EncryptionContext: context, principal });
    await encrypt(APP, { dept: 'hr', order: 'ord-7' });
    // The condition key names the context key without case; the value is compared with it.
    await encrypt(APP, { Dept: 'sales', order: 'ord-1' });
    await refused(encrypt(APP, { dept: 'Sales', order: 'ord-1' }), 'KMS_ACCESS_DENIED');
    await refused(encrypt(APP, { dept: 'sales', order: 'inv-1' }), 'KMS_ACCESS_DENIED');
    await refused(encrypt(APP, { dept: 'sales' }), 'KMS_ACCESS_DENIED');
    await refused(encrypt(APP), 'KMS_ACCESS_DENIED');
    await refused(encrypt('arn:aws:iam::444455556666:user/x', { dept: 'sales', order: 'ord-1' }), 'KMS_ACCESS_DENIED');
    await refused(perform(ctx, describeKmsKey, { KeyId: keyId, principal: APP }), 'KMS_ACCESS_DENIED');
  });

  it('refuses malformed documents and what the emulator does not evaluate with MalformedPolicyDocumentException naming it, keeping the old policy', async () => {
    const before = (await perform(ctx, getKmsKeyPolicy, { KeyId: keyId })).Policy;
    const put = (doc: string) => perform(ctx, putKmsKeyPolicy, { KeyId: keyId, Policy: doc });
    const malformed = async (doc: string, pattern: RegExp) => assert.match((await refused(put(doc), 'KMS_MALFORMED_POLICY', 'MalformedPolicyDocumentException')).message, pattern);
    await malformed('{not json', /not valid JSON/);
    await malformed(JSON.stringify({ Version: '2012-10-17' }), /at least one Statement/);
    await malformed(policy({ ...rootAll, Effect: 'allow' }), /Effect must be Allow or Deny/);
    await malformed(policy({ ...rootAll, Principal: undefined }), /no Principal/);
    await malformed(policy({ ...rootAll, Principal: { AWS: 'bob' } }), /Principal\.AWS "bob"/);
    await malformed(policy(rootAll, { Effect: 'Allow', NotPrincipal: { AWS: APP }, Action: 'kms:*', Resource: '*' }), /NotPrincipal is not supported by this emulator/);
    await malformed(policy(rootAll, { Effect: 'Allow', Principal: '*', NotAction: 'kms:Decrypt', Resource: '*' }), /NotAction/);
    await malformed(policy(rootAll, { ...rootAll, Condition: { StringEquals: { 'aws:SourceIp': '10.0.0.1' } } }), /condition key aws:SourceIp is not supported/);
    await malformed(policy(rootAll, { ...rootAll, Condition: { ForAnyValue: { 'kms:CallerAccount': '1' } } }), /operator ForAnyValue is not supported/);
    await malformed(policy({ ...rootAll, Version: '2020-01-01' }), /Statement 1 has an unknown element Version/);
    await malformed(JSON.stringify({ Version: '2020-01-01', Statement: rootAll }), /Version must be "2012-10-17"/);
    await refused(put(policy(rootAll, { ...rootAll, Sid: 'x'.repeat(33_000) })), 'KMS_LIMIT_EXCEEDED', 'LimitExceededException');
    assert.equal((await perform(ctx, getKmsKeyPolicy, { KeyId: keyId })).Policy, before);
  });

  it('the lockout safety check: a policy that would stop the caller from setting the policy again is refused, unless bypassed; then the key is shut to it', async () => {
    const appOnly = policy({ Effect: 'Allow', Principal: { AWS: APP }, Action: 'kms:*', Resource: '*' });
    const refusal = await refused(perform(ctx, putKmsKeyPolicy, { KeyId: keyId, Policy: appOnly }), 'KMS_MALFORMED_POLICY', 'MalformedPolicyDocumentException');
    assert.match(refusal.message, /will not allow you to update the key policy in the future/);
    await refused(perform(ctx, createKmsKey, { Policy: appOnly }), 'KMS_MALFORMED_POLICY', 'MalformedPolicyDocumentException');
    // The check asks for the caller: a role of the account may set a policy only it can change
    // (another account's principal makes no key here: core/kms/cross-account.test.ts).
    const localApp = 'arn:aws:iam::000000000000:role/app';
    const mine = await perform(ctx, createKmsKey, { Policy: policy({ Effect: 'Allow', Principal: { AWS: localApp }, Action: 'kms:*', Resource: '*' }), principal: localApp });
    await refused(perform(ctx, describeKmsKey, { KeyId: mine.KeyMetadata.KeyId }), 'KMS_ACCESS_DENIED');
    await perform(ctx, putKmsKeyPolicy, { KeyId: keyId, Policy: appOnly, BypassPolicyLockoutSafetyCheck: true });
    await refused(perform(ctx, kmsEncrypt, { KeyId: keyId, Plaintext: text('x') }), 'KMS_ACCESS_DENIED');
    await refused(perform(ctx, putKmsKeyPolicy, { KeyId: keyId, Policy: policy(rootAll) }), 'KMS_ACCESS_DENIED');
    await perform(ctx, kmsEncrypt, { KeyId: keyId, Plaintext: text('x'), principal: APP });
  });

  it('CreateKey with a Policy: refused documents make no key; a principal that is no IAM ARN is refused', async () => {
    const count = async () => (await perform(ctx, listKmsKeys, {})).Keys.length;
    const n = await count();
    await refused(perform(ctx, createKmsKey, { Policy: '[]' }), 'KMS_MALFORMED_POLICY');
    await refused(perform(ctx, createKmsKey, { principal: 'root' }), 'INVALID_ARGUMENT', 'ValidationException');
    assert.equal(await count(), n);
    const doc = policy(rootAll, { Effect: 'Deny', Principal: '*', Action: 'kms:Encrypt', Resource: '*' });
    const created = await perform(ctx, createKmsKey, { Policy: doc });
    assert.equal((await perform(ctx, getKmsKeyPolicy, { KeyId: created.KeyMetadata.Arn })).Policy, doc);
    await refused(perform(ctx, kmsEncrypt, { KeyId: created.KeyMetadata.KeyId, Plaintext: text('x') }), 'KMS_ACCESS_DENIED');
    await refused(perform(ctx, describeKmsKey, { KeyId: keyId, principal: 'arn:aws:iam::12:root' }), 'INVALID_ARGUMENT', 'ValidationException');
  });
});
