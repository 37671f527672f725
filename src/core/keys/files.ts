/**
 * Keys in PEM files (cli-commands.md §3.18-3.19): `key import pem` (public keys as the real CLI;
 * as an extension also private keys, from SPKI, PKCS#1, PKCS#8 and SEC1 PEM; and for
 * key_mgmt_util DSA keys), `key generate-file`
 * (a public key as PEM, or a reference PEM that names a private key without its material) and
 * the `key export-public` extension. Imported keys have local=false and print id "0x".
 */
import { HsmError } from '../errors.js';
import { validateRsaImport } from '../mechanisms/rsa-keys.js';
import { defineOperation } from '../engine.js';
import type { ImportedKey, PrivateDerFormat, PublicDerFormat } from '../mechanisms/provider.js';
import { allocateReferences, checkDsaImport, checkLabel, creationEvents, describeAsymmetric, parseAttributeOverrides, storeKey } from './generate.js';
import { keyEvent } from '../audit/record.js';
import { selectKey } from './filters.js';
import type { FilterInput } from './operations.js';
import { defaultAttributes, formatReference, viewOfKey, type KeyClass, type KeyRecord, type KeyView } from './model.js';
import { cryptoOf, preparedKey } from './prepared.js';

/** The CLI's rsa-public and ec-public, and as extensions the private classes and ML-DSA keys. */
export const KEY_TYPE_CLASSES = ['rsa-public', 'ec-public', 'rsa-private', 'ec-private', 'ml-dsa-public', 'ml-dsa-private'] as const;
/** What the operation also imports for key_mgmt_util's importPubKey and importPrivateKey: DSA keys (hsm1.medium only). */
const IMPORTABLE_KEY_TYPE_CLASSES = [...KEY_TYPE_CLASSES, 'dsa-public', 'dsa-private'] as const;
export type KeyTypeClass = (typeof IMPORTABLE_KEY_TYPE_CLASSES)[number];

/** A PEM file may hold at most this many characters (a 4096-bit RSA private key is ~3,300). */
export const MAX_PEM_CHARS = 64 * 1024;

const PEM_FORMATS: Readonly<Record<string, { kind: 'public' | 'private'; format: PublicDerFormat | PrivateDerFormat }>> = {
  'PUBLIC KEY': { kind: 'public', format: 'spki' },
  'RSA PUBLIC KEY': { kind: 'public', format: 'pkcs1' },
  'PRIVATE KEY': { kind: 'private', format: 'pkcs8' },
  'RSA PRIVATE KEY': { kind: 'private', format: 'pkcs1' },
  'EC PRIVATE KEY': { kind: 'private', format: 'sec1' },
};

/** Finds the one key block in a PEM text and decodes it. */
export function parsePem(text: string): { label: string; der: Uint8Array } {
  if (text.length > MAX_PEM_CHARS) throw new HsmError('INVALID_ARGUMENT', `the PEM file is ${text.length} characters long; a key PEM is at most ${MAX_PEM_CHARS}`);
  const blocks = [...text.matchAll(/-----BEGIN ([A-Z0-9 ]+)-----([\s\S]*?)-----END \1-----/g)].filter((m) => m[1] !== 'EC PARAMETERS');
  if (blocks.length === 0) throw new HsmError('INVALID_ARGUMENT', 'the file holds no PEM block ("-----BEGIN ... KEY-----"); give a PEM-encoded key');
  if (blocks.length > 1) throw new HsmError('INVALID_ARGUMENT', `the file holds ${blocks.length} PEM blocks; give a file with exactly one key`);
  const [, label, body] = blocks[0]!;
  if (label === 'ENCRYPTED PRIVATE KEY') throw new HsmError('INVALID_ARGUMENT', 'the private key is encrypted; decrypt it first (openssl pkey -in key.pem -out plain.pem)');
  if (!PEM_FORMATS[label!]) throw new HsmError('INVALID_ARGUMENT', `PEM blocks of type "${label}" are not keys this command imports; use PUBLIC KEY, RSA PUBLIC KEY, PRIVATE KEY, RSA PRIVATE KEY or EC PRIVATE KEY`);
  const b64 = body!.replace(/\s+/g, '');
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(b64) || b64.length % 4 !== 0) throw new HsmError('INVALID_ARGUMENT', `the ${label} PEM block is not valid base64`);
  return { label: label!, der: new Uint8Array(Buffer.from(b64, 'base64')) };
}

