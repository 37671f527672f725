/**
 * Sequences of calls by a principal of another account (the endpoint's `--credentials` principal
 * `arn:aws:iam::111122223333:user/mallory`) against the local account's KMS. KMS authorizes
 * CreateKey, ListKeys, ListAliases, the alias resource and the custom key store operations by IAM
 * identity policies alone, and only principals of the account can hold those: mallory gets
 * AccessDeniedException, so she can neither plant a key and an alias the local application will
 * encrypt under, nor reconfigure or remove a key store. The operations that answer a key only with
 * a refusal (rotation, Sign, …) authorize first, as KMS does, so that a caller without access
 * learns nothing of the key (its key store ID) from them.
 */
import assert from 'node:assert/strict';
import { perform } from '../../../src/core/engine.js';
import type { EngineContext } from '../../../src/core/context.js';
import { createKmsAlias, createKmsKey, deleteKmsAlias, kmsDecrypt, kmsEncrypt, listKmsAliases, listKmsKeys, updateKmsAlias } from '../../../src/core/kms/keys.js';
import { connectKeyStore, createKeyStore, deleteKeyStore, describeKeyStores, disconnectKeyStore, updateKeyStore } from '../../../src/core/kms/key-stores.js';
import { enableKmsKeyRotation, getKmsKeyRotationStatus, kmsSign } from '../../../src/core/kms/unsupported.js';
import { kmsGenerateDataKeyPair } from '../../../src/core/kms/data-key-pairs.js';
import { refused, testContext } from '../../support/helpers.js';

const MALLORY = 'arn:aws:iam::111122223333:user/mallory';
const BOB = 'arn:aws:iam::000000000000:user/bob';
const text = (s: string) => new Uint8Array(Buffer.from(s));
/** An operation's input sent by `principal`, as the endpoint sends it. */
const by = <T extends object>(principal: string, input: T): T => ({ ...input, principal });
/** A key policy letting anyone do anything, and so passing the lockout check for its author. */
const OPEN_POLICY = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: '*', Action: 'kms:*', Resource: '*' }] });

describe('core/kms: a principal of another account', function () {
  this.timeout(30_000);
  let ctx: EngineContext;

  beforeEach(async () => {
    ctx = await testContext('kms-cross-account');
  });

  it('cannot create a key and an alias in the local account for the local application to encrypt under (alias squatting)', async () => {
    // The sequence refused: mallory makes a key anyone may use, names it with the alias the
    // application will use, the application encrypts under the alias, mallory decrypts.
    await refused(perform(ctx, createKmsKey, { Policy: OPEN_POLICY, principal: MALLORY }), 'KMS_ACCESS_DENIED', 'AccessDeniedException');
    const local = (await perform(ctx, createKmsKey, { Policy: OPEN_POLICY })).KeyMetadata;
    await refused(perform(ctx, createKmsAlias, { AliasName: 'alias/app', TargetKeyId: local.KeyId, principal: MALLORY }), 'KMS_ACCESS_DENIED', 'AccessDeniedException');
    // A principal of the account still may (no IAM identity policies locally).
    await perform(ctx, createKmsAlias, { AliasName: 'alias/app', TargetKeyId: local.KeyId, principal: BOB });
    await refused(perform(ctx, updateKmsAlias, { AliasName: 'alias/app', TargetKeyId: local.KeyId, principal: MALLORY }), 'KMS_ACCESS_DENIED');
    await refused(perform(ctx, deleteKmsAlias, { AliasName: 'alias/app', principal: MALLORY }), 'KMS_ACCESS_DENIED');
    // The key policy alone still lets her use the key it opens to her.
    const sealed = await perform(ctx, kmsEncrypt, { KeyId: 'alias/app', Plaintext: text('x'), principal: MALLORY });
    await perform(ctx, kmsDecrypt, { CiphertextBlob: sealed.CiphertextBlob, principal: MALLORY });
  });

  it('cannot list the local account\'s keys and aliases', async () => {
    await perform(ctx, createKmsKey, {});
    await refused(perform(ctx, listKmsKeys, by(MALLORY, {})), 'KMS_ACCESS_DENIED', 'AccessDeniedException');
    await refused(perform(ctx, listKmsAliases, by(MALLORY, {})), 'KMS_ACCESS_DENIED', 'AccessDeniedException');
    assert.equal((await perform(ctx, listKmsKeys, by(BOB, {}))).Keys.length, 1);
  });

  it('cannot describe, update, disconnect or delete the local account\'s custom key stores (refused before the store is looked up)', async () => {
    const id = 'cks-0123456789abcdef0';
    await refused(perform(ctx, describeKeyStores, by(MALLORY, {})), 'KMS_ACCESS_DENIED', 'AccessDeniedException');
    await refused(perform(ctx, updateKeyStore, by(MALLORY, { CustomKeyStoreId: id, KeyStorePassword: 'mallory-knows' })), 'KMS_ACCESS_DENIED', 'AccessDeniedException');
    await refused(perform(ctx, disconnectKeyStore, by(MALLORY, { CustomKeyStoreId: id })), 'KMS_ACCESS_DENIED', 'AccessDeniedException');
    await refused(perform(ctx, deleteKeyStore, by(MALLORY, { CustomKeyStoreId: id })), 'KMS_ACCESS_DENIED', 'AccessDeniedException');
    await refused(perform(ctx, connectKeyStore, by(MALLORY, { CustomKeyStoreId: id })), 'KMS_ACCESS_DENIED', 'AccessDeniedException');
    await refused(perform(ctx, createKeyStore, by(MALLORY, { CustomKeyStoreName: 'm', CloudHsmClusterId: 'cluster-234567abcde', KeyStorePassword: 'mallory-knows', TrustAnchorCertificate: 'x' })), 'KMS_ACCESS_DENIED', 'AccessDeniedException');
    // The account's own principals reach the store check.
    await refused(perform(ctx, deleteKeyStore, by(BOB, { CustomKeyStoreId: id })), 'KEY_STORE_NOT_FOUND');
  });

  it('learns nothing of a key from the operations that only refuse it: AccessDeniedException first, as KMS authorizes first', async () => {
    const key = (await perform(ctx, createKmsKey, {})).KeyMetadata;
    for (const op of [getKmsKeyRotationStatus, enableKmsKeyRotation, kmsSign]) {
      const err = await refused(perform(ctx, op, by(MALLORY, { KeyId: key.KeyId })), 'KMS_ACCESS_DENIED', 'AccessDeniedException');
      assert.match(err.message, new RegExp(`kms:${op.name}`));
    }
    // Refused before any pair is made: the caller without access costs the server no key generation.
    const draws = ctx.random;
    let drawn = 0;
    ctx.random = (n) => ((drawn += n), draws(n));
    const err = await refused(perform(ctx, kmsGenerateDataKeyPair, by(MALLORY, { KeyId: key.KeyId, KeyPairSpec: 'ECC_NIST_P256' })), 'KMS_ACCESS_DENIED', 'AccessDeniedException');
    ctx.random = draws;
    assert.match(err.message, /kms:GenerateDataKeyPair/);
    assert.equal(drawn, 0, 'random bytes were drawn for a refused caller');
    // The key's own account gets the refusal, or the answer.
    assert.equal((await perform(ctx, getKmsKeyRotationStatus, by(BOB, { KeyId: key.KeyId }))).KeyRotationEnabled, false);
    await refused(perform(ctx, kmsSign, by(BOB, { KeyId: key.KeyId })), 'KMS_INVALID_KEY_USAGE');
  });
});
