/**
 * The cloudhsm_mgmt_util (CMU) dialect (legacy-shells.md §0, §2, §4): positional arguments in
 * the documented order, any unambiguous prefix of a command name runs it (`listU` = listUsers;
 * names are case-sensitive), results per server as `<cmd> success on server N(IP)`, a CAUTION
 * confirmation before changes, and server mode (`server <n>` / `exit`). Every command runs the
 * core operation its CloudHSM CLI equivalent runs; `help` names that equivalent (§4).
 */
import { redactUnknown } from '../tokenize.js';
import { perform } from '../../core/engine.js';
import { readCluster } from '../../core/cluster/operations.js';
import { listKeys } from '../../core/keys/operations.js';
import { callerOf, EXPLAIN_NOTE, type Dialect, type DialectHost, type LineOutcome } from '../dialect.js';
import { ATTRIBUTE_IDS, SETTABLE_IDS } from './cmu-attributes.js';
import { bannerText, exit, getCert, getHsmInfo, info, server } from './cmu-cluster.js';
import { CmuCall, clusterIdOf, openCmu, serverMode, serversOf, userRecords } from './cmu-context.js';
import { findAllKeys, getAttribute, getKeyInfo, listAttributes, setAttributeCommand, shareKeyCommand, syncKey } from './cmu-keys.js';
import { asHsmError, CmuRefusal, CmuUsage, failureText, hint } from './cmu-output.js';
import { approveTokenCommand, delTokenCommand, getMValueCommand, getTokenCommand, listTokensCommand, registerQuorumPubKeyCommand, SERVICE_IDS, setMValueCommand } from './cmu-quorum.js';
import { changePswdCommand, createUserCommand, deleteUserCommand, listUsersCommand, loginHsm, logoutHsm, syncUserCommand } from './cmu-users.js';

/** What an argument position completes to. */
type ArgKind = 'type' | 'user' | 'user-id' | 'handle' | 'attribute' | 'settable' | 'bit' | 'server' | 'info' | 'cert' | 'command' | 'service';

interface CmuCommand {
  name: string;
  /** The arguments, as the docs write them. */
  syntax: string;
  summary: string;
  /** Who may run it (§2). */
  who: string;
  /** The CloudHSM CLI equivalent (§4), or `none`. */
  modern: string;
  minArgs: number;
  maxArgs: number;
  serverModeOnly?: boolean;
  args?: ArgKind[];
  /** Absent for help and quit, which the dispatcher answers itself. */
  run?: (call: CmuCall) => Promise<LineOutcome>;
}

