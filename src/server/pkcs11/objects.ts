/**
 * The PKCS #11 server's object calls: C_WrapKey and C_UnwrapKey (the core's `key wrap` and `key
 * unwrap`), C_DestroyObject (`key delete`), C_SetAttributeValue (`key set-attribute`, several at
 * once), C_CreateObject (public keys, as `key import pem` takes them), C_GetObjectSize,
 * C_SeedRandom, and a secret key's CKA_VALUE for C_GetAttributeValue. Each runs one core
 * operation, so ownership, the attribute rules, quorum and the audit log are the CLI's; this
 * module reads templates and mechanism parameters and names the core's refusals as the CloudHSM
 * PKCS #11 library does (PKCS #11 3.0 §5.7, §5.18), by the details the core gives them.
 */
import { createPublicKey } from 'node:crypto';
import { isHsmError } from '../../core/errors.js';
import { importPem, toPem } from '../../core/keys/files.js';
import type { KeyView } from '../../core/keys/model.js';
import { deleteKey, setAttributes } from '../../core/keys/operations.js';
import { readKeyValue } from '../../core/keys/plaintext.js';
import { byReference } from '../../core/keys/selector.js';
import { unwrapKey, wrapKey, type WrapParameters } from '../../core/keys/wrap.js';
import { OAEP_HASHES, mgf1Name } from '../../core/mechanisms/choices.js';
import { CURVES, type EcCurve, type HashName } from '../../core/mechanisms/table.js';
import { BOOLEANS, curveOfParams, derElement, keyAttribute, nativeOf, readKeyTemplate, readUlong } from './attributes.js';
import { CKA, CKO, CKR } from './constants.js';
import { hexOf, noParameter } from './crypto.js';
import { CkrError } from './errors.js';
import { WRAP_MECHANISMS, hashOfDigestMechanism, hashOfMgf, type WrapMechanismSpec } from './mechanisms.js';
import { bytesOf, type Attribute, type Mechanism, type Value } from './rpc.js';
import type { CallHost, CallTable, Login, Session11 } from './server.js';

const ulong = (n: number | bigint) => BigInt(n);

/** The mechanism's parameter in the core's terms; MECHANISM_PARAM_INVALID when it has none the server can read. */
function wrapParameters(spec: WrapMechanismSpec, mechanism: Mechanism, purpose: 'wrap' | 'unwrap'): WrapParameters {
  const p = mechanism.params;
  const name = `mechanism 0x${mechanism.type.toString(16)}`;
  switch (spec.params) {
    case 'none':
      noParameter(mechanism);
      return {};
    case 'oaep': {
      if (p.kind !== 'oaep') throw new CkrError(CKR.MECHANISM_PARAM_INVALID, 'CKM_RSA_PKCS_OAEP takes a CK_RSA_PKCS_OAEP_PARAMS');
      const hash = hashOfDigestMechanism(p.hashAlg);
      const mgf = hashOfMgf(p.mgf);
      const oaep = (h: HashName | undefined): h is HashName => h !== undefined && OAEP_HASHES.includes(h);
      // The CloudHSM library takes each SHA with its own MGF1, and no label.
      if (!oaep(hash) || !oaep(mgf) || (p.sourceData?.length ?? 0) > 0) {
        throw new CkrError(CKR.MECHANISM_PARAM_INVALID, `CK_RSA_PKCS_OAEP_PARAMS: hashAlg one of ${OAEP_HASHES.join(', ')} (CKM_SHA*), mgf a CKG_MGF1_SHA*, and no label (pSourceData empty)`);
      }
      return { hash, mgf: mgf1Name(mgf) };
    }
    case 'gcm': {
      if (p.kind !== 'gcm') throw new CkrError(CKR.MECHANISM_PARAM_INVALID, 'CKM_AES_GCM takes a CK_GCM_PARAMS, which p11-kit 0.24 does not forward (0.25 does)');
      if (purpose === 'wrap') {
        throw new CkrError(CKR.MECHANISM_PARAM_INVALID, 'CKM_AES_GCM wraps with an IV the HSM makes and writes back into pIV, which p11-kit does not carry back; wrap with CKM_CLOUDHSM_AES_GCM (the IV prepended)');
      }
      if (!p.iv || p.iv.length !== 12) throw new CkrError(CKR.MECHANISM_PARAM_INVALID, 'CK_GCM_PARAMS.pIv must be the 12-byte IV the wrap returned');
      return { iv: hexOf(p.iv), aad: p.aad?.length ? hexOf(p.aad) : undefined, tagLengthBits: Number(p.tagBits) };
    }
    case 'cloudhsm-gcm': {
      if (p.kind !== 'bytes') throw new CkrError(CKR.MECHANISM_PARAM_INVALID, `${name} takes a CK_GCM_PARAMS`);
      const raw = Buffer.from(p.bytes ?? new Uint8Array(0));
      if (raw.length === 0) return { tagLengthBits: 128 };
      // p11-kit 0.25 forwards a vendor mechanism's parameter as its bytes: a CK_GCM_PARAMS of
      // six 8-byte fields (pIv, ulIvLen, ulIvBits, pAAD, ulAADLen, ulTagBits). Pointers do not
      // cross the socket, so only a NULL IV and no AAD can be taken.
      if (raw.length !== 48 || raw.readBigUInt64LE(8) !== 0n || raw.readBigUInt64LE(32) !== 0n) {
        throw new CkrError(CKR.MECHANISM_PARAM_INVALID, `${name} through p11-kit takes no parameter (a 128-bit tag) or a CK_GCM_PARAMS with pIv NULL and no AAD`);
      }
      return { tagLengthBits: Number(raw.readBigUInt64LE(40)) };
    }
  }
}

