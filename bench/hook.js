// Pre-push hook overhead on a large real codebase: a push of 3 changed files, the installed hook run
// as git runs it (fresh process, refs on stdin), against `git diff --name-only` + the syntax check alone.
import { spawnSync } from 'node:child_process';
import { appendFileSync, cpSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { BIN, ROOT, git, median, npmPackage, table, timeMs } from './lib.js';

function tsFilesUnder(dir) {
  const out = [];
  const walk = (d) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith('.ts')) out.push(p);
    }
  };
  walk(dir);
  return out;
}

export function benchHook({ pushes = 15 } = {}) {
  const repo = mkdtempSync(path.join(os.tmpdir(), 'distiq-bench-hook-'));
  // Whole packages (sources and declaration files), JavaScript bundles and maps left out.
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
  const files = tsFilesUnder(repo).map((f) => path.relative(repo, f));
  git(repo, 'init', '-q', '-b', 'main');
  git(repo, 'add', '-A');
  git(repo, 'commit', '-q', '-m', 'host');
  const bare = path.join(mkdtempSync(path.join(os.tmpdir(), 'distiq-bench-remote-')), 'r.git');
  spawnSync('git', ['init', '-q', '--bare', '-b', 'main', bare]);
  git(repo, 'remote', 'add', 'origin', bare);
  git(repo, 'push', '-q', 'origin', 'main');
  const install = spawnSync(process.execPath, [BIN, 'hook', 'install', '--cwd', repo], {
    encoding: 'utf8',
  });
  if (install.status !== 0) throw new Error(install.stderr);
  const hook = path.join(repo, '.git', 'hooks', 'pre-push');
  const env = { ...process.env };
  delete env.CI;
  const samples = { hook: [], baseline: [], pushWithHook: [], pushNoVerify: [] };
  const sourceFiles = files.filter((f) => !f.endsWith('.d.ts') && f.startsWith('effect/src/'));
  for (let i = 0; i < pushes; i++) {
    const base = git(repo, 'rev-parse', 'HEAD').trim();
    for (const f of sourceFiles.slice(i * 3, i * 3 + 3))
      appendFileSync(path.join(repo, f), `\n// edit ${i}\n`);
    git(repo, 'commit', '-q', '-am', `edit ${i}`);
    const head = git(repo, 'rev-parse', 'HEAD').trim();
    const stdin = `refs/heads/main ${head} refs/heads/main ${base}\n`;
    samples.hook.push(
      timeMs(() => {
        const r = spawnSync(hook, ['origin', bare], { cwd: repo, input: stdin, env });
        if (r.status !== 0) throw new Error(`hook failed: ${r.stderr}`);
      }),
    );
    samples.baseline.push(
      timeMs(() =>
        spawnSync(
          process.execPath,
          [path.join(ROOT, 'bench', 'hook-baseline.mjs'), repo, base, head],
          { env },
        ),
      ),
    );
    // For scale: a real push with the hook, and one without (each pushes the same commit anew).
    samples.pushWithHook.push(
      timeMs(() =>
        spawnSync('git', ['push', '-q', '--force', 'origin', 'HEAD:refs/heads/bench-a'], {
          cwd: repo,
          env,
        }),
      ),
    );
    samples.pushNoVerify.push(
      timeMs(() =>
        spawnSync(
          'git',
          ['push', '-q', '--force', '--no-verify', 'origin', 'HEAD:refs/heads/bench-b'],
          { cwd: repo, env },
        ),
      ),
    );
    git(repo, 'push', '-q', '--no-verify', 'origin', 'HEAD:main');
  }
  const base = median(samples.baseline);
  const hookMs = median(samples.hook);
  table(
    `Pre-push hook on ${files.length} real TypeScript files (effect, rxjs, typescript, zod, query-core, @types/node), push of 3 changed files, median of ${pushes}`,
    ['what', 'median ms', 'vs baseline', 'target'],
    [
      ['git diff --name-only + syntax check (baseline)', base.toFixed(0), '1.00×', ''],
      [
        'distiq pre-push hook (no user commands)',
        hookMs.toFixed(0),
        (hookMs / base).toFixed(2) + '×',
        `${hookMs < 300 ? 'ok' : 'OVER'} (< 300 ms), ${hookMs / base < 2 ? 'ok' : 'OVER'} (< 2×)`,
      ],
      ['git push with the hook (for scale)', median(samples.pushWithHook).toFixed(0), '', ''],
      ['git push --no-verify (for scale)', median(samples.pushNoVerify).toFixed(0), '', ''],
    ],
  );
  writeFileSync(path.join(repo, '.bench-done'), '');
  return { hookMs, base };
}
