/**
 * `cluster quickstart` (PRODUCT.md): the documented path to a usable cluster in one step.
 * Create the cluster, add HSMs in two availability zones, sign the CSR with a freshly made
 * local issuing CA, initialize, and activate when an admin password is given. Each step is an
 * ordinary operation through the dispatch point, so the state after a failure is what the
 * steps before it made.
 */
import type { EngineContext } from '../context.js';
import { perform } from '../engine.js';
import type { ClusterDescription } from './shapes.js';
import { signWithLocalCa } from './certificates.js';
import { activateCluster, createCluster, createHsm, describeCluster, getCsr, initializeCluster, type CreateClusterInput } from './operations.js';

export interface QuickstartInput extends CreateClusterInput {
  /** Admin password; without it the cluster stops at INITIALIZED, ready for `cluster activate`. */
  password?: string;
  hsmCount?: number;
}

export async function quickstart(ctx: EngineContext, input: QuickstartInput): Promise<{ cluster: ClusterDescription; trustAnchorPem: string; activated: boolean }> {
  const created = await perform(ctx, createCluster, { ...input, clusterId: undefined });
  const clusterId = created.ClusterId;
  const zones = Object.keys(created.SubnetMapping);
  const count = input.hsmCount ?? 2;
  for (let i = 0; i < count; i++) {
    await perform(ctx, createHsm, { clusterId, availabilityZone: zones[i % zones.length]! });
  }
  const { ClusterCsr } = await perform(ctx, getCsr, { clusterId });
  const ca = await signWithLocalCa(ClusterCsr, clusterId, ctx.now(), ctx.random(16));
  await perform(ctx, initializeCluster, { clusterId, signedCertPem: ca.signedCertificatePem, trustAnchorPem: ca.certificatePem });
  if (input.password !== undefined) await perform(ctx, activateCluster, { clusterId, password: input.password });
  return { cluster: await perform(ctx, describeCluster, { clusterId }), trustAnchorPem: ca.certificatePem, activated: input.password !== undefined };
}
