// Bundles the CLI for the binaries: bin/run.js and bin/cloudhsm-cli.js load dist/bundle/main.mjs,
// and oclif loads the command registry from dist/bundle/registry.mjs (package.json "oclif"). One
// file for the launcher and oclif instead of some three hundred makes every command start
// sooner. Code that only some commands need (each command, the shells, X.509) stays in chunks of
// its own, loaded when it runs; @noble/* is not bundled: src/core/mechanisms/noble.ts requires it
// from node_modules on first use. The tests import the unbundled dist/src.
import * as esbuild from 'esbuild';

export async function bundle(root) {
  await esbuild.build({
    absWorkingDir: root,
    entryPoints: { main: 'src/cli/main.ts', registry: 'src/registry.ts' },
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    outdir: 'dist/bundle',
    outExtension: { '.js': '.mjs' },
    chunkNames: 'chunks/[name]-[hash]',
    logLevel: 'warning',
    // CommonJS packages in an ES module bundle still call require for Node's own modules.
    banner: { js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);" },
    // oclif reaches for these only when a plugin is written in TypeScript; ours is built.
    external: ['typescript', 'ts-node', 'tsx'],
  });
}
