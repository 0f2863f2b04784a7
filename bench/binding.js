// tree-sitter binding choice, measured: the native binding (tree-sitter 0.21 prebuilds, installed into
// bench/.cache from the npm registry) against web-tree-sitter (WASM), parsing the same files.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { CACHE, npmPackage, table } from './lib.js';

export function benchBinding() {
  const nativeDir = path.join(CACHE, 'native-tree-sitter');
  if (!existsSync(path.join(nativeDir, 'node_modules', 'tree-sitter'))) {
    mkdirSync(nativeDir, { recursive: true });
    execFileSync('npm', ['init', '-y'], { cwd: nativeDir, stdio: 'ignore' });
    execFileSync(
      'npm',
      ['install', '--no-audit', '--no-fund', 'tree-sitter@0.21', 'tree-sitter-typescript@0.23.2'],
      { cwd: nativeDir, stdio: 'ignore' },
    );
  }
  const wasm = path.join(
    path.dirname(createRequire(import.meta.url).resolve('tree-sitter-typescript/package.json')),
    'tree-sitter-typescript.wasm',
  );
  const src = path.join(npmPackage('effect@3'), 'src');
  const worker = path.join(path.dirname(new URL(import.meta.url).pathname), 'binding-worker.mjs');
  const rows = [];
  for (const which of ['wasm', 'native']) {
    const r = spawnSync(process.execPath, [worker, which, src, nativeDir, wasm], {
      encoding: 'utf8',
    });
    if (r.status !== 0) {
      rows.push([which, 'failed', r.stderr.split('\n')[0], '', '']);
      continue;
    }
    const m = JSON.parse(r.stdout);
    rows.push([
      which === 'wasm' ? 'web-tree-sitter 0.27 (WASM)' : 'tree-sitter 0.21 (native)',
      m.files,
      m.mb.toFixed(1),
      (m.mb / m.seconds).toFixed(1),
      m.rssMb.toFixed(0),
    ]);
  }
  table(
    'tree-sitter binding on effect@3 src (same files, separate processes)',
    ['binding', 'files', 'MB', 'MB/s', 'RSS MB'],
    rows,
  );
}
