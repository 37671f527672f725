/**
 * The key rules as an attacker tries them: random sequences of permitted commands (attribute
 * changes, shares, wraps under any wrapping key, unwraps into new keys, decryption by the owner
 * or a sharee) run against a cluster, and no output of any of them may ever hold the bytes of a
 * key that must never leave in the clear (fast-check). The sequences that broke the rules before
 * (wrap, then wrap=false decrypt=true, then decrypt; or clone the wrapping key and decrypt with
 * the clone) are among what it tries, and one test spells each out.
 */
import fc from 'fast-check';
import { propertyRuns } from '../../support/property.js';
import { perform, type Caller } from '../../../src/core/engine.js';
import { quickstart } from '../../../src/core/cluster/quickstart.js';
import { decrypt } from '../../../src/core/keys/data-operations.js';
import { generateKeyPair, generateSymmetric } from '../../../src/core/keys/generate.js';
import { unwrapKey, wrapKey, type WrappedKey } from '../../../src/core/keys/wrap.js';
import { byLabel } from '../../../src/core/keys/selector.js';
import { createUser, login } from '../../../src/core/users/operations.js';
import { testContext } from '../../support/helpers.js';
import { attempter, freshCopy, runSequence } from '../../support/sequences.js';

type Who = 'alice' | 'bob';
const WRAPPERS = ['kek', 'kek2', 'rsa-pub'] as const;
type Blob = { under: (typeof WRAPPERS)[number]; mechanism: string; data: Uint8Array; iv?: string };

type Step =
  | { kind: 'set'; label: 'kek' | 'kek2' | 'rsa-priv' | 'rsa-pub'; name: 'wrap' | 'unwrap' | 'decrypt' | 'encrypt'; value: boolean }
  | { kind: 'share'; label: 'kek' | 'kek2' | 'rsa-priv' }
  | { kind: 'wrap'; payload: 'target' | 'kek' | 'kek2'; under: (typeof WRAPPERS)[number]; mechanism: 'aes-gcm' | 'aes-no-pad' | 'aes-pkcs5-pad' | 'rsa-oaep' }
  | { kind: 'unwrap'; blob: number; as: 'aes' | 'generic-secret' }
  | { kind: 'decrypt'; who: Who; blob: number; with: 'kek' | 'kek2' | 'rsa-priv' | 'clone' };

const step: fc.Arbitrary<Step> = fc.oneof(
  fc.record({ kind: fc.constant('set' as const), label: fc.constantFrom('kek' as const, 'kek2' as const, 'rsa-priv' as const, 'rsa-pub' as const), name: fc.constantFrom('wrap' as const, 'unwrap' as const, 'decrypt' as const, 'encrypt' as const), value: fc.boolean() }),
  fc.record({ kind: fc.constant('share' as const), label: fc.constantFrom('kek' as const, 'kek2' as const, 'rsa-priv' as const) }),
  fc.record({ kind: fc.constant('wrap' as const), payload: fc.constantFrom('target' as const, 'kek' as const, 'kek2' as const), under: fc.constantFrom(...WRAPPERS), mechanism: fc.constantFrom('aes-gcm' as const, 'aes-no-pad' as const, 'aes-pkcs5-pad' as const, 'rsa-oaep' as const) }),
  fc.record({ kind: fc.constant('unwrap' as const), blob: fc.nat(5), as: fc.constantFrom('aes' as const, 'generic-secret' as const) }),
  fc.record({ kind: fc.constant('decrypt' as const), who: fc.constantFrom('alice' as const, 'bob' as const), blob: fc.nat(5), with: fc.constantFrom('kek' as const, 'kek2' as const, 'rsa-priv' as const, 'clone' as const) }),
);

