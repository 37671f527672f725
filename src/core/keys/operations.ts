/**
 * Key management that needs no cryptography (cli-commands.md §3.14-3.15, §3.20-3.21, keys.md
 * §1-2, §5): list, delete, share, unshare and set-attribute, with the ownership rules of
 * users-and-auth.md §3: only crypto users manage keys, only the owner deletes, shares or changes
 * a key, sharees may only use it, and only an admin sets `trusted`.
 */
import { createHash } from 'node:crypto';
import { HsmError } from '../errors.js';
import { defineOperation, type Actor, type ClusterInput, type OperationEnv } from '../engine.js';
import { storeKeys } from '../cluster/model.js';
import type { Transaction } from '../store/index.js';
import type { UserRecord } from '../users/rules.js';
import { normaliseUsername, checkLoginRole } from '../users/rules.js';
import { ANY_KEY, byReference, type KeySelector } from './selector.js';
import { findKeys, keyStoreKeys, selectKey } from './filters.js';
import { BOOLEAN_ATTRIBUTES, LABEL_MAX, viewOfKey, type BooleanAttribute, type KeyRecord, type KeyView } from './model.js';
import { keyEvent } from '../audit/record.js';
import { checkCapacity } from './generate.js';

/** The input of an operation on one key: the selector must match exactly one. */
export interface FilterInput extends ClusterInput {
  filter: KeySelector;
}

export function requireOwner(key: KeyRecord, actor: Actor, what: string): void {
  if (key.owner !== actor.username) {
    throw new HsmError(
      'KEY_ACCESS_DENIED',
      `only the owner of key ${formatRef(key)} (${key.owner}) may ${what}; ${actor.username} ${key.sharedUsers.includes(actor.username) ? 'is a sharee and may only use it' : 'does not own it'}`,
    );
  }
}

/** §4.7: an event about one key names its handle first, whatever its class, and 0 beside it. */
function keyHandles(key: KeyRecord): { secret: number; public: number } {
  return { secret: key.ref, public: 0 };
}

/** Writes a changed key back where it lives: the store, or the caller's session keys. */
function saveKey(tx: Transaction, clusterId: string, key: KeyRecord, sessionKeys: Map<number, KeyRecord>): void {
  if (key.attributes.token) {
    tx.put(keyStoreKeys.key(clusterId, key.ref), key);
    sessionKeys.delete(key.ref);
  } else sessionKeys.set(key.ref, key);
}

function formatRef(key: KeyRecord): string {
  return `0x${key.ref.toString(16).padStart(16, '0')}`;
}

export interface ListKeysInput extends ClusterInput {
  /** Default: every key the caller can see. */
  filter?: KeySelector;
  maxItems?: number;
  startingToken?: string;
  verbose?: boolean;
}

/** One page of `key list` (cli-commands.md §3.14). */
export interface KeyListing {
  keys: KeyView[];
  totalKeyCount: number;
  /** Present when more keys follow: the offset to give as --starting-token. */
  nextToken?: string;
  /** Whether the items are to be shown in full (--verbose, which admins do not get). */
  verbose: boolean;
}

export const listKeys = defineOperation({
  name: 'ListKeys',
  cluster: 'hsm',
  access: 'user',
  activated: true,
  write: false,
  run: ({ tx, cluster, actor, sessionKeys }, input: ListKeysInput) => {
    const maxItems = input.maxItems ?? 10;
    if (!Number.isInteger(maxItems) || maxItems < 1) throw new HsmError('INVALID_ARGUMENT', `--max-items must be a whole number of at least 1, not ${input.maxItems}`);
    const start = input.startingToken === undefined ? 0 : Number(input.startingToken);
    if (!Number.isInteger(start) || start < 0 || !/^\d+$/.test(input.startingToken ?? '0')) {
      throw new HsmError('INVALID_ARGUMENT', `--starting-token "${input.startingToken}" is not a token from an earlier \`key list\` (a decimal offset such as "10")`);
    }
    const keys = findKeys(tx, cluster.clusterId, actor!, input.filter ?? ANY_KEY, [...sessionKeys.values()]);
    const page = keys.slice(start, start + maxItems);
    // cli-commands.md §3.14: --verbose has no effect for admins.
    const verbose = input.verbose && actor!.role === 'crypto-user';
    const listing: KeyListing = { keys: page.map((k) => viewOfKey(k, cluster)), totalKeyCount: keys.length, verbose: Boolean(verbose) };
    if (start + page.length < keys.length) listing.nextToken = String(start + page.length);
    return listing;
  },
});

