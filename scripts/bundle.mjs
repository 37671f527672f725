// Bundles the CLI for the binaries: bin/run.js and bin/cloudhsm-cli.js load dist/bundle/main.mjs,
// and oclif loads the command registry from dist/bundle/registry.mjs (package.json "oclif"). One
// file for the launcher and oclif instead of some three hundred makes every command start
// sooner. Code that only some commands need (each command, the shells, X.509) stays in chunks of
// its own, loaded when it runs; @noble/* is not bundled: src/core/mechanisms/noble.ts requires it
// from node_modules on first use. The tests import the unbundled dist/src.
import fs from 'node:fs';
import * as esbuild from 'esbuild';

/**
 * Modules that oclif's compiled code requires when it loads, but that a command needs only on
 * some paths: help (ejs, text wrapping), error display (stack cleaning), spinners, plugin
 * discovery (globbing), flags read from standard input (readline), package.json lookups beyond
 * the first (lilconfig), its debug logger, timing (perf_hooks), shell detection (child_process),
 * terminal width. Each of these requires becomes lazy: the module loads on the first use of one
 * of its exports. Packages are left out of the bundle and then loaded from node_modules the way
 * oclif itself would resolve them; oclif's own files stay in the bundle.
 */
const DEFERRED = new Set([
  'node:child_process', 'node:readline', 'node:perf_hooks', '../screen', '../../screen',
  'tinyglobby', 'minimatch', 'ejs', 'lilconfig', 'cli-spinners', 'clean-stack', 'indent-string',
  'wrap-ansi', 'string-width', 'widest-line', 'supports-color', 'debug',
]);

/**
 * Exact rewrites of oclif's code, each checked at build time. Config.load asks wsl-utils whether
 * it runs under WSL; wsl-utils takes that answer from is-wsl and re-exports it, but loading it
 * also loads child_process and more. Asking is-wsl gives the same answer.
 */
const REPLACED = [
  ['util/os.js', "(await import('wsl-utils')).isWsl", "(await import('is-wsl')).default"],
];

const REQUIRE_LINE = /^const (\w+) = (__importDefault\(|__importStar\()?require\("([^"]+)"\)\)?;$/gm;

const HELPER = 'cloudhsm-local:lazy-module';

/** Shared by every rewritten file: the lazy module proxy, and require as oclif's package has it. */
const HELPER_SOURCE = `
import { createRequire } from 'node:module';
let oclifRequire;
export function requireFromOclif(specifier) {
  oclifRequire ??= createRequire(createRequire(import.meta.url).resolve('@oclif/core/package.json'));
  return oclifRequire(specifier);
}
export function lazyModule(load) {
  let loaded;
  const real = () => (loaded ??= load());
  return new Proxy({}, {
    get: (_, key) => real()[key],
    has: (_, key) => key in real(),
    ownKeys: () => Reflect.ownKeys(real()),
    getOwnPropertyDescriptor: (_, key) => {
      const found = Reflect.getOwnPropertyDescriptor(real(), key);
      return found && { ...found, configurable: true };
    },
  });
}
`;

/**
 * Rewrites `const x = require("m")` (also under __importDefault/__importStar) for the DEFERRED
 * modules. The rewrite is only sound when the binding is used as `x.member` at call time, so the
 * build stops if a file uses a deferred binding any other way.
 */
function deferOclifRequires() {
  return {
    name: 'defer-oclif-requires',
    setup(build) {
      const replaced = new Set();
      build.onEnd(() => {
        const unused = REPLACED.filter(([file]) => !replaced.has(file)).map(([file]) => file);
        if (unused.length > 0) throw new Error(`oclif's ${unused.join(', ')} was not bundled; look again at REPLACED in scripts/bundle.mjs`);
      });
      build.onResolve({ filter: new RegExp(`^${HELPER}$`) }, () => ({ path: HELPER, namespace: 'lazy-module' }));
      build.onLoad({ filter: /.*/, namespace: 'lazy-module' }, () => ({ contents: HELPER_SOURCE, loader: 'js', resolveDir: process.cwd() }));
      build.onLoad({ filter: /[\\/]node_modules[\\/]@oclif[\\/]core[\\/]lib[\\/].*\.js$/ }, (args) => {
        const source = fs.readFileSync(args.path, 'utf8');
        const deferred = [];
        const rewritten = source.replace(REQUIRE_LINE, (line, name, wrapper, specifier) => {
          if (!DEFERRED.has(specifier)) return line;
          deferred.push(name);
          const packaged = !specifier.startsWith('.') && !specifier.startsWith('node:');
          const required = packaged ? `__lazy.requireFromOclif("${specifier}")` : `require("${specifier}")`;
          return `const ${name} = __lazy.lazyModule(() => ${wrapper ? `${wrapper}${required})` : required});`;
        });
        let contents = rewritten;
        for (const [file, from, to] of REPLACED) {
          if (!args.path.endsWith(file)) continue;
          if (!contents.includes(from)) throw new Error(`${args.path} no longer holds ${from}; look again at REPLACED in scripts/bundle.mjs`);
          contents = contents.replace(from, to);
          replaced.add(file);
        }
        if (contents === source) return undefined;
        for (const name of deferred) {
          const uses = rewritten.match(new RegExp(`\\b${name}\\b(?!\\.)`, 'g')) ?? [];
          if (uses.length !== 1) throw new Error(`${args.path}: ${name} is used other than as ${name}.member; take its module out of DEFERRED in scripts/bundle.mjs`);
        }
        // After the "use strict" directive, which must stay first.
        if (deferred.length === 0) return { contents, loader: 'js' };
        const directive = /^"use strict";\n/.exec(contents)?.[0] ?? '';
        const helper = `const __lazy = require("${HELPER}");\n`;
        return { contents: `${directive}${helper}${contents.slice(directive.length)}`, loader: 'js' };
      });
    },
  };
}

/**
 * The Node API (`import('cloudhsm-local')`, src/api/index.ts) as one ES module, dist/api/index.mjs;
 * its dependencies stay packages of their own. Its types are declared by tsconfig.api.json.
 */
export async function bundleApi(root) {
  await esbuild.build({
    absWorkingDir: root,
    entryPoints: { index: 'src/api/index.ts' },
    bundle: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    outdir: 'dist/api',
    outExtension: { '.js': '.mjs' },
    packages: 'external',
    logLevel: 'warning',
  });
}

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
    plugins: [deferOclifRequires()],
  });
}
