/**
 * CMU quorum (M of N) commands (legacy-shells.md §2, users-and-auth.md §8): registerQuorumPubKey,
 * getToken, approveToken, listTokens, delToken, getMValue and setMValue. Each runs the core
 * quorum operation the CloudHSM CLI runs (`user change-quorum token-sign register`, `quorum
 * token-sign generate/list/delete/list-quorum-values/set-quorum-value`); approveToken records the
 * approvals on the token, and the next quorum-controlled command of the same login (createUser,
 * deleteUser, changePswd of another user, setMValue) uses it up.
 *
 * Files are as the docs describe them: getToken writes the token's data, which each approver
 * signs with `openssl dgst -sha256 -sign KEY.pem -out SIGNATURE TOKEN` (a raw signature file);
 * registerQuorumPubKey takes any data of at most 245 bytes and such a signature over it; the
 * approval file is text naming the token file and each approver's signature file.
 */
import { perform } from '../../core/engine.js';
import { approveToken, deleteTokens, generateToken, listQuorumValues, listTokens, registerQuorumKey, setQuorumValue, type TokenListing } from '../../core/quorum/operations.js';
import type { QuorumTokenFile } from '../../core/quorum/tokens.js';
import type { LoginRole } from '../../core/users/rules.js';
import { callerOf, type LineOutcome } from '../dialect.js';
import { CmuRefusal, serverName, successLines } from './cmu-output.js';
import { cmuError, confirmed, parseNumber, readInput, writeOutputFile, type CmuCall } from './cmu-context.js';
import { checkType, parseType } from './cmu-users.js';

/** §8.1: the legacy services, by number and name, and the CLI service each is. */
interface LegacyService {
  id: number;
  name: string;
  service: 'user' | 'quorum';
}

const SERVICES: readonly LegacyService[] = [
  { id: 3, name: 'USER_MGMT', service: 'user' },
  { id: 4, name: 'MISC_CO', service: 'quorum' },
];

/** Service numbers, for completion. */
export const SERVICE_IDS = SERVICES.map((s) => String(s.id));

/** A service given by number (3, 4), legacy name (USER_MGMT, MISC_CO) or CLI name (user, quorum). */
function parseService(word: string, cmd: string): LegacyService {
  const found = SERVICES.find((s) => String(s.id) === word || s.name === word.toUpperCase() || s.service === word.toLowerCase());
  if (found) return found;
  throw new CmuRefusal(`${cmd}: unknown service "${word}"; give 3 (USER_MGMT: createUser, deleteUser, changePswd of another user) or 4 (MISC_CO: setMValue)`);
}

/** A CLI service name as CMU numbers it; services CMU has no number for keep their CLI name. */
function serviceNumber(service: string): string {
  const found = SERVICES.find((s) => s.service === service);
  return found ? String(found.id) : service;
}

/**
 * §2 getToken's token block. [assumed] `Id` is the token's place among the cluster's active
 * tokens, oldest first (listTokens shows the same), `Node` the server's number; tokens of the
 * admin services name no key, so `Key Handle` is 0.
 */
function tokenBlock(id: number, service: string, node: number, user: string): string {
  return `Token:\nId:${id}\nService:${serviceNumber(service)}\nNode:${node}\nKey Handle:0\nUser:${user}\n`;
}

/**
 * `registerQuorumPubKey <type> <name> <token-file> <signed-token-file> <pubkey-pem>` (CO, for
 * itself): the token file is any data of at most 245 bytes, the signed file its raw SHA-256 RSA
 * signature; the confirmation, then one success line per server.
 */
export async function registerQuorumPubKeyCommand(call: CmuCall): Promise<LineOutcome> {
  const [typeWord, name, tokenFile, signedFile, pemFile] = call.args as string[];
  const type = parseType(typeWord!, ['CO', 'PCO'], call.name);
  const data = readInput(tokenFile!, 'token file');
  const signature = readInput(signedFile!, 'signed token file');
  const publicKeyPem = readInput(pemFile!, 'public key file').toString('utf8');
  const cmu = await call.open();
  const stop = await confirmed(call.host);
  if (stop) return stop;
  await checkType(cmu, name!, type);
  const proof = { data: data.toString('base64'), signature: signature.toString('base64') };
  await perform(cmu.engine, registerQuorumKey, { clusterId: cmu.clusterId, publicKeyPem, proof, username: name! }, callerOf(call.host));
  cmu.write(successLines(call.name, cmu.servers));
  return 'ok';
}

