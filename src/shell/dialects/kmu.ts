/**
 * The key_mgmt_util (KMU) dialect of the operator shell (legacy-shells.md §0, §3, §4): prompt
 * `Command: `, `-x value` flags in any order, KMU's result blocks and return codes. One table
 * drives parsing, usage, help and completion; every command calls the same core operations as
 * its CloudHSM CLI equivalent through `perform` (see kmu-context.ts), so only parsing and
 * printing differ.
 */
import { EXPLAIN_NOTE, type Dialect, type DialectHost, type LineOutcome } from '../dialect.js';
import { redactOptions, redactUnknown } from '../tokenize.js';
import * as session from './kmu-commands.js';
import { KMU_HELP_LINES } from './kmu-help.js';
import * as crypto from './kmu-crypto.js';
import * as transfer from './kmu-transfer.js';
import * as files from './kmu-files.js';
import { PLAINTEXT_IMPORT_TYPES } from '../../core/keys/plaintext.js';
import { nodeCount, UsageError, visibleHandles, type Flags, type KmuCall, type Outcome } from './kmu-context.js';
import { failureBlocks, INDENT, INVALID_HANDLE, KmuFailure, NOT_LOGGED_IN, render, toFailure, type StatusStyle } from './kmu-output.js';
import { AES_KEY_BYTES, DES3_KEY_BYTES, DSA_KEYS, KMU_GENERIC_SECRET_BYTES, RSA_KEYS, type WrapMechanism } from '../../core/mechanisms/table.js';
import {
  classEntries,
  CURVE_ENTRIES,
  DEFAULT_IV_BYTES,
  DEFAULT_IV_TEXT,
  DEFAULT_WRAP_CODE,
  EMULATED_TYPES,
  KMU_WRAPS,
  OAEP_WRAP_CODES,
  SIGN_SCHEMES,
  signCodes,
  spaced,
  typeEntries,
  WRAP_HASH_ENTRIES,
} from './kmu-codes.js';

interface FlagSpec {
  /** Whether the flag takes a value (`-l label`) or stands alone (`-nex`). */
  value: boolean;
  required?: boolean;
  help: string;
  /** The value is a key handle: checked while parsing, so a bad one is a usage error even before login. */
  handle?: boolean;
}

interface KmuCommand {
  group: string;
  summary: string;
  /** The `Cfm…` operation named in its failure line (aesWrapUnwrap's depends on -m). */
  op: string | ((flags: Flags) => string);
  /** Whether it needs a CU login (§3: all but help, exit, loginHSM, Error2String, listAttributes; IsValidKeyHandlefile and getCert ask for one themselves). */
  login: boolean;
  /** The node block it prints after its result, also after a failure (kmu-output.ts); default `error`. */
  status?: StatusStyle;
  /** §4: the CloudHSM CLI equivalent. */
  modern: string;
  flags: Readonly<Record<string, FlagSpec>>;
  run(call: KmuCall): Promise<Outcome>;
}

const v = (help: string, required = false): FlagSpec => ({ value: true, required, help });
const b = (help: string): FlagSpec => ({ value: false, help });
const h = (help: string, required = true): FlagSpec => ({ value: true, required, help, handle: true });

// The help texts that spell out codes, made from the table of mechanisms (kmu-codes.ts).

/** genSymKey -t: the types it makes, then the one FIPS mode refuses. */
const SYM_TYPE_HELP = `${spaced(typeEntries(['generic-secret', 'des3', 'aes']))} (${spaced(typeEntries(['rc4']))} is refused in FIPS mode)`;
const EMULATED_TYPE_HELP = spaced(typeEntries(EMULATED_TYPES));

/** The words wrapKey's help gives the AES mechanisms; the RSA ones go by KMU's names. */
const WRAP_HELP_WORDS: Readonly<Partial<Record<WrapMechanism, string>>> = { 'aes-pkcs5-pad': 'AES PKCS5 pad', 'aes-no-pad': 'AES no pad', 'aes-zero-pad': 'AES zero pad' };
const WRAP_MECHANISM_HELP = KMU_WRAPS.map(([mechanism, kmu]) => `${kmu.code} ${WRAP_HELP_WORDS[mechanism] ?? kmu.name}${kmu.code === DEFAULT_WRAP_CODE ? ' (default)' : ''}`).join(', ');
const WRAP_MODERN = KMU_WRAPS.map(([mechanism]) => mechanism).join(' | ');
const OAEP_CODES = OAEP_WRAP_CODES.join(' and ');

