/**
 * What the `kms` key commands share with the AWS CLI: blob arguments as base64 text or
 * `fileb://PATH` (the AWS CLI v2 reads blobs so), and an encryption context as `k=v,k2=v2` or JSON.
 */
import { Flags } from './oclif.js';
import { HsmError } from '../core/errors.js';
import { readInputFile } from './files.js';
import { parseTagList } from './tag-flags.js';

const MAX_BLOB_BYTES = 64 * 1024;

export const keyIdFlag = Flags.string({ description: 'The KMS key: its ID or ARN.', required: true, helpValue: '<KEY_ID>' });

/** `--grant-tokens`, as `aws kms` takes it: grant tokens of grants the caller relies on (at most 10). */
export const grantTokensFlag = Flags.string({
  description: 'Grant tokens (at most 10) of grants this request relies on. Accepted as the AWS CLI takes them; a grant is in effect here as soon as it is made, so none is needed.',
  multiple: true,
  helpValue: '<TOKEN>...',
});

/** `--region`, as the AWS CLI's: the Region the request is for; a key store's cluster must be in it. */
export const regionFlag = Flags.string({
  description: "The Region the request is for, as the AWS CLI's --region: the cluster must be in it (CloudHsmClusterNotFoundException otherwise). Left out, the cluster's own Region is taken.",
  helpValue: '<REGION>',
});

export const encryptionContextFlag = Flags.string({ description: 'Encryption context: k=v,k2=v2 or a JSON object; decrypt with the same one.', helpValue: '<CONTEXT>' });

/** A blob argument: `fileb://PATH` (the file's bytes) or base64 text. */
export function blobArgument(flag: string, value: string): Uint8Array {
  if (value.startsWith('fileb://')) {
    try {
      return new Uint8Array(readInputFile(`--${flag}`, value.slice('fileb://'.length), MAX_BLOB_BYTES));
    } catch (err) {
      throw new HsmError('INVALID_ARGUMENT', (err as Error).message);
    }
  }
  const compact = value.replace(/\s+/g, '');
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(compact) || compact.length % 4 !== 0 || compact.length === 0) {
    throw new HsmError('INVALID_ARGUMENT', `--${flag} takes base64 text or fileb://PATH (the AWS CLI's forms); this is neither`);
  }
  return new Uint8Array(Buffer.from(compact, 'base64'));
}

/** An encryption context argument. */
export function encryptionContext(value: string | undefined): Record<string, string> | undefined {
  if (value === undefined) return undefined;
  if (value.trimStart().startsWith('{')) {
    try {
      return JSON.parse(value) as Record<string, string>;
    } catch {
      throw new HsmError('INVALID_ARGUMENT', '--encryption-context is not valid JSON; give {"k":"v"} or k=v,k2=v2');
    }
  }
  const pairs = value.split(',').map((p) => p.split('='));
  if (pairs.some((p) => p.length !== 2 || p[0] === '')) throw new HsmError('INVALID_ARGUMENT', '--encryption-context takes k=v,k2=v2 or a JSON object');
  return Object.fromEntries(pairs) as Record<string, string>;
}

/** Blobs as the AWS CLI prints them: base64. */
export function base64(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('base64');
}

/** `--tags` as `aws kms` takes it: `TagKey=K,TagValue=V` words or `[{"TagKey":"K","TagValue":"V"}]`. */
const kmsTagsHelp = (description: string) =>
  ({ description: `${description} Each tag is TagKey=NAME,TagValue=VALUE, or give the JSON list [{"TagKey":"NAME","TagValue":"VALUE"}].`, multiple: true, helpValue: '<TagKey=NAME,TagValue=VALUE>' }) as const;
export const kmsTagsFlag = (description: string) => Flags.string(kmsTagsHelp(description));
export const requiredKmsTagsFlag = (description: string) => Flags.string({ ...kmsTagsHelp(description), required: true });

/** KMS tags from `--tags` words (the rules a tag keeps are the core's). */
export function kmsTags(words: readonly string[] | undefined): Array<{ TagKey: string; TagValue: string }> | undefined {
  return parseTagList(words, '--tags', { key: 'TagKey', value: 'TagValue' })?.map((t) => ({ TagKey: t.key, TagValue: t.value }));
}

/** `--constraints`: JSON, or the AWS CLI's shorthand `EncryptionContextSubset={k=v,k2=v2}`. */
export function grantConstraints(value: string | undefined): Record<string, Record<string, string>> | undefined {
  if (value === undefined) return undefined;
  if (value.trimStart().startsWith('{')) {
    try {
      return JSON.parse(value) as Record<string, Record<string, string>>;
    } catch {
      throw new HsmError('INVALID_ARGUMENT', '--constraints is not valid JSON; give {"EncryptionContextSubset":{"k":"v"}} or EncryptionContextSubset={k=v}');
    }
  }
  const m = /^(EncryptionContextSubset|EncryptionContextEquals)=\{(.*)\}$/.exec(value.trim());
  const pairs = m?.[2] === '' ? [] : m?.[2]?.split(',').map((p) => p.split('='));
  if (!m || !pairs || pairs.some((p) => p.length !== 2 || p[0] === '')) {
    throw new HsmError('INVALID_ARGUMENT', '--constraints takes EncryptionContextSubset={k=v,k2=v2}, EncryptionContextEquals={k=v} or the JSON form');
  }
  return { [m[1]!]: Object.fromEntries(pairs) as Record<string, string> };
}

/** `--policy` (a key policy: JSON text or file://PATH) and its lockout-check bypass, as `aws kms` names them. */
export const policyFlagText = 'The key policy: JSON text or file://PATH.';
export const bypassLockoutFlag = Flags.boolean({ description: 'Skip the check that the policy lets you change it again later (you may lock yourself out of the key).' });
