/**
 * Key generation (cli-commands.md §3.16-3.17, keys.md §1-4, §6): AES, DES3 and generic secrets,
 * and RSA, EC (including Ed25519), ML-DSA and (key_mgmt_util's) DSA key pairs, with the CLI's defaults, `--attributes` overrides,
 * sharing at creation, key quorum values, the key check value, the per-HSM-type key capacity and
 * the curves and algorithms each cluster mode allows.
 */
import { createPublicKey } from 'node:crypto';
import { HsmError } from '../errors.js';
import { defineOperation, type Actor, type ClusterInput, type OperationEnv } from '../engine.js';
import { storeKeys, type ClusterRecord } from '../cluster/model.js';
import type { Transaction } from '../store/index.js';
import type { UserRecord } from '../users/rules.js';
import { normaliseUsername } from '../users/rules.js';
import { cryptoOf } from './prepared.js';
import { generateRsaFromStream } from '../mechanisms/rsa-deterministic.js';
import { dsaPublicNumbers } from '../mechanisms/key-encoding.js';
import { keyStoreKeys } from './filters.js';
import { keyEvent, type PlannedEvent } from '../audit/record.js';
import type { Opcode } from '../audit/log.js';
import { AES_KEY_BYTES, DES3_BLOCK_BYTES, DES3_KEY_BYTES, DSA_KEYS, GENERIC_SECRET_BYTES, KMU_GENERIC_SECRET_BYTES, RSA_KEYS } from '../mechanisms/table.js';
import { isDegenerateDes3Key, withOddParity } from '../mechanisms/families/des3.js';
import { validateDsaImport } from '../mechanisms/families/dsa.js';
import { orList } from '../mechanisms/choices.js';
import type { AsymmetricKeySpec, CryptoProvider, KeyPairMaterial, MlDsaVariant } from '../mechanisms/provider.js';
import {
  CURVES,
  KEY_CAPACITY,
  MLDSA_ALGORITHMS,
  LABEL_MAX,
  QUORUM_MAX,
  SETTABLE_AT_CREATION,
  defaultAttributes,
  viewOfKey,
  type BooleanAttribute,
  type BooleanAttributes,
  type KeyClass,
  type KeyRecord,
  type KeyType,
} from './model.js';

const hex = (bytes: Uint8Array) => `0x${Buffer.from(bytes).toString('hex')}`;
const b64 = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64');

export function checkLabel(label: string, flag = '--label'): string {
  if (typeof label !== 'string' || label.length === 0) throw new HsmError('INVALID_ARGUMENT', `${flag} is required`, { details: { role: 'template' } });
  if (Array.from(label).length > LABEL_MAX) throw new HsmError('INVALID_ARGUMENT', `${flag} is ${Array.from(label).length} characters long; the limit is ${LABEL_MAX}`, { details: { role: 'template' } });
  return label;
}

/** Parses `--attributes NAME=VALUE …` against the creation rules; returns the overrides. */
export function parseAttributeOverrides(terms: readonly string[] | undefined, flag: string, keyClass: KeyClass): Partial<BooleanAttributes> & { id?: string } {
  const out: Partial<BooleanAttributes> & { id?: string } = {};
  for (const term of terms ?? []) {
    const eq = term.indexOf('=');
    const name = eq > 0 ? term.slice(0, eq) : term;
    const value = eq > 0 ? term.slice(eq + 1) : '';
    if (name === 'id') {
      const h = value.replace(/^0x/i, '');
      if (!/^([0-9a-f]{2})*$/i.test(h)) throw new HsmError('INVALID_ARGUMENT', `${flag} id takes hex bytes such as 0x0102, not "${value}"`, { details: { role: 'template' } });
      out.id = h.toLowerCase();
      continue;
    }
    if (!(SETTABLE_AT_CREATION as readonly string[]).includes(name)) {
      throw new HsmError('INVALID_ARGUMENT', `${flag} "${name}" cannot be set at creation; settable attributes: ${SETTABLE_AT_CREATION.join(', ')}, id`, { details: { role: 'template' } });
    }
    if (value !== 'true' && value !== 'false') throw new HsmError('INVALID_ARGUMENT', `${flag} ${name} takes true or false, not "${value}"`, { details: { role: 'template' } });
    if (name === 'sensitive' && keyClass === 'public-key') throw new HsmError('KEY_ATTRIBUTE_REFUSED', 'sensitive cannot be set on a public key');
    if (name === 'derive' && value === 'true' && keyClass === 'public-key') throw new HsmError('KEY_ATTRIBUTE_REFUSED', 'derive must stay false on a public key');
    out[name as BooleanAttribute] = value === 'true';
  }
  return out;
}

