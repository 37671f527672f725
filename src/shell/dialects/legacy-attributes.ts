/**
 * The numeric view of key attributes both legacy shells share (legacy-shells.md §1): class and
 * key type numbers, the OBJ_ATTR_* table, what an OBJ_ATTR_ALL (512) dump holds and the value
 * rendering of getAttribute. The input is the attribute object the core presents
 * (keys/model.ts presentAttributes), so no key record is read here.
 *
 * What differs stays with each dialect: the listAttributes entries and header
 * (cmu-attributes.ts, kmu-attributes.ts), CMU's settable ids and KMU's creation defaults.
 */
import { columnOf, KEY_CLASSES, KEY_TYPES } from '../../core/mechanisms/table.js';

/** OBJ_ATTR_CLASS values (the table of mechanisms' KEY_CLASSES): 2 public, 3 private, 4 secret. */
export const CLASS_NUMBERS: Readonly<Record<string, number>> = columnOf(KEY_CLASSES, (row) => row.pkcs11);
/**
 * OBJ_ATTR_KEY_TYPE values (the table's KEY_TYPES). DSA, RC4 and DES3 exist in KMU but not in the
 * core, so a filter on them simply matches nothing. [assumed] ML-DSA keys (made with the modern
 * CLI) show PKCS #11 3.2's CKK_ML_DSA.
 */
export const TYPE_NUMBERS: Readonly<Record<string, number>> = columnOf(KEY_TYPES, (row) => row.pkcs11);

export function typeName(n: number): string | undefined {
  return Object.keys(TYPE_NUMBERS).find((k) => TYPE_NUMBERS[k] === n);
}

export function className(n: number): string | undefined {
  return Object.keys(CLASS_NUMBERS).find((k) => CLASS_NUMBERS[k] === n);
}

export interface AttributeDef {
  id: number;
  name: string;
  /** The presented attribute it renders; none for the templates the core does not keep. */
  source?: string;
  kind: 'bool' | 'class' | 'type' | 'int' | 'text' | 'id' | 'hex' | 'modulus';
}

/** §1, in the spec table's order (its left column, then its right one): ascending ids. */
export const ATTRIBUTES: readonly AttributeDef[] = [
  { id: 0, name: 'OBJ_ATTR_CLASS', source: 'class', kind: 'class' },
  { id: 1, name: 'OBJ_ATTR_TOKEN', source: 'token', kind: 'bool' },
  { id: 2, name: 'OBJ_ATTR_PRIVATE', source: 'private', kind: 'bool' },
  { id: 3, name: 'OBJ_ATTR_LABEL', source: 'label', kind: 'text' },
  { id: 134, name: 'OBJ_ATTR_TRUSTED', source: 'trusted', kind: 'bool' },
  { id: 256, name: 'OBJ_ATTR_KEY_TYPE', source: 'key-type', kind: 'type' },
  { id: 258, name: 'OBJ_ATTR_ID', source: 'id', kind: 'id' },
  { id: 259, name: 'OBJ_ATTR_SENSITIVE', source: 'sensitive', kind: 'bool' },
  { id: 260, name: 'OBJ_ATTR_ENCRYPT', source: 'encrypt', kind: 'bool' },
  { id: 261, name: 'OBJ_ATTR_DECRYPT', source: 'decrypt', kind: 'bool' },
  { id: 262, name: 'OBJ_ATTR_WRAP', source: 'wrap', kind: 'bool' },
  { id: 263, name: 'OBJ_ATTR_UNWRAP', source: 'unwrap', kind: 'bool' },
  { id: 264, name: 'OBJ_ATTR_SIGN', source: 'sign', kind: 'bool' },
  { id: 266, name: 'OBJ_ATTR_VERIFY', source: 'verify', kind: 'bool' },
  { id: 268, name: 'OBJ_ATTR_DERIVE', source: 'derive', kind: 'bool' },
  { id: 288, name: 'OBJ_ATTR_MODULUS', source: 'modulus', kind: 'modulus' },
  { id: 289, name: 'OBJ_ATTR_MODULUS_BITS', source: 'modulus-size-bits', kind: 'int' },
  { id: 290, name: 'OBJ_ATTR_PUBLIC_EXPONENT', source: 'public-exponent', kind: 'hex' },
  { id: 353, name: 'OBJ_ATTR_VALUE_LEN', source: 'key-length-bytes', kind: 'int' },
  { id: 354, name: 'OBJ_ATTR_EXTRACTABLE', source: 'extractable', kind: 'bool' },
  { id: 355, name: 'OBJ_ATTR_LOCAL', source: 'local', kind: 'bool' },
  { id: 356, name: 'OBJ_ATTR_NEVER_EXTRACTABLE', source: 'never-extractable', kind: 'bool' },
  { id: 357, name: 'OBJ_ATTR_ALWAYS_SENSITIVE', source: 'always-sensitive', kind: 'bool' },
  { id: 370, name: 'OBJ_ATTR_DESTROYABLE', source: 'destroyable', kind: 'bool' },
  { id: 371, name: 'OBJ_ATTR_KCV', source: 'check-value', kind: 'hex' },
  { id: 528, name: 'OBJ_ATTR_WRAP_WITH_TRUSTED', source: 'wrap-with-trusted', kind: 'bool' },
  // No presented value: the core keeps no wrap/unwrap templates.
  { id: 1073742353, name: 'OBJ_ATTR_WRAP_TEMPLATE', kind: 'hex' },
  { id: 1073742354, name: 'OBJ_ATTR_UNWRAP_TEMPLATE', kind: 'hex' },
];

export const OBJ_ATTR_ALL = 512;