/** sign -m: `0-4 SHA1/256/384/512/224 RSA PKCS, 5-9 the same with PSS, 15-19 ECDSA SHA1/224/256/384/512`. */
function signHelp(): string {
  const pkcs = signCodes('rsa-pkcs');
  const pss = signCodes('rsa-pkcs-pss');
  const ecdsa = signCodes('ecdsa');
  const pssText = pss.hashes === pkcs.hashes ? 'the same with PSS' : `${pss.hashes} RSA PSS`;
  return `${pkcs.range} ${pkcs.hashes} RSA PKCS, ${pss.range} ${pssText}, ${ecdsa.range} ECDSA ${ecdsa.hashes}`;
}
const SIGN_MODERN = SIGN_SCHEMES.join(' | ');

/** §3 options shared by the commands that create keys. */
const CREATION_FLAGS: Readonly<Record<string, FlagSpec>> = {
  id: v('ID of the new key (text; default empty)'),
  sess: b('session key: exists only until logoutHSM'),
  nex: b('non-extractable (for a pair: the private key)'),
  u: v('user IDs to share the (private) key with, comma-separated'),
  m_value: v('key quorum: approvals needed to use or manage the key (0-8)'),
  min_srv: v('HSMs the key must reach (default 1)'),
  timeout: v('seconds to wait for -min_srv'),
  attest: b('check the attestation of the result'),
};

/** §3: an imported private key "cannot be marked non-exportable", so importPrivateKey has no -nex. */
const { nex: _nex, ...IMPORT_PRIVATE_FLAGS } = CREATION_FLAGS;

