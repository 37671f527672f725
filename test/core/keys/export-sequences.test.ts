/**
 * Plaintext export as an attacker tries it: random sequences of permitted commands (attribute
 * changes, shares, an admin's trust, wraps, unwraps into clones that ask for extractable=true,
 * decryption of wrapped blobs, masked objects extracted and inserted again (some changed on the
 * way), plaintext exports by the owner or a sharee through any wrapping key, with or without the
 * host holding its bytes) run against a cluster (fast-check). No output may
 * ever hold the bytes of a key created non-extractable (a secret key or an EC private key), and
 * the bytes of a wrap-with-trusted key may come out only once some wrapping key has been trusted.
 */
import assert from 'node:assert/strict';
import { propertyRuns } from '../../support/property.js';
import fc from 'fast-check';
import { perform, type Caller } from '../../../src/core/engine.js';
import { decrypt } from '../../../src/core/keys/data-operations.js';
import { generateKeyPair, generateSymmetric } from '../../../src/core/keys/generate.js';
import type { KeyRecord } from '../../../src/core/keys/model.js';
import { setAttribute } from '../../../src/core/keys/operations.js';
import { exportPlaintextKey } from '../../../src/core/keys/plaintext.js';
import { byLabel, byReference } from '../../../src/core/keys/selector.js';
import { extractMaskedObject, insertMaskedObject } from '../../../src/core/keys/masking.js';
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
/** A key a step names: a fixed one, or the latest unwrapped clone or inserted copy. */
type Named = (typeof SECRETS)[number] | 'ec-nex' | 'kek' | 'clone' | 'inserted';

type Step =
  | { kind: 'set'; label: Wrapper | (typeof SECRETS)[number]; name: 'wrap' | 'unwrap' | 'decrypt' | 'encrypt' | 'extractable' | 'wrap-with-trusted'; value: boolean }
  | { kind: 'share'; label: Wrapper | (typeof SECRETS)[number] | 'ec-nex' }
  | { kind: 'trust'; label: Wrapper; value: boolean }
  | { kind: 'wrap'; payload: (typeof SECRETS)[number] | 'ec-nex' | 'kek'; under: Wrapper; mechanism: Blob['mechanism'] }
  | { kind: 'unwrap'; blob: number; as: 'aes' | 'generic-secret'; extractable: boolean }
  | { kind: 'decrypt'; who: Who; blob: number; with: Wrapper | 'clone' }
  | { kind: 'export'; who: Who; key: Named; with: Wrapper | 'clone' | 'inserted'; host: boolean }
  | { kind: 'mask'; who: Who | 'admin'; key: Named }
  | { kind: 'insert'; who: Who | 'admin'; masked: number; flip: boolean };

const label = fc.constantFrom(...WRAPPERS, ...SECRETS);
/** The keys the rules keep in, and the copies a sequence makes of them, come up most often. */
const named: fc.Arbitrary<Named> = fc.oneof(
  { weight: 2, arbitrary: fc.constantFrom('nex' as const, 'ec-nex' as const, 'clone' as const) },
  { weight: 2, arbitrary: fc.constant('inserted' as const) },
  { weight: 1, arbitrary: fc.constantFrom('target' as const, 'wwt' as const, 'kek' as const) },
);
/** Mostly the owner, who may do the most. */
const who = fc.constantFrom('alice' as const, 'alice' as const, 'bob' as const);
/** Exports and masked objects weigh more: they are what this test is about. */
const step: fc.Arbitrary<Step> = fc.oneof(
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('set' as const), label, name: fc.constantFrom('wrap' as const, 'unwrap' as const, 'decrypt' as const, 'encrypt' as const, 'extractable' as const, 'wrap-with-trusted' as const), value: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('share' as const), label: fc.constantFrom(...WRAPPERS, ...SECRETS, 'ec-nex' as const) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('trust' as const), label: fc.constantFrom(...WRAPPERS), value: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('wrap' as const), payload: fc.constantFrom(...SECRETS, 'ec-nex' as const, 'kek' as const), under: fc.constantFrom(...WRAPPERS), mechanism: fc.constantFrom('aes-no-pad' as const, 'aes-pkcs5-pad' as const) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('unwrap' as const), blob: fc.nat(5), as: fc.constantFrom('aes' as const, 'generic-secret' as const), extractable: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('decrypt' as const), who: fc.constantFrom('alice' as const, 'bob' as const), blob: fc.nat(5), with: fc.constantFrom(...WRAPPERS, 'clone' as const) }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('export' as const), who, key: named, with: fc.constantFrom(...WRAPPERS, 'clone' as const, 'inserted' as const), host: fc.boolean() }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('mask' as const), who: fc.oneof(who, fc.constant('admin' as const)), key: named }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('insert' as const), who: fc.oneof(who, fc.constant('admin' as const)), masked: fc.nat(3), flip: fc.boolean() }) },
);

