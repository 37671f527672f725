/**
 * KMU commands about files that name keys and certificates (legacy-shells.md §3):
 * getCaviumPrivKey writes the fake PEM of an RSA private key (a reference to it, for OpenSSL
 * offload), IsValidKeyHandlefile tells a real private key file from a fake PEM and checks the
 * handle a fake PEM names, and getCert writes a certificate of the HSM by its type number (§1).
 */
import { readCluster } from '../../core/cluster/operations.js';
import { perform } from '../../core/engine.js';
import { HsmError } from '../../core/errors.js';
import { generateFakePem, inspectKeyFile } from '../../core/keys/fake-pem.js';
import { byHandle, findKeys, handle, integer, need, readFile, run, UsageError, writeFile, type KmuCall, type Outcome } from './kmu-context.js';
import { codeText, hexCode, INVALID_ARGUMENT, KmuFailure, NOT_LOGGED_IN, raw, returnLine, SUCCESS, toFailure } from './kmu-output.js';

/**
 * §3 getCaviumPrivKey: the fake PEM of a private RSA key the user can use. The docs print the
 * first line unindented after two blank lines, then the return line.
 */
export async function getCaviumPrivKey(call: KmuCall): Promise<Outcome> {
  const out = need(call.flags, 'out');
  const { pem } = await run(call.host, generateFakePem, { filter: byHandle(handle(call.flags, 'k')) });
  writeFile(out, pem);
  return { blocks: [['', raw(`Private Key Handle is written to ${out} in fake PEM format`)], [returnLine('getCaviumPrivKey')]] };
}

/**
 * §3 IsValidKeyHandlefile: `Input key file has real private key`, or for a fake PEM whether its
 * handle names a private key the user can use in this cluster: `Input file has key handle: <h>`
 * [assumed: the line a vendor manual of the same Cavium tool shows] or `Input file has invalid key
 * handle: <h>` (a failed check). A real key is told from the file alone, without a login; a
 * handle is checked with the HSM, so it needs one [assumed].
 */
export async function isValidKeyHandlefile(call: KmuCall): Promise<Outcome> {
  const pem = readFile(need(call.flags, 'f')).toString('utf8');
  const contents = await perform(await call.host.engine(), inspectKeyFile, { pem });
  if (contents.kind === 'private-key') return { blocks: [['Input key file has real private key']] };
  const session = call.host.session;
  if (!session) throw new KmuFailure(NOT_LOGGED_IN, 'the file names a key handle, which only the HSM can check: log in first with loginHSM -u CU -s <name> -hpswd');
  const named = contents.clusterId === session.clusterId ? await findKeys(call.host, byHandle(contents.handle)) : [];
  const valid = named.some((key) => key.attributes.class === 'private-key');
  if (valid) return { blocks: [[`Input file has key handle: ${contents.handle}`]] };
  call.host.io.explain?.(contents.clusterId === session.clusterId ? `handle ${contents.handle} names no private key you can use in this cluster` : `the file names a key of cluster ${contents.clusterId}, not of ${session.clusterId}`);
  return { blocks: [[`Input file has invalid key handle: ${contents.handle}`]], ok: false };
}

/** §1 certificate types: 1 manufacturer root, 2 manufacturer hardware, 4 customer root, 8 cluster, 16 cluster chained to the manufacturer root. */
const CERT_TYPES = [1, 2, 4, 8, 16];

/** §3 getCert's one line, `Cfm3GetCert() returned 0 :HSM Return: SUCCESS`; [assumed] a failure prints its code in hex there. */
function getCertLine(code: number): string {
  return `Cfm3GetCert() returned ${code === SUCCESS ? '0' : hexCode(code)} :${codeText(code)}`;
}

/**
 * §3 getCert -f <file> -s <type> (the syntax block names it -t; both are taken). The cluster holds
 * the customer's root, its trust anchor (4), and the cluster certificate it signed (8); the
 * emulator has no manufacturer PKI (1, 2, 16), as in CMU's getCert (cmu-cluster.ts).
 */
export async function getCert(call: KmuCall): Promise<Outcome> {
  const { host, flags } = call;
  const out = need(flags, 'f');
  if (flags.has('s') === flags.has('t')) throw new UsageError('give the certificate type once, with -s (or -t)');
  const type = integer(flags, flags.has('s') ? 's' : 't')!;
  if (!CERT_TYPES.includes(type)) throw new UsageError(`the certificate type is 1, 2, 4, 8 or 16, not ${type}`);
  try {
    // Checked here rather than by the dispatcher, so that the refusal reads like getCert's other lines.
    if (!host.session) throw new KmuFailure(NOT_LOGGED_IN, 'nobody is logged in: log in first with loginHSM -u CU -s <name> -hpswd');
    if (type !== 4 && type !== 8) throw new KmuFailure(INVALID_ARGUMENT, 'the emulator has no manufacturer certificates (types 1, 2 and 16); type 4 is the customer root (the trust anchor), 8 the cluster certificate');
    const cluster = await perform(await host.engine(), readCluster, { clusterId: host.session.clusterId });
    const pem = type === 4 ? cluster.trustAnchorPem : cluster.clusterCertificatePem;
    if (!pem) throw new HsmError('INVALID_STATE', `cluster ${cluster.clusterId} has no certificates yet; it is initialized with \`cluster initialize\``);
    writeFile(out, pem.endsWith('\n') ? pem : `${pem}\n`);
  } catch (err) {
    // getCert words its failure in its own shape, like its success.
    const failure = toFailure(err);
    if (failure.detail && !failure.internal) host.io.explain?.(failure.detail);
    return { blocks: [[getCertLine(failure.code)]], ok: false };
  }
  return { blocks: [[getCertLine(SUCCESS)]] };
}

