/**
 * The PKCS #11 server's secret-key and data calls: C_GenerateKey (AES, generic secret), the
 * Encrypt and Decrypt families (CKM_AES_GCM, CKM_AES_CBC, CKM_AES_CBC_PAD, CKM_RSA_PKCS_OAEP),
 * HMAC through C_Sign / C_Verify (CKM_SHA*_HMAC and _GENERAL) and the Digest family. Like the
 * rest of the server, each call that touches the HSM is one of the core's operations run through
 * `perform()` (generateSymmetric, encrypt, decrypt, hmacGenerate, hmacVerify, digest), so the
 * attribute, ownership, sharing and key-transport rules are the CLI's.
 *
 * A session runs one cryptographic operation at a time (as the CloudHSM library and SoftHSM do):
 * an active signature, encryption, decryption, digest or HMAC refuses the start of another with
 * CKR_OPERATION_ACTIVE. Output buffers follow PKCS #11 §5.2 as p11-kit carries them: a caller
 * with no room (a NULL buffer, which p11-kit sends as room 0) gets the length and the operation
 * goes on; too little room gets the length the same way, which p11-kit's client turns into
 * CKR_BUFFER_TOO_SMALL, and the operation goes on; any other refusal ends the operation.
 *
 * Multi-part operations: AES-CBC streams whole blocks through the core (each part's IV is the
 * previous part's last ciphertext block, so the bytes are those of one call; a padded decryption
 * holds back its last block for C_DecryptFinal); AES-GCM, HMAC and digests gather their parts and
 * run once at the end (GCM releases no plaintext before its tag is checked); RSA-OAEP is
 * single-part only.
 *
 * AES-GCM uses the application's IV. The CloudHSM library ignores it and writes the IV the HSM
 * generates back into CK_GCM_PARAMS.pIv; p11-kit's protocol (version 0, which this server speaks)
 * has no way to send a parameter back, so the application's IV is the one both sides know.
 */
import { generateSymmetric } from '../../core/keys/generate.js';
import { decrypt, digest, encrypt, hmacGenerate, hmacVerify, type CipherInput } from '../../core/keys/data-operations.js';
import { byReference } from '../../core/keys/selector.js';
import { mgf1Name, GCM_TAG_BITS } from '../../core/mechanisms/choices.js';
import { AES_BLOCK_BYTES, AES_KEY_BYTES, GENERIC_SECRET_BYTES, HASHES, HMAC_MIN_MAC_BYTES, type HashName } from '../../core/mechanisms/table.js';
import type { AesPadding } from '../../core/mechanisms/provider.js';
import { readKeyTemplate } from './attributes.js';
import { CKR, CKZ_DATA_SPECIFIED } from './constants.js';
import { CkrError } from './errors.js';
import { CIPHER_MECHANISMS, DIGEST_MECHANISMS, HMAC_MECHANISMS, KEY_GEN_MECHANISMS, hashOfMgf, oaepHashOfDigestMechanism, type CipherMechanismSpec, type HmacMechanismSpec } from './mechanisms.js';
import { bytesOf, type Attribute, type Mechanism, type Value } from './rpc.js';
import type { CallHost, CallTable, Handler, Session11 } from './server.js';

/** The most data a multi-part operation gathers before its final call (the signatures' limit too). */
const MAX_GATHERED_BYTES = 64 * 1024 * 1024;
/** The longest GCM IV taken: far beyond the 12 bytes GCM is built for (SP 800-38D §8.2), and bounded. */
export const MAX_GCM_IV_BYTES = 256;

// ---------------------------------------------------------------------------------------------
// Mechanism parameters

export type CipherParams =
  | { kind: 'gcm'; iv: Uint8Array; aad: Uint8Array; tagBytes: number }
  | { kind: 'cbc'; iv: Uint8Array }
  | { kind: 'oaep'; hash: HashName; mgf: HashName; label: Uint8Array };

/** Bytes as the core's hex parameters take them (0x…). */
export const hexOf = (bytes: Uint8Array) => `0x${Buffer.from(bytes).toString('hex')}`;
const paramInvalid = (message: string) => new CkrError(CKR.MECHANISM_PARAM_INVALID, message);
const mechanismName = (type: number) => `mechanism 0x${type.toString(16)}`;

