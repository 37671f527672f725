/**
 * p11-kit's RPC protocol, the wire `p11-kit-client.so` speaks over its Unix socket (p11-kit's
 * rpc-transport.c, rpc-message.c and rpc-message.h; the facts, not the code):
 *
 * - The client opens with one byte, the highest protocol version it speaks; the server answers
 *   with the version both will use (p11-kit 0.24 sends 0, 0.25 sends 1, 0.26 sends 2).
 * - Then frames, each a 12-byte header of three big-endian 32-bit words (a call code the answer
 *   echoes, the length of an options block, the length of the body), the options (the client's
 *   module name) and the body.
 * - A body is the call's id (32 bits), its signature string as a byte array, then one field per
 *   signature element: `y` a byte; `u` a CK_ULONG as 64 bits; `z` and `s` byte arrays (a string,
 *   a space-padded field); `v` a version's two bytes; `ay` a byte array behind a presence byte
 *   (absent: its length alone); `au` a presence byte, a count and as many 64-bit values; `fy` and
 *   `fu` the room the caller has (a 32-bit count); `fA` attribute types with the room for each;
 *   `aA` attributes, each typed, with a validity byte, its declared length and its value
 *   encoded by the attribute's type; `M` a mechanism as a 32-bit type and its parameter encoded
 *   by the mechanism. A byte array is a 32-bit length and the bytes; the length 0xffffffff is a
 *   null pointer.
 * - A refusal is the body of call 0 ("ERROR") with one `u`: the CKR_* value.
 *
 * How an attribute value and a mechanism parameter are encoded depends on the client's p11-kit:
 * 0.24 encodes fewer attribute types as bytes and ulongs (the rest as byte arrays, CKA_DESTROYABLE
 * among them) and only the RSA-PSS and RSA-OAEP parameters; 0.25 added IBM attributes, the
 * derive template and the AES, DES, MAC, ECDH parameters. The version byte the client sent tells
 * which it is, so the codec takes it as `dialect`.
 */
import { CKA, CKM, VENDOR_DEFINED } from './constants.js';

export const HANDSHAKE = 'PRIVATE-GNOME-KEYRING-PKCS11-PROTOCOL-V-1';
export const FRAME_HEADER_BYTES = 12;
/** The largest body and options block accepted: far above any PKCS #11 call's needs. */
export const MAX_BODY_BYTES = 16 * 1024 * 1024;
export const MAX_OPTIONS_BYTES = 64 * 1024;
/** sizeof(CK_ATTRIBUTE) and sizeof(CK_ULONG) on the 64-bit platforms p11-kit runs on: a template's and a mechanism list's declared lengths count in them. */
export const ATTRIBUTE_STRUCT_BYTES = 24;
export const ULONG_BYTES = 8;
/** How deep templates may nest inside attributes (CKA_WRAP_TEMPLATE holding attributes). */
const MAX_TEMPLATE_DEPTH = 2;
const NULL_LENGTH = 0xffffffff;
/** p11-kit refuses a byte array of 0x7fffffff bytes or more. */
const MAX_ARRAY_LENGTH = 0x7ffffffe;

/** A frame or body that breaks the protocol: the connection cannot go on. */
export class RpcProtocolError extends Error {
  override name = 'RpcProtocolError';
}

export interface CallSpec {
  readonly id: number;
  readonly name: string;
  readonly request: string;
  readonly response: string;
}

