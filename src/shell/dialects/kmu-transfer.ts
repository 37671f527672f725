/**
 * KMU commands that move keys out of the HSM and in again (legacy-shells.md §3): exSymKey and
 * exportPrivateKey write a plaintext copy of a key the user owns and may extract, imSymKey reads
 * one; extractMaskedObject and insertMaskedObject move a key, masked, within its cluster. They
 * call the core's ExportPlaintextKey, ImportPlaintextKey (keys/plaintext.ts), ExtractMaskedObject
 * and InsertMaskedObject (keys/masking.ts), which hold the rules; here the flags are read and the
 * tool's lines printed. Key material goes only to the file the user names (mode 0600), never to
 * the output, an error or the explanation.
 */
import { HsmError } from '../../core/errors.js';
import { toPem } from '../../core/keys/files.js';
import { extractMaskedObject as extractOp, insertMaskedObject as insertOp } from '../../core/keys/masking.js';
import { exportPlaintextKey, importPlaintextKey, PLAINTEXT_IMPORT_TYPES } from '../../core/keys/plaintext.js';
import { attributesFor, checkMinServers, creation, unwrappedOnHost } from './kmu-crypto.js';
import { DEFAULT_WRAP_CODE, parenthesised, typeCode, typeEntries } from './kmu-codes.js';
import { byHandle, handle, integer, need, nodeCount, readFile, run, text, UsageError, writeFile, type KmuCall, type Outcome } from './kmu-context.js';
import { clusterBlock, raw, returnLine, UNWRAP_FAILED } from './kmu-output.js';

/** §1: exSymKey and exportPrivateKey take only -m 4, which they call NIST_AES_WRAP. */
const PLAINTEXT_MECHANISM = DEFAULT_WRAP_CODE;

function checkMechanism(call: KmuCall): void {
  const m = integer(call.flags, 'm');
  if (m !== undefined && m !== PLAINTEXT_MECHANISM) throw new UsageError(`-m takes ${PLAINTEXT_MECHANISM} (NIST_AES_WRAP), the only mechanism of a plaintext export, not ${m}`);
}

/** -wk: a file holding the wrapping key's bytes in the clear (raw AES key bytes). */
function hostKey(call: KmuCall): Uint8Array | undefined {
  const path = text(call.flags, 'wk');
  return path === undefined ? undefined : new Uint8Array(readFile(path));
}

/** exSymKey and exportPrivateKey: the core's export, or, when the host's unwrap (-wk) fails, the tool's two lines. */
async function exportKey(call: KmuCall, keyClass: 'secret-key' | 'private-key'): Promise<Uint8Array | Outcome> {
  checkMechanism(call);
  const input = { payloadFilter: byHandle(handle(call.flags, 'k')), keyClass, wrappingFilter: byHandle(handle(call.flags, 'w')), hostUnwrapKey: hostKey(call) };
  try {
    return (await run(call.host, exportPlaintextKey, input)).plaintext;
  } catch (err) {
    // With -wk the key was wrapped by the HSM and the host's unwrap failed: the tool says which step.
    if (input.hostUnwrapKey && err instanceof HsmError && err.code === 'DECRYPTION_FAILED') {
      call.host.io.explain?.('the -wk file does not hold the wrapping key given with -w, so the host could not unwrap the key; nothing was written');
      return { blocks: [[returnLine('Cfm3WrapKey')], [returnLine('Cfm3UnWrapHostKey', UNWRAP_FAILED)]], ok: false };
    }
    throw err;
  }
}

/**
 * §3 exSymKey: a secret key in the clear, its raw bytes, in the file. The tool's last line says
 * "Wrapped Symmetric Key" though the file holds the plain key (the User Guide warns of it); it is
 * printed unindented after a blank line of its own.
 */
export async function exSymKey(call: KmuCall): Promise<Outcome> {
  const out = need(call.flags, 'out');
  const plaintext = await exportKey(call, 'secret-key');
  if (!(plaintext instanceof Uint8Array)) return plaintext;
  writeFile(out, plaintext);
  return { blocks: [[returnLine('Cfm3WrapKey')], [returnLine('Cfm3UnWrapHostKey'), ''], [raw(`Wrapped Symmetric Key written to file "${out}"`)]] };
}

/** §3 exportPrivateKey: a private key in the clear, as a PKCS#8 PEM file. */
export async function exportPrivateKey(call: KmuCall): Promise<Outcome> {
  const out = need(call.flags, 'out');
  const plaintext = await exportKey(call, 'private-key');
  if (!(plaintext instanceof Uint8Array)) return plaintext;
  writeFile(out, toPem('PRIVATE KEY', plaintext));
  return { blocks: [[returnLine('Cfm3WrapKey')], [returnLine('Cfm3UnWrapHostKey')], [`PEM formatted private key is written to ${out}`]] };
}

/** §3 imSymKey -t: 21 (3DES) or 31 (AES). */
const IMPORT_TYPES = new Map(PLAINTEXT_IMPORT_TYPES.map((keyType) => [typeCode(keyType), keyType]));

/** §3 imSymKey: a plaintext secret key from a file, wrapped on the host and unwrapped by -w into a new key (LOCAL=0). */
export async function imSymKey(call: KmuCall): Promise<Outcome> {
  const type = integer(call.flags, 't');
  const keyType = IMPORT_TYPES.get(type ?? -1);
  if (!keyType) throw new UsageError(`-t takes ${parenthesised(typeEntries([...PLAINTEXT_IMPORT_TYPES]))}, not ${type}`);
  const c = await creation(call);
  const result = await run(call.host, importPlaintextKey, {
    data: new Uint8Array(readFile(need(call.flags, 'f'))),
    keyType,
    label: need(call.flags, 'l'),
    attributes: attributesFor(call, 'secret-key', keyType),
    wrappingFilter: byHandle(handle(call.flags, 'w')),
    hostWrapKey: hostKey(call),
    ...c,
  });
  return unwrappedOnHost(call, [], 'Symmetric', result.key.ref);
}


/** §3 extractMaskedObject: the key, masked for its cluster, in the file. */
export async function extractMaskedObject(call: KmuCall): Promise<Outcome> {
  const out = need(call.flags, 'out');
  const { masked } = await run(call.host, extractOp, { filter: byHandle(handle(call.flags, 'o')) });
  writeFile(out, masked);
  return { blocks: [[`Object was masked and written to file "${out}"`], [returnLine('Cfm3ExtractMaskedObject')]] };
}

/** §3 insertMaskedObject: a new key (a handle of its own) from a masked object of this cluster. */
export async function insertMaskedObject(call: KmuCall): Promise<Outcome> {
  await checkMinServers(call);
  const { key } = await run(call.host, insertOp, { masked: new Uint8Array(readFile(need(call.flags, 'f'))) });
  return { blocks: [[returnLine('Cfm3InsertMaskedObject'), `New Key Handle: ${key.ref}`], clusterBlock(await nodeCount(call.host))] };
}
