/**
 * Every example of cloudhsm_mgmt_util (CMU) and key_mgmt_util (KMU) output in legacy-shells.md,
 * typed into its dialect on a test cluster and compared line by line with the documented lines,
 * blank lines included. Only values differ, and the expected lines name them: `{{name}}` is a value
 * the test knows (a server's IP, a file, a handle seen earlier), `[[kind]]` any value of that kind
 * and `[[kind:name]]` one kept under that name for later lines. The layout of blank lines follows
 * the spec's conventions (§0: KMU's blocks parted by blank lines) and, where the spec lists only
 * the lines, the User Guide's transcripts.
 *
 * Error outcomes are examples too (wrong password, not logged in, access denied): what they print
 * is the tool's lines and nothing else; the emulator's reason goes only to `explain`.
 */
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { perform } from '../../src/core/engine.js';
import { activeHsms } from '../../src/core/cluster/model.js';
import { readCluster } from '../../src/core/cluster/operations.js';
import { generateSymmetric } from '../../src/core/keys/generate.js';
import { createUser } from '../../src/core/users/operations.js';
import type { Dialect } from '../../src/shell/dialect.js';
import { cmuDialect } from '../../src/shell/dialects/cmu.js';
import { kmuDialect } from '../../src/shell/dialects/kmu.js';
import { KMU_HELP_LINES } from '../../src/shell/dialects/kmu-help.js';
import { ADMIN_PASSWORD, CMU_CAUTION, runLines, testHost, type TestHost } from '../support/dialect-host.js';
import { tempDir } from '../support/helpers.js';

interface Example {
  /** Where legacy-shells.md shows it. */
  spec: string;
  /** The line typed (`{{name}}` values substituted). */
  line: string;
  /** Answers to the dialect's questions and hidden prompts. */
  answers?: string[];
  passwords?: string[];
  /** The lines printed (a function of the known values where a column is padded around one). */
  out: string[] | ((known: ReadonlyMap<string, string>) => string[]);
  /** The line fails (the tool reports an error). */
  fails?: boolean;
  /** The line leaves the tool. */
  quits?: boolean;
  /** The emulator has a reason to give, which must go to `explain` and nowhere else. */
  explains?: boolean;
  /** A file the command writes, line by line. */
  file?: { path: string; lines: string[] };
  /** Done before the line runs (keys made through the core, for CMU, which has no key generation). */
  setup?: (t: TestHost, known: Map<string, string>) => Promise<void>;
}

/** One kind of value: what it looks like. */
const KINDS: Record<string, string> = {
  n: String.raw`\d+`,
  hex: '[0-9a-f]+',
  bytes: '[0-9A-F]{2}(?: [0-9A-F]{2}){0,7}',
  v: String.raw`\S.*`,
};

const escape = (text: string) => text.replace(/[\\^$.*+?()[\]{}|/]/g, '\\$&');

/** A pattern for one expected line: literal text, known values, and captured values of a kind. */
function linePattern(template: string, known: ReadonlyMap<string, string>): { pattern: RegExp; names: string[] } {
  const names: string[] = [];
  let source = '';
  let rest = template;
  for (;;) {
    const m = /\{\{(\w+)\}\}|\[\[(\w+)(?::(\w+))?\]\]/.exec(rest);
    if (!m) break;
    source += escape(rest.slice(0, m.index));
    if (m[1] !== undefined) {
      const value = known.get(m[1]);
      assert.ok(value !== undefined, `no value {{${m[1]}}} yet`);
      source += escape(value);
    } else {
      const kind = KINDS[m[2]!];
      assert.ok(kind, `no kind [[${m[2]}]]`);
      source += `(${kind})`;
      names.push(m[3] ?? '');
    }
    rest = rest.slice(m.index + m[0].length);
  }
  return { pattern: new RegExp(`^${source}${escape(rest)}$`), names };
}

/** Compares printed lines with the expected ones, keeping captured values. */
function compare(actual: string[], expected: readonly string[], known: Map<string, string>, what: string): void {
  const shown = () => `${what}\n--- expected\n${expected.join('\n')}\n--- printed\n${actual.join('\n')}`;
  assert.equal(actual.length, expected.length, `line count differs: ${shown()}`);
  expected.forEach((template, i) => {
    const { pattern, names } = linePattern(template, known);
    const m = pattern.exec(actual[i]!);
    assert.ok(m, `line ${i + 1} differs:\n  expected ${JSON.stringify(template)}\n  printed  ${JSON.stringify(actual[i])}\n${shown()}`);
    names.forEach((name, j) => name && known.set(name, m[j + 1]!));
  });
}

/** The printed text as lines (the final line end closes the last line). */
function linesOf(text: string): string[] {
  const lines = text.split('\n');
  if (lines.at(-1) === '') lines.pop();
  return lines;
}

function substitute(text: string, known: ReadonlyMap<string, string>): string {
  return text.replace(/\{\{(\w+)\}\}/g, (_, name: string) => {
    const value = known.get(name);
    assert.ok(value !== undefined, `no value {{${name}}} yet`);
    return value;
  });
}

/** Runs the examples in order in one session of `dialect`, one test each. */
function transcript(dialect: Dialect, examples: () => Example[], start: () => Promise<{ t: TestHost; known: Map<string, string> }>): void {
  let t: TestHost;
  let known: Map<string, string>;
  before(async () => ({ t, known } = await start()));
  for (const example of examples()) {
    it(`${example.spec}: ${example.line}`, async () => {
      await example.setup?.(t, known);
      const line = substitute(example.line, known);
      t.clear();
      t.explained.length = 0;
      t.answers.push(...(example.answers ?? []));
      t.passwords.push(...(example.passwords ?? []));
      const [outcome] = await runLines(dialect, t.host, [line]);
      compare(linesOf(t.output()), typeof example.out === 'function' ? example.out(known) : example.out, known, line);
      assert.equal(outcome, example.fails ? 'failed' : example.quits ? 'quit' : 'ok', `${line} → ${outcome}`);
      assert.deepEqual([t.answers, t.passwords], [[], []], 'every answer was asked for');
      if (example.explains) assert.ok(t.explained.length > 0 && t.explained.every((e) => !t.output().includes(e)), `explained: ${t.explained.join(' | ')}`);
      if (example.file) compare(linesOf(fs.readFileSync(substitute(example.file.path, known), 'utf8')), example.file.lines, known, example.file.path);
    });
  }
}

