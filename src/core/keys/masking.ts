/**
 * Masked objects (key_mgmt_util's extractMaskedObject and insertMaskedObject, legacy-shells.md
 * §3): a key with all that belongs to it (material, attributes, label and ID, owner, sharees, key
 * quorum), encrypted so that only the HSMs of one cluster (and of its clones) can read it, to be
 * inserted again there as a new key with a handle of its own. Unlike a plaintext export, a masked
 * object may hold a non-extractable key: nothing outside the cluster can open it, and what is
 * inserted keeps its attributes, so it stays non-extractable.
 *
 * Model [emulator choice; the real masking format is not documented]: AES-256-GCM under a masking
 * key derived with HKDF-SHA256 (RFC 5869) from the cluster's partition private key, a secret of its
 * HSMs that never leaves the sealed store. A masked object of another cluster, or one changed in
 * any bit, does not authenticate and is refused (MASKED_OBJECT_REFUSED). A clone restored from a
 * backup of the cluster would hold the same partition key and so read its masked objects; the
 * emulator has no backups yet, so today only the cluster itself does.
 *
 * File: the magic line (also the associated data), a 12-byte nonce, the ciphertext, a 16-byte tag.
 *
 * Extract and insert are operations of their own (ExtractMaskedObject, InsertMaskedObject), as
 * the audit log names them (audit-log.md §3: CN_EXTRACT_MASKED_OBJECT_USER, CN_INSERT_…).
 */
import { hkdfSync } from 'node:crypto';
import { HsmError } from '../errors.js';
import { defineOperation, type Actor, type ClusterInput } from '../engine.js';
import { storeKeys, type ClusterRecord } from '../cluster/model.js';
import type { Transaction } from '../store/index.js';
import type { UserRecord } from '../users/rules.js';
import { GCM_IV_BYTES } from '../mechanisms/table.js';
import { selectKey } from './filters.js';
import { allocateReferences, storeKey } from './generate.js';
import { formatReference, viewOfKey, type KeyRecord, type KeyView } from './model.js';
import { cryptoOf } from './prepared.js';
import type { KeySelector } from './selector.js';

const MAGIC = Buffer.from('CLOUDHSM-LOCAL MASKED OBJECT 1\n');
const TAG_BYTES = 16;
const MASKING_KEY_BYTES = 32;

/** What a masked object carries: the key without what the inserting cluster gives it anew. */
type MaskedKey = Omit<KeyRecord, 'ref' | 'pairRef' | 'createdAt'>;

/** The cluster's masking key: HKDF-SHA256 over its partition private key. */
function maskingKey(cluster: ClusterRecord): Uint8Array {
  if (!cluster.partitionKeyPkcs8) throw new HsmError('INVALID_STATE', `cluster ${cluster.clusterId} has no partition key yet, so it cannot mask objects`);
  const secret = Buffer.from(cluster.partitionKeyPkcs8, 'base64');
  return new Uint8Array(hkdfSync('sha256', secret, 'cloudhsm-local masking key', 'masked objects v1', MASKING_KEY_BYTES));
}

function refused(why: string): HsmError {
  return new HsmError('MASKED_OBJECT_REFUSED', `the masked object ${why}; masked objects are inserted only into the cluster they were extracted from (or a clone of it)`);
}

export interface ExtractMaskedInput extends ClusterInput {
  filter: KeySelector;
}

/** A crypto user masks the keys it owns; an admin (CO) any key (legacy-shells.md §3). */
function requireMaskingRight(key: KeyRecord, actor: Actor): void {
  if (actor.role === 'crypto-user' && key.owner !== actor.username) {
    throw new HsmError('KEY_ACCESS_DENIED', `only the owner of key ${formatReference(key.ref)} (${key.owner}) or an admin may extract it as a masked object`);
  }
}

