/**
 * How results and errors reach the operator: the CloudHSM CLI JSON envelope
 * (cli-commands.md §1.3: `{"error_code": 0, "data": ...}`, 2-space indentation) or readable text,
 * and the one place that maps errors to exit status (0 ok, 1 operation failed, 2 usage error).
 */
import { HsmError, isHsmError, type ErrorCode } from '../core/errors.js';
import { useColor, type Runtime } from './runtime.js';
import { escapeControls } from './terminal-text.js';

export interface CommandResult {
  data: unknown;
  /** Readable text for people; the generic rendering of `data` when absent. */
  text?: string;
  /** Print nothing (the command already wrote what it had to say). */
  silent?: boolean;
  /** Exit status when the command succeeded but must report one (the shell running a script). */
  exitCode?: number;
}

export function envelope(errorCode: 0 | 1, data: unknown, code?: string, hint?: string): string {
  const body: Record<string, unknown> = { error_code: errorCode, data };
  if (code) body.code = code;
  if (code && hint) body.hint = hint;
  return `${JSON.stringify(body, null, 2)}\n`;
}

function scalar(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return escapeControls(value);
  if (Array.isArray(value) && value.length === 0) return '[]';
  if (typeof value === 'object') return JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  return '';
}

function table(rows: Array<Record<string, unknown>>, bold: (s: string) => string): string {
  if (rows.length === 0) return '(none)\n';
  const columns = [...new Set(rows.flatMap((r) => Object.keys(r)))].filter((c) =>
    rows.some((r) => typeof r[c] !== 'object' || r[c] === null || (Array.isArray(r[c]) && (r[c] as unknown[]).length > 0)),
  );
  const cells = rows.map((r) => columns.map((c) => scalar(r[c])));
  const widths = columns.map((c, i) => Math.max(c.length, ...cells.map((row) => row[i]!.length)));
  const line = (values: string[]) => values.map((v, i) => v.padEnd(widths[i]!)).join('  ').trimEnd();
  return `${bold(line(columns))}\n${cells.map(line).join('\n')}\n`;
}

/** A readable rendering of any JSON-ready result. */
export function renderText(data: unknown, bold: (s: string) => string = (s) => s): string {
  if (typeof data === 'string') return escapeControls(data.endsWith('\n') ? data : `${data}\n`);
  if (data === null || typeof data !== 'object') return `${scalar(data)}\n`;
  const entries = Object.entries(data as Record<string, unknown>);
  if (entries.length === 1 && Array.isArray(entries[0]![1]) && (entries[0]![1] as unknown[]).every((r) => r && typeof r === 'object')) {
    return table(entries[0]![1] as Array<Record<string, unknown>>, bold);
  }
  const width = Math.max(...entries.map(([k]) => k.length));
  return entries
    .map(([k, v]) => {
      if (typeof v === 'string' && v.includes('\n')) return `${bold(k)}:\n${escapeControls(v.trimEnd())}\n`;
      if (v && typeof v === 'object' && !Array.isArray(v) && Object.keys(v).length > 0) {
        const inner = Object.entries(v as Record<string, unknown>)
          .map(([ik, iv]) => `  ${ik}: ${typeof iv === 'string' && iv.includes('\n') ? `${escapeControls(iv.split('\n')[0]!)}…` : scalar(iv)}`)
          .join('\n');
        return `${bold(k)}:\n${inner}\n`;
      }
      if (Array.isArray(v) && v.length > 0 && v.every((r) => r && typeof r === 'object')) {
        return `${bold(k)}:\n${table(v as Array<Record<string, unknown>>, (s) => s).replace(/^/gm, '  ').trimEnd()}\n`;
      }
      return `${bold(`${k}:`.padEnd(width + 1))} ${scalar(v)}\n`;
    })
    .join('');
}

interface Paint {
  bold(s: string): string;
  red(s: string): string;
  dim(s: string): string;
}

