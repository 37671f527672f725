/**
 * Attacker's sequences against the PKCS #11 server found in review: state a connection keeps
 * across a change of user, and memory a client can make the server hold.
 */
import assert from 'node:assert/strict';
import { perform, type Caller } from '../../../src/core/engine.js';
import { generateSymmetric } from '../../../src/core/keys/generate.js';
import { shareKey } from '../../../src/core/keys/operations.js';
import { byReference } from '../../../src/core/keys/selector.js';
import { CALL_IDS, encodeFrame, encodeMessage } from '../../../src/server/pkcs11/rpc.js';
import { CKA, CKM, CKR, CKU } from '../../../src/server/pkcs11/constants.js';
import { pkcs11ServerLoad } from '../../../src/server/pkcs11/server.js';
import { ALICE_PIN, BOB_PIN, bytes, noParams, pkcs11Fixture, ulong, type Pkcs11Fixture } from '../../support/pkcs11-client.js';

describe('PKCS #11 server: review sequences', function () {
  this.timeout(120_000);
  let fixture: Pkcs11Fixture;
  const alice: Caller = { credentials: { username: 'alice', password: 'alice-Pass1', role: 'crypto-user' } };
  const aes = async (label: string, attributes: string[] = []) =>
    BigInt((await perform(fixture.ctx, generateSymmetric, { clusterId: fixture.clusterId, keyType: 'aes', label, keyLengthBytes: 32, attributes }, alice)).key.ref);

  before(async () => {
    fixture = await pkcs11Fixture();
  });
  after(() => fixture.close());

  it('a wrap kept from alice\'s size query is not handed to bob after he logs in on the same session', async () => {
    const kek = await aes('review-kek', ['wrap=true', 'unwrap=true']);
    const payload = await aes('review-payload');
    for (const key of [kek, payload]) {
      await perform(fixture.ctx, shareKey, { clusterId: fixture.clusterId, filter: byReference(Number(key)), username: 'bob', role: 'crypto-user' }, alice);
    }
    const c = await fixture.open();
    const s = await c.session(ALICE_PIN);
    const m = noParams(CKM.AES_KEY_WRAP);
    const [size] = await c.ok('C_WrapKey', [s, m, kek, payload, 0]);
    assert.equal((size as { length: number }).length, 40);
    await c.ok('C_Logout', [s]);
    await c.ok('C_Login', [s, BigInt(CKU.USER), { bytes: new Uint8Array(Buffer.from(BOB_PIN)) }]);
    // Bob, a sharee, may not wrap alice's key out (only the owner wraps), as he is refused without the size query.
    assert.equal(await c.ckr('C_WrapKey', [s, m, kek, payload, 100]), CKR.KEY_FUNCTION_NOT_PERMITTED);
  });

  it('a PIN given the wrong way round (password:username) does not reach the log through the refusal\'s message', async () => {
    const c = await fixture.open();
    const [s] = await c.ok('C_OpenSession', [0n, 6n]);
    assert.equal(await c.ckr('C_Login', [s!, BigInt(CKU.USER), { bytes: new Uint8Array(Buffer.from('Tr0ubadour7x:alice')) }]), CKR.PIN_INCORRECT);
    assert.ok(!fixture.logged.some((l) => l.toLowerCase().includes('tr0ubadour7x')), `the password was logged: ${fixture.logged.filter((l) => l.includes('C_Login')).join(' | ')}`);
  });

  it('a client that does not read its answers cannot make the server buffer them without bound', async () => {
    const c = await fixture.open();
    const s = await c.session(ALICE_PIN);
    // 1 MiB of random per 33-byte request, the answers left unread.
    (c as unknown as { socket: import('node:net').Socket }).socket.pause();
    const request = encodeFrame(0x7fff0000, new Uint8Array(0), encodeMessage(CALL_IDS['C_GenerateRandom']!, 'request', [s, 1024 * 1024]));
    // What the server made for this client: the random bytes its C_GenerateRandom calls drew (a
    // count that does not depend on when the garbage collector runs, as memory figures do).
    const random = fixture.ctx.random;
    let drawn = 0;
    fixture.ctx.random = (n: number) => {
      drawn += n;
      return random(n);
    };
    try {
      for (let i = 0; i < 160; i++) c.writeRaw(request);
      await new Promise((r) => setTimeout(r, 3000));
    } finally {
      fixture.ctx.random = random;
      c.close();
    }
    assert.ok(drawn < 48 * 1024 * 1024, `the server answered ${Math.round(drawn / 2 ** 20)} MiB of random for a client that read none of it`);
  });

  it('the parts gathered for multi-part operations are bounded for the connection, not per session only', async () => {
    const c = await fixture.open();
    const part = { bytes: new Uint8Array(8 * 1024 * 1024) };
    const sessions: bigint[] = [];
    const first = await c.session(ALICE_PIN);
    sessions.push(first);
    for (let i = 0; i < 3; i++) sessions.push((await c.ok('C_OpenSession', [0n, 6n]))[0] as bigint);
    let refused = 0;
    // Four sessions of 64 MiB each would be 256 MiB held for one client; the connection's budget stops it sooner.
    for (const s of sessions) {
      await c.ok('C_DigestInit', [s, noParams(0x250)]);
      for (let i = 0; i < 8; i++) {
        const ckr = await c.ckr('C_DigestUpdate', [s, part]);
        if (ckr !== CKR.OK) {
          refused++;
          assert.equal(ckr, CKR.DEVICE_MEMORY, `refused with 0x${ckr.toString(16)}`);
          break;
        }
      }
    }
    // Two operations at their 64 MiB limit fill the 128 MiB budget: the third and fourth are refused.
    assert.equal(refused, 2, 'four sessions gathered 256 MiB for one connection');
    // Closing a session gives its share back.
    await c.ok('C_CloseSession', [sessions[1]!]);
    await c.ok('C_DigestInit', [sessions[2]!, noParams(0x250)]);
    assert.equal(await c.ckr('C_DigestUpdate', [sessions[2]!, part]), CKR.OK);
    c.close();
  });

  it('all applications together are bounded too: multi-part data across connections, and the number of connections', async () => {
    const MiB = 1024 * 1024;
    const small = await pkcs11Fixture({ limits: { connections: 3, connectionHeldBytes: 3 * MiB, serverHeldBytes: 4 * MiB } });
    try {
      const part = { bytes: new Uint8Array(MiB) };
      const [a, b, c] = [await small.open(), await small.open(), await small.open()];
      const digesting = async (client: typeof a) => {
        const s = await client.session(ALICE_PIN);
        await client.ok('C_DigestInit', [s, noParams(0x250)]);
        return s;
      };
      const [sa, sb, sc] = [await digesting(a), await digesting(b), await digesting(c)];
      for (const [client, s] of [[a, sa], [a, sa], [b, sb], [b, sb]] as const) assert.equal(await client.ckr('C_DigestUpdate', [s, part]), CKR.OK);
      // Each of a and b is within its own 3 MiB, but the server holds its 4 MiB: c is refused.
      assert.equal(await c.ckr('C_DigestUpdate', [sc, part]), CKR.DEVICE_MEMORY);
      await a.ok('C_DigestFinal', [sa, 64]);
      // The refusal ended c's operation (PKCS #11 §5.12); started again, it fits now.
      await c.ok('C_DigestInit', [sc, noParams(0x250)]);
      assert.equal(await c.ckr('C_DigestUpdate', [sc, part]), CKR.OK);
      // A fourth application is turned away, and the log says why; once one leaves, another may come.
      await assert.rejects(small.open(), /closed the connection/);
      assert.ok(small.logged.some((line) => /refusing a connection: 3 applications are connected/.test(line)));
      b.close();
      // Until the server has seen b go (a turn of the event loop each time, so that it can).
      const connections = () => new Promise<number>((resolve, reject) => setImmediate(() => small.server.getConnections((err, count) => (err ? reject(err) : resolve(count)))));
      while ((await connections()) >= 3);
      const d = await small.open();
      assert.equal(await d.ckr('C_DigestInit', [await d.session(ALICE_PIN), noParams(0x250)]), CKR.OK);
    } finally {
      small.close();
    }
  });

  it('requests read but not yet answered are bounded across all applications, and every request is still answered', async () => {
    const KiB = 1024;
    const limit = 64 * KiB;
    const small = await pkcs11Fixture({ limits: { serverUnansweredBytes: limit } });
    try {
      const [a, b] = [await small.open(), await small.open()];
      const [sa, sb] = [await a.session(ALICE_PIN), await b.session(ALICE_PIN)];
      // a's RSA key pair is made off the event loop: meanwhile the server would go on reading a's
      // and b's 640 KiB of requests queued behind it, were reading not stopped at the bound.
      const big = { bytes: new Uint8Array(16 * KiB) };
      const calls = [a.call('C_GenerateKeyPair', [sa, noParams(CKM.RSA_PKCS_KEY_PAIR_GEN), [ulong(CKA.MODULUS_BITS, 2048), bytes(CKA.LABEL, 'load')], []])];
      for (let i = 0; i < 40; i++) calls.push(a.call('C_DigestUpdate', [sa, big]), b.call('C_DigestUpdate', [sb, big]));
      const answers = await Promise.all(calls);
      assert.equal(answers[0]!.ckr, CKR.OK);
      assert.ok(answers.slice(1).every((r) => r.ckr === CKR.OPERATION_NOT_INITIALIZED));
      const load = pkcs11ServerLoad(small.server)!;
      assert.equal(load.unansweredBytes, 0);
      // The bound, plus what one read of each connection can bring in before it stops (a socket read is at most 64 KiB, and a frame 16 KiB more).
      assert.ok(load.peakUnansweredBytes <= limit + 2 * (64 + 17) * KiB, `the server held ${Math.round(load.peakUnansweredBytes / KiB)} KiB of unanswered requests`);
    } finally {
      small.close();
    }
  });
});
