/**
 * The attribute mapping between CloudHSM keys (keys.md §2, as the core's KeyView holds them) and
 * PKCS #11's CKA_* attributes, and between templates and the core's creation inputs.
 *
 * Values are handled here in their native form, the bytes a C program keeps in pValue
 * (CK_BBOOL one byte, CK_ULONG eight little-endian bytes on the x86-64 and arm64 platforms
 * p11-kit serves, arrays as they are), and converted to and from the wire by the client's
 * encoding of each type (rpc.ts attributeKind), as p11-kit's client copies them.
 */
import { CURVES as KEY_CURVES, SETTABLE_AT_CREATION, type BooleanAttribute, type KeyClass, type KeyView } from '../../core/keys/model.js';
import { CURVES, KEY_CLASSES, KEY_TYPES, type EcCurve } from '../../core/mechanisms/table.js';
import { CKA, CKK, CKM, CKR, UNAVAILABLE } from './constants.js';
import { CkrError } from './errors.js';
import { attributeKind, type Attribute, type AttributeValue, type Dialect } from './rpc.js';

export const ulongBytes = (v: number | bigint): Uint8Array => {
  const b = Buffer.alloc(8);
  b.writeBigUInt64LE(BigInt(v));
  return new Uint8Array(b);
};
const bool = (v: boolean) => Uint8Array.of(v ? 1 : 0);
const hexBytes = (hex: string | undefined) => new Uint8Array(Buffer.from((hex ?? '').replace(/^0x/i, ''), 'hex'));

/** An attribute's native value from the wire (a template's), or undefined when it is unavailable. */
export function nativeOf(a: Attribute): Uint8Array | undefined {
  if (a.unavailable) return undefined;
  return nativeValue(a.value);
}

function nativeValue(v: AttributeValue): Uint8Array | undefined {
  switch (v.kind) {
    case 'byte':
      return Uint8Array.of(v.byte);
    case 'ulong':
      return ulongBytes(v.ulong);
    case 'bytes':
      return v.bytes ?? new Uint8Array(0);
    case 'date':
      return v.date ?? new Uint8Array(0);
    default:
      // Templates and mechanism lists inside templates are not taken (see templateTerms).
      return undefined;
  }
}

/** A native value as the client's p11-kit carries attribute `type`. */
export function wireOf(type: number, native: Uint8Array, dialect: Dialect): AttributeValue {
  const kind = attributeKind(type, dialect);
  switch (kind) {
    case 'byte':
      return { kind, byte: native[0] ?? 0 };
    case 'ulong':
      return { kind, ulong: Buffer.from(native).readBigUInt64LE(0) };
    case 'date':
      return { kind, date: native.length === 8 ? native : null };
    default:
      return { kind: 'bytes', bytes: native };
  }
}

/** DER: an OBJECT IDENTIFIER from its content bytes in hex, and an OCTET STRING around bytes. */
const derOid = (contentHex: string) => new Uint8Array(Buffer.concat([Buffer.of(0x06, contentHex.length / 2), Buffer.from(contentHex, 'hex')]));
/** A DER element of `tag` around `content` (at most 65,535 bytes, far above any key's). */
export function derElement(tag: number, ...content: Uint8Array[]): Uint8Array {
  const n = content.reduce((sum, c) => sum + c.length, 0);
  const length = n < 0x80 ? [n] : n < 0x100 ? [0x81, n] : [0x82, n >> 8, n & 0xff];
  return new Uint8Array(Buffer.concat([Buffer.of(tag, ...length), ...content]));
}
const derOctetString = (content: Uint8Array) => derElement(0x04, content);

/** RFC 8410: the OIDs of the Edwards and Montgomery curves (content bytes in hex). */
const RFC8410_OIDS = { ed25519: '2b6570', x25519: '2b656e' } as const;

/** CKA_EC_PARAMS of a curve name as the core spells it. */
function ecParams(curve: string): Uint8Array | undefined {
  const name = KEY_CURVES[curve];
  if (name === 'ed25519' || name === 'x25519') return derOid(RFC8410_OIDS[name]);
  return name ? derOid(CURVES[name].oid) : undefined;
}

