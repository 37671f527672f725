/**
 * HSM failure and replacement (cluster.md §4.1, §7), and the cluster state that follows them.
 *
 * `hsm fail` is the emulator's fault injection: an HSM becomes DEGRADED (unhealthy: it keeps what
 * it held; zeroized: it holds nothing), the cluster DEGRADED, and work sent to it in flight fails
 * (engine.ts). The service then replaces it, at once or after the delay asked for (cluster time):
 * a new HSM ID in the same availability zone with the same ENI and IP, so client configurations
 * stay valid. The replacement is synchronised from an ACTIVE HSM when one is left, so nothing is
 * lost; with none left, it is restored from the cluster's newest READY backup, and every user and
 * token key made or changed since that backup is gone (the result names the keys lost). Adding
 * the replacement makes a backup, as adding any HSM does (§8.1).
 *
 * Replacement is due work like the daily backups: the engine's housekeeping runs it on the first
 * operation after its time (replacement.ts).
 */
import { awsError } from '../errors.js';
import { defineOperation, type ClusterInput } from '../engine.js';
import { keyStoreKeys } from '../keys/filters.js';
import { isoTime, MINUTE_MS } from '../time/clock.js';
import { scheduleHousekeeping } from '../backups/lifecycle.js';
import { storeKeys, type HsmFailure, type HsmRecord } from './model.js';
import { replaceHsm, settledState, type Replacement } from './replacement.js';
import { presentHsm, type HsmDescription } from './shapes.js';

export const FAILURE_MODES = ['unhealthy', 'zeroize'] as const;
export type FailureMode = (typeof FAILURE_MODES)[number];
/** The longest replacement delay `hsm fail` accepts: a week of cluster time. */
export const MAX_REPLACEMENT_DELAY_MINUTES = 7 * 24 * 60;

export interface FailHsmInput extends ClusterInput {
  hsmId?: string;
  eniIp?: string;
  mode?: string;
  /** Minutes of cluster time before the service replaces the HSM (default 0: at once). */
  replaceAfterMinutes?: number;
}

export interface FailHsmResult {
  Hsm: HsmDescription;
  /** Cluster time at which the service replaces it, when delayed. */
  ReplacementAt?: string;
  Replacement?: Replacement;
}

const invalid = (message: string, code: 'INVALID_REQUEST' | 'INVALID_STATE' = 'INVALID_REQUEST') =>
  awsError(code, 'CloudHsmInvalidRequestException', 'FailHsm', message);

export const failHsm = defineOperation({
  name: 'FailHsm',
  cluster: 'any',
  // cluster.md §7: zeroizing an HSM needs no login; nor does a health fault.
  access: 'none',
  write: true,
  run: ({ tx, ctx, cluster }, input: FailHsmInput): FailHsmResult => {
    const mode = (input.mode ?? 'unhealthy') as FailureMode;
    if (!FAILURE_MODES.includes(mode)) throw invalid(`--mode must be unhealthy or zeroize, not "${input.mode}"`);
    const delay = input.replaceAfterMinutes ?? 0;
    if (!Number.isInteger(delay) || delay < 0 || delay > MAX_REPLACEMENT_DELAY_MINUTES) {
      throw invalid(`the replacement delay must be a whole number of minutes from 0 to ${MAX_REPLACEMENT_DELAY_MINUTES}, not ${String(delay)}`);
    }
    if ([input.hsmId, input.eniIp].filter((v) => v !== undefined).length !== 1) throw invalid('identify the HSM with exactly one of --hsm-id or --eni-ip');
    const hsm = cluster.hsms.find((h) => h.hsmId === input.hsmId || h.eniIp === input.eniIp);
    if (!hsm) {
      throw awsError('HSM_NOT_FOUND', 'CloudHsmResourceNotFoundException', 'FailHsm', `no HSM ${input.hsmId ?? input.eniIp} in cluster ${cluster.clusterId}; \`hsm list\` shows its HSMs`);
    }
    if (!cluster.activatedAt || (cluster.state !== 'ACTIVE' && cluster.state !== 'DEGRADED')) {
      throw invalid(`cluster ${cluster.clusterId} is ${cluster.state}: failures are rehearsed on an activated cluster (an HSM that holds no users or keys yet has nothing to recover)`, 'INVALID_STATE');
    }
    if (hsm.failure) {
      throw invalid(`HSM ${hsm.hsmId} has already failed; the service replaces it at ${isoTime(hsm.failure.replaceAt)} (cluster time: \`clock advance\` to get there)`, 'INVALID_STATE');
    }
    const now = ctx.now();
    const failure: HsmFailure = {
      mode,
      failedAt: now,
      replaceAt: now + delay * MINUTE_MS,
      lastKeyRef: (tx.get<number>(keyStoreKeys.counter(cluster.clusterId)) ?? 0x100001) - 1,
      lastUserId: cluster.nextUserId - 1,
    };
    const failed: HsmRecord = {
      ...hsm,
      state: 'DEGRADED',
      stateMessage: mode === 'zeroize' ? 'HSM was zeroized and is being replaced.' : 'HSM is unhealthy and is being replaced.',
      failure,
    };
    const degraded = settledState({ ...cluster, hsms: cluster.hsms.map((h) => (h === hsm ? failed : h)) });
    tx.put(storeKeys.cluster(cluster.clusterId), degraded);
    const shown = presentHsm(degraded, failed);
    if (delay > 0) {
      scheduleHousekeeping(tx, failure.replaceAt);
      return { Hsm: shown, ReplacementAt: isoTime(failure.replaceAt) };
    }
    return { Hsm: shown, Replacement: replaceHsm(tx, ctx, degraded, failed) };
  },
});

