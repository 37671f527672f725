/**
 * The oclif pieces the CLI uses, by subpath (oclif's package index would also load semver and
 * more). The binaries run the bundle that scripts/build.mjs makes, where these imports are part
 * of one file; help and error handling load only when they are needed.
 */
import { Command } from '@oclif/core/command';
import * as Flags from '@oclif/core/flags';
import * as Args from '@oclif/core/args';
import { Config } from '@oclif/core/config';
import { run } from '@oclif/core/run';
import { commonJsExports } from '../core/module-interop.js';

export { Command, Flags, Args, Config, run };
export type { Logger } from '@oclif/core/interfaces';

export async function loadHelp(): Promise<typeof import('@oclif/core/help')> {
  return commonJsExports(await import('@oclif/core/help'));
}

export async function loadHandle(): Promise<typeof import('@oclif/core/handle')> {
  return commonJsExports(await import('@oclif/core/handle'));
}
