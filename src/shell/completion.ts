/**
 * Tab completion for the CloudHSM CLI dialect: command words and subcommands from the registry,
 * flags and their enumerated values from the same flag definitions the parser uses (oclif's
 * manifest), file names for path flags, and live values from the state: cluster, HSM and backup
 * IDs, regions and availability zones, user names, the labels and references of the keys the
 * logged-in user can see (the same `key list` rules), and KMS custom key store IDs, KMS key IDs
 * and alias names.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Config } from '@oclif/core/config';
import { perform } from '../core/engine.js';
import { listKeys } from '../core/keys/operations.js';
import { listUsers } from '../core/users/operations.js';
import { describeClusters, listHsms, readCluster } from '../core/cluster/operations.js';
import { describeBackups } from '../core/backups/operations.js';
import { describeKeyStores } from '../core/kms/key-stores.js';
import { listKmsAliases, listKmsKeys } from '../core/kms/keys.js';
import { REGIONS } from '../core/cluster/model.js';
import { callerOf, type DialectHost } from './dialect.js';
import { formatReference } from '../core/keys/model.js';

/** Words the shell itself understands beside the commands. */
export const SHELL_WORDS = ['help', 'history', 'quit', 'exit'];
/** Enough candidates to choose from; more would scroll the terminal away. */
const MAX_LIVE = 200;

interface FlagInfo {
  name: string;
  type: 'boolean' | 'option';
  options?: readonly string[];
  multiple?: boolean;
}

function startsWith(candidates: Iterable<string>, partial: string): string[] {
  return [...new Set(candidates)].filter((c) => c.startsWith(partial)).sort();
}

/**
 * Escapes spaces, quotes and backslashes with a backslash, as the tokenizer reads them back.
 * (Not quotes: readline inserts a completion after the typed text, so a completion must begin
 * with exactly what was typed.)
 */