const COMMANDS: readonly CmuCommand[] = [
  { name: 'loginHSM', syntax: '<user-type> <user-name> <password | -hpswd> [-2fa <authdata-path>]', summary: 'Log in on every connected server (types CO, PCO, CU, PRECO). Without the password word, CLOUDHSM_PIN=user:password is used.', who: 'PRECO, CO, CU', modern: 'login --username U --role admin|crypto-user (PRECO: none; `cluster activate` needs no login)', minArgs: 2, maxArgs: 5, args: ['type', 'user'], run: loginHsm },
  { name: 'logoutHSM', syntax: '', summary: 'Log out on every connected server.', who: 'logged-in users', modern: 'logout', minArgs: 0, maxArgs: 0, run: logoutHsm },
  { name: 'listUsers', syntax: '', summary: 'List the users of each server with their IDs and types.', who: 'anyone (no login needed)', modern: 'user list', minArgs: 0, maxArgs: 0, run: listUsersCommand },
  { name: 'createUser', syntax: '<user-type> <user-name> <password | -hpswd> [-2fa <path>]', summary: 'Create a CO or CU (asks for confirmation).', who: 'CO, PCO', modern: 'user create --username U --role R', minArgs: 3, maxArgs: 5, args: ['type', 'user'], run: createUserCommand },
  { name: 'deleteUser', syntax: '<user-type> <user-name>', summary: 'Delete a CO or CU (not while it is logged in, nor a CU that owns keys).', who: 'CO, PCO', modern: 'user delete --username U --role R', minArgs: 2, maxArgs: 2, args: ['type', 'user'], run: deleteUserCommand },
  { name: 'changePswd', syntax: '<user-type> <user-name> <password | -hpswd> [-2fa <path>]', summary: 'Set a new password (asks for confirmation); resets the lockout. For the PRECO it activates the cluster.', who: 'any user for itself; CO, PCO for others', modern: 'user change-password --username U --role R (PRECO: cluster activate)', minArgs: 3, maxArgs: 5, args: ['type', 'user'], run: changePswdCommand },
  { name: 'findAllKeys', syntax: '<user-id> <key-hash 0|1> [<output-file>]', summary: 'List the keys a user owns (o) or shares (s), optionally with a hash of users and key ownership.', who: 'CO, PCO', modern: 'key list [--filter attr.X=Y ...] [--verbose]', minArgs: 2, maxArgs: 3, args: ['user-id', 'bit'], run: findAllKeys },
  { name: 'getKeyInfo', syntax: '[-k] <key-handle> [<output-file>]', summary: 'Show who owns a key and whom it is shared with (by user ID).', who: 'logged-in users who can see the key', modern: 'key list --filter key-reference=0x... --verbose', minArgs: 1, maxArgs: 3, args: ['handle'], run: getKeyInfo },
  { name: 'getAttribute', syntax: '<key-handle> <attribute-id> [<output-file>]', summary: 'Show one attribute of a key (512 = all); listAttributes shows the IDs.', who: 'CU (owner or sharee)', modern: 'key list --filter ... --verbose', minArgs: 2, maxArgs: 3, args: ['handle', 'attribute'], run: getAttribute },
  { name: 'setAttribute', syntax: '<key-handle> <attribute-id> <value>', summary: `Change one attribute of a key (asks for confirmation); IDs ${SETTABLE_IDS.join(', ')}.`, who: 'CU (owner)', modern: 'key set-attribute --filter ... --name <attr> --value <v>', minArgs: 3, maxArgs: 3, args: ['handle', 'settable'], run: setAttributeCommand },
  { name: 'shareKey', syntax: '<key-handle> <user-id> <1=share | 0=unshare>', summary: 'Share a key with a CU, or stop sharing it (asks for confirmation).', who: 'CU (owner)', modern: 'key share / key unshare', minArgs: 3, maxArgs: 3, args: ['handle', 'user-id', 'bit'], run: shareKeyCommand },
  { name: 'listAttributes', syntax: '', summary: 'List the attribute IDs getAttribute and setAttribute take.', who: 'anyone', modern: 'none', minArgs: 0, maxArgs: 0, run: listAttributes },
  { name: 'getHSMInfo', syntax: '', summary: 'Show the hardware and firmware of each server.', who: 'anyone', modern: 'cluster hsm-info', minArgs: 0, maxArgs: 0, run: getHsmInfo },
  { name: 'info', syntax: 'server <server-id>', summary: 'Show a server\'s address, port, partition and who is logged in.', who: 'anyone', modern: 'none', minArgs: 2, maxArgs: 2, args: ['info', 'server'], run: info },
  { name: 'server', syntax: '<server-id>', summary: 'Enter server mode: later commands reach that server only, until exit.', who: 'anyone', modern: 'none', minArgs: 1, maxArgs: 1, args: ['server'], run: server },
  { name: 'exit', syntax: '', summary: 'Leave server mode.', who: 'anyone, in server mode', modern: 'none', minArgs: 0, maxArgs: 0, run: exit },
  { name: 'getCert', syntax: '<file> <cert-type>', summary: 'Write a certificate of the server to a file (4 = customer root, 8 = cluster certificate).', who: 'anyone, in server mode', modern: 'none', minArgs: 2, maxArgs: 2, serverModeOnly: true, args: ['command', 'cert'], run: getCert },
  { name: 'syncKey', syntax: '<key-handle> <dest-server>', summary: 'Copy a key to another server (every emulated HSM already holds it).', who: 'CU (own keys), CO (any key); server mode', modern: 'key replicate', minArgs: 2, maxArgs: 2, serverModeOnly: true, args: ['handle', 'server'], run: syncKey },
  { name: 'syncUser', syntax: '<user-id> <dest-server>', summary: 'Copy a user to another server (every emulated HSM already holds it).', who: 'CO; server mode', modern: 'none', minArgs: 2, maxArgs: 2, serverModeOnly: true, args: ['user-id', 'server'], run: syncUserCommand },
  { name: 'registerQuorumPubKey', syntax: '<user-type> <user-name> <token-file> <signed-token-file> <pubkey-pem>', summary: 'Register your RSA-2048 public key for quorum approvals (asks for confirmation): the token file holds any data of at most 245 bytes, the signed file its signature (openssl dgst -sha256 -sign KEY.pem -out SIGNED TOKEN).', who: 'CO, PCO (for itself)', modern: 'user change-quorum token-sign register', minArgs: 5, maxArgs: 5, args: ['type', 'user'], run: registerQuorumPubKeyCommand },
  { name: 'getToken', syntax: '<service> <user-name> <file>', summary: 'Get a quorum token for a service (3 USER_MGMT, 4 MISC_CO) and write it to a file; each approver signs that file (openssl dgst -sha256 -sign KEY.pem -out SIGNATURE FILE).', who: 'CO, PCO (for itself)', modern: 'quorum token-sign generate --service user|quorum', minArgs: 3, maxArgs: 3, args: ['service', 'user'], run: getTokenCommand },
  { name: 'approveToken', syntax: '<approval-file>', summary: 'Approve your token with the approvers\' signatures, named in a text file: Multi Token File Path:, Token File Path:, Number of Approvals: N, then per approver Approver Type: 2, Approver Name:, Approval File:. The next command under that service uses it up.', who: 'CO, PCO', modern: '--approval <file> on the protected command', minArgs: 1, maxArgs: 1, run: approveTokenCommand },
  { name: 'listTokens', syntax: '', summary: 'List the active quorum tokens with their validity, the approvals they need and who approved them.', who: 'logged-in users', modern: 'quorum token-sign list', minArgs: 0, maxArgs: 0, run: listTokensCommand },
  { name: 'delToken', syntax: '<service>', summary: 'Delete your quorum tokens for a service (3 USER_MGMT, 4 MISC_CO).', who: 'CO, PCO', modern: 'quorum token-sign delete --scope user', minArgs: 1, maxArgs: 1, args: ['service'], run: delTokenCommand },
  { name: 'getMValue', syntax: '<service>', summary: 'Show how many approvals a service needs (3 USER_MGMT, 4 MISC_CO; 1 = no quorum).', who: 'anyone (no login needed)', modern: 'quorum token-sign list-quorum-values', minArgs: 1, maxArgs: 1, args: ['service'], run: getMValueCommand },
  { name: 'setMValue', syntax: '<service> <value>', summary: 'Set how many approvals a service needs, 1 (no quorum) to 8 and at most the number of COs (asks for confirmation). While service 4 (MISC_CO) is above 1, each change needs an approved service 4 token.', who: 'CO, PCO', modern: 'quorum token-sign set-quorum-value', minArgs: 2, maxArgs: 2, args: ['service'], run: setMValueCommand },
  { name: 'help', syntax: '[<command>]', summary: 'List the commands, or describe one.', who: 'anyone', modern: 'help', minArgs: 0, maxArgs: 1, args: ['command'] },
  { name: 'quit', syntax: '', summary: 'Log out and leave cloudhsm_mgmt_util.', who: 'anyone', modern: 'quit', minArgs: 0, maxArgs: 0 },
];

