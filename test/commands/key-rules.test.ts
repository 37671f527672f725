import assert from 'node:assert/strict';
import fs from 'node:fs';
import { createPrivateKey, createPublicKey, generateKeyPairSync } from 'node:crypto';
import path from 'node:path';
import { Store } from '../../src/core/store/index.js';
import { keyStoreKeys } from '../../src/core/keys/filters.js';
import { isAuditObject } from '../../src/core/audit/log.js';
import { runCommand, tempDir } from '../support/helpers.js';
import { clusterFolder, type TemplateOptions } from '../support/templates.js';

/**
 * Every key rule of the keys issue, shown refusing through the CLI with the state unchanged:
 * each case snapshots the state (all but the audit log), runs the command, and checks the exit
 * status, the error code and that nothing in it changed.
 */
const ADMIN = { CLOUDHSM_ROLE: 'admin', CLOUDHSM_PIN: 'admin:Admin123!' };
const as = (user: string) => ({ CLOUDHSM_ROLE: 'crypto-user', CLOUDHSM_PIN: `${user}:${user}-Pass1` });

/**
 * What the HSMs hold: every object of the state but the audit log (which records the command's
 * login, as the real HSMs do), and the bytes of the backup files.
 */
async function snapshot(dir: string): Promise<unknown> {
  const objects = await (await Store.open({ dir })).read((view) => view.list('').filter(([key]) => !isAuditObject(key)));
  const backups = path.join(dir, 'backups');
  const files = fs.existsSync(backups) ? fs.readdirSync(backups).map((f) => [f, fs.readFileSync(path.join(backups, f)).toString('base64')]) : [];
  return { objects, files };
}

/** A copy of an ACTIVE cluster (admin password Admin123!) with crypto users alice and bob. */
async function setUp(options: TemplateOptions = {}): Promise<{ env: Record<string, string>; dir: string }> {
  const dir = await clusterFolder({ ...options, cryptoUsers: { alice: 'alice-Pass1', bob: 'bob-Pass1' } });
  return { env: { CLOUDHSM_STATE_DIR: dir }, dir };
}