/** The core's curve name of a CKA_EC_PARAMS (a named curve's OID), or undefined. */
export function curveOfParams(params: Uint8Array): string | undefined {
  const b = Buffer.from(params);
  if (b.length < 2 || b[0] !== 0x06 || b[1] !== b.length - 2) return undefined;
  const oid = b.subarray(2).toString('hex');
  const named = (Object.keys(CURVES) as EcCurve[]).find((c) => CURVES[c].oid === oid);
  if (named) return named;
  return (Object.keys(RFC8410_OIDS) as Array<keyof typeof RFC8410_OIDS>).find((c) => RFC8410_OIDS[c] === oid);
}

/** The boolean attributes and their CloudHSM names (keys.md §2). */
export const BOOLEANS: ReadonlyArray<readonly [number, BooleanAttribute]> = [
  [CKA.TOKEN, 'token'],
  [CKA.PRIVATE, 'private'],
  [CKA.SENSITIVE, 'sensitive'],
  [CKA.ENCRYPT, 'encrypt'],
  [CKA.DECRYPT, 'decrypt'],
  [CKA.WRAP, 'wrap'],
  [CKA.UNWRAP, 'unwrap'],
  [CKA.SIGN, 'sign'],
  [CKA.VERIFY, 'verify'],
  [CKA.DERIVE, 'derive'],
  [CKA.EXTRACTABLE, 'extractable'],
  [CKA.LOCAL, 'local'],
  [CKA.NEVER_EXTRACTABLE, 'never-extractable'],
  [CKA.ALWAYS_SENSITIVE, 'always-sensitive'],
  [CKA.MODIFIABLE, 'modifiable'],
  [CKA.DESTROYABLE, 'destroyable'],
  [CKA.TRUSTED, 'trusted'],
  [CKA.WRAP_WITH_TRUSTED, 'wrap-with-trusted'],
];

const GENERATED_BY: Readonly<Record<string, number>> = { ec: CKM.EC_KEY_PAIR_GEN, rsa: CKM.RSA_PKCS_KEY_PAIR_GEN, aes: 0x1080, 'generic-secret': 0x350 };

/**
 * What a key holds for attribute `type`: its native value, 'sensitive' (never leaves), or
 * undefined (not an attribute of this key). `value` is a secret key's CKA_VALUE when the core
 * gave it (objects.ts readableValue: non-sensitive, extractable, the caller's own).
 */
export function keyAttribute(key: KeyView, type: number, value?: Uint8Array): Uint8Array | 'sensitive' | undefined {
  const flag = BOOLEANS.find(([t]) => t === type);
  if (flag) return bool(key.attributes[flag[1]]);
  const isPublic = key.class === 'public-key';
  const edwards = key.curve === 'ed25519' ? CKK.EC_EDWARDS : key.curve === 'x25519' ? CKK.EC_MONTGOMERY : undefined;
  switch (type) {
    case CKA.CLASS:
      return ulongBytes(KEY_CLASSES[key.class].pkcs11);
    case CKA.KEY_TYPE:
      return ulongBytes(edwards ?? KEY_TYPES[key.keyType].pkcs11);
    case CKA.LABEL:
      return new Uint8Array(Buffer.from(key.label, 'utf8'));
    case CKA.ID:
      return hexBytes(key.id);
    case CKA.CHECK_VALUE:
      return hexBytes(key.checkValue);
    case CKA.SIGN_RECOVER:
    case CKA.VERIFY_RECOVER:
    case CKA.COPYABLE:
      return bool(false);
    case CKA.ALWAYS_AUTHENTICATE:
      return key.class === 'private-key' ? bool(false) : undefined;
    case CKA.KEY_GEN_MECHANISM:
      return ulongBytes(key.attributes.local && GENERATED_BY[key.keyType] !== undefined ? GENERATED_BY[key.keyType]! : UNAVAILABLE);
    case CKA.VALUE_LEN:
      return key.class === 'secret-key' ? ulongBytes(key.keyLengthBytes) : undefined;
    case CKA.MODULUS:
      return key.keyType === 'rsa' ? hexBytes(key.modulus) : undefined;
    case CKA.PUBLIC_EXPONENT:
      return key.keyType === 'rsa' ? hexBytes(key.publicExponent) : undefined;
    case CKA.MODULUS_BITS:
      return key.keyType === 'rsa' && key.modulusSizeBits !== undefined ? ulongBytes(key.modulusSizeBits) : undefined;
    case CKA.EC_PARAMS:
      return key.keyType === 'ec' && key.curve ? ecParams(key.curve) : undefined;
    case CKA.EC_POINT:
      // PKCS #11 3.0 §2.3.3: the DER OCTET STRING of the point (the raw key for Edwards/Montgomery curves is wrapped the same way).
      return key.keyType === 'ec' && isPublic && key.ecPoint ? derOctetString(hexBytes(key.ecPoint)) : undefined;
    case CKA.VALUE:
      // Private key material never leaves through PKCS #11 here, a secret key's only as `value`; a public key has no CKA_VALUE (ML-DSA's is not mapped yet).
      return isPublic ? undefined : (value ?? 'sensitive');
    default:
      return undefined;
  }
}