/** Who owns a key and whom it is shared with: a key the caller sees, named by its reference. */
export interface KeyOwnership {
  ref: number;
  class: KeyRecord['class'];
  token: boolean;
  owner: string;
  sharedUsers: string[];
  manageQuorum: number;
  useQuorum: number;
}

export const describeKeyOwnership = defineOperation({
  name: 'DescribeKey',
  cluster: 'hsm',
  access: 'user',
  activated: true,
  write: false,
  run: ({ tx, cluster, actor, sessionKeys }, input: { clusterId?: string; ref: number }): KeyOwnership => {
    const key = selectKey(tx, cluster.clusterId, actor!, byReference(input.ref), sessionKeys);
    return { ref: key.ref, class: key.class, token: key.attributes.token, owner: key.owner, sharedUsers: [...key.sharedUsers], manageQuorum: key.manageQuorum, useQuorum: key.useQuorum };
  },
});

export const deleteKey = defineOperation({
  name: 'DeleteKey',
  cluster: 'hsm',
  access: 'crypto-user',
  activated: true,
  write: true,
  // A refused deletion deleted nothing, token or session key: it is the generic key deletion
  // (CN_DESTROY_OBJECT, the older guide's "delete key"), with the handle the input names.
  audit: (input: FilterInput) => keyEvent('CN_DESTROY_OBJECT', input.filter.ref),
  run: ({ tx, cluster, actor, sessionKeys, record }, input: FilterInput) => {
    const key = selectKey(tx, cluster.clusterId, actor!, input.filter, sessionKeys);
    requireOwner(key, actor!, 'delete it');
    if (!key.attributes.destroyable) {
      throw new HsmError('KEY_ATTRIBUTE_REFUSED', `key ${formatRef(key)} has destroyable=false, so it cannot be deleted`, { details: { attribute: 'destroyable' } });
    }
    if (key.attributes.token) tx.delete(keyStoreKeys.key(cluster.clusterId, key.ref));
    else sessionKeys.delete(key.ref);
    if (key.pairRef !== undefined) {
      // keys.md §5: deleting one half of a pair leaves the other.
      const otherKey = keyStoreKeys.key(cluster.clusterId, key.pairRef);
      const other = tx.get<KeyRecord>(otherKey);
      if (other) tx.put(otherKey, { ...other, pairRef: undefined });
      const otherSession = sessionKeys.get(key.pairRef);
      if (otherSession) sessionKeys.set(key.pairRef, { ...otherSession, pairRef: undefined });
    }
    // audit-log.md §3: a token key is tombstoned on every HSM; a session key, on its own, destroyed.
    record([{ on: key.attributes.token ? 'all' : 'routed', event: { opcode: key.attributes.token ? 'CN_TOMBSTONE_OBJECT' : 'CN_DESTROY_OBJECT', keys: keyHandles(key) } }]);
    return { message: 'Key deleted successfully' };
  },
});

export interface ShareInput extends FilterInput {
  username: string;
  role: string;
}

function shareTarget(tx: Transaction, clusterId: string, input: ShareInput, actor: Actor): string {
  const username = normaliseUsername(input.username);
  const role = checkLoginRole(input.role);
  const user = tx.get<UserRecord>(storeKeys.user(clusterId, username));
  if (!user) throw new HsmError('USER_NOT_FOUND', `there is no user ${username} in cluster ${clusterId}; \`user list\` shows the users`);
  if (role !== 'crypto-user' || user.role !== 'crypto-user') {
    throw new HsmError('INVALID_ARGUMENT', `keys are shared only with crypto users; ${username} is ${user.role === 'crypto-user' ? 'a crypto-user: give --role crypto-user' : `a ${user.role}`}`);
  }
  if (username === actor.username) throw new HsmError('INVALID_ARGUMENT', 'a key cannot be shared with its own owner');
  return username;
}

