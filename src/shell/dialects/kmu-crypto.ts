/**
 * KMU commands that create, move and use keys (legacy-shells.md §3): genSymKey, genRSAKeyPair,
 * genECCKeyPair, importPubKey, importPrivateKey, exportPubKey, wrapKey, unWrapKey, sign, verify
 * and aesWrapUnwrap, on the core operations behind `key generate-*`, `key import pem`,
 * `key export-public`, `key wrap`/`unwrap`, `crypto sign`/`verify` and `crypto encrypt`/`decrypt`.
 */
import { HsmError } from '../../core/errors.js';
import { exportPublic, importPem, pemKeyTypeClass } from '../../core/keys/files.js';
import { generateKeyPair, generateSymmetric, SYMMETRIC_KEY_TYPES } from '../../core/keys/generate.js';
import { sign as signOp, verify as verifyOp } from '../../core/keys/sign.js';
import { unwrapKey as unwrapOp, wrapKey as wrapOp, type WrapMechanism } from '../../core/keys/wrap.js';
import { mgf1Name } from '../../core/mechanisms/choices.js';
import { WRAPS, type WrapRow } from '../../core/mechanisms/table.js';
import { decrypt, encrypt } from '../../core/keys/data-operations.js';
import { HASH_BYTES } from '../../core/mechanisms/provider.js';
import {
  classCode,
  classEntries,
  CURVE_ENTRIES,
  CURVE_IDS,
  DEFAULT_IV,
  DEFAULT_IV_BYTES,
  DEFAULT_IV_TEXT,
  DEFAULT_WRAP_CODE,
  KMU_WRAPS,
  OAEP_WRAP_CODES,
  P192_CURVE_ID,
  parenthesised,
  SIGN_CODES,
  signCodes,
  spacedOr,
  typeCode,
  typeEntries,
  WRAP_CODES,
  WRAP_HASH_ENTRIES,
  WRAP_HASHES,
} from './kmu-codes.js';
import { kmuDefaults } from './kmu-attributes.js';
import { CLASS_NUMBERS, className, idHex, TYPE_NUMBERS, typeName } from './legacy-attributes.js';
import {
  byHandle,
  handle,
  integer,
  keyByHandle,
  need,
  nodeCount,
  readFile,
  run,
  text,
  UsageError,
  usernamesOf,
  writeFile,
  type KmuCall,
  type Outcome,
} from './kmu-context.js';
import { BAD_PKCS_DATA, clusterBlock, codeText, hexCode, INVALID_ARGUMENT, KmuFailure, POLICY_VIOLATION, raw, returnLine, SERVER_UNAVAILABLE, SUCCESS, UNWRAP_FAILED, type StatusStyle } from './kmu-output.js';

type KeyClass = 'secret-key' | 'public-key' | 'private-key';

/**
 * What the shared generation options (§3 "-sess -u -m_value -min_srv") ask the core for, with
 * key_mgmt_util's documented limits where they differ from the CloudHSM CLI's (a generic secret
 * of up to 3584 bytes).
 */
interface Creation {
  session: boolean;
  shareWith?: string[];
  manageQuorum?: number;
  useQuorum?: number;
  limits: 'key_mgmt_util';
}

/** -min_srv: every key is on every ACTIVE HSM at once here, so it can only fail for want of HSMs. */
export async function checkMinServers({ host, flags }: KmuCall): Promise<void> {
  const minServers = integer(flags, 'min_srv');
  if (flags.has('timeout') && minServers === undefined) throw new UsageError('-timeout is used only with -min_srv');
  if (minServers === undefined) return;
  const nodes = await nodeCount(host);
  if (minServers < 1 || minServers > nodes) throw new KmuFailure(SERVER_UNAVAILABLE, `-min_srv ${minServers}: the cluster has ${nodes} ACTIVE HSM(s)`, true);
}