/** Refuses a parameter given to a mechanism that takes none (CKR_MECHANISM_PARAM_INVALID). */
export function noParameter(m: Mechanism): void {
  if (m.params.kind !== 'bytes' || (m.params.bytes?.length ?? 0) > 0) throw paramInvalid(`${mechanismName(m.type)} takes no parameter`);
}

/**
 * A C_EncryptInit / C_DecryptInit mechanism and its parameter, checked: CKR_MECHANISM_INVALID for
 * a mechanism that does not encrypt here, CKR_MECHANISM_PARAM_INVALID for a parameter that is not
 * the mechanism's or holds values the HSM does not take.
 */
export function readCipherMechanism(m: Mechanism): { spec: CipherMechanismSpec; params: CipherParams } {
  const spec = CIPHER_MECHANISMS.get(m.type);
  if (!spec) throw new CkrError(CKR.MECHANISM_INVALID, `${mechanismName(m.type)} does not encrypt or decrypt here; C_GetMechanismList gives the mechanisms`);
  const p = m.params;
  switch (spec.mechanism) {
    case 'aes-gcm': {
      if (p.kind !== 'gcm') throw paramInvalid('CKM_AES_GCM takes a CK_GCM_PARAMS (p11-kit forwards it from version 0.25 on)');
      const iv = p.iv ?? new Uint8Array(0);
      if (iv.length < 1 || iv.length > MAX_GCM_IV_BYTES) throw paramInvalid(`the GCM IV is ${iv.length} bytes; give 1 to ${MAX_GCM_IV_BYTES} (12 is GCM's own size)`);
      // ulIvBits is not used to size the IV (PKCS #11 3.0 §2.12.3): ulIvLen does.
      if (!GCM_TAG_BITS.some((bits) => BigInt(bits) === p.tagBits)) throw paramInvalid(`ulTagBits is ${String(p.tagBits)}; the HSM takes ${GCM_TAG_BITS.join(', ')}`);
      return { spec, params: { kind: 'gcm', iv, aad: p.aad ?? new Uint8Array(0), tagBytes: Number(p.tagBits) / 8 } };
    }
    case 'aes-cbc': {
      // The IV is the parameter itself: p11-kit 0.25 sends it as an IV (checked for 16 bytes by the codec); an older client's byte array is the same bytes.
      const iv = p.kind === 'iv' ? p.iv : p.kind === 'bytes' ? p.bytes : null;
      if (iv?.length !== AES_BLOCK_BYTES) throw paramInvalid(`AES-CBC takes a ${AES_BLOCK_BYTES}-byte IV as its parameter`);
      return { spec, params: { kind: 'cbc', iv } };
    }
    default: {
      if (p.kind !== 'oaep') throw paramInvalid('CKM_RSA_PKCS_OAEP takes a CK_RSA_PKCS_OAEP_PARAMS');
      const hash = oaepHashOfDigestMechanism(p.hashAlg);
      const mgf = hashOfMgf(p.mgf);
      if (!hash) throw paramInvalid('CK_RSA_PKCS_OAEP_PARAMS.hashAlg must be CKM_SHA_1, CKM_SHA224, CKM_SHA256, CKM_SHA384 or CKM_SHA512');
      if (!mgf || !HASHES[mgf].oaep) throw paramInvalid('CK_RSA_PKCS_OAEP_PARAMS.mgf must be a CKG_MGF1_SHA1 or CKG_MGF1_SHA2* generator');
      const label = p.sourceData ?? new Uint8Array(0);
      // CKZ_DATA_SPECIFIED is the one source PKCS #11 defines; 0 is taken for "no label" as many programs send it.
      if (p.source !== BigInt(CKZ_DATA_SPECIFIED) && !(p.source === 0n && label.length === 0)) throw paramInvalid('CK_RSA_PKCS_OAEP_PARAMS.source must be CKZ_DATA_SPECIFIED');
      return { spec, params: { kind: 'oaep', hash, mgf, label } };
    }
  }
}

