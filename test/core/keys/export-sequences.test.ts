/**
 * Plaintext export as an attacker tries it: random sequences of permitted commands (attribute
 * changes, shares, an admin's trust, wraps, unwraps into clones that ask for extractable=true,
 * decryption of wrapped blobs, plaintext exports by the owner or a sharee through any wrapping key,
 * with or without the host holding its bytes) run against a cluster (fast-check). No output may
 * ever hold the bytes of a key created non-extractable (a secret key or an EC private key), and
 * the bytes of a wrap-with-trusted key may come out only once some wrapping key has been trusted.
 */
import fc from 'fast-check';
import { perform, type Caller } from '../../../src/core/engine.js';
import { decrypt } from '../../../src/core/keys/data-operations.js';
import { generateKeyPair, generateSymmetric } from '../../../src/core/keys/generate.js';
import type { KeyRecord } from '../../../src/core/keys/model.js';
import { setAttribute } from '../../../src/core/keys/operations.js';
import { exportPlaintextKey } from '../../../src/core/keys/plaintext.js';
import { byLabel } from '../../../src/core/keys/selector.js';
import { unwrapKey, wrapKey, type WrappedKey } from '../../../src/core/keys/wrap.js';
import { login } from '../../../src/core/users/operations.js';
import { attempter, freshCopy, runSequence } from '../../support/sequences.js';
import { clusterContext } from '../../support/templates.js';

type Who = 'alice' | 'bob';
const USERS = { alice: 'alice-Pass1', bob: 'bob-Pass1' };
const WRAPPERS = ['kek', 'kek2'] as const;
type Wrapper = (typeof WRAPPERS)[number];
const SECRETS = ['target', 'nex', 'wwt'] as const;
type Blob = { under: Wrapper; mechanism: 'aes-no-pad' | 'aes-pkcs5-pad'; data: Uint8Array };

type Step =
  | { kind: 'set'; label: Wrapper | (typeof SECRETS)[number]; name: 'wrap' | 'unwrap' | 'decrypt' | 'encrypt' | 'extractable' | 'wrap-with-trusted'; value: boolean }
  | { kind: 'share'; label: Wrapper | (typeof SECRETS)[number] | 'ec-nex' }
  | { kind: 'trust'; label: Wrapper; value: boolean }
  | { kind: 'wrap'; payload: (typeof SECRETS)[number] | 'ec-nex' | 'kek'; under: Wrapper; mechanism: Blob['mechanism'] }
  | { kind: 'unwrap'; blob: number; as: 'aes' | 'generic-secret'; extractable: boolean }
  | { kind: 'decrypt'; who: Who; blob: number; with: Wrapper | 'clone' }
  | { kind: 'export'; who: Who; key: (typeof SECRETS)[number] | 'ec-nex' | 'clone' | 'kek'; with: Wrapper | 'clone'; host: boolean };

const label = fc.constantFrom(...WRAPPERS, ...SECRETS);
const step: fc.Arbitrary<Step> = fc.oneof(
  fc.record({ kind: fc.constant('set' as const), label, name: fc.constantFrom('wrap' as const, 'unwrap' as const, 'decrypt' as const, 'encrypt' as const, 'extractable' as const, 'wrap-with-trusted' as const), value: fc.boolean() }),
  fc.record({ kind: fc.constant('share' as const), label: fc.constantFrom(...WRAPPERS, ...SECRETS, 'ec-nex' as const) }),
  fc.record({ kind: fc.constant('trust' as const), label: fc.constantFrom(...WRAPPERS), value: fc.boolean() }),
  fc.record({ kind: fc.constant('wrap' as const), payload: fc.constantFrom(...SECRETS, 'ec-nex' as const, 'kek' as const), under: fc.constantFrom(...WRAPPERS), mechanism: fc.constantFrom('aes-no-pad' as const, 'aes-pkcs5-pad' as const) }),
  fc.record({ kind: fc.constant('unwrap' as const), blob: fc.nat(5), as: fc.constantFrom('aes' as const, 'generic-secret' as const), extractable: fc.boolean() }),
  fc.record({ kind: fc.constant('decrypt' as const), who: fc.constantFrom('alice' as const, 'bob' as const), blob: fc.nat(5), with: fc.constantFrom(...WRAPPERS, 'clone' as const) }),
  fc.record({ kind: fc.constant('export' as const), who: fc.constantFrom('alice' as const, 'bob' as const), key: fc.constantFrom(...SECRETS, 'ec-nex' as const, 'clone' as const, 'kek' as const), with: fc.constantFrom(...WRAPPERS, 'clone' as const), host: fc.boolean() }),
);