export async function creation(call: KmuCall): Promise<Creation> {
  const { host, flags } = call;
  await checkMinServers(call);
  // -m_value is the key's quorum for both use and management (§3, getKeyInfo "use/manage").
  const quorum = integer(flags, 'm_value');
  return { session: flags.has('sess'), shareWith: await usernamesOf(host, text(flags, 'u')), manageQuorum: quorum, useQuorum: quorum, limits: 'key_mgmt_util' };
}

/** Attribute terms the flags ask for: -id, and -nex (never on public keys). */
function flagAttributes(call: KmuCall, keyClass: KeyClass): string[] {
  const terms: string[] = [];
  const id = text(call.flags, 'id');
  if (id !== undefined && id !== '') terms.push(`id=${idHex(id)}`);
  if (call.flags.has('nex') && keyClass !== 'public-key') terms.push('extractable=false');
  return terms;
}

/** Attribute terms for one new key: KMU's defaults, then the flags. */
export function attributesFor(call: KmuCall, keyClass: KeyClass, keyType: string): string[] {
  return [...kmuDefaults(keyClass, keyType), ...flagAttributes(call, keyClass)];
}

/** -attest's line: every key here is made by the emulator itself, so the check always passes. */
export function attestation(call: KmuCall): string[][] {
  return call.flags.has('attest') ? [['Attestation Check : [PASS]']] : [];
}

/** The blocks after a key is made: the handle line(s), -attest's line, the node states (genRSAKeyPair's in its own style). */
async function created(call: KmuCall, op: string, lines: string[], style: StatusStyle = 'error'): Promise<Outcome> {
  const blocks = [[returnLine(op)], lines, ...attestation(call)];
  blocks.push(clusterBlock(await nodeCount(call.host), SUCCESS, style));
  return { blocks };
}

/**
 * A key type FIPS mode forbids (RC4, P-192): refused as a policy error (0xb3), with every node
 * answering 0x30000085 as the docs show it (genECCKeyPair -i 1; RC4 [assumed] alike).
 */
function fipsRefusal(what: string, instead: string): KmuFailure {
  return new KmuFailure(POLICY_VIOLATION, `${what} not supported: the emulated HSM has no such keys; ${instead}`, true, SERVER_UNAVAILABLE);
}

/** §3 genSymKey -t: the symmetric key types KMU names; RC4 is refused (FIPS mode). */
const SYMMETRIC_TYPES = typeEntries(['generic-secret', 'rc4', 'des3', 'aes']);
const GENERATED_TYPES = new Map(SYMMETRIC_KEY_TYPES.map((keyType) => [typeCode(keyType), keyType]));

export async function genSymKey(call: KmuCall): Promise<Outcome> {
  const type = integer(call.flags, 't');
  if (type === typeCode('rc4')) throw fipsRefusal(`RC4 keys (-t ${type}) are not allowed in FIPS mode and are`, `generate an AES key (-t ${typeCode('aes')})`);
  const keyType = GENERATED_TYPES.get(type ?? -1);
  if (!keyType) throw new UsageError(`-t takes ${parenthesised(SYMMETRIC_TYPES)}, not ${type}`);
  const c = await creation(call);
  const result = await run(call.host, generateSymmetric, {
    keyType,
    label: need(call.flags, 'l'),
    keyLengthBytes: integer(call.flags, 's')!,
    attributes: attributesFor(call, 'secret-key', keyType),
    ...c,
  });
  return created(call, 'Cfm3GenerateSymmetricKey', [`Symmetric Key Created.  Key Handle: ${result.key.ref}`]);
}

/**
 * KMU gives one label (and ID) to both halves of a pair; -nex and -u touch the private key. The
 * return line names Cfm3GenerateKeyPair, which genDSAKeyPair prints with a colon after it (§3).
 */
