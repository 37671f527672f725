/**
 * The operations the Node API runs, by name: the same ones the CLI's commands run. Inputs and
 * results are typed by the operations themselves. Part of the public surface (see index.ts).
 */
export { activateCluster, createCluster, createHsm, deleteCluster, deleteHsm, describeCluster, describeClusters, getCsr, hsmInfo, initializeCluster, listHsms, modifyCluster } from '../core/cluster/operations.js';
export { failHsm } from '../core/cluster/failure.js';
export { configureClient } from '../core/client/config.js';
export { copyBackupToRegion, deleteBackup, describeBackup, describeBackups, modifyBackupAttributes, restoreBackup } from '../core/backups/operations.js';
export { listTags, tagResource, untagResource } from '../core/tags/operations.js';
export { advanceClock, setClock, showClock } from '../core/time/operations.js';
export { changePassword, createUser, deleteUser, listUsers } from '../core/users/operations.js';
export { deleteKey, listKeys, setAttribute, shareKey, unshareKey } from '../core/keys/operations.js';
export { generateKeyPair, generateSymmetric } from '../core/keys/generate.js';
export { exportPublic, generateFile, importPem } from '../core/keys/files.js';
export { replicateKey } from '../core/keys/replicate.js';
export { deriveEcdh } from '../core/keys/derive.js';
export { sign, verify } from '../core/keys/sign.js';
export { unwrapKey, wrapKey } from '../core/keys/wrap.js';
export { cmacGenerate, cmacVerify, decrypt, digest, encrypt, hmacGenerate, hmacVerify, random } from '../core/keys/data-operations.js';
export { approveToken, deleteTokens, generateToken, listQuorumValues, listTimeouts, listTokens, registerQuorumKey, setQuorumValue, setTimeout as setQuorumTimeout } from '../core/quorum/operations.js';
export { changeMfa, finishMfaLogin, startMfaLogin, startMfaRegistration } from '../core/users/mfa.js';
export { listAuditEvents, verifyAudit } from '../core/audit/operations.js';
export { connectKeyStore, createKeyStore, deleteKeyStore, describeKeyStores, disconnectKeyStore, updateKeyStore } from '../core/kms/key-stores.js';
export { cancelKmsKeyDeletion, createKmsAlias, createKmsKey, deleteKmsAlias, kmsGenerateRandom, kmsReEncrypt, listKmsAliases, updateKmsAlias, describeKmsKey, disableKmsKey, enableKmsKey, kmsDecrypt, kmsEncrypt, kmsGenerateDataKey, listKmsKeys, scheduleKmsKeyDeletion } from '../core/kms/keys.js';
export { createKmsGrant, listKmsGrants, listKmsRetirableGrants, retireKmsGrant, revokeKmsGrant } from '../core/kms/grants.js';
export { getKmsKeyPolicy, listKmsKeyPolicies, putKmsKeyPolicy } from '../core/kms/policies.js';
export { listKmsResourceTags, tagKmsResource, untagKmsResource, updateKmsKeyDescription } from '../core/kms/tags.js';
export { listOrphanedKeyMaterial } from '../core/kms/orphaned-material.js';
export { disableKmsKeyRotation, enableKmsKeyRotation, getKmsKeyRotationStatus, kmsGenerateMac, kmsSign, kmsVerify, kmsVerifyMac } from '../core/kms/unsupported.js';
export { kmsGenerateDataKeyPair } from '../core/kms/data-key-pairs.js';
