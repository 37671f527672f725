/**
 * CMU key commands (legacy-shells.md §1-2): findAllKeys, getKeyInfo, getAttribute, setAttribute,
 * shareKey, listAttributes and syncKey. Handles are key references in decimal. Which keys a user
 * may see, use or change is decided by the same core operations the CloudHSM CLI uses
 * (`key list`, `key set-attribute`, `key share`/`unshare`); owners and sharees are then shown by
 * user ID, read from the records as a presentation detail.
 */
import { perform } from '../../core/engine.js';
import { byReference } from '../../core/keys/selector.js';
import { findUserKeys, listKeys, setAttribute, shareKey, unshareKey } from '../../core/keys/operations.js';
import { callerOf, type LineOutcome } from '../dialect.js';
import { attributeListText, attributeText, settable } from './cmu-attributes.js';
import { attributeName, isKnownAttribute } from './legacy-attributes.js';
import { CmuRefusal, CmuUsage, serverName, successLines } from './cmu-output.js';
import { cmuError, confirmed, keyOwnership, parseNumber, userById, userRecords, writeOutputFile, type Cmu, type CmuCall } from './cmu-context.js';
import { destinationServer, requireLogin } from './cmu-users.js';
import { presentKeyListing } from '../../cli/presenters/keys.js';
import { parseReference } from '../../cli/key-filter.js';

function parseHandle(word: string): number {
  if (!/^\d+$/.test(word)) throw new CmuRefusal(`key handle "${word}" is not a handle: give the decimal number findAllKeys (or KMU findKey) prints`);
  return parseReference(word);
}

/**
 * The key as `key list` shows it to the logged-in user (verbose: with attributes, for a crypto
 * user), or a refusal when that user cannot see it.
 */
async function visibleKey(cmu: Cmu, handle: number, verbose: boolean): Promise<Record<string, unknown>> {
  const listed = await perform(cmu.engine, listKeys, { clusterId: cmu.clusterId, filter: byReference(handle), maxItems: 1, verbose }, callerOf(cmu.host));
  const item = presentKeyListing(listed).matched_keys[0];
  if (!item) throw cmuError('KEY_SELECTION_NOT_UNIQUE', `no key with handle ${handle} is visible to ${cmu.host.session!.username}; only its owner, its sharees (and COs) see a key`);
  return item;
}

/** `findAllKeys <user-id> <key-hash 0|1> [<output-file>]` (CO, PCO): the keys a user owns (o) or shares (s). */
export async function findAllKeys(call: CmuCall): Promise<LineOutcome> {
  const [idWord, hashWord, file] = call.args as string[];
  const userId = parseNumber(idWord!, 'the user ID');
  if (hashWord !== '0' && hashWord !== '1') throw new CmuRefusal(`findAllKeys: key hash must be 0 or 1, not "${hashWord}"`);
  const cmu = await call.open();
  await requireLogin(cmu);
  const found = await perform(cmu.engine, findUserKeys, { clusterId: cmu.clusterId, userId }, callerOf(cmu.host));
  const mine = found.keys.map((k) => `${k.ref}(${k.owned ? 'o' : 's'})`);
  let body = `Number of keys found ${mine.length}\nnumber of keys matched from start index 0::${mine.length}\n`;
  if (mine.length > 0) body += `${mine.join(',')}\n`;
  // The hash goes on the line after `Key Hash:`, then a blank line; users without keys get none (§2).
  const hashed = hashWord === '1' && mine.length > 0;
  if (hashed) body += `Key Hash:\n${found.keyHash}\n\n`;
  if (file) writeOutputFile(file, body);
  // As the examples show: without the hash a blank line parts the servers, with it none.
  const blocks = cmu.servers.map((server) => `Keys on server ${serverName(server)}:\n${body}findAllKeys success on server ${serverName(server)}\n`);
  cmu.write(blocks.join(hashed ? '' : '\n'));
  return 'ok';
}

/** `getKeyInfo [-k] <key-handle> [<output-file>]`: token/session, owner and sharees by user ID. */
export async function getKeyInfo(call: CmuCall): Promise<LineOutcome> {
  const args = call.args[0] === '-k' ? call.args.slice(1) : call.args;
  if (args.length < 1 || args.length > 2) throw new CmuUsage();
  const handle = parseHandle(args[0]!);
  const cmu = await call.open();
  await visibleKey(cmu, handle, false);
  const key = await keyOwnership(cmu, handle);
  const ids = new Map((await userRecords(cmu)).map((u) => [u.username, u.id]));
  const sharees = key.class === 'public-key' ? [] : key.sharedUsers.flatMap((u) => (ids.has(u) ? [ids.get(u)!] : []));
  let body = `\n        ${key.token ? 'Token/Flash Key,' : 'Session Key,'}\n\n        Owned by user ${ids.get(key.owner) ?? key.owner}\n\n`;
  // As the examples show: the sharees and the approvals line end the block, with no blank line after.
  if (sharees.length > 0) body += `        also, shared to following ${sharees.length} user(s):\n\n${sharees.map((id) => `                 ${id}\n`).join('')}`;
  const quorum = Math.max(key.manageQuorum, key.useQuorum);
  if (quorum > 0) body += `         ${quorum} Users need to approve to use/manage this key\n`;
  if (args[1]) writeOutputFile(args[1], body);
  for (const server of cmu.servers) cmu.write(`Key Info on server ${serverName(server)}:\n${body}`);
  return 'ok';
}