/** rpc-message.h's call table, in call-id order (p11-kit 0.26: the 0.24 calls, then PKCS #11 3.0's and the version-2 ones). */
const TABLE: ReadonlyArray<readonly [string, string, string]> = [
  ['ERROR', '', 'u'],
  ['C_Initialize', 'ayyay', ''],
  ['C_Finalize', '', ''],
  ['C_GetInfo', '', 'vsusv'],
  ['C_GetSlotList', 'yfu', 'au'],
  ['C_GetSlotInfo', 'u', 'ssuvv'],
  ['C_GetTokenInfo', 'u', 'ssssuuuuuuuuuuuvvs'],
  ['C_GetMechanismList', 'ufu', 'au'],
  ['C_GetMechanismInfo', 'uu', 'uuu'],
  ['C_InitToken', 'uayz', ''],
  ['C_OpenSession', 'uu', 'u'],
  ['C_CloseSession', 'u', ''],
  ['C_CloseAllSessions', 'u', ''],
  ['C_GetSessionInfo', 'u', 'uuuu'],
  ['C_InitPIN', 'uay', ''],
  ['C_SetPIN', 'uayay', ''],
  ['C_GetOperationState', 'ufy', 'ay'],
  ['C_SetOperationState', 'uayuu', ''],
  ['C_Login', 'uuay', ''],
  ['C_Logout', 'u', ''],
  ['C_CreateObject', 'uaA', 'u'],
  ['C_CopyObject', 'uuaA', 'u'],
  ['C_DestroyObject', 'uu', ''],
  ['C_GetObjectSize', 'uu', 'u'],
  ['C_GetAttributeValue', 'uufA', 'aAu'],
  ['C_SetAttributeValue', 'uuaA', ''],
  ['C_FindObjectsInit', 'uaA', ''],
  ['C_FindObjects', 'ufu', 'au'],
  ['C_FindObjectsFinal', 'u', ''],
  ['C_EncryptInit', 'uMu', ''],
  ['C_Encrypt', 'uayfy', 'ay'],
  ['C_EncryptUpdate', 'uayfy', 'ay'],
  ['C_EncryptFinal', 'ufy', 'ay'],
  ['C_DecryptInit', 'uMu', ''],
  ['C_Decrypt', 'uayfy', 'ay'],
  ['C_DecryptUpdate', 'uayfy', 'ay'],
  ['C_DecryptFinal', 'ufy', 'ay'],
  ['C_DigestInit', 'uM', ''],
  ['C_Digest', 'uayfy', 'ay'],
  ['C_DigestUpdate', 'uay', ''],
  ['C_DigestKey', 'uu', ''],
  ['C_DigestFinal', 'ufy', 'ay'],
  ['C_SignInit', 'uMu', ''],
  ['C_Sign', 'uayfy', 'ay'],
  ['C_SignUpdate', 'uay', ''],
  ['C_SignFinal', 'ufy', 'ay'],
  ['C_SignRecoverInit', 'uMu', ''],
  ['C_SignRecover', 'uayfy', 'ay'],
  ['C_VerifyInit', 'uMu', ''],
  ['C_Verify', 'uayay', ''],
  ['C_VerifyUpdate', 'uay', ''],
  ['C_VerifyFinal', 'uay', ''],
  ['C_VerifyRecoverInit', 'uMu', ''],
  ['C_VerifyRecover', 'uayfy', 'ay'],
  ['C_DigestEncryptUpdate', 'uayfy', 'ay'],
  ['C_DecryptDigestUpdate', 'uayfy', 'ay'],
  ['C_SignEncryptUpdate', 'uayfy', 'ay'],
  ['C_DecryptVerifyUpdate', 'uayfy', 'ay'],
  ['C_GenerateKey', 'uMaA', 'u'],
  ['C_GenerateKeyPair', 'uMaAaA', 'uu'],
  ['C_WrapKey', 'uMuufy', 'ay'],
  ['C_UnwrapKey', 'uMuayaA', 'u'],
  ['C_DeriveKey', 'uMuaA', 'u'],
  ['C_SeedRandom', 'uay', ''],
  ['C_GenerateRandom', 'ufy', 'ay'],
  ['C_WaitForSlotEvent', 'u', 'u'],
  ['C_LoginUser', 'uuayay', ''],
  ['C_SessionCancel', 'uu', ''],
  ['C_MessageEncryptInit', 'uMu', ''],
  ['C_EncryptMessage', 'uayayayfy', 'ay'],
  ['C_EncryptMessageBegin', 'uayay', ''],
  ['C_EncryptMessageNext', 'uayayfyu', 'ay'],
  ['C_MessageEncryptFinal', 'u', ''],
  ['C_MessageDecryptInit', 'uMu', ''],
  ['C_DecryptMessage', 'uayayayfy', 'ay'],
  ['C_DecryptMessageBegin', 'uayay', ''],
  ['C_DecryptMessageNext', 'uayayfyu', 'ay'],
  ['C_MessageDecryptFinal', 'u', ''],
  ['C_MessageSignInit', 'uMu', ''],
  ['C_SignMessage', 'uayayfy', 'ay'],
  ['C_SignMessageBegin', 'uay', ''],
  ['C_SignMessageNext', 'uayayyfy', 'ay'],
  ['C_MessageSignFinal', 'u', ''],
  ['C_MessageVerifyInit', 'uMu', ''],
  ['C_VerifyMessage', 'uayayay', ''],
  ['C_VerifyMessageBegin', 'uay', ''],
  ['C_VerifyMessageNext', 'uayayay', ''],
  ['C_MessageVerifyFinal', 'u', ''],
  ['C_InitToken2', 'uays', ''],
  ['C_DeriveKey2', 'uMuaA', 'uPu'],
];

export const CALLS: readonly CallSpec[] = Object.freeze(TABLE.map(([name, request, response], id) => Object.freeze({ id, name, request, response })));
export const CALL_IDS: Readonly<Record<string, number>> = Object.freeze(Object.fromEntries(CALLS.map((c) => [c.name, c.id])));
export const ERROR_CALL = 0;

// ---------------------------------------------------------------------------------------------
// Values

