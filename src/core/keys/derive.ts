/**
 * `key derive ecdh` (extension: the real service offers ECDH key agreement through its PKCS #11
 * library as CKM_ECDH1_DERIVE). The crypto user names one of its EC private keys that allows
 * `derive` and gives the peer's public key as an SPKI PEM; the shared secret (SEC 1 §3.3.1, the
 * x coordinate; no KDF, as CKD_NULL) becomes a new AES or generic-secret key in the cluster. The
 * secret itself never leaves: it is used like any other key, or wrapped out if extractable.
 *
 * Derived keys follow PKCS #11 §4.14: local=false; always-sensitive only if the base key was and
 * the new key is sensitive; never-extractable only if the base key was and the new key is not
 * extractable.
 */
import { HsmError } from '../errors.js';
import { defineOperation } from '../engine.js';
import type { ImportedKey } from '../mechanisms/provider.js';
import { allocateReferences, checkCapacity, checkLabel, checkSharingAndQuorum, creationEvents, parseAttributeOverrides, secretCheckValue, storeKey, type CommonCreateInput } from './generate.js';
import { keyEvent } from '../audit/record.js';
import { selectKey } from './filters.js';
import type { KeySelector } from './selector.js';
import { parsePem } from './files.js';
import { CURVES, defaultAttributes, formatReference, viewOfKey, type KeyRecord } from './model.js';
import { cryptoOf, preparedKey } from './prepared.js';
import { requireAvailable } from '../client/config.js';

export const DERIVED_KEY_TYPES = ['aes', 'generic-secret'] as const;
export type DerivedKeyType = (typeof DERIVED_KEY_TYPES)[number];

export interface DeriveEcdhInput extends CommonCreateInput {
  baseKeyFilter: KeySelector;
  /** The peer's public key: SubjectPublicKeyInfo PEM ("PUBLIC KEY") on the base key's curve. */
  peerPublicKeyPem: string;
  keyType: DerivedKeyType;
  label: string;
  /** Length of the new key; default: the whole shared secret (AES: 16, 24 or 32 and at most that). */
  keyLengthBytes?: number;
  attributes?: string[];
}

function baseKey(key: KeyRecord, fipsOnly: boolean): void {
  const ref = formatReference(key.ref);
  if (key.class !== 'private-key' || key.keyType !== 'ec' || key.curve === 'ed25519') {
    const what = key.curve === 'ed25519' ? 'an ed25519 signing key' : `a ${key.keyType} ${key.class}`;
    throw new HsmError('INVALID_ARGUMENT', `ECDH needs an EC private key as the base key; key ${ref} is ${what}`);
  }
  if (CURVES[key.curve ?? ''] === 'x25519' && fipsOnly) throw new HsmError('MECHANISM_NOT_ALLOWED', 'x25519 key agreement is available only in NON_FIPS clusters');
  if (!key.attributes.derive) {
    throw new HsmError('KEY_ATTRIBUTE_REFUSED', `key ${ref} has derive=false; its owner can allow it with \`key set-attribute --filter key-reference=${ref} --name derive --value true\``);
  }
  if (key.useQuorum > 1) throw new HsmError('PERMISSION_DENIED', `Quorum approval is required for this operation (key ${ref} has use-key-quorum-value ${key.useQuorum})`);
}

function peerKey(crypto: ReturnType<typeof cryptoOf>, pem: string): ImportedKey {
  const { label, der } = parsePem(pem);
  if (label !== 'PUBLIC KEY') throw new HsmError('INVALID_ARGUMENT', `the peer key must be a public key PEM ("PUBLIC KEY"), not ${label}`);
  try {
    return crypto.importPublicDer(der, 'spki');
  } catch (err) {
    if (err instanceof HsmError) throw new HsmError('INVALID_ARGUMENT', `the peer public key could not be read: ${err.message}`);
    throw err;
  }
}

