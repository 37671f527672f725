/**
 * Where KMS keeps its records in the state: the store keys of custom key stores, KMS keys,
 * aliases and orphaned key material, and which cluster holds a key's material. In a module of its
 * own (no operations) so that the engine's housekeeping (kms/deletion.ts) reaches them without
 * importing the operations.
 */
import type { ReadView } from '../store/index.js';
import { keyStoreKeys as hsmKeys } from '../keys/filters.js';
import type { KeyRecord } from '../keys/model.js';
import type { KeyStoreRecord } from './key-stores.js';

export const keyStoreKeys = {
  prefix: 'kms/key-store/',
  store: (id: string) => `kms/key-store/${id}`,
} as const;

export const kmsKeys = {
  prefix: 'kms/key/',
  key: (keyId: string) => `kms/key/${keyId}`,
  aliasPrefix: 'kms/alias/',
  alias: (name: string) => `kms/alias/${name.slice('alias/'.length)}`,
  /** Key material KMS could not delete at the end of a deletion's waiting period (§6.5). */
  orphanPrefix: 'kms/orphaned-material/',
  orphan: (keyId: string) => `kms/orphaned-material/${keyId}`,
} as const;

export interface AliasRecord {
  name: string;
  keyId: string;
  createdAt: number;
  updatedAt: number;
}

/** What locates a KMS key's material in a cluster (KmsKeyRecord's fields). */
export interface MaterialRef {
  arn: string;
  customKeyStoreId?: string;
  /** The cluster the key was created in. */
  clusterId?: string;
  keyReference?: number;
}

/**
 * The cluster that holds a key's material: its key store's cluster now. UpdateCustomKeyStore may
 * point a disconnected store at a related cluster (one restored from a backup of it, §5), and the
 * keys go with the store (§6.5: that is how deleted material is recovered); a restored cluster
 * keeps the key handles of its backup. The cluster the key was created in only while its store
 * record is missing.
 */
export function materialClusterId(view: ReadView, key: MaterialRef): string | undefined {
  if (key.customKeyStoreId === undefined) return undefined;
  return view.get<KeyStoreRecord>(keyStoreKeys.store(key.customKeyStoreId))?.clusterId ?? key.clusterId;
}

/**
 * The token key holding a key's material in `clusterId`, if it is still there: the key handle
 * KMS recorded, labelled with the key's ARN (§6.3.4: "by label/handle"), so that another key at
 * that handle (a cluster restored from a backup older than the key) is not taken for it.
 */
export function materialIn(view: ReadView, clusterId: string | undefined, key: MaterialRef): KeyRecord | undefined {
  if (clusterId === undefined || key.keyReference === undefined) return undefined;
  const hsmKey = view.get<KeyRecord>(hsmKeys.key(clusterId, key.keyReference));
  return hsmKey?.label === key.arn ? hsmKey : undefined;
}