describe('core/keys: sequences of permitted commands never bring a key out in the clear (property-based)', function () {
  this.timeout(300_000);
  let template: string;
  let templateClock: number;
  let sessions: Record<Who, Caller['session']>;

  before(async () => {
    const ctx = await testContext('sequences');
    template = ctx.dir;
    await quickstart(ctx, { password: 'Admin123!' });
    const admin: Caller = { credentials: { username: 'admin', password: 'Admin123!', role: 'admin' } };
    const logins = {} as Record<Who, Caller['session']>;
    for (const who of ['alice', 'bob'] as const) {
      await perform(ctx, createUser, { username: who, role: 'crypto-user', password: `${who}-Pass1` }, admin);
      logins[who] = (await perform(ctx, login, { credentials: { username: who, password: `${who}-Pass1`, role: 'crypto-user' }, sessionPid: process.pid })).session;
    }
    sessions = logins;
    const alice: Caller = { session: logins.alice, sessionKeys: new Map() };
    const both = ['wrap=true', 'unwrap=true', 'encrypt=true', 'decrypt=true'];
    await perform(ctx, generateSymmetric, { keyType: 'aes', label: 'target', keyLengthBytes: 32 }, alice);
    await perform(ctx, generateSymmetric, { keyType: 'aes', label: 'kek', keyLengthBytes: 32, attributes: both }, alice);
    await perform(ctx, generateSymmetric, { keyType: 'aes', label: 'kek2', keyLengthBytes: 32, attributes: both }, alice);
    await perform(ctx, generateKeyPair, { keyType: 'rsa', modulusSizeBits: 2048, publicExponent: '65537', publicLabel: 'rsa-pub', privateLabel: 'rsa-priv', publicAttributes: ['wrap=true', 'encrypt=true'], privateAttributes: ['unwrap=true', 'decrypt=true'] }, alice);
    templateClock = ctx.now();
  });

  async function runSteps(steps: Step[]): Promise<void> {
    const { ctx, keys } = await freshCopy(template, 'seq', templateClock);
    // What must never come out: the target's bytes, and the wrapping keys' own bytes.
    const secrets = keys.filter((k) => k.class === 'secret-key').map((k) => Buffer.from(k.material, 'base64').toString('hex'));
    const callers: Record<Who, Caller> = { alice: { session: sessions.alice, sessionKeys: new Map() }, bob: { session: sessions.bob, sessionKeys: new Map() } };
    const blobs: Blob[] = [];
    let clone: string | undefined;
    let clones = 0;
    const attempt = attempter(() => secrets, steps);
    await runSequence(steps, { ctx, alice: callers.alice, attempt }, async (s) => {
      switch (s.kind) {
        case 'wrap': {
          const parameters = s.mechanism === 'aes-gcm' ? { tagLengthBits: 128 } : s.mechanism === 'rsa-oaep' ? { hash: 'sha256', mgf: 'mgf1-sha256' } : {};
          const r = (await attempt('wrap', () => perform(ctx, wrapKey, { mechanism: s.mechanism, payloadFilter: byLabel(s.payload), wrappingFilter: byLabel(s.under), ...parameters }, callers.alice))) as WrappedKey | undefined;
          if (r) blobs.push({ under: s.under, mechanism: s.mechanism, data: r.wrapped, iv: r.iv && `0x${Buffer.from(r.iv).toString('hex')}` });
          break;
        }
        case 'unwrap': {
          const blob = blobs[s.blob % Math.max(1, blobs.length)];
          if (!blob) break;
          const filter = blob.under === 'rsa-pub' ? 'rsa-priv' : blob.under;
          const parameters = blob.mechanism === 'aes-gcm' ? { tagLengthBits: 128, iv: blob.iv } : blob.mechanism === 'rsa-oaep' ? { hash: 'sha256', mgf: 'mgf1-sha256' } : {};
          const label = `clone-${clones++}`;
          const made = await attempt('unwrap', () => perform(ctx, unwrapKey, { mechanism: blob.mechanism, filter: byLabel(filter), data: blob.data, keyTypeClass: s.as, label, attributes: ['decrypt=true', 'encrypt=true', 'wrap=true', 'unwrap=true'], ...parameters } as never, callers.alice));
          if (made) clone = label;
          break;
        }
        case 'decrypt': {
          const blob = blobs[s.blob % Math.max(1, blobs.length)];
          if (!blob) break;
          const key = s.with === 'clone' ? clone : s.with;
          if (!key) break;
          const data = blob.data;
          let input: Record<string, unknown>;
          if (blob.mechanism === 'aes-gcm') input = { mechanism: 'aes-gcm', data: data.subarray(0, data.length - 16), iv: blob.iv, tag: `0x${Buffer.from(data.subarray(data.length - 16)).toString('hex')}` };
          else if (blob.mechanism === 'rsa-oaep') input = { mechanism: 'rsa-oaep', data, hash: 'sha256', mgf: 'mgf1-sha256' };
          else input = { mechanism: 'aes-key-wrap', data };
          await attempt(`decrypt by ${s.who} with ${key}`, () => perform(ctx, decrypt, { keyFilter: byLabel(key), ...input } as never, callers[s.who]));
          break;
        }
      }
    })
  }

  it('the sequences that broke the rule before are refused: toggle attributes after a wrap, or decrypt with a clone of the wrapping key', async () => {
    await runSteps([
      { kind: 'wrap', payload: 'target', under: 'kek', mechanism: 'aes-no-pad' },
      { kind: 'set', label: 'kek', name: 'wrap', value: false },
      { kind: 'set', label: 'kek', name: 'decrypt', value: true },
      { kind: 'share', label: 'kek' },
      { kind: 'decrypt', who: 'alice', blob: 0, with: 'kek' },
      { kind: 'decrypt', who: 'bob', blob: 0, with: 'kek' },
      // Clone kek: wrap it under kek2 and unwrap it again, then decrypt the target's blob with the clone.
      { kind: 'wrap', payload: 'kek', under: 'kek2', mechanism: 'aes-no-pad' },
      { kind: 'unwrap', blob: 1, as: 'aes' },
      { kind: 'decrypt', who: 'alice', blob: 0, with: 'clone' },
      { kind: 'wrap', payload: 'target', under: 'rsa-pub', mechanism: 'rsa-oaep' },
      { kind: 'decrypt', who: 'alice', blob: 2, with: 'rsa-priv' },
    ]);
  });

  it('no random sequence of permitted commands prints a secret key in the clear', async () => {
    await fc.assert(fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 14 }), (steps) => runSteps(steps)), { numRuns: propertyRuns(30) });
  });
});