/** `getAttribute <key-handle> <attribute-id> [<file>]` (a CU who owns or shares the key). */
export async function getAttribute(call: CmuCall): Promise<LineOutcome> {
  const [handleWord, idWord, file] = call.args as string[];
  const handle = parseHandle(handleWord!);
  const id = parseNumber(idWord!, 'the attribute ID');
  if (!isKnownAttribute(id)) throw new CmuRefusal(`getAttribute: ${id} is not an attribute ID; listAttributes shows them`);
  const cmu = await call.open();
  const item = await visibleKey(cmu, handle, true);
  // `key list --verbose` shows attributes to crypto users only (cli-commands.md §3.14).
  if (!('key-info' in item)) throw cmuError('PERMISSION_DENIED', 'getAttribute is for crypto users (CU) who own or share the key; log in as one');
  const text = attributeText(id, item.attributes as Record<string, unknown>);
  if (text === undefined) throw cmuError('INVALID_ARGUMENT', `${attributeName(id)} does not apply to key ${handle}`);
  if (file) writeOutputFile(file, text);
  // A blank line parts the servers, as the examples show.
  cmu.write(cmu.servers.map((server) => `Attribute Value on server ${serverName(server)}:\n${text}`).join('\n'));
  return 'ok';
}

/** `setAttribute <key-handle> <attribute-id> <value>` (the owner; §2 lists the settable IDs). */
export async function setAttributeCommand(call: CmuCall): Promise<LineOutcome> {
  const [handleWord, idWord, value] = call.args as string[];
  const handle = parseHandle(handleWord!);
  const change = settable(parseNumber(idWord!, 'the attribute ID'), value!);
  if ('refusal' in change) throw new CmuRefusal(`setAttribute: ${change.refusal}`);
  const cmu = await call.open();
  const stop = await confirmed(cmu.host);
  if (stop) return stop;
  await perform(cmu.engine, setAttribute, { clusterId: cmu.clusterId, filter: byReference(handle), ...change }, callerOf(call.host));
  cmu.write(successLines('setAttribute', cmu.servers));
  return 'ok';
}

/** `shareKey <key-handle> <user-id> <1=share|0=unshare>` (the owner, with a crypto user). */
export async function shareKeyCommand(call: CmuCall): Promise<LineOutcome> {
  const [handleWord, idWord, flag] = call.args as string[];
  const handle = parseHandle(handleWord!);
  const id = parseNumber(idWord!, 'the user ID');
  if (flag !== '0' && flag !== '1') throw new CmuRefusal(`shareKey: give 1 to share or 0 to unshare, not "${flag}"`);
  const cmu = await call.open();
  const stop = await confirmed(cmu.host);
  if (stop) return stop;
  const user = await userById(cmu, id);
  const input = { clusterId: cmu.clusterId, filter: byReference(handle), username: user.username, role: 'crypto-user' };
  await perform(cmu.engine, flag === '1' ? shareKey : unshareKey, input, callerOf(call.host));
  cmu.write(successLines('shareKey', cmu.servers));
  return 'ok';
}

export async function listAttributes(call: CmuCall): Promise<LineOutcome> {
  call.host.io.write(attributeListText());
  return 'ok';
}

/**
 * `syncKey <key-handle> <dest-server>` (server mode; a CU its own keys, a CO any key): every HSM
 * of an emulated cluster holds the same keys, so after the checks there is nothing to copy.
 */
export async function syncKey(call: CmuCall): Promise<LineOutcome> {
  const [handleWord, destWord] = call.args as string[];
  const handle = parseHandle(handleWord!);
  const cmu = await call.open();
  destinationServer(cmu, destWord!);
  await visibleKey(cmu, handle, false);
  const key = await keyOwnership(cmu, handle);
  const session = cmu.host.session!;
  if (session.role === 'crypto-user' && key.owner !== session.username) {
    throw cmuError('KEY_ACCESS_DENIED', `only the owner of key ${handle} (${key.owner}) or a CO may sync it`);
  }
  if (!key.token) throw cmuError('INVALID_ARGUMENT', `key ${handle} is a session key; only token keys are synchronised`);
  cmu.write('syncKey success\n');
  return 'ok';
}