export function toPem(label: string, der: Uint8Array): string {
  const lines = Buffer.from(der).toString('base64').match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----\n`;
}

export interface ImportPemInput {
  clusterId?: string;
  pem: string;
  label: string;
  keyTypeClass: string;
  attributes?: string[];
  /** A session key (PKCS #11's C_CreateObject with CKA_TOKEN false): it lives with the login. The CLI imports token keys. */
  session?: boolean;
}

export const importPem = defineOperation({
  name: 'ImportKey',
  cluster: 'hsm',
  access: 'crypto-user',
  activated: true,
  write: true,
  audit: () => keyEvent('CN_CREATE_OBJECT'),
  run: (env, input: ImportPemInput) => {
    const { tx, cluster, ctx, actor } = env;
    const label = checkLabel(input.label);
    if (!(IMPORTABLE_KEY_TYPE_CLASSES as readonly string[]).includes(input.keyTypeClass)) {
      throw new HsmError('INVALID_ARGUMENT', `--key-type-class must be one of ${KEY_TYPE_CLASSES.join(', ')}, not "${input.keyTypeClass}"`);
    }
    const cut = input.keyTypeClass.lastIndexOf('-');
    const wantType = input.keyTypeClass.slice(0, cut) as 'rsa' | 'ec' | 'ml-dsa' | 'dsa';
    const wantKind = input.keyTypeClass.slice(cut + 1) as 'public' | 'private';
    const { label: pemLabel, der } = parsePem(input.pem);
    const format = PEM_FORMATS[pemLabel]!;
    if (format.kind !== wantKind) {
      throw new HsmError('INVALID_ARGUMENT', `the PEM holds a ${format.kind} key (${pemLabel}) but --key-type-class is ${input.keyTypeClass}; use ${wantType}-${format.kind}`);
    }
    const crypto = cryptoOf(ctx);
    let imported: ImportedKey;
    try {
      imported = format.kind === 'public' ? crypto.importPublicDer(der, format.format as PublicDerFormat) : crypto.importPrivateDer(der, format.format as PrivateDerFormat);
    } catch (err) {
      if (err instanceof HsmError) throw new HsmError('INVALID_ARGUMENT', `the ${pemLabel} PEM could not be read as a key: ${err.message}`);
      throw err;
    }
    const spec = imported.spec;
    const actualType = spec.type === 'rsa' ? 'rsa' : spec.type === 'ec' || spec.type === 'ed25519' || spec.type === 'x25519' ? 'ec' : spec.type;
    if (actualType !== wantType) {
      throw new HsmError('INVALID_ARGUMENT', `the PEM holds ${actualType === 'rsa' ? 'an RSA' : actualType === 'ec' ? 'an EC' : `a ${actualType.toUpperCase()}`} key but --key-type-class is ${input.keyTypeClass}`);
    }
    if (spec.type === 'ml-dsa' && cluster.hsmType !== 'hsm2m.medium') throw new HsmError('MECHANISM_NOT_ALLOWED', 'ML-DSA keys exist only on hsm2m.medium clusters');
    if ((spec.type === 'ed25519' || spec.type === 'x25519') && (cluster.mode !== 'NON_FIPS' || cluster.hsmType !== 'hsm2m.medium')) {
      throw new HsmError('MECHANISM_NOT_ALLOWED', `${spec.type} keys exist only on hsm2m.medium clusters in NON_FIPS mode; this cluster is ${cluster.hsmType} ${cluster.mode}`);
    }
    if (spec.type === 'rsa') validateRsaImport(publicOf(crypto, imported), imported.kind === 'private' ? imported.material : undefined);
    if (spec.type === 'dsa') checkDsaImport(cluster, publicOf(crypto, imported));
    const keyClass: KeyClass = imported.kind === 'public' ? 'public-key' : 'private-key';
    const overrides = parseAttributeOverrides(input.attributes, '--attributes', keyClass);
    const { id, ...booleans } = overrides;
    const publicMaterial = publicOf(crypto, imported);
    const described = describeAsymmetric(crypto, spec, publicMaterial, imported.kind === 'private' ? imported.material : undefined);
    const attributes = { ...defaultAttributes(keyClass, actualType), ...booleans };
    attributes.local = false;
    attributes['always-sensitive'] = false;
    attributes['never-extractable'] = false;
    attributes.token = !input.session;
    const [ref] = allocateReferences(tx, cluster.clusterId, 1);
    const key: KeyRecord = {
      ref: ref!,
      class: keyClass,
      keyType: actualType,
      label,
      id: id ?? '',
      emptyIdText: '0x',
      attributes,
      keyLengthBytes: imported.kind === 'public' ? described.publicLength : described.privateLength!,
      checkValue: described.checkValue,
      ...described.typeFields,
      owner: actor!.username,
      sharedUsers: [],
      manageQuorum: 0,
      useQuorum: 0,
      material: Buffer.from(imported.material).toString('base64'),
      createdAt: ctx.now(),
    };
    storeKey(env, key);
    // audit-log.md §3: a key imported without wrapping is CN_CREATE_OBJECT, then synchronised as a
    // generated key is (§1). [emulator rule] The private-key import, an extension, is logged alike.
    env.record(creationEvents('CN_CREATE_OBJECT', [key]));
    return { key: viewOfKey(key, cluster) };
  },
});

/**
 * The key-type-class of the key a PEM holds (for callers that, like key_mgmt_util's importPubKey
 * and importPrivateKey, do not name it); undefined when the PEM is not a key, so that
 * `importPem` explains the problem.
 */
export function pemKeyTypeClass(ctx: Parameters<typeof cryptoOf>[0], pem: string): KeyTypeClass | undefined {
  try {
    const { label, der } = parsePem(pem);
    const format = PEM_FORMATS[label]!;
    const crypto = cryptoOf(ctx);
    const { spec, kind } = format.kind === 'public' ? crypto.importPublicDer(der, format.format as PublicDerFormat) : crypto.importPrivateDer(der, format.format as PrivateDerFormat);
    const type = spec.type === 'rsa' || spec.type === 'ml-dsa' || spec.type === 'dsa' ? spec.type : 'ec';
    return `${type}-${kind}`;
  } catch {
    return undefined;
  }
}

function publicOf(crypto: ReturnType<typeof cryptoOf>, imported: ImportedKey): Uint8Array {
  return imported.kind === 'public' ? imported.material : crypto.publicKeyOf(crypto.preparePrivate(imported.spec, imported.material));
}

/** The SPKI PEM of a key's public half (from the public key, or computed from a private key). */
function publicPem(ctx: Parameters<typeof cryptoOf>[0], clusterId: string, key: KeyRecord): string {
  if (key.class === 'secret-key') {
    throw new HsmError('INVALID_ARGUMENT', `key ${formatReference(key.ref)} is a secret key; only public keys (or the public half of a pair) can be written as PEM`);
  }
  const crypto = cryptoOf(ctx);
  const prepared = preparedKey(ctx, clusterId, key);
  const pub = key.class === 'public-key' ? prepared : crypto.preparePublic(prepared.spec, crypto.publicKeyOf(prepared));
  return toPem('PUBLIC KEY', crypto.exportSpki(pub));
}

/** A key written as a PEM file: the key (a view, without material) and the file's text. */
export interface KeyFile {
  key: KeyView;
  pem: string;
}

export const exportPublic = defineOperation({
  name: 'ExportPublicKey',
  cluster: 'hsm',
  access: 'crypto-user',
  activated: true,
  write: false,
  run: ({ tx, ctx, cluster, actor, sessionKeys }, input: FilterInput): KeyFile => {
    const key = selectKey(tx, cluster.clusterId, actor!, input.filter, sessionKeys);
    return { key: viewOfKey(key, cluster), pem: publicPem(ctx, cluster.clusterId, key) };
  },
});

export interface GenerateFileInput extends FilterInput {
  encoding: string;
}

export const generateFile = defineOperation({
  name: 'GenerateKeyFile',
  cluster: 'hsm',
  access: 'crypto-user',
  activated: true,
  write: false,
  run: ({ tx, ctx, cluster, actor, sessionKeys }, input: GenerateFileInput): KeyFile => {
    const key = selectKey(tx, cluster.clusterId, actor!, input.filter, sessionKeys);
    if (input.encoding === 'pem') {
      if (key.class !== 'public-key') {
        throw new HsmError('INVALID_ARGUMENT', `--encoding pem writes public keys; key ${formatReference(key.ref)} is a ${key.class}. Select its public half, or use --encoding reference-pem for a private key`);
      }
      return { key: viewOfKey(key, cluster), pem: publicPem(ctx, cluster.clusterId, key) };
    }
    if (input.encoding !== 'reference-pem') throw new HsmError('INVALID_ARGUMENT', `--encoding must be pem or reference-pem, not "${input.encoding}"`);
    if (key.class !== 'private-key') {
      throw new HsmError('INVALID_ARGUMENT', `--encoding reference-pem names a private key; key ${formatReference(key.ref)} is a ${key.class}`);
    }
    // A reference PEM carries no key material: only what identifies the key in the cluster
    // [uncertain: the real file's inner layout is not documented; this one is our own].
    const body = Buffer.from(JSON.stringify({ 'cluster-id': cluster.clusterId, 'key-reference': formatReference(key.ref), 'key-type': key.keyType, 'check-value': key.checkValue }));
    return { key: viewOfKey(key, cluster), pem: toPem('CLOUDHSM KEY REFERENCE', body) };
  },
});
