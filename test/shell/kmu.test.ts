import assert from 'node:assert/strict';
import { createHash, generateKeyPairSync } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { perform } from '../../src/core/engine.js';
import { setAttribute } from '../../src/core/keys/operations.js';
import { byReference } from '../../src/core/keys/selector.js';
import { createUser, login as loginOp } from '../../src/core/users/operations.js';
import { callerOf } from '../../src/shell/dialect.js';
import { kmuDialect } from '../../src/shell/dialects/kmu.js';
import { ADMIN_PASSWORD, handleIn, lineRunner, runLines, testHost, type TestHost } from '../support/dialect-host.js';
import { tempDir } from '../support/helpers.js';

const I = '        ';
/** The per-node block of a quickstart cluster (two ACTIVE HSMs). */
const NODES_OK = [`${I}Node id 0 and err state 0x00000000 : HSM Return: SUCCESS`, `${I}Node id 1 and err state 0x00000000 : HSM Return: SUCCESS`];
const ERROR_STATUS = [`${I}Cluster Error Status`, ...NODES_OK];
/** genRSAKeyPair's block (legacy-shells.md §0). */
const RSA_STATUS = [`${I}Cluster Status:`, `${I}Node id 0 status: 0x00000000 : HSM Return: SUCCESS`, `${I}Node id 1 status: 0x00000000 : HSM Return: SUCCESS`];
const ADMIN = { username: 'admin', password: ADMIN_PASSWORD, role: 'admin' as const };

/** Exactly what KMU prints for blocks of lines (blank lines before, between and after). */
function blocks(...parts: string[][]): string {
  return `\n${parts.map((p) => p.join('\n')).join('\n\n')}\n\n`;
}