export interface Version {
  major: number;
  minor: number;
}
/** `ay`: bytes, or (a null pointer) only a length, as a size answer or a too-small buffer carries. */
export type ByteArray = { bytes: Uint8Array } | { bytes: null; length: number };
/** The bytes of an `ay` value: none for a null pointer (a size query's or an absent array). */
export const bytesOf = (v: Value | undefined): Uint8Array => (v as ByteArray | undefined)?.bytes ?? new Uint8Array(0);
/** `au`: values, or only their count. */
export type UlongArray = { values: bigint[] } | { values: null; length: number };
/** `fA`: an attribute the caller asks for, with the room it has for the value (0: the size only). */
export interface AttributeRequest {
  type: number;
  length: number;
}
export type AttributeValue =
  | { kind: 'byte'; byte: number }
  | { kind: 'ulong'; ulong: bigint }
  | { kind: 'bytes'; bytes: Uint8Array | null }
  | { kind: 'date'; date: Uint8Array | null }
  | { kind: 'attributes'; attributes: Attribute[] }
  | { kind: 'mechanisms'; mechanisms: bigint[] };
/** `aA` element: unavailable (ulValueLen -1), or a declared length and the value. */
export type Attribute = { type: number; unavailable: true } | { type: number; unavailable?: false; length: number; value: AttributeValue };
export type MechanismParams =
  | { kind: 'bytes'; bytes: Uint8Array | null }
  | { kind: 'pss'; hashAlg: bigint; mgf: bigint; saltLength: bigint }
  | { kind: 'oaep'; hashAlg: bigint; mgf: bigint; source: bigint; sourceData: Uint8Array | null }
  | { kind: 'iv'; iv: Uint8Array }
  | { kind: 'ctr'; counterBits: bigint; counterBlock: Uint8Array }
  | { kind: 'gcm'; iv: Uint8Array | null; ivBits: bigint; aad: Uint8Array | null; tagBits: bigint }
  | { kind: 'mac-general'; macLength: bigint }
  | { kind: 'ecdh'; kdf: bigint; sharedData: Uint8Array | null; publicData: Uint8Array | null }
  | { kind: 'ulong'; value: bigint };
export interface Mechanism {
  type: number;
  params: MechanismParams;
}
export type Value = number | bigint | Uint8Array | Version | ByteArray | UlongArray | AttributeRequest[] | Attribute[] | Mechanism;
/** The client's p11-kit, as its version byte tells: 0 for 0.24, 1 or more for 0.25 and later. */
export type Dialect = number;

// ---------------------------------------------------------------------------------------------
// How attribute values and mechanism parameters are encoded (rpc-message.c's type maps)

const BYTE_ATTRIBUTES_024 = [
  CKA.TOKEN, CKA.PRIVATE, CKA.TRUSTED, CKA.SENSITIVE, CKA.ENCRYPT, CKA.DECRYPT, CKA.WRAP, CKA.UNWRAP, CKA.SIGN, CKA.SIGN_RECOVER, CKA.VERIFY,
  CKA.VERIFY_RECOVER, CKA.DERIVE, CKA.EXTRACTABLE, CKA.LOCAL, CKA.NEVER_EXTRACTABLE, CKA.ALWAYS_SENSITIVE, CKA.MODIFIABLE, CKA.COPYABLE,
  CKA.SECONDARY_AUTH, CKA.ALWAYS_AUTHENTICATE, CKA.WRAP_WITH_TRUSTED, CKA.RESET_ON_INIT, CKA.HAS_RESET, CKA.COLOR,
];
const ULONG_ATTRIBUTES_024 = [
  CKA.CLASS, CKA.CERTIFICATE_TYPE, CKA.CERTIFICATE_CATEGORY, CKA.JAVA_MIDP_SECURITY_DOMAIN, CKA.KEY_TYPE, CKA.MODULUS_BITS, CKA.PRIME_BITS,
  CKA.SUB_PRIME_BITS, CKA.VALUE_BITS, CKA.VALUE_LEN, CKA.KEY_GEN_MECHANISM, CKA.AUTH_PIN_FLAGS, CKA.HW_FEATURE_TYPE, CKA.PIXEL_X, CKA.PIXEL_Y,
  CKA.RESOLUTION, CKA.CHAR_ROWS, CKA.CHAR_COLUMNS, CKA.BITS_PER_PIXEL, CKA.MECHANISM_TYPE,
];
/** The IBM vendor attributes p11-kit 0.25 added (pkcs11x.h): bytes, then ulongs. */
const BYTE_ATTRIBUTES_025 = [0x10001, 0x10002, 0x10003, 0x10004, 0x10008, 0x1000c, 0x1000d].map((n) => VENDOR_DEFINED + n);
const ULONG_ATTRIBUTES_025 = [0xd0001, 0x1000a, 0x10005].map((n) => VENDOR_DEFINED + n);

function kindMap(dialect024: boolean): ReadonlyMap<number, AttributeValue['kind']> {
  const map = new Map<number, AttributeValue['kind']>();
  for (const t of BYTE_ATTRIBUTES_024) map.set(t, 'byte');
  for (const t of ULONG_ATTRIBUTES_024) map.set(t, 'ulong');
  map.set(CKA.WRAP_TEMPLATE, 'attributes').set(CKA.UNWRAP_TEMPLATE, 'attributes');
  map.set(CKA.ALLOWED_MECHANISMS, 'mechanisms');
  map.set(CKA.START_DATE, 'date').set(CKA.END_DATE, 'date');
  if (!dialect024) {
    for (const t of BYTE_ATTRIBUTES_025) map.set(t, 'byte');
    for (const t of ULONG_ATTRIBUTES_025) map.set(t, 'ulong');
    map.set(CKA.DERIVE_TEMPLATE, 'attributes');
  }
  return map;
}
const KINDS_024 = kindMap(true);
const KINDS_025 = kindMap(false);

