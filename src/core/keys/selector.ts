/**
 * Which keys an operation means (cli-commands.md §4): a key reference, attribute values as the
 * CLI prints them (`presentAttributes`), or both, ANDed. The edges make selectors from what they
 * are given (the CLI from its filter terms, the legacy shells from key handles); the core takes
 * them as they are and reads no filter text.
 */
export interface KeySelector {
  readonly ref?: number;
  readonly attributes: ReadonlyArray<readonly [name: string, value: string]>;
}

/** Every key the caller can see. */
export const ANY_KEY: KeySelector = Object.freeze({ attributes: Object.freeze([]) });

/** The key with this reference (a key_mgmt_util or cloudhsm_mgmt_util handle is one). */
export function byReference(ref: number): KeySelector {
  return { ref, attributes: [] };
}

/** The keys with this label. */
export function byLabel(label: string): KeySelector {
  return { attributes: [['label', label]] };
}