/**
 * `getToken <service> <user> <file>` (CO, for itself): a token for the service, its data written
 * to the file for the approvers to sign, and the token block per server.
 */
export async function getTokenCommand(call: CmuCall): Promise<LineOutcome> {
  const [serviceWord, name, file] = call.args as string[];
  const service = parseService(serviceWord!, call.name);
  const cmu = await call.open();
  const caller = callerOf(call.host);
  const login = call.host.session?.username;
  if (login !== undefined && name!.toLowerCase() !== login) {
    throw cmuError('PERMISSION_DENIED', `a token is for the logged-in user: give ${login}, not ${name}, or log in as ${name!.toLowerCase()}`);
  }
  const { token } = await perform(cmu.engine, generateToken, { clusterId: cmu.clusterId, service: service.service }, caller);
  try {
    writeOutputFile(file!, Buffer.from((token as QuorumTokenFile).approval_data, 'base64'));
  } catch (err) {
    // A token nobody can sign is of no use, and would block the next getToken for the service.
    await perform(cmu.engine, deleteTokens, { clusterId: cmu.clusterId, scope: 'user', service: service.service }, caller);
    throw err;
  }
  const { tokens } = await perform(cmu.engine, listTokens, { clusterId: cmu.clusterId }, caller);
  cmu.write(cmu.servers.map((s) => `getToken success on server ${serverName(s)}\n${tokenBlock(tokens.length, service.service, s.index, login ?? name!)}`).join(''));
  return 'ok';
}

/** What an approval file names: the token file and each approver's signature file. */
interface ApprovalText {
  tokenFile: string;
  approvers: Array<{ role: LoginRole; name: string; file: string }>;
}

/** §8.3: approver types, 2 = CO, 1 = CU. */
const APPROVER_TYPES: Readonly<Record<string, LoginRole>> = { '2': 'admin', '1': 'crypto-user' };

/**
 * Reads an approval file: `Multi Token File Path:`, `Token File Path:` (one of them given),
 * `Number of Approvals: N`, then N times `Approver Type:`, `Approver Name:`, `Approval File:`, in
 * that order. [assumed] Blank lines are skipped, field names are matched without regard to case,
 * and a `;` ends a value (the rest of the line is a comment).
 */
export function parseApprovalText(text: string, file: string): ApprovalText {
  const lines = text
    .split(/\r?\n/)
    .map((line, i) => ({ line, number: i + 1 }))
    .filter((l) => l.line.trim() !== '');
  let next = 0;
  const field = (name: string): string => {
    const entry = lines[next++];
    if (!entry) throw new CmuRefusal(`approveToken: ${file} ends where a "${name}: <value>" line should follow`);
    const match = /^([^:;]*):(.*)$/.exec(entry.line);
    if (!match || match[1]!.trim().replace(/\s+/g, ' ').toLowerCase() !== name.toLowerCase()) {
      throw new CmuRefusal(`approveToken: ${file} line ${entry.number}: expected "${name}: <value>", found "${entry.line.trim()}"`);
    }
    return match[2]!.replace(/;.*$/, '').trim();
  };
  const where = () => `${file} line ${lines[next - 1]!.number}`;
  const multi = field('Multi Token File Path');
  const single = field('Token File Path');
  if (multi === '' && single === '') throw new CmuRefusal(`approveToken: ${file} names no token file; give the file getToken wrote as its Token File Path (or Multi Token File Path)`);
  if (multi !== '' && single !== '' && multi !== single) {
    throw new CmuRefusal(`approveToken: ${file} names two token files (${multi} and ${single}); give one and leave the other path empty`);
  }
  const countText = field('Number of Approvals');
  if (!/^[1-9]\d{0,2}$/.test(countText)) throw new CmuRefusal(`approveToken: ${where()}: Number of Approvals must be a whole number from 1, not "${countText}"`);
  const approvers: ApprovalText['approvers'] = [];
  for (let i = 0; i < Number(countText); i++) {
    const typeText = field('Approver Type');
    const role = APPROVER_TYPES[typeText];
    if (!role) throw new CmuRefusal(`approveToken: ${where()}: Approver Type must be 2 (CO) or 1 (CU), not "${typeText}"`);
    const name = field('Approver Name');
    if (name === '') throw new CmuRefusal(`approveToken: ${where()}: Approver Name is empty`);
    const signatureFile = field('Approval File');
    if (signatureFile === '') throw new CmuRefusal(`approveToken: ${where()}: Approval File is empty; give the file ${name} signed the token into`);
    approvers.push({ role, name, file: signatureFile });
  }
  const extra = lines[next];
  if (extra) throw new CmuRefusal(`approveToken: ${file} line ${extra.number}: more lines than Number of Approvals (${countText}) calls for: "${extra.line.trim()}"`);
  return { tokenFile: multi || single, approvers };
}

