/**
 * What key_mgmt_util writes for the host, read by OpenSSL, through the built binary's KMU shell:
 * exportPrivateKey's PEM files (RSA and DSA) pass `openssl pkey -check`, exSymKey's 3DES key
 * encrypts as the HSM's check value says, and getCaviumPrivKey's fake PEM loads as an RSA key with
 * the key pair's modulus.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import fs from 'node:fs';
import { runBin, tempDir } from '../support/helpers.js';
import { clusterFolder } from '../support/templates.js';

function openssl(args: string[]): string {
  return execFileSync('openssl', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

describe('e2e: key_mgmt_util files interoperate with OpenSSL', function () {
  this.timeout(120_000);
  const work = tempDir('chsm-kmu-openssl-');
  const f = (name: string) => path.join(work, name);
  const env = { CLOUDHSM_STATE_DIR: f('state') };

  before(async () => {
    fs.cpSync(await clusterFolder({ hsmType: 'hsm1.medium', cryptoUsers: { alice: 'Alice-Pass-1' } }), env.CLOUDHSM_STATE_DIR, { recursive: true });
  });

  function kmu(lines: string[]): string {
    const r = runBin(['shell', '--dialect', 'kmu'], { env, cwd: work, input: ['loginHSM -u CU -s alice -p Alice-Pass-1', ...lines, 'exit', ''].join('\n') });
    assert.equal(r.status, 0, `${r.stdout}\n${r.stderr}`);
    return r.stdout;
  }

  it('exports private keys, a 3DES key and a fake PEM that OpenSSL reads', () => {
    const made = kmu(['genSymKey -t 31 -s 32 -l kek', 'genSymKey -t 21 -s 24 -l tdes', 'genRSAKeyPair -m 2048 -e 65537 -l rsa', 'genDSAKeyPair -m 2048 -l dsa']);
    const [kek, tdes] = [...made.matchAll(/Symmetric Key Created\. {2}Key Handle: (\d+)/g)].map((m) => m[1]!);
    const [rsa, dsa] = [...made.matchAll(/public key handle: (\d+) {4}private key handle: (\d+)/g)].map((m) => ({ pub: m[1]!, priv: m[2]! }));
    assert.ok(kek && tdes && rsa && dsa, made);
    const out = kmu([
      `exportPrivateKey -k ${rsa.priv} -w ${kek} -out ${f('rsa.pem')}`,
      `exportPrivateKey -k ${dsa.priv} -w ${kek} -out ${f('dsa.pem')}`,
      `exSymKey -k ${tdes} -w ${kek} -out ${f('3des.key')}`,
      `getAttribute -o ${tdes} -a 371 -out ${f('kcv.txt')}`,
      `getCaviumPrivKey -k ${rsa.priv} -out ${f('fake.pem')}`,
      `exportPubKey -k ${rsa.pub} -out ${f('rsa-pub.pem')}`,
    ]);
    assert.doesNotMatch(out, /returned: 0x(?!00)/, out);
    assert.match(openssl(['pkey', '-in', f('rsa.pem'), '-check', '-noout']), /valid/i);
    assert.match(openssl(['pkey', '-in', f('dsa.pem'), '-text', '-noout']), /Private-Key: \(2048 bit/);
    // The 3DES key encrypts a zero block to the check value the HSM reports (keys.md §4).
    const key = fs.readFileSync(f('3des.key')).toString('hex');
    fs.writeFileSync(f('zero.bin'), Buffer.alloc(8));
    execFileSync('openssl', ['enc', '-des-ede3', '-nopad', '-K', key, '-in', f('zero.bin'), '-out', f('zero.enc')]);
    assert.equal(`0x${fs.readFileSync(f('zero.enc')).subarray(0, 3).toString('hex')}`, fs.readFileSync(f('kcv.txt'), 'utf8').split('\n')[1]);
    // The fake PEM loads as the RSA key pair's public half; it holds no private key.
    assert.equal(openssl(['rsa', '-in', f('fake.pem'), '-noout', '-modulus']), openssl(['rsa', '-pubin', '-in', f('rsa-pub.pem'), '-noout', '-modulus']));
  });
});