/** The core's refusal of a wrap or unwrap as the CKR_* the library returns, by the attribute or key role it names. */
function wrapRefusal(err: unknown, call: 'wrap' | 'unwrap'): unknown {
  if (!isHsmError(err)) return err;
  const attribute = err.details?.attribute;
  const role = err.details?.role;
  let ckr: number | undefined;
  if (err.code === 'KEY_ATTRIBUTE_REFUSED') {
    if (attribute === 'extractable') ckr = CKR.KEY_UNEXTRACTABLE;
    else if (attribute === 'wrap-with-trusted') ckr = CKR.KEY_NOT_WRAPPABLE;
    else if (attribute === call) ckr = CKR.KEY_FUNCTION_NOT_PERMITTED;
    else if (call === 'unwrap') ckr = CKR.TEMPLATE_INCONSISTENT;
  } else if (err.code === 'INVALID_ARGUMENT') {
    if (role === 'wrapping-key') ckr = call === 'wrap' ? CKR.WRAPPING_KEY_TYPE_INCONSISTENT : CKR.UNWRAPPING_KEY_TYPE_INCONSISTENT;
    else if (role === 'payload') ckr = CKR.KEY_NOT_WRAPPABLE;
    else if (role === 'template') ckr = CKR.TEMPLATE_INCONSISTENT;
    else ckr = call === 'unwrap' ? CKR.WRAPPED_KEY_INVALID : CKR.MECHANISM_PARAM_INVALID;
  } else if (err.code === 'DECRYPTION_FAILED') ckr = CKR.WRAPPED_KEY_INVALID;
  return ckr === undefined ? err : new CkrError(ckr, err.message);
}

/** A change refused by C_DestroyObject or C_SetAttributeValue, as PKCS #11 names it. */
function changeRefusal(err: unknown): unknown {
  if (!isHsmError(err)) return err;
  let ckr: number | undefined;
  // Not the owner (a sharee), destroyable=false or modifiable=false: the object forbids the action.
  if (err.code === 'KEY_ACCESS_DENIED') ckr = CKR.ACTION_PROHIBITED;
  else if (err.code === 'KEY_ATTRIBUTE_REFUSED') ckr = err.details?.rule === 'read-only' ? CKR.ATTRIBUTE_READ_ONLY : CKR.ACTION_PROHIBITED;
  // CKA_TRUSTED: an admin's attribute, read-only to the crypto users PKCS #11 logs in.
  else if (err.code === 'PERMISSION_DENIED') ckr = CKR.ATTRIBUTE_READ_ONLY;
  else if (err.code === 'INVALID_ARGUMENT') ckr = CKR.ATTRIBUTE_VALUE_INVALID;
  return ckr === undefined ? err : new CkrError(ckr, err.message);
}