export function attributesFor(keyClass: KeyClass, keyType: KeyType, overrides: Partial<BooleanAttributes>, session: boolean): BooleanAttributes {
  const a = { ...defaultAttributes(keyClass, keyType), ...overrides };
  a.token = !session;
  a['always-sensitive'] = a.sensitive;
  a['never-extractable'] = !a.extractable;
  a.local = true;
  return a;
}

export interface CommonCreateInput extends ClusterInput {
  session?: boolean;
  shareWith?: string[];
  manageQuorum?: number;
  useQuorum?: number;
  /** Whose documented limits apply where the tools differ: the CloudHSM CLI's (default) or key_mgmt_util's. */
  limits?: ToolLimits;
}

export type ToolLimits = 'cloudhsm-cli' | 'key_mgmt_util';

/** The sizes a new generic secret may have, by the limits the caller's tool documents. */
export function genericSecretBytes(limits: ToolLimits | undefined): { min: number; max: number } {
  const byTool: Readonly<Record<ToolLimits, { min: number; max: number }>> = { 'cloudhsm-cli': GENERIC_SECRET_BYTES, key_mgmt_util: KMU_GENERIC_SECRET_BYTES };
  // Checked where it enters: the API takes untyped callers too.
  if (limits !== undefined && !Object.hasOwn(byTool, limits)) throw new HsmError('INVALID_ARGUMENT', `limits must be cloudhsm-cli or key_mgmt_util, not "${limits}"`);
  return byTool[limits ?? 'cloudhsm-cli'];
}

/** Checks sharees (existing crypto users other than the owner) and key quorum values. */
export function checkSharingAndQuorum(tx: Transaction, clusterId: string, actor: Actor, input: CommonCreateInput): string[] {
  const sharees = [...new Set((input.shareWith ?? []).map((u) => normaliseUsername(u)))];
  for (const username of sharees) {
    const user = tx.get<UserRecord>(storeKeys.user(clusterId, username));
    if (!user) throw new HsmError('USER_NOT_FOUND', `--share-crypto-users names ${username}, who is not a user of cluster ${clusterId}`);
    if (user.role !== 'crypto-user') throw new HsmError('INVALID_ARGUMENT', `--share-crypto-users names ${username}, a ${user.role}; keys are shared only with crypto users`);
    if (username === actor.username) throw new HsmError('INVALID_ARGUMENT', '--share-crypto-users must not name the owner of the key');
  }
  for (const [flag, value] of [['manage', input.manageQuorum], ['use', input.useQuorum]] as const) {
    if (value === undefined) continue;
    if (!Number.isInteger(value) || value < 0 || value > QUORUM_MAX) throw new HsmError('INVALID_ARGUMENT', `the ${flag} key quorum value must be 0 to ${QUORUM_MAX}, not ${value}`);
    if (value > 1 + sharees.length) {
      throw new HsmError('INVALID_ARGUMENT', `the ${flag} key quorum value ${value} exceeds the ${1 + sharees.length} users associated with the key (owner and --share-crypto-users)`);
    }
  }
  return sharees;
}

export function checkCapacity(tx: Transaction, cluster: ClusterRecord, adding: number): void {
  const limit = KEY_CAPACITY[cluster.hsmType];
  const stored = tx.count(keyStoreKeys.prefix(cluster.clusterId));
  if (stored + adding > limit) {
    throw new HsmError('KEY_LIMIT_EXCEEDED', `cluster ${cluster.clusterId} holds ${stored} keys; a ${cluster.hsmType} cluster holds at most ${limit}. Delete keys you no longer need`);
  }
}

