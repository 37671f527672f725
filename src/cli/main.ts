/**
 * Entry of both binaries. Installs the process runtime, hands argv to oclif, and sets the exit
 * status from the runtime. `exitProcess` is the one replaceable place that ends the process.
 */
import { isatty } from 'node:tty';
import { fileURLToPath } from 'node:url';
import { Config, loadHandle, run, type Logger } from './oclif.js';
import { HsmError } from '../core/errors.js';
import { inquirerPrompter } from './prompter.js';
import { activeRuntime, setDefaultRuntimeFactory, type Runtime } from './runtime.js';
import type { CommandCatalog } from './catalog.js';
import { cloudHsmCliCatalog, cloudHsmCliRefusal } from './compat.js';
import { commandWords, unknownCommand } from './suggest.js';
import { COMMANDS, COMMAND_IDS, type CommandId } from '../registry.js';

export interface MainOptions {
  /** file URL of the launcher (locates package.json and the oclif manifest). */
  launcher: string;
  argv: string[];
  /** cloudhsm-cli: CloudHSM CLI grammar only, JSON envelope always. */
  compat?: boolean;
}

/**
 * Ends the process once stdout and stderr have flushed. Exiting explicitly matters for speed:
 * otherwise Node waits for stray background file requests of the CLI framework, which adds
 * tens of milliseconds to every command.
 */
export let exitProcess = (code: number): void => {
  process.exitCode = code;
  process.stdout.write('', () => process.stderr.write('', () => process.exit(code)));
};

export function setExitProcess(fn: (code: number) => void): void {
  exitProcess = fn;
}

/** More than any command reads from standard input (a password line, a script's answers). */
const MAX_STDIN_BYTES = 1024 * 1024;

function readAllStdin(): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let bytes = 0;
    const stdin = process.stdin;
    stdin.on('data', (chunk: Buffer) => {
      bytes += chunk.length;
      if (bytes > MAX_STDIN_BYTES) {
        stdin.destroy();
        reject(new HsmError('INVALID_ARGUMENT', `standard input holds more than ${MAX_STDIN_BYTES} bytes; pipe in only what the command reads (one line for --password-stdin)`));
        return;
      }
      chunks.push(chunk);
    });
    stdin.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    stdin.on('error', reject);
  });
}

/** The registry, as the runtime hands it to the shell and `help`. */
export const REGISTRY_CATALOG: CommandCatalog = {
  ids: COMMAND_IDS,
  run: (id, argv, config) => COMMANDS[id as CommandId].run(argv, config),
};

export function processRuntime(compat: boolean): Runtime {
  return {
    // Node builds each standard stream on first use, which costs a little; most commands never
    // touch standard error or read standard input.
    get stdout() {
      return process.stdout;
    },
    get stderr() {
      return process.stderr;
    },
    env: process.env,
    interactive: isatty(0),
    readStdin: readAllStdin,
    prompter: inquirerPrompter,
    alwaysJson: compat,
    compat,
    stores: new Map(),
    exitCode: 0,
    programName: compat ? 'cloudhsm-cli' : 'cloudhsm-local',
    commands: compat ? cloudHsmCliCatalog(REGISTRY_CATALOG) : REGISTRY_CATALOG,
  };
}


/**
 * oclif's own logger loads the `debug` package (and with it tty and colour detection) on its first
 * message, even when nothing is printed. Unless DEBUG asks for oclif's messages, a logger that
 * drops them stands in.
 */
function quietLogger(namespace: string): Logger {
  const drop = (): void => undefined;
  return { namespace, debug: drop, error: drop, info: drop, trace: drop, warn: drop, child: (ns: string) => quietLogger(`${namespace}:${ns}`) };
}

/**
 * oclif's Config.load sorts the command ids with localeCompare, and the first localeCompare call
 * builds an ICU collator (about 8 ms of every CLI call). Our ids are lowercase ASCII, which sort
 * the same by code unit, so a plain comparison stands in while the configuration loads.
 */
async function loadConfig(launcher: string) {
  // Saved to be put back unchanged, never called detached.
  // eslint-disable-next-line @typescript-eslint/unbound-method
  const localeCompare = String.prototype.localeCompare;
  String.prototype.localeCompare = function (this: string, that: string): number {
    return this < that ? -1 : this > that ? 1 : 0;
  };
  try {
    // No user or linked plugins: cloudhsm-local is one plugin, so oclif need not look for others.
    if (process.env.DEBUG) return await Config.load({ root: fileURLToPath(launcher), userPlugins: false, devPlugins: false });
    const logger = quietLogger('oclif');
    const config = await Config.load({ root: fileURLToPath(launcher), userPlugins: false, devPlugins: false, logger });
    // oclif's run() hands this config to its setLogger again, which looks for a `logger` field on
    // what it is given and would otherwise build (and load) its debug logger.
    return Object.assign(config, { logger });
  } finally {
    String.prototype.localeCompare = localeCompare;
  }
}

export async function main(options: MainOptions): Promise<void> {
  setDefaultRuntimeFactory(() => processRuntime(Boolean(options.compat)));
  let argv = options.argv;
  const runtime = activeRuntime();
  if (options.compat) {
    const refusal = cloudHsmCliRefusal(argv, runtime.commands);
    if (refusal) {
      process.stderr.write(`Error: ${refusal}\n`);
      exitProcess(2);
      return;
    }
    if (argv.find((a) => !a.startsWith('-')) === 'interactive') argv = argv.map((a) => (a === 'interactive' ? 'shell' : a));
    // A group alone (`cloudhsm-cli key`): its commands as the entry offers them, not oclif's list of all.
    const words = commandWords(argv);
    const group = words.join(':');
    if (words.length > 0 && !runtime.commands.ids.includes(group) && runtime.commands.ids.some((id) => id.startsWith(`${group}:`))) argv = ['help', ...words];
  }
  const config = await loadConfig(options.launcher);
  try {
    await run(argv, config);
    exitProcess(runtime.exitCode);
  } catch (err) {
    const exit = (err as { oclif?: { exit?: number } }).oclif?.exit;
    if (exit === 0) {
      exitProcess(0);
      return;
    }
    const message = err instanceof Error ? err.message : String(err);
    if (/command .* not found/i.test(message)) {
      // Only known words are echoed (a group, a suggestion): the rest may be a password.
      process.stderr.write(`Error: ${unknownCommand(runtime.commands.ids, commandWords(argv), `Run \`${runtime.programName} help\` to list the commands.`)}\n`);
      exitProcess(2);
      return;
    }
    await (await loadHandle()).handle(err as Error);
  }
}