async function rethrowing<T>(work: Promise<T>, map: (err: unknown) => unknown): Promise<T> {
  try {
    return await work;
  } catch (err) {
    throw map(err);
  }
}

const CLASS_OF: Readonly<Record<number, 'secret-key' | 'private-key' | 'public-key'>> = { [CKO.SECRET_KEY]: 'secret-key', [CKO.PRIVATE_KEY]: 'private-key', [CKO.PUBLIC_KEY]: 'public-key' };
/** CKK_* of the key types a template may name here (KEY_TYPES' PKCS #11 numbers). */
const KEY_TYPE_OF: Readonly<Record<number, 'rsa' | 'ec' | 'aes' | 'generic-secret'>> = { 0: 'rsa', 3: 'ec', 31: 'aes', 16: 'generic-secret' };

/** A template's CKA_CLASS and CKA_KEY_TYPE, which say what it makes; TEMPLATE_INCOMPLETE without them. */
function classAndType(template: readonly Attribute[], call: string): { cls: number; keyType?: number } {
  const one = (type: number) => {
    const a = template.find((t) => t.type === type);
    const v = a ? nativeOf(a) : undefined;
    if (v !== undefined && v.length !== 8) throw new CkrError(CKR.ATTRIBUTE_VALUE_INVALID, `attribute 0x${type.toString(16)} is a CK_ULONG`);
    return v === undefined ? undefined : Number(readUlong(v));
  };
  const cls = one(CKA.CLASS);
  if (cls === undefined) throw new CkrError(CKR.TEMPLATE_INCOMPLETE, `${call} needs CKA_CLASS in the template`);
  return { cls, keyType: one(CKA.KEY_TYPE) };
}

/** The key a C_UnwrapKey template makes, in the core's unwrap terms. */
function readUnwrapTemplate(template: readonly Attribute[]) {
  const { cls, keyType } = classAndType(template, 'C_UnwrapKey');
  const keyClass = CLASS_OF[cls];
  if (keyClass !== 'secret-key' && keyClass !== 'private-key') throw new CkrError(CKR.TEMPLATE_INCONSISTENT, 'C_UnwrapKey makes a secret key (CKO_SECRET_KEY) or a private key (CKO_PRIVATE_KEY)');
  if (keyType === undefined) throw new CkrError(CKR.TEMPLATE_INCOMPLETE, 'C_UnwrapKey needs CKA_KEY_TYPE in the template');
  const type = KEY_TYPE_OF[keyType];
  const fits = keyClass === 'secret-key' ? type === 'aes' || type === 'generic-secret' : type === 'ec' || type === 'rsa';
  if (!type || !fits) throw new CkrError(CKR.TEMPLATE_INCONSISTENT, `CKA_KEY_TYPE ${keyType} is no ${keyClass} type the HSM unwraps (${keyClass === 'secret-key' ? 'CKK_AES or CKK_GENERIC_SECRET' : 'CKK_EC or CKK_RSA'})`);
  const t = readKeyTemplate(template, keyClass, type);
  return { ...t, keyTypeClass: keyClass === 'secret-key' ? type : `${type}-private` };
}

/** CKA_EC_POINT as given: the DER OCTET STRING PKCS #11 asks for, or (leniently) the bare point. */
function ecPoint(v: Uint8Array, curve: EcCurve): Uint8Array {
  const bare = 1 + 2 * CURVES[curve].bytes;
  if (v.length === bare) return v;
  const b = Buffer.from(v);
  if (b[0] === 0x04 && b.length === bare + 2 && b[1] === bare) return v.subarray(2);
  throw new CkrError(CKR.ATTRIBUTE_VALUE_INVALID, `CKA_EC_POINT must be the DER OCTET STRING of an uncompressed ${curve} point (${bare} bytes inside)`);
}

