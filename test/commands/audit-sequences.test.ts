/**
 * `audit list --hsm-id ID --json` shows the canonical event sequences of audit-log.md §4, per HSM
 * stream and in order: a login on every ACTIVE HSM (§4.3), refused logins and a lockout with the
 * responses of §2, a key generation with its masked-object sync (§4.4), user creation on every
 * HSM and a refused one, a key wrap (§4.6), and an added HSM's stream, which starts with the
 * restore, beside the backup made for it (§4.2, §4.8). Each command runs as a single command, so it logs in first (a CN_LOGIN on every
 * ACTIVE HSM) and then does its work.
 */
import assert from 'node:assert/strict';
import { runCommand } from '../support/helpers.js';
import { clusterFolder } from '../support/templates.js';

type Env = Record<string, string>;

interface ListedEvent {
  seq: string;
  logStream: string;
  sessionHandle: string;
  opcode: { name: string };
  response: { code: number; text: string };
  userName?: string;
  userType?: { name: string };
  privSecretKeyHandle?: number;
  publicKeyHandle?: number;
}

const ALICE = { CLOUDHSM_ROLE: 'crypto-user', CLOUDHSM_PIN: 'alice:alice-Pass1' };
const ADMIN = { CLOUDHSM_ROLE: 'admin', CLOUDHSM_PIN: 'admin:Admin123!' };

/** What an event says, without its time, hash and session handle. */
function gist(e: ListedEvent): string {
  const who = e.userName === undefined ? '' : ` ${e.userName}/${e.userType?.name}`;
  const keys = e.privSecretKeyHandle === undefined ? '' : ` keys ${e.privSecretKeyHandle}/${e.publicKeyHandle}`;
  return `${e.opcode.name} ${e.response.code}${who}${keys}`;
}

/** The events of one HSM's stream, as `audit list --hsm-id ID --json` shows them. */
async function stream(env: Env, hsmId: string): Promise<ListedEvent[]> {
  const listed = await runCommand('audit:list', ['--hsm-id', hsmId, '--json'], { env });
  assert.equal(listed.exitCode, 0, listed.stderr);
  const events = listed.json.data.events as ListedEvent[];
  assert.ok(events.every((e) => e.logStream === hsmId));
  return events;
}

/** The state of a two-HSM cluster with crypto user alice, and its HSM IDs. */
async function cluster(): Promise<{ env: Env; hsms: string[] }> {
  const env = { CLOUDHSM_STATE_DIR: await clusterFolder({ cryptoUsers: { alice: 'alice-Pass1' } }) };
  const listed = await runCommand('hsm:list', ['--json'], { env });
  const hsms = (listed.json.data.Hsms as Array<{ HsmId: string; State: string }>).map((h) => {
    assert.equal(h.State, 'ACTIVE');
    return h.HsmId;
  });
  assert.equal(hsms.length, 2);
  return { env, hsms };
}

/**
 * Runs `action`, then returns what it added to each HSM's stream (by HSM ID), after checking that
 * the new events continue each stream's sequence numbers with no gap and share one session handle
 * per HSM, distinct between HSMs (one client session per HSM, §4.3).
 */
async function added(env: Env, hsms: string[], action: () => Promise<void>): Promise<Map<string, ListedEvent[]>> {
  const before = new Map<string, number>();
  for (const hsm of hsms) before.set(hsm, (await stream(env, hsm)).length);
  await action();
  const out = new Map<string, ListedEvent[]>();
  const handles = new Set<string>();
  for (const hsm of hsms) {
    const events = (await stream(env, hsm)).slice(before.get(hsm));
    events.forEach((e, i) => assert.equal(e.seq, `0x${(before.get(hsm)! + i).toString(16)}`, `${hsm}: sequence numbers run on with no gap`));
    const own = new Set(events.map((e) => e.sessionHandle));
    assert.ok(own.size <= 1, `${hsm}: one session handle per HSM`);
    for (const handle of own) {
      assert.ok(!handles.has(handle), 'each HSM has its own session handle');
      handles.add(handle);
    }
    out.set(hsm, events);
  }
  return out;
}

const gists = (events: ListedEvent[] | undefined) => (events ?? []).map(gist);

async function run(id: Parameters<typeof runCommand>[0], argv: string[], env: Env, code?: string): Promise<any> {
  const result = await runCommand(id, [...argv, '--json'], { env });
  if (code === undefined) assert.equal(result.exitCode, 0, result.stdout + result.stderr);
  else assert.deepEqual([result.exitCode, result.json?.code], [1, code], result.stdout + result.stderr);
  return result.json;
}

