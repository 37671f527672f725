/**
 * Quorum tokens against a simple model (fast-check): random sequences of token generation by an
 * admin's single commands, its shell session and another admin, uses with any set of approvers
 * (some signatures forged), clock steps past the timeout, the shell's logout and deletions. After
 * each step the model says whether a use succeeds and which tokens are listed: a token serves
 * once, only its user (and its session, when a shell made it), until it expires; a refused use
 * consumes nothing; one active token per user and service.
 */
import assert from 'node:assert/strict';
import { generateKeyPairSync, sign as rsaSign, type KeyObject } from 'node:crypto';
import fc from 'fast-check';
import { perform, type Caller } from '../../../src/core/engine.js';
import type { EngineContext } from '../../../src/core/context.js';
import { createUser, login, logout } from '../../../src/core/users/operations.js';
import { deleteTokens, generateToken, listTokens, registerQuorumKey, setQuorumValue } from '../../../src/core/quorum/operations.js';
import type { QuorumTokenFile, RegistrationTokenFile } from '../../../src/core/quorum/tokens.js';
import { advanceClock } from '../../../src/core/time/operations.js';
import { errorCode } from '../../support/helpers.js';
import { clusterContext } from '../../support/templates.js';
import { propertyRuns } from '../../support/property.js';

const PW = 'Quorum-Pass-1';
const ADMINS = ['admin', 'admin2', 'admin3'] as const;
type Admin = (typeof ADMINS)[number];
/** Who acts: admin by single commands, admin in its shell session, admin2 by single commands. */
type Who = 'single' | 'shell' | 'other';

type Step =
  | { kind: 'generate'; who: Who }
  | { kind: 'use'; token: number; who: Who; signers: Admin[]; forge: boolean }
  | { kind: 'expire' }
  | { kind: 'relogin' }
  | { kind: 'deleteAll' };

const who = fc.constantFrom<Who>('single', 'shell', 'other');
const step: fc.Arbitrary<Step> = fc.oneof(
  { weight: 3, arbitrary: who.map((w): Step => ({ kind: 'generate', who: w })) },
  {
    weight: 5,
    arbitrary: fc
      .record({
        token: fc.nat(20),
        who,
        // Mostly enough approvers, sometimes too few or one twice.
        signers: fc.oneof({ weight: 3, arbitrary: fc.shuffledSubarray<Admin>([...ADMINS], { minLength: 2 }) }, { weight: 1, arbitrary: fc.subarray<Admin>([...ADMINS, 'admin2']) }),
        forge: fc.integer({ min: 0, max: 4 }).map((n) => n === 0),
      })
      .map((r): Step => ({ kind: 'use', ...r, forge: r.forge && r.signers.length > 0 })),
  },
  { weight: 1, arbitrary: fc.constant<Step>({ kind: 'expire' }) },
  { weight: 1, arbitrary: fc.constant<Step>({ kind: 'relogin' }) },
  { weight: 1, arbitrary: fc.constant<Step>({ kind: 'deleteAll' }) },
);

interface ModelToken {
  file: QuorumTokenFile;
  owner: 'admin' | 'admin2';
  /** The shell login it was made in (its number), or none for a single command. */
  session?: number;
  live: boolean;
}

const KEYS = Object.fromEntries(ADMINS.map((a) => [a, generateKeyPairSync('rsa', { modulusLength: 2048 })])) as Record<Admin, { privateKey: KeyObject; publicKey: KeyObject }>;
const FORGER = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
const signature = (key: KeyObject, file: { approval_data: string }) => rsaSign('sha256', Buffer.from(file.approval_data, 'base64'), key).toString('base64');