/** The SPKI PEM of a C_CreateObject public-key template, and the template's other terms. */
function publicKeyPem(template: readonly Attribute[], keyType: 'rsa' | 'ec'): { pem: string; rest: Attribute[] } {
  const take = (type: number) => {
    const a = template.find((t) => t.type === type);
    const v = a ? nativeOf(a) : undefined;
    if (!v || v.length === 0) throw new CkrError(CKR.TEMPLATE_INCOMPLETE, `an ${keyType === 'rsa' ? 'RSA' : 'EC'} public key needs attribute 0x${type.toString(16)} in the template`);
    return v;
  };
  const components: number[] = keyType === 'rsa' ? [CKA.MODULUS, CKA.PUBLIC_EXPONENT] : [CKA.EC_PARAMS, CKA.EC_POINT];
  const rest = template.filter((a) => !components.includes(a.type) && a.type !== CKA.CLASS && a.type !== CKA.KEY_TYPE);
  if (keyType === 'rsa') {
    const b64 = (v: Uint8Array) => Buffer.from(v).toString('base64url');
    try {
      const key = createPublicKey({ key: { kty: 'RSA', n: b64(take(CKA.MODULUS)), e: b64(take(CKA.PUBLIC_EXPONENT)) }, format: 'jwk' });
      return { pem: key.export({ type: 'spki', format: 'pem' }).toString(), rest };
    } catch (err) {
      if (err instanceof CkrError) throw err;
      throw new CkrError(CKR.ATTRIBUTE_VALUE_INVALID, 'CKA_MODULUS and CKA_PUBLIC_EXPONENT are no RSA public key');
    }
  }
  const params = take(CKA.EC_PARAMS);
  const curve = curveOfParams(params);
  if (!curve || !(curve in CURVES)) throw new CkrError(CKR.CURVE_NOT_SUPPORTED, 'CKA_EC_PARAMS names no curve the HSM imports (a named-curve OID of P-224, P-256, P-384, P-521 or secp256k1)');
  // RFC 5480: SubjectPublicKeyInfo { { id-ecPublicKey, the curve }, BIT STRING of the point }.
  const algorithm = derElement(0x30, Buffer.from('06072a8648ce3d0201', 'hex'), params);
  const spki = derElement(0x30, algorithm, derElement(0x03, Uint8Array.of(0), ecPoint(take(CKA.EC_POINT), curve as EcCurve)));
  return { pem: toPem('PUBLIC KEY', spki), rest };
}

/** A C_SetAttributeValue template as `key set-attribute` changes (name, value), each checked for its PKCS #11 form. */
function attributeChanges(key: KeyView, template: readonly Attribute[]): Array<{ name: string; value: string }> {
  return template.map((a) => {
    const v = nativeOf(a);
    const name = `attribute 0x${a.type.toString(16)}`;
    if (v === undefined) throw new CkrError(CKR.ATTRIBUTE_VALUE_INVALID, `${name} has no value in the template`);
    const flag = BOOLEANS.find(([t]) => t === a.type);
    if (flag) {
      if (v.length !== 1 || v[0]! > 1) throw new CkrError(CKR.ATTRIBUTE_VALUE_INVALID, `${name} is a CK_BBOOL: one byte, 0 or 1`);
      return { name: flag[1], value: v[0] === 1 ? 'true' : 'false' };
    }
    if (a.type === CKA.LABEL) return { name: 'label', value: Buffer.from(v).toString('utf8') };
    if (a.type === CKA.ID) return { name: 'id', value: hexOf(v) };
    if (keyAttribute(key, a.type) !== undefined) throw new CkrError(CKR.ATTRIBUTE_READ_ONLY, `${name} cannot be changed after the key is made`);
    throw new CkrError(CKR.ATTRIBUTE_TYPE_INVALID, `${name} is not an attribute of key ${key.ref}`);
  });
}

/**
 * Wrapped keys answered to a size query, kept for the call that follows it so one wrap is one
 * wrap (and one audit event). Kept for the login that made it: after a logout, another user
 * logging in on the same session gets a wrap of its own, under the core's rules for that user.
 */