const COMMANDS: Readonly<Record<string, KmuCommand>> = {
  loginHSM: {
    group: 'Session and users',
    summary: 'Log in as a crypto user (CU)',
    op: 'Cfm3LoginHSM',
    login: false,
    status: 'status',
    modern: 'login --username U --role crypto-user',
    flags: { u: v('user type: CU', true), s: v('user name', true), p: v('password'), hpswd: b('prompt for the password (no echo)') },
    run: session.loginHSM,
  },
  logoutHSM: { group: 'Session and users', summary: 'Log out', op: 'Cfm3LogoutHSM', login: true, status: 'status', modern: 'logout', flags: {}, run: session.logoutHSM },
  listUsers: { group: 'Session and users', summary: 'List the users of the cluster', op: 'Cfm3ListUsers', login: true, status: 'none', modern: 'user list', flags: {}, run: session.listUsers },
  genSymKey: {
    group: 'Key generation',
    summary: 'Generate an AES, 3DES or generic secret key',
    op: 'Cfm3GenerateSymmetricKey',
    login: true,
    modern: 'key generate-symmetric aes | generic-secret (3DES: none)',
    flags: {
      t: v(`key type: ${SYM_TYPE_HELP}`, true),
      s: v(`key size in bytes (AES ${AES_KEY_BYTES.join(', ')}; 3DES ${DES3_KEY_BYTES}; generic secret ${KMU_GENERIC_SECRET_BYTES.min} to ${KMU_GENERIC_SECRET_BYTES.max})`, true),
      l: v('label', true),
      ...CREATION_FLAGS,
    },
    run: crypto.genSymKey,
  },
  genRSAKeyPair: {
    group: 'Key generation',
    summary: 'Generate an RSA key pair',
    op: 'Cfm3GenerateKeyPair',
    login: true,
    status: 'colon',
    modern: 'key generate-asymmetric-pair rsa',
    flags: {
      m: v(`modulus bits (${RSA_KEYS.minModulusBits}-${RSA_KEYS.maxModulusBits}, steps of ${RSA_KEYS.stepBits})`, true),
      e: v(`public exponent (odd, at least ${RSA_KEYS.minExponent})`, true),
      l: v('label of both keys', true),
      ...CREATION_FLAGS,
    },
    run: crypto.genRSAKeyPair,
  },
  genECCKeyPair: {
    group: 'Key generation',
    summary: 'Generate an EC key pair',
    op: 'Cfm3GenerateKeyPair',
    login: true,
    modern: 'key generate-asymmetric-pair ec',
    flags: { i: v(`curve: ${spaced(CURVE_ENTRIES)}`, true), l: v('label of both keys', true), ...CREATION_FLAGS },
    run: crypto.genECCKeyPair,
  },
  genDSAKeyPair: {
    group: 'Key generation',
    summary: 'Generate a DSA key pair',
    op: crypto.DSA_PAIR_OP,
    login: true,
    modern: 'none',
    flags: { m: v(`modulus bits: ${DSA_KEYS.modulusBits}, the only size`, true), l: v('label of both keys', true), ...CREATION_FLAGS },
    run: crypto.genDSAKeyPair,
  },
  genPBEKey: { group: 'Key generation', summary: 'Generate a PBE key (not on FIPS HSMs)', op: 'Cfm3GeneratePBEKey', login: true, modern: 'none', flags: {}, run: crypto.genPBEKey },
  findKey: {
    group: 'Key management',
    summary: 'List the handles of keys you can use',
    op: 'Cfm3FindKey',
    login: true,
    modern: 'key list [--filter attr.NAME=VALUE ...] [--verbose]',
    flags: {
      c: v(`class: ${spaced(classEntries(['public-key', 'private-key', 'secret-key']))}`),
      t: v(`type: ${EMULATED_TYPE_HELP}`),
      l: v('label'),
      id: v('ID'),
      sess: v('1 session keys, 0 token keys'),
      u: v('user IDs who must all be able to use the key'),
      m: v('file with an RSA modulus (raw bytes)'),
      kcv: v('key check value (hex)'),
    },
    run: session.findKey,
  },
  findSingleKey: { group: 'Key management', summary: 'Check that a key exists', op: 'Cfm3FindKey', login: true, modern: 'key list --filter key-reference=<h>', flags: { k: h('key handle') }, run: session.findSingleKey },
  getKeyInfo: { group: 'Key management', summary: 'Show owner, sharees and quorum of a key', op: 'Cfm3GetKey', login: true, status: 'none', modern: 'key list --filter key-reference=<h> --verbose', flags: { k: h('key handle') }, run: session.getKeyInfo },
  getAttribute: {
    group: 'Key management',
    summary: 'Write attributes of a key to a file',
    op: 'Cfm3GetAttribute',
    login: true,
    status: 'none',
    modern: 'key list --filter key-reference=<h> --verbose',
    flags: { o: h('key handle'), a: v('attribute ID (listAttributes), 512 for all', true), out: v('output file', true) },
    run: session.getAttribute,
  },
  setAttribute: {
    group: 'Key management',
    summary: 'Make a session key a token key (attribute 1)',
    op: 'Cfm3SetAttribute',
    login: true,
    modern: 'key set-attribute --filter key-reference=<h> --name token --value true',
    flags: { o: h('key handle'), a: v('attribute ID: 1 (OBJ_ATTR_TOKEN)', true) },
    run: session.setAttribute,
  },
  deleteKey: { group: 'Key management', summary: 'Delete a key you own', op: 'Cfm3DeleteKey', login: true, modern: 'key delete --filter key-reference=<h>', flags: { k: h('key handle') }, run: session.deleteKey },
  listAttributes: { group: 'Key management', summary: 'List attribute IDs', op: 'Cfm3ListAttributes', login: false, status: 'none', modern: 'none', flags: {}, run: session.listAttributes },
  importPubKey: {
    group: 'Import and export',
    summary: 'Import a PEM public key',
    op: 'Cfm3CreatePublicKey',
    login: true,
    modern: 'key import pem',
    flags: { l: v('label', true), f: v('PEM file', true), sess: b('session key (refused: imports are token keys)'), id: v('ID'), min_srv: v('HSMs the key must reach'), timeout: v('seconds to wait for -min_srv') },
    run: crypto.importPubKey,
  },
  exportPubKey: {
    group: 'Import and export',
    summary: 'Write a public key to a PEM file',
    op: 'Cfm3ExportPubKey',
    login: true,
    status: 'none',
    modern: 'key generate-file --encoding pem',
    flags: { k: h('key handle'), out: v('PEM file', true) },
    run: crypto.exportPubKey,
  },
  importPrivateKey: {
    group: 'Import and export',
    summary: 'Import a PEM private key',
    op: 'Cfm3UnWrapKey',
    login: true,
    modern: 'none (use key unwrap; this emulator also has key import pem)',
    flags: { l: v('label', true), f: v('PEM file', true), w: h('AES wrapping key handle'), ...IMPORT_PRIVATE_FLAGS },
    run: crypto.importPrivateKey,
  },
  exportPrivateKey: {
    group: 'Import and export',
    summary: 'Export a private key you own in plaintext (PEM)',
    op: 'Cfm3WrapKey',
    login: true,
    status: 'none',
    modern: 'none (key wrap exports it wrapped)',
    flags: { k: h('private key handle'), w: h('AES wrapping key handle (wrap and decrypt allowed)'), out: v('PEM file', true), m: v(`${DEFAULT_WRAP_CODE} (NIST_AES_WRAP), the only mechanism`), wk: v('file holding the wrapping key in the clear: the host unwraps') },
    run: transfer.exportPrivateKey,
  },
  exSymKey: {
    group: 'Import and export',
    summary: 'Export a symmetric key you own in plaintext',
    op: 'Cfm3WrapKey',
    login: true,
    status: 'none',
    modern: 'none (key wrap exports it wrapped)',
    flags: { k: h('symmetric key handle'), w: h('AES wrapping key handle (wrap and decrypt allowed)'), out: v('output file', true), m: v(`${DEFAULT_WRAP_CODE} (NIST_AES_WRAP), the only mechanism`), wk: v('file holding the wrapping key in the clear: the host unwraps') },
    run: transfer.exSymKey,
  },
  imSymKey: {
    group: 'Import and export',
    summary: 'Import a plaintext symmetric key',
    op: 'Cfm3UnWrapKey',
    login: true,
    modern: 'none (key unwrap imports it wrapped)',
    flags: {
      f: v('key file (the key bytes in the clear)', true),
      w: h('AES wrapping key handle (unwrap allowed)'),
      t: v(`key type: ${spaced(typeEntries([...PLAINTEXT_IMPORT_TYPES]))}`, true),
      l: v('label', true),
      id: CREATION_FLAGS.id!,
      sess: CREATION_FLAGS.sess!,
      wk: v('file holding the wrapping key in the clear: the host wraps'),
      attest: CREATION_FLAGS.attest!,
      min_srv: CREATION_FLAGS.min_srv!,
      timeout: CREATION_FLAGS.timeout!,
      u: CREATION_FLAGS.u!,
    },
    run: transfer.imSymKey,
  },
  wrapKey: {
    group: 'Import and export',
    summary: 'Wrap a key you own into a file',
    op: 'Cfm2WrapKey',
    login: true,
    status: 'none',
    modern: `key wrap ${WRAP_MODERN}`,
    flags: {
      k: h('handle of the key to wrap'),
      w: h('wrapping key handle'),
      out: v('output file', true),
      m: v(`mechanism: ${WRAP_MECHANISM_HELP}`),
      t: v(`hash for ${OAEP_CODES}: ${spaced(WRAP_HASH_ENTRIES)}`),
      noheader: b('write the wrapped bytes only'),
    },
    run: crypto.wrapKey,
  },
  unWrapKey: {
    group: 'Import and export',
    summary: 'Unwrap a key from a file',
    op: 'Cfm3UnWrapKey',
    login: true,
    modern: `key unwrap ${WRAP_MODERN}`,
    flags: {
      f: v('wrapped key file', true),
      w: h('unwrapping key handle'),
      m: v(`mechanism (as wrapKey; default ${DEFAULT_WRAP_CODE})`),
      t: v(`hash for ${OAEP_CODES} (as wrapKey)`),
      noheader: b('the file holds only wrapped bytes (then -l, -kc, -kt are required)'),
      l: v('label (default: from the header)'),
      kc: v(`class with -noheader: ${spaced(classEntries(['private-key', 'secret-key']))}`),
      kt: v(`type with -noheader: ${EMULATED_TYPE_HELP}`),
      ...CREATION_FLAGS,
    },
    run: crypto.unWrapKey,
  },
  extractMaskedObject: {
    group: 'Key transfer',
    summary: 'Write a key you own, masked for this cluster, to a file',
    op: 'Cfm3ExtractMaskedObject',
    login: true,
    status: 'none',
    modern: 'none (key replicate copies a key to a clone)',
    flags: { o: h('key handle'), out: v('masked object file', true) },
    run: transfer.extractMaskedObject,
  },
  insertMaskedObject: {
    group: 'Key transfer',
    summary: 'Insert a masked object of this cluster as a new key',
    op: 'Cfm3InsertMaskedObject',
    login: true,
    modern: 'none (key replicate copies a key to a clone)',
    flags: { f: v('masked object file', true), min_srv: CREATION_FLAGS.min_srv!, timeout: CREATION_FLAGS.timeout! },
    run: transfer.insertMaskedObject,
  },
  sign: {
    group: 'Cryptography',
    summary: 'Sign a file',
    op: 'Cfm3Sign',
    login: true,
    modern: `crypto sign ${SIGN_MODERN}`,
    flags: {
      f: v('message file', true),
      k: h('private key handle'),
      m: v(`mechanism: ${signHelp()}`, true),
      out: v('signature file', true),
    },
    run: crypto.sign,
  },
  verify: {
    group: 'Cryptography',
    summary: 'Verify a signature',
    op: 'Cfm3Verify',
    login: true,
    status: 'none',
    modern: `crypto verify ${SIGN_MODERN}`,
    flags: { f: v('message file', true), s: v('signature file', true), k: h('public key handle'), m: v('mechanism (as sign)', true) },
    run: crypto.verify,
  },
  aesWrapUnwrap: {
    group: 'Cryptography',
    summary: 'AES key wrap (RFC 3394) of a file',
    op: (flags) => (flags.get('m') === '0' ? 'Cfm3UnWrapHostKey' : 'Cfm3WrapHostKey'),
    login: true,
    status: 'none',
    modern: 'none',
    flags: {
      m: v('1 wrap, 0 unwrap', true),
      f: v('input file (at most 4096 bytes)', true),
      w: h('AES key handle'),
      i: v(`IV, ${DEFAULT_IV_BYTES} bytes hex (default ${DEFAULT_IV_TEXT})`),
      out: v('output file (default wrapped_key; required to unwrap)'),
    },
    run: crypto.aesWrapUnwrap,
  },
  getCert: {
    group: 'Certificates',
    summary: 'Write a certificate of the HSM to a file, by type',
    op: 'Cfm3GetCert()',
    login: false,
    status: 'none',
    modern: 'none (cluster describe shows the cluster certificate)',
    flags: { f: v('certificate file', true), s: v('type: 1 manufacturer root, 2 manufacturer hardware, 4 customer root, 8 cluster, 16 cluster chained to the manufacturer root (not emulated: 1, 2, 16)'), t: v('the type, as the syntax block names it') },
    run: files.getCert,
  },
  getCaviumPrivKey: {
    group: 'Other',
    summary: 'Write an RSA private key handle in fake PEM format',
    op: 'getCaviumPrivKey',
    login: true,
    status: 'none',
    modern: 'key generate-file --encoding reference-pem',
    flags: { k: h('RSA private key handle'), out: v('fake PEM file', true) },
    run: files.getCaviumPrivKey,
  },
  IsValidKeyHandlefile: {
    group: 'Other',
    summary: 'Tell a real private key file from a fake PEM',
    op: 'IsValidKeyHandlefile',
    login: false,
    status: 'none',
    modern: 'none',
    flags: { f: v('private key file (PEM)', true) },
    run: files.isValidKeyHandlefile,
  },
  Error2String: { group: 'Other', summary: 'Explain a return code', op: 'Error2String', login: false, status: 'none', modern: 'none', flags: { r: v('code, e.g. 0xdb', true) }, run: session.error2String },
};

