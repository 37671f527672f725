/**
 * HSM failure against a simple model: random sequences of key creation and deletion, HSM
 * failures (replaced at once or after a delay), clock steps, and HSMs added and removed. The
 * model says which keys must exist after each step: a replacement or an added HSM copies an
 * ACTIVE HSM when there is one, else the newest backup, which the model tracks (made on HSM
 * removal with an ACTIVE HSM left to back up, on every added or replacing HSM).
 */
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { EngineContext } from '../../../src/core/context.js';
import { perform, type Caller } from '../../../src/core/engine.js';
import { createHsm, deleteHsm, describeCluster, listHsms } from '../../../src/core/cluster/operations.js';
import { failHsm } from '../../../src/core/cluster/failure.js';
import { generateSymmetric } from '../../../src/core/keys/generate.js';
import { deleteKey, listKeys } from '../../../src/core/keys/operations.js';
import { byLabel } from '../../../src/core/keys/selector.js';
import { advanceClock } from '../../../src/core/time/operations.js';
import { errorCode } from '../../support/helpers.js';
import { clusterContext } from '../../support/templates.js';
import { propertyRuns } from '../../support/property.js';

const ALICE: Caller = { credentials: { username: 'alice', password: 'alice-Pass1', role: 'crypto-user' } };
const ZONES = ['us-east-1a', 'us-east-1b', 'us-east-1c'];
/** Steps of 20 minutes against delays of 10: a delayed replacement is due exactly after the next step. */
const DELAY_MINUTES = 10;
const STEP_MINUTES = 20;

type Step =
  | { kind: 'generate' }
  | { kind: 'delete'; pick: number }
  | { kind: 'fail'; pick: number; delayed: boolean; zeroize: boolean }
  | { kind: 'advance' }
  | { kind: 'add'; zone: number }
  | { kind: 'remove'; pick: number };

const step: fc.Arbitrary<Step> = fc.oneof(
  { weight: 3, arbitrary: fc.constant<Step>({ kind: 'generate' }) },
  { weight: 1, arbitrary: fc.nat(9).map((pick): Step => ({ kind: 'delete', pick })) },
  { weight: 2, arbitrary: fc.record({ pick: fc.nat(9), delayed: fc.boolean(), zeroize: fc.boolean() }).map((r): Step => ({ kind: 'fail', ...r })) },
  { weight: 2, arbitrary: fc.constant<Step>({ kind: 'advance' }) },
  { weight: 2, arbitrary: fc.nat(2).map((zone): Step => ({ kind: 'add', zone })) },
  { weight: 1, arbitrary: fc.nat(9).map((pick): Step => ({ kind: 'remove', pick })) },
);

interface ModelHsm {
  id: string;
  failed: boolean;
  /** A delayed replacement waiting for the next clock step. */
  pending: boolean;
}

class Model {
  keys = new Set<string>();
  backup = new Set<string>();
  hsms: ModelHsm[] = [];
  next = 0;

  active(): ModelHsm[] {
    return this.hsms.filter((h) => !h.failed);
  }

  /** An HSM joins: it copies an ACTIVE one, or with none the newest backup; then a backup is made. */
  joined(): void {
    if (this.active().length === 0) this.keys = new Set(this.backup);
    this.backup = new Set(this.keys);
  }
}

