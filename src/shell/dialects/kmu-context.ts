/**
 * What every KMU command handler shares: its parsed flags, the call into the core (`perform`
 * with the shell's login), key handles (the core's key references, printed in decimal) and the
 * files KMU reads and writes. Handlers return the blocks to print; refusals are thrown.
 */
import { readInputFile, writeOutputFile } from '../../cli/files.js';
import { perform, type Operation } from '../../core/engine.js';
import { activeHsms } from '../../core/cluster/model.js';
import { readCluster } from '../../core/cluster/operations.js';
import { listKeys } from '../../core/keys/operations.js';
import { ANY_KEY, byReference, type KeySelector } from '../../core/keys/selector.js';
import { listUsers } from '../../core/users/operations.js';
import type { UserView } from '../../core/users/rules.js';
import { callerOf, type DialectHost } from '../dialect.js';
import { FILE_ERROR, INVALID_HANDLE, KmuFailure, NO_SUCH_USER } from './kmu-output.js';
import { presentKeyListing } from '../../cli/presenters/keys.js';

/** Flag values by name without the dash; boolean flags hold `true`. */
export type Flags = ReadonlyMap<string, string | true>;

/** A wrong or missing flag value: the dispatcher prints the message and the usage. */
export class UsageError extends Error {}

/** What a handler prints; `ok: false` for a failure it renders itself (verify's 0x1b). */
export interface Outcome {
  blocks: string[][];
  ok?: boolean;
}

export interface KmuCall {
  host: DialectHost;
  flags: Flags;
}

/** Runs a core operation as the shell's logged-in user (the one path every dialect shares). */
export async function run<I extends { clusterId?: string }, O, P>(host: DialectHost, op: Operation<I, O, P>, input: I): Promise<O> {
  return perform(await host.engine(), op, input, callerOf(host));
}

export function text(flags: Flags, name: string): string | undefined {
  const v = flags.get(name);
  return typeof v === 'string' ? v : undefined;
}

/** A required value (the parser has already checked presence for required flags). */
export function need(flags: Flags, name: string): string {
  const v = text(flags, name);
  if (v === undefined) throw new UsageError(`-${name} is required`);
  return v;
}

export function integer(flags: Flags, name: string): number | undefined {
  const v = text(flags, name);
  if (v === undefined) return undefined;
  if (!/^\d+$/.test(v)) throw new UsageError(`-${name} takes a whole number, not "${v}"`);
  return Number(v);
}

/** A key handle: the key reference in decimal (legacy-shells.md §1, keys.md §1). */
export function handle(flags: Flags, name: string): number {
  const v = need(flags, name);
  if (!/^\d+$/.test(v) || Number(v) <= 0 || !Number.isSafeInteger(Number(v))) throw new UsageError(`-${name} takes a key handle (a positive decimal number), not "${v}"`);
  return Number(v);
}

/** The key a handle names (a handle is its key reference). */
export const byHandle = (h: number): KeySelector => byReference(h);

/** A key reference the core printed (`0x…`) as a KMU handle. */
export function handleOf(reference: unknown): number {
  return Number.parseInt(String(reference).slice(2), 16);
}

export type PresentedKey = { 'key-reference': string; 'key-info': { 'key-owners': Array<{ username: string }>; 'shared-users': Array<{ username: string }>; 'key-quorum-values': Record<string, number> }; attributes: Record<string, unknown> };

/** Keys the logged-in user can see, as the core presents them (verbose `key list`). */
export async function findKeys(host: DialectHost, filter: KeySelector): Promise<PresentedKey[]> {
  const result = await run(host, listKeys, { filter, verbose: true, maxItems: Number.MAX_SAFE_INTEGER });
  return presentKeyListing(result).matched_keys as PresentedKey[];
}

/** The one key a handle names; a handle the user cannot see is 0xa8 (§3 deleteKey). */
export async function keyByHandle(host: DialectHost, h: number): Promise<PresentedKey> {
  const [key] = await findKeys(host, byHandle(h));
  if (!key) throw new KmuFailure(INVALID_HANDLE, undefined, true);
  return key;
}

/** Handles of every key visible to the logged-in user (for completion). */
export async function visibleHandles(host: DialectHost): Promise<number[]> {
  return (await findKeys(host, ANY_KEY)).map((k) => handleOf(k['key-reference']));
}

/** How many ACTIVE HSMs answer (one `Node id` line each); 0 when no cluster resolves. */
export async function nodeCount(host: DialectHost): Promise<number> {
  try {
    const cluster = await perform(await host.engine(), readCluster, { clusterId: host.session?.clusterId ?? host.clusterId });
    return activeHsms(cluster).length;
  } catch {
    return 0;
  }
}

/** The cluster's users in ID order, the order KMU lists them in (`user list` puts the appliance user last). */
export async function usersById(host: DialectHost): Promise<UserView[]> {
  const { users } = await perform(await host.engine(), listUsers, { clusterId: host.session?.clusterId ?? host.clusterId });
  return users.sort((a, b) => a.id - b.id);
}

/** `-u 4,5`: KMU names users by ID; the core by name. */
export async function usernamesOf(host: DialectHost, list: string | undefined): Promise<string[] | undefined> {
  if (list === undefined) return undefined;
  const users = await usersById(host);
  return list.split(',').map((part) => {
    if (!/^\d+$/.test(part.trim())) throw new UsageError(`-u takes user IDs separated by commas (as listUsers prints them), not "${list}"`);
    const user = users.find((u) => u.id === Number(part.trim()));
    if (!user) throw new KmuFailure(NO_SUCH_USER, `there is no user with ID ${part.trim()}; listUsers shows the IDs`);
    return user.username;
  });
}

/** KMU's files (keys, data, signatures) are small: far below this. */
const MAX_FILE_BYTES = 1024 * 1024;

export function readFile(path: string): Buffer {
  try {
    return readInputFile('file', path, MAX_FILE_BYTES);
  } catch (err) {
    throw new KmuFailure(FILE_ERROR, (err as Error).message);
  }
}

export function writeFile(path: string, data: string | Uint8Array): void {
  try {
    writeOutputFile('file', path, data, true);
  } catch (err) {
    throw new KmuFailure(FILE_ERROR, (err as Error).message);
  }
}