/** How a value of attribute `type` travels for a client of `dialect`: every type not listed is a byte array. */
export function attributeKind(type: number, dialect: Dialect): AttributeValue['kind'] {
  return (dialect === 0 ? KINDS_024 : KINDS_025).get(type) ?? 'bytes';
}

const PSS: readonly number[] = [CKM.RSA_PKCS_PSS, CKM.SHA1_RSA_PKCS_PSS, CKM.SHA224_RSA_PKCS_PSS, CKM.SHA256_RSA_PKCS_PSS, CKM.SHA384_RSA_PKCS_PSS, CKM.SHA512_RSA_PKCS_PSS];
const AES_IV: readonly number[] = [CKM.AES_CBC, CKM.AES_CBC_PAD, CKM.AES_OFB, CKM.AES_CFB1, CKM.AES_CFB8, CKM.AES_CFB64, CKM.AES_CFB128, CKM.AES_CTS];
const DES_IV: readonly number[] = [CKM.DES_CBC, CKM.DES_CBC_PAD, CKM.DES3_CBC, CKM.DES3_CBC_PAD, CKM.DES_CFB8, CKM.DES_CFB64, CKM.DES_OFB64];
const MAC_GENERAL: readonly number[] = [
  CKM.SHA_1_HMAC_GENERAL, CKM.SHA224_HMAC_GENERAL, CKM.SHA256_HMAC_GENERAL, CKM.SHA384_HMAC_GENERAL, CKM.SHA512_HMAC_GENERAL,
  CKM.SHA512_224_HMAC_GENERAL, CKM.SHA512_256_HMAC_GENERAL, CKM.AES_MAC_GENERAL, CKM.AES_CMAC_GENERAL, CKM.DES3_MAC_GENERAL, CKM.DES3_CMAC_GENERAL,
];

/** The encoding of a mechanism's parameter: 'bytes' (a byte array) for every mechanism without one of its own. */
export function mechanismParamKind(type: number, dialect: Dialect): MechanismParams['kind'] {
  if (type === CKM.RSA_PKCS_PSS) return 'pss';
  if (type === CKM.RSA_PKCS_OAEP) return 'oaep';
  if (dialect === 0) return 'bytes';
  if (PSS.includes(type)) return 'pss';
  if (AES_IV.includes(type) || DES_IV.includes(type)) return 'iv';
  if (type === CKM.AES_CTR) return 'ctr';
  if (type === CKM.AES_GCM) return 'gcm';
  if (MAC_GENERAL.includes(type)) return 'mac-general';
  if (type === CKM.ECDH1_DERIVE || type === CKM.IBM_EC_X25519 || type === CKM.IBM_EC_X448) return 'ecdh';
  if (type === CKM.IBM_ATTRIBUTEBOUND_WRAP) return 'ulong';
  return 'bytes';
}

/** The IV length a mechanism with an IV parameter takes (AES: a 16-byte block, DES: 8). */
function ivBytesOf(type: number): number {
  return DES_IV.includes(type) ? 8 : 16;
}

// ---------------------------------------------------------------------------------------------
// Signatures

export type Token = 'y' | 'u' | 'z' | 's' | 'v' | 'M' | 'P' | 'ay' | 'au' | 'aA' | 'fy' | 'fu' | 'fA';

/** Splits a signature string into its elements. */
export function tokens(signature: string): Token[] {
  const out: Token[] = [];
  for (let i = 0; i < signature.length; i++) {
    const c = signature[i]!;
    if (c === 'a' || c === 'f') {
      const next = signature[i + 1];
      if (next !== 'y' && next !== 'u' && next !== 'A') throw new RpcProtocolError(`signature "${signature}": "${c}" must be followed by y, u or A`);
      out.push(`${c}${next}` as Token);
      i++;
    } else if ('yuzsvMP'.includes(c)) out.push(c as Token);
    else throw new RpcProtocolError(`signature "${signature}": unknown element "${c}"`);
  }
  return out;
}

const SIGNATURE_TOKENS = new Map<string, Token[]>();
function tokensOf(signature: string): Token[] {
  let t = SIGNATURE_TOKENS.get(signature);
  if (!t) SIGNATURE_TOKENS.set(signature, (t = tokens(signature)));
  return t;
}

// ---------------------------------------------------------------------------------------------
// Writing

class Writer {
  private chunks: Buffer[] = [];
  private size = 0;

  byte(v: number): void {
    if (!Number.isInteger(v) || v < 0 || v > 0xff) throw new RpcProtocolError(`a byte must be 0 to 255, not ${v}`);
    this.push(Buffer.of(v));
  }

