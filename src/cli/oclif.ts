/**
 * The oclif pieces the CLI uses, loaded with `require`. oclif is CommonJS; when ESM code imports
 * a CommonJS file, Node 20 scans that file for its exports first, and for oclif's files that scan
 * (and the compiler thread it starts, which exit then waits for) costs about 40 ms per CLI call.
 * Every command and the launcher take oclif from here.
 */
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

export const { Command } = require('@oclif/core/command') as typeof import('@oclif/core/command');
export type Command = import('@oclif/core/command').Command;
export const Flags = require('@oclif/core/flags') as typeof import('@oclif/core/flags');
export const Args = require('@oclif/core/args') as typeof import('@oclif/core/args');

export function loadRun(): typeof import('@oclif/core/run') {
  return require('@oclif/core/run') as typeof import('@oclif/core/run');
}

export function loadConfigModule(): typeof import('@oclif/core/config') {
  return require('@oclif/core/config') as typeof import('@oclif/core/config');
}

export function loadHelp(): typeof import('@oclif/core/help') {
  return require('@oclif/core/help') as typeof import('@oclif/core/help');
}

export function loadHandle(): typeof import('@oclif/core/handle') {
  return require('@oclif/core/handle') as typeof import('@oclif/core/handle');
}