describe('core/keys: sequences of permitted commands never export a key the rules keep in (property-based)', function () {
  this.timeout(300_000);
  let template: string;
  let templateClock: number;
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
    templateClock = ctx.now();
  });

  async function runSteps(steps: Step[]): Promise<void> {
    const { ctx, keys } = await freshCopy(template, 'export-seq', templateClock);
    const bytes = new Map(keys.map((k) => [k.label, Buffer.from(k.material, 'base64').toString('hex')]));
    const callers: Record<Who | 'admin', Caller> = {
      alice: { session: sessions.alice, sessionKeys: new Map() },
      bob: { session: sessions.bob, sessionKeys: new Map() },
      admin: { session: sessions.admin },
    };
    const blobs: Blob[] = [];
    const maskedObjects: Uint8Array[] = [];
    let clone: string | undefined;
    let inserted: string | undefined;
    let insertedClass: string | undefined;
    let clones = 0;
    let trustedEver = false;
    const resolve = (name: Named | Wrapper): string | undefined => (name === 'clone' ? clone : name === 'inserted' ? inserted : name);
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
          const key = resolve(s.with);
          if (!blob || !key) break;
          await attempt(`decrypt by ${s.who} with ${key}`, () => perform(ctx, decrypt, { keyFilter: byLabel(key), mechanism: 'aes-key-wrap', data: blob.data }, callers[s.who]));
          break;
        }
        case 'export': {
          const key = resolve(s.key);
          const wrapping = resolve(s.with);
          if (!key || !wrapping) break;
          const hostUnwrapKey = s.host ? await hostBytes(wrapping) : undefined;
          const keyClass = key === 'ec-nex' || (key === inserted && insertedClass === 'private-key') ? 'private-key' : 'secret-key';
          await attempt(`export of ${key} by ${s.who} through ${wrapping}`, () =>
            perform(ctx, exportPlaintextKey, { payloadFilter: byLabel(key), keyClass, wrappingFilter: byLabel(wrapping), ...(hostUnwrapKey ? { hostUnwrapKey } : {}) }, callers[s.who]),
          );
          break;
        }
        case 'mask': {
          const key = resolve(s.key);
          if (!key) break;
          const r = (await attempt(`mask of ${key} by ${s.who}`, () => perform(ctx, extractMaskedObject, { filter: byLabel(key) }, callers[s.who]))) as { masked: Uint8Array } | undefined;
          if (r) maskedObjects.push(r.masked);
          break;
        }
        case 'insert': {
          const masked = maskedObjects[s.masked % Math.max(1, maskedObjects.length)]?.slice();
          if (!masked) break;
          if (s.flip) masked[masked.length - 1]! ^= 1;
          const r = (await attempt(`insert by ${s.who}`, () => perform(ctx, insertMaskedObject, { masked }, callers[s.who]))) as { key: { ref: number; owner: string; class: string } } | undefined;
          if (!r) break;
          assert.ok(!s.flip, 'a changed masked object was inserted');
          // The copy keeps the label; its owner names it apart, so that later steps select one key.
          const name = `inserted-${clones++}`;
          await perform(ctx, setAttribute, { filter: byReference(r.key.ref), name: 'label', value: name }, { session: sessions[r.key.owner as Who], sessionKeys: new Map() });
          inserted = name;
          insertedClass = r.key.class;
          break;
        }
      }
    });
  }

  it('the direct attempts are refused: export a non-extractable key, make it extractable, wrap it to unwrap an extractable clone, export a wrap-with-trusted key through an untrusted key, export a masked copy', async () => {
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
      // A masked copy of a non-extractable key stays non-extractable; a changed masked object is refused.
      { kind: 'mask', who: 'alice', key: 'nex' },
      { kind: 'insert', who: 'alice', masked: 0, flip: true },
      { kind: 'insert', who: 'alice', masked: 0, flip: false },
      { kind: 'set', label: 'nex', name: 'extractable', value: true },
      { kind: 'export', who: 'alice', key: 'inserted', with: 'kek', host: false },
      { kind: 'mask', who: 'admin', key: 'ec-nex' },
      { kind: 'insert', who: 'admin', masked: 1, flip: false },
      { kind: 'export', who: 'alice', key: 'inserted', with: 'kek', host: true },
    ]);
  });

  it('no random sequence of permitted commands exports what the rules keep in', async () => {
    await fc.assert(fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 16 }), (steps) => runSteps(steps)), { numRuns: propertyRuns(40) });
  });
});
