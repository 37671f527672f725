/**
 * Scripts through the built binary: `shell --file` runs a setup script (cluster, users, keys, a
 * signature over a file) and exits 0; the same script with one bad line exits 1 and names the
 * line; `--stop-on-error` stops there; piped input behaves like --file.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { runBin, tempDir } from '../support/helpers.js';

const ADMIN_PASSWORD = 'Admin-Script-1';
const ALICE_PASSWORD = 'Alice-Script-2';

function script(messagePath: string, badLine?: string): string {
  const lines = [
    '# a new state folder: the shell made an initialized cluster; activate it',
    `cluster activate --password ${ADMIN_PASSWORD}`,
    `login --username admin --role admin --password ${ADMIN_PASSWORD}`,
    `user create --username alice --role crypto-user --password ${ALICE_PASSWORD}`,
    'logout',
    '',
    '# alice logs in with the password from CLOUDHSM_PIN',
    'login --username alice --role crypto-user',
    'key generate-asymmetric-pair ec --curve prime256v1 --public-label sig-pub --private-label sig-priv --public-attributes verify=true --private-attributes sign=true',
    `crypto sign ecdsa --key-filter attr.label=sig-priv --hash-function sha256 --data-path ${messagePath} --json`,
    'key list --filter attr.label=sig-pub --json',
    'logout',
  ];
  if (badLine) lines.splice(10, 0, badLine);
  return `${lines.join('\n')}\n`;
}

describe('e2e: shell scripts', function () {
  this.timeout(120_000);
  let work: string;
  let message: string;

  before(() => {
    work = tempDir();
    message = path.join(work, 'message.txt');
    fs.writeFileSync(message, 'pay 100 to bob\n');
  });

  const run = (name: string, text: string, extra: string[] = [], input?: string) => {
    const file = path.join(work, `${name}.txt`);
    fs.writeFileSync(file, text);
    const args = input === undefined ? ['shell', '--file', file, ...extra] : ['shell', ...extra];
    return { file, result: runBin(args, { env: { CLOUDHSM_STATE_DIR: path.join(work, name), CLOUDHSM_PIN: `alice:${ALICE_PASSWORD}` }, input: input ?? '' }) };
  };

  it('runs a script that sets up a cluster, users and keys and signs a file, and exits 0', () => {
    const { result } = run('good', script(message));
    assert.equal(result.status, 0, `${result.stdout}\n${result.stderr}`);
    assert.match(result.stdout, /Cluster activation successful/);
    const signature = /"signature": "([A-Za-z0-9+/=]+)"/.exec(result.stdout);
    assert.ok(signature, result.stdout);
    assert.equal(Buffer.from(signature[1]!, 'base64').length, 64, 'an r‖s P-256 signature');
    assert.match(result.stdout, /"total_key_count": 1/);
    assert.equal(result.stderr, '');
  });

  it('exits 1 and names the bad line, runs the rest, and with --stop-on-error stops there', () => {
    const bad = 'key list --filter attr.label';
    const { file, result } = run('bad', script(message, bad));
    assert.equal(result.status, 1);
    assert.ok(result.stderr.includes(`${file}:11: this line failed: ${bad}`), result.stderr);
    assert.match(result.stderr, /1 line failed \(line 11 of /);
    assert.match(result.stdout, /"total_key_count": 1/, 'the lines after the bad one ran');

    const stopped = run('stopped', script(message, bad), ['--stop-on-error']);
    assert.equal(stopped.result.status, 1);
    assert.ok(stopped.result.stderr.includes(`${stopped.file}:11: this line failed`), stopped.result.stderr);
    assert.doesNotMatch(stopped.result.stdout, /total_key_count/, 'nothing after the bad line ran');
  });

  it('runs piped input like a file, naming <stdin> in failures', () => {
    const { result } = run('piped', '', [], script(message, 'no-such-command'));
    assert.equal(result.status, 1);
    // A line that names no command is not repeated (it may be a password typed at the wrong prompt).
    assert.match(result.stderr, /<stdin>:11: this line failed: \*\*\*\*\n/);
  });

  it('refuses a --file that does not exist, changing nothing', () => {
    const result = runBin(['shell', '--file', path.join(work, 'missing.txt')], { env: { CLOUDHSM_STATE_DIR: path.join(work, 'none') } });
    assert.equal(result.status, 1);
    assert.match(result.stderr, /cannot read --file .*missing\.txt: no such file/);
    assert.ok(!fs.existsSync(path.join(work, 'none')), 'no state folder was made');
  });
});

describe('e2e: legacy dialects through the built binary', function () {
  this.timeout(120_000);

  it('shell --dialect cmu then --dialect kmu run piped sessions on one state folder', () => {
    const state = path.join(tempDir(), 'state');
    const env = { CLOUDHSM_STATE_DIR: state };
    assert.equal(runBin(['cluster', 'quickstart', '--password-stdin'], { env, input: 'Admin-Pass-1\n' }).status, 0);

    const cmu = runBin(['shell', '--dialect', 'cmu'], { env, input: ['loginHSM CO admin Admin-Pass-1', 'createUser CU alice Alice-Pass-1', 'y', 'listU', 'logoutHSM', 'quit', ''].join('\n') });
    assert.equal(cmu.status, 0, `${cmu.stdout}\n${cmu.stderr}`);
    assert.match(cmu.stdout, /Connected to server '[\d.]+': hostname '[\d.]+', port 2225\./);
    assert.match(cmu.stdout, /loginHSM success on server 0\(/);
    assert.match(cmu.stdout, /Do you want to continue\(y\/n\)\?/);
    // §2: nothing follows createUser's line on success.
    assert.match(cmu.stdout, /Do you want to continue\(y\/n\)\?Creating User alice\(CU\) on 2 nodes\n(?!createUser)/);
    assert.match(cmu.stdout, /\s+\d+\s+CU\s+alice\s+NO\s+0\s+NO/);
    assert.match(cmu.stdout, /disconnecting from servers, please wait\.\.\./);

    const work = tempDir();
    const kmu = runBin(['shell', '--dialect', 'kmu'], {
      env,
      cwd: work,
      input: ['loginHSM -u CU -s alice -p Alice-Pass-1', 'genSymKey -t 31 -s 32 -l payments', 'findKey -l payments', 'exit', ''].join('\n'),
    });
    assert.equal(kmu.status, 0, `${kmu.stdout}\n${kmu.stderr}`);
    assert.match(kmu.stdout, /Cfm3LoginHSM returned: 0x00 : HSM Return: SUCCESS/);
    const created = /Symmetric Key Created\. {2}Key Handle: (\d+)/.exec(kmu.stdout);
    assert.ok(created, kmu.stdout);
    assert.match(kmu.stdout, new RegExp(`Total number of keys present 1\\n\\n number of keys matched from start index 0::0\\n${created[1]}`));
    assert.match(kmu.stdout, /Cfm3FindKey returned: 0x00 : HSM Return: SUCCESS/);

    // The modern CLI sees the key KMU made, under the same reference.
    const listed = runBin(['key', 'list', '--filter', 'attr.label=payments', '--json'], { env: { ...env, CLOUDHSM_ROLE: 'crypto-user', CLOUDHSM_PIN: 'alice:Alice-Pass-1' } });
    assert.equal(Number.parseInt(listed.json.data.matched_keys[0]['key-reference'], 16), Number(created[1]));
  });
});