  u32(v: number): void {
    if (!Number.isInteger(v) || v < 0 || v > 0xffffffff) throw new RpcProtocolError(`a 32-bit field must be 0 to 4294967295, not ${v}`);
    const b = Buffer.alloc(4);
    b.writeUInt32BE(v);
    this.push(b);
  }

  u64(v: bigint): void {
    if (typeof v !== 'bigint' || v < 0n || v >= 1n << 64n) throw new RpcProtocolError(`a CK_ULONG must be 0 to 2^64-1, not ${String(v)}`);
    const b = Buffer.alloc(8);
    b.writeBigUInt64BE(v);
    this.push(b);
  }

  array(bytes: Uint8Array | null): void {
    if (bytes === null) { this.u32(NULL_LENGTH); return; }
    if (bytes.length > MAX_ARRAY_LENGTH) throw new RpcProtocolError(`a byte array of ${bytes.length} bytes is too long for the protocol`);
    this.u32(bytes.length);
    this.push(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length));
  }

  done(): Buffer {
    return Buffer.concat(this.chunks, this.size);
  }

  private push(b: Buffer): void {
    this.chunks.push(b);
    this.size += b.length;
  }
}

function writeAttribute(w: Writer, a: Attribute, dialect: Dialect, depth: number): void {
  w.u32(a.type);
  if (a.unavailable) {
    w.byte(0);
    return;
  }
  w.byte(1);
  w.u32(a.length);
  const kind = attributeKind(a.type, dialect);
  const v = a.value;
  if (v.kind !== kind) throw new RpcProtocolError(`attribute 0x${a.type.toString(16)} travels as ${kind}, not ${v.kind}`);
  switch (v.kind) {
    case 'byte':
      w.byte(v.byte);
      break;
    case 'ulong':
      w.u64(v.ulong);
      break;
    case 'bytes':
      w.array(v.bytes);
      break;
    case 'date':
      if (v.date !== null && v.date.length !== 8) throw new RpcProtocolError(`a date is 8 bytes (YYYYMMDD), not ${v.date.length}`);
      w.array(v.date);
      break;
    case 'attributes':
      if (depth >= MAX_TEMPLATE_DEPTH) throw new RpcProtocolError(`templates nest at most ${MAX_TEMPLATE_DEPTH} deep`);
      w.u32(v.attributes.length);
      for (const inner of v.attributes) writeAttribute(w, inner, dialect, depth + 1);
      break;
    case 'mechanisms':
      w.u32(v.mechanisms.length);
      for (const m of v.mechanisms) w.u64(m);
  }
}

function writeMechanism(w: Writer, m: Mechanism, dialect: Dialect): void {
  w.u32(m.type);
  const kind = mechanismParamKind(m.type, dialect);
  const p = m.params;
  if (p.kind !== kind) throw new RpcProtocolError(`mechanism 0x${m.type.toString(16)} carries a ${kind} parameter, not ${p.kind}`);
  switch (p.kind) {
    case 'bytes':
      w.array(p.bytes);
      break;
    case 'pss':
      w.u64(p.hashAlg);
      w.u64(p.mgf);
      w.u64(p.saltLength);
      break;
    case 'oaep':
      w.u64(p.hashAlg);
      w.u64(p.mgf);
      w.u64(p.source);
      w.array(p.sourceData);
      break;
    case 'iv':
      if (p.iv.length !== ivBytesOf(m.type)) throw new RpcProtocolError(`mechanism 0x${m.type.toString(16)} takes a ${ivBytesOf(m.type)}-byte IV, not ${p.iv.length} bytes`);
      w.array(p.iv);
      break;
    case 'ctr':
      if (p.counterBlock.length !== 16) throw new RpcProtocolError(`the AES-CTR counter block is 16 bytes, not ${p.counterBlock.length}`);
      w.u64(p.counterBits);
      w.array(p.counterBlock);
      break;
    case 'gcm':
      w.array(p.iv);
      w.u64(p.ivBits);
      w.array(p.aad);
      w.u64(p.tagBits);
      break;
    case 'mac-general':
      w.u64(p.macLength);
      break;
    case 'ecdh':
      w.u64(p.kdf);
      w.array(p.sharedData);
      w.array(p.publicData);
      break;
    case 'ulong':
      w.u64(p.value);
  }
}

function wrong(token: Token, what: string): never {
  throw new RpcProtocolError(`element ${token} takes ${what}`);
}

