/**
 * Shell latency: how long `user list --json` takes typed into a running shell, against the same
 * command run as a fresh CLI process. A shell keeps its modules loaded and its state open, so a
 * line should cost what the command itself costs, not a process start.
 */
import { execFileSync, spawn } from 'node:child_process';

export interface ShellLatency {
  shellMs: number[];
  cliMs: number[];
}

/** Output of one `--json` command ends with the envelope's closing brace on its own line. */
const ENVELOPE_END = /^\}$/gm;

export async function measureShellLatency(bin: string, cwd: string, env: NodeJS.ProcessEnv, runs: number, warmup: number): Promise<ShellLatency> {
  const child = spawn(process.execPath, [bin, 'shell'], { cwd, env, stdio: ['pipe', 'pipe', 'pipe'] });
  let output = '';
  let errors = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (output += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (errors += d));
  const envelopes = () => output.match(ENVELOPE_END)?.length ?? 0;

  /** Types the line and resolves with the milliseconds until its envelope has been printed. */
  const typed = (line: string) =>
    new Promise<number>((resolve, reject) => {
      const want = envelopes() + 1;
      const start = process.hrtime.bigint();
      const poll = () => {
        if (envelopes() >= want) {
          resolve(Number(process.hrtime.bigint() - start) / 1e6);
          return;
        }
        if (child.exitCode !== null) {
          reject(new Error(`the shell exited: ${errors}`));
          return;
        }
        setImmediate(poll);
      };
      child.stdin.write(`${line}\n`);
      poll();
    });
  const single = () => {
    const start = process.hrtime.bigint();
    execFileSync(process.execPath, [bin, 'user', 'list', '--json'], { cwd, env, stdio: 'ignore' });
    return Number(process.hrtime.bigint() - start) / 1e6;
  };

  try {
    for (let i = 0; i < warmup; i++) {
      await typed('user list --json');
      single();
    }
    const shellMs: number[] = [];
    const cliMs: number[] = [];
    for (let i = 0; i < runs; i++) {
      shellMs.push(await typed('user list --json'));
      cliMs.push(single());
    }
    return { shellMs, cliMs };
  } finally {
    child.stdin.end('quit\n');
    await new Promise((resolve) => child.once('exit', resolve));
  }
}
