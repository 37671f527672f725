/**
 * KMU commands that manage the login and look at keys and users (legacy-shells.md §3):
 * loginHSM, logoutHSM, listUsers, findKey, findSingleKey, getKeyInfo, getAttribute,
 * setAttribute, deleteKey, listAttributes and Error2String. Each calls the same core operation
 * as its CloudHSM CLI equivalent (§4) and prints KMU's lines.
 */
import { deleteKey as deleteKeyOp, setAttribute as setAttributeOp } from '../../core/keys/operations.js';
import type { KeySelector } from '../../core/keys/selector.js';
import { login, listUsers as listUsersOp, logout } from '../../core/users/operations.js';
import { attributeListText, dumpSize } from './kmu-attributes.js';
import { userType, yesNo } from './legacy-users.js';
import { attributeFileText, className, idHex, isKnownAttribute, OBJ_ATTR_ALL, renderAll, renderSingle, typeName } from './legacy-attributes.js';
import {
  byHandle,
  findKeys,
  handle,
  handleOf,
  integer,
  keyByHandle,
  need,
  nodeCount,
  readFile,
  run,
  text,
  UsageError,
  usernamesOf,
  usersById,
  writeFile,
  type KmuCall,
  type Outcome,
  type PresentedKey,
} from './kmu-context.js';
import {
  ALREADY_LOGGED_IN,
  ATTRIBUTE_NOT_APPLICABLE,
  clusterBlock,
  INDENT,
  INVALID_ARGUMENT,
  INVALID_USER_TYPE,
  KmuFailure,
  raw,
  RETURN_TEXTS,
  returnLine,
} from './kmu-output.js';

/** §3 loginHSM: only crypto users (type CU) log in to KMU; any other type is 0xdb. */
export async function loginHSM({ host, flags }: KmuCall): Promise<Outcome> {
  const type = need(flags, 'u');
  const username = need(flags, 's');
  const given = text(flags, 'p');
  if ((given === undefined) === !flags.has('hpswd')) throw new UsageError('give exactly one of -p <password> and -hpswd');
  if (type !== 'CU') throw new KmuFailure(INVALID_USER_TYPE, undefined, true);
  if (host.session) throw new KmuFailure(ALREADY_LOGGED_IN, `${host.session.username} is logged in; run logoutHSM first`);
  const password = given ?? (await host.io.password('Enter password: '));
  // sessionPid records the login so other processes see the user as logged in.
  const result = await run(host, login, { clusterId: host.clusterId, credentials: { username, password, role: 'crypto-user' }, sessionPid: process.pid });
  host.session = result.session;
  return { blocks: [[returnLine('Cfm3LoginHSM')], clusterBlock(await nodeCount(host), 0, 'status')] };
}

export async function logoutHSM({ host }: KmuCall): Promise<Outcome> {
  const nodes = await nodeCount(host);
  await run(host, logout, { clusterId: host.session!.clusterId });
  host.session = undefined;
  host.sessionKeys.clear();
  return { blocks: [[returnLine('Cfm3LogoutHSM')], clusterBlock(nodes, 0, 'status')] };
}

/**
 * §3 listUsers, laid out as the documented example: 8 spaces, then columns of 12, 12, 16, 20, 14
 * and 24 characters under the header; a row puts its index, ID, type, name, MofnPubKey and
 * failure count in fields of 17, 7, 16, 26, 17 and 16 characters (the example's own alignment).
 */
const USERS_HEADER = `${INDENT}Index       User ID     User Type       User Name           MofnPubKey    LoginFailureCnt         2FA`;
const ROW_FIELDS = [17, 7, 16, 26, 17, 16, 0];

function userRow(cells: string[]): string {
  return `${INDENT}${cells.map((c, i) => c.padEnd(ROW_FIELDS[i]!)).join('')}`;
}

/** §3 listUsers: the users in ID order (the tool's order), with their IDs and failure counts. */
export async function listUsers({ host }: KmuCall): Promise<Outcome> {
  const { users } = await run(host, listUsersOp, { clusterId: host.session!.clusterId });
  const byId = [...users].sort((a, b) => a.id - b.id);
  const rows = byId.map((u, i) => userRow([String(i + 1), String(u.id), userType(u), u.username, yesNo(u.quorum), String(u.failedLogins), yesNo(u.mfa)]));
  return { blocks: [[`Number Of Users found ${users.length}`], [raw(USERS_HEADER), ...rows.map(raw)], [returnLine('Cfm3ListUsers')]] };
}