/** Prompts (§0): `aws-cloudhsm>` in global mode, `server<n>>` in server mode, each with a space after. */
export const PROMPT = 'aws-cloudhsm> ';

/** An exact name, else the only command the word is a prefix of (§0 abbreviation). */
function resolve(word: string): CmuCommand | CmuCommand[] {
  const exact = COMMANDS.find((c) => c.name === word);
  if (exact) return exact;
  const matches = COMMANDS.filter((c) => c.name.startsWith(word));
  return matches.length === 1 ? matches[0]! : matches;
}

function usage(command: CmuCommand): string {
  return `Usage: ${command.name}${command.syntax ? ` ${command.syntax}` : ''}\n`;
}

function commandHelp(command: CmuCommand): string {
  return `${usage(command)}    ${command.summary}\n    Who: ${command.who}\n    CloudHSM CLI: ${command.modern}\n`;
}

function overview(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length)) + 2;
  const rows = COMMANDS.map((c) => `    ${c.name.padEnd(width)}${c.modern}\n`);
  return `cloudhsm_mgmt_util commands (any unambiguous prefix runs one; help <command> for details):\n\n    ${'Command'.padEnd(width)}CloudHSM CLI equivalent\n${rows.join('')}\n${EXPLAIN_NOTE}\n`;
}