function escapeWord(value: string): string {
  return value.replace(/([\s"'\\])/g, '\\$1');
}

/** The next command words after `words` (for `key gen<TAB>`: generate-asymmetric-pair, generate-file, …). */
function nextWords(ids: readonly string[], words: readonly string[]): string[] {
  const prefix = words.length ? `${words.join(':')}:` : '';
  return ids.filter((id) => id.startsWith(prefix)).map((id) => id.slice(prefix.length).split(':')[0]!);
}

async function usernames(host: DialectHost): Promise<string[]> {
  const { users } = await perform(await host.engine(), listUsers, { clusterId: host.clusterId });
  return users.map((u) => u.username);
}

/** `attr.label=…` and `key-reference=0x…` of the keys the logged-in user sees. */
async function keyTerms(host: DialectHost): Promise<string[]> {
  if (!host.session) return ['key-reference=', 'attr.label='];
  const listed = await perform(await host.engine(), listKeys, { clusterId: host.clusterId, maxItems: MAX_LIVE }, callerOf(host));
  return listed.keys.flatMap((k) => [`key-reference=${formatReference(k.ref)}`, `attr.label=${escapeWord(k.label)}`]);
}

/** File names under the folder the (escaped) partial names, escaped as the tokenizer reads them. */
function fileNames(partial: string): string[] {
  const typed = partial.replace(/\\(.)/g, '$1');
  const dir = typed.includes('/') ? typed.slice(0, typed.lastIndexOf('/') + 1) : '';
  try {
    return fs
      .readdirSync(dir || '.', { withFileTypes: true })
      .filter((e) => !e.name.startsWith('.') || path.basename(typed).startsWith('.'))
      .map((e) => escapeWord(`${dir}${e.name}${e.isDirectory() ? '/' : ''}`));
  } catch {
    return [];
  }
}

/** Live values of the cluster plane, by flag name. */
const CLUSTER_PLANE_VALUES: Record<string, (host: DialectHost) => Promise<string[]>> = {
  'cluster-id': clusterIds,
  'source-cluster-id': clusterIds,
  'destination-cluster-id': clusterIds,
  'hsm-id': async (host) => (await perform(await host.engine(), listHsms, { clusterId: host.clusterId })).Hsms.map((h) => h.HsmId),
  'eni-ip': async (host) => (await perform(await host.engine(), listHsms, { clusterId: host.clusterId })).Hsms.map((h) => h.EniIp),
  'backup-id': backupIds,
  'source-backup-id': backupIds,
  region: () => Promise.resolve(Object.keys(REGIONS)),
  'destination-region': () => Promise.resolve(Object.keys(REGIONS)),
  'availability-zone': async (host) => Object.keys((await perform(await host.engine(), readCluster, { clusterId: host.clusterId })).subnetMapping),
};

async function clusterIds(host: DialectHost): Promise<string[]> {
  return (await perform(await host.engine(), describeClusters, {})).Clusters.map((c) => c.ClusterId);
}

async function backupIds(host: DialectHost): Promise<string[]> {
  const { Backups } = await perform(await host.engine(), describeBackups, {});
  return Backups.filter((b) => b.BackupState !== 'DELETED').map((b) => b.BackupId);
}

/** Every page of a KMS listing, at the largest page size each allows. */
async function allPages<T>(list: (page: { Limit: number; Marker?: string }) => Promise<{ items: T[]; NextMarker?: string }>, limit: number): Promise<T[]> {
  const all: T[] = [];
  let marker: string | undefined;
  do {
    const page = await list({ Limit: limit, ...(marker ? { Marker: marker } : {}) });
    all.push(...page.items);
    marker = page.NextMarker;
  } while (marker);
  return all;
}

async function kmsKeyIds(host: DialectHost): Promise<string[]> {
  const ctx = await host.engine();
  return allPages(async (p) => {
    const { Keys, NextMarker } = await perform(ctx, listKmsKeys, p);
    return { items: Keys.map((k) => k.KeyId), NextMarker };
  }, 1000);
}

async function kmsAliasNames(host: DialectHost): Promise<string[]> {
  const ctx = await host.engine();
  return allPages(async (p) => {
    const { Aliases, NextMarker } = await perform(ctx, listKmsAliases, p);
    return { items: Aliases.map((a) => a.AliasName), NextMarker };
  }, 100);
}

async function kmsKeysAndAliases(host: DialectHost): Promise<string[]> {
  return [...(await kmsKeyIds(host)), ...(await kmsAliasNames(host))];
}

/** Live values of KMS, by flag name; `id` is the command's (`kms:create-alias`). */
const KMS_VALUES: Record<string, (host: DialectHost, id: string) => Promise<string[]>> = {
  'custom-key-store-id': async (host) => (await perform(await host.engine(), describeKeyStores, {})).CustomKeyStores.map((s) => s.CustomKeyStoreId),
  'cloud-hsm-cluster-id': clusterIds,
  // An alias names a key wherever a key ID is taken ...
  'key-id': kmsKeysAndAliases,
  'source-key-id': kmsKeysAndAliases,
  'destination-key-id': kmsKeysAndAliases,
  // ... but an alias points at a key by its ID or ARN, never at another alias.
  'target-key-id': kmsKeyIds,
  // The existing aliases, except where a new one is named.
  'alias-name': (host, id) => (id === 'kms:create-alias' ? Promise.resolve([]) : kmsAliasNames(host)),
};

async function flagValues(host: DialectHost, id: string, flag: FlagInfo, partial: string): Promise<string[]> {
  if (flag.options) return [...flag.options];
  const live = CLUSTER_PLANE_VALUES[flag.name];
  if (live) return live(host);
  const kms = KMS_VALUES[flag.name];
  if (kms) return kms(host, id);
  if (flag.name === 'username') return usernames(host);
  if (flag.name.endsWith('filter')) return keyTerms(host);
  if (/path|^out$|^file$|dir$/.test(flag.name)) return fileNames(partial);
  return [];
}

/** The flag a value being typed belongs to: the last `--flag` before it, if it takes values. */
function pendingFlag(flags: Record<string, FlagInfo>, argv: readonly string[]): FlagInfo | undefined {
  for (let i = argv.length - 1; i >= 0; i--) {
    const word = argv[i]!;
    if (!word.startsWith('--')) continue;
    const flag = flags[word.slice(2)];
    if (!flag || flag.type !== 'option') return undefined;
    // A single-valued flag takes the word right after it; a multiple one takes every word until the next flag.
    return flag.multiple || i === argv.length - 1 ? flag : undefined;
  }
  return undefined;
}

export async function completeModern(host: DialectHost, config: Config, ids: readonly string[], words: string[], partial: string): Promise<string[]> {
  if (words.length === 0) return startsWith([...nextWords(ids, []), ...SHELL_WORDS], partial);
  if (words[0] === 'help') return startsWith(nextWords(ids, words.slice(1)), partial);
  let n = words.length;
  while (n > 0 && !ids.includes(words.slice(0, n).join(':'))) n--;
  if (n < words.length && n === 0) return startsWith(nextWords(ids, words), partial);
  if (n === 0) return [];
  const id = words.slice(0, n).join(':');
  if (n === words.length && ids.some((other) => other.startsWith(`${id}:`))) return startsWith(nextWords(ids, words), partial);
  const flags = (config.findCommand(id)?.flags ?? {}) as Record<string, FlagInfo>;
  const argv = words.slice(n);
  const pending = partial.startsWith('-') ? undefined : pendingFlag(flags, argv);
  if (pending) {
    try {
      return startsWith(await flagValues(host, id, pending, partial), partial);
    } catch {
      return []; // nobody logged in, no cluster yet: nothing live to offer
    }
  }
  const used = new Set(argv.filter((w) => w.startsWith('--')).map((w) => w.slice(2)));
  const names = Object.values(flags)
    .filter((f) => f.multiple || !used.has(f.name))
    .map((f) => `--${f.name}`);
  return startsWith([...names, '--help'], partial);
}