async function genPair(call: KmuCall, keyType: 'rsa' | 'ec' | 'dsa', specific: { modulusSizeBits?: number; publicExponent?: string; curve?: string }): Promise<Outcome> {
  const label = need(call.flags, 'l');
  const c = await creation(call);
  const result = await run(call.host, generateKeyPair, {
    keyType,
    publicLabel: label,
    privateLabel: label,
    publicAttributes: attributesFor(call, 'public-key', keyType),
    privateAttributes: attributesFor(call, 'private-key', keyType),
    ...specific,
    ...c,
  });
  const pub = result.publicKey.ref;
  const priv = result.privateKey.ref;
  // §0: genRSAKeyPair prints `Cluster Status:` / `Node id N status: …`; genECCKeyPair and genDSAKeyPair the usual block.
  const op = keyType === 'dsa' ? DSA_PAIR_OP : 'Cfm3GenerateKeyPair';
  return created(call, op, [`Cfm3GenerateKeyPair:    public key handle: ${pub}    private key handle: ${priv}`], keyType === 'rsa' ? 'colon' : 'error');
}

/** §3 genDSAKeyPair prints `Cfm3GenerateKeyPair: returned: …` (with the colon), its failures too. */
export const DSA_PAIR_OP = 'Cfm3GenerateKeyPair:';

export async function genRSAKeyPair(call: KmuCall): Promise<Outcome> {
  return genPair(call, 'rsa', { modulusSizeBits: integer(call.flags, 'm'), publicExponent: need(call.flags, 'e') });
}

/** §1 curve IDs (from the table of mechanisms); P-192's exists but FIPS mode refuses it with 0xb3. */
export async function genECCKeyPair(call: KmuCall): Promise<Outcome> {
  const id = integer(call.flags, 'i');
  if (id === P192_CURVE_ID) throw fipsRefusal(`P-192 keys (-i ${id}) are not allowed in FIPS mode and are`, `use -i ${parenthesised(CURVE_ENTRIES)}`);
  const curve = CURVE_IDS.get(id ?? -1);
  if (!curve) throw new UsageError(`-i takes a curve ID: ${parenthesised(CURVE_ENTRIES)}, not ${id}`);
  return genPair(call, 'ec', { curve });
}

/** §3 genDSAKeyPair -m 2048 (the only size; the core refuses others), on hsm1.medium clusters. */
export async function genDSAKeyPair(call: KmuCall): Promise<Outcome> {
  return genPair(call, 'dsa', { modulusSizeBits: integer(call.flags, 'm') });
}

/** §3: genPBEKey is not supported on FIPS HSMs and always fails with 0xb3. */
export async function genPBEKey(): Promise<Outcome> {
  throw new KmuFailure(POLICY_VIOLATION, 'PBE keys are not supported on FIPS HSMs', true);
}

/** Options the core's `key import pem` has no input for; refused rather than ignored. */
export function refuseImportOptions(call: KmuCall, names: string[]): void {
  const given = names.filter((n) => call.flags.has(n));
  if (given.length > 0) throw new KmuFailure(INVALID_ARGUMENT, `${given.map((n) => `-${n}`).join(', ')}: the emulator imports keys only as token keys, unshared and without key quorum`);
}

/** The key-type-class of a PEM for `key import pem`; for a PEM of the other kind, or no key, one the core will refuse with its own explanation. */
async function typeClassOf(call: KmuCall, pem: string, kind: 'public' | 'private'): Promise<string> {
  const found = pemKeyTypeClass(await call.host.engine(), pem);
  return found?.endsWith(`-${kind}`) ? found : `rsa-${kind}`;
}

export async function importPubKey(call: KmuCall): Promise<Outcome> {
  refuseImportOptions(call, ['sess']);
  await checkMinServers(call);
  const pem = readFile(need(call.flags, 'f')).toString('utf8');
  const keyTypeClass = await typeClassOf(call, pem, 'public');
  const attributes = attributesFor(call, 'public-key', keyTypeClass.replace(/-public$/, ''));
  const result = await run(call.host, importPem, { pem, label: need(call.flags, 'l'), keyTypeClass, attributes });
  return created(call, 'Cfm3CreatePublicKey', [`Public Key Handle: ${result.key.ref}`]);
}

/**
 * §3 importPrivateKey, on the core's PEM import of private keys (an extension of `key import
 * pem`). KMU wraps the key with -w on the host and unwraps it in the HSM; the core imports the
 * PEM directly, so -w is only checked to name a key the user can see.
 */
