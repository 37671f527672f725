/**
 * KMU's numeric view of key attributes (legacy-shells.md §1): class and type numbers, the
 * OBJ_ATTR_* table, the value rendering of `getAttribute` and the creation defaults KMU keys get.
 * The input is the attribute object the core presents (keys/model.ts presentAttributes), so no
 * key record is read here. CMU's getAttribute renders the same table (a candidate for sharing).
 */

/** OBJ_ATTR_CLASS values: 2 public, 3 private, 4 secret. */
export const CLASS_NUMBERS: Readonly<Record<string, number>> = { 'public-key': 2, 'private-key': 3, 'secret-key': 4 };
/**
 * OBJ_ATTR_KEY_TYPE values. DSA (1), RC4 (18) and DES3 (21) exist in KMU but not in the core, so
 * a filter on them simply matches nothing. [assumed] ML-DSA keys (made with the modern CLI) show
 * PKCS #11 3.2's CKK_ML_DSA, 0x4a.
 */
export const TYPE_NUMBERS: Readonly<Record<string, number>> = { rsa: 0, dsa: 1, ec: 3, 'generic-secret': 16, rc4: 18, des3: 21, aes: 31, 'ml-dsa': 0x4a };

export function typeName(n: number): string | undefined {
  return Object.keys(TYPE_NUMBERS).find((k) => TYPE_NUMBERS[k] === n);
}

export function className(n: number): string | undefined {
  return Object.keys(CLASS_NUMBERS).find((k) => CLASS_NUMBERS[k] === n);
}

/** The full OBJ_ATTR table (§1); `source` is the presented attribute it renders, if any. */
interface AttributeDef {
  id: number;
  name: string;
  source?: string;
  kind: 'bool' | 'byte' | 'int' | 'text' | 'hex';
}

const ATTRIBUTES: readonly AttributeDef[] = [
  { id: 0, name: 'OBJ_ATTR_CLASS', source: 'class', kind: 'byte' },
  { id: 256, name: 'OBJ_ATTR_KEY_TYPE', source: 'key-type', kind: 'byte' },
  { id: 1, name: 'OBJ_ATTR_TOKEN', source: 'token', kind: 'bool' },
  { id: 2, name: 'OBJ_ATTR_PRIVATE', source: 'private', kind: 'bool' },
  { id: 260, name: 'OBJ_ATTR_ENCRYPT', source: 'encrypt', kind: 'bool' },
  { id: 261, name: 'OBJ_ATTR_DECRYPT', source: 'decrypt', kind: 'bool' },
  { id: 262, name: 'OBJ_ATTR_WRAP', source: 'wrap', kind: 'bool' },
  { id: 263, name: 'OBJ_ATTR_UNWRAP', source: 'unwrap', kind: 'bool' },
  { id: 264, name: 'OBJ_ATTR_SIGN', source: 'sign', kind: 'bool' },
  { id: 266, name: 'OBJ_ATTR_VERIFY', source: 'verify', kind: 'bool' },
  { id: 355, name: 'OBJ_ATTR_LOCAL', source: 'local', kind: 'bool' },
  { id: 259, name: 'OBJ_ATTR_SENSITIVE', source: 'sensitive', kind: 'bool' },
  { id: 354, name: 'OBJ_ATTR_EXTRACTABLE', source: 'extractable', kind: 'bool' },
  { id: 3, name: 'OBJ_ATTR_LABEL', source: 'label', kind: 'text' },
  { id: 258, name: 'OBJ_ATTR_ID', source: 'id', kind: 'text' },
  { id: 353, name: 'OBJ_ATTR_VALUE_LEN', source: 'key-length-bytes', kind: 'int' },
  { id: 371, name: 'OBJ_ATTR_KCV', source: 'check-value', kind: 'hex' },
  { id: 288, name: 'OBJ_ATTR_MODULUS', source: 'modulus', kind: 'hex' },
  { id: 289, name: 'OBJ_ATTR_MODULUS_BITS', source: 'modulus-size-bits', kind: 'int' },
  { id: 290, name: 'OBJ_ATTR_PUBLIC_EXPONENT', source: 'public-exponent', kind: 'hex' },
  { id: 134, name: 'OBJ_ATTR_TRUSTED', source: 'trusted', kind: 'bool' },
  { id: 528, name: 'OBJ_ATTR_WRAP_WITH_TRUSTED', source: 'wrap-with-trusted', kind: 'bool' },
  { id: 370, name: 'OBJ_ATTR_DESTROYABLE', source: 'destroyable', kind: 'bool' },
  { id: 268, name: 'OBJ_ATTR_DERIVE', source: 'derive', kind: 'bool' },
  { id: 357, name: 'OBJ_ATTR_ALWAYS_SENSITIVE', source: 'always-sensitive', kind: 'bool' },
  { id: 356, name: 'OBJ_ATTR_NEVER_EXTRACTABLE', source: 'never-extractable', kind: 'bool' },
  // No presented value: the core keeps no wrap/unwrap templates.
  { id: 1073742353, name: 'OBJ_ATTR_WRAP_TEMPLATE', kind: 'hex' },
  { id: 1073742354, name: 'OBJ_ATTR_UNWRAP_TEMPLATE', kind: 'hex' },
];

