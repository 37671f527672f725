import type { OptionFlag } from '@oclif/core/interfaces';
import { Flags } from './oclif.js';

/** A key selector: a space-separated list of terms that continues to the next flag. */
export function filterFlag(description: string): OptionFlag<string[]>;
export function filterFlag(description: string, required: false): OptionFlag<string[] | undefined>;
export function filterFlag(description: string, required = true): OptionFlag<string[] | undefined> {
  return Flags.string({
    description: `${description} Terms: key-reference=0x… or attr.NAME=VALUE (ANDed).`,
    multiple: true,
    required,
    helpValue: '<FILTER>...',
  });
}
