/**
 * A DialectHost for tests: a copy of an activated cluster (templates.ts, admin password Admin123!), an
 * output buffer, the explanations kept apart from it (`shell --explain`), and scripted answers for
 * the dialect's visible questions and hidden prompts. Lines run through the shell's own tokenizer,
 * one at a time, as the shell would run them.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import type { EngineContext } from '../../src/core/context.js';
import type { Dialect, DialectHost, LineOutcome } from '../../src/shell/dialect.js';
import { tokenize } from '../../src/shell/tokenize.js';
import { tempDir } from './helpers.js';
import { clusterContext } from './templates.js';

export const ADMIN_PASSWORD = 'Admin123!';

/** legacy-shells.md §0: the confirmation CMU shows before a change, up to its question. */
export const CMU_CAUTION = `*************************CAUTION********************************
This is a CRITICAL operation, should be done on all nodes in the
cluster. AWS does NOT synchronize these changes automatically with the
nodes on which this operation is not executed or failed, please
ensure this operation is executed on all nodes in the cluster.
****************************************************************

Do you want to continue(y/n)?`;

export interface TestHost {
  host: DialectHost;
  ctx: EngineContext;
  /** Everything written so far. */
  output(): string;
  /** Forgets what was written so far. */
  clear(): void;
  /** Answers for `io.ask`, taken in order (an exhausted list answers null, like end of input). */
  answers: string[];
  /** Answers for `io.password`, taken in order (an exhausted list cancels). */
  passwords: string[];
  /** The messages the dialect asked or prompted with, in order. */
  asked: string[];
  /** What the dialect explained (`shell --explain`): never part of `output()`. */
  explained: string[];
}

export async function testHost(options: { mode?: 'FIPS' | 'NON_FIPS'; hsmType?: 'hsm1.medium' | 'hsm2m.medium'; env?: Record<string, string> } = {}): Promise<TestHost> {
  const ctx = await clusterContext({ seed: 'dialect', password: ADMIN_PASSWORD, mode: options.mode ?? 'FIPS', ...(options.hsmType ? { hsmType: options.hsmType } : {}) });
  let out = '';
  const answers: string[] = [];
  const passwords: string[] = [];
  const asked: string[] = [];
  const explained: string[] = [];
  const host: DialectHost = {
    io: {
      write: (text) => void (out += text),
      async password(message) {
        asked.push(message);
        out += message;
        const next = passwords.shift();
        out += '\n';
        if (next === undefined) throw Object.assign(new Error('prompt cancelled'), { cancelled: true });
        return next;
      },
      async ask(message) {
        asked.push(message);
        out += message;
        const next = answers.shift() ?? null;
        out += `${next ?? ''}\n`;
        return next;
      },
      explain: (text) => void explained.push(text),
    },
    engine: async () => ctx,
    env: { ...options.env },
    sessionKeys: new Map(),
  };
  return { host, ctx, output: () => out, clear: () => void (out = ''), answers, passwords, asked, explained };
}

/** One line at a time through `dialect`: `line` gives its outcome and what it printed, `ok` also asserts that it succeeded. */
export function lineRunner(dialect: Dialect, t: TestHost): { line: (text: string) => Promise<{ outcome: string; out: string }>; ok: (text: string) => Promise<string> } {
  const line = async (text: string) => {
    t.clear();
    const [outcome] = await runLines(dialect, t.host, [text]);
    return { outcome: outcome!, out: t.output() };
  };
  const ok = async (text: string) => {
    const r = await line(text);
    assert.equal(r.outcome, 'ok', `"${text}" failed:\n${r.out}\n${t.explained.join('\n')}`);
    return r.out;
  };
  return { line, ok };
}

/** The number `pattern`'s first group finds in `out` (a key handle in a dialect's output). */
export function handleIn(out: string, pattern: RegExp): number {
  const m = pattern.exec(out);
  assert.ok(m, `no handle matching ${pattern} in:\n${out}`);
  return Number(m[1]);
}

/**
 * A test host for a describe block (made in its `before`), a folder for the files its lines
 * name, and the line runner: `fixture.t` is set once the block's `before` hooks run.
 */
export function dialectFixture(dialect: Dialect, options: Parameters<typeof testHost>[0] = {}): {
  readonly t: TestHost;
  readonly file: (name: string) => string;
  readonly line: (text: string) => Promise<{ outcome: string; out: string }>;
  readonly ok: (text: string) => Promise<string>;
} {
  let host: TestHost | undefined;
  let dir = '';
  before(async () => {
    host = await testHost(options);
    dir = tempDir('dialect-files-');
  });
  const t = (): TestHost => host ?? assert.fail('the fixture is used before its before hook ran');
  return {
    get t() {
      return t();
    },
    file: (name) => path.join(dir, name),
    line: (text) => lineRunner(dialect, t()).line(text),
    ok: (text) => lineRunner(dialect, t()).ok(text),
  };
}

/** Runs each line through `dialect` and returns the outcomes. */
export async function runLines(dialect: Dialect, host: DialectHost, lines: string[]): Promise<LineOutcome[]> {
  const outcomes: LineOutcome[] = [];
  for (const line of lines) outcomes.push(await dialect.run(host, tokenize(line)));
  return outcomes;
}
