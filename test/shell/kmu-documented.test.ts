/**
 * key_mgmt_util commands and key types of the Client SDK 3 tools beyond the modern CLI's, on an
 * hsm1.medium cluster (the HSM type those tools serve): 3DES keys, DSA key pairs, plaintext
 * export and import (exSymKey, exportPrivateKey, imSymKey), masked objects
 * (extractMaskedObject, insertMaskedObject), the fake PEM (getCaviumPrivKey,
 * IsValidKeyHandlefile) and getCert, with the behaviour and the
 * return codes of each refusal. The documented output of each command is compared line by line in
 * legacy-examples.test.ts; here the effects and the refusals are checked.
 */
import assert from 'node:assert/strict';
import { createPrivateKey, createPublicKey, generateKeyPairSync } from 'node:crypto';
import fs from 'node:fs';
import { readCluster } from '../../src/core/cluster/operations.js';
import { perform } from '../../src/core/engine.js';
import type { KeyRecord } from '../../src/core/keys/model.js';
import { shareKey } from '../../src/core/keys/operations.js';
import { byReference } from '../../src/core/keys/selector.js';
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

  describe('plaintext export and import (exSymKey, exportPrivateKey, imSymKey)', () => {
    let kek: number;
    let tdes: number;
    const I = '        ';
    const OK = 'HSM Return: SUCCESS';

    /** The output holds none of the file's bytes, in hex or base64. */
    function secretFree(out: string, path: string): void {
      const bytes = fs.readFileSync(path);
      for (const form of [bytes.toString('hex'), bytes.toString('hex').toUpperCase(), bytes.toString('base64')]) assert.ok(!out.includes(form), 'the key is not printed');
    }

    before(async () => {
      kek = handleIn(await ok('genSymKey -t 31 -s 32 -l export-kek'), /Key Handle: (\d+)/);
      tdes = handleIn(await ok('genSymKey -t 21 -s 24 -l export-3des'), /Key Handle: (\d+)/);
    });

    it('exSymKey writes the plain key to the file (mode 0600) and prints only the tool\'s lines', async () => {
      const out = await ok(`exSymKey -k ${tdes} -w ${kek} -out ${file('3des.key')}`);
      assert.equal(out, `\n${I}Cfm3WrapKey returned: 0x00 : ${OK}\n\n${I}Cfm3UnWrapHostKey returned: 0x00 : ${OK}\n\n\nWrapped Symmetric Key written to file "${file('3des.key')}"\n\n`);
      assert.equal(fs.readFileSync(file('3des.key')).length, 24);
      assert.equal(fs.statSync(file('3des.key')).mode & 0o777, 0o600);
      secretFree(out, file('3des.key'));
    });

    it('imSymKey brings the exported key back as a new 3DES key with the same check value and LOCAL 0', async () => {
      const out = await ok(`imSymKey -f ${file('3des.key')} -w ${kek} -t 21 -l 3des-back`);
      secretFree(out, file('3des.key'));
      const back = handleIn(out, /Symmetric Key Unwrapped\. {2}Key Handle: (\d+)/);
      const [a, b] = [await attributes(tdes), await attributes(back)];
      assert.deepEqual([b.KEY_TYPE, b.KCV, b.LOCAL, b.EXTRACTABLE], ['0x15', a.KCV, '0x00', '0x01']);
    });

    it('with -wk the host unwraps (exSymKey) or wraps (imSymKey) with the key file; a wrong file fails at that step and writes nothing', async () => {
      await ok(`exSymKey -k ${kek} -w ${kek} -out ${file('kek.bin')}`);
      await ok(`exSymKey -k ${tdes} -w ${kek} -wk ${file('kek.bin')} -out ${file('3des-wk.key')}`);
      assert.deepEqual(fs.readFileSync(file('3des-wk.key')), fs.readFileSync(file('3des.key')));
      fs.writeFileSync(file('wrong.bin'), Buffer.alloc(32, 9));
      const r = await line(`exSymKey -k ${tdes} -w ${kek} -wk ${file('wrong.bin')} -out ${file('3des-wrong.key')}`);
      assert.equal(r.outcome, 'failed');
      assert.equal(r.out, `\n${I}Cfm3WrapKey returned: 0x00 : ${OK}\n\n${I}Cfm3UnWrapHostKey returned: 0xd8 : HSM Error: Unwrap failed: wrong key, mechanism or data\n\n`);
      assert.ok(!fs.existsSync(file('3des-wrong.key')));
      handleIn(await ok(`imSymKey -f ${file('3des.key')} -w ${kek} -wk ${file('kek.bin')} -t 21 -l 3des-wk`), /Key Handle: (\d+)/);
      await fails(`imSymKey -f ${file('3des.key')} -w ${kek} -wk ${file('wrong.bin')} -t 21 -l 3des-bad`, '0xd8');
    });

    it('refuses a non-extractable key (0xd7), a key the user only shares (0xc6), another mechanism and another key class, writing nothing', async () => {
      const nex = handleIn(await ok('genSymKey -t 31 -s 16 -l nex -nex'), /Key Handle: (\d+)/);
      await fails(`exSymKey -k ${nex} -w ${kek} -out ${file('nex.key')}`, '0xd7', file('nex.key'));
      const pair = await ok('genECCKeyPair -i 2 -l ec-export');
      const [pub, priv] = [handleIn(pair, /public key handle: (\d+)/), handleIn(pair, /private key handle: (\d+)/)];
      await fails(`exSymKey -k ${priv} -w ${kek} -out ${file('ec.key')}`, '0xd6', file('ec.key'));
      await fails(`exportPrivateKey -k ${pub} -w ${kek} -out ${file('pub.pem')}`, '0xd6', file('pub.pem'));
      const usage = await line(`exSymKey -k ${tdes} -w ${kek} -m 5 -out ${file('m5.key')}`);
      assert.equal(usage.outcome, 'failed');
      assert.match(usage.out, /Error: -m takes 4 \(NIST_AES_WRAP\)/);
      assert.ok(!fs.existsSync(file('m5.key')));
      const alice = { credentials: { username: 'alice', password: 'Secret123!', role: 'crypto-user' as const } };
      for (const h of [tdes, kek]) await perform(fixture.t.ctx, shareKey, { filter: byReference(h), username: 'bob', role: 'crypto-user' }, alice);
      await ok('logoutHSM');
      await ok('loginHSM -u CU -s bob -p Secret123!');
      await fails(`exSymKey -k ${tdes} -w ${kek} -out ${file('bob.key')}`, '0xc6', file('bob.key'));
      await ok('logoutHSM');
      await ok('loginHSM -u CU -s alice -p Secret123!');
    });

    it('exportPrivateKey writes a PKCS#8 PEM of the private key, for RSA, EC and DSA keys', async () => {
      const pairs = [await ok('genRSAKeyPair -m 2048 -e 65537 -l rsa-export'), await ok('genECCKeyPair -i 14 -l ec384-export'), await ok('genDSAKeyPair -m 2048 -l dsa-export')];
      for (const [i, pair] of pairs.entries()) {
        const [pub, priv] = [handleIn(pair, /public key handle: (\d+)/), handleIn(pair, /private key handle: (\d+)/)];
        const out = await ok(`exportPrivateKey -k ${priv} -w ${kek} -out ${file(`private-${i}.pem`)}`);
        assert.equal(out, `\n${I}Cfm3WrapKey returned: 0x00 : ${OK}\n\n${I}Cfm3UnWrapHostKey returned: 0x00 : ${OK}\n\n${I}PEM formatted private key is written to ${file(`private-${i}.pem`)}\n\n`);
        const pem = fs.readFileSync(file(`private-${i}.pem`), 'utf8');
        assert.match(pem, /^-----BEGIN PRIVATE KEY-----\n/);
        await ok(`exportPubKey -k ${pub} -out ${file(`public-${i}.pem`)}`);
        assert.equal(createPublicKey(createPrivateKey(pem)).export({ type: 'spki', format: 'pem' }), fs.readFileSync(file(`public-${i}.pem`), 'utf8'));
        secretFree(out, file(`private-${i}.pem`));
      }
    });

    it('imSymKey refuses other key types (usage), and bytes that are no key of the type (0xd6)', async () => {
      fs.writeFileSync(file('20.bin'), Buffer.alloc(20, 3));
      const usage = await line(`imSymKey -f ${file('20.bin')} -w ${kek} -t 16 -l generic`);
      assert.equal(usage.outcome, 'failed');
      assert.match(usage.out, /Error: -t takes 21 \(3DES\) or 31 \(AES\)/);
      await fails(`imSymKey -f ${file('20.bin')} -w ${kek} -t 31 -l short`, '0xd6');
    });
  });

  describe('masked objects (extractMaskedObject, insertMaskedObject)', () => {
    const I = '        ';
    const OK = 'HSM Return: SUCCESS';
    let nex: number;

    before(async () => {
      nex = handleIn(await ok('genSymKey -t 31 -s 32 -l masked-nex -nex'), /Key Handle: (\d+)/);
    });

    it('masks a non-extractable key into a file that does not hold its bytes, and inserts it as a new key that stays non-extractable', async () => {
      const out = await ok(`extractMaskedObject -o ${nex} -out ${file('masked.obj')}`);
      assert.equal(out, `\n${I}Object was masked and written to file "${file('masked.obj')}"\n\n${I}Cfm3ExtractMaskedObject returned: 0x00 : ${OK}\n\n`);
      const keys = await fixture.t.ctx.store.read((view) => view.list<KeyRecord>('key/'));
      const material = Buffer.from(keys.find(([, k]) => k.ref === nex)![1].material, 'base64');
      assert.ok(!fs.readFileSync(file('masked.obj')).includes(material));
      const inserted = await ok(`insertMaskedObject -f ${file('masked.obj')}`);
      const copy = handleIn(inserted, /New Key Handle: (\d+)/);
      assert.notEqual(copy, nex);
      const [a, b] = [await attributes(nex), await attributes(copy)];
      assert.deepEqual([b.EXTRACTABLE, b.KCV, b.LABEL, b.LOCAL], ['0x00', a.KCV, 'masked-nex', a.LOCAL]);
      await fails(`exSymKey -k ${copy} -w ${nex} -out ${file('copy.key')}`, '0xd7', file('copy.key'));
    });

    it('refuses a changed masked object with its own code (0xde), adding no key', async () => {
      const before = (await ok('findKey')).match(/Total number of keys present (\d+)/)![1];
      const changed = fs.readFileSync(file('masked.obj'));
      changed[changed.length - 1]! ^= 1;
      fs.writeFileSync(file('changed.obj'), changed);
      const out = await fails(`insertMaskedObject -f ${file('changed.obj')}`, '0xde');
      assert.match(out, /Cfm3InsertMaskedObject returned: 0xde : HSM Error: Masked object is not valid in this cluster/);
      assert.equal((await ok('findKey')).match(/Total number of keys present (\d+)/)![1], before);
    });

    it('lets only the owner extract a key (a sharee gets 0xc6)', async () => {
      const alice = { credentials: { username: 'alice', password: 'Secret123!', role: 'crypto-user' as const } };
      await perform(fixture.t.ctx, shareKey, { filter: byReference(nex), username: 'bob', role: 'crypto-user' }, alice);
      await ok('logoutHSM');
      await ok('loginHSM -u CU -s bob -p Secret123!');
      await fails(`extractMaskedObject -o ${nex} -out ${file('bob.obj')}`, '0xc6', file('bob.obj'));
      await ok('logoutHSM');
      await ok('loginHSM -u CU -s alice -p Secret123!');
    });
  });

  describe('fake PEM files (getCaviumPrivKey, IsValidKeyHandlefile) and getCert', () => {
    const I = '        ';
    let rsaPriv: number;

    before(async () => {
      rsaPriv = handleIn(await ok('genRSAKeyPair -m 2048 -e 65537 -l web'), /private key handle: (\d+)/);
    });

    it('getCaviumPrivKey writes a fake PEM of an RSA private key, which IsValidKeyHandlefile finds a valid handle in', async () => {
      const out = await ok(`getCaviumPrivKey -k ${rsaPriv} -out ${file('fake.pem')}`);
      assert.equal(out, `\n\nPrivate Key Handle is written to ${file('fake.pem')} in fake PEM format\n\n${I}getCaviumPrivKey returned: 0x00 : HSM Return: SUCCESS\n\n`);
      assert.match(fs.readFileSync(file('fake.pem'), 'utf8'), /^-----BEGIN RSA PRIVATE KEY-----\n/);
      assert.equal(await ok(`IsValidKeyHandlefile -f ${file('fake.pem')}`), `\n${I}Input file has key handle: ${rsaPriv}\n\n`);
    });

    it('IsValidKeyHandlefile knows a real private key without a login, and a handle that names no key', async () => {
      await ok(`exportPrivateKey -k ${rsaPriv} -w ${handleIn(await ok('genSymKey -t 31 -s 32 -l pem-kek'), /Key Handle: (\d+)/)} -out ${file('real.pem')}`);
      await ok(`deleteKey -k ${rsaPriv}`);
      const invalid = await line(`IsValidKeyHandlefile -f ${file('fake.pem')}`);
      assert.deepEqual(invalid, { outcome: 'failed', out: `\n${I}Input file has invalid key handle: ${rsaPriv}\n\n` });
      await ok('logoutHSM');
      assert.equal(await ok(`IsValidKeyHandlefile -f ${file('real.pem')}`), `\n${I}Input key file has real private key\n\n`);
      await fails(`IsValidKeyHandlefile -f ${file('fake.pem')}`, '0xd3');
      await ok('loginHSM -u CU -s alice -p Secret123!');
    });

    it('getCaviumPrivKey refuses what is not an RSA private key', async () => {
      const ec = handleIn(await ok('genECCKeyPair -i 2 -l not-rsa'), /private key handle: (\d+)/);
      await fails(`getCaviumPrivKey -k ${ec} -out ${file('ec-fake.pem')}`, '0xd6', file('ec-fake.pem'));
    });

    it('getCert writes the customer root (4) and the cluster certificate (8); the manufacturer types are refused in its own words', async () => {
      const cluster = await perform(fixture.t.ctx, readCluster, {});
      assert.equal(await ok(`getCert -f ${file('root.crt')} -s 4`), `\n${I}Cfm3GetCert() returned 0 :HSM Return: SUCCESS\n\n`);
      assert.equal(fs.readFileSync(file('root.crt'), 'utf8').trim(), cluster.trustAnchorPem!.trim());
      await ok(`getCert -f ${file('cluster.crt')} -t 8`);
      assert.equal(fs.readFileSync(file('cluster.crt'), 'utf8').trim(), cluster.clusterCertificatePem!.trim());
      const manufacturer = await line(`getCert -f ${file('manufacturer.crt')} -s 1`);
      assert.deepEqual(manufacturer, { outcome: 'failed', out: `\n${I}Cfm3GetCert() returned 0xd6 :HSM Error: Invalid argument\n\n` });
      assert.ok(!fs.existsSync(file('manufacturer.crt')));
      assert.equal((await line(`getCert -f ${file('x.crt')} -s 4 -t 4`)).outcome, 'failed');
      assert.equal((await line(`getCert -f ${file('x.crt')} -s 3`)).outcome, 'failed');
      await ok('logoutHSM');
      assert.equal((await line(`getCert -f ${file('x.crt')} -s 4`)).out, `\n${I}Cfm3GetCert() returned 0xd3 :HSM Error: User is not logged in\n\n`);
      await ok('loginHSM -u CU -s alice -p Secret123!');
    });
  });
});