const plain: Paint = { bold: (s) => s, red: (s) => s, dim: (s) => s };

/** Colour only on a terminal without NO_COLOR; chalk is loaded only then. */
async function painter(runtime: Runtime, stream: Runtime['stdout']): Promise<Paint> {
  if (!useColor(runtime, stream)) return plain;
  const { Chalk } = await import('chalk');
  const chalk = new Chalk({ level: 1 });
  return { bold: (s) => chalk.bold(s), red: (s) => chalk.red(s), dim: (s) => chalk.dim(s) };
}

export async function printSuccess(runtime: Runtime, json: boolean, result: CommandResult): Promise<void> {
  if (result.silent) return;
  if (json) {
    runtime.stdout.write(envelope(0, result.data));
    return;
  }
  const paint = await painter(runtime, runtime.stdout);
  // A command's own text holds values too (labels, names): escaped like the generic rendering.
  runtime.stdout.write(result.text !== undefined ? escapeControls(result.text) : renderText(result.data, (s) => paint.bold(s)));
}

/** Wraps anything that is not our error as INTERNAL: it is a bug. */
export function toHsmError(err: unknown): HsmError {
  if (isHsmError(err)) return err;
  // Ctrl-C (or the end of input) at a prompt: the shell's prompter marks it, inquirer names it.
  if ((err as { cancelled?: boolean } | undefined)?.cancelled || (err as Error | undefined)?.name === 'ExitPromptError') {
    return new HsmError('PROMPT_CANCELLED', 'cancelled at the prompt; nothing was changed');
  }
  const message = err instanceof Error ? err.message : String(err);
  return new HsmError('INTERNAL', `internal error: ${message}. This is a bug in cloudhsm-local; set CLOUDHSM_DEBUG=1 to see where it happened`, { cause: err });
}

export async function printFailure(runtime: Runtime, json: boolean, err: unknown): Promise<void> {
  const error = toHsmError(err);
  if (runtime.env.CLOUDHSM_DEBUG && error.code === 'INTERNAL') {
    const cause = (error as { cause?: unknown }).cause;
    runtime.stderr.write(`${cause instanceof Error ? cause.stack : String(cause)}\n`);
  }
  if (json) {
    // The real tool's envelope has no `code`; cloudhsm-cli prints exactly that.
    runtime.stdout.write(envelope(1, error.displayMessage, runtime.compat ? undefined : error.code, error.hint));
    return;
  }
  const paint = await painter(runtime, runtime.stderr);
  const hint = error.hint ? `${escapeControls(error.hint)}\n` : '';
  runtime.stderr.write(`${paint.red('Error:')} ${escapeControls(error.displayMessage)} ${paint.dim(`[${error.code}]`)}\n${hint}`);
}

/**
 * A usage error (exit status 2). `commandLine` names the command whose help to point at; without
 * it the message must say itself what to do. In a shell that prints JSON (`cloudhsm-cli
 * interactive`, `shell --json`) it is the envelope on standard output, like every other line.
 */
export async function printUsageError(runtime: Runtime, message: string, commandLine?: string): Promise<void> {
  // oclif's parser messages carry a header line and their own "see --help" hint: keep the facts.
  const facts = message
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !/^The following errors? occurred:?$/i.test(l) && !/^See more help with/i.test(l))
    .join('; ');
  const hint = commandLine === undefined ? '' : `See \`${commandLine} --help\` for usage.`;
  if (runtime.shell && runtime.alwaysJson) {
    runtime.stdout.write(envelope(1, hint ? `${facts}${/[.?!]$/.test(facts) ? '' : '.'} ${hint}` : facts, runtime.compat ? undefined : ('USAGE' satisfies ErrorCode)));
    return;
  }
  const paint = await painter(runtime, runtime.stderr);
  runtime.stderr.write(`${paint.red('Error:')} ${facts}\n${hint ? `${paint.dim(hint)}\n` : ''}`);
}