export async function importPrivateKey(call: KmuCall): Promise<Outcome> {
  refuseImportOptions(call, ['sess', 'u', 'm_value']);
  await checkMinServers(call);
  await keyByHandle(call.host, handle(call.flags, 'w'));
  const pem = readFile(need(call.flags, 'f')).toString('utf8');
  const keyTypeClass = await typeClassOf(call, pem, 'private');
  const attributes = attributesFor(call, 'private-key', keyTypeClass.replace(/-private$/, ''));
  const result = await run(call.host, importPem, { pem, label: need(call.flags, 'l'), keyTypeClass, attributes });
  const derBytes = Buffer.from(pem.replace(/-----[^-]+-----/g, '').replace(/\s+/g, ''), 'base64').length;
  return unwrappedOnHost(call, [[`BER encoded key length is ${derBytes}`]], 'Private', result.key.ref);
}

/**
 * What a key imported through a wrap on the host prints (importPrivateKey, imSymKey; §3): the
 * host wrap, the template, the unwrap in the HSM, then the new handle and the node states.
 */
export async function unwrappedOnHost(call: KmuCall, first: string[][], kind: 'Private' | 'Symmetric', ref: number): Promise<Outcome> {
  return {
    blocks: [
      ...first,
      [returnLine('Cfm3WrapHostKey')],
      [returnLine('Cfm3CreateUnwrapTemplate')],
      [returnLine('Cfm3UnWrapKey')],
      [`${kind} Key Unwrapped.  Key Handle: ${ref}`],
      ...attestation(call),
      clusterBlock(await nodeCount(call.host)),
    ],
  };
}

export async function exportPubKey(call: KmuCall): Promise<Outcome> {
  const out = need(call.flags, 'out');
  const result = await run(call.host, exportPublic, { filter: byHandle(handle(call.flags, 'k')) });
  writeFile(out, result.pem);
  return { blocks: [[`PEM formatted public key is written to ${out}`], [returnLine('Cfm3ExportPubKey')]] };
}

/** §1 wrap mechanisms (-m) → the core's, by the names KMU gives them. */
const WRAP_MECHANISM_TEXT = parenthesised(KMU_WRAPS.map(([, kmu]) => [kmu.code, kmu.name]));

function wrapParameters(call: KmuCall): { mechanism: WrapMechanism; hash?: string; mgf?: string } {
  const m = integer(call.flags, 'm') ?? DEFAULT_WRAP_CODE;
  const mechanism = WRAP_CODES.get(m);
  if (!mechanism) throw new UsageError(`-m takes ${WRAP_MECHANISM_TEXT}, not ${m}; for AES-GCM use \`key wrap aes-gcm\``);
  if (!(WRAPS[mechanism] as WrapRow).oaep) {
    if (call.flags.has('t')) throw new UsageError(`-t (hash) applies only to -m ${OAEP_WRAP_CODES.join(' and ')}`);
    return { mechanism };
  }
  const t = integer(call.flags, 't');
  const hash = WRAP_HASHES.get(t ?? -1);
  if (!hash) throw new UsageError(`-m ${m} needs -t, the hash: ${spacedOr(WRAP_HASH_ENTRIES)}`);
  // MGF1 uses the OAEP hash (the legacy tool has no separate MGF option).
  return { mechanism, hash, mgf: mgf1Name(hash) };
}

/**
 * The wrapped-key file with header (wrapKey without -noheader). KMU's real header is an
 * undocumented attribute template; this emulator's layout, which only its own unWrapKey reads:
 *   line 1: `CLOUDHSM-LOCAL KMU WRAPPED KEY 1`
 *   line 2: JSON {"class": 3|4, "type": <§1 key type>, "label": "...", "id": "<hex>",
 *           "attributes": ["encrypt=true", ...]}  (the usage attributes to restore)
 *   then:   the wrapped bytes exactly as `wrapKey -noheader` writes them.
 */
