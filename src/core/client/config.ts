/**
 * The client's configuration, as the real SDK 5 configure tool keeps it (`configure-cli
 * --enable-key-availability-check | --disable-key-availability-check`): one record per state
 * folder, read by every edge (CLI, shell, Node API).
 *
 * The key availability check (cluster.md §6, cli-commands.md §5): with it on, a token key is
 * used only once it is on at least 2 HSMs, so a one-HSM cluster (or a two-HSM cluster while one
 * is replaced) refuses key use with the real client's message. Off by default here, as
 * cli-commands.md §5 recommends, so that a one-HSM rehearsal cluster works; the real SDK 5 has
 * it on.
 */
import { HsmError } from '../errors.js';
import { defineOperation, type ClusterInput } from '../engine.js';
import { activeHsms, type ClusterRecord } from '../cluster/model.js';
import { formatReference, type KeyRecord } from '../keys/model.js';
import type { ReadView } from '../store/index.js';

export const CLIENT_CONFIG_KEY = 'client/config';

export interface ClientConfig {
  keyAvailabilityCheck: boolean;
}

const DEFAULTS: ClientConfig = { keyAvailabilityCheck: false };

export function clientConfig(view: ReadView): ClientConfig {
  return { ...DEFAULTS, ...view.get<Partial<ClientConfig>>(CLIENT_CONFIG_KEY) };
}

export interface ConfigureInput extends ClusterInput {
  keyAvailabilityCheck?: boolean;
}

/** Changes the settings given and returns the whole configuration (with none given, only reads it). */
export const configureClient = defineOperation({
  name: 'ConfigureClient',
  cluster: 'none',
  access: 'none',
  write: true,
  createsState: false,
  run: ({ tx }, input: ConfigureInput): ClientConfig => {
    const next: ClientConfig = { ...clientConfig(tx) };
    if (input.keyAvailabilityCheck !== undefined) next.keyAvailabilityCheck = input.keyAvailabilityCheck;
    tx.put(CLIENT_CONFIG_KEY, next);
    return next;
  },
});

/** A token key in use must be on 2 ACTIVE HSMs when the check is on (every ACTIVE HSM holds every token key). */
export function requireAvailable(view: ReadView, cluster: ClusterRecord, key: KeyRecord): void {
  if (!key.attributes.token || activeHsms(cluster).length >= 2) return;
  if (!clientConfig(view).keyAvailabilityCheck) return;
  throw new HsmError(
    'KEY_NOT_AVAILABLE',
    `Key ${formatReference(key.ref)} does not meet the availability requirements - The key must be available on at least 2 HSMs before being used. ` +
      `(Cluster ${cluster.clusterId} has ${activeHsms(cluster).length} ACTIVE HSM; add one with \`hsm create\`, or turn the check off with \`configure --disable-key-availability-check\`.)`,
  );
}
