import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { runBin, tempDir } from '../support/helpers.js';
import { clusterFolder } from '../support/templates.js';

/** DER SEQUENCE { INTEGER r, INTEGER s } from a raw r‖s signature, as openssl expects. */
function p1363ToDer(raw: Buffer): Buffer {
  const half = raw.length / 2;
  const int = (b: Buffer) => {
    let v = b;
    while (v.length > 1 && v[0] === 0 && v[1]! < 0x80) v = v.subarray(1);
    if (v[0]! >= 0x80) v = Buffer.concat([Buffer.from([0]), v]);
    return Buffer.concat([Buffer.from([0x02, v.length]), v]);
  };
  const body = Buffer.concat([int(raw.subarray(0, half)), int(raw.subarray(half))]);
  const len = body.length < 0x80 ? Buffer.from([body.length]) : Buffer.from([0x81, body.length]);
  return Buffer.concat([Buffer.from([0x30]), len, body]);
}

function openssl(args: string[]): string {
  return execFileSync('openssl', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

describe('e2e: keys and signatures interoperate with OpenSSL', function () {
  this.timeout(180_000);
  const work = tempDir('chsm-openssl-');
  const f = (name: string) => path.join(work, name);
  const base = { CLOUDHSM_STATE_DIR: f('state') };
  const cu = { ...base, CLOUDHSM_ROLE: 'crypto-user', CLOUDHSM_PIN: 'alice:Alice-Pass-1' };
  const msg = f('message.bin');

  before(async () => {
    fs.writeFileSync(msg, Buffer.from('transfer 100 units to account 42\n'));
    fs.cpSync(await clusterFolder({ mode: 'NON_FIPS', cryptoUsers: { alice: 'Alice-Pass-1' } }), base.CLOUDHSM_STATE_DIR, { recursive: true });
  });

  function generatePair(kind: 'rsa' | 'ec', label: string, extra: string[]): void {
    const r = runBin(['key', 'generate-asymmetric-pair', kind, ...extra, '--public-label', `${label}-pub`, '--private-label', `${label}-priv`, '--private-attributes', 'sign=true', '--public-attributes', 'verify=true', '--json'], { env: cu });
    assert.equal(r.status, 0, r.stdout + r.stderr);
    const pem = runBin(['key', 'export-public', '--filter', `attr.label=${label}-pub`, '--out', f(`${label}.pem`)], { env: cu });
    assert.equal(pem.status, 0, pem.stderr);
    // The exported public key parses with openssl.
    assert.match(openssl(['pkey', '-pubin', '-in', f(`${label}.pem`), '-noout', '-text']), /Public-Key|ED25519 Public-Key/);
  }

  function signFile(mechanism: string, label: string, extra: string[]): Buffer {
    const r = runBin(['crypto', 'sign', mechanism, '--key-filter', `attr.label=${label}-priv`, '--data-path', msg, ...extra, '--json'], { env: cu });
    assert.equal(r.status, 0, r.stdout + r.stderr);
    return Buffer.from(r.json.data.signature, 'base64');
  }

  for (const bits of [2048, 3072]) {
    it(`RSA-${bits} rsa-pkcs and rsa-pkcs-pss signatures verify with openssl`, () => {
      const label = `rsa${bits}`;
      generatePair('rsa', label, ['--modulus-size-bits', String(bits), '--public-exponent', '65537']);
      for (const hash of ['sha1', 'sha256', 'sha512']) {
        fs.writeFileSync(f('sig'), signFile('rsa-pkcs', label, ['--hash-function', hash]));
        assert.match(openssl(['dgst', `-${hash}`, '-verify', f(`${label}.pem`), '-signature', f('sig'), msg]), /Verified OK/);
      }
      fs.writeFileSync(f('sig'), signFile('rsa-pkcs-pss', label, ['--hash-function', 'sha256', '--mgf', 'mgf1-sha256', '--salt-length', '32']));
      assert.match(openssl(['dgst', '-sha256', '-sigopt', 'rsa_padding_mode:pss', '-sigopt', 'rsa_pss_saltlen:32', '-verify', f(`${label}.pem`), '-signature', f('sig'), msg]), /Verified OK/);
    });
  }

  for (const [curve, hash] of [['prime256v1', 'sha256'], ['secp384r1', 'sha384'], ['secp521r1', 'sha512'], ['secp256k1', 'sha256'], ['secp224r1', 'sha224']] as const) {
    it(`ECDSA on ${curve} with ${hash}: the raw r‖s signature verifies with openssl`, () => {
      generatePair('ec', curve, ['--curve', curve]);
      fs.writeFileSync(f('sig'), p1363ToDer(signFile('ecdsa', curve, ['--hash-function', hash])));
      assert.match(openssl(['dgst', `-${hash}`, '-verify', f(`${curve}.pem`), '-signature', f('sig'), msg]), /Verified OK/);
    });
  }

  it('ECDSA with --signature-format der: openssl verifies the signature as it is', () => {
    fs.writeFileSync(f('sig'), signFile('ecdsa', 'prime256v1', ['--hash-function', 'sha256', '--signature-format', 'der']));
    assert.match(openssl(['dgst', '-sha256', '-verify', f('prime256v1.pem'), '-signature', f('sig'), msg]), /Verified OK/);
  });

  it('Ed25519 signatures verify with openssl', () => {
    generatePair('ec', 'ed', ['--curve', 'ed25519']);
    fs.writeFileSync(f('sig'), signFile('ed25519', 'ed', []));
    assert.match(openssl(['pkeyutl', '-verify', '-pubin', '-inkey', f('ed.pem'), '-rawin', '-in', msg, '-sigfile', f('sig')]), /Signature Verified Successfully/);
  });

  for (const [name, genArgs, cls, mech, signArgs, verifyArgs] of [
    ['RSA', ['-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048'], 'rsa-private', 'rsa-pkcs', ['--hash-function', 'sha256'], ['dgst', '-sha256']],
    ['EC P-256', ['-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256'], 'ec-private', 'ecdsa', ['--hash-function', 'sha256'], ['dgst', '-sha256']],
    ['Ed25519', ['-algorithm', 'ED25519'], 'ec-private', 'ed25519', [], ['pkeyutl']],
  ] as const) {
    it(`a ${name} key made by openssl genpkey imports and signs what openssl verifies`, () => {
      const tag = name.replace(/\W/g, '').toLowerCase();
      openssl(['genpkey', ...genArgs, '-out', f(`${tag}-key.pem`)]);
      openssl(['pkey', '-in', f(`${tag}-key.pem`), '-pubout', '-out', f(`${tag}-pub.pem`)]);
      const imported = runBin(['key', 'import', 'pem', '--path', f(`${tag}-key.pem`), '--label', `${tag}-priv`, '--key-type-class', cls, '--attributes', 'sign=true', '--json'], { env: cu });
      assert.equal(imported.status, 0, imported.stdout + imported.stderr);
      assert.equal(imported.json.data.key.attributes.local, false);
      assert.equal(imported.json.data.key.attributes.id, '0x');
      let sig = signFile(mech, tag, [...signArgs]);
      if (mech === 'ecdsa') sig = p1363ToDer(sig);
      fs.writeFileSync(f('sig'), sig);
      const out =
        verifyArgs[0] === 'pkeyutl'
          ? openssl(['pkeyutl', '-verify', '-pubin', '-inkey', f(`${tag}-pub.pem`), '-rawin', '-in', msg, '-sigfile', f('sig')])
          : openssl([...verifyArgs, '-verify', f(`${tag}-pub.pem`), '-signature', f('sig'), msg]);
      assert.match(out, /Verified OK|Signature Verified Successfully/);
      // The public half imports too, and verifies our signature through the CLI.
      const pub = runBin(['key', 'import', 'pem', '--path', f(`${tag}-pub.pem`), '--label', `${tag}-pub`, '--key-type-class', cls.replace('private', 'public'), '--attributes', 'verify=true', '--json'], { env: cu });
      assert.equal(pub.status, 0, pub.stdout);
      const verified = runBin(['crypto', 'verify', mech, '--key-filter', `attr.label=${tag}-pub`, '--data-path', msg, '--signature', (mech === 'ecdsa' ? signFile(mech, tag, [...signArgs]) : sig).toString('base64'), ...signArgs, '--json'], { env: cu });
      assert.equal(verified.json?.data?.message, 'Signature verified successfully', verified.stdout + verified.stderr);
    });
  }

  it('refuses malformed PEM and mismatched key classes, changing nothing', () => {
    const before = runBin(['key', 'list', '--json', '--max-items', '100'], { env: cu }).json.data.total_key_count;
    fs.writeFileSync(f('bad.pem'), '-----BEGIN PUBLIC KEY-----\nnot base64!!\n-----END PUBLIC KEY-----\n');
    const bad = runBin(['key', 'import', 'pem', '--path', f('bad.pem'), '--label', 'x', '--key-type-class', 'rsa-public', '--json'], { env: cu });
    assert.equal(bad.status, 1);
    assert.match(bad.json.data, /not valid base64/);
    const wrongClass = runBin(['key', 'import', 'pem', '--path', f('rsa-pub.pem'), '--label', 'x', '--key-type-class', 'ec-public', '--json'], { env: cu });
    assert.equal(wrongClass.status, 1);
    assert.match(wrongClass.json.data, /RSA key but --key-type-class is ec-public/);
    const garbage = runBin(['crypto', 'sign', 'ecdsa', '--key-filter', 'attr.label=prime256v1-priv', '--data', '%%%', '--hash-function', 'sha256', '--json'], { env: cu });
    assert.equal(garbage.status, 1);
    assert.match(garbage.json.data, /--data is not valid base64/);
    assert.equal(runBin(['key', 'list', '--json', '--max-items', '100'], { env: cu }).json.data.total_key_count, before);
  });
});