function helpText(topic: readonly string[]): string {
  if (topic.length === 0) return overview();
  const found = resolve(topic[0]!);
  if (Array.isArray(found)) return unknownText(found);
  return commandHelp(found);
}

/** Neither names the word typed: a line that is no command may be a password typed at the wrong prompt. */
function unknownText(candidates: readonly CmuCommand[]): string {
  if (candidates.length === 0) return `Unknown command; type help to list the commands\n`;
  return `Ambiguous command: it could be ${candidates.map((c) => c.name).sort().join(', ')}; type more of the name\n`;
}

async function runCommand(host: DialectHost, command: CmuCommand, args: string[]): Promise<LineOutcome> {
  if (command.name === 'quit') {
    host.io.write('disconnecting from servers, please wait...\n');
    return 'quit';
  }
  if (args[0] === '-h' || command.name === 'help') {
    const text = command.name === 'help' ? helpText(args) : commandHelp(command);
    host.io.write(text);
    return text.startsWith('Unknown') || text.startsWith('Ambiguous') ? 'failed' : 'ok';
  }
  if (args.length < command.minArgs || args.length > command.maxArgs) {
    host.io.write(usage(command));
    return 'failed';
  }
  if (command.serverModeOnly && serverMode(host) === undefined) {
    host.io.write(`${command.name} works only in server mode: enter it with server <server-id> (info server <n> shows a server)\n`);
    return 'failed';
  }
  const call = new CmuCall(host, command.name, args);
  try {
    return await command.run!(call);
  } catch (err) {
    if ((err as { cancelled?: boolean }).cancelled) return 'failed';
    if (err instanceof CmuUsage) host.io.write(usage(command));
    else if (err instanceof CmuRefusal) host.io.write(`${err.message}\n`);
    else {
      const error = asHsmError(err);
      host.io.write(failureText(command.name, error, call.cmu?.servers ?? []));
      if (error.code !== 'INTERNAL') host.io.explain?.(hint(error));
    }
    return 'failed';
  }
}

/** Key handles the logged-in user can see (decimal), for completion. */
async function visibleHandles(host: DialectHost): Promise<string[]> {
  if (!host.session) return [];
  const listed = await perform(await host.engine(), listKeys, { clusterId: host.session.clusterId, maxItems: 200 }, callerOf(host));
  return listed.keys.map((k) => String(k.ref));
}