/** A C_SignInit / C_VerifyInit HMAC mechanism's MAC length in bytes: the hash's, or the _GENERAL parameter's. */
export function readHmacMechanism(m: Mechanism): { spec: HmacMechanismSpec; macBytes: number } | undefined {
  const spec = HMAC_MECHANISMS.get(m.type);
  if (!spec) return undefined;
  const full = HASHES[spec.hash].bytes;
  if (!spec.general) {
    noParameter(m);
    return { spec, macBytes: full };
  }
  const p = m.params;
  // p11-kit 0.25 sends CK_MAC_GENERAL_PARAMS as a ulong; an older client's byte array is the native CK_ULONG.
  const length = p.kind === 'mac-general' ? p.macLength : p.kind === 'bytes' && p.bytes?.length === 8 ? Buffer.from(p.bytes).readBigUInt64LE(0) : undefined;
  // RFC 2104 §5 as the core applies it: at least half the hash and at least 80 bits.
  const floor = Math.max(HMAC_MIN_MAC_BYTES, full / 2);
  if (length === undefined || length < BigInt(floor) || length > BigInt(full)) throw paramInvalid(`the HMAC length of ${mechanismName(m.type)} is ${floor} to ${full} bytes (a CK_MAC_GENERAL_PARAMS)`);
  return { spec, macBytes: Number(length) };
}

// ---------------------------------------------------------------------------------------------
// Operations

interface CipherOperation {
  purpose: 'encrypt' | 'decrypt';
  spec: CipherMechanismSpec;
  params: CipherParams;
  keyRef: number;
  /** RSA: the modulus in bytes. */
  modulusBytes: number;
  /** Whether C_*Update has been called: the operation then ends with C_*Final only. */
  multi: boolean;
  /** AES-GCM: the parts gathered so far. */
  parts: Buffer[];
  gathered: number;
  /** AES-CBC: bytes short of a whole block (or, decrypting with padding, the block held back). */
  carry: Buffer;
}

interface GatheringOperation {
  purpose: 'digest' | 'sign' | 'verify';
  hash: HashName;
  /** HMAC (sign, verify): the key and MAC length. */
  keyRef?: number;
  macBytes?: number;
  multi: boolean;
  parts: Buffer[];
  gathered: number;
}

type CryptoOperation = CipherOperation | GatheringOperation;

/** How much output a call makes: exactly `exact` bytes, or at most `upper` (known only once done). */
type OutputSize = { exact: number } | { upper: number };

/** The calls this module answers; `base` holds the server's own C_Sign* / C_Verify* for the asymmetric mechanisms. */
export function cryptoCalls(host: CallHost, base: CallTable): CallTable {
  return new CryptoCalls(host, base).table();
}

class CryptoCalls {
  /** The active operation of each session (dropped with the session). */
  private readonly operations = new WeakMap<Session11, CryptoOperation>();

  constructor(
    private readonly host: CallHost,
    private readonly base: CallTable,
  ) {
    host.countHeld((s) => {
      const op = this.operations.get(s);
      return op ? op.gathered + ('carry' in op ? op.carry.length : 0) : 0;
    });
    host.onLoginEnd((s) => this.operations.delete(s));
  }