describe('commands: audit list shows the canonical event sequences per HSM', function () {
  this.timeout(60_000);

  it('a login: CN_LOGIN on every ACTIVE HSM and nothing else; with one HSM failed, only on the ACTIVE one', async () => {
    const { env, hsms } = await cluster();
    const [a, b] = hsms as [string, string];
    const both = await added(env, hsms, () => run('login', [], { ...env, ...ALICE }));
    assert.deepEqual(gists(both.get(a)), ['CN_LOGIN 0 alice/CN_CRYPTO_USER']);
    assert.deepEqual(gists(both.get(b)), ['CN_LOGIN 0 alice/CN_CRYPTO_USER']);
    assert.equal(both.get(a)![0]!.response.text, 'HSM Return: SUCCESS');

    await run('hsm:fail', ['--hsm-id', b, '--replace-after-minutes', '60'], env);
    const one = await added(env, hsms, () => run('login', [], { ...env, ...ALICE }));
    assert.deepEqual(gists(one.get(a)), ['CN_LOGIN 0 alice/CN_CRYPTO_USER']);
    assert.deepEqual(gists(one.get(b)), []);
  });

  it('a failed login and a lockout: each refusal is a CN_LOGIN with 163 on every HSM, an unknown user 157, the locked refusal 163 too', async () => {
    const { env, hsms } = await cluster();
    const wrong = (i: number) => ({ ...env, CLOUDHSM_ROLE: 'crypto-user', CLOUDHSM_PIN: `alice:wrong-Pass-${i}` });
    const unknown = await added(env, hsms, () => run('login', [], { ...env, CLOUDHSM_ROLE: 'crypto-user', CLOUDHSM_PIN: 'mallory:whatever-1' }, 'USER_NOT_FOUND'));
    const refusals = await added(env, hsms, async () => {
      for (let i = 0; i < 5; i++) await run('login', [], wrong(i), i < 4 ? 'LOGIN_FAILED' : 'USER_LOCKED');
      // The right password, once locked.
      await run('login', [], { ...env, ...ALICE }, 'USER_LOCKED');
    });
    for (const hsm of hsms) {
      assert.deepEqual(gists(unknown.get(hsm)), ['CN_LOGIN 157 mallory/CN_CRYPTO_USER']);
      assert.equal(unknown.get(hsm)![0]!.response.text, "HSM Error: user isn't initialized or user with this name doesn't exist");
      assert.deepEqual(gists(refusals.get(hsm)), Array(6).fill('CN_LOGIN 163 alice/CN_CRYPTO_USER'));
      assert.ok(refusals.get(hsm)!.every((e) => e.response.text === 'HSM Error: RET_USER_LOGIN_FAILURE'));
    }
  });

  it('a key generation: CN_GENERATE_KEY then CN_EXTRACT_MASKED_OBJECT_USER on the HSM that ran it, CN_INSERT_MASKED_OBJECT_USER with the same handle on the other', async () => {
    const { env, hsms } = await cluster();
    let reference = '';
    const events = await added(env, hsms, async () => {
      reference = (await run('key:generate-symmetric:aes', ['--label', 'k', '--key-length-bytes', '32'], { ...env, ...ALICE })).data.key['key-reference'];
    });
    // The CLI shows the key reference in hex; the log gives the handle in decimal (§2).
    assert.match(reference, /^0x[0-9a-f]{16}$/);
    const handle = Number.parseInt(reference.slice(2), 16);
    const ran = hsms.filter((h) => gists(events.get(h)).some((g) => g.startsWith('CN_GENERATE_KEY')));
    assert.equal(ran.length, 1, 'one HSM ran the generation');
    const [home, rest] = [ran[0]!, hsms.find((h) => h !== ran[0])!];
    assert.deepEqual(gists(events.get(home)), ['CN_LOGIN 0 alice/CN_CRYPTO_USER', `CN_GENERATE_KEY 0 keys ${handle}/0`, `CN_EXTRACT_MASKED_OBJECT_USER 0 keys ${handle}/0`]);
    assert.deepEqual(gists(events.get(rest)), ['CN_LOGIN 0 alice/CN_CRYPTO_USER', `CN_INSERT_MASKED_OBJECT_USER 0 keys ${handle}/0`]);
  });

  it('user creation: CN_CREATE_USER for a crypto user and CN_CREATE_CO for an admin on every HSM, after the admin\'s login', async () => {
    const { env, hsms } = await cluster();
    const user = await added(env, hsms, () => run('user:create', ['--username', 'bob', '--role', 'crypto-user', '--password', 'Bob-Pass-12'], { ...env, ...ADMIN }));
    const officer = await added(env, hsms, () => run('user:create', ['--username', 'officer', '--role', 'admin', '--password', 'Officer-Pass-12'], { ...env, ...ADMIN }));
    for (const hsm of hsms) {
      assert.deepEqual(gists(user.get(hsm)), ['CN_LOGIN 0 admin/CN_CRYPTO_OFFICER', 'CN_CREATE_USER 0 bob/CN_CRYPTO_USER']);
      assert.deepEqual(gists(officer.get(hsm)), ['CN_LOGIN 0 admin/CN_CRYPTO_OFFICER', 'CN_CREATE_CO 0 officer/CN_CRYPTO_OFFICER']);
    }
    const verified = await run('audit:verify', [], env);
    assert.equal(verified.data.streams, 2);
  });

  it('a refused user creation: after the crypto user\'s login, CN_CREATE_USER with 219 (Invalid User Type) on every HSM', async () => {
    const { env, hsms } = await cluster();
    const events = await added(env, hsms, () => run('user:create', ['--username', 'bob', '--role', 'crypto-user', '--password', 'Bob-Pass-12'], { ...env, ...ALICE }, 'PERMISSION_DENIED'));
    for (const hsm of hsms) {
      assert.deepEqual(gists(events.get(hsm)), ['CN_LOGIN 0 alice/CN_CRYPTO_USER', 'CN_CREATE_USER 219 bob/CN_CRYPTO_USER']);
      assert.equal(events.get(hsm)![1]!.response.text, 'HSM Error: Invalid User Type.');
    }
  });

  it('a key wrap with an AES key: CN_WRAP_KEY then CN_NIST_AES_WRAP on the HSM that ran it, nothing but the login on the other', async () => {
    const { env, hsms } = await cluster();
    const kek = (await run('key:generate-symmetric:aes', ['--label', 'kek', '--key-length-bytes', '32', '--attributes', 'wrap=true'], { ...env, ...ALICE })).data.key['key-reference'];
    const payload = (await run('key:generate-symmetric:aes', ['--label', 'payload', '--key-length-bytes', '16'], { ...env, ...ALICE })).data.key['key-reference'];
    const [kekHandle, payloadHandle] = [kek, payload].map((ref: string) => Number.parseInt(ref.slice(2), 16));
    const events = await added(env, hsms, () => run('key:wrap:aes-pkcs5-pad', ['--payload-filter', 'attr.label=payload', '--wrapping-filter', 'attr.label=kek'], { ...env, ...ALICE }));
    const home = hsms.find((h) => gists(events.get(h)).length > 1)!;
    const other = hsms.find((h) => h !== home)!;
    assert.deepEqual(gists(events.get(home)), ['CN_LOGIN 0 alice/CN_CRYPTO_USER', `CN_WRAP_KEY 0 keys ${payloadHandle}/0`, `CN_NIST_AES_WRAP 0 keys ${kekHandle}/0`]);
    assert.deepEqual(gists(events.get(other)), ['CN_LOGIN 0 alice/CN_CRYPTO_USER']);
  });

  it('hsm create on an ACTIVE cluster: the new HSM\'s stream starts at 0x0 with CN_RESTORE_BEGIN and CN_RESTORE_END; the HSM backed up for it logs the backup', async () => {
    const { env, hsms } = await cluster();
    const az = Object.keys((await run('cluster:describe', [], env)).data.SubnetMapping)[0]!;
    const events = await added(env, hsms, async () => {
      await run('hsm:create', ['--availability-zone', az], env);
    });
    assert.deepEqual(gists(events.get(hsms[0]!)), ['CN_BACKUP_BEGIN 0', 'CN_BACKUP_END 0']);
    assert.deepEqual(gists(events.get(hsms[1]!)), []);
    const listed = await runCommand('hsm:list', ['--json'], { env });
    const created = (listed.json.data.Hsms as Array<{ HsmId: string }>).map((h) => h.HsmId).find((id) => !hsms.includes(id))!;
    const fresh = await stream(env, created);
    assert.deepEqual(fresh.map(gist), ['CN_RESTORE_BEGIN 0', 'CN_RESTORE_END 0']);
    assert.deepEqual(fresh.map((e) => e.seq), ['0x0', '0x1']);
  });
});
