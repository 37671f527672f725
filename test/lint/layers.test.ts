/**
 * The layer rules of eslint.config.js catch what they are meant to: the rules are taken from the
 * project's own configuration and run on lines that cross a layer the wrong way, as a file at
 * that place in src/ would hold them. (The type-aware rules are left out: they need the file on
 * disk; these two need only the import paths.)
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { ESLint, type Linter } from 'eslint';
import tseslint from 'typescript-eslint';
import { importX } from 'eslint-plugin-import-x';
import { ROOT } from '../support/helpers.js';

const LAYER_RULES = ['import-x/no-restricted-paths', 'import-x/no-cycle'];

async function linter(): Promise<ESLint> {
  const project = ((await import(path.join(ROOT, 'eslint.config.js'))) as { default: Linter.Config[] }).default;
  const withRules = project.find((c) => c.rules && LAYER_RULES.every((r) => r in c.rules!));
  assert.ok(withRules?.rules && withRules.settings, 'eslint.config.js holds the layer rules');
  const rules = Object.fromEntries(LAYER_RULES.map((r) => [r, withRules.rules![r]!]));
  return new ESLint({
    cwd: ROOT,
    overrideConfigFile: true,
    overrideConfig: [{ files: ['**/*.ts'], languageOptions: { parser: tseslint.parser }, plugins: { 'import-x': importX }, settings: withRules.settings, rules }],
  });
}

async function findings(eslint: ESLint, file: string, source: string): Promise<string[]> {
  const [result] = await eslint.lintText(source, { filePath: path.join(ROOT, file) });
  return (result?.messages ?? []).map((m) => `${m.ruleId ?? ''}: ${m.message}`);
}

describe('lint: the layer rules', function () {
  this.timeout(60_000);

  it('refuse a core module that imports the CLI, a presenter, the shell or a command', async () => {
    const eslint = await linter();
    for (const target of ['../cli/output.js', '../cli/presenters/keys.js', '../shell/shell.js', '../commands/help.js', '../registry.js']) {
      const found = await findings(eslint, 'src/core/layer-check.ts', `import * as edge from '${target}';\nexport const used = edge;\n`);
      assert.ok(found.some((f) => f.includes('no-restricted-paths')), `src/core importing ${target}: ${found.join('; ')}`);
    }
  });

  it('refuse the shell and a command that reach the store without perform()', async () => {
    const eslint = await linter();
    for (const [file, target] of [['src/shell/layer-check.ts', '../core/store/index.js'], ['src/commands/key/layer-check.ts', '../../core/store/store.js']] as const) {
      const found = await findings(eslint, file, `import { Store } from '${target}';\nexport const used = Store;\n`);
      assert.ok(found.some((f) => f.includes('no-restricted-paths')), `${file} importing the store: ${found.join('; ')}`);
    }
  });

  it('accept the directions the architecture allows', async () => {
    const eslint = await linter();
    assert.deepEqual(await findings(eslint, 'src/shell/layer-check.ts', "import { perform } from '../core/engine.js';\nexport const used = perform;\n"), []);
    assert.deepEqual(await findings(eslint, 'src/commands/layer-check.ts', "import { presentKey } from '../cli/presenters/keys.js';\nexport const used = presentKey;\n"), []);
  });

  it('refuse an import that closes a cycle, dynamic ones included', async () => {
    const eslint = await linter();
    // engine.ts is imported by every operation module: importing one back from "engine's place" closes a loop.
    const found = await findings(eslint, 'src/core/engine.ts', "export const later = () => import('./users/operations.js');\n");
    assert.ok(found.some((f) => f.includes('no-cycle')), found.join('; '));
  });
});