/** `approveToken <approval-file>` (CO): the approvers' signatures are checked and kept on the token. */
export async function approveTokenCommand(call: CmuCall): Promise<LineOutcome> {
  const [file] = call.args as string[];
  const approval = parseApprovalText(readInput(file!, 'approval file').toString('utf8'), file!);
  const token = readInput(approval.tokenFile, 'token file').toString('base64');
  const signatures = approval.approvers.map((a) => ({ username: a.name, role: a.role, signature: readInput(a.file, `approval file of ${a.name}`).toString('base64') }));
  const cmu = await call.open();
  await perform(cmu.engine, approveToken, { clusterId: cmu.clusterId, token, signatures }, callerOf(call.host));
  cmu.write(successLines(call.name, cmu.servers));
  return 'ok';
}

/** One token of listTokens: [assumed] a numbered separator and getToken's token block come first. */
function listedToken(token: TokenListing, index: number, node: number): string {
  const approvers = (token.approvers ?? []).map((name, i) => `Approver-${i}: ${name}\n`).join('');
  return (
    `-------- Token - ${index} ----------\n${tokenBlock(index + 1, token.service, node, token.username)}` +
    `Token Validity: ${token['token-timeout-seconds']} sec\nRequired num of approvers : ${token['approvals-required']}\nCurrent num of approvals : ${token['number-of-approvals']}\n${approvers}`
  );
}

/** `listTokens`: per server a block of the cluster's active tokens, then `listTokens success`. */
export async function listTokensCommand(call: CmuCall): Promise<LineOutcome> {
  const cmu = await call.open();
  const { tokens } = await perform(cmu.engine, listTokens, { clusterId: cmu.clusterId, approvers: true }, callerOf(call.host));
  const blocks = cmu.servers.map(
    (s) => `=====================\n    Server ${serverName(s)}\n=====================\n${tokens.map((t, i) => listedToken(t, i, s.index)).join('')}Num of tokens = ${tokens.length}\n`,
  );
  cmu.write(`${blocks.join('\n')}\nlistTokens success\n`);
  return 'ok';
}

/** `delToken <service>` [assumed syntax]: deletes the logged-in user's tokens for the service. */
export async function delTokenCommand(call: CmuCall): Promise<LineOutcome> {
  const service = parseService(call.args[0]!, call.name);
  const cmu = await call.open();
  await perform(cmu.engine, deleteTokens, { clusterId: cmu.clusterId, scope: 'user', service: service.service }, callerOf(call.host));
  cmu.write(successLines(call.name, cmu.servers));
  return 'ok';
}

/** `getMValue <service>`: `MValue of service 3[USER_MGMT] on server 0 : [2]` per server. */
export async function getMValueCommand(call: CmuCall): Promise<LineOutcome> {
  const service = parseService(call.args[0]!, call.name);
  const cmu = await call.open();
  const values = await perform(cmu.engine, listQuorumValues, { clusterId: cmu.clusterId });
  const value = values[service.service] ?? 1;
  cmu.write(cmu.servers.map((s) => `MValue of service ${service.id}[${service.name}] on server ${s.index} : [${value}]\n`).join(''));
  return 'ok';
}

/**
 * `setMValue <service> <value>`: the confirmation, `Setting M Value(<v>) for <service> on <n>
 * nodes`, then [assumed] one success line per server, as CMU's other changes print.
 */
export async function setMValueCommand(call: CmuCall): Promise<LineOutcome> {
  const [serviceWord, valueWord] = call.args as string[];
  const service = parseService(serviceWord!, call.name);
  const value = parseNumber(valueWord!, 'the M value');
  const cmu = await call.open();
  const stop = await confirmed(call.host);
  if (stop) return stop;
  cmu.write(`Setting M Value(${value}) for ${service.id} on ${cmu.servers.length} nodes\n`);
  await perform(cmu.engine, setQuorumValue, { clusterId: cmu.clusterId, service: service.service, value }, callerOf(call.host));
  cmu.write(successLines(call.name, cmu.servers));
  return 'ok';
}