function writeValue(w: Writer, token: Token, v: Value, dialect: Dialect): void {
  switch (token) {
    case 'y':
      if (typeof v !== 'number') wrong(token, 'a number');
      w.byte(v);
      break;
    case 'u':
      if (typeof v !== 'bigint') wrong(token, 'a bigint');
      w.u64(v);
      break;
    case 'z':
    case 's':
      if (!(v instanceof Uint8Array)) wrong(token, 'bytes');
      w.array(v);
      break;
    case 'v': {
      const ver = v as Partial<Version>;
      if (typeof ver.major !== 'number' || typeof ver.minor !== 'number') wrong(token, 'a version');
      w.byte(ver.major);
      w.byte(ver.minor);
      break;
    }
    case 'ay': {
      const a = v as Partial<ByteArray> & { length?: number };
      if (a.bytes === null) {
        w.byte(0);
        w.u32(a.length ?? wrong(token, 'a length with a null byte array'));
      } else if (a.bytes instanceof Uint8Array) {
        w.byte(1);
        w.array(a.bytes);
      } else wrong(token, 'a byte array');
      break;
    }
    case 'au': {
      const a = v as Partial<UlongArray> & { length?: number };
      if (a.values === null) {
        w.byte(0);
        w.u32(a.length ?? wrong(token, 'a count with a null ulong array'));
      } else if (Array.isArray(a.values)) {
        w.byte(1);
        w.u32(a.values.length);
        for (const x of a.values) w.u64(x);
      } else wrong(token, 'a ulong array');
      break;
    }
    case 'fy':
    case 'fu':
      if (typeof v !== 'number') wrong(token, 'a buffer length');
      w.u32(v);
      break;
    case 'fA':
      if (!Array.isArray(v)) wrong(token, 'attribute requests');
      w.u32(v.length);
      for (const r of v as AttributeRequest[]) {
        w.u32(r.type);
        w.u32(r.length);
      }
      break;
    case 'aA':
      if (!Array.isArray(v)) wrong(token, 'attributes');
      w.u32(v.length);
      for (const a of v as Attribute[]) writeAttribute(w, a, dialect, 0);
      break;
    case 'M':
      if (typeof v !== 'object' || !('params' in v)) wrong(token, 'a mechanism');
      writeMechanism(w, v, dialect);
      break;
    case 'P':
      throw new RpcProtocolError('mechanism parameter responses (element P) belong to protocol version 2, which this server does not speak');
  }
}

/** The body of a call's request or response: its id, signature and values in signature order. */
export function encodeMessage(callId: number, direction: 'request' | 'response', values: readonly Value[], dialect: Dialect = 0): Buffer {
  const call = CALLS[callId];
  if (!call) throw new RpcProtocolError(`no call ${callId}`);
  const signature = direction === 'request' ? call.request : call.response;
  const elements = tokensOf(signature);
  if (values.length !== elements.length) throw new RpcProtocolError(`${call.name} ${direction} has ${elements.length} values (${signature}), not ${values.length}`);
  const w = new Writer();
  w.u32(callId);
  w.array(Buffer.from(signature, 'latin1'));
  elements.forEach((token, i) => writeValue(w, token, values[i]!, dialect));
  return w.done();
}

/** The body that refuses a call with a CKR_* value. */
export function encodeError(ckr: number | bigint): Buffer {
  return encodeMessage(ERROR_CALL, 'response', [BigInt(ckr)]);
}

// ---------------------------------------------------------------------------------------------
// Reading

class Reader {
  offset = 0;

  constructor(
    private readonly data: Buffer,
    private readonly what: string,
  ) {}

  get remaining(): number {
    return this.data.length - this.offset;
  }

  private need(n: number, field: string): void {
    if (this.remaining < n) throw new RpcProtocolError(`${this.what}: the body ends inside ${field} (${n} bytes needed at offset ${this.offset}, ${this.remaining} left)`);
  }

  byte(field: string): number {
    this.need(1, field);
    return this.data[this.offset++]!;
  }

  u32(field: string): number {
    this.need(4, field);
    const v = this.data.readUInt32BE(this.offset);
    this.offset += 4;
    return v;
  }

  u64(field: string): bigint {
    this.need(8, field);
    const v = this.data.readBigUInt64BE(this.offset);
    this.offset += 8;
    return v;
  }

  /** A count of items of at least `itemBytes` each: refused when the body cannot hold them, before anything is allocated. */
  count(field: string, itemBytes: number): number {
    const n = this.u32(field);
    if (n * itemBytes > this.remaining) throw new RpcProtocolError(`${this.what}: ${field} claims ${n} items, more than the ${this.remaining} bytes left can hold`);
    return n;
  }

  array(field: string): Uint8Array | null {
    const length = this.u32(field);
    if (length === NULL_LENGTH) return null;
    if (length > MAX_ARRAY_LENGTH) throw new RpcProtocolError(`${this.what}: ${field} has the invalid length ${length}`);
    this.need(length, field);
    const out = new Uint8Array(this.data.subarray(this.offset, this.offset + length));
    this.offset += length;
    return out;
  }
}

/** The size a decoded value fills in the caller's buffer: it may not exceed the declared length. */
function decodedBytes(v: AttributeValue): number {
  switch (v.kind) {
    case 'byte':
      return 1;
    case 'ulong':
      return ULONG_BYTES;
    case 'bytes':
      return v.bytes?.length ?? 0;
    case 'date':
      return v.date?.length ?? 0;
    case 'attributes':
      return v.attributes.length * ATTRIBUTE_STRUCT_BYTES;
    case 'mechanisms':
      return v.mechanisms.length * ULONG_BYTES;
  }
}