describe('core/keys: sequences of permitted commands never export a key the rules keep in (property-based)', function () {
  this.timeout(300_000);
  let template: string;
  let sessions: Record<Who | 'admin', Caller['session']>;

  before(async () => {
    const ctx = await clusterContext({ hsmType: 'hsm1.medium', cryptoUsers: USERS });
    template = ctx.dir;
    const logins = {} as Record<Who | 'admin', Caller['session']>;
    for (const [who, password, role] of [['alice', USERS.alice, 'crypto-user'], ['bob', USERS.bob, 'crypto-user'], ['admin', 'Admin123!', 'admin']] as const) {
      logins[who] = (await perform(ctx, login, { credentials: { username: who, password, role }, sessionPid: process.pid })).session;
    }
    sessions = logins;
    const alice: Caller = { session: logins.alice, sessionKeys: new Map() };
    const both = ['wrap=true', 'unwrap=true', 'encrypt=true', 'decrypt=true'];
    for (const kek of WRAPPERS) await perform(ctx, generateSymmetric, { keyType: 'aes', label: kek, keyLengthBytes: 32, attributes: both }, alice);
    await perform(ctx, generateSymmetric, { keyType: 'aes', label: 'target', keyLengthBytes: 16 }, alice);
    await perform(ctx, generateSymmetric, { keyType: 'aes', label: 'nex', keyLengthBytes: 32, attributes: [...both, 'extractable=false'] }, alice);
    await perform(ctx, generateSymmetric, { keyType: 'des3', label: 'wwt', keyLengthBytes: 24, attributes: ['wrap-with-trusted=true'] }, alice);
    await perform(ctx, generateKeyPair, { keyType: 'ec', curve: 'secp256r1', publicLabel: 'ec-pub', privateLabel: 'ec-nex', privateAttributes: ['extractable=false'] }, alice);
  });

  async function runSteps(steps: Step[]): Promise<void> {
    const { ctx, keys } = await freshCopy(template, 'export-seq');
    const bytes = new Map(keys.map((k) => [k.label, Buffer.from(k.material, 'base64').toString('hex')]));
    const callers: Record<Who | 'admin', Caller> = {
      alice: { session: sessions.alice, sessionKeys: new Map() },
      bob: { session: sessions.bob, sessionKeys: new Map() },
      admin: { session: sessions.admin },
    };
    const blobs: Blob[] = [];
    let clone: string | undefined;
    let clones = 0;
    let trustedEver = false;
    const attempt = attempter(() => ['nex', 'ec-nex', ...(trustedEver ? [] : ['wwt'])].map((name) => bytes.get(name)!), steps);
    const hostBytes = async (name: string): Promise<Uint8Array | undefined> => {
      const keys = await ctx.store.read((v) => v.list<KeyRecord>('key/'));
      const found = keys.find(([, k]) => k.label === name);
      return found && new Uint8Array(Buffer.from(found[1].material, 'base64'));
    };
    await runSequence(steps, { ctx, alice: callers.alice, attempt }, async (s) => {
      switch (s.kind) {
        case 'trust':
          if (await attempt('trust', () => perform(ctx, setAttribute, { filter: byLabel(s.label), name: 'trusted', value: String(s.value) }, callers.admin))) trustedEver ||= s.value;
          break;
        case 'wrap': {
          const r = (await attempt('wrap', () => perform(ctx, wrapKey, { mechanism: s.mechanism, payloadFilter: byLabel(s.payload), wrappingFilter: byLabel(s.under) }, callers.alice))) as WrappedKey | undefined;
          if (r) blobs.push({ under: s.under, mechanism: s.mechanism, data: r.wrapped });
          break;
        }
        case 'unwrap': {
          const blob = blobs[s.blob % Math.max(1, blobs.length)];
          if (!blob) break;
          const name = `clone-${clones++}`;
          const attributes = ['decrypt=true', 'encrypt=true', 'wrap=true', 'unwrap=true', `extractable=${s.extractable}`];
          if (await attempt('unwrap', () => perform(ctx, unwrapKey, { mechanism: blob.mechanism, filter: byLabel(blob.under), data: blob.data, keyTypeClass: s.as, label: name, attributes }, callers.alice))) clone = name;
          break;
        }
        case 'decrypt': {
          const blob = blobs[s.blob % Math.max(1, blobs.length)];
          const key = s.with === 'clone' ? clone : s.with;
          if (!blob || !key) break;
          await attempt(`decrypt by ${s.who} with ${key}`, () => perform(ctx, decrypt, { keyFilter: byLabel(key), mechanism: 'aes-key-wrap', data: blob.data }, callers[s.who]));
          break;
        }
        case 'export': {
          const key = s.key === 'clone' ? clone : s.key;
          const wrapping = s.with === 'clone' ? clone : s.with;
          if (!key || !wrapping) break;
          const hostUnwrapKey = s.host ? await hostBytes(wrapping) : undefined;
          const keyClass = key === 'ec-nex' ? 'private-key' : 'secret-key';
          await attempt(`export of ${key} by ${s.who} through ${wrapping}`, () =>
            perform(ctx, exportPlaintextKey, { payloadFilter: byLabel(key), keyClass, wrappingFilter: byLabel(wrapping), ...(hostUnwrapKey ? { hostUnwrapKey } : {}) }, callers[s.who]),
          );
          break;
        }
      }
    })
  }

  it('the direct attempts are refused: export a non-extractable key, make it extractable, wrap it to unwrap an extractable clone, export a wrap-with-trusted key through an untrusted key', async () => {
    await runSteps([
      { kind: 'export', who: 'alice', key: 'nex', with: 'kek', host: false },
      { kind: 'export', who: 'alice', key: 'ec-nex', with: 'kek', host: true },
      { kind: 'set', label: 'nex', name: 'extractable', value: true },
      { kind: 'wrap', payload: 'nex', under: 'kek', mechanism: 'aes-no-pad' },
      { kind: 'wrap', payload: 'ec-nex', under: 'kek', mechanism: 'aes-pkcs5-pad' },
      { kind: 'export', who: 'alice', key: 'wwt', with: 'kek', host: false },
      { kind: 'wrap', payload: 'wwt', under: 'kek2', mechanism: 'aes-no-pad' },
      { kind: 'set', label: 'wwt', name: 'wrap-with-trusted', value: false },
      { kind: 'export', who: 'alice', key: 'wwt', with: 'kek2', host: true },
      // A sharee is no owner: sharing the wrapping key and the payload gives bob nothing to export.
      { kind: 'share', label: 'target' },
      { kind: 'share', label: 'kek' },
      { kind: 'export', who: 'bob', key: 'target', with: 'kek', host: false },
    ]);
  });

  it('no random sequence of permitted commands exports what the rules keep in', async () => {
    await fc.assert(fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 16 }), (steps) => runSteps(steps)), { numRuns: 80 });
  });
});