/** §3 findKey filters as a key selector; -u narrows afterwards. */
async function findKeyFilter(call: KmuCall): Promise<KeySelector> {
  const { flags } = call;
  const terms: Array<[string, string]> = [];
  const cls = integer(flags, 'c');
  if (cls !== undefined) {
    const name = className(cls);
    if (!name) throw new UsageError(`-c takes a key class: 2 public, 3 private or 4 secret, not ${cls}`);
    terms.push(['class', name]);
  }
  const type = integer(flags, 't');
  if (type !== undefined) {
    const name = typeName(type);
    if (!name) throw new UsageError(`-t takes a key type: 0 RSA, 1 DSA, 3 EC, 16 generic secret, 18 RC4, 21 DES3 or 31 AES, not ${type}`);
    terms.push(['key-type', name]);
  }
  const label = text(flags, 'l');
  if (label !== undefined) terms.push(['label', label]);
  const id = text(flags, 'id');
  if (id !== undefined) terms.push(['id', idHex(id)]);
  const sess = text(flags, 'sess');
  if (sess !== undefined) {
    if (sess !== '0' && sess !== '1') throw new UsageError('-sess takes 1 (session keys) or 0 (token keys)');
    terms.push(['token', String(sess === '0')]);
  }
  const kcv = text(flags, 'kcv');
  if (kcv !== undefined) {
    if (!/^(0x)?[0-9a-f]{6}$/i.test(kcv)) throw new UsageError(`-kcv takes the 3-byte key check value in hex, such as 0x1a2b3c, not "${kcv}"`);
    terms.push(['check-value', `0x${kcv.replace(/^0x/i, '').toLowerCase()}`]);
  }
  const modulusFile = text(flags, 'm');
  // [assumed] the -m file holds the modulus as raw big-endian bytes.
  if (modulusFile !== undefined) terms.push(['modulus', `0x${readFile(modulusFile).toString('hex')}`]);
  return { attributes: terms };
}

/** `-u a,b`: keys every listed user can use too (owner, sharee, or any public key). */
function usableByAll(key: PresentedKey, usernames: string[]): boolean {
  if (key.attributes.class === 'public-key') return true;
  const users = [...key['key-info']['key-owners'], ...key['key-info']['shared-users']].map((u) => u.username);
  return usernames.every((u) => users.includes(u));
}

/** §3 findKey: count, the matched handles, then the status block and the return line last. */
export async function findKey(call: KmuCall): Promise<Outcome> {
  const { host, flags } = call;
  const usernames = await usernamesOf(host, text(flags, 'u'));
  let keys = await findKeys(host, await findKeyFilter(call));
  if (usernames) keys = keys.filter((k) => usableByAll(k, usernames));
  const handles = keys.map((k) => handleOf(k['key-reference']));
  const listing = [raw(`Total number of keys present ${handles.length}`)];
  const matched = handles.length > 0 ? [raw(` number of keys matched from start index 0::${handles.length - 1}`), raw(handles.join(', '))] : [];
  return { blocks: [listing, matched, clusterBlock(await nodeCount(host)), [returnLine('Cfm3FindKey')]] };
}

/** §3 findSingleKey: the key is present (on every HSM: the emulator keeps one copy for all). */
export async function findSingleKey({ host, flags }: KmuCall): Promise<Outcome> {
  await keyByHandle(host, handle(flags, 'k'));
  return { blocks: [[returnLine('Cfm3FindKey')], clusterBlock(await nodeCount(host))] };
}

/** §3 getKeyInfo: owner and sharees by user ID, and the key quorum when there is one. */
export async function getKeyInfo({ host, flags }: KmuCall): Promise<Outcome> {
  const key = await keyByHandle(host, handle(flags, 'k'));
  const users = await usersById(host);
  const idOf = (name: string) => String(users.find((u) => u.username === name)?.id ?? name);
  const info = key['key-info'];
  const blocks = [[returnLine('Cfm3GetKey')], [`Owned by user ${idOf(info['key-owners'][0]!.username)}`]];
  const shared = info['shared-users'].map((u) => `         ${idOf(u.username)}`);
  const quorum = Math.max(...Object.values(info['key-quorum-values']), 0);
  // KMU prints this line with one space more than the others, right under the sharees (§3 getKeyInfo).
  const approvals = quorum > 0 ? [` ${quorum} Users need to approve to use/manage this key`] : [];
  if (shared.length > 0) blocks.push([`also, shared to following ${shared.length} user(s):`], [...shared, ...approvals]);
  else if (approvals.length > 0) blocks.push(approvals);
  return { blocks };
}