export const extractMaskedObject = defineOperation({
  name: 'ExtractMaskedObject',
  cluster: 'hsm',
  access: 'user',
  activated: true,
  write: false,
  run: ({ tx, ctx, cluster, actor, sessionKeys }, input: ExtractMaskedInput): { key: KeyView; masked: Uint8Array } => {
    const key = selectKey(tx, cluster.clusterId, actor!, input.filter, sessionKeys);
    requireMaskingRight(key, actor!);
    // Masked objects carry keys between the HSMs of a cluster; a session key lives on one connection only.
    if (!key.attributes.token) throw new HsmError('INVALID_ARGUMENT', `key ${formatReference(key.ref)} is a session key; only token keys are masked`);
    const { ref: _ref, pairRef: _pair, createdAt: _created, ...carried } = key;
    const nonce = new Uint8Array(ctx.random(GCM_IV_BYTES));
    const body = new TextEncoder().encode(JSON.stringify(carried satisfies MaskedKey));
    const sealed = cryptoOf(ctx).aesGcmEncrypt(maskingKey(cluster), nonce, body, MAGIC, TAG_BYTES);
    return { key: viewOfKey(key, cluster), masked: new Uint8Array(Buffer.concat([MAGIC, nonce, sealed.ciphertext, sealed.tag])) };
  },
});

export interface InsertMaskedInput extends ClusterInput {
  masked: Uint8Array;
}

function unmask(ctx: Parameters<typeof cryptoOf>[0], cluster: ClusterRecord, masked: Uint8Array): MaskedKey {
  const bytes = Buffer.from(masked);
  if (bytes.length < MAGIC.length + GCM_IV_BYTES + TAG_BYTES || !bytes.subarray(0, MAGIC.length).equals(MAGIC)) throw refused('is not one (the file does not start as a masked object)');
  const nonce = bytes.subarray(MAGIC.length, MAGIC.length + GCM_IV_BYTES);
  const ciphertext = bytes.subarray(MAGIC.length + GCM_IV_BYTES, bytes.length - TAG_BYTES);
  let body: Uint8Array;
  try {
    body = cryptoOf(ctx).aesGcmDecrypt(maskingKey(cluster), nonce, ciphertext, bytes.subarray(bytes.length - TAG_BYTES), MAGIC);
  } catch (err) {
    if (err instanceof HsmError && err.code === 'DECRYPTION_FAILED') throw refused('does not authenticate: it comes from another cluster, or it was changed');
    throw err;
  }
  // It authenticated, so this emulator wrote it; its fields are checked all the same.
  const key = JSON.parse(new TextDecoder().decode(body)) as MaskedKey;
  if (typeof key.material !== 'string' || typeof key.owner !== 'string' || !Array.isArray(key.sharedUsers) || typeof key.attributes !== 'object') throw refused('is malformed');
  return key;
}

/** The owner and sharees of an inserted key are crypto users of this cluster. */
function checkUsers(tx: Transaction, clusterId: string, key: MaskedKey): void {
  for (const username of [key.owner, ...key.sharedUsers]) {
    const user = tx.get<UserRecord>(storeKeys.user(clusterId, username));
    if (user?.role !== 'crypto-user') throw new HsmError('USER_NOT_FOUND', `${username}, the owner or a sharee of the masked key, is not a crypto user of cluster ${clusterId}`);
  }
}

export const insertMaskedObject = defineOperation({
  name: 'InsertMaskedObject',
  cluster: 'hsm',
  access: 'user',
  activated: true,
  write: true,
  run: (env, input: InsertMaskedInput): { key: KeyView } => {
    const { tx, ctx, cluster, actor } = env;
    const carried = unmask(ctx, cluster, input.masked);
    if (actor!.role === 'crypto-user' && carried.owner !== actor!.username) {
      throw new HsmError('KEY_ACCESS_DENIED', `the masked key belongs to ${carried.owner}; only its owner or an admin inserts it`);
    }
    checkUsers(tx, cluster.clusterId, carried);
    const [ref] = allocateReferences(tx, cluster.clusterId, 1);
    // trusted is an admin's grant to one key object: the copy does not inherit it (an admin whose
    // trust is withdrawn from a key must not find it alive in a copy made earlier).
    const key: KeyRecord = { ...carried, ref: ref!, attributes: { ...carried.attributes, token: true, trusted: false }, createdAt: ctx.now() };
    storeKey(env, key);
    return { key: viewOfKey(key, cluster) };
  },
});