const I = ' '.repeat(8);
const OK = 'HSM Return: SUCCESS';

/** §0: KMU's blocks, a blank line before, between and after them. */
function blocks(...parts: string[][]): string[] {
  return ['', ...parts.flatMap((p) => [...p, ''])];
}

/** §0: the per-node lines of a two-HSM cluster, in a block's style. */
function nodes(heading: string, state = '0x00000000', text = OK): string[] {
  const line = (i: number) => (heading === 'Cluster Status:' ? `${I}Node id ${i} status: ${state} : ${text}` : `${I}Node id ${i} and err state ${state} : ${text}`);
  return [`${I}${heading}`, line(0), line(1)];
}

const ERROR_STATUS = nodes('Cluster Error Status');
const CLUSTER_STATUS = nodes('Cluster Status');
const POLICY = 'HSM Error: This operation violates the current configured/FIPS policies';

/** §1: a FIPS policy refusal (0xb3), with the nodes' err state. */
function policyRefusal(op: string, state: string, text: string): string[] {
  return blocks([`${I}${op} returned: 0xb3 : ${POLICY}`], nodes('Cluster Error Status', state, text));
}

/**
 * §1 `getAttribute -o <h> -a 512 -out <file>` of a secret key: the 17 attributes of the dump, with
 * the values that differ between keys (the type, WRAP and UNWRAP, the label and the length).
 */
function secretKeyDump(spec: string, handle: string, v: { type: string; wrap: string; label: string; length: string }): Example {
  const file = `{{dir}}/attr_${handle}`;
  const attributes = [['CLASS', '0x04'], ['KEY_TYPE', v.type], ['TOKEN', '0x01'], ['PRIVATE', '0x01'], ['ENCRYPT', '0x01'], ['DECRYPT', '0x01'], ['WRAP', v.wrap], ['UNWRAP', v.wrap]];
  attributes.push(['SIGN', '0x00'], ['VERIFY', '0x00'], ['LOCAL', '0x01'], ['SENSITIVE', '0x01'], ['EXTRACTABLE', '0x01'], ['LABEL', v.label], ['ID', ''], ['VALUE_LEN', v.length], ['KCV', '0x[[hex]]']);
  return {
    spec,
    line: `getAttribute -o {{${handle}}} -a 512 -out ${file}`,
    out: ['', 'got all attributes of size [[n]] attr cnt 17', `Attributes dumped into ${file}`, '', `${I}Cfm3GetAttribute returned: 0x00 : ${OK}`, ''],
    file: { path: file, lines: attributes.flatMap(([name, value]) => [`OBJ_ATTR_${name}`, value!]) },
  };
}

/** §0: the CAUTION block CMU shows before a change, without its question (the answer ends that line). */
const CAUTION = CMU_CAUTION.split('\n').slice(0, -1);

/** §1: listAttributes prints its header, then each `NAME id` as `      OBJ_ATTR_NAME` padded to 32 and `= id`. */
function attributeList(header: string, entries: string): string[] {
  const line = (entry: string) => {
    const [name, id] = entry.split(' ');
    return `      ${`OBJ_ATTR_${name}`.padEnd(32)}= ${id}`;
  };
  return ['', header, '', ...entries.split(', ').map(line), ''];
}

/** A cluster (two ACTIVE HSMs) with its servers' IPs and HSM IDs known; KMU's is an hsm1.medium cluster, the HSM type the SDK 3 tools serve. */
async function session(users: Record<string, string> = {}, hsmType?: 'hsm1.medium'): Promise<{ t: TestHost; known: Map<string, string> }> {
  const t = await testHost(hsmType ? { hsmType } : {});
  const cluster = await perform(t.ctx, readCluster, {});
  const known = new Map<string, string>([['dir', tempDir('legacy-')], ['admin', ADMIN_PASSWORD]]);
  activeHsms(cluster).forEach((h, i) => {
    known.set(`ip${i}`, h.eniIp);
    known.set(`hsm${i}`, h.hsmId);
  });
  const admin = { credentials: { username: 'admin', password: ADMIN_PASSWORD, role: 'admin' as const } };
  for (const [username, password] of Object.entries(users)) await perform(t.ctx, createUser, { username, password, role: 'crypto-user' }, admin);
  return { t, known };
}