const HEADER_MAGIC = 'CLOUDHSM-LOCAL KMU WRAPPED KEY 1';
const CARRIED_ATTRIBUTES = ['encrypt', 'decrypt', 'sign', 'verify', 'wrap', 'unwrap', 'derive', 'wrap-with-trusted'];

interface WrapHeader {
  class: number;
  type: number;
  label: string;
  id: string;
  attributes: string[];
}

function withHeader(attrs: Record<string, unknown>, wrapped: Buffer): Buffer {
  const header: WrapHeader = {
    class: CLASS_NUMBERS[String(attrs.class)]!,
    type: TYPE_NUMBERS[String(attrs['key-type'])]!,
    label: String(attrs.label),
    id: String(attrs.id).replace(/^0x/i, ''),
    attributes: CARRIED_ATTRIBUTES.map((n) => `${n}=${attrs[n] === true}`),
  };
  return Buffer.concat([Buffer.from(`${HEADER_MAGIC}\n${JSON.stringify(header)}\n`), wrapped]);
}

function splitHeader(file: Buffer): { header: WrapHeader; wrapped: Buffer } {
  const first = file.indexOf(0x0a);
  const second = first < 0 ? -1 : file.indexOf(0x0a, first + 1);
  const invalid = () => new KmuFailure(INVALID_ARGUMENT, 'the file has no key_mgmt_util wrap header; for raw wrapped bytes give -noheader with -l, -kc and -kt');
  if (second < 0 || file.subarray(0, first).toString('utf8') !== HEADER_MAGIC) throw invalid();
  try {
    const header = JSON.parse(file.subarray(first + 1, second).toString('utf8')) as WrapHeader;
    if (typeof header.label !== 'string' || !Array.isArray(header.attributes) || typeof header.id !== 'string') throw invalid();
    return { header, wrapped: file.subarray(second + 1) };
  } catch {
    throw invalid();
  }
}

/** §3 wrapKey: owner only, EXTRACTABLE=1 (the core checks both). */
export async function wrapKey(call: KmuCall): Promise<Outcome> {
  const { host, flags } = call;
  const k = handle(flags, 'k');
  const out = need(flags, 'out');
  const parameters = wrapParameters(call);
  const payload = await keyByHandle(host, k);
  const result = await run(host, wrapOp, { ...parameters, payloadFilter: byHandle(k), wrappingFilter: byHandle(handle(flags, 'w')) });
  const wrapped = Buffer.from(result.wrapped);
  const file = flags.has('noheader') ? wrapped : withHeader(payload.attributes, wrapped);
  writeFile(out, file);
  return {
    blocks: [['Key Wrapped.'], [`Wrapped Key written to file "${out} length ${file.length}`], [returnLine('Cfm2WrapKey')]],
  };
}

/** -kc/-kt (§1 numbers) → the core's unwrap key-type-class. */
function unwrapTypeClass(kc: number, kt: number): string {
  const cls = className(kc);
  const type = typeName(kt);
  if (cls !== 'secret-key' && cls !== 'private-key') throw new UsageError(`-kc takes ${parenthesised(classEntries(['private-key', 'secret-key']))}, not ${kc}`);
  if (!type) throw new UsageError(`-kt takes ${spacedOr(typeEntries(['rsa', 'dsa', 'ec', 'generic-secret', 'des3', 'aes'], { des3: 'DES3' }))}, not ${kt}`);
  const byPair: Record<string, string> = { 'secret-key/aes': 'aes', 'secret-key/des3': 'des3', 'secret-key/generic-secret': 'generic-secret', 'private-key/rsa': 'rsa-private', 'private-key/ec': 'ec-private', 'private-key/dsa': 'dsa-private' };
  const typeClass = byPair[`${cls}/${type}`];
  if (!typeClass) throw new KmuFailure(INVALID_ARGUMENT, `there are no ${type.toUpperCase()} ${cls === 'secret-key' ? 'secret' : 'private'} keys; -kc 4 goes with an AES, 3DES or generic secret -kt, -kc 3 with an RSA, DSA or EC one`);
  return typeClass;
}

