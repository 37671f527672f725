/**
 * What a CMU command works with: the host, the engine, the servers it reaches (every connected
 * server in global mode, one in server mode, legacy-shells.md §0), the CAUTION confirmation, and the
 * read-only views CMU needs beyond what the core operations return: user IDs and types, and key
 * owners and sharees by user ID. Every change still goes through `perform`.
 */
import fs from 'node:fs';
import { readInputFile } from '../../cli/files.js';
import type { EngineContext } from '../../core/context.js';
import { HsmError, type ErrorCode } from '../../core/errors.js';
import { perform } from '../../core/engine.js';
import { requireHsm, type ClusterRecord } from '../../core/cluster/model.js';
import { readCluster } from '../../core/cluster/operations.js';
import { describeKeyOwnership, type KeyOwnership } from '../../core/keys/operations.js';
import { listUsers } from '../../core/users/operations.js';
import type { UserView } from '../../core/users/rules.js';
import { callerOf, type DialectHost, type LineOutcome } from '../dialect.js';
import { CAUTION, CmuRefusal, INVALID_OPTION, QUESTION, type Server } from './cmu-output.js';

/** The server a host is in server mode on, if any (the dialect object is shared, the mode is not). */
const serverModes = new WeakMap<DialectHost, number>();

export function serverMode(host: DialectHost): number | undefined {
  return serverModes.get(host);
}

export function setServerMode(host: DialectHost, index: number | undefined): void {
  if (index === undefined) serverModes.delete(host);
  else serverModes.set(host, index);
}

export interface Cmu {
  host: DialectHost;
  engine: EngineContext;
  cluster: ClusterRecord;
  /** The cluster the operations target: the login's, else the shell's --cluster-id. */
  clusterId: string | undefined;
  /**
   * Every HSM of the cluster, numbered as CMU numbers its servers: [assumed] its configuration
   * lists them all by ENI IP, so a failed HSM stays in the list, disconnected, and its
   * replacement (same IP) takes its place and number.
   */
  all: Server[];
  /** The servers this command reaches. */
  servers: Server[];
  write(text: string): void;
}

export function clusterIdOf(host: DialectHost): string | undefined {
  return host.session?.clusterId ?? host.clusterId;
}

export function serversOf(cluster: ClusterRecord): Server[] {
  return cluster.hsms.map((h, index) => ({ index, ip: h.eniIp, hsmId: h.hsmId, connected: h.state === 'ACTIVE' }));
}

export async function openCmu(host: DialectHost): Promise<Cmu> {
  const engine = await host.engine();
  const clusterId = clusterIdOf(host);
  const cluster = await perform(engine, readCluster, { clusterId });
  const all = serversOf(cluster);
  let servers = all.filter((s) => s.connected);
  if (servers.length === 0) requireHsm(cluster);
  const mode = serverMode(host);
  if (mode !== undefined) {
    const one = all[mode];
    if (!one) {
      setServerMode(host, undefined);
      throw new CmuRefusal(`server ${mode} is no longer in the cluster (it has ${all.length} HSMs); back in global mode`);
    }
    if (!one.connected) throw new CmuRefusal(`server ${mode} (${one.ip}) is not connected: its HSM ${one.hsmId} failed and is being replaced; \`exit\` to global mode, or wait for the replacement`);
    servers = [one];
  }
  return { host, engine, cluster, clusterId, all, servers, write: (text) => host.io.write(text) };
}

/**
 * §0: the CAUTION block, then `y` goes on, `n` aborts; anything else prints `Invalid option…` and
 * asks again. End of input or Ctrl-C answers as `n` would, but is reported as a failure.
 */
export async function confirm(host: DialectHost): Promise<'y' | 'n' | 'none'> {
  let message = CAUTION;
  for (;;) {
    const answer = await host.io.ask(message);
    if (answer === null) return 'none';
    const trimmed = answer.trim();
    if (trimmed === 'y' || trimmed === 'n') return trimmed;
    host.io.write(INVALID_OPTION);
    message = QUESTION;
  }
}

/** Asks the §0 confirmation; undefined means go on, otherwise the line's outcome. */
export async function confirmed(host: DialectHost): Promise<LineOutcome | undefined> {
  const answer = await confirm(host);
  if (answer === 'y') return undefined;
  // `n` aborts quietly [assumed]; no answer at all (end of input) counts as a failed line.
  return answer === 'n' ? 'ok' : 'failed';
}

/** Users in ID order, as CMU lists them. */
export async function userRecords(cmu: Cmu): Promise<UserView[]> {
  const { users } = await perform(cmu.engine, listUsers, { clusterId: cmu.clusterId });
  return users.sort((a, b) => a.id - b.id);
}

export async function userById(cmu: Cmu, id: number): Promise<UserView> {
  const user = (await userRecords(cmu)).find((u) => u.id === id);
  if (!user) throw cmuError('USER_NOT_FOUND', `there is no user with ID ${id}; listUsers shows the IDs`);
  return user;
}

/** Who owns the key `handle` and whom it is shared with (a key the login sees). */
export function keyOwnership(cmu: Cmu, handle: number): Promise<KeyOwnership> {
  return perform(cmu.engine, describeKeyOwnership, { clusterId: cmu.clusterId, ref: handle }, callerOf(cmu.host));
}

/**
 * One command line being run: its words after the command name, and the CMU view, opened on
 * first use (help and listAttributes need no cluster). The dispatcher reads `cmu` to word a
 * failure for the servers the command reached.
 */
export class CmuCall {
  cmu: Cmu | undefined;

  constructor(
    readonly host: DialectHost,
    readonly name: string,
    readonly args: readonly string[],
  ) {}

  async open(): Promise<Cmu> {
    this.cmu ??= await openCmu(this.host);
    return this.cmu;
  }
}

/** An error worded for CMU users (the failure block prints its message as the reason). */
export function cmuError(code: ErrorCode, message: string): HsmError {
  return new HsmError(code, message, { details: { cmu: true } });
}

/** Writes an output file, overwriting it silently (§2 getAttribute). */
export function writeOutputFile(file: string, content: string | Uint8Array): void {
  try {
    fs.writeFileSync(file, content);
  } catch (err) {
    throw new CmuRefusal(`could not write ${file}: ${(err as Error).message}; give a path in a folder you can write to`);
  }
}

/** A non-negative decimal number argument, or a refusal naming it. */
export function parseNumber(text: string, what: string): number {
  if (!/^\d{1,15}$/.test(text)) throw new CmuRefusal(`${what} must be a decimal number, not "${text}"`);
  return Number(text);
}

/** CMU's input files (tokens, signatures, public keys, approval files) are small: far below this. */
const MAX_INPUT_BYTES = 64 * 1024;

/** The bytes of an input file (a regular file, at most 64 KiB), or a refusal naming it as `what`. */
export function readInput(file: string, what: string): Buffer {
  try {
    return readInputFile(what, file, MAX_INPUT_BYTES);
  } catch (err) {
    throw new CmuRefusal(`${(err as Error).message}; give the path of the ${what}`);
  }
}