/** Whether a key matches a C_FindObjectsInit template: every attribute equal, byte for byte, to the key's. */
export function matchesTemplate(key: KeyView, template: readonly Attribute[]): boolean {
  return template.every((a) => {
    const wanted = nativeOf(a);
    const actual = keyAttribute(key, a.type);
    if (wanted === undefined || actual === undefined || actual === 'sensitive') return false;
    // A CK_ULONG may be sent in fewer bytes by a careless caller: compare as numbers then.
    if (attributeLooksUlong(a.type) && wanted.length <= 8) return readUlong(wanted) === readUlong(actual);
    return Buffer.from(wanted).equals(Buffer.from(actual));
  });
}

function attributeLooksUlong(type: number): boolean {
  return type === CKA.CLASS || type === CKA.KEY_TYPE || type === CKA.MODULUS_BITS || type === CKA.VALUE_LEN || type === CKA.KEY_GEN_MECHANISM;
}

/** A native CK_ULONG (eight little-endian bytes; fewer are taken as its low bytes). */
export function readUlong(native: Uint8Array): bigint {
  const padded = Buffer.alloc(8);
  Buffer.from(native).copy(padded);
  return padded.readBigUInt64LE(0);
}

/** The CloudHSM key-list filter terms a template's simple attributes give (a speed-up: matchesTemplate decides). */
export function selectorTerms(template: readonly Attribute[]): Array<[string, string]> {
  const terms: Array<[string, string]> = [];
  for (const a of template) {
    const v = nativeOf(a);
    if (v === undefined) continue;
    if (a.type === CKA.LABEL) terms.push(['label', Buffer.from(v).toString('utf8')]);
    if (a.type === CKA.CLASS && v.length === 8) {
      const cls = (Object.keys(KEY_CLASSES) as Array<keyof typeof KEY_CLASSES>).find((c) => BigInt(KEY_CLASSES[c].pkcs11) === readUlong(v));
      if (cls) terms.push(['class', cls]);
    }
  }
  return terms;
}

/** The answer to C_GetAttributeValue for one requested attribute (`room`: the caller's buffer, 0 for the size only). */
export function answerAttribute(key: KeyView, type: number, room: number, dialect: Dialect, secretValue?: Uint8Array): { attribute: Attribute; ckr: number } {
  const found = keyAttribute(key, type, secretValue);
  if (found === undefined) return { attribute: { type, unavailable: true }, ckr: CKR.ATTRIBUTE_TYPE_INVALID };
  if (found === 'sensitive') return { attribute: { type, unavailable: true }, ckr: CKR.ATTRIBUTE_SENSITIVE };
  // The length a C caller needs: what the client's decoder will write into its buffer.
  const value = wireOf(type, found, dialect);
  const needed = value.kind === 'byte' ? 1 : value.kind === 'ulong' ? 8 : found.length;
  if (room === 0) return { attribute: { type, length: needed, value: value.kind === 'bytes' ? { kind: 'bytes', bytes: null } : value }, ckr: CKR.OK };
  if (room < needed) return { attribute: { type, unavailable: true }, ckr: CKR.BUFFER_TOO_SMALL };
  return { attribute: { type, length: needed, value }, ckr: CKR.OK };
}

/** What a key-pair template asks of one half, in the core's terms. */
export interface HalfTemplate {
  label?: string;
  idHex?: string;
  token?: boolean;
  /** `NAME=true|false` terms for the core's --attributes (checked there). */
  attributes: string[];
  curve?: string;
  modulusBits?: number;
  publicExponentHex?: string;
  /** A secret key's CKA_VALUE_LEN, in bytes. */
  valueLen?: number;
}

const READ_ONLY = new Set<number>([
  CKA.LOCAL, CKA.NEVER_EXTRACTABLE, CKA.ALWAYS_SENSITIVE, CKA.KEY_GEN_MECHANISM, CKA.MODULUS, CKA.EC_POINT, CKA.CHECK_VALUE, CKA.TRUSTED, CKA.VALUE,
]);

