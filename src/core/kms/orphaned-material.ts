/**
 * Key material KMS could not delete when a key's deletion waiting period ended (kms-custom-key-
 * store.md §6.5, deletion.ts): the KMS key ID and ARN, the store, the cluster, the key handle and
 * why, with whether the material is still in the cluster now. [emulator rule] The real service
 * writes these to CloudTrail; here `kms list-orphaned-key-material` (and the Node API) lists them,
 * so that the customer can find the handles to delete as kmsuser: disconnect the store, log in as
 * kmsuser, `key delete` each handle, log out, tell KMS the password, reconnect.
 */
import { awsError } from '../errors.js';
import { defineOperation, type ClusterInput } from '../engine.js';
import { storeKeys, type ClusterRecord } from '../cluster/model.js';
import { kmsKeys, materialIn } from './model.js';
import type { OrphanRecord } from './deletion.js';

export interface OrphanedKeyMaterial {
  KeyId: string;
  KeyArn: string;
  CustomKeyStoreId: string;
  CloudHsmClusterId: string;
  KeyHandle: number;
  DeletionDate: Date;
  Reason: string;
  /** Whether the cluster still holds the material (false once the customer deleted it, or the cluster is gone). */
  MaterialPresent: boolean;
}

export interface ListOrphanedKeyMaterialInput extends ClusterInput {
  CustomKeyStoreId?: string;
}

/** The orphaned key material, oldest first; only one key store's when it names one. */
export const listOrphanedKeyMaterial = defineOperation({
  name: 'ListOrphanedKeyMaterial',
  cluster: 'none',
  access: 'none',
  write: false,
  run: ({ tx }, input: ListOrphanedKeyMaterialInput): { OrphanedKeyMaterial: OrphanedKeyMaterial[] } => {
    if (input.CustomKeyStoreId !== undefined && typeof input.CustomKeyStoreId !== 'string') {
      throw awsError('INVALID_ARGUMENT', 'ValidationException', 'ListOrphanedKeyMaterial', 'CustomKeyStoreId must be a custom key store ID (cks-…)');
    }
    const orphans = tx
      .list<OrphanRecord>(kmsKeys.orphanPrefix)
      .map(([, o]) => o)
      .filter((o) => input.CustomKeyStoreId === undefined || o.customKeyStoreId === input.CustomKeyStoreId)
      .sort((a, b) => a.deletedAt - b.deletedAt);
    return {
      OrphanedKeyMaterial: orphans.map((o) => {
        const cluster = tx.get<ClusterRecord>(storeKeys.cluster(o.clusterId));
        const material = cluster && cluster.state !== 'DELETED' ? materialIn(tx, o.clusterId, { arn: o.arn, keyReference: o.keyHandle }) : undefined;
        return {
          KeyId: o.keyId,
          KeyArn: o.arn,
          CustomKeyStoreId: o.customKeyStoreId,
          CloudHsmClusterId: o.clusterId,
          KeyHandle: o.keyHandle,
          DeletionDate: new Date(o.deletedAt),
          Reason: o.reason,
          MaterialPresent: material !== undefined,
        };
      }),
    };
  },
});