/** `key share` and `key unshare` differ only in the change they make to the sharee list. */
function sharingOperation(share: boolean) {
  const verb = share ? 'share' : 'unshare';
  return defineOperation({
    name: share ? 'ShareKey' : 'UnshareKey',
    cluster: 'hsm',
    access: 'crypto-user',
    activated: true,
    write: true,
    audit: () => keyEvent('CN_SHARE_OBJECT'),
    run: ({ tx, cluster, actor, sessionKeys, record, approve }, input: ShareInput) => {
      const key = selectKey(tx, cluster.clusterId, actor!, input.filter, sessionKeys);
      requireOwner(key, actor!, `${verb} it`);
      if (key.class === 'public-key') throw new HsmError('INVALID_ARGUMENT', 'public keys are visible to every crypto user and cannot be shared or unshared');
      const username = shareTarget(tx, cluster.clusterId, input, actor!);
      if (key.sharedUsers.includes(username) === share) {
        throw new HsmError('INVALID_ARGUMENT', `key ${formatRef(key)} is ${share ? 'already' : 'not'} shared with ${username}`);
      }
      const sharedUsers = share ? [...key.sharedUsers, username] : key.sharedUsers.filter((u) => u !== username);
      // keys.md §1: a key quorum may not exceed its associated users, so unsharing cannot go below it.
      if (!share && Math.max(key.manageQuorum, key.useQuorum) > sharedUsers.length + 1) {
        throw new HsmError('INVALID_ARGUMENT', `unsharing key ${formatRef(key)} with ${username} would leave ${sharedUsers.length + 1} associated user(s), fewer than its quorum value of ${Math.max(key.manageQuorum, key.useQuorum)}`);
      }
      // keys.md §1: sharing and unsharing are the key-management service of the manage quorum.
      approve({ service: 'key-management', required: key.manageQuorum, key });
      saveKey(tx, cluster.clusterId, { ...key, sharedUsers }, sessionKeys);
      record([{ on: key.attributes.token ? 'all' : 'routed', event: { opcode: 'CN_SHARE_OBJECT' } }]);
      return { message: `Key ${verb}d successfully` };
    },
  });
}

export const shareKey = sharingOperation(true);
export const unshareKey = sharingOperation(false);

export interface SetAttributeInput extends FilterInput {
  name: string;
  value: string;
}

const READ_ONLY = new Set([
  'key-type',
  'class',
  'check-value',
  'local',
  'always-sensitive',
  'never-extractable',
  'key-length-bytes',
  'modulus',
  'modulus-size-bits',
  'public-exponent',
  'ec-point',
  'curve',
  'mldsa-algorithm',
  'private',
]);

/** A change the attribute's rules never allow (read-only, or a one-way attribute turned back): details.rule says so for the edges. */
function refused(name: string, value: string): HsmError {
  return new HsmError('KEY_ATTRIBUTE_REFUSED', `Attribute ${name} cannot be set to the value ${value} by the user for this operation`, { details: { attribute: name, rule: 'read-only' } });
}

function parseBoolean(name: string, value: string): boolean {
  if (value === 'true') return true;
  if (value === 'false') return false;
  throw new HsmError('INVALID_ARGUMENT', `attribute ${name} takes true or false, not "${value}"`);
}

/** Applies one `key set-attribute` change under the rules of keys.md §2 and §5. */
export function applyAttributeChange(key: KeyRecord, name: string, value: string, actor: Actor): KeyRecord {
  if (actor.role === 'admin' && name !== 'trusted') {
    throw new HsmError('PERMISSION_DENIED', `an admin may set only the trusted attribute; log in as the owner (${key.owner}) to change ${name}`);
  }
  if (name === 'trusted') {
    if (actor.role !== 'admin') throw new HsmError('PERMISSION_DENIED', 'only an admin may set the trusted attribute; log in as an admin');
  } else {
    requireOwner(key, actor, 'change its attributes');
  }
  if (READ_ONLY.has(name) || name === 'extractable') throw refused(name, value);
  if (!key.attributes.modifiable && name !== 'trusted') {
    throw new HsmError('KEY_ATTRIBUTE_REFUSED', `key ${formatRef(key)} has modifiable=false, so its attributes cannot be changed`, { details: { attribute: 'modifiable' } });
  }
  if (name === 'label') {
    if (value.length > LABEL_MAX) throw new HsmError('INVALID_ARGUMENT', `label is ${value.length} characters long; the limit is ${LABEL_MAX}`);
    return { ...key, label: value };
  }
  if (name === 'id') {
    const hex = value.replace(/^0x/i, '');
    if (!/^([0-9a-f]{2})*$/i.test(hex)) throw new HsmError('INVALID_ARGUMENT', `id takes hex bytes such as 0x0102, not "${value}"`);
    return { ...key, id: hex.toLowerCase() };
  }
  if (!(BOOLEAN_ATTRIBUTES as readonly string[]).includes(name)) {
    throw new HsmError('INVALID_ARGUMENT', `"${name}" is not a key attribute; \`key list --verbose\` shows the attribute names`);
  }
  const attr = name as BooleanAttribute;
  const next = parseBoolean(name, value);
  const current = key.attributes[attr];
  if (next === current) return key;
  // One-way attributes (keys.md §2, §5).
  if (attr === 'modifiable' && next) throw refused(name, value);
  if (attr === 'wrap-with-trusted' && current) throw refused(name, value);
  if (attr === 'token' && !next) throw refused(name, value);
  if (attr === 'sensitive' && (!next || key.class === 'public-key')) throw refused(name, value);
  if (attr === 'derive' && next && key.class === 'public-key') throw refused(name, value);
  return { ...key, attributes: { ...key.attributes, [attr]: next } };
}