function readAttribute(r: Reader, dialect: Dialect, depth: number): Attribute {
  const type = r.u32('an attribute type');
  const valid = r.byte('an attribute validity byte');
  if (valid === 0) return { type, unavailable: true };
  if (valid !== 1) throw new RpcProtocolError(`attribute 0x${type.toString(16)}: the validity byte is ${valid}, not 0 or 1`);
  const length = r.u32('an attribute length');
  const kind = attributeKind(type, dialect);
  const field = `the value of attribute 0x${type.toString(16)}`;
  let value: AttributeValue;
  switch (kind) {
    case 'byte':
      value = { kind, byte: r.byte(field) };
      break;
    case 'ulong':
      value = { kind, ulong: r.u64(field) };
      break;
    case 'bytes':
      value = { kind, bytes: r.array(field) };
      break;
    case 'date': {
      const date = r.array(field);
      if (date !== null && date.length !== 0 && date.length !== 8) throw new RpcProtocolError(`${field}: a date is 8 bytes (YYYYMMDD) or empty, not ${date.length} bytes`);
      value = { kind, date: date?.length ? date : null };
      break;
    }
    case 'attributes': {
      if (depth >= MAX_TEMPLATE_DEPTH) throw new RpcProtocolError(`${field}: templates nest at most ${MAX_TEMPLATE_DEPTH} deep`);
      const n = r.count(field, 5);
      const attributes: Attribute[] = [];
      for (let i = 0; i < n; i++) attributes.push(readAttribute(r, dialect, depth + 1));
      value = { kind, attributes };
      break;
    }
    case 'mechanisms': {
      const n = r.count(field, ULONG_BYTES);
      const mechanisms: bigint[] = [];
      for (let i = 0; i < n; i++) mechanisms.push(r.u64(field));
      value = { kind, mechanisms };
      break;
    }
  }
  if (decodedBytes(value) > length) throw new RpcProtocolError(`${field}: the value (${decodedBytes(value)} bytes) is longer than its declared length ${length}`);
  return { type, length, value };
}

function readMechanism(r: Reader, dialect: Dialect): Mechanism {
  const type = r.u32('a mechanism type');
  const field = `the parameter of mechanism 0x${type.toString(16)}`;
  const kind = mechanismParamKind(type, dialect);
  switch (kind) {
    case 'bytes':
      return { type, params: { kind, bytes: r.array(field) } };
    case 'pss':
      return { type, params: { kind, hashAlg: r.u64(field), mgf: r.u64(field), saltLength: r.u64(field) } };
    case 'oaep':
      return { type, params: { kind, hashAlg: r.u64(field), mgf: r.u64(field), source: r.u64(field), sourceData: r.array(field) } };
    case 'iv': {
      const iv = r.array(field);
      if (iv?.length !== ivBytesOf(type)) throw new RpcProtocolError(`${field}: the IV is ${ivBytesOf(type)} bytes, not ${iv?.length ?? 'absent'}`);
      return { type, params: { kind, iv } };
    }
    case 'ctr': {
      const counterBits = r.u64(field);
      const counterBlock = r.array(field);
      if (counterBlock?.length !== 16) throw new RpcProtocolError(`${field}: the counter block is 16 bytes, not ${counterBlock?.length ?? 'absent'}`);
      return { type, params: { kind, counterBits, counterBlock } };
    }
    case 'gcm':
      return { type, params: { kind, iv: r.array(field), ivBits: r.u64(field), aad: r.array(field), tagBits: r.u64(field) } };
    case 'mac-general':
      return { type, params: { kind, macLength: r.u64(field) } };
    case 'ecdh':
      return { type, params: { kind, kdf: r.u64(field), sharedData: r.array(field), publicData: r.array(field) } };
    case 'ulong':
      return { type, params: { kind, value: r.u64(field) } };
  }
}