  table(): CallTable {
    const h = this.host;
    const key = (run: Handler) => ({ kind: 'key' as const, run });
    const general = (run: Handler) => ({ kind: 'general' as const, run });
    /** A sign/verify call: HMAC when the session's operation is one, else the server's own handler. */
    const macOr = (name: string, purpose: 'sign' | 'verify', run: (s: Session11, op: GatheringOperation, values: Value[]) => Promise<Value[]> | Value[]) => ({
      kind: 'key' as const,
      run: (values: Value[]) => {
        const s = h.session(values[0]!);
        const op = this.operations.get(s);
        if (op?.purpose === purpose) return run(s, op, values);
        return this.base[name]!.run(values);
      },
    });
    return {
      C_GenerateKey: { kind: 'generate', run: ([s, m, t]) => this.generateKey(h.session(s!), m as Mechanism, t as Attribute[]) },
      C_EncryptInit: key(([s, m, k]) => this.cipherInit(h.session(s!), 'encrypt', m as Mechanism, k!)),
      C_Encrypt: key(([s, data, room]) => this.cipherAll(h.session(s!), 'encrypt', bytesOf(data), room as number)),
      C_EncryptUpdate: key(([s, data, room]) => this.cipherUpdate(h.session(s!), 'encrypt', bytesOf(data), room as number)),
      C_EncryptFinal: key(([s, room]) => this.cipherFinal(h.session(s!), 'encrypt', room as number)),
      C_DecryptInit: key(([s, m, k]) => this.cipherInit(h.session(s!), 'decrypt', m as Mechanism, k!)),
      C_Decrypt: key(([s, data, room]) => this.cipherAll(h.session(s!), 'decrypt', bytesOf(data), room as number)),
      C_DecryptUpdate: key(([s, data, room]) => this.cipherUpdate(h.session(s!), 'decrypt', bytesOf(data), room as number)),
      C_DecryptFinal: key(([s, room]) => this.cipherFinal(h.session(s!), 'decrypt', room as number)),
      C_DigestInit: general(([s, m]) => this.digestInit(h.session(s!), m as Mechanism)),
      C_Digest: general(([s, data, room]) => this.digestCall(s!, (session, op) => this.gatheredAll(session, op, bytesOf(data), room as number, false))),
      C_DigestUpdate: general(([s, data]) => this.digestCall(s!, (session, op) => this.gather(session, op, bytesOf(data)))),
      C_DigestFinal: general(([s, room]) => this.digestCall(s!, (session, op) => this.gatheredAll(session, op, new Uint8Array(0), room as number, true))),
      C_SignInit: key((values) => this.macInit(values, 'sign', 'C_SignInit')),
      C_VerifyInit: key((values) => this.macInit(values, 'verify', 'C_VerifyInit')),
      C_Sign: macOr('C_Sign', 'sign', (s, op, [, data, room]) => this.gatheredAll(s, op, bytesOf(data), room as number, false)),
      C_SignUpdate: macOr('C_SignUpdate', 'sign', (s, op, [, data]) => this.gather(s, op, bytesOf(data))),
      C_SignFinal: macOr('C_SignFinal', 'sign', (s, op, [, room]) => this.gatheredAll(s, op, new Uint8Array(0), room as number, true)),
      C_Verify: macOr('C_Verify', 'verify', (s, op, [, data, mac]) => this.macVerify(s, op, bytesOf(data), bytesOf(mac), false)),
      C_VerifyUpdate: macOr('C_VerifyUpdate', 'verify', (s, op, [, data]) => this.gather(s, op, bytesOf(data))),
      C_VerifyFinal: macOr('C_VerifyFinal', 'verify', (s, op, [, mac]) => this.macVerify(s, op, new Uint8Array(0), bytesOf(mac), true)),
    };
  }

  /** Refuses to start an operation while one (this module's or the server's signature) is active. */
  private idle(s: Session11): void {
    const active = this.operations.get(s)?.purpose ?? s.operation?.purpose;
    if (active) throw new CkrError(CKR.OPERATION_ACTIVE, `a ${active} operation is already active in this session; finish it first`);
  }

  private active(s: Session11, purpose: CryptoOperation['purpose']): CryptoOperation {
    const op = this.operations.get(s);
    if (op?.purpose !== purpose) throw new CkrError(CKR.OPERATION_NOT_INITIALIZED, `no ${purpose} operation is active in this session (C_${purpose[0]!.toUpperCase()}${purpose.slice(1)}Init starts one)`);
    return op;
  }

  private end(s: Session11): void {
    this.operations.delete(s);
  }

  /**
   * Answers a call that makes output: its length alone when the caller has no room or too
   * little (the operation goes on, nothing is consumed), else the bytes, after `commit`. A
   * refusal while making them ends the operation.
   */
  private async deliver(s: Session11, room: number, size: OutputSize, make: () => Promise<Uint8Array>, commit: () => void): Promise<Value[]> {
    const expected = 'exact' in size ? size.exact : size.upper;
    if (room === 0 || ('exact' in size && room < size.exact)) return [{ bytes: null, length: expected }];
    let out: Uint8Array;
    try {
      out = await make();
    } catch (err) {
      this.end(s);
      throw err;
    }
    if (out.length > room) return [{ bytes: null, length: out.length }];
    commit();
    return [{ bytes: out }];
  }

  // -- C_GenerateKey ---------------------------------------------------------------------------

