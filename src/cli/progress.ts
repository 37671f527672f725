/**
 * Progress for slow work (an RSA-4096 key pair, a command over many keys, waiting for another
 * process's lock): a status line on standard error, only when that is a terminal and the result
 * is not JSON, so scripts and pipes never see it. It appears only once the work has taken
 * PROGRESS_DELAY_MS, shows the time spent, and is erased when the work ends.
 */
import type { OutputStream } from './runtime.js';

export const PROGRESS_DELAY_MS = 300;
const FRAME_MS = 100;
const FRAMES = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];
/** Erase the line the cursor is on and go back to its start. */
const ERASE = '\r\x1b[2K';

export interface ProgressOptions {
  stream: OutputStream;
  /** Whether the result is printed as JSON (no progress then). */
  json: boolean;
  env: Record<string, string | undefined>;
  /** What is being done, as the user typed it (command words: never a value). */
  label: string;
}

export async function withProgress<T>(options: ProgressOptions, work: () => Promise<T>): Promise<T> {
  const { stream, json, env, label } = options;
  if (json || !stream.isTTY || env.TERM === 'dumb') return work();
  const started = Date.now();
  let frame = 0;
  const drawn = { any: false };
  const draw = (): void => {
    const seconds = Math.floor((Date.now() - started) / 1000);
    stream.write(`${ERASE}${FRAMES[frame++ % FRAMES.length]!} ${label}${seconds > 0 ? ` (${seconds} s)` : ''}`);
    drawn.any = true;
  };
  let ticker: NodeJS.Timeout | undefined;
  const delay = setTimeout(() => {
    draw();
    ticker = setInterval(draw, FRAME_MS);
  }, PROGRESS_DELAY_MS);
  try {
    return await work();
  } finally {
    clearTimeout(delay);
    clearInterval(ticker);
    if (drawn.any) stream.write(ERASE);
  }
}