function readValue(r: Reader, token: Token, dialect: Dialect): Value {
  switch (token) {
    case 'y':
      return r.byte('a byte');
    case 'u':
      return r.u64('a CK_ULONG');
    case 'z':
    case 's': {
      const bytes = r.array('a string');
      if (bytes === null) throw new RpcProtocolError('a string is a null pointer');
      return bytes;
    }
    case 'v':
      return { major: r.byte('a version'), minor: r.byte('a version') };
    case 'ay': {
      const valid = r.byte('a byte array presence byte');
      if (valid === 0) return { bytes: null, length: r.u32('a byte array length') };
      if (valid !== 1) throw new RpcProtocolError(`a byte array presence byte is ${valid}, not 0 or 1`);
      const bytes = r.array('a byte array');
      // p11-kit 0.25 sends a null pointer of length 0 as present, with the null length.
      return bytes === null ? { bytes: null, length: 0 } : { bytes };
    }
    case 'au': {
      const valid = r.byte('a ulong array presence byte');
      if (valid !== 0 && valid !== 1) throw new RpcProtocolError(`a ulong array presence byte is ${valid}, not 0 or 1`);
      if (valid === 0) return { values: null, length: r.u32('a ulong array count') };
      const n = r.count('a ulong array', ULONG_BYTES);
      const values: bigint[] = [];
      for (let i = 0; i < n; i++) values.push(r.u64('a ulong array'));
      return { values };
    }
    case 'fy':
    case 'fu':
      return r.u32('a buffer length');
    case 'fA': {
      const n = r.count('an attribute request list', 8);
      const out: AttributeRequest[] = [];
      for (let i = 0; i < n; i++) out.push({ type: r.u32('an attribute type'), length: r.u32('an attribute buffer length') });
      return out;
    }
    case 'aA': {
      const n = r.count('an attribute array', 5);
      const out: Attribute[] = [];
      for (let i = 0; i < n; i++) out.push(readAttribute(r, dialect, 0));
      return out;
    }
    case 'M':
      return readMechanism(r, dialect);
    case 'P':
      throw new RpcProtocolError('mechanism parameter responses (element P) belong to protocol version 2, which this server does not speak');
  }
}

export interface Message {
  call: CallSpec;
  values: Value[];
}

/**
 * Reads a body: the call, its signature (which must be the call's), and every value, with
 * nothing left over. Anything else is an RpcProtocolError that says what and where.
 */
export function decodeMessage(body: Buffer, direction: 'request' | 'response', dialect: Dialect = 0): Message {
  const r = new Reader(body, `${direction} body`);
  const callId = r.u32('the call id');
  const call = CALLS[callId];
  if (!call || (direction === 'request' && callId === ERROR_CALL)) throw new RpcProtocolError(`unknown call id ${callId} (this server knows 1 to ${CALLS.length - 1})`);
  const expected = direction === 'request' ? call.request : call.response;
  const sent = r.array('the signature');
  if (sent === null || Buffer.from(sent).toString('latin1') !== expected) {
    throw new RpcProtocolError(`${call.name}: the signature "${sent === null ? 'null' : Buffer.from(sent).toString('latin1')}" is not the call's "${expected}"`);
  }
  const values = tokensOf(expected).map((token) => readValue(r, token, dialect));
  if (r.remaining !== 0) throw new RpcProtocolError(`${call.name}: ${r.remaining} bytes follow the last value`);
  return { call, values };
}

// ---------------------------------------------------------------------------------------------
// Frames

export interface Frame {
  code: number;
  options: Buffer;
  body: Buffer;
}

export function encodeFrame(code: number, options: Uint8Array, body: Uint8Array): Buffer {
  const header = Buffer.alloc(FRAME_HEADER_BYTES);
  header.writeUInt32BE(code, 0);
  header.writeUInt32BE(options.length, 4);
  header.writeUInt32BE(body.length, 8);
  return Buffer.concat([header, options, body]);
}

/** Cuts a byte stream into frames as they complete; refuses a header that cannot be one. */
export class FrameReader {
  /** The bytes received and not yet cut into frames, as they came: joined once a frame is whole, not on every chunk. */
  private chunks: Buffer[] = [];
  private length = 0;

  push(chunk: Buffer): Frame[] {
    if (chunk.length > 0) {
      this.chunks.push(chunk);
      this.length += chunk.length;
    }
    const frames: Frame[] = [];
    for (;;) {
      if (this.length < FRAME_HEADER_BYTES) break;
      if (this.chunks[0]!.length < FRAME_HEADER_BYTES) this.chunks = [Buffer.concat(this.chunks)];
      const head = this.chunks[0]!;
      const code = head.readUInt32BE(0);
      const optionsLength = head.readUInt32BE(4);
      const bodyLength = head.readUInt32BE(8);
      if (code === 0) throw new RpcProtocolError('a frame with call code 0: the peer does not speak the p11-kit RPC protocol');
      if (optionsLength > MAX_OPTIONS_BYTES) throw new RpcProtocolError(`a frame's options block of ${optionsLength} bytes exceeds ${MAX_OPTIONS_BYTES}`);
      if (bodyLength > MAX_BODY_BYTES) throw new RpcProtocolError(`a frame body of ${bodyLength} bytes exceeds ${MAX_BODY_BYTES}`);
      const total = FRAME_HEADER_BYTES + optionsLength + bodyLength;
      if (this.length < total) break;
      const all = this.chunks.length === 1 ? head : Buffer.concat(this.chunks);
      frames.push({
        code,
        options: all.subarray(FRAME_HEADER_BYTES, FRAME_HEADER_BYTES + optionsLength),
        body: all.subarray(FRAME_HEADER_BYTES + optionsLength, total),
      });
      const rest = all.subarray(total);
      this.chunks = rest.length > 0 ? [rest] : [];
      this.length = rest.length;
    }
    return frames;
  }

  /** Bytes of an incomplete frame still waiting for the rest. */
  get buffered(): number {
    return this.length;
  }
}