/**
 * audit-log.md §4.4-4.5: a key's creation (generation, unwrap, import, derivation) on the HSM
 * that ran it, naming the new key (a pair: private, then public); then each token key goes to the
 * other HSMs as a masked object (extracted there, inserted on each other one). Session keys stay.
 */
export function creationEvents(opcode: Opcode, [first, second]: KeyRecord[]): PlannedEvent[] {
  const events: PlannedEvent[] = [keyEvent(opcode, first!.ref, second?.ref ?? 0)];
  for (const key of [first!, ...(second ? [second] : [])]) {
    if (!key.attributes.token) continue;
    const one = { secret: key.ref, public: 0 };
    events.push({ on: 'routed', event: { opcode: 'CN_EXTRACT_MASKED_OBJECT_USER', keys: one } }, { on: 'others', event: { opcode: 'CN_INSERT_MASKED_OBJECT_USER', keys: one } });
  }
  return events;
}

/** Takes the next key reference: a monotonic per-cluster counter, never reused (keys.md §1). */
export function allocateReferences(tx: Transaction, clusterId: string, count: number): number[] {
  const key = keyStoreKeys.counter(clusterId);
  const next = tx.get<number>(key) ?? 0x100001;
  tx.put(key, next + count);
  return Array.from({ length: count }, (_, i) => next + i);
}

/**
 * Stores a new key: token keys in the store, session keys in the caller's memory only. Every path
 * that creates a token key (generate, import, unwrap, derive) comes through here, so the key
 * capacity of the HSM type is checked here, for each key.
 */
export function storeKey(env: OperationEnv<unknown>, key: KeyRecord): void {
  if (key.attributes.token) {
    checkCapacity(env.tx, env.cluster, 1);
    env.tx.put(keyStoreKeys.key(env.cluster.clusterId, key.ref), key);
  } else {
    // A session key lives on the HSM the client sent the operation to (cluster.md §6).
    if (env.hsm) key.hsmId = env.hsm.hsmId;
    env.sessionKeys.set(key.ref, key);
  }
}

/**
 * keys.md §4: the check value of an AES or DES3 key is the first 3 bytes of encrypting one zero
 * block (AES-ECB, 16 bytes; DES3-ECB, 8 bytes). Generic secrets have none [uncertain], printed "0x".
 */
export function secretCheckValue(crypto: CryptoProvider, keyType: string, material: Uint8Array): string {
  if (keyType === 'aes') return hex(crypto.aesEcbEncryptBlock(material, new Uint8Array(16)).subarray(0, 3));
  if (keyType === 'des3') return hex(crypto.des3EcbEncryptBlock(material, new Uint8Array(DES3_BLOCK_BYTES)).subarray(0, 3));
  return '0x';
}

/**
 * Key types only the legacy hsm1.medium HSMs hold. DES3: keys.md §1 and §6 ("3DES: 192-bit
 * (PKCS #11, hsm1 only)"). DSA [assumed, alike]: only the SDK 3 tools that serve hsm1.medium make
 * DSA keys (genDSAKeyPair), and FIPS 186-5, which the FIPS 140-3 validation of hsm2m.medium
 * follows, no longer approves DSA signatures.
 */
const HSM1_ONLY_KEY_TYPES: ReadonlySet<KeyType> = new Set<KeyType>(['des3', 'dsa']);

/** Refuses a key type the cluster's HSM type does not hold (MECHANISM_NOT_ALLOWED). */
export function checkKeyTypeAllowed(cluster: Pick<ClusterRecord, 'hsmType'>, keyType: KeyType): void {
  if (HSM1_ONLY_KEY_TYPES.has(keyType) && cluster.hsmType !== 'hsm1.medium') {
    throw new HsmError('MECHANISM_NOT_ALLOWED', `${keyType.toUpperCase()} keys exist only on hsm1.medium clusters; this cluster is ${cluster.hsmType}`);
  }
}