describe('commands: key rules refuse through the CLI and change nothing', function () {
  this.timeout(120_000);
  let env: Record<string, string>;
  let dir: string;

  async function refuses(id: Parameters<typeof runCommand>[0], argv: string[], who: Record<string, string>, code: string, environment = env, folder = dir): Promise<string> {
    const before = await snapshot(folder);
    const r = await runCommand(id, [...argv, '--json'], { env: { ...environment, ...who } });
    assert.equal(r.exitCode, 1, `${id} ${argv.join(' ')}: ${r.stdout}${r.stderr}`);
    assert.equal(r.json?.code, code, r.stdout);
    assert.deepEqual(await snapshot(folder), before, `${id} changed the state although it was refused`);
    return r.json.data as string;
  }

  before(async () => {
    ({ env, dir } = await setUp());
    const run = async (id: Parameters<typeof runCommand>[0], argv: string[], who: Record<string, string>) => {
      const r = await runCommand(id, argv, { env: { ...env, ...who } });
      assert.equal(r.exitCode, 0, `${id}: ${r.stdout}${r.stderr}`);
    };
    await run('key:generate-asymmetric-pair:ec', ['--curve', 'prime256v1', '--public-label', 'a-pub', '--private-label', 'a-priv', '--share-crypto-users', 'bob'], as('alice'));
    await run('key:generate-symmetric:aes', ['--label', 'a-kek', '--key-length-bytes', '32', '--attributes', 'wrap=true'], as('alice'));
    await run('key:generate-symmetric:aes', ['--label', 'a-sealed', '--key-length-bytes', '32', '--attributes', 'extractable=false'], as('alice'));
    await run('key:generate-symmetric:aes', ['--label', 'a-guarded', '--key-length-bytes', '32', '--attributes', 'wrap-with-trusted=true'], as('alice'));
    await run('key:generate-symmetric:aes', ['--label', 'twin', '--key-length-bytes', '16'], as('alice'));
    await run('key:generate-symmetric:aes', ['--label', 'twin', '--key-length-bytes', '16'], as('alice'));
    await run('key:generate-symmetric:aes', ['--label', 'b-own', '--key-length-bytes', '16'], as('bob'));
    await run('key:generate-symmetric:aes', ['--label', 'a-both', '--key-length-bytes', '32', '--attributes', 'wrap=true', 'encrypt=true', 'decrypt=true'], as('alice'));
  });

  it('filter terms the CLI cannot read are refused as INVALID_ARGUMENT, naming the flag', async () => {
    const termMessage = (flag: string, term: string) => `${flag} term "${term}" is not NAME=VALUE; use key-reference=0x… or attr.label=NAME`;
    assert.equal(await refuses('key:delete', ['--filter', 'label=a-priv'], as('alice'), 'INVALID_ARGUMENT'), '--filter term "label" is unknown; use key-reference=0x… or attr.<attribute>=<value> (for example attr.label=mykey)');
    assert.equal(await refuses('key:list', ['--filter', 'attr.label'], as('alice'), 'INVALID_ARGUMENT'), termMessage('--filter', 'attr.label'));
    assert.equal(
      await refuses('crypto:sign:ecdsa', ['--key-filter', 'key-reference=0', '--data', 'aGVsbG8=', '--hash-function', 'sha256'], as('alice'), 'INVALID_ARGUMENT'),
      'key-reference "0" is not a key reference: give 0x followed by hex digits (as `key list` prints) or a decimal number',
    );
    assert.equal(
      await refuses('key:wrap:aes-gcm', ['--payload-filter', 'attr.label=a-both', '--wrapping-filter', 'a-kek', '--tag-length-bits', '128'], as('alice'), 'INVALID_ARGUMENT'),
      termMessage('--wrapping-filter', 'a-kek'),
    );
    const text = await runCommand('crypto:hmac:generate', ['--key-filter', '=a-both', '--hash-function', 'sha256', '--data', 'aGVsbG8='], { env: { ...env, ...as('alice') } });
    assert.equal(text.exitCode, 1);
    assert.ok(text.stderr.includes(termMessage('--key-filter', '=a-both')), text.stderr);
  });

  it('only crypto users create and use keys', async () => {
    await refuses('key:generate-symmetric:aes', ['--label', 'x', '--key-length-bytes', '16'], ADMIN, 'PERMISSION_DENIED');
    await refuses('crypto:sign:ecdsa', ['--key-filter', 'attr.label=a-priv', '--data', 'aGVsbG8=', '--hash-function', 'sha256'], ADMIN, 'PERMISSION_DENIED');
  });

  it('a user sees and uses only keys it owns or that are shared with it', async () => {
    await refuses('key:delete', ['--filter', 'attr.label=b-own'], as('alice'), 'KEY_SELECTION_NOT_UNIQUE');
    await refuses('crypto:hmac:generate', ['--key-filter', 'attr.label=b-own', '--data', 'aGVsbG8=', '--hash-function', 'sha256'], as('alice'), 'KEY_SELECTION_NOT_UNIQUE');
  });

  it('only the owner shares, wraps, deletes or changes a key (a sharee may only use it)', async () => {
    await refuses('key:delete', ['--filter', 'attr.label=a-priv'], as('bob'), 'KEY_ACCESS_DENIED');
    await refuses('key:share', ['--filter', 'attr.label=a-priv', '--username', 'alice', '--role', 'crypto-user'], as('bob'), 'KEY_ACCESS_DENIED');
    await refuses('key:set-attribute', ['--filter', 'attr.label=a-priv', '--name', 'sign', '--value', 'true'], as('bob'), 'KEY_ACCESS_DENIED');
    await refuses('key:wrap:aes-pkcs5-pad', ['--payload-filter', 'attr.label=a-priv', '--wrapping-filter', 'attr.label=b-own'], as('bob'), 'KEY_ACCESS_DENIED');
  });

  it('extractable=false keys never leave the cluster', async () => {
    await refuses('key:wrap:aes-no-pad', ['--payload-filter', 'attr.label=a-sealed', '--wrapping-filter', 'attr.label=a-kek'], as('alice'), 'KEY_ATTRIBUTE_REFUSED');
  });

  async function ok(id: Parameters<typeof runCommand>[0], argv: string[], who: Record<string, string>): Promise<any> {
    const r = await runCommand(id, [...argv, '--json'], { env: { ...env, ...who } });
    assert.equal(r.exitCode, 0, `${id} ${argv.join(' ')}: ${r.stdout}${r.stderr}`);
    return r.json.data;
  }

  it('a key that has wrapped a key never decrypts data, whatever its attributes become or whoever uses it', async () => {
    await ok('key:generate-symmetric:aes', ['--label', 'w-kek', '--key-length-bytes', '32', '--attributes', 'wrap=true', 'unwrap=true'], as('alice'));
    await ok('key:generate-symmetric:aes', ['--label', 't-payload', '--key-length-bytes', '16', '--attributes', 'wrap-with-trusted=true'], as('alice'));
    await ok('key:set-attribute', ['--filter', 'attr.label=w-kek', '--name', 'trusted', '--value', 'true'], ADMIN);
    const wrapped = await ok('key:wrap:aes-gcm', ['--payload-filter', 'attr.label=t-payload', '--wrapping-filter', 'attr.label=w-kek', '--tag-length-bits', '128'], as('alice'));
    assert.deepEqual(Object.keys(wrapped), ['payload_key_reference', 'wrapping_key_reference', 'iv', 'wrapped_key_data']);
    assert.match(String(wrapped.iv), /^0x[0-9a-f]{24}$/);
    // The attacker's sequence: the key that wrapped becomes a data key, shared with a second user.
    await ok('key:set-attribute', ['--filter', 'attr.label=w-kek', '--name', 'wrap', '--value', 'false'], as('alice'));
    await ok('key:set-attribute', ['--filter', 'attr.label=w-kek', '--name', 'decrypt', '--value', 'true'], as('alice'));
    await ok('key:share', ['--filter', 'attr.label=w-kek', '--username', 'bob', '--role', 'crypto-user'], as('alice'));
    const blob = Buffer.from(wrapped.wrapped_key_data as string, 'base64');
    const argv = ['--key-filter', 'attr.label=w-kek', '--data', blob.subarray(0, blob.length - 16).toString('base64'), '--iv', wrapped.iv as string, '--tag', `0x${blob.subarray(blob.length - 16).toString('hex')}`];
    for (const who of ['alice', 'bob']) {
      const message = await refuses('crypto:decrypt:aes-gcm', argv, as(who), 'KEY_ATTRIBUTE_REFUSED');
      assert.match(message, /has wrapped keys/);
      await refuses('crypto:decrypt:aes-key-wrap', ['--key-filter', 'attr.label=w-kek', '--data', Buffer.alloc(24).toString('base64')], as(who), 'KEY_ATTRIBUTE_REFUSED');
    }
    // It still unwraps the key it wrapped, as a key.
    await ok('key:unwrap:aes-gcm', ['--filter', 'attr.label=w-kek', '--key-type-class', 'aes', '--label', 't-back', '--tag-length-bits', '128', '--iv', wrapped.iv as string, '--data', wrapped.wrapped_key_data as string], as('alice'));
  });

  it('after a key is wrapped under a public key, its private half decrypts no data', async () => {
    await ok('key:generate-asymmetric-pair:rsa', ['--modulus-size-bits', '2048', '--public-exponent', '65537', '--public-label', 'r-pub', '--private-label', 'r-priv', '--public-attributes', 'wrap=true', 'encrypt=true', '--private-attributes', 'unwrap=true', 'decrypt=true'], as('alice'));
    await ok('key:generate-symmetric:aes', ['--label', 'r-payload', '--key-length-bytes', '16'], as('alice'));
    const data = (await ok('crypto:encrypt:rsa-oaep', ['--key-filter', 'attr.label=r-pub', '--hash-function', 'sha256', '--mgf', 'mgf1-sha256', '--data', 'aGVsbG8='], as('alice'))).ciphertext as string;
    await ok('crypto:decrypt:rsa-oaep', ['--key-filter', 'attr.label=r-priv', '--hash-function', 'sha256', '--mgf', 'mgf1-sha256', '--data', data], as('alice'));
    const wrapped = await ok('key:wrap:rsa-oaep', ['--payload-filter', 'attr.label=r-payload', '--wrapping-filter', 'attr.label=r-pub', '--hash-function', 'sha256', '--mgf', 'mgf1-sha256'], as('alice'));
    await refuses('crypto:decrypt:rsa-oaep', ['--key-filter', 'attr.label=r-priv', '--hash-function', 'sha256', '--mgf', 'mgf1-sha256', '--data', wrapped.wrapped_key_data as string], as('alice'), 'KEY_ATTRIBUTE_REFUSED');
  });

  it('a key that never wrapped a key decrypts data when its attributes allow, even with wrap=true', async () => {
    const sealed = await ok('crypto:encrypt:aes-gcm', ['--key-filter', 'attr.label=a-both', '--data', 'aGVsbG8gd29ybGQ='], as('alice'));
    const opened = await ok('crypto:decrypt:aes-gcm', ['--key-filter', 'attr.label=a-both', '--data', sealed.ciphertext, '--iv', sealed.iv, '--tag', sealed.tag], as('alice'));
    assert.equal(opened.plaintext, 'aGVsbG8gd29ybGQ=');
  });

  it('wrap-with-trusted keys leave only under a trusted wrapping key', async () => {
    await refuses('key:wrap:aes-no-pad', ['--payload-filter', 'attr.label=a-guarded', '--wrapping-filter', 'attr.label=a-kek'], as('alice'), 'KEY_ATTRIBUTE_REFUSED');
  });

  it('only an admin sets trusted, and an admin sets nothing else', async () => {
    await refuses('key:set-attribute', ['--filter', 'attr.label=a-kek', '--name', 'trusted', '--value', 'true'], as('alice'), 'PERMISSION_DENIED');
    await refuses('key:set-attribute', ['--filter', 'attr.label=a-kek', '--name', 'encrypt', '--value', 'true'], ADMIN, 'PERMISSION_DENIED');
  });

  it('read-only attributes stay read-only', async () => {
    for (const [name, value] of [['class', 'private-key'], ['extractable', 'true'], ['check-value', '0x000000'], ['local', 'false'], ['key-length-bytes', '16']]) {
      const message = await refuses('key:set-attribute', ['--filter', 'attr.label=a-sealed', '--name', name!, '--value', value!], as('alice'), 'KEY_ATTRIBUTE_REFUSED');
      assert.match(message, new RegExp(`Attribute ${name} cannot be set`));
    }
    await refuses('key:set-attribute', ['--filter', 'attr.label=a-guarded', '--name', 'wrap-with-trusted', '--value', 'false'], as('alice'), 'KEY_ATTRIBUTE_REFUSED');
  });

  it('usage flags are checked: a key without sign cannot sign, one without encrypt cannot encrypt', async () => {
    await refuses('crypto:sign:ecdsa', ['--key-filter', 'attr.label=a-priv', '--data', 'aGVsbG8=', '--hash-function', 'sha256'], as('alice'), 'KEY_ATTRIBUTE_REFUSED');
    await refuses('crypto:encrypt:aes-gcm', ['--key-filter', 'attr.label=a-kek', '--data', 'aGVsbG8='], as('alice'), 'KEY_ATTRIBUTE_REFUSED');
    const peer = path.join(tempDir(), 'peer.pem');
    fs.writeFileSync(peer, generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).publicKey.export({ type: 'spki', format: 'pem' }));
    await refuses('key:derive:ecdh', ['--base-key-filter', 'attr.label=a-priv', '--peer-public-key-path', peer, '--key-type', 'aes', '--label', 'agreed'], as('alice'), 'KEY_ATTRIBUTE_REFUSED');
  });

  it('an ambiguous filter is refused with the CLI message', async () => {
    const message = await refuses('key:delete', ['--filter', 'attr.label=twin'], as('alice'), 'KEY_SELECTION_NOT_UNIQUE');
    assert.equal(message, 'Key selection criteria matched 2 keys. Refine selection criteria to select a single key.');
  });

  it('FIPS clusters refuse Ed25519 (and X25519); NON_FIPS clusters limit PureEdDSA messages to 16,000 bytes', async () => {
    await refuses('key:generate-asymmetric-pair:ec', ['--curve', 'ed25519', '--public-label', 'e', '--private-label', 'f'], as('alice'), 'MECHANISM_NOT_ALLOWED');
    await refuses('key:generate-asymmetric-pair:ec', ['--curve', 'x25519', '--public-label', 'e', '--private-label', 'f'], as('alice'), 'MECHANISM_NOT_ALLOWED');
    const open = await setUp({ mode: 'NON_FIPS' });
    const made = await runCommand('key:generate-asymmetric-pair:ec', ['--curve', 'ed25519', '--public-label', 'e', '--private-label', 'f', '--private-attributes', 'sign=true'], { env: { ...open.env, ...as('alice') } });
    assert.equal(made.exitCode, 0, made.stderr);
    const big = path.join(tempDir(), 'big.bin');
    fs.writeFileSync(big, Buffer.alloc(16_001, 1));
    await refuses('crypto:sign:ed25519', ['--key-filter', 'attr.label=f', '--data-path', big], as('alice'), 'INVALID_ARGUMENT', open.env, open.dir);
  });

  it('key import pem refuses RSA keys the HSM would not hold: bad exponents, even or short moduli, inconsistent private keys', async () => {
    const good = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const jwk = good.privateKey.export({ format: 'jwk' });
    const big = (b64: string) => BigInt(`0x${Buffer.from(b64, 'base64url').toString('hex')}`);
    const b64 = (n: bigint) => Buffer.from(n.toString(16).padStart(Math.ceil(n.toString(16).length / 2) * 2, '0'), 'hex').toString('base64url');
    const publicPem = (n: string, e: string) => createPublicKey({ key: { kty: 'RSA', n, e }, format: 'jwk' }).export({ type: 'spki', format: 'pem' }) as string;
    const privatePem = (fields: Record<string, string>) => createPrivateKey({ key: { ...jwk, ...fields } as never, format: 'jwk' }).export({ type: 'pkcs8', format: 'pem' }) as string;
    const e3 = generateKeyPairSync('rsa', { modulusLength: 2048, publicExponent: 3 });
    const small = generateKeyPairSync('rsa', { modulusLength: 1024 });
    const cases: Array<[string, string, 'rsa-public' | 'rsa-private']> = [
      ['e=1', publicPem(jwk.n!, b64(1n)), 'rsa-public'],
      ['e=2', publicPem(jwk.n!, b64(2n)), 'rsa-public'],
      ['e=3', e3.publicKey.export({ type: 'spki', format: 'pem' }) as string, 'rsa-public'],
      ['a 4000-bit e', publicPem(jwk.n!, b64((1n << 3999n) + 1n)), 'rsa-public'],
      ['an even modulus', publicPem(b64(big(jwk.n!) - 1n), jwk.e!), 'rsa-public'],
      ['a 1024-bit modulus', small.publicKey.export({ type: 'spki', format: 'pem' }) as string, 'rsa-public'],
      ['a private key with e=3', e3.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string, 'rsa-private'],
      ['inconsistent CRT values', privatePem({ qi: b64(big(jwk.qi!) ^ 2n) }), 'rsa-private'],
      ['a wrong private exponent', privatePem({ d: b64(big(jwk.d!) + 2n) }), 'rsa-private'],
    ];
    for (const [what, pem, keyTypeClass] of cases) {
      const file = path.join(tempDir(), 'key.pem');
      fs.writeFileSync(file, pem);
      const message = await refuses('key:import:pem', ['--path', file, '--label', 'bad-rsa', '--key-type-class', keyTypeClass], as('alice'), 'INVALID_ARGUMENT');
      assert.match(message, /RSA/, `${what}: ${message}`);
    }
  });

  it('the key capacity of the HSM type is enforced', async () => {
    const full = await setUp({ hsmType: 'hsm1.medium' });
    // Fill the cluster to hsm1.medium's 3,300 keys directly in the store (setup only: the
    // refusal below is what goes through the CLI).
    const made = async (id: Parameters<typeof runCommand>[0], argv: string[]) => {
      const r = await runCommand(id, [...argv, '--json'], { env: { ...full.env, ...as('alice') } });
      assert.equal(r.exitCode, 0, r.stdout);
      return r.json.data;
    };
    await made('key:generate-symmetric:aes', ['--label', 'full-kek', '--key-length-bytes', '32', '--attributes', 'wrap=true', 'unwrap=true']);
    await made('key:generate-symmetric:aes', ['--label', 'full-payload', '--key-length-bytes', '16']);
    const wrapped = await made('key:wrap:aes-gcm', ['--payload-filter', 'attr.label=full-payload', '--wrapping-filter', 'attr.label=full-kek', '--tag-length-bits', '128']);
    const store = await Store.open({ dir: full.dir });
    const clusterId = (await runCommand('cluster:describe', ['--json'], { env: full.env })).json.data.ClusterId as string;
    await store.transact((tx) => {
      for (let ref = 1; ref <= 3298; ref++) tx.put(keyStoreKeys.key(clusterId, ref), { ref, owner: 'bob', class: 'secret-key', keyType: 'aes', label: `filler-${ref}`, sharedUsers: [], attributes: {} });
    });
    const message = await refuses('key:generate-symmetric:aes', ['--label', 'one-too-many', '--key-length-bytes', '16'], as('alice'), 'KEY_LIMIT_EXCEEDED', full.env, full.dir);
    assert.match(message, /at most 3300/);
    // Every other way a key comes in is held to the same limit.
    const pem = path.join(tempDir(), 'pub.pem');
    fs.writeFileSync(pem, generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).publicKey.export({ type: 'spki', format: 'pem' }));
    await refuses('key:import:pem', ['--path', pem, '--label', 'imported', '--key-type-class', 'ec-public'], as('alice'), 'KEY_LIMIT_EXCEEDED', full.env, full.dir);
    await refuses('key:unwrap:aes-gcm', ['--filter', 'attr.label=full-kek', '--key-type-class', 'aes', '--label', 'unwrapped', '--tag-length-bits', '128', '--iv', wrapped.iv, '--data', wrapped.wrapped_key_data], as('alice'), 'KEY_LIMIT_EXCEEDED', full.env, full.dir);
  });
});
