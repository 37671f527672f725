import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { runCommand, tempDir } from '../support/helpers.js';
import { clusterFolder } from '../support/templates.js';

/**
 * The SDK-feature extensions through the CLI, as a user would chain them: ECDH key agreement
 * between two crypto users, AES-CMAC and truncated HMACs, RSA PKCS#1 v1.5 and OAEP with a label,
 * and ML-DSA signatures under a FIPS 204 context.
 */
const as = (user: string) => ({ CLOUDHSM_ROLE: 'crypto-user', CLOUDHSM_PIN: `${user}:${user}-Pass1` });
const MESSAGE = Buffer.from('attack at dawn').toString('base64');

describe('commands: key derive ecdh, crypto cmac, truncated HMACs, rsa-pkcs, OAEP labels, ML-DSA contexts', function () {
  this.timeout(120_000);
  let env: Record<string, string>;
  let work: string;

  async function ok(id: Parameters<typeof runCommand>[0], argv: string[], who: Record<string, string>): Promise<any> {
    const r = await runCommand(id, [...argv, '--json'], { env: { ...env, ...who } });
    assert.equal(r.exitCode, 0, `${id} ${argv.join(' ')}: ${r.stdout}${r.stderr}`);
    return r.json.data;
  }

  async function fails(id: Parameters<typeof runCommand>[0], argv: string[], who: Record<string, string>, code: string): Promise<string> {
    const r = await runCommand(id, [...argv, '--json'], { env: { ...env, ...who } });
    assert.equal(r.exitCode, 1, `${id} ${argv.join(' ')}: ${r.stdout}${r.stderr}`);
    assert.equal(r.json?.code, code, r.stdout);
    return r.json.data as string;
  }

  before(async () => {
    work = tempDir();
    env = { CLOUDHSM_STATE_DIR: await clusterFolder({ mode: 'NON_FIPS', cryptoUsers: { alice: 'alice-Pass1', bob: 'bob-Pass1' } }) };
  });

  it('key import pem prints the key and "Successfully imported key", as the CloudHSM CLI does', async () => {
    const file = path.join(work, 'imported.pem');
    fs.writeFileSync(file, generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).publicKey.export({ type: 'spki', format: 'pem' }));
    const data = await ok('key:import:pem', ['--path', file, '--label', 'imported-pub', '--key-type-class', 'ec-public'], as('alice'));
    assert.deepEqual(Object.keys(data), ['key', 'message']);
    assert.equal(data.message, 'Successfully imported key');
    assert.match(data.key['key-reference'], /^0x[0-9a-f]{16}$/);
    assert.equal(data.key.attributes.label, 'imported-pub');
    assert.equal(data.key['key-info']['key-owners'][0].username, 'alice');
  });

  it('key export-public and key generate-file: their JSON fields in order, their text, and the files they write', async () => {
    const pair = await ok('key:generate-asymmetric-pair:ec', ['--curve', 'prime256v1', '--public-label', 'files-pub', '--private-label', 'files-priv'], as('alice'));
    const [pub, priv] = [pair.public_key['key-reference'] as string, pair.private_key['key-reference'] as string];
    const exported = await ok('key:export-public', ['--filter', 'attr.label=files-pub'], as('alice'));
    assert.deepEqual(Object.keys(exported), ['key-reference', 'pem']);
    assert.equal(exported['key-reference'], pub);
    assert.match(exported.pem, /^-----BEGIN PUBLIC KEY-----\n[A-Za-z0-9+/=\n]+\n-----END PUBLIC KEY-----\n$/);
    // From the private key: the same PEM, under the private key's reference.
    assert.deepEqual(await ok('key:export-public', ['--filter', 'attr.label=files-priv'], as('alice')), { 'key-reference': priv, pem: exported.pem });
    const text = await runCommand('key:export-public', ['--filter', 'attr.label=files-pub'], { env: { ...env, ...as('alice') } });
    assert.equal(text.stdout, exported.pem);

    const out = path.join(work, 'files-pub.pem');
    assert.deepEqual(await ok('key:export-public', ['--filter', 'attr.label=files-priv', '--out', out], as('alice')), { 'key-reference': priv, path: out });
    assert.equal(fs.readFileSync(out, 'utf8'), exported.pem);
    const written = await runCommand('key:export-public', ['--filter', 'attr.label=files-pub', '--out', out], { env: { ...env, ...as('alice') } });
    assert.equal(written.stdout, `Wrote the public key to ${out}\n`);

    const pemFile = path.join(work, 'files-generated.pem');
    assert.deepEqual(await ok('key:generate-file', ['--encoding', 'pem', '--path', pemFile, '--filter', 'attr.label=files-pub'], as('alice')), { message: 'Successfully generated key file' });
    assert.equal(fs.readFileSync(pemFile, 'utf8'), exported.pem);
    const refFile = path.join(work, 'files-reference.pem');
    const generated = await runCommand('key:generate-file', ['--encoding', 'reference-pem', '--path', refFile, '--filter', 'attr.label=files-priv'], { env: { ...env, ...as('alice') } });
    assert.equal(generated.stdout, 'message: Successfully generated key file\n');
    const block = /^-----BEGIN CLOUDHSM KEY REFERENCE-----\n([A-Za-z0-9+/=\n]+)\n-----END CLOUDHSM KEY REFERENCE-----\n$/.exec(fs.readFileSync(refFile, 'utf8'));
    assert.ok(block, 'a reference PEM');
    const reference = JSON.parse(Buffer.from(block[1]!, 'base64').toString('utf8'));
    assert.deepEqual(Object.keys(reference), ['cluster-id', 'key-reference', 'key-type', 'check-value']);
    assert.deepEqual([reference['key-reference'], reference['key-type'], reference['check-value']], [priv, 'ec', pair.private_key.attributes['check-value']]);
  });

  for (const [curve, aesBytes] of [['prime256v1', 32], ['secp384r1', 32], ['secp224r1', 24], ['x25519', 32]] as const) {
    it(`key derive ecdh on ${curve}: alice and bob derive the same AES key from each other's public keys, and it decrypts what the other encrypted`, async () => {
      for (const user of ['alice', 'bob']) {
        await ok('key:generate-asymmetric-pair:ec', ['--curve', curve, '--public-label', `${user}-${curve}-pub`, '--private-label', `${user}-${curve}-priv`, '--private-attributes', 'derive=true'], as(user));
        const out = path.join(work, `${user}-${curve}.pem`);
        await ok('key:export-public', ['--filter', `attr.label=${user}-${curve}-pub`, '--out', out], as(user));
      }
      const derived: Record<string, any> = {};
      for (const [user, peer] of [['alice', 'bob'], ['bob', 'alice']] as const) {
        derived[user] = await ok(
          'key:derive:ecdh',
          ['--base-key-filter', `attr.label=${user}-${curve}-priv`, '--peer-public-key-path', path.join(work, `${peer}-${curve}.pem`), '--key-type', 'aes', '--label', `${user}-${curve}-agreed`, '--attributes', 'encrypt=true', 'decrypt=true'],
          as(user),
        );
      }
      assert.deepEqual(Object.keys(derived.alice), ['key', 'base-key-reference']);
      assert.match(derived.alice['base-key-reference'], /^0x[0-9a-f]{16}$/);
      const [a, b] = [derived.alice.key.attributes, derived.bob.key.attributes];
      assert.equal(a['key-length-bytes'], aesBytes, 'the longest AES key the shared secret fills');
      assert.equal(a.local, false);
      assert.match(a['check-value'], /^0x[0-9a-f]{6}$/);
      assert.equal(a['check-value'], b['check-value'], 'both sides hold the same key');
      assert.ok(!JSON.stringify(derived).includes('material'), 'no key material is printed');
      const sealed = await ok('crypto:encrypt:aes-gcm', ['--key-filter', `attr.label=alice-${curve}-agreed`, '--data', MESSAGE], as('alice'));
      const opened = await ok('crypto:decrypt:aes-gcm', ['--key-filter', `attr.label=bob-${curve}-agreed`, '--data', sealed.ciphertext, '--iv', sealed.iv, '--tag', sealed.tag], as('bob'));
      assert.equal(opened.plaintext, MESSAGE);
      assert.deepEqual(Object.keys(sealed), ['key-reference', 'ciphertext', 'iv', 'tag']);
      assert.deepEqual(Object.keys(opened), ['key-reference', 'plaintext']);
      assert.match(sealed['key-reference'], /^0x[0-9a-f]{16}$/);
    });
  }

  it('key derive ecdh refuses a base key without derive=true, a peer on another curve, a private PEM as the peer, and signing with an x25519 key', async () => {
    await ok('key:generate-asymmetric-pair:ec', ['--curve', 'prime256v1', '--public-label', 'plain-pub', '--private-label', 'plain-priv', '--private-attributes', 'sign=true'], as('alice'));
    const peer = path.join(work, 'bob-prime256v1.pem');
    await fails('key:derive:ecdh', ['--base-key-filter', 'attr.label=plain-priv', '--peer-public-key-path', peer, '--key-type', 'aes', '--label', 'x'], as('alice'), 'KEY_ATTRIBUTE_REFUSED');
    const message = await fails('key:derive:ecdh', ['--base-key-filter', 'attr.label=alice-prime256v1-priv', '--peer-public-key-path', path.join(work, 'bob-x25519.pem'), '--key-type', 'aes', '--label', 'x'], as('alice'), 'INVALID_ARGUMENT');
    assert.match(message, /same curve/);
    const privatePem = path.join(work, 'private.pem');
    fs.writeFileSync(privatePem, '-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VuBCIEIHcHbQpzGKV9PBbBclGyZkXfTC+H68CZKrF3+6UduSwq\n-----END PRIVATE KEY-----\n');
    assert.match(await fails('key:derive:ecdh', ['--base-key-filter', 'attr.label=alice-x25519-priv', '--peer-public-key-path', privatePem, '--key-type', 'aes', '--label', 'x'], as('alice'), 'INVALID_ARGUMENT'), /public key PEM/);
    assert.match(await fails('crypto:sign:ecdsa', ['--key-filter', 'attr.label=alice-x25519-priv', '--data', MESSAGE, '--hash-function', 'sha256'], as('alice'), 'INVALID_ARGUMENT'), /key-agreement/);
  });

  it('crypto cmac generate|verify with an AES key, full and truncated; a wrong tag and a non-AES key are refused', async () => {
    await ok('key:generate-symmetric:aes', ['--label', 'mac-aes', '--key-length-bytes', '16'], as('alice'));
    const full = await ok('crypto:cmac:generate', ['--key-filter', 'attr.label=mac-aes', '--data', MESSAGE], as('alice'));
    assert.equal(Buffer.from(full.mac, 'base64').length, 16);
    const short = await ok('crypto:cmac:generate', ['--key-filter', 'attr.label=mac-aes', '--data', MESSAGE, '--mac-length-bytes', '8'], as('alice'));
    assert.deepEqual(Buffer.from(short.mac, 'base64'), Buffer.from(full.mac, 'base64').subarray(0, 8));
    assert.equal((await ok('crypto:cmac:verify', ['--key-filter', 'attr.label=mac-aes', '--data', MESSAGE, '--mac', short.mac, '--mac-length-bytes', '8'], as('alice'))).message, 'MAC verified successfully');
    await fails('crypto:cmac:verify', ['--key-filter', 'attr.label=mac-aes', '--data', MESSAGE, '--mac', short.mac], as('alice'), 'VERIFICATION_FAILED');
    await fails('crypto:cmac:generate', ['--key-filter', 'attr.label=mac-aes', '--data', MESSAGE, '--mac-length-bytes', '4'], as('alice'), 'INVALID_ARGUMENT');
    await ok('key:generate-symmetric:generic-secret', ['--label', 'mac-gs', '--key-length-bytes', '32'], as('alice'));
    await fails('crypto:cmac:generate', ['--key-filter', 'attr.label=mac-gs', '--data', MESSAGE], as('alice'), 'INVALID_ARGUMENT');
  });

  it('crypto hmac takes --mac-length-bytes down to half the hash output', async () => {
    const full = await ok('crypto:hmac:generate', ['--key-filter', 'attr.label=mac-gs', '--hash-function', 'sha256', '--data', MESSAGE], as('alice'));
    const half = await ok('crypto:hmac:generate', ['--key-filter', 'attr.label=mac-gs', '--hash-function', 'sha256', '--data', MESSAGE, '--mac-length-bytes', '16'], as('alice'));
    assert.deepEqual(Buffer.from(half.mac, 'base64'), Buffer.from(full.mac, 'base64').subarray(0, 16));
    assert.deepEqual(Object.keys(full), ['key-reference', 'mac']);
    assert.match(full['key-reference'], /^0x[0-9a-f]{16}$/);
    await ok('crypto:hmac:verify', ['--key-filter', 'attr.label=mac-gs', '--hash-function', 'sha256', '--data', MESSAGE, '--mac', half.mac, '--mac-length-bytes', '16'], as('alice'));
    assert.match(await fails('crypto:hmac:generate', ['--key-filter', 'attr.label=mac-gs', '--hash-function', 'sha256', '--data', MESSAGE, '--mac-length-bytes', '15'], as('alice'), 'INVALID_ARGUMENT'), /16 to 32/);
  });

  it('crypto encrypt|decrypt rsa-pkcs, and rsa-oaep with --oaep-label (a different label fails)', async () => {
    await ok('key:generate-asymmetric-pair:rsa', ['--modulus-size-bits', '2048', '--public-exponent', '65537', '--public-label', 'rsa-pub', '--private-label', 'rsa-priv', '--public-attributes', 'encrypt=true', '--private-attributes', 'decrypt=true'], as('alice'));
    const pkcs = await ok('crypto:encrypt:rsa-pkcs', ['--key-filter', 'attr.label=rsa-pub', '--data', MESSAGE], as('alice'));
    assert.equal((await ok('crypto:decrypt:rsa-pkcs', ['--key-filter', 'attr.label=rsa-priv', '--data', pkcs.ciphertext], as('alice'))).plaintext, MESSAGE);
    const oaep = await ok('crypto:encrypt:rsa-oaep', ['--key-filter', 'attr.label=rsa-pub', '--data', MESSAGE, '--hash-function', 'sha256', '--oaep-label', '0x6c6162656c'], as('alice'));
    assert.equal((await ok('crypto:decrypt:rsa-oaep', ['--key-filter', 'attr.label=rsa-priv', '--data', oaep.ciphertext, '--hash-function', 'sha256', '--oaep-label', 'bGFiZWw='], as('alice'))).plaintext, MESSAGE);
    await fails('crypto:decrypt:rsa-oaep', ['--key-filter', 'attr.label=rsa-priv', '--data', oaep.ciphertext, '--hash-function', 'sha256'], as('alice'), 'DECRYPTION_FAILED');
  });

  it('crypto sign|verify ml-dsa with --context: the same context verifies, another one does not, and 256 bytes are refused', async () => {
    await ok('key:generate-asymmetric-pair:ml-dsa', ['--mldsa-algorithm', 'ML-DSA-44', '--public-label', 'pq-pub', '--private-label', 'pq-priv', '--public-attributes', 'verify=true', '--private-attributes', 'sign=true'], as('alice'));
    const flags = ['--data', MESSAGE, '--hash-function', 'shake256', '--data-type', 'raw'];
    const signed = await ok('crypto:sign:ml-dsa', ['--key-filter', 'attr.label=pq-priv', ...flags, '--context', '0x01020304'], as('alice'));
    await ok('crypto:verify:ml-dsa', ['--key-filter', 'attr.label=pq-pub', ...flags, '--context', 'AQIDBA==', '--signature', signed.signature], as('alice'));
    await fails('crypto:verify:ml-dsa', ['--key-filter', 'attr.label=pq-pub', ...flags, '--signature', signed.signature], as('alice'), 'VERIFICATION_FAILED');
    await fails('crypto:sign:ml-dsa', ['--key-filter', 'attr.label=pq-priv', ...flags, '--context', `0x${'00'.repeat(256)}`], as('alice'), 'INVALID_ARGUMENT');
  });

  it('crypto sign|verify ecdsa --signature-format der; a DER signature given as raw is explained; --out writes the signature', async () => {
    await ok('key:generate-asymmetric-pair:ec', ['--curve', 'prime256v1', '--public-label', 'der-pub', '--private-label', 'der-priv', '--public-attributes', 'verify=true', '--private-attributes', 'sign=true'], as('alice'));
    const flags = ['--data', MESSAGE, '--hash-function', 'sha256'];
    const der = await ok('crypto:sign:ecdsa', ['--key-filter', 'attr.label=der-priv', ...flags, '--signature-format', 'der'], as('alice'));
    const bytes = Buffer.from(der.signature, 'base64');
    assert.equal(bytes[0], 0x30, 'a DER SEQUENCE');
    await ok('crypto:verify:ecdsa', ['--key-filter', 'attr.label=der-pub', ...flags, '--signature-format', 'der', '--signature', der.signature], as('alice'));
    const explained = await fails('crypto:verify:ecdsa', ['--key-filter', 'attr.label=der-pub', ...flags, '--signature', der.signature], as('alice'), 'VERIFICATION_FAILED');
    assert.match(explained, /^Signature verification failed\. The signature is DER-encoded .* raw r‖s: .* left-padded to 32 bytes, .* --signature-format der$/);
    // A raw signature that fails is not called DER.
    const raw = await ok('crypto:sign:ecdsa', ['--key-filter', 'attr.label=der-priv', ...flags], as('alice'));
    assert.equal(Buffer.from(raw.signature, 'base64').length, 64);
    const other = Buffer.from(raw.signature, 'base64');
    other[5]! ^= 1;
    assert.equal(await fails('crypto:verify:ecdsa', ['--key-filter', 'attr.label=der-pub', ...flags, '--signature', other.toString('base64')], as('alice'), 'VERIFICATION_FAILED'), 'Signature verification failed');
    // Raw bytes given as DER are malformed DER, refused as such.
    await fails('crypto:verify:ecdsa', ['--key-filter', 'attr.label=der-pub', ...flags, '--signature-format', 'der', '--signature', raw.signature], as('alice'), 'INVALID_ARGUMENT');

    const out = path.join(work, 'message.sig');
    const written = await ok('crypto:sign:ecdsa', ['--key-filter', 'attr.label=der-priv', ...flags, '--out', out], as('alice'));
    assert.deepEqual(Object.keys(written), ['key-reference', 'path']);
    assert.equal(fs.readFileSync(out).length, 64);
    await ok('crypto:verify:ecdsa', ['--key-filter', 'attr.label=der-pub', ...flags, '--signature-path', out], as('alice'));
  });
});