/** A DSA key that comes in from outside (import or unwrap): on an hsm1.medium cluster, and sound (families/dsa.ts). */
export function checkDsaImport(cluster: Pick<ClusterRecord, 'hsmType'>, spki: Uint8Array): void {
  checkKeyTypeAllowed(cluster, 'dsa');
  validateDsaImport(spki);
}

/** A DES3 key that comes in from outside: 24 bytes that are three DES keys, not single DES (SP 800-67 §3.3). */
export function checkDes3Key(bytes: Uint8Array, what: string): void {
  if (bytes.length !== DES3_KEY_BYTES) throw new HsmError('INVALID_ARGUMENT', `${what} is ${bytes.length} bytes, not a DES3 key (${DES3_KEY_BYTES}); check the key type and the mechanism`);
  if (isDegenerateDes3Key(bytes)) throw new HsmError('INVALID_ARGUMENT', `${what} is a DES3 key whose first and second, or second and third, DES keys are equal: that is single DES, which is refused`);
}

/** Fresh DES3 key material: odd parity in each byte, three distinct DES keys (SP 800-67 §3.1, §3.3). */
function generateDes3(random: (n: number) => Uint8Array): Uint8Array {
  for (;;) {
    const key = withOddParity(random(DES3_KEY_BYTES));
    if (!isDegenerateDes3Key(key)) return key;
  }
}

/** The secret keys the HSM generates: the CLI's AES and generic secrets, and (key_mgmt_util's genSymKey -t 21) DES3. */
export const SYMMETRIC_KEY_TYPES = ['aes', 'generic-secret', 'des3'] as const;

export interface GenerateSymmetricInput extends CommonCreateInput {
  keyType: (typeof SYMMETRIC_KEY_TYPES)[number];
  label: string;
  keyLengthBytes: number;
  attributes?: string[];
}

export const generateSymmetric = defineOperation({
  name: 'GenerateSymmetricKey',
  cluster: 'hsm',
  access: 'crypto-user',
  activated: true,
  write: true,
  audit: () => keyEvent('CN_GENERATE_KEY'),
  run: (env, input: GenerateSymmetricInput) => {
    const { tx, cluster, ctx, actor } = env;
    const label = checkLabel(input.label);
    const length = input.keyLengthBytes;
    // Checked where it enters: the API takes untyped callers too.
    if (!SYMMETRIC_KEY_TYPES.includes(input.keyType)) {
      throw new HsmError('INVALID_ARGUMENT', `a symmetric key is ${orList(SYMMETRIC_KEY_TYPES)}, not "${input.keyType as string}"`);
    }
    if (input.keyType === 'aes' && !AES_KEY_BYTES.includes(length)) {
      throw new HsmError('INVALID_ARGUMENT', `--key-length-bytes for an AES key must be ${orList(AES_KEY_BYTES)}, not ${length}`);
    }
    const secret = genericSecretBytes(input.limits);
    if (input.keyType === 'generic-secret' && (!Number.isInteger(length) || length < secret.min || length > secret.max)) {
      throw new HsmError('INVALID_ARGUMENT', `--key-length-bytes for a generic secret must be ${secret.min} to ${secret.max}, not ${length}`);
    }
    if (input.keyType === 'des3' && length !== DES3_KEY_BYTES) {
      throw new HsmError('INVALID_ARGUMENT', `--key-length-bytes for a DES3 key must be ${DES3_KEY_BYTES}, not ${length}`);
    }
    checkKeyTypeAllowed(cluster, input.keyType);
    const overrides = parseAttributeOverrides(input.attributes, '--attributes', 'secret-key');
    const sharees = checkSharingAndQuorum(tx, cluster.clusterId, actor!, input);
    checkCapacity(tx, cluster, 1);
    const material = input.keyType === 'des3' ? generateDes3((n) => new Uint8Array(ctx.random(n))) : ctx.random(length);
    const checkValue = secretCheckValue(cryptoOf(ctx), input.keyType, material);
    const [ref] = allocateReferences(tx, cluster.clusterId, 1);
    const { id, ...booleans } = overrides;
    const key: KeyRecord = {
      ref: ref!,
      class: 'secret-key',
      keyType: input.keyType,
      label,
      id: id ?? '',
      emptyIdText: '',
      attributes: attributesFor('secret-key', input.keyType, booleans, Boolean(input.session)),
      keyLengthBytes: length,
      checkValue,
      owner: actor!.username,
      sharedUsers: sharees,
      manageQuorum: input.manageQuorum ?? 0,
      useQuorum: input.useQuorum ?? 0,
      material: b64(material),
      createdAt: ctx.now(),
    };
    storeKey(env, key);
    env.record(creationEvents('CN_GENERATE_KEY', [key]));
    return { key: viewOfKey(key, cluster) };
  },
});