  private async generateKey(s: Session11, mechanism: Mechanism, template: Attribute[]): Promise<Value[]> {
    const l = this.host.loginOf(s);
    const keyType = KEY_GEN_MECHANISMS.get(mechanism.type);
    if (!keyType) throw new CkrError(CKR.MECHANISM_INVALID, `${mechanismName(mechanism.type)} does not generate secret keys (CKM_AES_KEY_GEN or CKM_GENERIC_SECRET_KEY_GEN do)`);
    noParameter(mechanism);
    const t = readKeyTemplate(template, 'secret-key', keyType);
    if (t.valueLen === undefined) throw new CkrError(CKR.TEMPLATE_INCOMPLETE, 'a secret key needs CKA_VALUE_LEN, its length in bytes');
    const sizes = keyType === 'aes' ? { ok: AES_KEY_BYTES.includes(t.valueLen), text: AES_KEY_BYTES.join(', ') } : { ok: t.valueLen >= GENERIC_SECRET_BYTES.min && t.valueLen <= GENERIC_SECRET_BYTES.max, text: `${GENERIC_SECRET_BYTES.min} to ${GENERIC_SECRET_BYTES.max}` };
    if (!sizes.ok) throw new CkrError(CKR.ATTRIBUTE_VALUE_INVALID, `CKA_VALUE_LEN of ${t.valueLen} bytes: a${keyType === 'aes' ? 'n AES key' : ' generic secret'} is ${sizes.text} bytes`);
    // PKCS #11: CKA_TOKEN defaults to false, a session object.
    const token = t.token ?? false;
    if (token && !s.rw) throw new CkrError(CKR.SESSION_READ_ONLY, 'token objects are made in a read-write session (CKF_RW_SESSION)');
    const { key } = await this.host.run(l, generateSymmetric, {
      keyType,
      // The core needs a label; PKCS #11 makes it optional.
      label: t.label || 'pkcs11',
      keyLengthBytes: t.valueLen,
      session: !token,
      attributes: t.idHex ? [...t.attributes, `id=0x${t.idHex}`] : t.attributes,
    });
    return [BigInt(key.ref)];
  }

  // -- Encrypt and Decrypt ---------------------------------------------------------------------

  private async cipherInit(s: Session11, purpose: 'encrypt' | 'decrypt', mechanism: Mechanism, handle: Value): Promise<Value[]> {
    const l = this.host.loginOf(s);
    this.idle(s);
    const { spec, params } = readCipherMechanism(mechanism);
    const key = await this.host.key(l, handle, CKR.KEY_HANDLE_INVALID);
    const wantClass = spec.keyType === 'aes' ? 'secret-key' : purpose === 'encrypt' ? 'public-key' : 'private-key';
    if (key.keyType !== spec.keyType || key.class !== wantClass) {
      throw new CkrError(CKR.KEY_TYPE_INCONSISTENT, `key ${key.ref} is a ${key.keyType} ${key.class}; this mechanism ${purpose}s with a${spec.keyType === 'aes' ? 'n AES secret key' : `n RSA ${wantClass}`}`);
    }
    // The core refuses too; PKCS #11 names the refusal at C_*Init.
    if (!key.attributes[purpose]) throw new CkrError(CKR.KEY_FUNCTION_NOT_PERMITTED, `key ${key.ref} has CKA_${purpose.toUpperCase()} false`);
    const modulusBytes = Math.ceil((key.modulusSizeBits ?? 0) / 8);
    this.operations.set(s, { purpose, spec, params, keyRef: key.ref, modulusBytes, multi: false, parts: [], gathered: 0, carry: Buffer.alloc(0) });
    return [];
  }

  private cipherOp(s: Session11, purpose: 'encrypt' | 'decrypt'): CipherOperation {
    return this.active(s, purpose) as CipherOperation;
  }

  /** A length refusal, which ends the operation. */
  /** The connection's budget for `more` bytes of this session's operation; refused, the operation ends. */
  private reserveFor(s: Session11, more: number): void {
    try {
      this.host.reserve(more);
    } catch (err) {
      this.end(s);
      throw err;
    }
  }

  private refuseLength(s: Session11, purpose: 'encrypt' | 'decrypt', message: string): never {
    this.end(s);
    throw new CkrError(purpose === 'encrypt' ? CKR.DATA_LEN_RANGE : CKR.ENCRYPTED_DATA_LEN_RANGE, message);
  }