/** Several attribute changes to one key, all or none (PKCS #11's C_SetAttributeValue with a template). */
export interface SetAttributesInput extends FilterInput {
  changes: ReadonlyArray<{ name: string; value: string }>;
}

/** Applies changes to one key under applyAttributeChange's rules, in order, in one transaction: `key set-attribute` and its several-attribute form. */
function modifyKey({ tx, cluster, actor, sessionKeys, record, approve }: OperationEnv<undefined>, filter: KeySelector, changes: ReadonlyArray<{ name: string; value: string }>) {
  const key = selectKey(tx, cluster.clusterId, actor!, filter, sessionKeys);
  const list: unknown = changes;
  if (!Array.isArray(list) || changes.length === 0) throw new HsmError('INVALID_ARGUMENT', 'name at least one attribute to change');
  const changed = changes.reduce((k, c) => applyAttributeChange(k, c.name, c.value, actor!), key);
  // The key-management quorum binds its crypto users; an admin sets only `trusted`, its own rule.
  if (actor!.role === 'crypto-user') approve({ service: 'key-management', required: key.manageQuorum, key });
  // A session key made a token key is a new key in the store: the HSM type's capacity holds it as it holds the others.
  if (changed.attributes.token && !key.attributes.token) checkCapacity(tx, cluster, 1);
  if (changed !== key) saveKey(tx, cluster.clusterId, changed, sessionKeys);
  record([{ on: key.attributes.token ? 'all' : 'routed', event: { opcode: 'CN_MODIFY_OBJECT', keys: keyHandles(key) } }]);
  return { message: 'Attribute set successfully' };
}

export const setAttribute = defineOperation({
  name: 'SetAttribute',
  cluster: 'hsm',
  access: 'user',
  activated: true,
  write: true,
  audit: (input: SetAttributeInput) => keyEvent('CN_MODIFY_OBJECT', input.filter.ref),
  run: (env, input: SetAttributeInput) => modifyKey(env, input.filter, [{ name: input.name, value: input.value }]),
});

export const setAttributes = defineOperation({
  name: 'SetAttribute',
  cluster: 'hsm',
  access: 'user',
  activated: true,
  write: true,
  audit: (input: SetAttributesInput) => keyEvent('CN_MODIFY_OBJECT', input.filter.ref),
  run: (env, input: SetAttributesInput) => modifyKey(env, input.filter, input.changes),
});

export interface UserKeysInput extends ClusterInput {
  /** The user's numeric ID (as `listUsers` in cloudhsm_mgmt_util shows it). */
  userId: number;
}

/**
 * The token keys one user owns or is shared, for an admin (cloudhsm_mgmt_util findAllKeys,
 * legacy-shells.md §2), with the cluster's key hash: one SHA-256 over the users and over key
 * ownership and sharing, so that it is the same whichever user is asked and changes whenever
 * any of them does (a check that HSMs agree).
 */
export const findUserKeys = defineOperation({
  name: 'FindAllKeys',
  cluster: 'hsm',
  access: 'admin',
  activated: true,
  write: false,
  run: ({ tx, cluster }, input: UserKeysInput) => {
    const users = tx.list<UserRecord>(storeKeys.userPrefix(cluster.clusterId)).map(([, u]) => u);
    const user = users.find((u) => u.id === input.userId);
    if (!user) throw new HsmError('USER_NOT_FOUND', `there is no user with ID ${input.userId}; listUsers shows the IDs`);
    const keys = tx.list<KeyRecord>(keyStoreKeys.prefix(cluster.clusterId)).map(([, k]) => k);
    const held = keys.filter((k) => k.owner === user.username || k.sharedUsers.includes(user.username)).map((k) => ({ ref: k.ref, owned: k.owner === user.username }));
    return { username: user.username, keys: held, keyHash: keyHash(users, keys) };
  },
});

function keyHash(users: readonly UserRecord[], keys: readonly KeyRecord[]): string {
  const hash = createHash('sha256');
  for (const u of users) hash.update(`user:${u.id}:${u.username}:${u.role}\n`);
  for (const k of [...keys].sort((a, b) => a.ref - b.ref)) hash.update(`key:${k.ref}:${k.owner}:${[...k.sharedUsers].sort().join(',')}\n`);
  return hash.digest('hex');
}