/** The emulator's own command: the CloudHSM CLI equivalent of each command (help names it). */
const MAPPING_COMMAND = 'cliEquivalents';
/** Built-ins that are not table commands: they print help or the mapping, or leave. */
const BUILTINS = ['help', MAPPING_COMMAND, 'exit'];

type Parsed = { flags: Map<string, string | true>; help: boolean };

/** `-x value` in any order; boolean flags take no value (§0). */
function parseFlags(command: KmuCommand, words: readonly string[]): Parsed {
  const flags = new Map<string, string | true>();
  for (let i = 0; i < words.length; i++) {
    const word = words[i]!;
    if (word === '-h') return { flags, help: true };
    const name = word.startsWith('-') ? word.slice(1) : undefined;
    const spec = name === undefined ? undefined : command.flags[name];
    // Named by position, not echoed: a stray word may be half of an unquoted password.
    if (!name) throw new UsageError(`word ${i + 2} is not a flag (a value with spaces needs quotes)`);
    if (name.includes('=')) throw new UsageError(`give -${name.slice(0, name.indexOf('='))} and its value as two words`);
    // Named by position, not echoed: `-pSECRET` is a password run into its flag.
    if (!spec) throw new UsageError(`word ${i + 2} is not a flag of this command`);
    if (flags.has(name)) throw new UsageError(`-${name} is given twice`);
    if (!spec.value) flags.set(name, true);
    else if (i + 1 >= words.length) throw new UsageError(`-${name} needs a value`);
    else if (spec.handle && !/^[1-9]\d*$/.test(words[i + 1]!)) throw new UsageError(`-${name} takes a key handle (a positive decimal number), not "${words[i + 1]}"`);
    else flags.set(name, words[++i]!);
  }
  const missing = Object.entries(command.flags).filter(([n, s]) => s.required && !flags.has(n));
  if (missing.length > 0) throw new UsageError(`missing ${missing.map(([n]) => `-${n}`).join(', ')}`);
  return { flags, help: false };
}