  /** The core's encrypt or decrypt of `data` under the operation, with an IV and padding that may differ from the parameter's (CBC parts). */
  private async core(s: Session11, op: CipherOperation, data: Uint8Array, cbc?: { iv: Uint8Array; padding: AesPadding }): Promise<Uint8Array> {
    const l = this.host.loginOf(s);
    const input: Omit<CipherInput, 'clusterId'> = { mechanism: op.spec.mechanism, keyFilter: byReference(op.keyRef), data };
    const p = op.params;
    if (p.kind === 'cbc') Object.assign(input, { iv: hexOf(cbc?.iv ?? p.iv), padding: cbc?.padding ?? op.spec.padding });
    if (p.kind === 'oaep') Object.assign(input, { hash: p.hash, mgf: mgf1Name(p.mgf), oaepLabel: p.label.length > 0 ? hexOf(p.label) : undefined });
    if (p.kind === 'gcm') {
      Object.assign(input, { iv: hexOf(p.iv), aad: hexOf(p.aad) });
      if (op.purpose === 'encrypt') {
        const r = (await this.host.run(l, encrypt, { ...input, tagLengthBits: p.tagBytes * 8 })) as { ciphertext: Uint8Array; tag: Uint8Array };
        // PKCS #11: the ciphertext followed by the tag.
        return new Uint8Array(Buffer.concat([r.ciphertext, r.tag]));
      }
      const tag = data.subarray(data.length - p.tagBytes);
      const r = await this.host.run(l, decrypt, { ...input, data: data.subarray(0, data.length - p.tagBytes), tag: hexOf(tag) });
      return (r as { plaintext: Uint8Array }).plaintext;
    }
    if (op.purpose === 'encrypt') return ((await this.host.run(l, encrypt, input)) as { ciphertext: Uint8Array }).ciphertext;
    return ((await this.host.run(l, decrypt, input)) as { plaintext: Uint8Array }).plaintext;
  }

  /** The output size of a whole message `n` bytes long, or a refusal of its length (ending the operation). */
  private wholeSize(s: Session11, op: CipherOperation, n: number): OutputSize {
    const p = op.params;
    const block = AES_BLOCK_BYTES;
    if (op.purpose === 'encrypt') {
      if (p.kind === 'gcm') return { exact: n + p.tagBytes };
      if (p.kind === 'oaep') {
        const max = op.modulusBytes - 2 * HASHES[p.hash].bytes - 2;
        if (n > max) this.refuseLength(s, 'encrypt', `RSA-OAEP with ${p.hash} and this ${op.modulusBytes * 8}-bit key encrypts at most ${max} bytes, not ${n}`);
        return { exact: op.modulusBytes };
      }
      if (op.spec.padding === 'pkcs7') return { exact: (Math.floor(n / block) + 1) * block };
      if (n % block !== 0) this.refuseLength(s, 'encrypt', `CKM_AES_CBC encrypts whole ${block}-byte blocks; ${n} bytes is not (CKM_AES_CBC_PAD pads)`);
      return { exact: n };
    }
    if (p.kind === 'gcm') {
      if (n < p.tagBytes) this.refuseLength(s, 'decrypt', `the ciphertext of ${n} bytes is shorter than the ${p.tagBytes}-byte tag it ends with`);
      return { exact: n - p.tagBytes };
    }
    if (p.kind === 'oaep') {
      if (n !== op.modulusBytes) this.refuseLength(s, 'decrypt', `an RSA-OAEP ciphertext of this key is ${op.modulusBytes} bytes, not ${n}`);
      return { upper: op.modulusBytes - 2 * HASHES[p.hash].bytes - 2 };
    }
    if (n % block !== 0 || (op.spec.padding === 'pkcs7' && n === 0)) this.refuseLength(s, 'decrypt', `an AES-CBC ciphertext is whole ${block}-byte blocks${op.spec.padding === 'pkcs7' ? ', at least one' : ''}; ${n} bytes is not`);
    return op.spec.padding === 'pkcs7' ? { upper: n } : { exact: n };
  }

  private cipherAll(s: Session11, purpose: 'encrypt' | 'decrypt', data: Uint8Array, room: number): Promise<Value[]> {
    const op = this.cipherOp(s, purpose);
    if (op.multi) throw new CkrError(CKR.OPERATION_ACTIVE, `a multi-part ${purpose}ion ends with C_${purpose === 'encrypt' ? 'Encrypt' : 'Decrypt'}Final`);
    const size = this.wholeSize(s, op, data.length);
    return this.deliver(s, room, size, () => this.core(s, op, data), () => this.end(s));
  }