const pendingWraps = new WeakMap<object, { id: string; login: Login; wrapped: Uint8Array }>();

/** A secret key's CKA_VALUE when the core gives it (non-sensitive, extractable, the caller's own), else undefined: the attribute stays sensitive. */
export async function readableValue(host: CallHost, l: Login, key: KeyView): Promise<Uint8Array | undefined> {
  if (key.class !== 'secret-key' || key.attributes.sensitive || !key.attributes.extractable) return undefined;
  try {
    return (await host.run(l, readKeyValue, { filter: byReference(key.ref) })).value;
  } catch (err) {
    if (isHsmError(err) && (err.code === 'KEY_ACCESS_DENIED' || err.code === 'KEY_ATTRIBUTE_REFUSED')) return undefined;
    throw err;
  }
}

/** The object calls, for the connection's call table. */
export function objectCalls(host: CallHost): CallTable {
  const opened = (handle: Value | undefined) => host.session(handle!);
  const writable = (s: Session11, token: boolean, what: string) => {
    if (token && !s.rw) throw new CkrError(CKR.SESSION_READ_ONLY, `${what} a token object in a read-write session (CKF_RW_SESSION)`);
  };
  /** A wrap or unwrap's session, login, mechanism and parameters. */
  const wrapping = (handle: Value | undefined, mech: Value | undefined, purpose: 'wrap' | 'unwrap') => {
    const s = opened(handle);
    const l = host.loginOf(s);
    const mechanism = mech as Mechanism;
    const spec = WRAP_MECHANISMS.get(mechanism.type);
    if (!spec) throw new CkrError(CKR.MECHANISM_INVALID, `mechanism 0x${mechanism.type.toString(16)} does not ${purpose} keys here; C_GetMechanismList gives the mechanisms (CKF_WRAP)`);
    return { s, l, mechanism, spec, params: wrapParameters(spec, mechanism, purpose) };
  };

  return {
    C_WrapKey: {
      kind: 'key',
      run: async ([handle, mech, wrappingHandle, keyHandle, room]) => {
        const { s, l, mechanism, spec, params } = wrapping(handle, mech, 'wrap');
        const wrappingKey = await host.key(l, wrappingHandle!, CKR.WRAPPING_KEY_HANDLE_INVALID);
        const payload = await host.key(l, keyHandle!, CKR.KEY_HANDLE_INVALID);
        // The keys' attributes are part of it: a key changed since (wrap, trusted, wrap-with-trusted) is wrapped again, under the rules as they are now.
        const id = JSON.stringify([mechanism.type, wrappingKey.ref, payload.ref, params, wrappingKey.attributes, payload.attributes]);
        let pending = pendingWraps.get(s);
        if (pending?.id !== id || pending.login !== l) {
          const input = { ...params, mechanism: spec.mechanism, payloadFilter: byReference(payload.ref), wrappingFilter: byReference(wrappingKey.ref) };
          pending = { id, login: l, wrapped: (await rethrowing(host.run(l, wrapKey, input), (err) => wrapRefusal(err, 'wrap'))).wrapped };
        }
        // A size query or too small a buffer keeps the wrapped key for the call that follows (PKCS #11 §5.2).
        const r = room as number;
        if (r === 0 || r < pending.wrapped.length) {
          pendingWraps.set(s, pending);
          return [{ bytes: null, length: pending.wrapped.length }];
        }
        pendingWraps.delete(s);
        return [{ bytes: pending.wrapped }];
      },
    },
    C_UnwrapKey: {
      kind: 'key',
      run: async ([handle, mech, unwrappingHandle, wrapped, template]) => {
        const { s, l, spec, params } = wrapping(handle, mech, 'unwrap');
        const t = readUnwrapTemplate(template as Attribute[]);
        // PKCS #11: CKA_TOKEN defaults to false, a session object.
        const token = t.token ?? false;
        writable(s, token, 'C_UnwrapKey makes');
        const key = await host.key(l, unwrappingHandle!, CKR.UNWRAPPING_KEY_HANDLE_INVALID);
        const input = {
          ...params,
          mechanism: spec.mechanism,
          filter: byReference(key.ref),
          data: bytesOf(wrapped),
          keyTypeClass: t.keyTypeClass,
          // The core needs a label; PKCS #11 makes it optional.
          label: t.label || 'pkcs11',
          attributes: t.idHex ? [...t.attributes, `id=0x${t.idHex}`] : t.attributes,
          session: !token,
          keyLengthBytes: t.valueLen,
        };
        const result = await rethrowing(host.run(l, unwrapKey, input), (err) => wrapRefusal(err, 'unwrap'));
        return [ulong(result.key.ref)];
      },
    },
    C_DestroyObject: {
      kind: 'object',
      run: async ([handle, object]) => {
        const s = opened(handle);
        const l = host.loginOf(s);
        const key = await host.key(l, object!, CKR.OBJECT_HANDLE_INVALID);
        writable(s, key.attributes.token, 'C_DestroyObject destroys');
        await rethrowing(host.run(l, deleteKey, { filter: byReference(key.ref) }), changeRefusal);
        return [];
      },
    },
    C_SetAttributeValue: {
      kind: 'object',
      run: async ([handle, object, template]) => {
        const s = opened(handle);
        const l = host.loginOf(s);
        const key = await host.key(l, object!, CKR.OBJECT_HANDLE_INVALID);
        const changes = attributeChanges(key, template as Attribute[]);
        // Making a session object a token object makes a token object.
        writable(s, key.attributes.token || changes.some((c) => c.name === 'token' && c.value === 'true'), 'C_SetAttributeValue changes or makes');
        if (changes.length === 0) return [];
        await rethrowing(host.run(l, setAttributes, { filter: byReference(key.ref), changes }), changeRefusal);
        return [];
      },
    },
    C_CreateObject: {
      kind: 'generate',
      run: async ([handle, template]) => {
        const s = opened(handle);
        const l = host.loginOf(s);
        const all = template as Attribute[];
        const { cls, keyType } = classAndType(all, 'C_CreateObject');
        if (cls === CKO.SECRET_KEY || cls === CKO.PRIVATE_KEY) {
          throw new CkrError(CKR.TEMPLATE_INCONSISTENT, 'key material enters the HSM wrapped: C_UnwrapKey takes secret and private keys (C_CreateObject takes public keys)');
        }
        if (cls !== CKO.PUBLIC_KEY) throw new CkrError(CKR.ATTRIBUTE_VALUE_INVALID, `the HSM holds keys only; CKA_CLASS ${cls} is no object it stores (C_CreateObject takes CKO_PUBLIC_KEY)`);
        const type = keyType === undefined ? undefined : KEY_TYPE_OF[keyType];
        if (type !== 'rsa' && type !== 'ec') throw new CkrError(keyType === undefined ? CKR.TEMPLATE_INCOMPLETE : CKR.TEMPLATE_INCONSISTENT, 'C_CreateObject takes an RSA or EC public key (CKA_KEY_TYPE CKK_RSA or CKK_EC)');
        const { pem, rest } = publicKeyPem(all, type);
        const t = readKeyTemplate(rest, 'public-key', type);
        const token = t.token ?? false;
        writable(s, token, 'C_CreateObject makes');
        const input = {
          pem,
          label: t.label || 'pkcs11',
          keyTypeClass: `${type}-public`,
          attributes: t.idHex ? [...t.attributes, `id=0x${t.idHex}`] : t.attributes,
          session: !token,
        };
        const result = await host.run(l, importPem, input);
        return [ulong(result.key.ref)];
      },
    },
    C_GetObjectSize: {
      kind: 'object',
      run: async ([handle, object]) => {
        const key = await host.key(host.loginOf(opened(handle)), object!, CKR.OBJECT_HANDLE_INVALID);
        return [ulong(key.keyLengthBytes)];
      },
    },
    C_SeedRandom: {
      kind: 'general',
      run: ([handle]) => {
        opened(handle);
        // As HSMs do: the random generator takes no seed from applications.
        throw new CkrError(CKR.RANDOM_SEED_NOT_SUPPORTED, 'the HSM\'s random generator takes no seed');
      },
    },
  };
}