function usage(name: string, command: KmuCommand): string {
  const syntax = Object.entries(command.flags).map(([n, s]) => {
    const flag = s.value ? `-${n} <value>` : `-${n}`;
    return s.required ? flag : `[${flag}]`;
  });
  const options = Object.entries(command.flags).map(([n, s]) => `${INDENT}    -${n.padEnd(10)}${s.help}`);
  return [
    `${INDENT}Description: ${command.summary}`,
    '',
    `${INDENT}Syntax: ${name} -h`,
    `${INDENT}        ${[name, ...syntax].join(' ')}`,
    ...(options.length > 0 ? ['', `${INDENT}Options:`, ...options] : []),
    '',
    `${INDENT}CloudHSM CLI equivalent: ${command.modern}`,
    '',
  ].join('\n');
}

/**
 * `help` prints the tool's own text (kmu-help.ts), then the emulator's one command of its own in a
 * section of the same shape: `cliEquivalents`, with the mapping this dialect used to print as help.
 */
const EMULATOR_HELP = [
  '',
  '        Emulator Commands',
  `   ${MAPPING_COMMAND.padEnd(23)}Lists the CloudHSM CLI equivalent of each`,
  `   ${''.padEnd(23)}command; the shell's --explain option shows`,
  `   ${''.padEnd(23)}why a command failed`,
];