async function runSequence(steps: Step[]): Promise<void> {
  const ctx: EngineContext = await clusterContext();
  const single: Caller = { credentials: { username: 'admin', password: 'Admin123!', role: 'admin' } };
  const other: Caller = { credentials: { username: 'admin2', password: PW, role: 'admin' } };
  for (const name of ['admin2', 'admin3']) await perform(ctx, createUser, { username: name, role: 'admin', password: PW }, single);
  for (const name of ADMINS) {
    const caller: Caller = { credentials: { username: name, password: name === 'admin' ? 'Admin123!' : PW, role: 'admin' } };
    const { token } = await perform(ctx, generateToken, { service: 'registration' }, caller);
    const file = token as RegistrationTokenFile;
    file.tokens[0]!.signed = signature(KEYS[name].privateKey, file.tokens[0]!);
    await perform(ctx, registerQuorumKey, { publicKeyPem: KEYS[name].publicKey.export({ type: 'spki', format: 'pem' }).toString(), signedToken: file }, caller);
  }
  await perform(ctx, setQuorumValue, { service: 'user', value: 2 }, single);
  const shellLogin = async () => (await perform(ctx, login, { credentials: { username: 'admin', password: 'Admin123!', role: 'admin' }, sessionPid: process.pid })).session!;
  let shell: Caller = { session: await shellLogin() };
  let shellNumber = 0;
  const callerOf = (w: Who): Caller => (w === 'single' ? single : w === 'shell' ? shell : other);
  const ownerOf = (w: Who) => (w === 'other' ? 'admin2' : 'admin');

  const tokens: ModelToken[] = [];
  let users = 0;
  const trace: string[] = [];
  for (const s of steps) {
    trace.push(JSON.stringify(s));
    const where = () => trace.join('\n');
    switch (s.kind) {
      case 'generate': {
        const owner = ownerOf(s.who);
        const held = tokens.some((t) => t.live && t.owner === owner);
        const result = await errorCode(perform(ctx, generateToken, { service: 'user' }, callerOf(s.who)).then(({ token }) => {
          tokens.push({ file: token as QuorumTokenFile, owner, session: s.who === 'shell' ? shellNumber : undefined, live: true });
        }));
        assert.equal(result, held ? 'QUORUM_FAILED' : undefined, where());
        break;
      }
      case 'use': {
        // Any token made so far: the newest most often.
        if (tokens.length === 0) break;
        const token = tokens[s.token < 10 ? tokens.length - 1 : s.token % tokens.length]!;
        const file: QuorumTokenFile = { ...token.file, signatures: [] };
        s.signers.forEach((name, i) => file.signatures.push({ username: name, role: 'admin', signature: signature(s.forge && i === 0 ? FORGER : KEYS[name].privateKey, file) }));
        const distinct = new Set(s.signers).size;
        const owner = ownerOf(s.who);
        const sessionOk = token.session === undefined || (s.who === 'shell' && token.session === shellNumber);
        const ok = token.live && token.owner === owner && sessionOk && !s.forge && distinct >= 2;
        const username = `u${users++}`;
        const result = await errorCode(perform(ctx, createUser, { username, role: 'crypto-user', password: PW, approvals: { approval: file } }, callerOf(s.who)));
        assert.equal(result, ok ? undefined : 'QUORUM_FAILED', where());
        if (ok) token.live = false;
        break;
      }
      case 'expire':
        await perform(ctx, advanceClock, { minutes: 11 });
        for (const t of tokens) t.live = false;
        break;
      case 'relogin':
        await perform(ctx, logout, {}, shell);
        for (const t of tokens) if (t.session === shellNumber) t.live = false;
        shell = { session: await shellLogin() };
        shellNumber++;
        break;
      case 'deleteAll':
        await perform(ctx, deleteTokens, { scope: 'all' }, single);
        for (const t of tokens) t.live = false;
        break;
    }
    const listed = (await perform(ctx, listTokens, {}, single)).tokens.map((t) => t.username).sort();
    assert.deepEqual(listed, tokens.filter((t) => t.live).map((t) => t.owner).sort(), where());
  }
}

describe('core/users: quorum tokens against a model', function () {
  this.timeout(600_000);

  it('after every step of a random sequence, uses succeed and tokens are listed as the model says', async () => {
    await fc.assert(fc.asyncProperty(fc.array(step, { minLength: 4, maxLength: 16 }), runSequence), { numRuns: propertyRuns(25) });
  });
});
