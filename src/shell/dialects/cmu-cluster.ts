/**
 * CMU's view of the cluster (legacy-shells.md §0, §2): the connection banner, `info server`,
 * `getHSMInfo` (the core's `cluster hsm-info`), server mode (`server <n>` / `exit`) and `getCert`,
 * which writes a certificate the cluster record holds.
 */
import { perform } from '../../core/engine.js';
import { hsmInfo } from '../../core/cluster/operations.js';
import type { LineOutcome } from '../dialect.js';
import { CmuRefusal, type Server } from './cmu-output.js';
import { cmuError, parseNumber, serverMode, setServerMode, userRecords, writeOutputFile, type Cmu, type CmuCall } from './cmu-context.js';
import { userType } from './legacy-users.js';

/** CMU talks to every HSM on port 2225 (§0). */
export const CMU_PORT = 2225;

/** §0: one Connecting/Connected pair per server ([assumed] "Unable to connect" for a failed one). */
export function bannerText(servers: ReadonlyArray<Pick<Server, 'ip' | 'connected'>>): string {
  const pairs = servers.map(
    ({ ip, connected }) => `Connecting to server '${ip}': hostname '${ip}', port ${CMU_PORT}...\n${connected ? 'Connected to' : 'Unable to connect to'} server '${ip}': hostname '${ip}', port ${CMU_PORT}.\n`,
  );
  return `Connecting to the server(s), it may take time\ndepending on the server(s) load, please wait...\n\n${pairs.join('')}`;
}

function serverIndex(cmu: Cmu, word: string): number {
  const index = parseNumber(word, 'the server ID');
  if (!cmu.all[index]) throw new CmuRefusal(`there is no server ${index}; the servers are 0 to ${cmu.all.length - 1}`);
  return index;
}

async function loginState(cmu: Cmu): Promise<string> {
  const session = cmu.host.session;
  if (!session) return 'Not logged in';
  const user = (await userRecords(cmu)).find((u) => u.username === session.username);
  return `Logged in as '${session.username}(${user ? userType(user) : session.role})'`;
}

/** `info server <n>`: the server's address, port, state, partition (its HSM ID) and login. */
export async function info(call: CmuCall): Promise<LineOutcome> {
  const [what, word] = call.args as string[];
  if (what !== 'server') throw new CmuRefusal(`info: only \`info server <server-id>\` is supported, not "info ${what}"`);
  const cmu = await call.open();
  const server = cmu.all[serverIndex(cmu, word!)]!;
  const row = (cells: string[]) => `${cells[0]!.padEnd(8)}${cells[1]!.padEnd(24)}${cells[2]!.padEnd(16)}${cells[3]!.padEnd(8)}${cells[4]!.padEnd(16)}${cells[5]!.padEnd(24)}${cells[6]}\n`;
  // The header as the example prints it (its Port heading sits one column right of the port).
  cmu.write('Id      Name                    Hostname         Port   State           Partition               LoginState\n');
  const state = server.connected ? 'Connected' : 'Disconnected';
  cmu.write(row([String(server.index), server.ip, server.ip, String(CMU_PORT), state, server.hsmId, server.connected ? await loginState(cmu) : 'Not logged in']));
  return 'ok';
}

/**
 * §2 getHSMInfo: the core's `cluster hsm-info` in CMU's block layout. [assumed] The memory,
 * device and temperature figures are fixed values of the kind the docs show.
 */
export async function getHsmInfo(call: CmuCall): Promise<LineOutcome> {
  const cmu = await call.open();
  const { hsms } = await perform(cmu.engine, hsmInfo, { clusterId: cmu.clusterId });
  cmu.write(`Getting HSM Info on ${cmu.servers.length} nodes\n`);
  const connected = cmu.all.filter((s) => s.connected);
  for (const server of cmu.servers) {
    // hsm-info lists the ACTIVE HSMs in cluster order, as `connected` does.
    const h = hsms[connected.indexOf(server)] as Record<string, string>;
    const field = (name: string, value: string) => `        ${name.padEnd(21)}:${value}\n`;
    cmu.write(
      [
        `${' '.repeat(16)}*** Server ${server.index} HSM Info ***\n\n`,
        field('Label', 'cavium'),
        field('Model', h.model!),
        '\n',
        field('Serial Number', h['serial-number']!),
        field('HSM Flags', '0'),
        field('FIPS state', h['fips-state']!),
        '\n',
        field('Manufacturer ID', ''),
        field('Device ID', '10'),
        field('Class Code', '100000'),
        field('System vendor ID', '177D'),
        field('SubSystem ID', '10'),
        '\n\n',
        field('TotalPublicMemory', '560596'),
        field('FreePublicMemory', '294568'),
        field('TotalPrivateMemory', '0'),
        field('FreePrivateMemory', '0'),
        '\n',
        field('Hardware Major', h['hardware-version-major']!),
        field('Hardware Minor', h['hardware-version-minor']!),
        '\n',
        field('Firmware Major', h['firmware-version-major']!),
        field('Firmware Minor', h['firmware-version-minor']!.padStart(2, '0')),
        '\n',
        field('Temperature', '56 C'),
        '\n',
        field('Build Number', h['firmware-build-number']!),
        '\n',
        field('Firmware ID', h['firmware-id']!),
        '\n',
      ].join(''),
    );
  }
  return 'ok';
}

/** `server <n>`: commands then reach that server only, until `exit` (§2). */
export async function server(call: CmuCall): Promise<LineOutcome> {
  const current = serverMode(call.host);
  if (current !== undefined) throw new CmuRefusal(`already in server mode on server ${current}; type exit first`);
  const cmu = await call.open();
  const index = serverIndex(cmu, call.args[0]!);
  const target = cmu.all[index]!;
  if (!target.connected) throw new CmuRefusal(`server ${index} (${target.ip}) is not connected: its HSM ${target.hsmId} failed and is being replaced`);
  setServerMode(call.host, index);
  cmu.write("Server is in 'E2' mode...\n");
  return 'ok';
}

export async function exit(call: CmuCall): Promise<LineOutcome> {
  if (serverMode(call.host) === undefined) throw new CmuRefusal('not in server mode; type quit to leave cloudhsm_mgmt_util');
  setServerMode(call.host, undefined);
  return 'ok';
}

/**
 * `getCert <file> <cert-type>` (§1 types). The cluster record holds the customer's trust anchor
 * (4) and the cluster certificate it signed (8); the emulator has no manufacturer PKI (1, 2, 16).
 */
export async function getCert(call: CmuCall): Promise<LineOutcome> {
  const [file, typeWord] = call.args as string[];
  const type = parseNumber(typeWord!, 'the certificate type');
  if (![1, 2, 4, 8, 16].includes(type)) throw new CmuRefusal(`getCert: certificate type must be 1, 2, 4, 8 or 16, not ${type}`);
  if (type !== 4 && type !== 8) {
    throw new CmuRefusal(`getCert: the emulator has no manufacturer certificates (types 1, 2 and 16); type 4 is the customer root (trust anchor), 8 the cluster certificate`);
  }
  const cmu = await call.open();
  const pem = type === 4 ? cmu.cluster.trustAnchorPem : cmu.cluster.clusterCertificatePem;
  if (!pem) throw cmuError('INVALID_STATE', `cluster ${cmu.cluster.clusterId} has no certificates yet; it is initialized with \`cluster initialize\``);
  writeOutputFile(file!, pem.endsWith('\n') ? pem : `${pem}\n`);
  cmu.write('getCert Success\n');
  return 'ok';
}