  private cipherUpdate(s: Session11, purpose: 'encrypt' | 'decrypt', data: Uint8Array, room: number): Promise<Value[]> {
    const op = this.cipherOp(s, purpose);
    const p = op.params;
    if (p.kind === 'oaep') {
      this.end(s);
      throw new CkrError(CKR.FUNCTION_NOT_SUPPORTED, `RSA-OAEP ${purpose}s in one part (C_${purpose === 'encrypt' ? 'Encrypt' : 'Decrypt'})`);
    }
    if (op.gathered + op.carry.length + data.length > MAX_GATHERED_BYTES) this.refuseLength(s, purpose, `a multi-part ${purpose}ion takes at most ${MAX_GATHERED_BYTES} bytes`);
    this.reserveFor(s, data.length);
    if (p.kind === 'gcm') {
      // Gathered for the final call: GCM's tag covers the whole message.
      return this.deliver(s, room, { exact: 0 }, async () => new Uint8Array(0), () => {
        op.multi = true;
        op.parts.push(Buffer.from(data));
        op.gathered += data.length;
      });
    }
    // AES-CBC: whole blocks now; a padded decryption keeps its last block for C_DecryptFinal.
    const pending = Buffer.concat([op.carry, data]);
    const rest = pending.length % AES_BLOCK_BYTES;
    const keep = purpose === 'decrypt' && op.spec.padding === 'pkcs7' && rest === 0 ? Math.min(AES_BLOCK_BYTES, pending.length) : rest;
    const now = pending.subarray(0, pending.length - keep);
    const chain = now.length > 0 ? (purpose === 'encrypt' ? undefined : now.subarray(now.length - AES_BLOCK_BYTES)) : undefined;
    let out: Uint8Array = new Uint8Array(0);
    return this.deliver(
      s,
      room,
      { exact: now.length },
      async () => (out = now.length > 0 ? await this.core(s, op, now, { iv: p.iv, padding: 'none' }) : new Uint8Array(0)),
      () => {
        op.multi = true;
        op.carry = Buffer.from(pending.subarray(pending.length - keep));
        // The next part's IV: the last ciphertext block, produced (encrypting) or given (decrypting).
        if (now.length > 0) op.params = { kind: 'cbc', iv: new Uint8Array(chain ?? out.subarray(out.length - AES_BLOCK_BYTES)) };
      },
    );
  }

  private cipherFinal(s: Session11, purpose: 'encrypt' | 'decrypt', room: number): Promise<Value[]> {
    const op = this.cipherOp(s, purpose);
    const p = op.params;
    if (p.kind === 'oaep') {
      this.end(s);
      throw new CkrError(CKR.FUNCTION_NOT_SUPPORTED, `RSA-OAEP ${purpose}s in one part (C_${purpose === 'encrypt' ? 'Encrypt' : 'Decrypt'})`);
    }
    if (p.kind === 'gcm') {
      const whole = new Uint8Array(Buffer.concat(op.parts));
      const size = this.wholeSize(s, op, whole.length);
      return this.deliver(s, room, size, () => this.core(s, op, whole), () => this.end(s));
    }
    const carry = new Uint8Array(op.carry);
    if (op.spec.padding === 'none') {
      if (carry.length > 0) this.refuseLength(s, purpose, `${carry.length} bytes are left over, short of a whole ${AES_BLOCK_BYTES}-byte block (CKM_AES_CBC does not pad)`);
      return this.deliver(s, room, { exact: 0 }, async () => new Uint8Array(0), () => this.end(s));
    }
    if (purpose === 'decrypt' && carry.length !== AES_BLOCK_BYTES) this.refuseLength(s, 'decrypt', `an AES-CBC ciphertext is whole ${AES_BLOCK_BYTES}-byte blocks, at least one; ${carry.length} bytes are left over`);
    const size: OutputSize = purpose === 'encrypt' ? { exact: AES_BLOCK_BYTES } : { upper: AES_BLOCK_BYTES - 1 };
    return this.deliver(s, room, size, () => this.core(s, op, carry, { iv: p.iv, padding: 'pkcs7' }), () => this.end(s));
  }

  // -- Digest and HMAC -------------------------------------------------------------------------

