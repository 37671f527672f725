/**
 * key_mgmt_util's "fake PEM" (legacy-shells.md §3 getCaviumPrivKey, IsValidKeyHandlefile): a
 * file that looks to OpenSSL like an RSA private key but holds no private key material, only a
 * reference to a private key in the HSM, so that a web server can load it and an OpenSSL engine
 * offload the key's operations to the HSM (SSL/TLS offload). The CloudHSM CLI's equivalent is
 * `key generate-file --encoding reference-pem` (files.ts).
 *
 * Layout [assumed; the real file's inner layout is not documented]: a PKCS#1 RSAPrivateKey PEM
 * ("RSA PRIVATE KEY", RFC 8017 A.1.2) with the key's real modulus and public exponent (public
 * values, so the file pairs with the key's certificate), the key handle as privateExponent, a
 * marker as prime1, the cluster ID (its ASCII bytes) as prime2 and zeros for the CRT values.
 * Nothing secret is in it.
 */
import { HsmError } from '../errors.js';
import { defineOperation, type ClusterInput } from '../engine.js';
import { TAG, children, parseDer, readUnsignedInteger, sequence, smallInteger, unsignedInteger } from '../mechanisms/der.js';
import { selectKey } from './filters.js';
import { parsePem, toPem } from './files.js';
import { formatReference, viewOfKey, type KeyView } from './model.js';
import type { FilterInput } from './operations.js';
import { cryptoOf } from './prepared.js';

const PEM_LABEL = 'RSA PRIVATE KEY';
/** The marker in prime1 that tells a key handle file from an RSA key. */
const MARKER = Buffer.from('CLOUDHSM-LOCAL KEY HANDLE');

function magnitude(bytes: Uint8Array): Uint8Array {
  let i = 0;
  while (i < bytes.length - 1 && bytes[i] === 0) i++;
  return bytes.subarray(i);
}

function handleBytes(handle: number): Uint8Array {
  return magnitude(Buffer.from(handle.toString(16).padStart(16, '0'), 'hex'));
}

/** The fake PEM of a private RSA key (getCaviumPrivKey): the user must be able to see it (owner or sharee). */
export const generateFakePem = defineOperation({
  name: 'GenerateFakePem',
  cluster: 'hsm',
  access: 'crypto-user',
  activated: true,
  write: false,
  run: ({ tx, cluster, actor, sessionKeys }, input: FilterInput): { key: KeyView; pem: string } => {
    const key = selectKey(tx, cluster.clusterId, actor!, input.filter, sessionKeys);
    if (key.class !== 'private-key' || key.keyType !== 'rsa' || !key.modulus || !key.publicExponent) {
      throw new HsmError('INVALID_ARGUMENT', `key ${formatReference(key.ref)} is ${key.keyType} ${key.class}; a fake PEM names an RSA private key`);
    }
    const hex = (value: string) => Buffer.from(value.replace(/^0x/i, ''), 'hex');
    const zero = smallInteger(0);
    const der = sequence(zero, unsignedInteger(hex(key.modulus)), unsignedInteger(hex(key.publicExponent)), unsignedInteger(handleBytes(key.ref)), unsignedInteger(MARKER), unsignedInteger(Buffer.from(cluster.clusterId)), zero, zero, zero);
    return { key: viewOfKey(key, cluster), pem: toPem(PEM_LABEL, der) };
  },
});

/** What a private key file holds: a real private key, or a key handle (of a cluster). */
export type KeyFileContents = { kind: 'private-key' } | { kind: 'key-handle'; handle: number; clusterId: string };

/** The handle and cluster of a fake PEM, or undefined for any other DER. */
function fakeFields(der: Uint8Array): { handle: number; clusterId: string } | undefined {
  try {
    const items = children(parseDer(der, TAG.SEQUENCE, 'RSAPrivateKey'), 'RSAPrivateKey');
    if (items.length !== 9 || !Buffer.from(readUnsignedInteger(items[4], 'RSAPrivateKey')).equals(MARKER)) return undefined;
    const handle = Number.parseInt(Buffer.from(readUnsignedInteger(items[3], 'RSAPrivateKey')).toString('hex') || '0', 16);
    return { handle, clusterId: Buffer.from(readUnsignedInteger(items[5], 'RSAPrivateKey')).toString('latin1') };
  } catch {
    return undefined;
  }
}

export interface InspectKeyFileInput extends ClusterInput {
  pem: string;
}

/**
 * IsValidKeyHandlefile's question, answered from the file alone: a real private key, or a fake PEM
 * naming a handle (which names a key only if the HSM has it: the caller asks with the handle). A
 * file that is neither is INVALID_ARGUMENT.
 */
export const inspectKeyFile = defineOperation({
  name: 'InspectKeyFile',
  cluster: 'none',
  access: 'none',
  write: false,
  run: ({ ctx }, input: InspectKeyFileInput): KeyFileContents => {
    const { label, der } = parsePem(input.pem);
    const fake = label === PEM_LABEL ? fakeFields(der) : undefined;
    if (fake) return { kind: 'key-handle', ...fake };
    if (!label.endsWith('PRIVATE KEY')) throw new HsmError('INVALID_ARGUMENT', `the file holds a ${label}, not a private key`);
    const crypto = cryptoOf(ctx);
    try {
      crypto.importPrivateDer(der, label === 'PRIVATE KEY' ? 'pkcs8' : label === 'EC PRIVATE KEY' ? 'sec1' : 'pkcs1');
    } catch (err) {
      if (err instanceof HsmError) throw new HsmError('INVALID_ARGUMENT', `the ${label} in the file is not a valid private key: ${err.message}`);
      throw err;
    }
    return { kind: 'private-key' };
  },
});
