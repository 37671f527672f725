/**
 * The one command registry: command id → loader of its class. oclif runs commands through it
 * (explicit discovery, see package.json), the shell dispatches through it, and help and
 * completion read the same classes. Ids use ':' between words; people type spaces.
 *
 * Commands are loaded only when they run: a single CLI call imports one command module, not
 * all of them (the startup-time budget of the foundation issue). `oclif manifest` is run with
 * CLOUDHSM_EAGER_REGISTRY=1 so that it sees the real classes and records their flags; at run
 * time oclif reads those from the manifest and sees a small stand-in per command.
 */
import type { Config } from '@oclif/core/config';
import type { Command } from '@oclif/core/command';

type CommandModule = Promise<{ default: Command.Class }>;

export const COMMAND_LOADERS = {
  'audit:export': () => import('./commands/audit/export.js'),
  'audit:list': () => import('./commands/audit/list.js'),
  'audit:verify': () => import('./commands/audit/verify.js'),
  'backup:copy-to-region': () => import('./commands/backup/copy-to-region.js'),
  'backup:delete': () => import('./commands/backup/delete.js'),
  'backup:describe': () => import('./commands/backup/describe.js'),
  'backup:list': () => import('./commands/backup/list.js'),
  'backup:modify': () => import('./commands/backup/modify.js'),
  'backup:restore': () => import('./commands/backup/restore.js'),
  'clock:advance': () => import('./commands/clock/advance.js'),
  'clock:set': () => import('./commands/clock/set.js'),
  'clock:show': () => import('./commands/clock/show.js'),
  'cluster:activate': () => import('./commands/cluster/activate.js'),
  'cluster:create': () => import('./commands/cluster/create.js'),
  'cluster:delete': () => import('./commands/cluster/delete.js'),
  'cluster:describe': () => import('./commands/cluster/describe.js'),
  'cluster:get-csr': () => import('./commands/cluster/get-csr.js'),
  'cluster:hsm-info': () => import('./commands/cluster/hsm-info.js'),
  'cluster:initialize': () => import('./commands/cluster/initialize.js'),
  'cluster:list': () => import('./commands/cluster/list.js'),
  'cluster:modify': () => import('./commands/cluster/modify.js'),
  'cluster:quickstart': () => import('./commands/cluster/quickstart.js'),
  configure: () => import('./commands/configure.js'),
  'crypto:cmac:generate': () => import('./commands/crypto/cmac/generate.js'),
  'crypto:cmac:verify': () => import('./commands/crypto/cmac/verify.js'),
  'crypto:decrypt:aes-cbc': () => import('./commands/crypto/decrypt/aes-cbc.js'),
  'crypto:decrypt:aes-ctr': () => import('./commands/crypto/decrypt/aes-ctr.js'),
  'crypto:decrypt:aes-gcm': () => import('./commands/crypto/decrypt/aes-gcm.js'),
  'crypto:decrypt:aes-key-wrap': () => import('./commands/crypto/decrypt/aes-key-wrap.js'),
  'crypto:decrypt:aes-key-wrap-pad': () => import('./commands/crypto/decrypt/aes-key-wrap-pad.js'),
  'crypto:decrypt:rsa-oaep': () => import('./commands/crypto/decrypt/rsa-oaep.js'),
  'crypto:decrypt:rsa-pkcs': () => import('./commands/crypto/decrypt/rsa-pkcs.js'),
  'crypto:digest': () => import('./commands/crypto/digest.js'),
  'crypto:encrypt:aes-cbc': () => import('./commands/crypto/encrypt/aes-cbc.js'),
  'crypto:encrypt:aes-ctr': () => import('./commands/crypto/encrypt/aes-ctr.js'),
  'crypto:encrypt:aes-gcm': () => import('./commands/crypto/encrypt/aes-gcm.js'),
  'crypto:encrypt:aes-key-wrap': () => import('./commands/crypto/encrypt/aes-key-wrap.js'),
  'crypto:encrypt:aes-key-wrap-pad': () => import('./commands/crypto/encrypt/aes-key-wrap-pad.js'),
  'crypto:encrypt:rsa-oaep': () => import('./commands/crypto/encrypt/rsa-oaep.js'),
  'crypto:encrypt:rsa-pkcs': () => import('./commands/crypto/encrypt/rsa-pkcs.js'),
  'crypto:hmac:generate': () => import('./commands/crypto/hmac/generate.js'),
  'crypto:hmac:verify': () => import('./commands/crypto/hmac/verify.js'),
  'crypto:random': () => import('./commands/crypto/random.js'),
  'crypto:sign:ecdsa': () => import('./commands/crypto/sign/ecdsa.js'),
  'crypto:sign:ed25519': () => import('./commands/crypto/sign/ed25519.js'),
  'crypto:sign:ed25519ph': () => import('./commands/crypto/sign/ed25519ph.js'),
  'crypto:sign:ml-dsa': () => import('./commands/crypto/sign/ml-dsa.js'),
  'crypto:sign:rsa-pkcs': () => import('./commands/crypto/sign/rsa-pkcs.js'),
  'crypto:sign:rsa-pkcs-pss': () => import('./commands/crypto/sign/rsa-pkcs-pss.js'),
  'crypto:verify:ecdsa': () => import('./commands/crypto/verify/ecdsa.js'),
  'crypto:verify:ed25519': () => import('./commands/crypto/verify/ed25519.js'),
  'crypto:verify:ed25519ph': () => import('./commands/crypto/verify/ed25519ph.js'),
  'crypto:verify:ml-dsa': () => import('./commands/crypto/verify/ml-dsa.js'),
  'crypto:verify:rsa-pkcs': () => import('./commands/crypto/verify/rsa-pkcs.js'),
  'crypto:verify:rsa-pkcs-pss': () => import('./commands/crypto/verify/rsa-pkcs-pss.js'),
  help: () => import('./commands/help.js'),
  'hsm:create': () => import('./commands/hsm/create.js'),
  'hsm:delete': () => import('./commands/hsm/delete.js'),
  'hsm:fail': () => import('./commands/hsm/fail.js'),
  'hsm:list': () => import('./commands/hsm/list.js'),
  'key:delete': () => import('./commands/key/delete.js'),
  'key:derive:ecdh': () => import('./commands/key/derive/ecdh.js'),
  'key:export-public': () => import('./commands/key/export-public.js'),
  'key:generate-asymmetric-pair:ec': () => import('./commands/key/generate-asymmetric-pair/ec.js'),
  'key:generate-asymmetric-pair:ml-dsa': () => import('./commands/key/generate-asymmetric-pair/ml-dsa.js'),
  'key:generate-asymmetric-pair:rsa': () => import('./commands/key/generate-asymmetric-pair/rsa.js'),
  'key:generate-file': () => import('./commands/key/generate-file.js'),
  'key:generate-symmetric:aes': () => import('./commands/key/generate-symmetric/aes.js'),
  'key:generate-symmetric:generic-secret': () => import('./commands/key/generate-symmetric/generic-secret.js'),
  'key:import:pem': () => import('./commands/key/import/pem.js'),
  'key:list': () => import('./commands/key/list.js'),
  'key:replicate': () => import('./commands/key/replicate.js'),
  'key:set-attribute': () => import('./commands/key/set-attribute.js'),
  'key:share': () => import('./commands/key/share.js'),
  'key:unwrap:aes-gcm': () => import('./commands/key/unwrap/aes-gcm.js'),
  'key:unwrap:aes-no-pad': () => import('./commands/key/unwrap/aes-no-pad.js'),
  'key:unwrap:aes-pkcs5-pad': () => import('./commands/key/unwrap/aes-pkcs5-pad.js'),
  'key:unwrap:aes-zero-pad': () => import('./commands/key/unwrap/aes-zero-pad.js'),
  'key:unwrap:cloudhsm-aes-gcm': () => import('./commands/key/unwrap/cloudhsm-aes-gcm.js'),
  'key:unwrap:rsa-aes': () => import('./commands/key/unwrap/rsa-aes.js'),
  'key:unwrap:rsa-oaep': () => import('./commands/key/unwrap/rsa-oaep.js'),
  'key:unwrap:rsa-pkcs': () => import('./commands/key/unwrap/rsa-pkcs.js'),
  'key:unshare': () => import('./commands/key/unshare.js'),
  'key:wrap:aes-gcm': () => import('./commands/key/wrap/aes-gcm.js'),
  'key:wrap:aes-no-pad': () => import('./commands/key/wrap/aes-no-pad.js'),
  'key:wrap:aes-pkcs5-pad': () => import('./commands/key/wrap/aes-pkcs5-pad.js'),
  'key:wrap:aes-zero-pad': () => import('./commands/key/wrap/aes-zero-pad.js'),
  'key:wrap:cloudhsm-aes-gcm': () => import('./commands/key/wrap/cloudhsm-aes-gcm.js'),
  'key:wrap:rsa-aes': () => import('./commands/key/wrap/rsa-aes.js'),
  'key:wrap:rsa-oaep': () => import('./commands/key/wrap/rsa-oaep.js'),
  'key:wrap:rsa-pkcs': () => import('./commands/key/wrap/rsa-pkcs.js'),
  'kms:cancel-key-deletion': () => import('./commands/kms/cancel-key-deletion.js'),
  'kms:connect-custom-key-store': () => import('./commands/kms/connect-custom-key-store.js'),
  'kms:create-alias': () => import('./commands/kms/create-alias.js'),
  'kms:create-custom-key-store': () => import('./commands/kms/create-custom-key-store.js'),
  'kms:create-grant': () => import('./commands/kms/create-grant.js'),
  'kms:create-key': () => import('./commands/kms/create-key.js'),
  'kms:decrypt': () => import('./commands/kms/decrypt.js'),
  'kms:delete-alias': () => import('./commands/kms/delete-alias.js'),
  'kms:delete-custom-key-store': () => import('./commands/kms/delete-custom-key-store.js'),
  'kms:describe-custom-key-stores': () => import('./commands/kms/describe-custom-key-stores.js'),
  'kms:describe-key': () => import('./commands/kms/describe-key.js'),
  'kms:disable-key': () => import('./commands/kms/disable-key.js'),
  'kms:disconnect-custom-key-store': () => import('./commands/kms/disconnect-custom-key-store.js'),
  'kms:enable-key': () => import('./commands/kms/enable-key.js'),
  'kms:encrypt': () => import('./commands/kms/encrypt.js'),
  'kms:generate-data-key': () => import('./commands/kms/generate-data-key.js'),
  'kms:generate-data-key-without-plaintext': () => import('./commands/kms/generate-data-key-without-plaintext.js'),
  'kms:generate-data-key-pair': () => import('./commands/kms/generate-data-key-pair.js'),
  'kms:generate-data-key-pair-without-plaintext': () => import('./commands/kms/generate-data-key-pair-without-plaintext.js'),
  'kms:generate-random': () => import('./commands/kms/generate-random.js'),
  'kms:get-key-policy': () => import('./commands/kms/get-key-policy.js'),
  'kms:list-aliases': () => import('./commands/kms/list-aliases.js'),
  'kms:list-grants': () => import('./commands/kms/list-grants.js'),
  'kms:list-key-policies': () => import('./commands/kms/list-key-policies.js'),
  'kms:list-keys': () => import('./commands/kms/list-keys.js'),
  'kms:list-resource-tags': () => import('./commands/kms/list-resource-tags.js'),
  'kms:list-retirable-grants': () => import('./commands/kms/list-retirable-grants.js'),
  'kms:put-key-policy': () => import('./commands/kms/put-key-policy.js'),
  'kms:list-orphaned-key-material': () => import('./commands/kms/list-orphaned-key-material.js'),
  'kms:re-encrypt': () => import('./commands/kms/re-encrypt.js'),
  'kms:retire-grant': () => import('./commands/kms/retire-grant.js'),
  'kms:revoke-grant': () => import('./commands/kms/revoke-grant.js'),
  'kms:schedule-key-deletion': () => import('./commands/kms/schedule-key-deletion.js'),
  'kms:tag-resource': () => import('./commands/kms/tag-resource.js'),
  'kms:untag-resource': () => import('./commands/kms/untag-resource.js'),
  'kms:update-alias': () => import('./commands/kms/update-alias.js'),
  'kms:update-custom-key-store': () => import('./commands/kms/update-custom-key-store.js'),
  'kms:update-key-description': () => import('./commands/kms/update-key-description.js'),
  'list-tags': () => import('./commands/list-tags.js'),
  login: () => import('./commands/login.js'),
  'login:mfa-token-sign': () => import('./commands/login/mfa-token-sign.js'),
  logout: () => import('./commands/logout.js'),
  'network:fail': () => import('./commands/network/fail.js'),
  'network:restore': () => import('./commands/network/restore.js'),
  'quorum:token-sign:delete': () => import('./commands/quorum/token-sign/delete.js'),
  'quorum:token-sign:generate': () => import('./commands/quorum/token-sign/generate.js'),
  'quorum:token-sign:list': () => import('./commands/quorum/token-sign/list.js'),
  'quorum:token-sign:list-quorum-values': () => import('./commands/quorum/token-sign/list-quorum-values.js'),
  'quorum:token-sign:list-timeouts': () => import('./commands/quorum/token-sign/list-timeouts.js'),
  'quorum:token-sign:set-quorum-value': () => import('./commands/quorum/token-sign/set-quorum-value.js'),
  'quorum:token-sign:set-timeout': () => import('./commands/quorum/token-sign/set-timeout.js'),
  serve: () => import('./commands/serve.js'),
  shell: () => import('./commands/shell.js'),
  'subnet:delete': () => import('./commands/subnet/delete.js'),
  'subnet:exhaust-addresses': () => import('./commands/subnet/exhaust-addresses.js'),
  'subnet:free-addresses': () => import('./commands/subnet/free-addresses.js'),
  'subnet:list': () => import('./commands/subnet/list.js'),
  'subnet:restore': () => import('./commands/subnet/restore.js'),
  tag: () => import('./commands/tag.js'),
  untag: () => import('./commands/untag.js'),
  'user:change-mfa:token-sign': () => import('./commands/user/change-mfa/token-sign.js'),
  'user:change-password': () => import('./commands/user/change-password.js'),
  'user:change-quorum:token-sign:register': () => import('./commands/user/change-quorum/token-sign/register.js'),
  'user:create': () => import('./commands/user/create.js'),
  'user:delete': () => import('./commands/user/delete.js'),
  'user:list': () => import('./commands/user/list.js'),
} satisfies Record<string, () => CommandModule>;