function helpText(): string {
  return `\n${[...KMU_HELP_LINES, ...EMULATOR_HELP].join('\n')}\n\n`;
}

/** `cliEquivalents`: the commands by group, each with its CloudHSM CLI equivalent (§4), in columns as wide as their longest entry. */
function mappingText(): string {
  const rows: Array<[group: string, name: string, summary: string, modern: string]> = Object.entries(COMMANDS).map(([name, c]) => [c.group, name, c.summary, c.modern]);
  rows.push(['Other', 'help', "The tool's command list; <command> -h for usage", 'help'], ['Other', MAPPING_COMMAND, 'This list', 'none'], ['Other', 'exit', 'Leave key_mgmt_util', 'quit']);
  const nameWidth = Math.max(...rows.map(([, name]) => name.length)) + 2;
  const summaryWidth = Math.max(...rows.map(([, , summary]) => summary.length)) + 2;
  const groups = new Map<string, string[]>();
  for (const [group, name, summary, modern] of rows) groups.set(group, [...(groups.get(group) ?? []), `    ${name.padEnd(nameWidth)}${summary.padEnd(summaryWidth)}${modern}`]);
  const sections = [...groups].map(([group, lines]) => `${group}:\n${lines.join('\n')}`);
  return `\nkey_mgmt_util commands (right: the CloudHSM CLI equivalent)\n\n${sections.join('\n\n')}\n\n${EXPLAIN_NOTE}\n\n`;
}

function helpFor(topic: readonly string[]): string {
  if (topic.length === 0) return helpText();
  const command = COMMANDS[topic[0]!];
  return command ? `\n${usage(topic[0]!, command)}\n` : `\nNo help for "${topic[0]}": help lists the commands\n\n`;
}

