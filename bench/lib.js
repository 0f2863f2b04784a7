// Shared helpers for the benchmarks: timing, tables, temp git repos, npm-registry hosts.
import { execFileSync, spawnSync } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  realpathSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const CACHE = path.join(ROOT, 'bench', '.cache');
export const BIN = path.join(ROOT, 'bin', 'run.js');

export function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

export function timeMs(fn) {
  const t = process.hrtime.bigint();
  fn();
  return Number(process.hrtime.bigint() - t) / 1e6;
}

export function table(title, headers, rows) {
  const widths = headers.map((h, i) =>
    Math.max(String(h).length, ...rows.map((r) => String(r[i]).length)),
  );
  const line = (cells) =>
    '| ' + cells.map((c, i) => String(c).padEnd(widths[i])).join(' | ') + ' |';
  console.log(`\n### ${title}\n`);
  console.log(line(headers));
  console.log('|' + widths.map((w) => '-'.repeat(w + 2)).join('|') + '|');
  for (const r of rows) console.log(line(r));
}

export function git(cwd, ...args) {
  return execFileSync(
    'git',
    ['-c', 'user.name=bench', '-c', 'user.email=bench@example.com', ...args],
    { cwd, encoding: 'utf8' },
  );
}

/** Fetches a package tarball from the npm registry once and returns its extracted folder. */
export function npmPackage(spec) {
  mkdirSync(CACHE, { recursive: true });
  const dir = path.join(CACHE, spec.replace(/[^\w.-]+/g, '_'));
  if (!existsSync(path.join(dir, 'package.json'))) {
    const out = execFileSync('npm', ['pack', spec, '--silent', '--pack-destination', CACHE], {
      cwd: CACHE,
      encoding: 'utf8',
    })
      .trim()
      .split('\n')
      .pop();
    mkdirSync(dir, { recursive: true });
    execFileSync('tar', ['-xzf', path.join(CACHE, out), '-C', dir, '--strip-components=1']);
  }
  return dir;
}

export const HOST_TSCONFIG = {
  compilerOptions: {
    target: 'ES2022',
    module: 'ESNext',
    moduleResolution: 'Bundler',
    strict: true,
    noEmit: true,
    skipLibCheck: true,
    lib: ['ES2022', 'DOM'],
    types: ['node'],
    allowImportingTsExtensions: true,
  },
  include: ['src'],
};

/** Plain JavaScript hosts are checked as `checkJs` would (loose: no strict null checks). */
export const JS_TSCONFIG = {
  compilerOptions: {
    target: 'ES2022',
    module: 'CommonJS',
    moduleResolution: 'node10',
    allowJs: true,
    checkJs: true,
    strict: false,
    noEmit: true,
    skipLibCheck: true,
    lib: ['ES2022'],
    types: ['node'],
  },
  include: ['src'],
};

/** Hosts written in plain JavaScript (no `src/` TypeScript): their `.js` files become `src/`. */
export const JS_HOSTS = new Set(['semver@7']);

/**
 * A JavaScript package as a host: every `.js` file outside `bin/` and `test/` under `src/`,
 * checked with `JS_TSCONFIG`. Files the checker cannot type from JSDoc get `// @ts-nocheck`
 * (they take no breakages), so the host starts green like the TypeScript ones.
 */
function jsHostRepo(spec, pkg, dir) {
  const copy = (from, to) => {
    for (const e of readdirSync(from, { withFileTypes: true })) {
      if (['node_modules', 'bin', 'test', 'tests'].includes(e.name)) continue;
      const p = path.join(from, e.name);
      if (e.isDirectory()) copy(p, path.join(to, e.name));
      else if (/\.c?js$/.test(e.name)) {
        mkdirSync(to, { recursive: true });
        cpSync(p, path.join(to, e.name));
      }
    }
  };
  copy(pkg, path.join(dir, 'src'));
  writeFileSync(path.join(dir, 'tsconfig.json'), JSON.stringify(JS_TSCONFIG, null, 2));
  symlinkSync(realpathSync(path.join(ROOT, 'node_modules')), path.join(dir, 'node_modules'), 'dir');
  const tsc = spawnSync(path.join(ROOT, 'node_modules', '.bin', 'tsc'), ['-p', 'tsconfig.json'], {
    cwd: dir,
    encoding: 'utf8',
  });
  for (const file of new Set(
    [...tsc.stdout.matchAll(/^(src\/[^(]+)\(\d+,\d+\): error/gm)].map((m) => m[1]),
  )) {
    const abs = path.join(dir, file);
    writeFileSync(abs, `// @ts-nocheck\n${readFileSync(abs, 'utf8')}`);
  }
}

/** A git repo holding a registry package's TypeScript `src/`, type-checked by distiq's own tsc. */
export function hostRepo(spec) {
  const pkg = npmPackage(spec);
  if (JS_HOSTS.has(spec)) {
    const dir = mkdtempSync(
      path.join(os.tmpdir(), `distiq-bench-${spec.replace(/[^\w]+/g, '_')}-`),
    );
    jsHostRepo(spec, pkg, dir);
    return finishHost(spec, dir);
  }
  const dir = mkdtempSync(path.join(os.tmpdir(), `distiq-bench-${spec.replace(/[^\w]+/g, '_')}-`));
  cpSync(path.join(pkg, 'src'), path.join(dir, 'src'), { recursive: true });
  writeFileSync(path.join(dir, 'tsconfig.json'), JSON.stringify(HOST_TSCONFIG, null, 2));
  symlinkSync(realpathSync(path.join(ROOT, 'node_modules')), path.join(dir, 'node_modules'), 'dir');
  return finishHost(spec, dir);
}

function finishHost(spec, dir) {
  writeFileSync(
    path.join(dir, '.distiqrc.json'),
    JSON.stringify({ commands: { build: 'tsc -p tsconfig.json' } }),
  );
  writeFileSync(path.join(dir, '.gitignore'), 'node_modules/\n');
  git(dir, 'init', '-q', '-b', 'main');
  git(dir, 'add', '-A');
  git(dir, 'commit', '-q', '-m', 'host');
  const tsc = spawnSync(path.join(ROOT, 'node_modules', '.bin', 'tsc'), ['-p', 'tsconfig.json'], {
    cwd: dir,
    encoding: 'utf8',
  });
  if (tsc.status !== 0)
    throw new Error(`${spec} does not type-check cleanly:\n${tsc.stdout.slice(0, 2000)}`);
  return dir;
}

export function tsFiles(dir) {
  const out = [];
  const walk = (d) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (/\.(tsx?|c?js)$/.test(e.name) && !e.name.endsWith('.d.ts')) out.push(p);
    }
  };
  walk(path.join(dir, 'src'));
  return out.sort();
}

/** Deterministic PRNG so every run breaks the same places. */
export function rng(seed) {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
