/**
 * The commands, as the shell and `help` reach them: their ids and a way to run one. The launcher
 * builds it from the registry and hands it down in the runtime, so no command, shell or dialect
 * imports the registry that imports them (the module graph points one way: registry → commands
 * → cli).
 */
import type { Config } from '@oclif/core/config';

export interface CommandCatalog {
  /** Command ids with ':' between words, as oclif keeps them. */
  readonly ids: readonly string[];
  /** Runs command `id` with `argv` (the words after the command), as the binary would. */
  run(id: string, argv: string[], config: Config): Promise<unknown>;
  /**
   * Commands left out on purpose: the `cloudhsm-cli` entry leaves out cloudhsm-local's
   * extensions, and names them as such when they are asked for (src/cli/compat.ts).
   */
  readonly extensions?: readonly string[];
}
