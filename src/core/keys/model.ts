/**
 * Key objects as the CloudHSM CLI shows them (keys.md §1-4): classes and types, key references,
 * the attribute set with its defaults and print order, ownership and sharing, and the
 * presenter that renders `{key-reference, key-info, attributes}`.
 *
 * Key material lives inside the record in canonical raw form (see mechanisms/provider.ts); the
 * whole store is sealed, and no presenter ever prints it.
 */
import { tokenCoverage, type ClusterRecord, type HsmType } from '../cluster/model.js';
import { EC_CURVES, ML_DSA_VARIANTS, type EcCurve, type MlDsaVariant } from '../mechanisms/provider.js';
import { CURVES as TABLE_CURVES, EDWARDS_MONTGOMERY_CURVES } from '../mechanisms/table.js';

/**
 * Curve names the CLI accepts (keys.md §6) → the provider's name; ed25519 and (an extension, for
 * `key derive ecdh` only) x25519 are handled apart and exist only in NON_FIPS clusters.
 */
export const CURVES: Readonly<Record<string, EcCurve | 'ed25519' | 'x25519'>> = Object.freeze(
  Object.fromEntries<EcCurve | 'ed25519' | 'x25519'>([
    ...EC_CURVES.flatMap((curve) => [...TABLE_CURVES[curve].aliases, curve].map((name): [string, EcCurve] => [name, curve])),
    ...EDWARDS_MONTGOMERY_CURVES.map((curve): [string, 'ed25519' | 'x25519'] => [curve, curve]),
  ]),
);
export const MLDSA_ALGORITHMS: readonly MlDsaVariant[] = ML_DSA_VARIANTS;

export type KeyClass = 'secret-key' | 'public-key' | 'private-key';
export type KeyType = 'aes' | 'generic-secret' | 'des3' | 'rsa' | 'ec' | 'dsa' | 'ml-dsa';

/** Boolean attributes in the CLI's print order (keys.md §2.2). */
export const BOOLEAN_ATTRIBUTES = [
  'encrypt',
  'decrypt',
  'token',
  'always-sensitive',
  'derive',
  'destroyable',
  'extractable',
  'local',
  'modifiable',
  'never-extractable',
  'private',
  'sensitive',
  'sign',
  'trusted',
  'unwrap',
  'verify',
  'wrap',
  'wrap-with-trusted',
] as const;
export type BooleanAttribute = (typeof BOOLEAN_ATTRIBUTES)[number];
export type BooleanAttributes = Record<BooleanAttribute, boolean>;

/** keys.md §2: what a user may give at creation (`--attributes NAME=VALUE`). */
export const SETTABLE_AT_CREATION: readonly BooleanAttribute[] = [
  'encrypt',
  'decrypt',
  'derive',
  'destroyable',
  'extractable',
  'modifiable',
  'private',
  'sensitive',
  'sign',
  'unwrap',
  'verify',
  'wrap',
  'wrap-with-trusted',
];

/** keys.md §2: attributes `key set-attribute` may change (with the one-way rules in keys/rules). */
export const MODIFIABLE_LATER: readonly string[] = [
  'label',
  'id',
  'encrypt',
  'decrypt',
  'derive',
  'destroyable',
  'modifiable',
  'sensitive',
  'sign',
  'verify',
  'wrap',
  'unwrap',
  'wrap-with-trusted',
  'token',
  'trusted',
];

/** keys.md §8 and cluster.md §11.2: label length and key capacity per HSM type. */
export const LABEL_MAX = 127;
export const KEY_CAPACITY: Readonly<Record<HsmType, number>> = { 'hsm1.medium': 3300, 'hsm2m.medium': 16666 };
export const QUORUM_MAX = 8;