describe('legacy-shells.md examples, line by line', function () {
  this.timeout(60_000);

  describe('key_mgmt_util (§0, §1, §3)', () => {
    transcript(
      kmuDialect,
      () => [
        { spec: '§3 Error2String', line: 'Error2String -r 0xdb', out: blocks([`${I}Error Code db maps to HSM Error: Invalid User Type.`]) },
        { spec: '§3 Error2String', line: 'Error2String -r 0xc6', out: blocks([`${I}Error Code c6 maps to HSM Error: Key Access is denied`]) },
        {
          spec: '§1 listAttributes (KMU short list)',
          line: 'listAttributes',
          out: attributeList('Following are the possible attribute values for getAttributes:', 'CLASS 0, TOKEN 1, PRIVATE 2, LABEL 3, KEY_TYPE 256, ENCRYPT 260, DECRYPT 261, WRAP 262, UNWRAP 263, SIGN 264, VERIFY 266, LOCAL 355, MODULUS 288, MODULUS_BITS 289, PUBLIC_EXPONENT 290, VALUE_LEN 353, EXTRACTABLE 354, KCV 371'),
        },
        {
          spec: '§0 error form: not logged in [assumed code]',
          line: 'genSymKey -t 31 -s 32 -l aes256',
          fails: true,
          explains: true,
          out: blocks([`${I}Cfm3GenerateSymmetricKey returned: 0xd3 : HSM Error: User is not logged in`]),
        },
        {
          spec: '§3 loginHSM: a non-CU type is 0xdb',
          line: 'loginHSM -u CO -s admin -p {{admin}}',
          fails: true,
          out: blocks([`${I}Cfm3LoginHSM returned: 0xdb : HSM Error: Invalid User Type.`], nodes('Cluster Status', '0x000000db', 'HSM Error: Invalid User Type.')),
        },
        {
          spec: '§0 error form: wrong password [assumed code]',
          line: 'loginHSM -u CU -s alice -p Wrong-Password-1',
          fails: true,
          explains: true,
          out: blocks([`${I}Cfm3LoginHSM returned: 0xd0 : HSM Error: Login failure`], nodes('Cluster Status', '0x000000d0', 'HSM Error: Login failure')),
        },
        {
          spec: '§3 loginHSM -hpswd',
          line: 'loginHSM -u CU -s alice -hpswd',
          passwords: ['Alice-Pass-1'],
          out: ['Enter password: ', ...blocks([`${I}Cfm3LoginHSM returned: 0x00 : ${OK}`], CLUSTER_STATUS)],
        },
        {
          spec: '§3 listUsers',
          line: 'listUsers',
          out: blocks(
            [`${I}Number Of Users found 4`],
            [
              `${I}Index       User ID     User Type       User Name           MofnPubKey    LoginFailureCnt         2FA`,
              `${I}1                1      PCO             admin                     NO               0               NO`,
              `${I}2                2      AU              app_user                  NO               0               NO`,
              `${I}3                3      CU              alice                     NO               0               NO`,
              `${I}4                4      CU              bob                       NO               0               NO`,
            ],
            [`${I}Cfm3ListUsers returned: 0x00 : ${OK}`],
          ),
        },
        {
          spec: '§3 genSymKey',
          line: 'genSymKey -t 31 -s 32 -l aes256',
          out: blocks([`${I}Cfm3GenerateSymmetricKey returned: 0x00 : ${OK}`], [`${I}Symmetric Key Created.  Key Handle: [[n:aes]]`], ERROR_STATUS),
        },
        {
          spec: '§3 genSymKey -attest, shared with -u and a key quorum (-m_value)',
          line: 'genSymKey -t 16 -s 2048 -l generic-mV2 -m_value 2 -u 4 -attest',
          out: blocks([`${I}Cfm3GenerateSymmetricKey returned: 0x00 : ${OK}`], [`${I}Symmetric Key Created.  Key Handle: [[n:generic]]`], [`${I}Attestation Check : [PASS]`], ERROR_STATUS),
        },
        {
          spec: '§3 genSymKey: a generic secret of up to 3584 bytes',
          line: 'genSymKey -t 16 -s 3584 -l biggest',
          out: blocks([`${I}Cfm3GenerateSymmetricKey returned: 0x00 : ${OK}`], [`${I}Symmetric Key Created.  Key Handle: [[n]]`], ERROR_STATUS),
        },
        {
          spec: '§3 genSymKey: a session key (for setAttribute)',
          line: 'genSymKey -t 31 -s 24 -l tmpAES -sess',
          out: blocks([`${I}Cfm3GenerateSymmetricKey returned: 0x00 : ${OK}`], [`${I}Symmetric Key Created.  Key Handle: [[n:session]]`], ERROR_STATUS),
        },
        {
          spec: '§3 genSymKey -t 21: a 3DES key',
          line: 'genSymKey -t 21 -s 24 -l 3DES',
          out: blocks([`${I}Cfm3GenerateSymmetricKey returned: 0x00 : ${OK}`], [`${I}Symmetric Key Created.  Key Handle: [[n:tdes]]`], ERROR_STATUS),
        },
        {
          spec: '§3 genSymKey: the key to wrap',
          line: 'genSymKey -t 31 -s 16 -l payload',
          out: blocks([`${I}Cfm3GenerateSymmetricKey returned: 0x00 : ${OK}`], [`${I}Symmetric Key Created.  Key Handle: [[n:payload]]`], ERROR_STATUS),
        },
        {
          spec: '§3 genSymKey: a key for aesWrapUnwrap (one that wraps no keys)',
          line: 'genSymKey -t 31 -s 16 -l data-key',
          out: blocks([`${I}Cfm3GenerateSymmetricKey returned: 0x00 : ${OK}`], [`${I}Symmetric Key Created.  Key Handle: [[n:data]]`], ERROR_STATUS),
        },
        {
          spec: '§0 genRSAKeyPair (Cluster Status:)',
          line: 'genRSAKeyPair -m 2048 -e 65537 -l rsa_test',
          out: blocks(
            [`${I}Cfm3GenerateKeyPair returned: 0x00 : ${OK}`],
            [`${I}Cfm3GenerateKeyPair:    public key handle: [[n:rsaPub]]    private key handle: [[n:rsaPriv]]`],
            nodes('Cluster Status:'),
          ),
        },
        {
          spec: '§3 genECCKeyPair',
          line: 'genECCKeyPair -i 2 -l ecc2',
          out: blocks([`${I}Cfm3GenerateKeyPair returned: 0x00 : ${OK}`], [`${I}Cfm3GenerateKeyPair:    public key handle: [[n:ecPub]]    private key handle: [[n:ecPriv]]`], ERROR_STATUS),
        },
        {
          spec: '§3 genDSAKeyPair (its return line with a colon)',
          line: 'genDSAKeyPair -m 2048 -l DSA_key_pair',
          out: blocks([`${I}Cfm3GenerateKeyPair: returned: 0x00 : ${OK}`], [`${I}Cfm3GenerateKeyPair:    public key handle: [[n:dsaPub]]    private key handle: [[n:dsaPriv]]`], ERROR_STATUS),
        },
        // The genECCKeyPair example shows every node at 0x30000085 for the FIPS refusal.
        { spec: '§1 genECCKeyPair -i 1: refused in FIPS mode (0xb3)', line: 'genECCKeyPair -i 1 -l ecc1', fails: true, out: policyRefusal('Cfm3GenerateKeyPair', '0x30000085', 'HSM CLUSTER ERROR: Server in cluster is unavailable') },
        { spec: '§3 genPBEKey: always 0xb3', line: 'genPBEKey', fails: true, out: policyRefusal('Cfm3GeneratePBEKey', '0x000000b3', POLICY) },
        {
          spec: '§3 findKey (the return line after the node block)',
          line: 'findKey -l aes256',
          out: ['', 'Total number of keys present 1', '', ' number of keys matched from start index 0::0', '{{aes}}', '', ...ERROR_STATUS, '', `${I}Cfm3FindKey returned: 0x00 : ${OK}`, ''],
        },
        {
          spec: '§3 findKey with no match',
          line: 'findKey -l no-such-label',
          out: ['', 'Total number of keys present 0', '', ...ERROR_STATUS, '', `${I}Cfm3FindKey returned: 0x00 : ${OK}`, ''],
        },
        { spec: '§3 findSingleKey', line: 'findSingleKey -k {{aes}}', out: blocks([`${I}Cfm3FindKey returned: 0x00 : ${OK}`], ERROR_STATUS) },
        { spec: '§3 getKeyInfo', line: 'getKeyInfo -k {{aes}}', out: blocks([`${I}Cfm3GetKey returned: 0x00 : ${OK}`], [`${I}Owned by user 3`]) },
        {
          spec: '§3 getKeyInfo: shared, with a key quorum',
          line: 'getKeyInfo -k {{generic}}',
          out: blocks(
            [`${I}Cfm3GetKey returned: 0x00 : ${OK}`],
            [`${I}Owned by user 3`],
            [`${I}also, shared to following 1 user(s):`],
            [`${I}         4`, `${I} 2 Users need to approve to use/manage this key`],
          ),
        },
        secretKeyDump('§3 getAttribute -a 512 (§1 dump)', 'aes', { type: '0x1f', wrap: '0x01', label: 'aes256', length: '0x00000020' }),
        secretKeyDump('§1 getAttribute -a 512 of a 3DES key (the documented dump: WRAP and UNWRAP 0)', 'tdes', { type: '0x15', wrap: '0x00', label: '3DES', length: '0x00000018' }),
        {
          spec: '§3 getAttribute, one attribute',
          line: 'getAttribute -o {{aes}} -a 256 -out {{dir}}/attr_type',
          out: ['', 'Attributes dumped into {{dir}}/attr_type file', ''],
          file: { path: '{{dir}}/attr_type', lines: ['OBJ_ATTR_KEY_TYPE', '0x0000001f'] },
        },
        {
          spec: '§3 getAttribute: an attribute that does not apply [assumed code]',
          line: 'getAttribute -o {{aes}} -a 288 -out {{dir}}/attr_modulus',
          fails: true,
          explains: true,
          out: blocks([`${I}Cfm3GetAttribute returned: 0xdc : HSM Error: Attribute is not applicable to this object`]),
        },
        {
          spec: '§3 setAttribute -a 1',
          line: 'setAttribute -o {{session}} -a 1',
          answers: ['1'],
          out: ['This attribute is defined as a boolean value.', 'Enter the boolean attribute value (0 or 1):1', ...blocks([`${I}Cfm3SetAttribute returned: 0x00 : ${OK}`], ERROR_STATUS)],
        },
        {
          spec: '§3 exportPubKey',
          line: 'exportPubKey -k {{rsaPub}} -out {{dir}}/public.pem',
          out: blocks([`${I}PEM formatted public key is written to {{dir}}/public.pem`], [`${I}Cfm3ExportPubKey returned: 0x00 : ${OK}`]),
        },
        {
          spec: '§3 importPubKey',
          line: 'importPubKey -l importedPublicKey -f {{dir}}/public.pem',
          out: blocks([`${I}Cfm3CreatePublicKey returned: 0x00 : ${OK}`], [`${I}Public Key Handle: [[n]]`], ERROR_STATUS),
        },
        {
          spec: '§3 importPrivateKey',
          line: 'importPrivateKey -f {{dir}}/ec.key -l ec-imported -w {{aes}}',
          setup: async (_t, known) => {
            const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
            fs.writeFileSync(path.join(known.get('dir')!, 'ec.key'), privateKey.export({ type: 'pkcs8', format: 'pem' }));
          },
          out: blocks(
            [`${I}BER encoded key length is [[n]]`],
            [`${I}Cfm3WrapHostKey returned: 0x00 : ${OK}`],
            [`${I}Cfm3CreateUnwrapTemplate returned: 0x00 : ${OK}`],
            [`${I}Cfm3UnWrapKey returned: 0x00 : ${OK}`],
            [`${I}Private Key Unwrapped.  Key Handle: [[n]]`],
            ERROR_STATUS,
          ),
        },
        {
          spec: '§3 wrapKey (no node block)',
          line: 'wrapKey -k {{payload}} -w {{aes}} -out {{dir}}/wrapped.key',
          out: blocks([`${I}Key Wrapped.`], [`${I}Wrapped Key written to file "{{dir}}/wrapped.key length [[n]]`], [`${I}Cfm2WrapKey returned: 0x00 : ${OK}`]),
        },
        {
          spec: '§3 unWrapKey',
          line: 'unWrapKey -f {{dir}}/wrapped.key -w {{aes}}',
          out: blocks([`${I}Cfm3UnWrapKey returned: 0x00 : ${OK}`], [`${I}Key Unwrapped.  Key Handle: [[n]]`], ERROR_STATUS),
        },
        {
          spec: '§3 wrapKey -noheader',
          line: 'wrapKey -k {{payload}} -w {{aes}} -m 5 -noheader -out {{dir}}/raw.key',
          out: blocks([`${I}Key Wrapped.`], [`${I}Wrapped Key written to file "{{dir}}/raw.key length 24`], [`${I}Cfm2WrapKey returned: 0x00 : ${OK}`]),
        },
        {
          spec: '§3 unWrapKey -noheader',
          line: 'unWrapKey -f {{dir}}/raw.key -w {{aes}} -m 5 -noheader -l unwrapped -kc 4 -kt 31',
          out: blocks([`${I}Cfm3CreateUnwrapTemplate2 returned: 0x00 : ${OK}`, `${I}Cfm2UnWrapWithTemplate3 returned: 0x00 : ${OK}`], [`${I}Key Unwrapped. Key Handle: [[n]]`], ERROR_STATUS),
        },
        {
          spec: '§3 sign',
          line: 'sign -f {{dir}}/messageFile -k {{rsaPriv}} -m 1 -out {{dir}}/signedFile',
          setup: async (_t, known) => fs.writeFileSync(path.join(known.get('dir')!, 'messageFile'), 'a message'),
          out: blocks([`${I}Cfm3Sign returned: 0x00 : ${OK}`], [`${I}signature is written to file {{dir}}/signedFile`], ERROR_STATUS),
        },
        {
          spec: '§3 verify (no node block)',
          line: 'verify -f {{dir}}/messageFile -s {{dir}}/signedFile -k {{rsaPub}} -m 1',
          out: blocks([`${I}Signature verification successful`], [`${I}Cfm3Verify returned: 0x00 : ${OK}`]),
        },
        {
          spec: '§0 verify mismatch: 0x1b',
          line: 'verify -f {{dir}}/otherFile -s {{dir}}/signedFile -k {{rsaPub}} -m 1',
          setup: async (_t, known) => fs.writeFileSync(path.join(known.get('dir')!, 'otherFile'), 'another message'),
          fails: true,
          out: blocks([`${I}Cfm3Verify returned: 0x1b`], [`${I}CSP Error: ERR_BAD_PKCS_DATA`]),
        },
        {
          // The file holds the plain key although the line says "Wrapped" (the User Guide warns of it).
          spec: '§3 exSymKey (its last line unindented, after two blank lines)',
          line: 'exSymKey -k {{tdes}} -w {{aes}} -out {{dir}}/3DES.key',
          out: ['', `${I}Cfm3WrapKey returned: 0x00 : ${OK}`, '', `${I}Cfm3UnWrapHostKey returned: 0x00 : ${OK}`, '', '', 'Wrapped Symmetric Key written to file "{{dir}}/3DES.key"', ''],
        },
        {
          spec: '§3 imSymKey',
          line: 'imSymKey -f {{dir}}/3DES.key -w {{aes}} -t 21 -l 3DES-imported',
          out: blocks(
            [`${I}Cfm3WrapHostKey returned: 0x00 : ${OK}`],
            [`${I}Cfm3CreateUnwrapTemplate returned: 0x00 : ${OK}`],
            [`${I}Cfm3UnWrapKey returned: 0x00 : ${OK}`],
            [`${I}Symmetric Key Unwrapped.  Key Handle: [[n]]`],
            ERROR_STATUS,
          ),
        },
        {
          spec: '§3 exportPrivateKey',
          line: 'exportPrivateKey -k {{rsaPriv}} -w {{aes}} -out {{dir}}/private.key',
          out: blocks([`${I}Cfm3WrapKey returned: 0x00 : ${OK}`], [`${I}Cfm3UnWrapHostKey returned: 0x00 : ${OK}`], [`${I}PEM formatted private key is written to {{dir}}/private.key`]),
        },
        {
          spec: '§3 extractMaskedObject',
          line: 'extractMaskedObject -o {{tdes}} -out {{dir}}/maskedObj',
          out: blocks([`${I}Object was masked and written to file "{{dir}}/maskedObj"`], [`${I}Cfm3ExtractMaskedObject returned: 0x00 : ${OK}`]),
        },
        {
          spec: '§3 insertMaskedObject',
          line: 'insertMaskedObject -f {{dir}}/maskedObj',
          out: blocks([`${I}Cfm3InsertMaskedObject returned: 0x00 : ${OK}`, `${I}New Key Handle: [[n]]`], ERROR_STATUS),
        },
        {
          spec: '§3 getCaviumPrivKey (its first line unindented, after two blank lines)',
          line: 'getCaviumPrivKey -k {{rsaPriv}} -out {{dir}}/fakeKey.pem',
          out: ['', '', 'Private Key Handle is written to {{dir}}/fakeKey.pem in fake PEM format', '', `${I}getCaviumPrivKey returned: 0x00 : ${OK}`, ''],
        },
        { spec: '§3 IsValidKeyHandlefile: a real private key', line: 'IsValidKeyHandlefile -f {{dir}}/private.key', out: blocks([`${I}Input key file has real private key`]) },
        // [assumed] the line for a handle the HSM has, as a vendor manual of the same tool prints it.
        { spec: '§3 IsValidKeyHandlefile: a fake PEM', line: 'IsValidKeyHandlefile -f {{dir}}/fakeKey.pem', out: blocks([`${I}Input file has key handle: {{rsaPriv}}`]) },
        { spec: '§3 getCert', line: 'getCert -f {{dir}}/customerCA.crt -s 4', out: blocks([`${I}Cfm3GetCert() returned 0 :${OK}`]) },
        {
          spec: '§3 genRSAKeyPair: a key to delete under its fake PEM',
          line: 'genRSAKeyPair -m 2048 -e 65537 -l gone',
          out: blocks([`${I}Cfm3GenerateKeyPair returned: 0x00 : ${OK}`], [`${I}Cfm3GenerateKeyPair:    public key handle: [[n]]    private key handle: [[n:gone]]`], nodes('Cluster Status:')),
        },
        {
          spec: '§3 getCaviumPrivKey',
          line: 'getCaviumPrivKey -k {{gone}} -out {{dir}}/gone.pem',
          out: ['', '', 'Private Key Handle is written to {{dir}}/gone.pem in fake PEM format', '', `${I}getCaviumPrivKey returned: 0x00 : ${OK}`, ''],
        },
        { spec: '§3 deleteKey', line: 'deleteKey -k {{gone}}', out: blocks([`${I}Cfm3DeleteKey returned: 0x00 : ${OK}`], ERROR_STATUS) },
        { spec: '§3 IsValidKeyHandlefile: a handle that names no key', line: 'IsValidKeyHandlefile -f {{dir}}/gone.pem', fails: true, explains: true, out: blocks([`${I}Input file has invalid key handle: {{gone}}`]) },
        {
          spec: '§3 aesWrapUnwrap -m 1',
          line: 'aesWrapUnwrap -m 1 -f {{dir}}/data -w {{data}} -out {{dir}}/data.wrapped',
          setup: async (_t, known) => fs.writeFileSync(path.join(known.get('dir')!, 'data'), Buffer.alloc(24, 7)),
          out: blocks(
            [`${I}Warning: IV (-i) is missing.`, `${I}         0xA6A6A6A6A6A6A6A6 is considered as default IV`, 'result data:', '[[bytes]]', '[[bytes]]', '[[bytes]]', '[[bytes]]'],
            ['result written to file {{dir}}/data.wrapped'],
            [`${I}Cfm3WrapHostKey returned: 0x00 : ${OK}`],
          ),
        },
        {
          // The unwrapped data may be key material: it goes only to the file (PRODUCT: nothing secret is printed).
          spec: '§3 aesWrapUnwrap -m 0',
          line: 'aesWrapUnwrap -m 0 -f {{dir}}/data.wrapped -w {{data}} -out {{dir}}/data.back',
          out: blocks([`${I}Warning: IV (-i) is missing.`, `${I}         0xA6A6A6A6A6A6A6A6 is considered as default IV`], ['result written to file {{dir}}/data.back'], [`${I}Cfm3UnWrapHostKey returned: 0x00 : ${OK}`]),
        },
        { spec: '§3 deleteKey', line: 'deleteKey -k {{payload}}', out: blocks([`${I}Cfm3DeleteKey returned: 0x00 : ${OK}`], ERROR_STATUS) },
        {
          spec: '§3 deleteKey: a missing handle is Cfm3FindKey 0xa8',
          line: 'deleteKey -k {{payload}}',
          fails: true,
          out: blocks(
            [`${I}Cfm3FindKey returned: 0xa8 : HSM Error: Invalid object handle is passed to this operation`],
            nodes('Cluster Error Status', '0x000000a8', 'HSM Error: Invalid object handle is passed to this operation'),
          ),
        },
        { spec: '§3 logoutHSM', line: 'logoutHSM', out: blocks([`${I}Cfm3LogoutHSM returned: 0x00 : ${OK}`], CLUSTER_STATUS) },
        { spec: '§3 loginHSM', line: 'loginHSM -u CU -s bob -p Bob-Pass-12', out: blocks([`${I}Cfm3LoginHSM returned: 0x00 : ${OK}`], CLUSTER_STATUS) },
        {
          spec: '§3 deleteKey: not the owner, access denied (0xc6)',
          line: 'deleteKey -k {{generic}}',
          fails: true,
          out: blocks([`${I}Cfm3DeleteKey returned: 0xc6 : HSM Error: Key Access is denied`]),
        },
        {
          spec: '§3 help (the tool\'s own text)',
          line: 'help',
          out: [
            '',
            ...KMU_HELP_LINES,
            '',
            '        Emulator Commands',
            '   cliEquivalents         Lists the CloudHSM CLI equivalent of each',
            "                          command; the shell's --explain option shows",
            '                          why a command failed',
            '',
          ],
        },
        { spec: '§3 exit', line: 'exit', quits: true, out: [] },
      ],
      () => session({ alice: 'Alice-Pass-1', bob: 'Bob-Pass-12' }, 'hsm1.medium'),
    );

    it('help starts with the lines the User Guide shows', () => {
      assert.deepEqual(KMU_HELP_LINES.slice(0, 10), ['Help Commands Available:', '', 'Syntax: <command> -h', '', '', '   Command               Description', '   =======               ===========', '', '   exit                   Exits this application', '   help                   Displays this information']);
      assert.equal(KMU_HELP_LINES.at(-1), '   listECCCurveIds        List HSM supported ECC CurveIds');
    });
  });

  describe('cloudhsm_mgmt_util (§0, §2)', () => {
    const server = (n: number) => `${n}({{ip${n}}})`;
    const each = (lines: (n: number) => string[]) => [...lines(0), ...lines(1)];
    const perServer = (cmd: string) => each((n) => [`${cmd} success on server ${server(n)}`]);
    const header = '    User Id             User Type       User Name                          MofnPubKey    LoginFailureCnt         2FA';
    const row = (id: number, type: string, name: string, failures = 0) => `${String(id).padStart(10)}${' '.repeat(14)}${type.padEnd(16)}${name.padEnd(40)} NO${String(failures).padStart(16)}${'NO'.padStart(17)}`;
    const users = (rows: string[]) => each((n) => [`Users on server ${server(n)}:`, `Number of users found:${rows.length}`, '', header, ...rows]);
    const keyInfo = (shared: string[]) => each((n) => [`Key Info on server ${server(n)}:`, '', '        Token/Flash Key,', '', '        Owned by user 3', '', ...shared]);

    it('§0 startup banner: one Connecting/Connected pair per server', async () => {
      const { t, known } = await session();
      const pair = (n: number) => [`Connecting to server '{{ip${n}}}': hostname '{{ip${n}}}', port 2225...`, `Connected to server '{{ip${n}}}': hostname '{{ip${n}}}', port 2225.`];
      compare(linesOf(await cmuDialect.banner(t.host)), ['Connecting to the server(s), it may take time', 'depending on the server(s) load, please wait...', '', ...pair(0), ...pair(1)], known, 'banner');
    });

    transcript(
      cmuDialect,
      () => [
        { spec: '§2 listUsers (no login needed)', line: 'listUsers', out: users([row(1, 'PCO', 'admin'), row(2, 'AU', 'app_user')]) },
        {
          spec: '§2 error form: not logged in',
          line: 'findAllKeys 1 0',
          fails: true,
          explains: true,
          out: each((n) => ['findAllKeys failed: RET_USER_NOT_LOGGED_IN', `findAllKeys failed on server ${server(n)}`]),
        },
        {
          spec: '§2 error form: wrong password',
          line: 'loginHSM CO admin Wrong-Password-1',
          fails: true,
          explains: true,
          out: each((n) => ['loginHSM failed: RET_USER_LOGIN_FAILURE', `loginHSM failed on server ${server(n)}`]),
        },
        { spec: '§2 loginHSM -hpswd', line: 'loginHSM CO admin -hpswd', passwords: [ADMIN_PASSWORD], out: ['Enter password:', ...perServer('loginHSM')] },
        {
          spec: '§0 confirmation with an invalid answer; §2 createUser',
          line: 'createUser CU alice Alice-Pass-1',
          answers: ['maybe', 'y'],
          out: [...CAUTION, 'Do you want to continue(y/n)?maybe', "Invalid option, please type 'y' or 'n'", '', 'Do you want to continue(y/n)?y', 'Creating User alice(CU) on 2 nodes'],
        },
        { spec: '§2 createUser', line: 'createUser CU bob Bob-Pass-12', answers: ['y'], out: [...CAUTION, 'Do you want to continue(y/n)?y', 'Creating User bob(CU) on 2 nodes'] },
        { spec: '§2 createUser', line: 'createUser CO carol Carol-Pass-1', answers: ['y'], out: [...CAUTION, 'Do you want to continue(y/n)?y', 'Creating User carol(CO) on 2 nodes'] },
        { spec: '§0 confirmation answered n [assumed: no output]', line: 'createUser CU dave Dave-Pass-12', answers: ['n'], out: [...CAUTION, 'Do you want to continue(y/n)?n'] },
        {
          spec: '§0 createUser failure sequence (Retry/Ignore/Abort)',
          line: 'createUser CU alice Alice-Pass-1',
          answers: ['y', 'I', 'A'],
          fails: true,
          explains: true,
          out: [
            ...CAUTION,
            'Do you want to continue(y/n)?y',
            'Creating User alice(CU) on 2 nodes',
            ...each((n) => ['createUser failed: RET_USER_ALREADY_EXISTS', `creating user on server ${server(n)} failed`, '', `Retry/Ignore/Abort?(R/I/A):${n === 0 ? 'I' : 'A'}`]),
          ],
        },
        { spec: '§2 changePswd', line: 'changePswd CU bob Bob-Pass-34', answers: ['y'], out: [...CAUTION, 'Do you want to continue(y/n)?y', 'Changing password for bob(CU) on 2 nodes'] },
        {
          spec: '§2 listUsers',
          line: 'listUsers',
          out: users([row(1, 'PCO', 'admin'), row(2, 'AU', 'app_user'), row(3, 'CU', 'alice'), row(4, 'CU', 'bob'), row(5, 'CO', 'carol')]),
        },
        {
          spec: '§2 getHSMInfo',
          line: 'getHSMInfo',
          out: [
            'Getting HSM Info on 2 nodes',
            ...each((n) => {
              const field = (name: string, value: string) => `        ${name.padEnd(21)}:${value}`;
              return [
                `                *** Server ${n} HSM Info ***`,
                '',
                field('Label', 'cavium'),
                field('Model', '[[v]]'),
                '',
                field('Serial Number', '[[v]]'),
                field('HSM Flags', '0'),
                field('FIPS state', '2 [FIPS mode with single factor authentication]'),
                '',
                field('Manufacturer ID', ''),
                field('Device ID', '10'),
                field('Class Code', '100000'),
                field('System vendor ID', '177D'),
                field('SubSystem ID', '10'),
                '',
                '',
                field('TotalPublicMemory', '560596'),
                field('FreePublicMemory', '294568'),
                field('TotalPrivateMemory', '0'),
                field('FreePrivateMemory', '0'),
                '',
                field('Hardware Major', '[[n]]'),
                field('Hardware Minor', '[[n]]'),
                '',
                field('Firmware Major', '[[n]]'),
                field('Firmware Minor', '[[n]]'),
                '',
                field('Temperature', '56 C'),
                '',
                field('Build Number', '[[n]]'),
                '',
                field('Firmware ID', '[[v]]'),
                '',
              ];
            }),
          ],
        },
        {
          spec: '§2 info server',
          line: 'info server 0',
          // The example's columns: 0, 8, 32, 48, 56, 72 and 96.
          out: (known) => [
            'Id      Name                    Hostname         Port   State           Partition               LoginState',
            `${'0'.padEnd(8)}${known.get('ip0')!.padEnd(24)}${known.get('ip0')!.padEnd(16)}${'2225'.padEnd(8)}${'Connected'.padEnd(16)}${known.get('hsm0')!.padEnd(24)}Logged in as 'admin(PCO)'`,
          ],
        },
        { spec: '§2 logoutHSM', line: 'logoutHSM', out: perServer('logoutHSM') },
        { spec: '§2 loginHSM', line: 'loginHSM CU alice Alice-Pass-1', out: perServer('loginHSM') },
        {
          spec: '§2 getKeyInfo',
          line: 'getKeyInfo {{key}}',
          setup: async (t, known) => {
            const alice = { credentials: { username: 'alice', password: 'Alice-Pass-1', role: 'crypto-user' as const } };
            const { key } = await perform(t.ctx, generateSymmetric, { keyType: 'aes', label: 'alice-aes', keyLengthBytes: 32 }, alice);
            known.set('key', String(key.ref));
          },
          out: keyInfo([]),
        },
        { spec: '§2 shareKey', line: 'shareKey {{key}} 4 1', answers: ['y'], out: [...CAUTION, 'Do you want to continue(y/n)?y', ...perServer('shareKey')] },
        { spec: '§2 getKeyInfo -k, shared', line: 'getKeyInfo -k {{key}}', out: keyInfo(['        also, shared to following 1 user(s):', '', '                 4']) },
        {
          spec: '§2 getKeyInfo: shared, with a key quorum',
          line: 'getKeyInfo {{quorumKey}}',
          setup: async (t, known) => {
            const alice = { credentials: { username: 'alice', password: 'Alice-Pass-1', role: 'crypto-user' as const } };
            const input = { keyType: 'aes' as const, label: 'alice-mofn', keyLengthBytes: 32, shareWith: ['bob'], manageQuorum: 2, useQuorum: 2 };
            known.set('quorumKey', String((await perform(t.ctx, generateSymmetric, input, alice)).key.ref));
          },
          out: keyInfo(['        also, shared to following 1 user(s):', '', '                 4', '         2 Users need to approve to use/manage this key']),
        },
        {
          spec: '§2 getAttribute',
          line: 'getAttribute {{key}} 354',
          out: [`Attribute Value on server ${server(0)}:`, 'OBJ_ATTR_EXTRACTABLE', '0x00000001', '', `Attribute Value on server ${server(1)}:`, 'OBJ_ATTR_EXTRACTABLE', '0x00000001'],
        },
        { spec: '§2 setAttribute', line: 'setAttribute {{key}} 261 0', answers: ['y'], out: [...CAUTION, 'Do you want to continue(y/n)?y', ...perServer('setAttribute')] },
        {
          spec: '§1 listAttributes (CMU full list)',
          line: 'listAttributes',
          out: attributeList('Following are the possible attribute values for getAttribute:', 'CLASS 0, TOKEN 1, PRIVATE 2, LABEL 3, TRUSTED 134, KEY_TYPE 256, ID 258, SENSITIVE 259, ENCRYPT 260, DECRYPT 261, WRAP 262, UNWRAP 263, SIGN 264, VERIFY 266, DERIVE 268, LOCAL 355, MODULUS 288, MODULUS_BITS 289, PUBLIC_EXPONENT 290, VALUE_LEN 353, EXTRACTABLE 354, NEVER_EXTRACTABLE 356, ALWAYS_SENSITIVE 357, DESTROYABLE 370, KCV 371, WRAP_WITH_TRUSTED 528, WRAP_TEMPLATE 1073742353, UNWRAP_TEMPLATE 1073742354, ALL 512'),
        },
        { spec: '§2 logoutHSM', line: 'logoutHSM', out: perServer('logoutHSM') },
        { spec: '§2 loginHSM', line: 'loginHSM CU bob Bob-Pass-34', out: perServer('loginHSM') },
        {
          spec: '§2 error form: access denied (a sharee changing the key)',
          line: 'setAttribute {{key}} 3 stolen',
          answers: ['y'],
          fails: true,
          explains: true,
          out: [...CAUTION, 'Do you want to continue(y/n)?y', ...each((n) => ['setAttribute failed: RET_KEY_ACCESS_DENIED', `setAttribute failed on server ${server(n)}`])],
        },
        { spec: '§2 logoutHSM', line: 'logoutHSM', out: perServer('logoutHSM') },
        { spec: '§2 loginHSM', line: 'loginHSM CO admin {{admin}}', out: perServer('loginHSM') },
        {
          spec: '§2 findAllKeys with the key hash',
          line: 'findAllKeys 3 1',
          out: each((n) => [`Keys on server ${server(n)}:`, 'Number of keys found 2', 'number of keys matched from start index 0::2', '{{key}}(o),{{quorumKey}}(o)', 'Key Hash:', '[[hex]]', '', `findAllKeys success on server ${server(n)}`]),
        },
        {
          spec: '§2 findAllKeys',
          line: 'findAllKeys 4 0',
          out: [
            ...[`Keys on server ${server(0)}:`, 'Number of keys found 2', 'number of keys matched from start index 0::2', '{{key}}(s),{{quorumKey}}(s)', `findAllKeys success on server ${server(0)}`, ''],
            ...[`Keys on server ${server(1)}:`, 'Number of keys found 2', 'number of keys matched from start index 0::2', '{{key}}(s),{{quorumKey}}(s)', `findAllKeys success on server ${server(1)}`],
          ],
        },
        { spec: '§2 deleteUser', line: 'deleteUser CO carol', out: ['Deleting user carol(CO) on 2 nodes', ...perServer('deleteUser')] },
        {
          spec: '§0 deleteUser failure sequence (Retry/rollBack/Ignore)',
          line: 'deleteUser CU alice',
          answers: ['I', 'I'],
          fails: true,
          explains: true,
          out: ['Deleting user alice(CU) on 2 nodes', ...each((n) => ['deleteUser failed: RET_USER_OWNS_KEYS', `deleteUser failed on server ${server(n)}`, '', 'Retry/rollBack/Ignore?(R/B/I):I'])],
        },
        { spec: '§2 server', line: 'server 1', out: ["Server is in 'E2' mode..."] },
        { spec: '§2 getCert', line: 'getCert {{dir}}/cert.pem 4', out: ['getCert Success'] },
        { spec: '§2 syncKey', line: 'syncKey {{key}} 0', out: ['syncKey success'] },
        { spec: '§2 syncUser', line: 'syncUser 3 0', out: ['ExtractMaskedObject: 0x0 !', 'InsertMaskedObject: 0x0 !', 'syncUser success'] },
        { spec: '§2 exit (server mode)', line: 'exit', out: [] },
        { spec: '§2 quit', line: 'quit', quits: true, out: ['disconnecting from servers, please wait...'] },
      ],
      () => session(),
    );
  });
});
