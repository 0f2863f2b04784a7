// Index speed on a large real codebase: distiq index cold and warm (one file touched), against
// Universal Ctags (`ctags -R`) on the same files in the same run. Peak RSS from the child process.
import { spawnSync } from 'node:child_process';
import { appendFileSync, cpSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { BIN, git, median, npmPackage, table, timeMs } from './lib.js';

export function benchIndexSpeed({ runs = 3 } = {}) {
  if (spawnSync('ctags', ['--version']).status !== 0)
    throw new Error('Universal Ctags is needed for this baseline: apt-get install universal-ctags');
  const repo = mkdtempSync(path.join(os.tmpdir(), 'distiq-bench-index-'));
  for (const spec of [
    'effect@3',
    'rxjs@7',
    'typescript@5.9',
    'zod@4',
    '@tanstack/query-core@5',
    '@types/node@20',
  ]) {
    cpSync(npmPackage(spec), path.join(repo, spec.replace(/@[^@/]*$/, '').replace(/[@/]/g, '_')), {
      recursive: true,
      filter: (p) => !/\.(js|cjs|mjs|map)$/.test(p),
    });
  }
  git(repo, 'init', '-q', '-b', 'main');
  git(repo, 'add', '-A');
  git(repo, 'commit', '-q', '-m', 'host');
  const index = () => {
    const r = spawnSync(
      '/usr/bin/time',
      ['-f', '%M', process.execPath, BIN, 'index', '--json', '--cwd', repo],
      { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 },
    );
    if (r.status !== 0) throw new Error(r.stderr);
    return {
      stats: JSON.parse(r.stdout),
      maxRssMb: Math.round(Number(r.stderr.trim().split('\n').pop()) / 1024),
    };
  };
  // The file touched for the warm run: a median-sized source file, the representative edit.
  const sources = git(repo, 'ls-files', '*.ts')
    .split('\n')
    .filter((f) => f && !f.endsWith('.d.ts'))
    .map((f) => ({ f, size: statSync(path.join(repo, f)).size }))
    .sort((a, b) => a.size - b.size);
  const touched = sources[Math.floor(sources.length / 2)].f;
  const cold = [];
  const warm = [];
  const coldIndexMs = [];
  const warmIndexMs = [];
  const ctags = [];
  let last;
  for (let i = 0; i < runs; i++) {
    ctags.push(
      timeMs(() =>
        spawnSync('ctags', ['-R', '-f', '/dev/null', '--languages=TypeScript', '.'], { cwd: repo }),
      ),
    );
    rmSync(path.join(repo, '.git', 'distiq', 'index'), { recursive: true, force: true });
    cold.push(timeMs(() => (last = index())));
    coldIndexMs.push(last.stats.durationMs);
    appendFileSync(path.join(repo, touched), `\n// touched ${i}\n`);
    let w;
    warm.push(timeMs(() => (w = index())));
    warmIndexMs.push(w.stats.durationMs);
    if (w.stats.parsed !== 1)
      throw new Error(`warm re-index parsed ${w.stats.parsed} files, expected 1`);
  }
  const c = median(cold);
  const k = median(ctags);
  const ci = median(coldIndexMs);
  const wi = median(warmIndexMs);
  table(
    `Index speed on ${last.stats.files} files (${last.stats.definitions} definitions, ${last.stats.references} references), median of ${runs}; warm = ${touched} touched`,
    ['what', 'wall ms (CLI)', 'index ms (in-process)', 'ratio', 'target'],
    [
      ['ctags -R (baseline)', k.toFixed(0), '', '1.00× ctags', ''],
      [
        'distiq index, cold',
        c.toFixed(0),
        ci.toFixed(0),
        `${(c / k).toFixed(2)}× ctags (wall)`,
        c / k <= 3 ? 'ok (≤ 3× ctags)' : 'OVER (≤ 3× ctags)',
      ],
      [
        'distiq index, warm (1 file touched)',
        median(warm).toFixed(0),
        wi.toFixed(0),
        `${((100 * wi) / ci).toFixed(1)}% of cold (index ms)`,
        wi / ci < 0.05 ? 'ok (< 5% of cold)' : 'OVER (< 5% of cold)',
      ],
      ['peak RSS, cold (MB)', last.maxRssMb, '', '', ''],
    ],
  );
  return { cold: c, ctags: k, warm: median(warm) };
}
