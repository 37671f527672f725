/**
 * key_mgmt_util commands and key types of the Client SDK 3 tools beyond the modern CLI's, on an
 * hsm1.medium cluster (the HSM type those tools serve): 3DES keys and DSA key pairs, with the behaviour and the
 * return codes of each refusal. The documented output of each command is compared line by line in
 * legacy-examples.test.ts; here the effects and the refusals are checked.
 */
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import fs from 'node:fs';
import { perform } from '../../src/core/engine.js';
import { createUser } from '../../src/core/users/operations.js';
import { kmuDialect } from '../../src/shell/dialects/kmu.js';
import { ADMIN_PASSWORD, dialectFixture, handleIn } from '../support/dialect-host.js';

const ADMIN = { username: 'admin', password: ADMIN_PASSWORD, role: 'admin' as const };

describe('shell kmu dialect: the documented commands and key types of key_mgmt_util', function () {
  this.timeout(60_000);
  const fixture = dialectFixture(kmuDialect, { hsmType: 'hsm1.medium' });
  const { file, line, ok } = fixture;

  /** A failure with this return code (and nothing written to `out`, when given). */
  async function fails(text: string, code: string, out?: string): Promise<string> {
    fixture.t.explained.length = 0;
    const r = await line(text);
    assert.equal(r.outcome, 'failed', `"${text}" succeeded:\n${r.out}`);
    assert.match(r.out, new RegExp(`returned: ${code} `), r.out);
    if (out) assert.ok(!fs.existsSync(out), `${out} was written`);
    return r.out;
  }

  async function attributes(h: number): Promise<Record<string, string>> {
    await ok(`getAttribute -o ${h} -a 512 -out ${file('attrs.txt')}`);
    const lines = fs.readFileSync(file('attrs.txt'), 'utf8').split('\n');
    const out: Record<string, string> = {};
    for (let i = 0; i + 1 < lines.length; i += 2) out[lines[i]!.replace(/^OBJ_ATTR_/, '')] = lines[i + 1]!;
    return out;
  }

  before(async () => {
    for (const username of ['alice', 'bob']) await perform(fixture.t.ctx, createUser, { username, password: 'Secret123!', role: 'crypto-user' }, { credentials: ADMIN });
    await ok('loginHSM -u CU -s alice -p Secret123!');
  });

  describe('3DES keys (genSymKey -t 21, unWrapKey -kt 21)', () => {
    let tdes: number;

    it('generates a 24-byte 3DES key that encrypts and decrypts, and wraps nothing', async () => {
      tdes = handleIn(await ok('genSymKey -t 21 -s 24 -l 3DES'), /Symmetric Key Created\. {2}Key Handle: (\d+)/);
      const a = await attributes(tdes);
      assert.deepEqual([a.CLASS, a.KEY_TYPE, a.ENCRYPT, a.DECRYPT, a.WRAP, a.UNWRAP, a.SIGN, a.VERIFY, a.VALUE_LEN], ['0x04', '0x15', '0x01', '0x01', '0x00', '0x00', '0x00', '0x00', '0x00000018']);
      assert.match(a.KCV!, /^0x[0-9a-f]{6}$/);
    });

    it('refuses other sizes with an invalid argument', async () => {
      for (const size of [16, 32]) await fails(`genSymKey -t 21 -s ${size} -l bad`, '0xd6');
    });

    it('wraps a 3DES key and unwraps it with the header (and with -noheader -kt 21) as a 3DES key with the same check value', async () => {
      const kek = handleIn(await ok('genSymKey -t 31 -s 32 -l kek'), /Key Handle: (\d+)/);
      const kcv = (await attributes(tdes)).KCV;
      await ok(`wrapKey -k ${tdes} -w ${kek} -out ${file('3des.wrapped')}`);
      const back = handleIn(await ok(`unWrapKey -f ${file('3des.wrapped')} -w ${kek}`), /Key Unwrapped\. {2}Key Handle: (\d+)/);
      const a = await attributes(back);
      assert.deepEqual([a.KEY_TYPE, a.LABEL, a.LOCAL, a.KCV], ['0x15', '3DES', '0x00', kcv]);
      await ok(`wrapKey -k ${tdes} -w ${kek} -m 5 -noheader -out ${file('3des.raw')}`);
      const raw = handleIn(await ok(`unWrapKey -f ${file('3des.raw')} -w ${kek} -m 5 -noheader -l raw3des -kc 4 -kt 21`), /Key Unwrapped\. Key Handle: (\d+)/);
      assert.equal((await attributes(raw)).KCV, kcv);
    });
  });

  describe('DSA key pairs (genDSAKeyPair)', () => {
    let pub: number;
    let priv: number;

    it('generates a 2048-bit pair: the public key verifies, the private key signs', async () => {
      const out = await ok('genDSAKeyPair -m 2048 -l DSA_key_pair');
      assert.match(out, /Cfm3GenerateKeyPair: returned: 0x00 : HSM Return: SUCCESS/);
      pub = handleIn(out, /public key handle: (\d+)/);
      priv = handleIn(out, /private key handle: (\d+)/);
      const [p, q] = [await attributes(pub), await attributes(priv)];
      assert.deepEqual([p.CLASS, p.KEY_TYPE, p.VERIFY, p.SIGN, q.CLASS, q.KEY_TYPE, q.SIGN, q.EXTRACTABLE], ['0x02', '0x01', '0x01', '0x00', '0x03', '0x01', '0x01', '0x01']);
      assert.equal(p.KCV, q.KCV);
    });

    it('refuses any size but 2048 with an invalid argument, on its own return line', async () => {
      const out = await fails('genDSAKeyPair -m 1024 -l small', '0xd6');
      assert.match(out, /Cfm3GenerateKeyPair: returned: 0xd6 : HSM Error: Invalid argument/);
    });

    it('exports the public key as PEM, imports it back, and imports a DSA private key from a PEM file', async () => {
      await ok(`exportPubKey -k ${pub} -out ${file('dsa.pem')}`);
      assert.match(fs.readFileSync(file('dsa.pem'), 'utf8'), /^-----BEGIN PUBLIC KEY-----\n/);
      const back = handleIn(await ok(`importPubKey -l dsa-imported -f ${file('dsa.pem')}`), /Public Key Handle: (\d+)/);
      assert.equal((await attributes(back)).KCV, (await attributes(pub)).KCV);
      const { privateKey } = generateKeyPairSync('dsa', { modulusLength: 2048, divisorLength: 256, privateKeyEncoding: { type: 'pkcs8', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'pem' } });
      fs.writeFileSync(file('dsa-private.pem'), privateKey);
      const kek = handleIn(await ok('genSymKey -t 31 -s 32 -l dsa-kek'), /Key Handle: (\d+)/);
      const imported = handleIn(await ok(`importPrivateKey -f ${file('dsa-private.pem')} -l dsa-private -w ${kek}`), /Private Key Unwrapped\. {2}Key Handle: (\d+)/);
      assert.deepEqual([(await attributes(imported)).KEY_TYPE, (await attributes(imported)).LOCAL], ['0x01', '0x00']);
    });

    it('wraps the private key and unwraps it (header or -noheader -kc 3 -kt 1) as a DSA key with the same check value', async () => {
      const kek = handleIn(await ok('genSymKey -t 31 -s 32 -l dsa-wrap'), /Key Handle: (\d+)/);
      await ok(`wrapKey -k ${priv} -w ${kek} -out ${file('dsa.wrapped')}`);
      const back = handleIn(await ok(`unWrapKey -f ${file('dsa.wrapped')} -w ${kek}`), /Key Handle: (\d+)/);
      await ok(`wrapKey -k ${priv} -w ${kek} -noheader -out ${file('dsa.raw')}`);
      const raw = handleIn(await ok(`unWrapKey -f ${file('dsa.raw')} -w ${kek} -noheader -l raw-dsa -kc 3 -kt 1`), /Key Handle: (\d+)/);
      const kcv = (await attributes(priv)).KCV;
      for (const h of [back, raw]) assert.deepEqual([(await attributes(h)).KEY_TYPE, (await attributes(h)).KCV], ['0x01', kcv]);
      await fails(`unWrapKey -f ${file('dsa.raw')} -w ${kek} -noheader -l wrong -kc 4 -kt 1`, '0xd6');
    });
  });
});
