/**
 * `--tag-list` as the AWS CLI takes it (`aws cloudhsmv2 tag-resource --tag-list
 * Key=team,Value=crypto Key=env,Value=`): shorthand `Key=K,Value=V` words, or the JSON form
 * `[{"Key":"K","Value":"V"}]`. This only splits the words into tags; the rules a tag must keep
 * (lengths, characters, aws:, 50 per resource) are the core's (core/tags/model.ts).
 */
import { Flags } from './oclif.js';
import { HsmError } from '../core/errors.js';
import type { Tag } from '../core/tags/model.js';

const tagListHelp = (description: string) => ({
  description: `${description} Each tag is Key=NAME,Value=VALUE (Value= for an empty value), or give the JSON list [{"Key":"NAME","Value":"VALUE"}].`,
  multiple: true,
  helpValue: '<Key=NAME,Value=VALUE>',
}) as const;

/** `--tag-list` where tags are optional (`cluster create`; `--tags` is taken too). */
export const optionalTagListFlag = (description: string) => Flags.string({ ...tagListHelp(description), aliases: ['tags'] });

/** `--tag-list` where it is the point of the command (`tag`). */
export const requiredTagListFlag = (description: string) => Flags.string({ ...tagListHelp(description), required: true });

/** The member names of a tag: `Key`/`Value` (CloudHSMv2), `TagKey`/`TagValue` (KMS). */
export interface TagNames {
  key: string;
  value: string;
}

const CLUSTER_TAG: TagNames = { key: 'Key', value: 'Value' };

function fromJson(text: string, flag: string, n: TagNames): Tag[] {
  const form = `[{"${n.key}":"NAME","${n.value}":"VALUE"}] or ${n.key}=NAME,${n.value}=VALUE`;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new HsmError('INVALID_ARGUMENT', `${flag} starts like JSON but does not parse; give ${form}`);
  }
  return (Array.isArray(parsed) ? parsed : [parsed]).map((item) => {
    const record = (item ?? {}) as Record<string, unknown>;
    const key = record[n.key];
    const value = record[n.value];
    if (typeof key !== 'string' || typeof value !== 'string') {
      throw new HsmError('INVALID_ARGUMENT', `each tag in ${flag}'s JSON is {"${n.key}":"NAME","${n.value}":"VALUE"} with both as strings ("${n.value}":"" for an empty value)`);
    }
    return { key, value };
  });
}

function fromShorthand(word: string, flag: string, n: TagNames): Tag {
  const form = `${n.key}=NAME,${n.value}=VALUE`;
  const fields = new Map<string, string>();
  for (const part of word.split(',')) {
    const eq = part.indexOf('=');
    const name = eq < 0 ? part : part.slice(0, eq);
    if (eq < 0 || (name !== n.key && name !== n.value) || fields.has(name)) {
      throw new HsmError(
        'INVALID_ARGUMENT',
        `${flag} "${word}" is not ${form}: each tag names ${n.key} and ${n.value} once, joined by a comma (a tag cannot hold a comma); write ${n.value}= for an empty value`,
      );
    }
    fields.set(name, part.slice(eq + 1));
  }
  const key = fields.get(n.key);
  const value = fields.get(n.value);
  if (key === undefined || value === undefined) {
    throw new HsmError('INVALID_ARGUMENT', `${flag} "${word}" lacks ${key === undefined ? `${n.key}=NAME` : `${n.value}=VALUE`}; each tag is ${form} (${n.value}= for an empty value)`);
  }
  return { key, value };
}

/** The tags `words` name (undefined when the flag was not given). */
export function parseTagList(words: readonly string[] | undefined, flag = '--tag-list', names: TagNames = CLUSTER_TAG): Tag[] | undefined {
  if (words === undefined) return undefined;
  return words.flatMap((word) => (/^\s*[[{]/.test(word) ? fromJson(word, flag, names) : [fromShorthand(word, flag, names)]));
}
