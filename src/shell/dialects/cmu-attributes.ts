/**
 * CMU's numeric view of key attributes (legacy-shells.md §1): the OBJ_ATTR_* table in the order
 * CMU's listAttributes prints it, the value rendering of getAttribute, and the attributes
 * setAttribute may change (§2). Values come from the attributes the core presents
 * (keys/model.ts presentAttributes), so no key record is read here.
 *
 * KMU keeps its own copy of this table (kmu-attributes.ts); the two could share one module.
 */

interface AttributeDef {
  id: number;
  name: string;
  /** The presented attribute it renders; none for the templates the core does not keep. */
  source?: string;
  kind: 'bool' | 'class' | 'type' | 'int' | 'text' | 'id' | 'hex' | 'modulus';
}

/** §1, in CMU listAttributes order (the spec table's left column, then its right one). */
const ATTRIBUTES: readonly AttributeDef[] = [
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
  { id: 1073742353, name: 'OBJ_ATTR_WRAP_TEMPLATE', kind: 'hex' },
  { id: 1073742354, name: 'OBJ_ATTR_UNWRAP_TEMPLATE', kind: 'hex' },
];

export const OBJ_ATTR_ALL = 512;

/** §1: the order of an OBJ_ATTR_ALL (512) dump. */
const DUMP_ORDER = [0, 256, 1, 2, 260, 261, 262, 263, 264, 266, 355, 259, 354, 3, 258, 353, 371, 288, 289, 290, 134, 528, 370, 268, 357, 356];

/** §1 class and key type numbers. [assumed] ML-DSA keys (modern CLI only) show CKK_ML_DSA, 0x4a. */
const CLASS_NUMBERS: Readonly<Record<string, number>> = { 'public-key': 2, 'private-key': 3, 'secret-key': 4 };
const TYPE_NUMBERS: Readonly<Record<string, number>> = { rsa: 0, ec: 3, 'generic-secret': 16, aes: 31, 'ml-dsa': 0x4a };

/** The core attribute each settable id changes (§2 setAttribute); templates are not kept by the core. */
const SETTABLE: ReadonlyMap<number, string | undefined> = new Map([
  [3, 'label'],
  [134, 'trusted'],
  [260, 'encrypt'],
  [261, 'decrypt'],
  [262, 'wrap'],
  [263, 'unwrap'],
  [264, 'sign'],
  [266, 'verify'],
  [268, 'derive'],
  [370, 'destroyable'],
  [528, 'wrap-with-trusted'],
  [1073742353, undefined],
  [1073742354, undefined],
]);

export const SETTABLE_IDS: readonly number[] = [...SETTABLE.keys()];
export const ATTRIBUTE_IDS: readonly number[] = [...ATTRIBUTES.map((a) => a.id), OBJ_ATTR_ALL];

/** §1: `listAttributes`, every entry as `      NAME<pad to 32>= id`. */
export function attributeListText(): string {
  const entries = [...ATTRIBUTES, { id: OBJ_ATTR_ALL, name: 'OBJ_ATTR_ALL' }].map((a) => `      ${a.name.padEnd(32)}= ${a.id}\n`);
  return `\nFollowing are the possible attribute values for getAttribute:\n\n${entries.join('')}\n`;
}

export function isKnownAttribute(id: number): boolean {
  return ATTRIBUTE_IDS.includes(id);
}

/**
 * §1 rendering: booleans, class and type as `0x%08x` when asked for alone and `0x%02x` in a 512
 * dump [assumed, as the spec says]; lengths as `0x%08x`; KCV and exponent as hex; the modulus
 * wrapped at 80 characters; label and ID as raw text. Undefined = not applicable to this key.
 */
function render(def: AttributeDef, shown: Record<string, unknown>, single: boolean): string | undefined {
  if (!def.source || shown[def.source] === undefined) return undefined;
  const v = shown[def.source];
  const small = (n: number) => `0x${n.toString(16).padStart(single ? 8 : 2, '0')}`;
  switch (def.kind) {
    case 'bool':
      return small(v ? 1 : 0);
    case 'class':
      return small(CLASS_NUMBERS[String(v)] ?? 0xff);
    case 'type':
      return small(TYPE_NUMBERS[String(v)] ?? 0xff);
    case 'int':
      return `0x${Number(v).toString(16).padStart(8, '0')}`;
    case 'text':
      return String(v);
    case 'id':
      // The core keeps the ID as hex bytes ("0x…", or "" / "0x" when empty); CMU shows the bytes as text.
      return Buffer.from(String(v).replace(/^0x/i, ''), 'hex').toString('utf8');
    case 'modulus':
      return (String(v).replace(/^0x/i, '').match(/.{1,80}/g) ?? ['']).join('\n');
    default:
      return `0x${String(v).replace(/^0x/i, '')}`;
  }
}

/** `name\nvalue\n` for one attribute, or for every applicable one with 512; undefined if not applicable. */
export function attributeText(id: number, shown: Record<string, unknown>): string | undefined {
  if (id === OBJ_ATTR_ALL) {
    return DUMP_ORDER.map((i) => ATTRIBUTES.find((a) => a.id === i)!)
      .map((def) => [def.name, render(def, shown, false)] as const)
      .filter(([, value]) => value !== undefined)
      .map(([name, value]) => `${name}\n${value}\n`)
      .join('');
  }
  const def = ATTRIBUTES.find((a) => a.id === id);
  const value = def && render(def, shown, true);
  return value === undefined ? undefined : `${def!.name}\n${value}\n`;
}

export function attributeName(id: number): string {
  return ATTRIBUTES.find((a) => a.id === id)?.name ?? String(id);
}

/** The core attribute name setAttribute changes and the value it takes, or a reason it cannot. */
export function settable(id: number, value: string): { name: string; value: string } | { refusal: string } {
  if (!SETTABLE.has(id)) {
    return { refusal: `attribute ${id} (${attributeName(id)}) cannot be set; setAttribute takes ${SETTABLE_IDS.join(', ')}` };
  }
  const name = SETTABLE.get(id);
  if (!name) return { refusal: `${attributeName(id)} is not kept by this emulator (it models no wrap/unwrap templates)` };
  if (name === 'label') return { name, value };
  if (value !== '0' && value !== '1') return { refusal: `${attributeName(id)} is a boolean attribute: give 0 or 1, not "${value}"` };
  return { name, value: value === '1' ? 'true' : 'false' };
}