/**
 * What an OBJ_ATTR_ALL (512) dump holds, in order: the attributes key_mgmt_util's getAttribute,
 * genSymKey and genECCKeyPair examples write (`got all attributes of size 444 attr cnt 17` for a
 * secret key; 19 for an EC private key, with MODULUS and MODULUS_BITS), then the RSA public
 * exponent. That is one documented build of the Client SDK 3 tools, followed throughout; the
 * later build of the genRSAKeyPair example (`Attribute size: 801, count: 26`, adding TRUSTED,
 * WRAP_WITH_TRUSTED, DESTROYABLE, DERIVE, ALWAYS_SENSITIVE and NEVER_EXTRACTABLE) is not mixed
 * in. Those six can still be asked for one at a time.
 */
const DUMP_ORDER = [0, 256, 1, 2, 260, 261, 262, 263, 264, 266, 355, 259, 354, 3, 258, 353, 371, 288, 289, 290];

function attributeDef(id: number): AttributeDef | undefined {
  return ATTRIBUTES.find((a) => a.id === id);
}

export function attributeName(id: number): string {
  return attributeDef(id)?.name ?? String(id);
}

export function isKnownAttribute(id: number): boolean {
  return id === OBJ_ATTR_ALL || attributeDef(id) !== undefined;
}

/**
 * §1 listAttributes: a blank line, the dialect's header, a blank line, then each of `ids` as
 * `      NAME<pad to 32>= id` and a closing blank line.
 */
export function attributeListText(header: string, ids: readonly number[]): string {
  const entries = ids.map((id) => `      ${(id === OBJ_ATTR_ALL ? 'OBJ_ATTR_ALL' : attributeName(id)).padEnd(32)}= ${id}\n`);
  return `\n${header}\n\n${entries.join('')}\n`;
}

/** One rendered attribute: its name, its value text and its size as the HSM would count it. */
export interface RenderedAttribute {
  name: string;
  value: string;
  bytes: number;
}

/** The core keeps IDs as hex bytes ("" or "0x" when empty); both shells show (and KMU's -id takes) text. */
function idText(presented: string): string {
  return Buffer.from(presented.replace(/^0x/i, ''), 'hex').toString('utf8');
}

export function idHex(text: string): string {
  return `0x${Buffer.from(text, 'utf8').toString('hex')}`;
}

/**
 * The presented value an attribute shows. That build writes an EC key's public point as
 * OBJ_ATTR_MODULUS (the genECCKeyPair example) with OBJ_ATTR_MODULUS_BITS beside it: [assumed]
 * the curve's size in bits, since the example's value (0x19f) matches no property of its key.
 */
function valueOf(def: AttributeDef, shown: Record<string, unknown>): string | number | boolean | undefined {
  const point = shown['ec-point'];
  if (typeof point === 'string' && (def.id === 288 || def.id === 289)) {
    const pointBytes = point.replace(/^0x/i, '').length / 2;
    return def.id === 288 ? point : ((pointBytes - 1) / 2) * 8;
  }
  // The presented attributes are JSON scalars (keys/model.ts presentAttributes).
  return def.source === undefined ? undefined : (shown[def.source] as string | number | boolean | undefined);
}

/**
 * §1 rendering: booleans, class and type as `0x%02x` in a 512 dump and as `0x%08x` when asked
 * for alone [assumed, as the spec says]; lengths as `0x%08x`; KCV and exponent as hex; label and
 * ID as text. The modulus as that build writes it (the genECCKeyPair example): its hex digits on
 * one line, without `0x` (the later build wraps `0x…` at 80 characters). `undefined` = not
 * applicable.
 */
function render(def: AttributeDef, shown: Record<string, unknown>, single: boolean): RenderedAttribute | undefined {
  const v = valueOf(def, shown);
  if (v === undefined) return undefined;
  const small = (n: number) => `0x${n.toString(16).padStart(single ? 8 : 2, '0')}`;
  const hex = String(v).replace(/^0x/i, '');
  const text = (value: string) => ({ name: def.name, value, bytes: Buffer.byteLength(value) });
  switch (def.kind) {
    case 'bool':
      return { name: def.name, value: small(v ? 1 : 0), bytes: 1 };
    case 'class':
      return { name: def.name, value: small(CLASS_NUMBERS[String(v)] ?? 0xff), bytes: 4 };
    case 'type':
      return { name: def.name, value: small(TYPE_NUMBERS[String(v)] ?? 0xff), bytes: 4 };
    case 'int':
      return { name: def.name, value: `0x${Number(v).toString(16).padStart(8, '0')}`, bytes: 4 };
    case 'text':
      return text(String(v));
    case 'id':
      return text(idText(String(v)));
    case 'modulus':
      return { name: def.name, value: hex, bytes: hex.length / 2 };
    default:
      return { name: def.name, value: `0x${hex}`, bytes: hex.length / 2 };
  }
}

/** 512: every applicable attribute of the dump, in its order. */
export function renderAll(shown: Record<string, unknown>): RenderedAttribute[] {
  return DUMP_ORDER.map((id) => render(attributeDef(id)!, shown, false)).filter((r): r is RenderedAttribute => r !== undefined);
}

/** One attribute asked for alone; undefined if unknown or not applicable to this key. */
export function renderSingle(id: number, shown: Record<string, unknown>): RenderedAttribute | undefined {
  const def = attributeDef(id);
  return def && render(def, shown, true);
}

/** The getAttribute text: each name on one line, its value on the next. */
export function attributeFileText(attrs: readonly RenderedAttribute[]): string {
  return attrs.map((a) => `${a.name}\n${a.value}\n`).join('');
}