/** §3 unWrapKey: the header restores class, type, label and usage; -noheader takes them as flags. */
export async function unWrapKey(call: KmuCall): Promise<Outcome> {
  const { host, flags } = call;
  const file = readFile(need(flags, 'f'));
  const noHeader = flags.has('noheader');
  let label: string;
  let typeClass: string;
  let attributes: string[];
  let data: Buffer;
  if (noHeader) {
    label = need(flags, 'l');
    typeClass = unwrapTypeClass(integer(flags, 'kc') ?? Number.NaN, integer(flags, 'kt') ?? Number.NaN);
    const keyClass = typeClass.endsWith('private') ? 'private-key' : 'secret-key';
    attributes = attributesFor(call, keyClass, typeClass.replace(/-private$/, ''));
    data = file;
  } else {
    const { header, wrapped } = splitHeader(file);
    label = text(flags, 'l') ?? header.label;
    typeClass = unwrapTypeClass(header.class, header.type);
    const headerId = header.id !== '' && !flags.has('id') ? [`id=0x${header.id}`] : [];
    attributes = [...header.attributes, ...headerId, ...flagAttributes(call, header.class === classCode('private-key') ? 'private-key' : 'secret-key')];
    data = wrapped;
  }
  const c = await creation(call);
  const result = await run(host, unwrapOp, {
    ...wrapParameters(call),
    filter: byHandle(handle(flags, 'w')),
    data: new Uint8Array(data),
    keyTypeClass: typeClass,
    label,
    attributes,
    ...c,
  });
  const h = result.key.ref;
  // The -noheader example prints its two return lines together, then the handle (one space).
  const lines = noHeader ? [[returnLine('Cfm3CreateUnwrapTemplate2'), returnLine('Cfm2UnWrapWithTemplate3')], [`Key Unwrapped. Key Handle: ${h}`]] : [[returnLine('Cfm3UnWrapKey')], [`Key Unwrapped.  Key Handle: ${h}`]];
  return { blocks: [...lines, ...attestation(call), clusterBlock(await nodeCount(host))] };
}

/** §1 sign/verify mechanisms, as the refusal names them. [assumed] PSS uses MGF1 with the same hash and a salt of the hash length. */
const SIGN_CODE_TEXT = [
  `${signCodes('rsa-pkcs').range} RSA PKCS #1 v1.5`,
  `${signCodes('rsa-pkcs-pss').range} RSA PSS`,
  `${signCodes('ecdsa').range} ECDSA`,
].join(', ');

function signInput(call: KmuCall) {
  const m = integer(call.flags, 'm');
  const chosen = SIGN_CODES.get(m ?? -1);
  if (!chosen) throw new UsageError(`-m takes a signing mechanism: ${SIGN_CODE_TEXT} (see help sign), not ${m}`);
  const pss = chosen.mechanism === 'rsa-pkcs-pss';
  return {
    mechanism: chosen.mechanism,
    hash: chosen.hash,
    mgf: pss ? mgf1Name(chosen.hash) : undefined,
    saltLength: pss ? HASH_BYTES[chosen.hash] : undefined,
    keyFilter: byHandle(handle(call.flags, 'k')),
    data: new Uint8Array(readFile(need(call.flags, 'f'))),
  };
}

export async function sign(call: KmuCall): Promise<Outcome> {
  const out = need(call.flags, 'out');
  const result = await run(call.host, signOp, signInput(call));
  writeFile(out, Buffer.from(result.signature));
  return { blocks: [[returnLine('Cfm3Sign')], [`signature is written to file ${out}`], clusterBlock(await nodeCount(call.host))] };
}