/**
 * §3 getAttribute: always to a file (-out); `-a 512` dumps every applicable attribute. The lines
 * are those of the build the dump follows (legacy-attributes.ts): `got all attributes of size <n>
 * attr cnt <n>`, `Attributes dumped into <file>` (no ` file` after a dump, as in the
 * genECCKeyPair example) and the return line; one attribute prints only `Attributes dumped into
 * <file> file`, as the getAttribute and imSymKey examples show.
 */
export async function getAttribute({ host, flags }: KmuCall): Promise<Outcome> {
  const h = handle(flags, 'o');
  const id = integer(flags, 'a');
  const out = need(flags, 'out');
  if (id === undefined || !isKnownAttribute(id)) throw new UsageError(`-a takes an attribute ID from listAttributes, or 512 for all`);
  const shown = (await keyByHandle(host, h)).attributes;
  if (id === OBJ_ATTR_ALL) {
    const all = renderAll(shown);
    writeFile(out, attributeFileText(all));
    return { blocks: [[raw(`got all attributes of size ${dumpSize(all)} attr cnt ${all.length}`), raw(`Attributes dumped into ${out}`)], [returnLine('Cfm3GetAttribute')]] };
  }
  const one = renderSingle(id, shown);
  if (!one) throw new KmuFailure(ATTRIBUTE_NOT_APPLICABLE, `attribute ${id} does not apply to key ${h} (a ${String(shown['key-type'])} ${String(shown.class)})`, true);
  writeFile(out, attributeFileText([one]));
  return { blocks: [[raw(`Attributes dumped into ${out} file`)]] };
}

/**
 * §3 setAttribute: KMU sets only OBJ_ATTR_TOKEN (1), and only to 1 (a session key becomes a
 * token key; keys.md §1 forbids the reverse). Other attributes: CMU or `key set-attribute`.
 */
export async function setAttribute({ host, flags }: KmuCall): Promise<Outcome> {
  const h = handle(flags, 'o');
  if (integer(flags, 'a') !== 1) throw new UsageError('key_mgmt_util sets only attribute 1 (OBJ_ATTR_TOKEN); use `key set-attribute` for the others');
  // The handle first: a question for a key that is not there would swallow a script's next line.
  await keyByHandle(host, h);
  host.io.write('This attribute is defined as a boolean value.\n');
  const answer = (await host.io.ask('Enter the boolean attribute value (0 or 1):'))?.trim();
  if (answer === undefined) throw new KmuFailure(INVALID_ARGUMENT, 'no value given; nothing was changed');
  if (answer !== '1') throw new KmuFailure(INVALID_ARGUMENT, `only 1 is valid: a session key can become a token key, never the reverse (got "${answer}")`);
  await run(host, setAttributeOp, { filter: byHandle(h), name: 'token', value: 'true' });
  return { blocks: [[returnLine('Cfm3SetAttribute')], clusterBlock(await nodeCount(host))] };
}

/** §3 deleteKey: owner only; a missing handle is reported by Cfm3FindKey (0xa8). */
export async function deleteKey({ host, flags }: KmuCall): Promise<Outcome> {
  await run(host, deleteKeyOp, { filter: byHandle(handle(flags, 'k')) });
  return { blocks: [[returnLine('Cfm3DeleteKey')], clusterBlock(await nodeCount(host))] };
}

export async function listAttributes({ host }: KmuCall): Promise<Outcome> {
  host.io.write(attributeListText());
  return { blocks: [] };
}

/** §0: `Error Code <hh> maps to <text>`, hh in lowercase hex without 0x. */
export async function error2String({ flags }: KmuCall): Promise<Outcome> {
  const given = need(flags, 'r');
  if (!/^(0x)?[0-9a-f]+$/i.test(given)) throw new UsageError(`-r takes a code in hex such as 0xdb, not "${given}"`);
  const code = Number.parseInt(given.replace(/^0x/i, ''), 16);
  const textOf = RETURN_TEXTS.get(code);
  if (textOf === undefined) throw new KmuFailure(INVALID_ARGUMENT, `0x${code.toString(16)} is not a code key_mgmt_util returns`);
  return { blocks: [[`Error Code ${code.toString(16)} maps to ${textOf}`]] };
}