  private digestInit(s: Session11, mechanism: Mechanism): Value[] {
    this.host.loginOf(s);
    this.idle(s);
    const hash = DIGEST_MECHANISMS.get(mechanism.type);
    if (!hash) throw new CkrError(CKR.MECHANISM_INVALID, `${mechanismName(mechanism.type)} is no digest here (CKM_SHA_1, CKM_SHA224, CKM_SHA256, CKM_SHA384 and CKM_SHA512 are)`);
    noParameter(mechanism);
    this.operations.set(s, { purpose: 'digest', hash, multi: false, parts: [], gathered: 0 });
    return [];
  }

  private digestCall(handle: Value, run: (s: Session11, op: GatheringOperation) => Promise<Value[]> | Value[]): Promise<Value[]> | Value[] {
    const s = this.host.session(handle);
    return run(s, this.active(s, 'digest') as GatheringOperation);
  }

  private async macInit(values: Value[], purpose: 'sign' | 'verify', name: string): Promise<Value[]> {
    const [handle, m, keyHandle] = values;
    const s = this.host.session(handle!);
    const hmac = readHmacMechanism(m as Mechanism);
    if (!hmac) {
      if (this.operations.has(s)) this.idle(s);
      return this.base[name]!.run(values);
    }
    const l = this.host.loginOf(s);
    this.idle(s);
    const key = await this.host.key(l, keyHandle!, CKR.KEY_HANDLE_INVALID);
    if (key.keyType !== 'generic-secret') throw new CkrError(CKR.KEY_TYPE_INCONSISTENT, `key ${key.ref} is a ${key.keyType} ${key.class}; HMAC takes a generic secret key`);
    if (!key.attributes[purpose]) throw new CkrError(CKR.KEY_FUNCTION_NOT_PERMITTED, `key ${key.ref} has CKA_${purpose.toUpperCase()} false`);
    this.operations.set(s, { purpose, hash: hmac.spec.hash, keyRef: key.ref, macBytes: hmac.macBytes, multi: false, parts: [], gathered: 0 });
    return [];
  }

  private gather(s: Session11, op: GatheringOperation, data: Uint8Array): Value[] {
    if (op.gathered + data.length > MAX_GATHERED_BYTES) {
      this.end(s);
      throw new CkrError(CKR.DATA_LEN_RANGE, `a multi-part ${op.purpose} takes at most ${MAX_GATHERED_BYTES} bytes`);
    }
    this.reserveFor(s, data.length);
    op.multi = true;
    op.parts.push(Buffer.from(data));
    op.gathered += data.length;
    return [];
  }

  /** C_Digest / C_DigestFinal and C_Sign / C_SignFinal with HMAC. */
  private gatheredAll(s: Session11, op: GatheringOperation, data: Uint8Array, room: number, final: boolean): Promise<Value[]> {
    if (!final && op.multi) throw new CkrError(CKR.OPERATION_ACTIVE, `a multi-part ${op.purpose} ends with its C_*Final call`);
    const whole = final ? new Uint8Array(Buffer.concat(op.parts)) : data;
    const l = this.host.loginOf(s);
    if (op.purpose === 'digest') {
      return this.deliver(s, room, { exact: HASHES[op.hash].bytes }, async () => (await this.host.run(l, digest, { hash: op.hash, data: whole })).digest, () => this.end(s));
    }
    const input = { keyFilter: byReference(op.keyRef!), hash: op.hash, data: whole, macLengthBytes: op.macBytes };
    return this.deliver(s, room, { exact: op.macBytes! }, async () => (await this.host.run(l, hmacGenerate, input)).mac, () => this.end(s));
  }

  private async macVerify(s: Session11, op: GatheringOperation, data: Uint8Array, mac: Uint8Array, final: boolean): Promise<Value[]> {
    if (!final && op.multi) throw new CkrError(CKR.OPERATION_ACTIVE, 'a multi-part verification ends with C_VerifyFinal');
    this.end(s);
    if (mac.length !== op.macBytes) throw new CkrError(CKR.SIGNATURE_LEN_RANGE, `the MAC is ${mac.length} bytes; this mechanism's are ${op.macBytes}`);
    const whole = final ? new Uint8Array(Buffer.concat(op.parts)) : data;
    await this.host.run(this.host.loginOf(s), hmacVerify, { keyFilter: byReference(op.keyRef!), hash: op.hash, data: whole, mac, macLengthBytes: op.macBytes });
    return [];
  }
}