export type CommandId = keyof typeof COMMAND_LOADERS;

/** What oclif and the shell call: `run(argv, config)`. */
export interface RunnableCommand {
  id?: string;
  run(argv: string[], config: Config): Promise<unknown>;
}

export const COMMAND_IDS = Object.keys(COMMAND_LOADERS) as CommandId[];

export async function loadCommand(id: CommandId): Promise<Command.Class> {
  const Real = (await COMMAND_LOADERS[id]()).default;
  Real.id = id;
  return Real;
}

function standIn(id: CommandId): RunnableCommand {
  return {
    id,
    run: async (argv, config): Promise<unknown> => (await loadCommand(id)).run(argv, config) as Promise<unknown>,
  };
}

async function loadAll(): Promise<Record<CommandId, RunnableCommand>> {
  const entries = await Promise.all(COMMAND_IDS.map(async (id) => [id, await loadCommand(id)] as const));
  return Object.fromEntries(entries) as unknown as Record<CommandId, RunnableCommand>;
}

export const COMMANDS: Record<CommandId, RunnableCommand> =
  process.env.CLOUDHSM_EAGER_REGISTRY === '1'
    ? await loadAll()
    : (Object.fromEntries(COMMAND_IDS.map((id) => [id, standIn(id)])) as Record<CommandId, RunnableCommand>);