async function runSequence(steps: Step[]): Promise<void> {
  const ctx: EngineContext = await clusterContext({ cryptoUsers: { alice: 'alice-Pass1' } });
  const model = new Model();
  // A backup that holds alice: remove the second HSM and add it back.
  const [, second] = (await perform(ctx, listHsms, {})).Hsms;
  await perform(ctx, deleteHsm, { hsmId: second!.HsmId });
  await perform(ctx, createHsm, { availabilityZone: 'us-east-1b' });
  model.hsms = (await perform(ctx, listHsms, {})).Hsms.map((h) => ({ id: h.HsmId, failed: false, pending: false }));
  const trace: string[] = [];

  for (const s of steps) {
    trace.push(JSON.stringify(s));
    const where = () => trace.join('\n');
    const noHsm = model.active().length === 0;
    switch (s.kind) {
      case 'generate': {
        const label = `k${model.next++}`;
        const code = await errorCode(perform(ctx, generateSymmetric, { keyType: 'aes', label, keyLengthBytes: 16 }, ALICE));
        assert.equal(code, noHsm ? 'NO_ACTIVE_HSM' : undefined, where());
        if (!noHsm) model.keys.add(label);
        break;
      }
      case 'delete': {
        const labels = [...model.keys].sort();
        if (labels.length === 0 || noHsm) break;
        const label = labels[s.pick % labels.length]!;
        await perform(ctx, deleteKey, { filter: byLabel(label) }, ALICE);
        model.keys.delete(label);
        break;
      }
      case 'fail': {
        if (model.hsms.length === 0) break;
        const target = model.hsms[s.pick % model.hsms.length]!;
        const result = await errorCode(
          perform(ctx, failHsm, { hsmId: target.id, mode: s.zeroize ? 'zeroize' : 'unhealthy', replaceAfterMinutes: s.delayed ? DELAY_MINUTES : 0 }),
        );
        if (target.failed) {
          assert.equal(result, 'INVALID_STATE', where());
          break;
        }
        assert.equal(result, undefined, where());
        target.failed = true;
        if (s.delayed) target.pending = true;
        else {
          model.joined();
          target.failed = false;
        }
        break;
      }
      case 'advance': {
        await perform(ctx, advanceClock, { minutes: STEP_MINUTES });
        // Due replacements run at the next operation, in the cluster's HSM order.
        for (const h of model.hsms) {
          if (h.pending) {
            model.joined();
            h.failed = false;
            h.pending = false;
          }
        }
        break;
      }
      case 'add': {
        if (model.hsms.length >= 4) break;
        const added = await perform(ctx, createHsm, { availabilityZone: ZONES[s.zone]! });
        model.joined();
        model.hsms.push({ id: added.HsmId, failed: false, pending: false });
        break;
      }
      case 'remove': {
        if (model.hsms.length === 0) break;
        const target = model.hsms[s.pick % model.hsms.length]!;
        await perform(ctx, deleteHsm, { hsmId: target.id });
        if (model.active().length > 0) model.backup = new Set(model.keys);
        model.hsms = model.hsms.filter((h) => h !== target);
        break;
      }
    }
    // The cluster's HSMs are the model's, in order (a replacement takes its place with a new ID).
    const hsms = (await perform(ctx, describeCluster, {})).Hsms;
    assert.equal(hsms.length, model.hsms.length, where());
    hsms.forEach((h, i) => {
      const m = model.hsms[i]!;
      assert.equal(h.State, m.failed ? 'DEGRADED' : 'ACTIVE', where());
      m.id = h.HsmId;
    });
    assert.equal((await perform(ctx, describeCluster, {})).State, model.hsms.some((h) => h.failed) ? 'DEGRADED' : 'ACTIVE', where());
    if (model.active().length === 0) {
      assert.equal(await errorCode(perform(ctx, listKeys, {}, ALICE)), 'NO_ACTIVE_HSM', where());
    } else {
      // All of them: `key list` pages at 10 by default, and a sequence may make more.
      const listed = (await perform(ctx, listKeys, { maxItems: 1000 }, ALICE)).keys.map((k) => k.label).sort();
      assert.deepEqual(listed, [...model.keys].sort(), where());
    }
  }
}

describe('core/cluster: HSM failure against a model', function () {
  this.timeout(600_000);

  it('a sequence that makes more keys than one page of `key list` (found by a deeper run)', async () => {
    const generate: Step = { kind: 'generate' };
    await runSequence([...Array<Step>(10).fill(generate), { kind: 'advance' }, { kind: 'fail', pick: 0, delayed: false, zeroize: false }, generate, { kind: 'delete', pick: 0 }, { kind: 'advance' }]);
  });

  it('after every step of a random sequence, the keys and HSM states are what the model says', async () => {
    await fc.assert(fc.asyncProperty(fc.array(step, { minLength: 5, maxLength: 18 }), runSequence), { numRuns: propertyRuns(40) });
  });
});