async function runCommand(host: DialectHost, name: string, command: KmuCommand, args: readonly string[]): Promise<LineOutcome> {
  let parsed: Parsed;
  try {
    parsed = parseFlags(command, args);
  } catch (err) {
    host.io.write(`\n${INDENT}Error: ${(err as Error).message}\n\n${usage(name, command)}\n`);
    return 'failed';
  }
  if (parsed.help) {
    host.io.write(`\n${usage(name, command)}\n`);
    return 'ok';
  }
  const call: KmuCall = { host, flags: parsed.flags };
  try {
    if (command.login && !host.session) throw new KmuFailure(NOT_LOGGED_IN, 'nobody is logged in: log in first with loginHSM -u CU -s <name> -hpswd');
    const outcome = await command.run(call);
    if (outcome.blocks.length > 0) host.io.write(render(outcome.blocks));
    return outcome.ok === false ? 'failed' : 'ok';
  } catch (err) {
    if (err instanceof UsageError) {
      host.io.write(`\n${INDENT}Error: ${err.message}\n\n${usage(name, command)}\n`);
      return 'failed';
    }
    // A Ctrl-C at a prompt abandons the line; the shell reports nothing more.
    if ((err as { cancelled?: boolean }).cancelled) return 'failed';
    const failure = toFailure(err);
    // §3 deleteKey (and every handle lookup): a handle that names nothing is Cfm3FindKey's 0xa8,
    // with deleteKey's documented node block.
    const findKey = failure.code === INVALID_HANDLE;
    const op = findKey ? 'Cfm3FindKey' : typeof command.op === 'string' ? command.op : command.op(parsed.flags);
    host.io.write(render(failureBlocks(op, failure, await nodeCount(host), findKey ? 'error' : (command.status ?? 'error'))));
    if (failure.detail && !failure.internal) host.io.explain?.(failure.detail);
    return 'failed';
  }
}

export const kmuDialect: Dialect = {
  name: 'kmu',
  prompt: () => 'Command: ',
  // The real tool prints only its prompt.
  banner: async () => '',

  async run(host, words) {
    const [name, ...args] = words;
    if (!name) return 'ok';
    if (name === 'exit') return 'quit';
    if (name === 'help') {
      host.io.write(helpFor(args));
      return 'ok';
    }
    if (name === MAPPING_COMMAND) {
      host.io.write(mappingText());
      return 'ok';
    }
    const command = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
    if (!command) {
      // Not echoed: a line that is no command may be a password typed at the wrong prompt.
      host.io.write(`\n${INDENT}Command not found (names are case-sensitive; help lists the commands)\n\n`);
      return 'failed';
    }
    return runCommand(host, name, command, args);
  },

  async complete(host, words, partial) {
    if (words.length === 0) return [...Object.keys(COMMANDS), ...BUILTINS].filter((n) => n.startsWith(partial));
    const command = Object.hasOwn(COMMANDS, words[0]!) ? COMMANDS[words[0]!] : undefined;
    if (!command) return [];
    const last = words[words.length - 1]!;
    const lastSpec = words.length > 1 && last.startsWith('-') ? command.flags[last.slice(1)] : undefined;
    if (lastSpec?.value) {
      // Handle values (-k, -o, -w) complete from the keys the logged-in user can see.
      if (!lastSpec.handle || !host.session) return [];
      try {
        return (await visibleHandles(host)).map(String).filter((h) => h.startsWith(partial));
      } catch {
        return [];
      }
    }
    const used = new Set(words.slice(1).filter((w) => w.startsWith('-')));
    return Object.keys(command.flags)
      .map((n) => `-${n}`)
      .filter((f) => !used.has(f) && f.startsWith(partial));
  },

  // A line whose command is unknown goes whole (it may be a password typed at the wrong prompt).
  // Otherwise whatever follows -p goes, even a word that looks like a flag; so does what follows
  // -password or --password, and the tail of a word run together with -p (-pSECRET).
  redact: (line) => {
    const first = redactUnknown(line, (words) => words.length === 1 && (Object.hasOwn(COMMANDS, words[0]!) || BUILTINS.includes(words[0]!)));
    if (first.kept.length === 0) return first.line;
    return redactOptions(line, (word) => word === '-p' || /^--?password$/i.test(word), '-p');
  },

  help: async (_host, topic) => helpFor(topic),
};
