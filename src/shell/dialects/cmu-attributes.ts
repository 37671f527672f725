/**
 * What CMU adds to the shared numeric attribute view (legacy-attributes.ts, legacy-shells.md §1):
 * its listAttributes (the whole table, then OBJ_ATTR_ALL) and the attributes setAttribute may
 * change (§2).
 */
import { attributeFileText, attributeListText as listText, attributeName, OBJ_ATTR_ALL, renderAll, renderSingle } from './legacy-attributes.js';

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
/**
 * §1: CMU's listAttributes prints every attribute, then OBJ_ATTR_ALL, in the order its documented
 * output lists them (OBJ_ATTR_LOCAL after OBJ_ATTR_DERIVE, not among the ascending IDs).
 */
export const ATTRIBUTE_IDS: readonly number[] = [0, 1, 2, 3, 134, 256, 258, 259, 260, 261, 262, 263, 264, 266, 268, 355, 288, 289, 290, 353, 354, 356, 357, 370, 371, 528, 1073742353, 1073742354, OBJ_ATTR_ALL];

export function attributeListText(): string {
  return listText('Following are the possible attribute values for getAttribute:', ATTRIBUTE_IDS);
}

/** `name\nvalue\n` for one attribute, or for every applicable one with 512; undefined if not applicable. */
export function attributeText(id: number, shown: Record<string, unknown>): string | undefined {
  if (id === OBJ_ATTR_ALL) return attributeFileText(renderAll(shown));
  const one = renderSingle(id, shown);
  return one && attributeFileText([one]);
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