export const OBJ_ATTR_ALL = 512;

/** §1: KMU's listAttributes prints this shorter list, in this order. */
const KMU_LIST = [0, 1, 2, 3, 256, 260, 261, 262, 263, 264, 266, 355, 288, 289, 290, 353, 354, 371];

export function attributeListText(): string {
  const byId = new Map(ATTRIBUTES.map((a) => [a.id, a]));
  const entries = KMU_LIST.map((id) => `      ${byId.get(id)!.name.padEnd(32)}= ${id}`);
  return `\n    Following are the possible attribute values for getAttributes:\n\n${entries.join('\n')}\n\n`;
}

export function isKnownAttribute(id: number): boolean {
  return id === OBJ_ATTR_ALL || ATTRIBUTES.some((a) => a.id === id);
}

/** One rendered attribute: its name, its value text and its size as the HSM would count it. */
export interface RenderedAttribute {
  name: string;
  value: string;
  bytes: number;
}

/**
 * §1 rendering: booleans, class and type as `0x%02x` in an `-a 512` dump and as `0x%08x` when
 * asked for alone [assumed, as the spec says]; lengths as `0x%08x`; KCV and exponent as hex;
 * the modulus wrapped at 80 characters; label and ID as text. `undefined` = not applicable.
 */
function renderOne(def: AttributeDef, shown: Record<string, unknown>, single: boolean): RenderedAttribute | undefined {
  if (!def.source || !(def.source in shown) || shown[def.source] === undefined) return undefined;
  const v = shown[def.source];
  const small = (n: number) => `0x${n.toString(16).padStart(single ? 8 : 2, '0')}`;
  switch (def.kind) {
    case 'bool':
      return { name: def.name, value: small(v ? 1 : 0), bytes: 1 };
    case 'byte': {
      const n = def.source === 'class' ? CLASS_NUMBERS[String(v)] : TYPE_NUMBERS[String(v)];
      return { name: def.name, value: small(n ?? 0xff), bytes: 4 };
    }
    case 'int':
      return { name: def.name, value: `0x${Number(v).toString(16).padStart(8, '0')}`, bytes: 4 };
    case 'text': {
      // The core presents the ID as hex; KMU's -id takes text, so it is shown decoded (§3).
      const text = def.source === 'id' ? idText(String(v)) : String(v);
      return { name: def.name, value: text, bytes: Buffer.byteLength(text) };
    }
    default: {
      const hex = String(v).replace(/^0x/i, '');
      const value = def.source === 'modulus' ? (hex.match(/.{1,80}/g) ?? ['']).join('\n') : `0x${hex}`;
      return { name: def.name, value, bytes: hex.length / 2 };
    }
  }
}

/** KMU IDs are text; the core keeps IDs as hex bytes ("" or "0x" when empty). */
function idText(presented: string): string {
  return Buffer.from(presented.replace(/^0x/i, ''), 'hex').toString('utf8');
}

export function idHex(text: string): string {
  return `0x${Buffer.from(text, 'utf8').toString('hex')}`;
}

/** `-a 512`: every applicable attribute in the §1 dump order. */
export function renderAll(shown: Record<string, unknown>): RenderedAttribute[] {
  return ATTRIBUTES.map((d) => renderOne(d, shown, false)).filter((r): r is RenderedAttribute => r !== undefined);
}

export function renderSingle(id: number, shown: Record<string, unknown>): RenderedAttribute | undefined {
  const def = ATTRIBUTES.find((a) => a.id === id);
  return def && renderOne(def, shown, true);
}

/** The attribute file: the name on one line, its value on the next (§3 getAttribute). */
export function attributeFileText(attrs: readonly RenderedAttribute[]): string {
  return attrs.map((a) => `${a.name}\n${a.value}\n`).join('');
}

/**
 * [assumed] "attr size" of an `-a 512` dump: each attribute as a type-length-value record
 * (4-byte type, 4-byte length, the value).
 */
export function dumpSize(attrs: readonly RenderedAttribute[]): number {
  return attrs.reduce((sum, a) => sum + 8 + a.bytes, 0);
}

/**
 * §1 creation defaults of KMU keys, as overrides of the core's defaults (which follow the
 * CloudHSM CLI): AES keys encrypt/decrypt/wrap/unwrap and do not sign; RSA public keys encrypt,
 * wrap and verify, RSA private keys decrypt, unwrap and sign; EC private keys sign and EC public
 * keys verify. Generic secrets get sign/verify 0 ("HMAC use requires setting SIGN/VERIFY").
 */
export function kmuDefaults(keyClass: 'secret-key' | 'public-key' | 'private-key', keyType: string): string[] {
  const on = (...names: string[]) => names.map((n) => `${n}=true`);
  const off = (...names: string[]) => names.map((n) => `${n}=false`);
  if (keyClass === 'secret-key') return keyType === 'aes' ? [...on('encrypt', 'decrypt', 'wrap', 'unwrap'), ...off('sign', 'verify')] : off('sign', 'verify');
  if (keyType === 'rsa') return keyClass === 'public-key' ? on('encrypt', 'wrap', 'verify') : on('decrypt', 'unwrap', 'sign');
  return keyClass === 'public-key' ? on('verify') : on('sign');
}