function derivedLength(input: DeriveEcdhInput, secretBytes: number): number {
  // AES takes the longest key the secret fills (P-224's 28 bytes give AES-192).
  const length = input.keyLengthBytes ?? (input.keyType === 'aes' ? ([32, 24, 16].find((n) => n <= secretBytes) ?? secretBytes) : secretBytes);
  if (input.keyType === 'aes' && ![16, 24, 32].includes(length)) throw new HsmError('INVALID_ARGUMENT', `--key-length-bytes for an AES key must be 16, 24 or 32, not ${length}`);
  if (!Number.isInteger(length) || length < 1 || length > secretBytes) {
    throw new HsmError('INVALID_ARGUMENT', `--key-length-bytes must be 1 to ${secretBytes}, the size of this curve's shared secret, not ${length}`);
  }
  return length;
}

export const deriveEcdh = defineOperation({
  name: 'DeriveKey',
  cluster: 'hsm',
  access: 'crypto-user',
  activated: true,
  write: true,
  audit: () => keyEvent('CN_DERIVE_KEY'),
  run: (env, input: DeriveEcdhInput) => {
    const { tx, cluster, ctx, actor, sessionKeys } = env;
    const label = checkLabel(input.label);
    if (!DERIVED_KEY_TYPES.includes(input.keyType)) throw new HsmError('INVALID_ARGUMENT', `--key-type must be ${DERIVED_KEY_TYPES.join(' or ')}, not "${input.keyType}"`);
    const overrides = parseAttributeOverrides(input.attributes, '--attributes', 'secret-key');
    const sharees = checkSharingAndQuorum(tx, cluster.clusterId, actor!, input);
    const base = selectKey(tx, cluster.clusterId, actor!, input.baseKeyFilter, sessionKeys);
    baseKey(base, cluster.mode !== 'NON_FIPS');
    requireAvailable(tx, cluster, base);
    checkCapacity(tx, cluster, 1);

    const crypto = cryptoOf(ctx);
    const prepared = preparedKey(ctx, cluster.clusterId, base);
    const peer = peerKey(crypto, input.peerPublicKeyPem);
    if (JSON.stringify(peer.spec) !== JSON.stringify(prepared.spec)) {
      const name = (s: typeof peer.spec) => (s.type === 'ec' ? s.curve : s.type);
      throw new HsmError('INVALID_ARGUMENT', `the peer public key is ${name(peer.spec)}; base key ${formatReference(base.ref)} is ${name(prepared.spec)}. Both must be on the same curve`);
    }
    const secret = prepared.spec.type === 'x25519' ? crypto.x25519Derive(prepared, peer.material) : crypto.ecdh(prepared, peer.material);
    // [uncertain] PKCS #11 leaves open which end a shorter CKD_NULL key keeps; the leading bytes here.
    const material = secret.subarray(0, derivedLength(input, secret.length));

    const { id, ...booleans } = overrides;
    const attributes = { ...defaultAttributes('secret-key', input.keyType), ...booleans };
    attributes.token = !input.session;
    attributes.local = false;
    attributes['always-sensitive'] = base.attributes['always-sensitive'] && attributes.sensitive;
    attributes['never-extractable'] = base.attributes['never-extractable'] && !attributes.extractable;
    const [ref] = allocateReferences(tx, cluster.clusterId, 1);
    const key: KeyRecord = {
      ref: ref!,
      class: 'secret-key',
      keyType: input.keyType,
      label,
      id: id ?? '',
      emptyIdText: '',
      attributes,
      keyLengthBytes: material.length,
      checkValue: secretCheckValue(crypto, input.keyType, material),
      owner: actor!.username,
      sharedUsers: sharees,
      manageQuorum: input.manageQuorum ?? 0,
      useQuorum: input.useQuorum ?? 0,
      material: Buffer.from(material).toString('base64'),
      createdAt: ctx.now(),
    };
    storeKey(env, key);
    // audit-log.md §3: CN_DERIVE_KEY names the new key, which is then synchronised as a generated one (§1).
    env.record(creationEvents('CN_DERIVE_KEY', [key]));
    return { key: viewOfKey(key, cluster), baseKeyRef: base.ref };
  },
});