function boolOf(a: Attribute, v: Uint8Array): boolean {
  if (v.length !== 1 || (v[0] !== 0 && v[0] !== 1)) throw new CkrError(CKR.ATTRIBUTE_VALUE_INVALID, `attribute 0x${a.type.toString(16)} is a CK_BBOOL: one byte, 0 or 1`);
  return v[0] === 1;
}

const CLASS_NAMES: Readonly<Record<KeyClass, string>> = { 'public-key': 'CKO_PUBLIC_KEY', 'private-key': 'CKO_PRIVATE_KEY', 'secret-key': 'CKO_SECRET_KEY' };

/**
 * Reads one half's generation template (or a secret key's: `half` 'secret-key'). Attributes are checked for their PKCS #11 form here
 * (a CK_BBOOL is a byte, a class matches the half); which of them a crypto user may set, and to
 * what, is the core's rule (generateKeyPair's --attributes).
 */
export function readKeyTemplate(template: readonly Attribute[], half: KeyClass, keyType: 'ec' | 'rsa' | 'aes' | 'generic-secret'): HalfTemplate {
  const out: HalfTemplate = { attributes: [] };
  for (const a of template) {
    const v = nativeOf(a);
    const name = `attribute 0x${a.type.toString(16)}`;
    if (v === undefined) throw new CkrError(CKR.ATTRIBUTE_VALUE_INVALID, `${name} has no value in the template`);
    const flag = BOOLEANS.find(([t]) => t === a.type);
    if (a.type === CKA.TOKEN) out.token = boolOf(a, v);
    else if (flag && (SETTABLE_AT_CREATION as readonly string[]).includes(flag[1])) out.attributes.push(`${flag[1]}=${boolOf(a, v)}`);
    else if (READ_ONLY.has(a.type)) throw new CkrError(CKR.ATTRIBUTE_READ_ONLY, `${name} is set by the HSM, not by the template`);
    else if (a.type === CKA.CLASS) {
      if (v.length !== 8 || readUlong(v) !== BigInt(KEY_CLASSES[half].pkcs11)) throw new CkrError(CKR.TEMPLATE_INCONSISTENT, `CKA_CLASS of the ${half} template must be ${CLASS_NAMES[half]}`);
    } else if (a.type === CKA.KEY_TYPE) {
      if (v.length !== 8 || readUlong(v) !== BigInt(KEY_TYPES[keyType].pkcs11)) throw new CkrError(CKR.TEMPLATE_INCONSISTENT, `CKA_KEY_TYPE does not match the mechanism (a ${keyType} key${half === 'secret-key' ? '' : ' pair'})`);
    } else if (a.type === CKA.LABEL) out.label = Buffer.from(v).toString('utf8');
    else if (a.type === CKA.ID) out.idHex = Buffer.from(v).toString('hex');
    else if ((a.type === CKA.SIGN_RECOVER || a.type === CKA.VERIFY_RECOVER || a.type === CKA.COPYABLE) && !boolOf(a, v)) continue;
    else if (a.type === CKA.EC_PARAMS && keyType === 'ec' && half === 'public-key') {
      out.curve = curveOfParams(v);
      if (!out.curve) throw new CkrError(CKR.CURVE_NOT_SUPPORTED, 'CKA_EC_PARAMS names no curve the HSM has (a named-curve OID of P-224, P-256, P-384, P-521, secp256k1 or Ed25519)');
    } else if (a.type === CKA.MODULUS_BITS && keyType === 'rsa' && half === 'public-key') out.modulusBits = Number(readUlong(v));
    else if (a.type === CKA.PUBLIC_EXPONENT && keyType === 'rsa' && half === 'public-key') out.publicExponentHex = `0x${Buffer.from(v).toString('hex') || '0'}`;
    else if (a.type === CKA.VALUE_LEN && half === 'secret-key') {
      if (v.length !== 8) throw new CkrError(CKR.ATTRIBUTE_VALUE_INVALID, 'CKA_VALUE_LEN is a CK_ULONG');
      out.valueLen = Number(readUlong(v));
    }
    else throw new CkrError(CKR.ATTRIBUTE_TYPE_INVALID, `${name} cannot be given when generating a ${keyType} ${half}`);
  }
  return out;
}