export interface GenerateKeyPairInput extends CommonCreateInput {
  /** dsa: key_mgmt_util's genDSAKeyPair (hsm1.medium only), with modulusSizeBits 2048. */
  keyType: 'rsa' | 'ec' | 'ml-dsa' | 'dsa';
  publicLabel: string;
  privateLabel: string;
  modulusSizeBits?: number;
  publicExponent?: string;
  curve?: string;
  mldsaAlgorithm?: string;
  publicAttributes?: string[];
  privateAttributes?: string[];
}

/** Validates the algorithm against the cluster (done again inside the transaction). */
function checkAlgorithm(cluster: Pick<ClusterRecord, 'mode' | 'hsmType'>, input: GenerateKeyPairInput): void {
  if (input.keyType === 'rsa') {
    const bits = input.modulusSizeBits;
    const rsa = RSA_KEYS;
    if (!Number.isInteger(bits) || bits! < rsa.minModulusBits || bits! > rsa.maxModulusBits || bits! % rsa.stepBits !== 0) {
      throw new HsmError('INVALID_ARGUMENT', `--modulus-size-bits must be ${rsa.minModulusBits} to ${rsa.maxModulusBits} in steps of ${rsa.stepBits}, not ${bits}`);
    }
    parseExponent(input.publicExponent);
  } else if (input.keyType === 'ec') {
    const curve = CURVES[input.curve ?? ''];
    if (!curve) throw new HsmError('INVALID_ARGUMENT', `--curve must be one of ${Object.keys(CURVES).join(', ')}, not "${input.curve}"`);
    if ((curve === 'ed25519' || curve === 'x25519') && (cluster.mode !== 'NON_FIPS' || cluster.hsmType !== 'hsm2m.medium')) {
      throw new HsmError('MECHANISM_NOT_ALLOWED', `${curve} keys exist only on hsm2m.medium clusters in NON_FIPS mode; this cluster is ${cluster.hsmType} ${cluster.mode}`);
    }
  } else if (input.keyType === 'dsa') {
    // key_mgmt_util's genDSAKeyPair: "-m 2048", the only valid value (legacy-shells.md §3).
    if (input.modulusSizeBits !== DSA_KEYS.modulusBits) throw new HsmError('INVALID_ARGUMENT', `a DSA key pair has a ${DSA_KEYS.modulusBits}-bit modulus, not ${input.modulusSizeBits}`);
    checkKeyTypeAllowed(cluster, 'dsa');
  } else {
    if (!MLDSA_ALGORITHMS.includes(input.mldsaAlgorithm as MlDsaVariant)) {
      throw new HsmError('INVALID_ARGUMENT', `--mldsa-algorithm must be one of ${MLDSA_ALGORITHMS.join(', ')}, not "${input.mldsaAlgorithm}"`);
    }
    if (cluster.hsmType !== 'hsm2m.medium') throw new HsmError('MECHANISM_NOT_ALLOWED', 'ML-DSA keys exist only on hsm2m.medium clusters');
  }
}