export interface KeyRecord {
  ref: number;
  class: KeyClass;
  keyType: KeyType;
  label: string;
  /** User-defined identifier, hex without 0x ('' when empty). */
  id: string;
  /** How an empty id prints: generated keys show "", imported and unwrapped keys "0x". */
  emptyIdText: '' | '0x';
  attributes: BooleanAttributes;
  keyLengthBytes: number;
  checkValue: string;
  curve?: string;
  ecPoint?: string;
  modulus?: string;
  publicExponent?: string;
  modulusSizeBits?: number;
  mldsaAlgorithm?: string;
  owner: string;
  sharedUsers: string[];
  manageQuorum: number;
  useQuorum: number;
  /** Canonical key material, base64 (secret: raw; private/public: see mechanisms/provider.ts). */
  material: string;
  /** The other half of a key pair, while it exists. */
  pairRef?: number;
  createdAt: number;
  /** A session key's HSM: session keys live on the HSM that made them, never replicated (cluster.md §6). */
  hsmId?: string;
}

/** Whether a key is on every HSM of its cluster (keys.md §3 `key-coverage`, `cluster-coverage`). */
export type Coverage = 'full' | 'partial';

/** A key as operations return it: everything but its material, and its coverage when known. */
export type KeyView = Omit<KeyRecord, 'material'> & { coverage?: Coverage };

export function viewOfKey({ material: _material, ...view }: KeyRecord, cluster?: ClusterRecord): KeyView {
  return cluster ? { ...view, coverage: keyCoverage(cluster, view) } : view;
}

/**
 * cluster.md §6: a session key is on the one HSM that made it; a token key on every ACTIVE HSM,
 * and on a failed one if it is unhealthy (not zeroized) and the key existed when it failed.
 */
export function keyCoverage(cluster: ClusterRecord, key: Pick<KeyRecord, 'ref' | 'createdAt' | 'attributes'>): Coverage {
  if (!key.attributes.token) return cluster.hsms.length > 1 ? 'partial' : 'full';
  return tokenCoverage(cluster, (f) => key.ref <= f.lastKeyRef && key.createdAt <= f.failedAt);
}

export function formatReference(ref: number): string {
  return `0x${ref.toString(16).padStart(16, '0')}`;
}

/** keys.md §2.1: the defaults the CLI prints for new keys. */
export function defaultAttributes(keyClass: KeyClass, keyType: KeyType): BooleanAttributes {
  const secret = keyClass === 'secret-key';
  const isPublic = keyClass === 'public-key';
  return {
    encrypt: false,
    decrypt: false,
    token: true,
    'always-sensitive': !isPublic,
    derive: false,
    destroyable: true,
    extractable: true,
    local: true,
    modifiable: true,
    'never-extractable': false,
    private: true,
    sensitive: !isPublic,
    // AES (and, by analogy, generic secret) keys default to sign/verify true (keys.md §2.1).
    sign: secret && (keyType === 'aes' || keyType === 'generic-secret'),
    trusted: false,
    unwrap: false,
    verify: secret && (keyType === 'aes' || keyType === 'generic-secret'),
    wrap: false,
    'wrap-with-trusted': false,
  };
}

/**
 * A key's attributes by their CloudHSM names (keys.md §2), the vocabulary of `attr.NAME=VALUE`
 * filters and of every listing. The JSON shapes around them are the presenters' (src/cli/presenters/keys.ts).
 */
export function presentAttributes(key: KeyView): Record<string, unknown> {
  const out: Record<string, unknown> = {
    'key-type': key.keyType,
    label: key.label,
    id: key.id ? `0x${key.id}` : key.emptyIdText,
    'check-value': key.checkValue,
    class: key.class,
  };
  for (const name of BOOLEAN_ATTRIBUTES) {
    if (name === 'sensitive' && key.mldsaAlgorithm) out['mldsa-algorithm'] = key.mldsaAlgorithm;
    out[name] = key.attributes[name];
  }
  out['key-length-bytes'] = key.keyLengthBytes;
  if (key.keyType === 'rsa') {
    out['public-exponent'] = key.publicExponent;
    out.modulus = key.modulus;
    out['modulus-size-bits'] = key.modulusSizeBits;
  }
  if (key.keyType === 'ec') {
    out['ec-point'] = key.ecPoint;
    out.curve = key.curve;
  }
  return out;
}
