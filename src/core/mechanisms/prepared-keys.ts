/**
 * The prepared key record every asymmetric family makes, and the key handling of a provider
 * assembled from its families: `preparePrivate`, `preparePublic`, `publicKeyOf`, `exportSpki` and
 * `exportPkcs8` check what is common to all keys here, then hand the key to its family.
 *
 * A prepared key is frozen and holds the canonical material, the canonical public half, and a
 * `handle`: whatever the family's backend parsed once to serve later operations (node:crypto
 * KeyObjects, RSA key objects, an ML-DSA seed), or nothing where the canonical bytes suffice.
 */
import { checkBytes, checkPrepared, checkSpec } from './checks.js';
import type { AsymmetricKeySpec, CryptoProvider, KeyKind, PreparedKey, ProviderName } from './provider.js';

export interface FamilyKey<Handle> extends PreparedKey {
  readonly material: Uint8Array;
  readonly publicMaterial: Uint8Array;
  readonly handle: Handle;
}

export type SpecOf<Type extends AsymmetricKeySpec['type']> = Extract<AsymmetricKeySpec, { type: Type }>;

/**
 * The prepared keys of one family's backend, which keeps a `Handle` in each: `make` builds one,
 * `use` checks that a key is this provider's, of the kind and type an operation needs, and gives
 * it back with its handle typed (only this family makes keys of its type for this provider).
 */
export interface FamilyKeys<Handle> {
  readonly make: (kind: KeyKind, spec: AsymmetricKeySpec, material: Uint8Array, publicMaterial: Uint8Array, handle: Handle) => PreparedKey;
  readonly use: (key: PreparedKey, kind: KeyKind | 'any', type: AsymmetricKeySpec['type'], operation: string) => FamilyKey<Handle>;
}

export function familyKeys<Handle>(provider: ProviderName): FamilyKeys<Handle> {
  return Object.freeze({
    make: (kind: KeyKind, spec: AsymmetricKeySpec, material: Uint8Array, publicMaterial: Uint8Array, handle: Handle) =>
      Object.freeze({
        provider,
        kind,
        spec: Object.freeze({ ...spec }),
        material: material.slice(),
        publicMaterial: publicMaterial.slice(),
        handle,
      }) as unknown as PreparedKey,
    use: (key: PreparedKey, kind: KeyKind | 'any', type: AsymmetricKeySpec['type'], operation: string) =>
      checkPrepared(key, provider, kind, type, operation) as FamilyKey<Handle>,
  });
}

/** What one family does with its own keys; the material has been checked to be bytes. */
export interface KeyFamily<Spec extends AsymmetricKeySpec> {
  preparePrivate(spec: Spec, material: Uint8Array): PreparedKey;
  preparePublic(spec: Spec, material: Uint8Array): PreparedKey;
  /** The key has been checked to be this provider's and of this family. */
  exportSpki(key: PreparedKey): Uint8Array;
  exportPkcs8(key: PreparedKey): Uint8Array;
}

export interface KeyFamilies {
  readonly ec: KeyFamily<SpecOf<'ec'>>;
  readonly ed25519: KeyFamily<SpecOf<'ed25519'>>;
  readonly x25519: KeyFamily<SpecOf<'x25519'>>;
  readonly rsa: KeyFamily<SpecOf<'rsa'>>;
  readonly dsa: KeyFamily<SpecOf<'dsa'>>;
  readonly 'ml-dsa': KeyFamily<SpecOf<'ml-dsa'>>;
}

/** Any key of this provider, for what every family's key has. */
function anyKeyOf(provider: ProviderName) {
  return (key: PreparedKey, kind: KeyKind | 'any', operation: string): FamilyKey<unknown> =>
    checkPrepared(key, provider, kind, 'any', operation) as FamilyKey<unknown>;
}

type KeyHandling = Pick<CryptoProvider, 'preparePrivate' | 'preparePublic' | 'publicKeyOf' | 'exportSpki' | 'exportPkcs8'>;

/** A provider's key handling from its families' key handling. */
export function keyHandling(provider: ProviderName, families: KeyFamilies): KeyHandling {
  const anyKey = anyKeyOf(provider);
  const prepare = (kind: KeyKind, spec: AsymmetricKeySpec, material: Uint8Array): PreparedKey => {
    checkSpec(spec);
    checkBytes(material, `${kind} key`);
    const method = kind === 'private' ? 'preparePrivate' : 'preparePublic';
    // One case per family, so that each family gets its own spec type.
    switch (spec.type) {
      case 'ec':
        return families.ec[method](spec, material);
      case 'ed25519':
        return families.ed25519[method](spec, material);
      case 'x25519':
        return families.x25519[method](spec, material);
      case 'rsa':
        return families.rsa[method](spec, material);
      case 'dsa':
        return families.dsa[method](spec, material);
      case 'ml-dsa':
        return families['ml-dsa'][method](spec, material);
    }
  };
  return {
    preparePrivate: (spec, material) => prepare('private', spec, material),
    preparePublic: (spec, material) => prepare('public', spec, material),
    publicKeyOf: (key) => anyKey(key, 'any', 'publicKeyOf').publicMaterial.slice(),
    exportSpki: (key) => {
      const k = anyKey(key, 'any', 'exportSpki');
      return families[k.spec.type].exportSpki(k);
    },
    exportPkcs8: (key) => {
      const k = anyKey(key, 'private', 'exportPkcs8');
      return families[k.spec.type].exportPkcs8(k);
    },
  };
}