/** keys.md §6: the public exponent is odd and at least 65537 (given as decimal or 0x hex). */
export function parseExponent(text: string | undefined): number {
  const t = (text ?? '').trim();
  const value = /^0x[0-9a-f]+$/i.test(t) ? Number.parseInt(t.slice(2), 16) : /^\d+$/.test(t) ? Number(t) : Number.NaN;
  const min = RSA_KEYS.minExponent;
  if (!Number.isSafeInteger(value) || value < min || value % 2 === 0) {
    throw new HsmError('INVALID_ARGUMENT', `--public-exponent must be an odd number of at least ${min} (for example ${min}), not "${text ?? ''}"`);
  }
  return value;
}

export const generateKeyPair = defineOperation({
  name: 'GenerateKeyPair',
  cluster: 'hsm',
  access: 'crypto-user',
  activated: true,
  write: true,
  audit: () => keyEvent('CN_GENERATE_KEY_PAIR'),
  // Generation (RSA especially) is slow: done before the writer lock is taken.
  prepare: async (input: GenerateKeyPairInput, ctx): Promise<KeyPairMaterial | { ed25519: KeyPairMaterial }> => {
    const crypto = cryptoOf(ctx);
    const cluster = await ctx.store.read((view) => view.list<ClusterRecord>(storeKeys.clusterPrefix).map(([, c]) => c).find((c) => c.clusterId === input.clusterId));
    if (cluster) checkAlgorithm(cluster, input);
    checkLabel(input.publicLabel, '--public-label');
    checkLabel(input.privateLabel, '--private-label');
    const random = (n: number) => new Uint8Array(ctx.random(n));
    if (input.keyType === 'rsa') {
      // OpenSSL cannot be seeded: the deterministic test mode draws the primes from its stream.
      return ctx.deterministicSeed === undefined
        ? crypto.generateRsa(input.modulusSizeBits!, parseExponent(input.publicExponent))
        : generateRsaFromStream(random, input.modulusSizeBits!, parseExponent(input.publicExponent));
    }
    if (input.keyType === 'ml-dsa') return crypto.generateMlDsa(input.mldsaAlgorithm as MlDsaVariant, random);
    // OpenSSL makes the domain parameters and the key; the deterministic test mode does not replay them.
    if (input.keyType === 'dsa') return crypto.generateDsa(DSA_KEYS.modulusBits, DSA_KEYS.subgroupBits);
    const curve = CURVES[input.curve ?? ''];
    if (curve === 'ed25519') return { ed25519: crypto.generateEd25519(random) };
    if (curve === 'x25519') return crypto.generateX25519(random);
    if (!curve) throw new HsmError('INVALID_ARGUMENT', `--curve must be one of ${Object.keys(CURVES).join(', ')}, not "${input.curve}"`);
    return crypto.generateEc(curve, random);
  },
  run: (env, input) => {
    const { tx, cluster, ctx, actor } = env;
    checkAlgorithm(cluster, input);
    const publicOverrides = parseAttributeOverrides(input.publicAttributes, '--public-attributes', 'public-key');
    const privateOverrides = parseAttributeOverrides(input.privateAttributes, '--private-attributes', 'private-key');
    const sharees = checkSharingAndQuorum(tx, cluster.clusterId, actor!, input);
    checkCapacity(tx, cluster, 2);
    const pair = 'ed25519' in env.prepared ? env.prepared.ed25519 : env.prepared;
    const described = describeAsymmetric(cryptoOf(ctx), pair.spec, pair.publicKey, pair.privateKey);
    const checkValue = described.checkValue;
    const [publicRef, privateRef] = allocateReferences(tx, cluster.clusterId, 2);
    const typeFields: Partial<KeyRecord> = { ...described.typeFields };
    if (input.keyType === 'rsa') typeFields.modulusSizeBits = input.modulusSizeBits;
    // The curve prints as the user named it (prime256v1 or secp256r1).
    if (input.keyType === 'ec') typeFields.curve = input.curve;
    const publicLength = described.publicLength;
    const privateLength = described.privateLength!;
    const base = {
      keyType: input.keyType,
      id: '',
      emptyIdText: input.keyType === 'ml-dsa' ? '0x' : '',
      checkValue,
      owner: actor!.username,
      createdAt: ctx.now(),
      ...typeFields,
    } as const;
    const { id: publicId, ...publicBooleans } = publicOverrides;
    const { id: privateId, ...privateBooleans } = privateOverrides;
    const pub: KeyRecord = {
      ...base,
      ref: publicRef!,
      class: 'public-key',
      label: input.publicLabel,
      id: publicId ?? '',
      attributes: attributesFor('public-key', input.keyType, publicBooleans, Boolean(input.session)),
      keyLengthBytes: publicLength,
      // cli-commands.md §3.17: sharing and quorum apply to the private key only.
      sharedUsers: [],
      manageQuorum: 0,
      useQuorum: 0,
      material: b64(pair.publicKey),
      pairRef: privateRef,
    };
    const priv: KeyRecord = {
      ...base,
      ref: privateRef!,
      class: 'private-key',
      label: input.privateLabel,
      id: privateId ?? '',
      attributes: attributesFor('private-key', input.keyType, privateBooleans, Boolean(input.session)),
      keyLengthBytes: privateLength,
      sharedUsers: sharees,
      manageQuorum: input.manageQuorum ?? 0,
      useQuorum: input.useQuorum ?? 0,
      material: b64(pair.privateKey),
      pairRef: publicRef,
    };
    storeKey(env, pub);
    storeKey(env, priv);
    env.record(creationEvents('CN_GENERATE_KEY_PAIR', [priv, pub]));
    return { publicKey: viewOfKey(pub, cluster), privateKey: viewOfKey(priv, cluster) };
  },
});

