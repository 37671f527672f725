/**
 * `key replicate` (cli-commands.md §3.24): copies a key from one cluster to another with the same
 * key reference, owner and sharees. The caller must be logged in to both clusters (as the key's
 * owner, or as an admin); owner and sharees must exist on the destination as crypto users.
 *
 * The real service requires the clusters to be clones (restored from one backup lineage, which
 * gives them the same cluster certificate). Until backups exist here, the emulator accepts
 * clusters whose certificates were issued by the same trust anchor [uncertain, emulator rule].
 */
import { timingSafeEqual } from 'node:crypto';
import { HsmError } from '../errors.js';
import { defineOperation } from '../engine.js';
import { verifyCredentials, type Credentials } from '../users/authentication.js';
import { requireActivated, requireHsm, resolveCluster, storeKeys, type ClusterRecord } from '../cluster/model.js';
import type { UserRecord } from '../users/rules.js';
import { keyStoreKeys, selectKey } from './filters.js';
import { checkCapacity } from './generate.js';
import type { KeySelector } from './selector.js';
import { formatReference, viewOfKey, type KeyRecord } from './model.js';

export interface ReplicateInput {
  clusterId?: string;
  filter: KeySelector;
  destinationClusterId: string;
  /** DESTINATION_CLOUDHSM_ROLE / DESTINATION_CLOUDHSM_PIN, or the shell's destination login. */
  destinationCredentials?: Credentials;
}

function sameKey(a: KeyRecord, b: KeyRecord): boolean {
  const x = Buffer.from(a.material, 'base64');
  const y = Buffer.from(b.material, 'base64');
  return a.owner === b.owner && a.class === b.class && a.keyType === b.keyType && x.length === y.length && timingSafeEqual(x, y);
}

export const replicateKey = defineOperation({
  name: 'ReplicateKey',
  cluster: 'hsm',
  access: 'user',
  activated: true,
  write: true,
  prepare: async (input: ReplicateInput, ctx) => {
    if (!input.destinationClusterId) throw new HsmError('INVALID_ARGUMENT', '--destination-cluster-id is required');
    if (input.destinationClusterId === input.clusterId) throw new HsmError('INVALID_ARGUMENT', 'the source and destination clusters are the same cluster');
    if (!input.destinationCredentials) {
      throw new HsmError('NOT_LOGGED_IN', 'key replicate needs a login on the destination cluster: set DESTINATION_CLOUDHSM_ROLE and DESTINATION_CLOUDHSM_PIN=username:password');
    }
    return (await verifyCredentials(ctx, input.destinationClusterId, input.destinationCredentials)).actor;
  },
  run: ({ tx, cluster, actor, prepared: destinationActor, sessionKeys }, input) => {
    const destination: ClusterRecord = resolveCluster(tx, input.destinationClusterId, 'ReplicateKey');
    requireHsm(destination);
    requireActivated(destination);
    if (destinationActor.role !== actor!.role || (actor!.role === 'crypto-user' && destinationActor.username !== actor!.username)) {
      throw new HsmError('PERMISSION_DENIED', `replicate as the same user on both clusters: ${actor!.username} (${actor!.role}) on the source, ${destinationActor.username} (${destinationActor.role}) on the destination`);
    }
    if (!cluster.trustAnchorPem || cluster.trustAnchorPem !== destination.trustAnchorPem) {
      throw new HsmError('INVALID_REQUEST', `clusters ${cluster.clusterId} and ${destination.clusterId} are not clones (their cluster certificates come from different trust anchors); keys replicate only between clusters of one lineage`);
    }
    const key = selectKey(tx, cluster.clusterId, actor!, input.filter, sessionKeys);
    if (actor!.role === 'crypto-user' && key.owner !== actor!.username) {
      throw new HsmError('KEY_ACCESS_DENIED', `only the owner of key ${formatReference(key.ref)} (${key.owner}) or an admin may replicate it`);
    }
    if (!key.attributes.token) throw new HsmError('INVALID_ARGUMENT', `key ${formatReference(key.ref)} is a session key; only token keys are replicated`);
    for (const username of [key.owner, ...key.sharedUsers]) {
      const user = tx.get<UserRecord>(storeKeys.user(destination.clusterId, username));
      if (!user || user.role !== 'crypto-user') {
        throw new HsmError('USER_NOT_FOUND', `${username} (owner or sharee of the key) is not a crypto user of cluster ${destination.clusterId}; replicate the user first`);
      }
    }
    const target = keyStoreKeys.key(destination.clusterId, key.ref);
    const existing = tx.get<KeyRecord>(target);
    // Only the very same key of the same owner may stand there already (a second replicate is a
    // no-op then); check values cannot tell (every generic secret's is 0x), the material can.
    if (existing && !sameKey(existing, key)) {
      throw new HsmError('INVALID_REQUEST', `cluster ${destination.clusterId} already holds a different key with reference ${formatReference(key.ref)}; it is left as it is`);
    }
    if (!existing) checkCapacity(tx, destination, 1);
    const copy: KeyRecord = { ...key, pairRef: undefined };
    tx.put(target, copy);
    // Keep the destination's reference counter ahead of the copied reference.
    const counterKey = keyStoreKeys.counter(destination.clusterId);
    if ((tx.get<number>(counterKey) ?? 0) <= key.ref) tx.put(counterKey, key.ref + 1);
    return { key: viewOfKey(copy, destination) };
  },
});
