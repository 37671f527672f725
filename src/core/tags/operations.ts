/**
 * TagResource, UntagResource and ListTags (cluster.md §2, §10): tags on a cluster or a backup,
 * named by its `ResourceId`. Without one, the cluster the caller chose (--cluster-id, or the only
 * one) is meant. A DELETED or unknown resource is CloudHsmResourceNotFoundException; a malformed
 * ID CloudHsmInvalidRequestException; anything wrong with the tags CloudHsmTagException
 * (model.ts). A refused request changes nothing.
 */
import { awsError } from '../errors.js';
import { defineOperation, type ClusterInput } from '../engine.js';
import { resolveCluster, storeKeys, type ClusterRecord } from '../cluster/model.js';
import { presentTags, type TagDescription } from '../cluster/shapes.js';
import type { Transaction } from '../store/index.js';
import { backupKeys, findBackup } from '../backups/model.js';
import { checkTagKeys, checkTags, withTags, withoutTags, type Tag } from './model.js';

/** The API's ResourceId pattern. */
const RESOURCE_ID = /^(cluster|backup)-[2-7a-zA-Z]{11,16}$/;

/** A taggable record and how to write it back. */
interface TaggedResource {
  resourceId: string;
  tags: readonly Tag[];
  save(tags: Tag[]): void;
}

/**
 * The resource `input` names, by kind: a cluster, or a backup (not DELETED at cluster time `now`).
 */
function findResource(tx: Transaction, operation: string, input: ResourceInput, now: number): TaggedResource {
  if (input.resourceId === undefined) return clusterResource(tx, resolveCluster(tx, input.clusterId, operation));
  const m = RESOURCE_ID.exec(input.resourceId);
  if (!m) {
    throw awsError('INVALID_REQUEST', 'CloudHsmInvalidRequestException', operation, `ResourceId must be a cluster ID (cluster-…) or a backup ID (backup-…), not "${input.resourceId}"`);
  }
  if (m[1] === 'backup') {
    const backup = findBackup(tx, operation, input.resourceId, now);
    return {
      resourceId: backup.backupId,
      tags: backup.tags ?? [],
      save: (tags) => tx.put(backupKeys.backup(backup.backupId), { ...backup, tags }),
    };
  }
  return clusterResource(tx, resolveCluster(tx, input.resourceId, operation));
}

function clusterResource(tx: Transaction, cluster: ClusterRecord): TaggedResource {
  return {
    resourceId: cluster.clusterId,
    tags: cluster.tags ?? [],
    save: (tags) => tx.put(storeKeys.cluster(cluster.clusterId), { ...cluster, tags }),
  };
}

export interface ResourceInput extends ClusterInput {
  /** A cluster or backup ID; absent: the chosen cluster. */
  resourceId?: string;
}

export interface TagResourceInput extends ResourceInput {
  tags: Tag[];
}

export const tagResource = defineOperation({
  name: 'TagResource',
  account: 'local',
  cluster: 'none',
  access: 'none',
  write: true,
  run: ({ tx, ctx }, input: TagResourceInput): Record<string, never> => {
    const op = 'TagResource';
    const resource = findResource(tx, op, input, ctx.now());
    resource.save(withTags(op, resource.resourceId, resource.tags, checkTags(op, input.tags)));
    return {};
  },
});

export interface UntagResourceInput extends ResourceInput {
  tagKeys: string[];
}

export const untagResource = defineOperation({
  name: 'UntagResource',
  account: 'local',
  cluster: 'none',
  access: 'none',
  write: true,
  run: ({ tx, ctx }, input: UntagResourceInput): Record<string, never> => {
    const op = 'UntagResource';
    const resource = findResource(tx, op, input, ctx.now());
    const keys = checkTagKeys(op, input.tagKeys);
    if (keys.some((key) => resource.tags.some((t) => t.key === key))) resource.save(withoutTags(resource.tags, keys));
    return {};
  },
});

export interface ListTagsInput extends ResourceInput {
  /** 1 to 100 (default: all). */
  maxResults?: number;
  nextToken?: string;
}

export interface ListTagsResult {
  TagList: TagDescription[];
  NextToken?: string;
}

const TOKEN_PREFIX = 'tags:';

export const listTags = defineOperation({
  name: 'ListTags',
  account: 'local',
  cluster: 'none',
  access: 'none',
  write: false,
  run: ({ tx, ctx }, input: ListTagsInput): ListTagsResult => {
    const op = 'ListTags';
    const resource = findResource(tx, op, input, ctx.now());
    const max = input.maxResults ?? 100;
    if (!Number.isInteger(max) || max < 1 || max > 100) {
      throw awsError('INVALID_REQUEST', 'CloudHsmInvalidRequestException', op, `MaxResults must be a whole number from 1 to 100, not ${String(input.maxResults)}`);
    }
    let start = 0;
    if (input.nextToken !== undefined) {
      const decoded = Buffer.from(input.nextToken, 'base64url').toString('utf8');
      start = decoded.startsWith(TOKEN_PREFIX) ? Number(decoded.slice(TOKEN_PREFIX.length)) : NaN;
      if (!Number.isSafeInteger(start) || start < 0) {
        throw awsError('INVALID_REQUEST', 'CloudHsmInvalidRequestException', op, 'NextToken is not one a ListTags response gave; leave it out to list from the start');
      }
    }
    const page = resource.tags.slice(start, start + max);
    const result: ListTagsResult = { TagList: presentTags(page) };
    if (start + max < resource.tags.length) result.NextToken = Buffer.from(`${TOKEN_PREFIX}${start + max}`).toString('base64url');
    return result;
  },
});