/** Modulus and public exponent of an RSA SubjectPublicKeyInfo. */
function rsaPublicNumbers(spki: Buffer): { modulus: Buffer; exponent: Buffer } {
  const jwk = createPublicKey({ key: spki, format: 'der', type: 'spki' }).export({ format: 'jwk' });
  return { modulus: Buffer.from(String(jwk.n), 'base64url'), exponent: Buffer.from(String(jwk.e), 'base64url') };
}

/**
 * What the CLI prints about an asymmetric key that its material determines: the check value
 * (keys.md §4: first 3 bytes of SHA-1 over the SPKI DER, the same on both halves), the RSA and EC
 * public fields, and the key-length-bytes of each half (keys.md §2.3: RSA public = twice the
 * modulus length, 512 for 2048 bits; private = the PKCS#8 encoding; EC public = the point; DSA
 * public = the length of p).
 */
export function describeAsymmetric(crypto: CryptoProvider, spec: AsymmetricKeySpec, publicKey: Uint8Array, privateKey?: Uint8Array): {
  checkValue: string;
  typeFields: Partial<KeyRecord>;
  publicLength: number;
  privateLength?: number;
} {
  const spki = crypto.exportSpki(crypto.preparePublic(spec, publicKey));
  const checkValue = hex(crypto.digest('sha1', spki).subarray(0, 3));
  const typeFields: Partial<KeyRecord> = {};
  let publicLength = publicKey.length;
  let privateLength = privateKey?.length;
  if (spec.type === 'rsa') {
    const { modulus, exponent } = rsaPublicNumbers(Buffer.from(spki));
    typeFields.modulus = hex(modulus);
    typeFields.publicExponent = hex(exponent);
    typeFields.modulusSizeBits = modulus.length * 8;
    publicLength = modulus.length * 2;
  } else if (spec.type === 'ec' || spec.type === 'ed25519' || spec.type === 'x25519') {
    typeFields.curve = spec.type === 'ec' ? spec.curve : spec.type;
    typeFields.ecPoint = hex(publicKey);
    if (privateKey) privateLength = crypto.exportPkcs8(crypto.preparePrivate(spec, privateKey)).length;
  } else if (spec.type === 'dsa') {
    // [assumed] a DSA public key is as long as its prime p, the room its value y takes (256 bytes for L = 2048).
    publicLength = Math.ceil(dsaPublicNumbers(spki).p.toString(2).length / 8);
  } else {
    typeFields.mldsaAlgorithm = spec.variant;
  }
  return { checkValue, typeFields, publicLength, privateLength };
}