async function candidates(host: DialectHost, kind: ArgKind): Promise<string[]> {
  switch (kind) {
    case 'type':
      return ['CO', 'PCO', 'CU', 'PRECO'];
    case 'bit':
      return ['0', '1'];
    case 'info':
      return ['server'];
    case 'cert':
      return ['4', '8'];
    case 'service':
      return SERVICE_IDS;
    case 'attribute':
      return ATTRIBUTE_IDS.map(String);
    case 'settable':
      return SETTABLE_IDS.map(String);
    case 'command':
      return COMMANDS.map((c) => c.name);
    case 'handle':
      return visibleHandles(host);
    case 'server': {
      const cmu = await openCmu(host);
      return cmu.all.map((s) => String(s.index));
    }
    default: {
      const users = await userRecords(await openCmu(host));
      return users.map((u) => (kind === 'user' ? u.username : String(u.id)));
    }
  }
}

/** Password words: the third argument of these commands, unless it is `-hpswd`. */
const PASSWORD_COMMANDS = ['loginHSM', 'createUser', 'changePswd'];
/** A word as the shell's tokenizer reads it: quoted parts, escapes and plain characters. */
const WORD = String.raw`(?:\\.|"(?:\\.|[^"\\])*"|'[^']*'|[^\s"'\\])+`;
const PASSWORD_LINE = new RegExp(String.raw`^(\s*(${WORD})\s+${WORD}\s+${WORD}\s+)(.*)$`, 's');

export const cmuDialect: Dialect = {
  name: 'cmu',

  prompt(host) {
    const mode = serverMode(host);
    return mode === undefined ? PROMPT : `server${mode}> `;
  },

  async banner(host) {
    try {
      const engine = await host.engine();
      const cluster = await perform(engine, readCluster, { clusterId: clusterIdOf(host) });
      return bannerText(serversOf(cluster));
    } catch (err) {
      return `${bannerText([])}Could not connect: ${asHsmError(err).message}\n`;
    }
  },

  async run(host, words) {
    const found = resolve(words[0] ?? '');
    if (Array.isArray(found)) {
      host.io.write(unknownText(found));
      return 'failed';
    }
    return runCommand(host, found, words.slice(1));
  },

  async complete(host, words, partial) {
    const starting = (list: readonly string[]) => [...new Set(list)].filter((c) => c.startsWith(partial)).sort();
    if (words.length === 0) return starting(COMMANDS.map((c) => c.name));
    const found = resolve(words[0]!);
    if (Array.isArray(found)) return [];
    let args = words.slice(1);
    // getKeyInfo's optional -k shifts its arguments by one.
    if (found.name === 'getKeyInfo') {
      if (args.length === 0 && '-k'.startsWith(partial) && partial !== '') return ['-k'];
      if (args[0] === '-k') args = args.slice(1);
    }
    const kind = found.args?.[args.length];
    if (!kind) return [];
    try {
      return starting(await candidates(host, kind));
    } catch {
      return [];
    }
  },

  redact(line) {
    // A line whose command is unknown goes whole: it may be a password typed at the wrong prompt.
    const first = redactUnknown(line, (words) => words.length === 1 && !Array.isArray(resolve(words[0]!)));
    if (first.kept.length === 0) return first.line;
    const match = PASSWORD_LINE.exec(line);
    if (!match) return line;
    // Any prefix of a password command, in any case: a mistyped or ambiguous name must not leak
    // its password into history either.
    const name = match[2]!.replace(/["'\\]/g, '').toLowerCase();
    if (!PASSWORD_COMMANDS.some((c) => c.toLowerCase().startsWith(name))) return line;
    const rest = match[3]!;
    const password = new RegExp(`^${WORD}`).exec(rest)?.[0];
    if (password === '-hpswd') return line;
    // An unterminated quote is not a word, and a word cut short by one is not the whole password:
    // then everything after the name goes.
    const after = password === undefined ? '' : rest.slice(password.length);
    return `${match[1]}****${/^(\s|$)/.test(after) ? after : ''}`;
  },

  async help(_host, topic) {
    return helpText(topic);
  },
};
