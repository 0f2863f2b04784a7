// Bundles the GitHub Action into dist/action/ (committed: an Action runs without `npm install`).
// `node scripts/build-action.js [outDir]`; the test suite builds into a temp dir and compares.
import { cpSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const out = path.resolve(process.argv[2] ?? path.join(ROOT, 'dist', 'action'));
const require = createRequire(import.meta.url);

// The node-llama-cpp version the Action installs into the runner's tool cache for the local tier.
const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
const llamaVersion = (
  pkg.peerDependencies?.['node-llama-cpp'] ??
  pkg.optionalDependencies?.['node-llama-cpp'] ??
  pkg.dependencies?.['node-llama-cpp'] ??
  ''
).replace(/^[\^~=]/, '');

rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
await build({
  entryPoints: {
    index: path.join(ROOT, 'src/github-action/entry.ts'),
    'index-worker': path.join(ROOT, 'src/context/index-worker.ts'),
  },
  outdir: out,
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  minify: true,
  legalComments: 'none',
  logLevel: 'warning',
  // The local tier (node-llama-cpp, native) is installed at this pinned version into the runner's
  // tool cache on first use and loaded from there (src/github-action/local-tier.ts). The rest is bundled.
  external: ['node-llama-cpp'],
  define: { __DISTIQ_LLAMA_VERSION__: JSON.stringify(llamaVersion) },
  banner: {
    js: [
      "import { createRequire as __distiqCreateRequire } from 'node:module';",
      "import { fileURLToPath as __distiqFileURLToPath } from 'node:url';",
      'const require = __distiqCreateRequire(import.meta.url);',
      'const __filename = __distiqFileURLToPath(import.meta.url);',
      "const __dirname = __distiqFileURLToPath(new URL('.', import.meta.url));",
      "globalThis.__distiqGrammars = __distiqFileURLToPath(new URL('./grammars', import.meta.url));",
    ].join('\n'),
  },
});
// Grammars (wasm + tags queries) and the tree-sitter runtime, where the bundle looks for them.
const grammars = path.join(out, 'grammars');
for (const pkg of [
  'tree-sitter-typescript',
  'tree-sitter-javascript',
  'tree-sitter-python',
  'tree-sitter-go',
  'tree-sitter-rust',
  'tree-sitter-java',
]) {
  const dir = path.dirname(require.resolve(`${pkg}/package.json`));
  cpSync(dir, path.join(grammars, pkg), {
    recursive: true,
    filter: (p) =>
      p === dir ||
      /\.wasm$/.test(p) ||
      /queries(\/tags\.scm)?$/.test(p) ||
      p === path.join(dir, 'package.json'),
  });
}
cpSync(
  path.join(path.dirname(require.resolve('web-tree-sitter')), 'web-tree-sitter.wasm'),
  path.join(grammars, 'web-tree-sitter.wasm'),
);
writeFileSync(
  path.join(out, 'package.json'),
  JSON.stringify({ type: 'module', private: true }, null, 2) + '\n',
);
console.log(`Action bundled into ${path.relative(ROOT, out) || out}`);
