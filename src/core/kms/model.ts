/**
 * Where KMS keeps its records in the state: the store keys of custom key stores, KMS keys,
 * aliases and orphaned key material. In a module of its own (no operations) so that the engine's
 * housekeeping (kms/deletion.ts) reaches them without importing the operations.
 */
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