describe('shell kmu dialect', function () {
  this.timeout(60_000);
  let t: TestHost;
  let dir: string;
  const file = (name: string) => path.join(dir, name);

  const line = (text: string) => lineRunner(kmuDialect, t).line(text);
  const ok = (text: string) => lineRunner(kmuDialect, t).ok(text);

  async function genAes(label: string, extra = ''): Promise<number> {
    return handleIn(await ok(`genSymKey -t 31 -s 16 -l ${label} ${extra}`), /Key Handle: (\d+)/);
  }

  async function attribute(h: number, id: number): Promise<string> {
    await ok(`getAttribute -o ${h} -a ${id} -out ${file('attr.txt')}`);
    return fs.readFileSync(file('attr.txt'), 'utf8').split('\n')[1]!;
  }

  async function login(name: string): Promise<void> {
    await ok(`loginHSM -u CU -s ${name} -p Secret123!`);
  }

  before(async () => {
    t = await testHost();
    dir = tempDir('kmu-');
    for (const username of ['alice', 'bob']) {
      await perform(t.ctx, createUser, { username, password: 'Secret123!', role: 'crypto-user' }, { credentials: ADMIN });
    }
  });

  describe('before login', () => {
    it('refuses key commands and listUsers with a not-logged-in code', async () => {
      const r = await line('genSymKey -t 31 -s 16 -l k');
      assert.equal(r.outcome, 'failed');
      assert.ok(r.out.includes(`${I}Cfm3GenerateSymmetricKey returned: 0xd3 : HSM Error: User is not logged in\n`), r.out);
      assert.equal((await line('listUsers')).outcome, 'failed');
    });

    it('refuses a non-CU user type with 0xdb and keeps nobody logged in', async () => {
      const r = await line(`loginHSM -u CO -s admin -p ${ADMIN_PASSWORD}`);
      assert.equal(r.outcome, 'failed');
      assert.ok(r.out.startsWith(`\n${I}Cfm3LoginHSM returned: 0xdb : HSM Error: Invalid User Type.\n`), r.out);
      assert.equal(t.host.session, undefined);
    });

    it('refuses a wrong password with a login failure code', async () => {
      const r = await line('loginHSM -u CU -s alice -p wrong-password');
      assert.equal(r.outcome, 'failed');
      assert.ok(r.out.includes('Cfm3LoginHSM returned: 0xd0 : HSM Error: Login failure'), r.out);
      assert.equal(t.host.session, undefined);
    });

    it('explains codes with Error2String and lists attributes without a login', async () => {
      assert.equal(await ok('Error2String -r 0xdb'), blocks([`${I}Error Code db maps to HSM Error: Invalid User Type.`]));
      assert.equal(await ok('Error2String -r 0xc6'), blocks([`${I}Error Code c6 maps to HSM Error: Key Access is denied`]));
      const list = await ok('listAttributes');
      assert.ok(list.startsWith('\nFollowing are the possible attribute values for getAttributes:\n\n'), list);
      assert.ok(list.includes('\n      OBJ_ATTR_CLASS                  = 0\n'));
      assert.ok(list.includes('\n      OBJ_ATTR_KCV                    = 371\n'));
      assert.ok(!list.includes('OBJ_ATTR_TRUSTED'), 'KMU prints the short list');
    });
  });

  describe('a crypto user session', () => {
    let aes: number;
    let rsaPub: number;
    let rsaPriv: number;
    let ecPub: number;
    let ecPriv: number;

    it('logs in with -hpswd, prompting "Enter password: "', async () => {
      t.passwords.push('Secret123!');
      const out = await ok('loginHSM -u CU -s alice -hpswd');
      assert.deepEqual(t.asked, ['Enter password: ']);
      assert.equal(out, `Enter password: \n${blocks([`${I}Cfm3LoginHSM returned: 0x00 : HSM Return: SUCCESS`], [`${I}Cluster Status`, ...NODES_OK])}`);
      assert.equal(t.host.session?.username, 'alice');
      assert.ok((await line('loginHSM -u CU -s bob -p Secret123!')).out.includes('returned: 0xd2 : HSM Error: User is already logged in'));
    });

    it('generates an AES key with KMU defaults (genSymKey -t 31)', async () => {
      const out = await ok('genSymKey -t 31 -s 16 -l aes128');
      aes = handleIn(out, /Key Handle: (\d+)/);
      assert.equal(out, blocks([`${I}Cfm3GenerateSymmetricKey returned: 0x00 : HSM Return: SUCCESS`], [`${I}Symmetric Key Created.  Key Handle: ${aes}`], ERROR_STATUS));
    });

    it('refuses DSA key pairs on this hsm2m.medium cluster with a policy error', async () => {
      t.explained.length = 0;
      const r = await line('genDSAKeyPair -m 2048 -l dsa');
      assert.equal(r.outcome, 'failed');
      const state = '0x000000b3 : HSM Error: This operation violates the current configured/FIPS policies';
      assert.equal(r.out, blocks([`${I}Cfm3GenerateKeyPair: returned: 0xb3 : HSM Error: This operation violates the current configured/FIPS policies`], [`${I}Cluster Error Status`, `${I}Node id 0 and err state ${state}`, `${I}Node id 1 and err state ${state}`]));
      assert.match(t.explained.join('\n'), /DSA keys exist only on hsm1\.medium clusters/);
    });

    it('refuses 3DES keys on this hsm2m.medium cluster and RC4 keys anywhere with a policy error, explaining why only on the side', async () => {
      for (const type of [21, 18]) {
        t.explained.length = 0;
        const r = await line(`genSymKey -t ${type} -s 24 -l old`);
        assert.equal(r.outcome, 'failed');
        const state = type === 21 ? '0x000000b3 : HSM Error: This operation violates the current configured/FIPS policies' : '0x30000085 : HSM CLUSTER ERROR: Server in cluster is unavailable';
        assert.equal(
          r.out,
          blocks([`${I}Cfm3GenerateSymmetricKey returned: 0xb3 : HSM Error: This operation violates the current configured/FIPS policies`], [`${I}Cluster Error Status`, `${I}Node id 0 and err state ${state}`, `${I}Node id 1 and err state ${state}`]),
        );
        assert.match(t.explained.join('\n'), type === 21 ? /DES3 keys exist only on hsm1\.medium clusters/ : /RC4 keys \(-t 18\)/);
      }
    });

    it('makes generic secrets up to key_mgmt_util\'s 3584 bytes (not the CloudHSM CLI\'s 800), and unwraps them back', async () => {
      const out = await ok('genSymKey -t 16 -s 3584 -l big-secret');
      const big = handleIn(out, /Key Handle: (\d+)/);
      assert.equal(await attribute(big, 353), '0x00000e00');
      const refused = await line('genSymKey -t 16 -s 3585 -l too-big');
      assert.equal(refused.outcome, 'failed');
      assert.equal(refused.out, blocks([`${I}Cfm3GenerateSymmetricKey returned: 0xd6 : HSM Error: Invalid argument`], ERROR_STATUS.map((l) => l.replace('0x00000000 : HSM Return: SUCCESS', '0x000000d6 : HSM Error: Invalid argument'))));
      const kek = await genAes('big-kek');
      await ok(`wrapKey -k ${big} -w ${kek} -m 4 -out ${file('big.wrapped')}`);
      const back = handleIn(await ok(`unWrapKey -f ${file('big.wrapped')} -w ${kek} -m 4`), /Key Handle: (\d+)/);
      assert.equal(await attribute(back, 353), '0x00000e00');
      for (const h of [big, back, kek]) await ok(`deleteKey -k ${h}`);
    });

    it('generates RSA and EC key pairs', async () => {
      const rsa = await ok('genRSAKeyPair -m 2048 -e 65537 -l rsa2048');
      [rsaPub, rsaPriv] = [handleIn(rsa, /public key handle: (\d+)/), handleIn(rsa, /private key handle: (\d+)/)];
      assert.equal(rsa, blocks([`${I}Cfm3GenerateKeyPair returned: 0x00 : HSM Return: SUCCESS`], [`${I}Cfm3GenerateKeyPair:    public key handle: ${rsaPub}    private key handle: ${rsaPriv}`], RSA_STATUS));
      const ec = await ok('genECCKeyPair -i 2 -l ecP256');
      [ecPub, ecPriv] = [handleIn(ec, /public key handle: (\d+)/), handleIn(ec, /private key handle: (\d+)/)];
      assert.ok(ec.includes(`${I}Cfm3GenerateKeyPair:    public key handle: ${ecPub}    private key handle: ${ecPriv}\n`));
      assert.equal((await line('genECCKeyPair -i 1 -l p192')).outcome, 'failed');
    });

    it('finds keys: the count, the handles, the status block and the return line last', async () => {
      const all = [aes, rsaPub, rsaPriv, ecPub, ecPriv];
      assert.equal(
        await ok('findKey'),
        blocks(
          [`Total number of keys present ${all.length}`],
          [` number of keys matched from start index 0::${all.length - 1}`, all.join(', ')],
          ERROR_STATUS,
          [`${I}Cfm3FindKey returned: 0x00 : HSM Return: SUCCESS`],
        ),
      );
      assert.ok((await ok('findKey -c 2')).includes(`\n${rsaPub}, ${ecPub}\n`));
      assert.ok((await ok('findKey -t 31 -l aes128')).includes(`\n${aes}\n`));
      const kcv = await attribute(aes, 371);
      assert.ok((await ok(`findKey -kcv ${kcv}`)).includes(`\n${aes}\n`));
    });

    it('prints the 0-match form of findKey without the handle lines', async () => {
      assert.equal(await ok('findKey -l no-such-label'), blocks(['Total number of keys present 0'], ERROR_STATUS, [`${I}Cfm3FindKey returned: 0x00 : HSM Return: SUCCESS`]));
    });

    it('checks a single key and shows who owns and shares it', async () => {
      assert.equal(await ok(`findSingleKey -k ${aes}`), blocks([`${I}Cfm3FindKey returned: 0x00 : HSM Return: SUCCESS`], ERROR_STATUS));
      const users = await ok('listUsers');
      const id = (name: string) => handleIn(users, new RegExp(`^\\s+\\d+\\s+(\\d+)\\s+CU\\s+${name}\\s`, 'm'));
      const shared = await genAes('shared', `-u ${id('bob')}`);
      assert.equal(await ok(`getKeyInfo -k ${aes}`), blocks([`${I}Cfm3GetKey returned: 0x00 : HSM Return: SUCCESS`], [`${I}Owned by user ${id('alice')}`]));
      assert.equal(
        await ok(`getKeyInfo -k ${shared}`),
        blocks([`${I}Cfm3GetKey returned: 0x00 : HSM Return: SUCCESS`], [`${I}Owned by user ${id('alice')}`], [`${I}also, shared to following 1 user(s):`], [`${I}         ${id('bob')}`]),
      );
    });

    it('lists users by ID with their types and failure counts (a wrong password counts)', async () => {
      const wrong = { username: 'bob', password: 'wrong-password', role: 'crypto-user' as const };
      await assert.rejects(perform(t.ctx, loginOp, { credentials: wrong }), { code: 'LOGIN_FAILED' });
      const out = await ok('listUsers');
      // The whole table is compared in legacy-examples.test.ts.
      assert.ok(out.includes(`\n${I}4                4      CU              bob                       NO               1               NO\n`), out);
    });

    it('dumps all attributes of an AES key as the documented build does (-a 512): 17 attributes, no ` file` after the name', async () => {
      const out = await ok(`getAttribute -o ${aes} -a 512 -out ${file('all.txt')}`);
      const dump = fs.readFileSync(file('all.txt'), 'utf8').split('\n');
      const names = dump.filter((_, i) => i % 2 === 0 && i < dump.length - 1);
      assert.equal(out, blocks([`got all attributes of size ${/size (\d+)/.exec(out)![1]} attr cnt 17`, `Attributes dumped into ${file('all.txt')}`], [`${I}Cfm3GetAttribute returned: 0x00 : HSM Return: SUCCESS`]));
      // The getAttribute and genSymKey examples' attributes, in their order.
      const documented = ['CLASS', 'KEY_TYPE', 'TOKEN', 'PRIVATE', 'ENCRYPT', 'DECRYPT', 'WRAP', 'UNWRAP', 'SIGN', 'VERIFY', 'LOCAL', 'SENSITIVE', 'EXTRACTABLE', 'LABEL', 'ID', 'VALUE_LEN', 'KCV'];
      assert.deepEqual(names, documented.map((n) => `OBJ_ATTR_${n}`));
      const value = (name: string) => dump[dump.indexOf(name) + 1];
      assert.equal(value('OBJ_ATTR_CLASS'), '0x04');
      assert.equal(value('OBJ_ATTR_KEY_TYPE'), '0x1f');
      assert.equal(value('OBJ_ATTR_ENCRYPT'), '0x01');
      assert.equal(value('OBJ_ATTR_WRAP'), '0x01');
      assert.equal(value('OBJ_ATTR_SIGN'), '0x00');
      assert.equal(value('OBJ_ATTR_LABEL'), 'aes128');
      assert.equal(value('OBJ_ATTR_ID'), '');
      assert.equal(value('OBJ_ATTR_VALUE_LEN'), '0x00000010');
      assert.match(value('OBJ_ATTR_KCV')!, /^0x[0-9a-f]{6}$/);
    });

    it('dumps EC and RSA keys the same way: the EC point as the modulus, the modulus as hex on one line', async () => {
      await ok(`getAttribute -o ${ecPriv} -a 512 -out ${file('ec.txt')}`);
      const ec = fs.readFileSync(file('ec.txt'), 'utf8').split('\n');
      assert.equal(ec.filter((_, i) => i % 2 === 0 && i < ec.length - 1).length, 19, 'the genECCKeyPair example dumps 19');
      assert.deepEqual(ec.slice(-5, -1), ['OBJ_ATTR_MODULUS', ec.at(-4), 'OBJ_ATTR_MODULUS_BITS', '0x00000100']);
      assert.match(ec.at(-4)!, /^04[0-9a-f]{128}$/);
      await ok(`getAttribute -o ${rsaPub} -a 512 -out ${file('rsa.txt')}`);
      const rsa = fs.readFileSync(file('rsa.txt'), 'utf8').split('\n');
      assert.deepEqual(rsa.slice(-7, -1).filter((_, i) => i % 2 === 0), ['OBJ_ATTR_MODULUS', 'OBJ_ATTR_MODULUS_BITS', 'OBJ_ATTR_PUBLIC_EXPONENT']);
      assert.match(rsa.at(-6)!, /^[0-9a-f]{512}$/);
      assert.deepEqual(rsa.slice(-4, -1), ['0x00000800', 'OBJ_ATTR_PUBLIC_EXPONENT', '0x010001']);
    });

    it('writes one attribute as 0x%08x and refuses one that does not apply', async () => {
      assert.equal(await ok(`getAttribute -o ${aes} -a 256 -out ${file('type.txt')}`), blocks([`Attributes dumped into ${file('type.txt')} file`]));
      assert.equal(fs.readFileSync(file('type.txt'), 'utf8'), 'OBJ_ATTR_KEY_TYPE\n0x0000001f\n');
      assert.equal(await attribute(rsaPub, 290), '0x010001');
      assert.equal(await attribute(rsaPub, 289), '0x00000800');
      const r = await line(`getAttribute -o ${aes} -a 288 -out ${file('mod.txt')}`);
      assert.equal(r.outcome, 'failed');
      assert.ok(r.out.includes('Cfm3GetAttribute returned: 0xdc : HSM Error: Attribute is not applicable to this object'), r.out);
    });

    it('turns a session key into a token key with setAttribute -a 1', async () => {
      const h = await genAes('temp', '-sess');
      assert.equal(await attribute(h, 1), '0x00000000');
      assert.ok((await ok('findKey -sess 1')).includes(`\n${h}\n`));
      t.answers.push('1');
      const out = await ok(`setAttribute -o ${h} -a 1`);
      assert.equal(t.asked.at(-1), 'Enter the boolean attribute value (0 or 1):');
      assert.ok(out.startsWith('This attribute is defined as a boolean value.\nEnter the boolean attribute value (0 or 1):1\n'));
      assert.ok(out.endsWith(blocks([`${I}Cfm3SetAttribute returned: 0x00 : HSM Return: SUCCESS`], ERROR_STATUS)));
      assert.equal(await attribute(h, 1), '0x00000001');
      t.answers.push('0');
      assert.equal((await line(`setAttribute -o ${h} -a 1`)).outcome, 'failed');
      assert.equal((await line(`setAttribute -o ${h} -a 3`)).outcome, 'failed');
    });

    it('exports a public key to PEM and imports it back with the same check value', async () => {
      const pem = file('rsa.pem');
      assert.equal(await ok(`exportPubKey -k ${rsaPub} -out ${pem}`), blocks([`${I}PEM formatted public key is written to ${pem}`], [`${I}Cfm3ExportPubKey returned: 0x00 : HSM Return: SUCCESS`]));
      assert.match(fs.readFileSync(pem, 'utf8'), /^-----BEGIN PUBLIC KEY-----\n/);
      const out = await ok(`importPubKey -l imported -f ${pem}`);
      const imported = handleIn(out, /Public Key Handle: (\d+)/);
      assert.equal(out, blocks([`${I}Cfm3CreatePublicKey returned: 0x00 : HSM Return: SUCCESS`], [`${I}Public Key Handle: ${imported}`], ERROR_STATUS));
      assert.equal(await attribute(imported, 371), await attribute(rsaPub, 371));
      assert.equal(await attribute(imported, 355), '0x00000000', 'imported keys are not local');
    });

    it('imports a PEM private key (importPrivateKey) with the check value of its public half', async () => {
      const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
      fs.writeFileSync(file('ec-priv.pem'), privateKey.export({ type: 'pkcs8', format: 'pem' }));
      const out = await ok(`importPrivateKey -l imported-ec -f ${file('ec-priv.pem')} -w ${aes}`);
      const h = handleIn(out, /Private Key Unwrapped\. {2}Key Handle: (\d+)/);
      assert.ok(out.startsWith(`\n${I}BER encoded key length is ${privateKey.export({ type: 'pkcs8', format: 'der' }).length}\n\n${I}Cfm3WrapHostKey returned: 0x00`), out);
      const spki = publicKey.export({ type: 'spki', format: 'der' });
      assert.equal(await attribute(h, 371), `0x${createHash('sha1').update(spki).digest('hex').slice(0, 6)}`);
      assert.equal(await attribute(h, 0), '0x00000003');
      assert.equal(await attribute(h, 264), '0x00000001', 'KMU EC private keys sign');
      assert.equal((await line(`importPrivateKey -l x -f ${file('ec-priv.pem')} -w ${aes} -nex`)).outcome, 'failed', 'cannot be marked non-extractable');
    });

    it('wraps and unwraps a key with a header, keeping its check value and label', async () => {
      const payload = await genAes('payload');
      const wrapped = file('payload.wrapped');
      const out = await ok(`wrapKey -k ${payload} -w ${aes} -out ${wrapped}`);
      const size = fs.statSync(wrapped).size;
      assert.equal(out, blocks([`${I}Key Wrapped.`], [`${I}Wrapped Key written to file "${wrapped} length ${size}`], [`${I}Cfm2WrapKey returned: 0x00 : HSM Return: SUCCESS`]));
      const unwrapped = await ok(`unWrapKey -f ${wrapped} -w ${aes}`);
      const h = handleIn(unwrapped, /Key Unwrapped\. {2}Key Handle: (\d+)/);
      assert.equal(unwrapped, blocks([`${I}Cfm3UnWrapKey returned: 0x00 : HSM Return: SUCCESS`], [`${I}Key Unwrapped.  Key Handle: ${h}`], ERROR_STATUS));
      assert.equal(await attribute(h, 371), await attribute(payload, 371));
      assert.equal(await attribute(h, 3), 'payload');
      assert.equal(await attribute(h, 355), '0x00000000', 'unwrapped keys are not local');
    });

    it('wraps with -noheader (-m 5) and unwraps with -l -kc -kt', async () => {
      const payload = await genAes('raw-payload');
      const wrapped = file('raw.wrapped');
      await ok(`wrapKey -k ${payload} -w ${aes} -m 5 -noheader -out ${wrapped}`);
      assert.equal(fs.statSync(wrapped).size, 24, 'RFC 3394: a 16-byte key wraps to 24 bytes');
      const out = await ok(`unWrapKey -f ${wrapped} -w ${aes} -m 5 -noheader -l back -kc 4 -kt 31`);
      const h = handleIn(out, /Key Unwrapped\. Key Handle: (\d+)/);
      assert.equal(
        out,
        blocks([`${I}Cfm3CreateUnwrapTemplate2 returned: 0x00 : HSM Return: SUCCESS`, `${I}Cfm2UnWrapWithTemplate3 returned: 0x00 : HSM Return: SUCCESS`], [`${I}Key Unwrapped. Key Handle: ${h}`], ERROR_STATUS),
      );
      assert.equal(await attribute(h, 371), await attribute(payload, 371));
      assert.equal((await line(`unWrapKey -f ${wrapped} -w ${aes} -m 5 -noheader -l back`)).outcome, 'failed', '-kc and -kt are required');
    });

    it('wraps with RSA-OAEP (-m 8 -t 3) and unwraps with the private key', async () => {
      const payload = await genAes('oaep-payload');
      await ok(`wrapKey -k ${payload} -w ${rsaPub} -m 8 -t 3 -out ${file('oaep.wrapped')}`);
      const h = handleIn(await ok(`unWrapKey -f ${file('oaep.wrapped')} -w ${rsaPriv} -m 8 -t 3`), /Key Handle: (\d+)/);
      assert.equal(await attribute(h, 371), await attribute(payload, 371));
      assert.equal((await line(`wrapKey -k ${payload} -w ${rsaPub} -m 8 -out ${file('x')}`)).outcome, 'failed', 'RSA mechanisms need -t');
    });

    it('signs and verifies, and reports a bad signature as 0x1b', async () => {
      fs.writeFileSync(file('msg.txt'), 'the message');
      fs.writeFileSync(file('other.txt'), 'another message');
      for (const [priv, pub, m] of [[rsaPriv, rsaPub, 1], [rsaPriv, rsaPub, 6], [ecPriv, ecPub, 17]] as const) {
        const sig = file(`sig-${m}`);
        assert.equal(await ok(`sign -f ${file('msg.txt')} -k ${priv} -m ${m} -out ${sig}`), blocks([`${I}Cfm3Sign returned: 0x00 : HSM Return: SUCCESS`], [`${I}signature is written to file ${sig}`], ERROR_STATUS));
        assert.equal(
          await ok(`verify -f ${file('msg.txt')} -s ${sig} -k ${pub} -m ${m}`),
          blocks([`${I}Signature verification successful`], [`${I}Cfm3Verify returned: 0x00 : HSM Return: SUCCESS`]),
        );
        const bad = await line(`verify -f ${file('other.txt')} -s ${sig} -k ${pub} -m ${m}`);
        assert.equal(bad.outcome, 'failed');
        assert.equal(bad.out, blocks([`${I}Cfm3Verify returned: 0x1b`], [`${I}CSP Error: ERR_BAD_PKCS_DATA`]));
      }
    });

    it('aesWrapUnwrap will not unwrap with a key that has wrapped a key (wrapKey), so a wrapped key never comes out in the clear', async () => {
      const kek = await genAes('aws-kek');
      const payload = await genAes('aws-payload');
      fs.writeFileSync(file('data-16.bin'), Buffer.alloc(16, 3));
      await ok(`aesWrapUnwrap -m 1 -f ${file('data-16.bin')} -w ${kek} -out ${file('data-16.wrapped')}`);
      await ok(`aesWrapUnwrap -m 0 -f ${file('data-16.wrapped')} -w ${kek} -out ${file('data-16.back')}`);
      await ok(`wrapKey -k ${payload} -w ${kek} -m 5 -noheader -out ${file('kw.bin')}`);
      t.explained.length = 0;
      const leak = await line(`aesWrapUnwrap -m 0 -f ${file('kw.bin')} -w ${kek} -out ${file('leak.bin')}`);
      assert.equal(leak.outcome, 'failed');
      assert.match(t.explained.join('\n'), /has wrapped keys/);
      assert.ok(!fs.existsSync(file('leak.bin')), 'nothing was written');
    });

    it('round-trips data with aesWrapUnwrap -m 1 then -m 0 on a key that never wrapped a key, showing wrapped data but never unwrapped data', async () => {
      const dataKey = await genAes('data-key');
      const plain = file('data.bin');
      fs.writeFileSync(plain, Buffer.from('0123456789abcdef0123456789abcdef'));
      const wrappedOut = file('data.wrapped');
      const wrap = await ok(`aesWrapUnwrap -m 1 -f ${plain} -w ${dataKey} -out ${wrappedOut}`);
      const hex = [...fs.readFileSync(wrappedOut)].map((b) => b.toString(16).toUpperCase().padStart(2, '0'));
      assert.equal(hex.length, 40);
      const rows = [0, 8, 16, 24, 32].map((i) => hex.slice(i, i + 8).join(' '));
      assert.equal(
        wrap,
        blocks([`${I}Warning: IV (-i) is missing.`, `${I}         0xA6A6A6A6A6A6A6A6 is considered as default IV`, 'result data:', ...rows], [`result written to file ${wrappedOut}`], [`${I}Cfm3WrapHostKey returned: 0x00 : HSM Return: SUCCESS`]),
      );
      const back = file('data.back');
      const un = await ok(`aesWrapUnwrap -m 0 -f ${wrappedOut} -w ${dataKey} -out ${back}`);
      assert.equal(
        un,
        blocks([`${I}Warning: IV (-i) is missing.`, `${I}         0xA6A6A6A6A6A6A6A6 is considered as default IV`], [`result written to file ${back}`], [`${I}Cfm3UnWrapHostKey returned: 0x00 : HSM Return: SUCCESS`]),
      );
      assert.deepEqual(fs.readFileSync(back), fs.readFileSync(plain));
      assert.equal((await line(`aesWrapUnwrap -m 0 -f ${wrappedOut} -w ${dataKey}`)).outcome, 'failed', 'unwrapping needs -out');
      const bad = await line(`aesWrapUnwrap -m 0 -f ${wrappedOut} -w ${dataKey} -i 0x0102030405060708 -out ${file('bad.bin')}`);
      assert.ok(bad.out.includes(`${I}Cfm3UnWrapHostKey returned: 0xd8 : HSM Error: Unwrap failed: wrong key, mechanism or data\n`), bad.out);
    });

    it('aesWrapUnwrap takes the default IV given with -i and refuses any other, and refuses sizes RFC 3394 cannot wrap', async () => {
      const dk = await genAes('iv-data-key');
      await perform(t.ctx, setAttribute, { filter: byReference(dk), name: 'wrap', value: 'false' }, callerOf(t.host));
      fs.writeFileSync(file('kw-24.bin'), Buffer.alloc(24, 7));
      const wrapped = file('kw-24.wrapped');
      const withIv = await ok(`aesWrapUnwrap -m 1 -f ${file('kw-24.bin')} -w ${dk} -i 0xA6A6A6A6A6A6A6A6 -out ${wrapped}`);
      assert.ok(!withIv.includes('Warning: IV (-i) is missing.'), withIv);
      assert.equal(fs.readFileSync(wrapped).length, 32);
      await ok(`aesWrapUnwrap -m 0 -f ${wrapped} -w ${dk} -i a6a6a6a6a6a6a6a6 -out ${file('kw-24.back')}`);
      assert.deepEqual(fs.readFileSync(file('kw-24.back')), Buffer.alloc(24, 7));
      t.explained.length = 0;
      const other = await line(`aesWrapUnwrap -m 1 -f ${file('kw-24.bin')} -w ${dk} -i 0x0102030405060708 -out ${file('other.wrapped')}`);
      assert.equal(other.outcome, 'failed');
      assert.equal(other.out, blocks([`${I}Cfm3WrapHostKey returned: 0xd6 : HSM Error: Invalid argument`]));
      assert.match(t.explained.join('\n'), /only with the default IV 0xA6A6A6A6A6A6A6A6/);
      assert.ok(!fs.existsSync(file('other.wrapped')));
      fs.writeFileSync(file('kw-20.bin'), Buffer.alloc(20, 7));
      const odd = await line(`aesWrapUnwrap -m 1 -f ${file('kw-20.bin')} -w ${dk}`);
      assert.equal(odd.outcome, 'failed');
      assert.ok(odd.out.includes('returned: 0xd6'), odd.out);
      assert.match(t.explained.join('\n'), /multiple of 8 bytes/);
    });

    it('never exports a non-extractable key in plaintext: 0xd7, no file, the reason only on the side', async () => {
      const nex = await genAes('never-out', '-nex');
      t.explained.length = 0;
      const r = await line(`exSymKey -k ${nex} -w ${aes} -out ${file('plain.key')}`);
      assert.equal(r.outcome, 'failed');
      assert.equal(r.out, blocks([`${I}Cfm3WrapKey returned: 0xd7 : HSM Error: Key attributes do not allow this operation`]));
      assert.match(t.explained.join('\n'), /extractable=false/);
      assert.ok(!fs.existsSync(file('plain.key')));
    });

    it('deletes its own key; a missing handle is 0xa8 from Cfm3FindKey', async () => {
      const h = await genAes('doomed');
      assert.equal(await ok(`deleteKey -k ${h}`), blocks([`${I}Cfm3DeleteKey returned: 0x00 : HSM Return: SUCCESS`], ERROR_STATUS));
      const r = await line(`deleteKey -k ${h}`);
      assert.equal(r.outcome, 'failed');
      assert.ok(r.out.startsWith(`\n${I}Cfm3FindKey returned: 0xa8 : HSM Error: Invalid object handle is passed to this operation\n`), r.out);
    });

    it('refuses to delete a key the user does not own with 0xc6', async () => {
      const shared = handleIn(await ok('findKey -l shared'), /\n(\d+)\n/);
      await ok('logoutHSM');
      await login('bob');
      for (const h of [shared, rsaPub]) {
        const r = await line(`deleteKey -k ${h}`);
        assert.equal(r.outcome, 'failed');
        assert.ok(r.out.startsWith(`\n${I}Cfm3DeleteKey returned: 0xc6 : HSM Error: Key Access is denied\n`), r.out);
      }
      assert.ok((await line(`deleteKey -k ${aes}`)).out.includes('returned: 0xa8'), "bob cannot see alice's unshared key");
    });

    it('logs out, clearing the session and its session keys', async () => {
      await genAes('bob-session', '-sess');
      assert.equal(t.host.sessionKeys.size, 1);
      assert.equal(await ok('logoutHSM'), blocks([`${I}Cfm3LogoutHSM returned: 0x00 : HSM Return: SUCCESS`], [`${I}Cluster Status`, ...NODES_OK]));
      assert.equal(t.host.session, undefined);
      assert.equal(t.host.sessionKeys.size, 0);
    });
  });

  describe('parsing, help, completion and history', () => {
    it('prints the usage and fails on missing, unknown or malformed flags', async () => {
      for (const text of ['genSymKey -t 31 -l k', 'findKey -zz 1', 'deleteKey -k abc', 'deleteKey -k', 'loginHSM -u CU -s alice']) {
        const r = await line(text);
        assert.equal(r.outcome, 'failed', text);
        assert.match(r.out, /Error: .*\n\n {8}Description: /, text);
      }
      const unknown = await line('genSymkey -t 31');
      assert.equal(unknown.outcome, 'failed');
      assert.match(unknown.out, /Command not found \(names are case-sensitive/);
      assert.ok(!unknown.out.includes('genSymkey'), 'the line is not echoed');
    });

    it('prints the tool\'s own help, the CloudHSM CLI equivalents under cliEquivalents, and -h usage', async () => {
      const help = await ok('help');
      assert.ok(help.startsWith('\nHelp Commands Available:\n\nSyntax: <command> -h\n\n\n   Command               Description\n'), help);
      assert.match(help, /\n {3}genSymKey {14}Generates a Symmetric keys\n/);
      assert.match(help, /\n {8}Emulator Commands\n {3}cliEquivalents {9}Lists the CloudHSM CLI equivalent of each\n/);
      assert.doesNotMatch(help, /key generate-symmetric/);
      const mapping = await ok('cliEquivalents');
      assert.match(mapping, /Key generation:\n {4}genSymKey +Generate an AES, 3DES .* key generate-symmetric aes \| generic-secret \(3DES: none\)\n/);
      assert.match(mapping, /wrapKey .* key wrap aes-pkcs5-pad/);
      assert.match(mapping, /exit .* quit/);
      assert.match(mapping, /--explain/);
      const usage = await ok('genSymKey -h');
      assert.ok(usage.includes('Syntax: genSymKey -h\n'));
      assert.ok(usage.includes('genSymKey -t <value> -s <value> -l <value> [-id <value>] [-sess]'));
      assert.equal(await kmuDialect.help(t.host, ['deleteKey']), await ok('deleteKey -h'));
    });

    it('completes commands, flags and visible key handles', async () => {
      assert.deepEqual(await kmuDialect.complete(t.host, [], 'gen'), ['genSymKey', 'genRSAKeyPair', 'genECCKeyPair', 'genDSAKeyPair', 'genPBEKey']);
      assert.deepEqual(await kmuDialect.complete(t.host, ['deleteKey'], '-'), ['-k']);
      assert.ok((await kmuDialect.complete(t.host, ['genSymKey', '-t', '31'], '-')).includes('-nex'));
      assert.ok(!(await kmuDialect.complete(t.host, ['genSymKey', '-t', '31'], '-')).includes('-t'));
      assert.deepEqual(await kmuDialect.complete(t.host, ['deleteKey', '-k'], ''), [], 'no handles without a login');
      await login('alice');
      const handles = await kmuDialect.complete(t.host, ['deleteKey', '-k'], '');
      assert.ok(handles.length > 5 && handles.every((h) => /^\d+$/.test(h)));
      assert.deepEqual(await kmuDialect.complete(t.host, ['sign', '-f'], ''), []);
      await ok('logoutHSM');
    });

    it('redacts the -p password and nothing else', () => {
      assert.equal(kmuDialect.redact('loginHSM -u CU -s alice -p Secret123!'), 'loginHSM -u CU -s alice -p ****');
      assert.equal(kmuDialect.redact('loginHSM -p "a b c" -u CU -s alice'), 'loginHSM -p **** -u CU -s alice');
      assert.equal(kmuDialect.redact('genRSAKeyPair -m 2048 -e 65537 -l pubkey'), 'genRSAKeyPair -m 2048 -e 65537 -l pubkey');
    });

    it('uses the Command: prompt and leaves on exit', async () => {
      assert.equal(kmuDialect.prompt(t.host), 'Command: ');
      assert.equal((await runLines(kmuDialect, t.host, ['exit']))[0], 'quit');
    });
  });
});
