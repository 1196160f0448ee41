// Lint: a few type-aware rules that catch real bugs, not style (formatting is left to the author).
//   npm run lint
// Every rule here has found or would find a defect in this code base: a promise nobody awaits (its
// rejection is lost, or work races the next step), an async function where the caller expects a plain
// callback (VS Code and the DOM ignore the promise it returns), an `any` that switches the checker off,
// a variable left behind by a refactor, `==` between values of different types.
import fs from 'node:fs';
import path from 'node:path';
import { defineConfig } from 'eslint/config';
import tseslint from 'typescript-eslint';

const NO_VSCODE = { name: 'vscode', message: 'only the VS Code layer (src/editor, src/inspector, src/extension.ts, src/settings.ts) imports vscode' };
const ENGINE_INTERNALS = { regex: '(^|/)engine/.', message: "import from the engine's index (src/engine), not its internals" };
const UI_KIT = { group: ['@vscode/webview-ui-toolkit', '@vscode/webview-ui-toolkit/*'], message: 'only webview/components/toolkit*.ts knows the UI kit' };

// Inside the engine, every folder is entered through its index.ts, and the folders are layers: each one
// imports only folders listed before it here (type-only imports included), so no circle can form between
// them. The top-level modules (types.ts, json-text.ts, safetensors.ts) sit below every folder; index.ts,
// the engine's door, above them all. A new folder has to take its place in this list.
const ENGINE_LAYERS = ['tokens', 'onnx', 'dictionary', 'bundle', 'inference', 'edit', 'explain', 'compare', 'snapshot', 'worker', 'analysis'];
const engineDir = path.join(import.meta.dirname, 'src/engine');
const unplaced = fs.readdirSync(engineDir).filter((f) => fs.statSync(path.join(engineDir, f)).isDirectory() && !ENGINE_LAYERS.includes(f));
if (unplaced.length) throw new Error(`eslint.config.mjs: place src/engine/${unplaced.join(', src/engine/')} in ENGINE_LAYERS`);
const FOLDER_INTERNALS = { regex: '^\\.\\./[^./]+/', message: "import another engine folder through its index ('../onnx', not '../onnx/proto')" };
const DOOR_INTERNALS = { regex: '^\\./[^./]+/', message: "import an engine folder through its index ('./analysis', not './analysis/engine')" };
const ROOT_INTO_FOLDERS = { regex: `^\\./(${ENGINE_LAYERS.join('|')})(/|$)`, message: 'the top-level engine modules sit below every engine folder' };
const engineLayerRules = ENGINE_LAYERS.map((folder, i) => {
  const below = ENGINE_LAYERS.slice(0, i);
  const above = { regex: `^\\.\\./(${ENGINE_LAYERS.slice(i + 1).join('|')})$`, message: `src/engine/${folder} may import only the engine folders below it (${below.join(', ') || 'none'}; eslint.config.mjs, ENGINE_LAYERS)` };
  const patterns = i + 1 < ENGINE_LAYERS.length ? [FOLDER_INTERNALS, above, UI_KIT] : [FOLDER_INTERNALS, UI_KIT];
  return { files: [`src/engine/${folder}/**/*.ts`], rules: { 'no-restricted-imports': ['error', { paths: [NO_VSCODE], patterns }] } };
});

export default defineConfig(
  {
    ignores: [
      'dist/**',
      'out/**',
      'node_modules/**',
      'media/**',
      'training/**',
      'test-results/**',
      '.cache/**',
      // Documents the end-to-end tests open in VS Code, not code of the project.
      'test/e2e/workspace/**',
      // Hidden files at the top (editor and tool leftovers, local scratch) are no part of the project.
      '.*',
    ],
  },
  {
    files: ['**/*.{ts,mts,mjs}'],
    languageOptions: {
      parser: tseslint.parser,
      parserOptions: {
        projectService: {
          // Files outside tsconfig.json's `include` (build scripts, configs) get a default project.
          allowDefaultProject: ['scripts/*.mjs', 'eslint.config.mjs', 'vitest.e2e.config.mts'],
        },
        tsconfigRootDir: import.meta.dirname,
      },
    },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    plugins: { '@typescript-eslint': tseslint.plugin },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/await-thenable': 'error',
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': [
        'error',
        {
          args: 'after-used',
          argsIgnorePattern: '^_',
          varsIgnorePattern: '^_',
          caughtErrors: 'all',
          caughtErrorsIgnorePattern: '^_',
          destructuredArrayIgnorePattern: '^_',
          ignoreRestSiblings: true,
        },
      ],
      eqeqeq: ['error', 'smart'],
      'no-fallthrough': 'error',
    },
  },
  // The layering CONTRIBUTING.md describes, checked rather than hoped for: only the VS Code layer
  // (src/extension.ts, src/settings.ts, src/editor/, src/inspector/) imports `vscode`; everything
  // outside the engine enters it through its index; inside, the engine's folders are layers (above);
  // only the toolkit module knows the UI kit.
  {
    files: ['src/**/*.ts', 'webview/**/*.ts'],
    ignores: ['src/engine/**'],
    rules: { 'no-restricted-imports': ['error', { patterns: [ENGINE_INTERNALS, UI_KIT] }] },
  },
  {
    files: ['src/cli/**/*.ts', 'src/protocol/**/*.ts', 'src/shared/**/*.ts', 'src/featureIndex/**/*.ts', 'webview/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { paths: [NO_VSCODE], patterns: [UI_KIT] }] },
  },
  {
    files: ['src/engine/*.ts'],
    ignores: ['src/engine/index.ts'],
    rules: { 'no-restricted-imports': ['error', { paths: [NO_VSCODE], patterns: [ROOT_INTO_FOLDERS, UI_KIT] }] },
  },
  {
    files: ['src/engine/index.ts'],
    rules: { 'no-restricted-imports': ['error', { paths: [NO_VSCODE], patterns: [DOOR_INTERNALS, UI_KIT] }] },
  },
  ...engineLayerRules,
  {
    files: ['src/cli/**/*.ts', 'src/protocol/**/*.ts', 'src/shared/**/*.ts', 'src/featureIndex/**/*.ts', 'webview/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { paths: [NO_VSCODE], patterns: [ENGINE_INTERNALS, UI_KIT] }] },
  },
  {
    files: ['webview/components/toolkit*.ts'],
    rules: { 'no-restricted-imports': ['error', { paths: [NO_VSCODE], patterns: [ENGINE_INTERNALS] }] },
  },
);
