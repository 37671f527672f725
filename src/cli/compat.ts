/**
 * The `cloudhsm-cli` entry runs only what the real CloudHSM CLI has, so that a script written
 * against it runs unchanged on AWS CloudHSM (PRODUCT.md, entry points). The command list is the
 * real tool's (cli-commands.md §2); every other command of cloudhsm-local is an extension and is
 * refused there with an error that names where it lives.
 */
import type { CommandCatalog } from './catalog.js';
import { commandWords } from './suggest.js';

/** The real tool's commands, with ':' between words; `shell` is what `interactive` opens. */
export const CLOUDHSM_CLI_COMMANDS: ReadonlySet<string> = new Set([
  'cluster:activate',
  'cluster:hsm-info',
  ...['deregister-trust-anchor', 'get-enforcement', 'list-trust-anchors', 'register-trust-anchor', 'set-enforcement'].map((c) => `cluster:mtls:${c}`),
  ...['ecdsa', 'ed25519', 'ed25519ph', 'ml-dsa', 'rsa-pkcs', 'rsa-pkcs-pss'].flatMap((m) => [`crypto:sign:${m}`, `crypto:verify:${m}`]),
  'key:delete',
  ...['ec', 'rsa', 'ml-dsa'].map((t) => `key:generate-asymmetric-pair:${t}`),
  'key:generate-file',
  'key:generate-symmetric:aes',
  'key:generate-symmetric:generic-secret',
  'key:import:pem',
  'key:list',
  'key:replicate',
  'key:set-attribute',
  'key:share',
  'key:unshare',
  ...['aes-gcm', 'aes-no-pad', 'aes-pkcs5-pad', 'aes-zero-pad', 'cloudhsm-aes-gcm', 'rsa-aes', 'rsa-oaep', 'rsa-pkcs'].flatMap((m) => [`key:wrap:${m}`, `key:unwrap:${m}`]),
  'login',
  'login:mfa-token-sign',
  'logout',
  ...['delete', 'generate', 'list', 'list-quorum-values', 'list-timeouts', 'set-quorum-value', 'set-timeout'].map((c) => `quorum:token-sign:${c}`),
  'user:change-mfa:token-sign',
  'user:change-password',
  'user:change-quorum:token-sign:register',
  'user:create',
  'user:delete',
  'user:list',
  'user:replicate',
  'help',
  'shell',
]);

/** Flags of ours that the real tool does not have, and what a script for it does instead. */
export const CLOUDHSM_LOCAL_FLAGS: Readonly<Record<string, string>> = {
  '--password-stdin': 'cloudhsm-cli reads the password from standard input when that is not a terminal: pipe it in without this flag',
  '--rotate-password': 'with the CloudHSM CLI, log in and then run `user change-password`',
  '--out': 'the CloudHSM CLI prints the result in its JSON; decode the base64 there',
  '--signature-format': 'the CloudHSM CLI takes and gives ECDSA signatures as raw r‖s only',
};

/** Why `cloudhsm-cli` does not run extension command `id` (shown as the user would type it). */
export function extensionRefusal(id: string): string {
  const words = id.replace(/:/g, ' ');
  return `"${words}" is a cloudhsm-local extension, not a CloudHSM CLI command, so a script using it would not run on AWS CloudHSM; run it as \`cloudhsm-local ${words}\``;
}

/** The catalog as `cloudhsm-cli` offers it: the real tool's commands, the rest named as extensions. */
export function cloudHsmCliCatalog(catalog: CommandCatalog): CommandCatalog {
  return {
    ids: catalog.ids.filter((id) => CLOUDHSM_CLI_COMMANDS.has(id)),
    run: (id, argv, config) => catalog.run(id, argv, config),
    extensions: catalog.ids.filter((id) => !CLOUDHSM_CLI_COMMANDS.has(id)),
  };
}

/**
 * The extension a command line names, if any: its leading words (before the first flag) name an
 * extension command, or a group holding only extensions (`crypto hmac`).
 */
export function namedExtension(catalog: CommandCatalog, words: readonly string[]): string | undefined {
  const extensions = catalog.extensions ?? [];
  if (extensions.length === 0) return undefined;
  const leading = commandWords(words);
  for (let n = leading.length; n > 0; n--) {
    const id = leading.slice(0, n).join(':');
    if (catalog.ids.includes(id)) return undefined;
    if (extensions.includes(id)) return id;
    const under = (ids: readonly string[]) => ids.some((known) => known.startsWith(`${id}:`));
    if (under(extensions) && !under(catalog.ids)) return id;
  }
  return undefined;
}

/** The first words the real tool takes. */
const TOPICS = new Set([...[...CLOUDHSM_CLI_COMMANDS].map((id) => id.split(':')[0]!).filter((w) => w !== 'shell'), 'interactive']);

/**
 * Why `cloudhsm-cli` refuses a command line, or undefined when it runs it: a first word the real
 * tool does not have, an extension command, or a flag only cloudhsm-local has.
 */
export function cloudHsmCliRefusal(argv: readonly string[], catalog: CommandCatalog): string | undefined {
  const extension = namedExtension(catalog, argv);
  if (extension) return extensionRefusal(extension);
  const first = argv.find((a) => !a.startsWith('-'));
  if (first && !TOPICS.has(first)) {
    // The word is not echoed: it may be a password given in the wrong place.
    const topics = [...TOPICS];
    return `that is not a CloudHSM CLI command; cloudhsm-cli takes ${topics.slice(0, -1).join(', ')} and ${topics.at(-1)!}`;
  }
  const flag = argv.map((a) => a.split('=')[0]!).find((a) => a in CLOUDHSM_LOCAL_FLAGS);
  if (flag) return `${flag} is a cloudhsm-local flag; ${CLOUDHSM_LOCAL_FLAGS[flag]}`;
  return undefined;
}
