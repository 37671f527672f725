/**
 * Where the state lives (PRODUCT.md "Common flags"): --state-dir, else CLOUDHSM_STATE_DIR, else
 * ./state when that folder exists in the current directory (a project checkout), else the user
 * data folder ($XDG_DATA_HOME/cloudhsm-local, or ~/.local/share/cloudhsm-local).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export function resolveStateDir(flag: string | undefined, env: Record<string, string | undefined>, cwd = process.cwd()): string {
  if (flag) return path.resolve(cwd, flag);
  if (env.CLOUDHSM_STATE_DIR) return path.resolve(cwd, env.CLOUDHSM_STATE_DIR);
  const local = path.join(cwd, 'state');
  try {
    if (fs.statSync(local).isDirectory()) return local;
  } catch {
    /* no ./state here */
  }
  const dataHome = env.XDG_DATA_HOME || path.join(env.HOME || os.homedir(), '.local', 'share');
  return path.join(dataHome, 'cloudhsm-local');
}
