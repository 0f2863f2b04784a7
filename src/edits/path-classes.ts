/**
 * The classes of files the path policy (path-policy.ts) tells apart, by folded base name: what is
 * source, test or documentation (writable), and what a tool loads as configuration or runs as part
 * of the build (never written by an edit, whatever its extension).
 */

/** Extensions of the languages distiq supports, plus documentation. */
export const SOURCE_EXT = new Set([
  '.ts',
  '.mts',
  '.cts',
  '.tsx',
  '.js',
  '.mjs',
  '.cjs',
  '.jsx',
  '.py',
  '.pyi',
  '.go',
  '.rs',
  '.java',
  '.md',
  '.mdx',
  '.rst',
  '.txt',
]);

/** Files a tool loads as configuration or runs as part of the build, by folded base name. */
export const CONFIG_NAMES = new Set([
  'package.json',
  'package-lock.json',
  'npm-shrinkwrap.json',
  'yarn.lock',
  'pnpm-lock.yaml',
  'pnpm-workspace.yaml',
  'bun.lockb',
  'bunfig.toml',
  'deno.json',
  'deno.jsonc',
  'makefile',
  'gnumakefile',
  'cargo.toml',
  'cargo.lock',
  'build.rs',
  'rust-toolchain',
  'rust-toolchain.toml',
  'go.mod',
  'go.sum',
  'go.work',
  'pyproject.toml',
  'setup.cfg',
  'setup.py',
  'conftest.py',
  'tox.ini',
  'pytest.ini',
  'noxfile.py',
  'requirements.txt',
  'pipfile',
  'manage.py',
  'dockerfile',
  'build.gradle',
  'settings.gradle',
  'pom.xml',
  'gradlew',
  'cmakelists.txt',
  'justfile',
  'taskfile.yml',
  'lefthook.yml',
  'lefthook-local.yml',
]);

/** `vitest.config.ts`, `eslint.config.mjs`, `jest.setup.js`, `.babelrc.js`, `webpack.prod.js`… */
export const CONFIG_PATTERNS: RegExp[] = [
  /^tsconfig.*\.json$/,
  /^jsconfig.*\.json$/,
  /[.\-_](config|conf|rc)(\.[\w-]+)*\.[cm]?[jt]sx?$/,
  /(^|[.\-_])(setup|teardown|globalsetup|globalteardown|setuptests|setupfiles)([.\-_]|$)/,
  /^(vitest|vite|jest|eslint|prettier|babel|webpack|rollup|esbuild|tsup|karma|mocha|ava|playwright|cypress|stylelint|postcss|tailwind|turbo|nx|lerna|rspack|rsbuild|swc|biome|knip|nodemon|wrangler|gulpfile|gruntfile|jakefile|distiq)([.\-_]|$)/,
  /\.mk$/,
];

export const STATE_NAMES = new Set(['.distiq', 'distiq-state']);