/** §3 verify: a mismatch prints `Cfm3Verify returned: 0x1b` and the CSP error, nothing else. */
export async function verify(call: KmuCall): Promise<Outcome> {
  const input = { ...signInput(call), signature: new Uint8Array(readFile(need(call.flags, 's'))) };
  try {
    await run(call.host, verifyOp, input);
  } catch (err) {
    if (err instanceof HsmError && err.code === 'VERIFICATION_FAILED') {
      return { blocks: [[`Cfm3Verify returned: ${hexCode(BAD_PKCS_DATA)}`], [codeText(BAD_PKCS_DATA)]], ok: false };
    }
    throw err;
  }
  return { blocks: [['Signature verification successful'], [returnLine('Cfm3Verify')]] };
}

/** §3: aesWrapUnwrap takes files of at most 4096 bytes. */
const MAX_DATA_BYTES = 4096;

/** `result data:` as KMU shows it: uppercase hex, 8 bytes a line. */
function hexLines(bytes: Uint8Array): string[] {
  const hex = [...bytes].map((b) => b.toString(16).toUpperCase().padStart(2, '0'));
  return Array.from({ length: Math.ceil(hex.length / 8) }, (_, i) => hex.slice(i * 8, i * 8 + 8).join(' '));
}

/**
 * §3 aesWrapUnwrap: RFC 3394 over host data with an HSM AES key, by the core's `aes-key-wrap`
 * (`crypto encrypt|decrypt aes-key-wrap`; the key needs encrypt / decrypt). Unwrapped data may
 * be key material, so it is never shown and goes only to a file the user names (-out is required
 * for -m 0, where KMU would default to `unwrapped_key`).
 */
export async function aesWrapUnwrap(call: KmuCall): Promise<Outcome> {
  const { flags } = call;
  const mode = need(flags, 'm');
  if (mode !== '1' && mode !== '0') throw new UsageError('-m takes 1 (wrap) or 0 (unwrap)');
  const wrapping = mode === '1';
  const out = text(flags, 'out') ?? (wrapping ? 'wrapped_key' : undefined);
  if (out === undefined) throw new UsageError('-out is required with -m 0: the unwrapped data is plaintext and is written only to a file you name');
  const data = readFile(need(flags, 'f'));
  if (data.length > MAX_DATA_BYTES) throw new KmuFailure(INVALID_ARGUMENT, `${need(flags, 'f')} has ${data.length} bytes; aesWrapUnwrap takes at most ${MAX_DATA_BYTES}`);
  // As the examples print it: the IV warning and the result data together, then the file, then the return line.
  const first: string[] = [];
  const ivText = text(flags, 'i');
  if (ivText === undefined) first.push('Warning: IV (-i) is missing.', `         ${DEFAULT_IV_TEXT} is considered as default IV`);
  else {
    if (!new RegExp(`^(0x)?[0-9a-f]{${DEFAULT_IV.length}}$`, 'i').test(ivText)) throw new UsageError(`-i takes an ${DEFAULT_IV_BYTES}-byte IV in hex such as ${DEFAULT_IV_TEXT}, not "${ivText}"`);
    // The core's aes-key-wrap (CKM_AES_KEY_WRAP) works with the standard IV only; unwrapping
    // with another one answers as a failed unwrap would, wrapping with one is an invalid argument.
    if (ivText.replace(/^0x/i, '').toLowerCase() !== DEFAULT_IV) {
      const why = `-i ${ivText}: this emulator wraps and unwraps only with the default IV ${DEFAULT_IV_TEXT} (RFC 3394); omit -i`;
      throw new KmuFailure(wrapping ? INVALID_ARGUMENT : UNWRAP_FAILED, why);
    }
  }
  const input = { mechanism: 'aes-key-wrap' as const, keyFilter: byHandle(handle(flags, 'w')), data: new Uint8Array(data) };
  const result = wrapping ? (await run(call.host, encrypt, input)).ciphertext : (await run(call.host, decrypt, input)).plaintext;
  writeFile(out, result);
  if (wrapping) first.push(raw('result data:'), ...hexLines(result).map(raw));
  return { blocks: [first, [raw(`result written to file ${out}`)], [returnLine(wrapping ? 'Cfm3WrapHostKey' : 'Cfm3UnWrapHostKey')]] };
}
