import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildIndex } from '../../src/context/index.js';
import { lineReader } from '../../src/context/line-reader.js';
import { localizeFailures, localizeQuery } from '../../src/context/localize.js';
import { packContext } from '../../src/context/pack.js';
import { buildRepoMap } from '../../src/context/repo-map.js';
import { parseFailures } from '../../src/validation/parsers/index.js';
import { runCommand } from '../../src/validation/run-command.js';
import { makeRepo, runCli, writeFiles } from '../helpers.js';
import { TSCONFIG } from '../support/ts-repo.js';

describe('index', () => {
  it('records definitions, references and resolved imports in six languages', async () => {
    const dir = makeRepo({
      files: {
        'src/a.ts':
          'export interface Shape { area(): number }\nexport type Id = string;\nexport enum Color { Red }\nexport const LIMIT = 3;\nexport function scale(s: Shape, k: number): number { return s.area() * k; }\n',
        'src/b.ts':
          "import { scale, type Shape } from './a.js';\nexport class Square implements Shape { constructor(private side: number) {}\n  area() { return this.side ** 2; } }\nexport const twice = (s: Shape) => scale(s, 2);\n",
        'app/main.py':
          'from .util import helper\n\nclass App:\n    def run(self):\n        return helper()\n',
        'app/util.py': 'def helper():\n    return 1\n',
        'go/main.go':
          'package main\n\nfunc Add(a, b int) int { return a + b }\n\nfunc main() { Add(1, 2) }\n',
        'rs/lib.rs': 'pub struct Point { x: i32 }\npub fn origin() -> Point { Point { x: 0 } }\n',
        'java/A.java': 'class A { int f() { return 1; } }\n',
      },
    });
    const index = await buildIndex(dir);
    const defs = (p: string) => index.files.get(p)!.defs.map((d) => `${d.kind}:${d.name}`);
    expect(defs('src/a.ts')).toEqual(
      expect.arrayContaining([
        'interface:Shape',
        'type:Id',
        'enum:Color',
        'constant:LIMIT',
        'function:scale',
        'method:area',
      ]),
    );
    expect(defs('src/b.ts')).toEqual(
      expect.arrayContaining(['class:Square', 'method:area', 'function:twice']),
    );
    expect(index.files.get('src/b.ts')!.resolved).toEqual(['src/a.ts']);
    expect(index.files.get('src/b.ts')!.refs.names).toEqual(
      expect.arrayContaining(['scale', 'Shape']),
    );
    expect(defs('app/main.py')).toEqual(expect.arrayContaining(['class:App', 'function:run']));
    expect(index.files.get('app/main.py')!.resolved).toEqual(['app/util.py']);
    expect(defs('go/main.go')).toEqual(expect.arrayContaining(['function:Add', 'function:main']));
    expect(defs('rs/lib.rs')).toEqual(expect.arrayContaining(['function:origin']));
    expect(defs('java/A.java')).toEqual(expect.arrayContaining(['class:A', 'method:f']));
    expect(index.files.get('src/a.ts')!.defs.find((d) => d.name === 'scale')).toMatchObject({
      startLine: 5,
      endLine: 5,
      signature: expect.stringContaining('export function scale(s: Shape, k: number): number'),
    });
  });

  it('re-parses only changed files; skips binary and huge files with a counted warning; survives garbage', async () => {
    const dir = makeRepo({
      files: {
        'a.ts': 'export const a = 1;\n',
        'b.ts': 'export const b = 2;\n',
        'bin.ts': 'x\u0000y',
        'broken.ts': 'export function (((( {{{ ]]] !!\n',
      },
    });
    writeFileSync(path.join(dir, 'huge.ts'), 'export const x = 1;\n'.repeat(70_000));
    execFileSync('git', ['add', '-A'], { cwd: dir });
    const warnings: string[] = [];
    const first = await buildIndex(dir, { onWarn: (w) => warnings.push(w) });
    expect(first.stats).toMatchObject({
      parsed: 3,
      cached: 0,
      skipped: { binary: 1, tooLarge: 1 },
    });
    expect(warnings.join('\n')).toMatch(/2 file\(s\) skipped: 1 binary, 1 over 1 MiB/);
    const second = await buildIndex(dir);
    expect(second.stats).toMatchObject({ parsed: 0, cached: 3 });
    writeFiles(dir, { 'b.ts': 'export const b = 3;\nexport function more() {}\n' });
    const third = await buildIndex(dir);
    expect(third.stats).toMatchObject({ parsed: 1, cached: 2 });
    expect(third.files.get('b.ts')!.defs.map((d) => d.name)).toContain('more');
    expect(
      execFileSync('git', ['status', '--porcelain'], { cwd: dir, encoding: 'utf8' }),
    ).not.toContain('.distiq'); // its own folder ignores itself
  });
});

describe('localization and packing', () => {
  it('an error at a call site in b.ts caused by a changed signature in a.ts brings in a.ts’s declaration', async () => {
    const dir = makeRepo({
      nodeModules: true,
      files: {
        'tsconfig.json': TSCONFIG,
        'src/a.ts':
          'export function total(values: number[], currency: string): string {\n  return `${values.reduce((x, y) => x + y, 0)} ${currency}`;\n}\n',
        'src/b.ts':
          "import { total } from './a.js';\n\nexport function invoice(lines: number[]): string {\n  const sum = total(lines);\n  return `Invoice: ${sum}`;\n}\n",
        'src/unrelated.ts':
          Array.from({ length: 5 }, (_, i) => `export const noise${i} = ${i};`).join('\n') + '\n',
      },
    });
    const run = await runCommand('tsc -p tsconfig.json', { cwd: dir, timeoutMs: 60_000 });
    const failures = parseFailures(run.output, { root: dir });
    expect(failures.map((f) => [f.file, f.line, f.code])).toEqual([['src/b.ts', 4, 'TS2554']]);
    const index = await buildIndex(dir);
    const lines = lineReader(dir);
    const packed = packContext(
      localizeFailures(index, failures, (p, l) => lines(p)?.[l - 1]),
      lines,
      2000,
    );
    const a = packed.spans.find((s) => s.path === 'src/a.ts');
    expect(a).toMatchObject({ startLine: 1, endLine: 3 });
    expect(a!.reason).toContain('definition of total');
    expect(packed.spans.find((s) => s.path === 'src/b.ts')!.reason).toContain(
      'failure site src/b.ts:4',
    );
    expect(packed.spans.some((s) => s.path === 'src/unrelated.ts')).toBe(false);
    expect(packed.text).toMatch(/^src\/a\.ts:1-3 \(/); // deterministic order: by path, then line, with line numbers
    expect(packed.text).toContain('\n4│   const sum = total(lines);');
    // The same input gives the same bytes (prompt caches depend on it).
    expect(
      packContext(
        localizeFailures(index, failures, (p, l) => lines(p)?.[l - 1]),
        lines,
        2000,
      ).text,
    ).toBe(packed.text);
  });

  it('never exceeds the token budget; a long span is cut, not dropped', () => {
    const long = Array.from(
      { length: 400 },
      (_, i) => `const value${i} = ${i} * factor; // some commentary on line ${i}`,
    );
    const packed = packContext(
      [{ path: 'big.ts', startLine: 1, endLine: 400, reason: 'test', score: 1 }],
      () => long,
      500,
    );
    expect(packed.tokens).toBeLessThanOrEqual(500);
    expect(packed.spans[0]!.startLine).toBe(1);
    expect(packed.spans[0]!.endLine).toBeLessThan(400);
  });

  it('a task text finds the definitions it talks about (BM25 over identifiers and paths)', async () => {
    const dir = makeRepo({
      files: {
        'src/retry.ts':
          'export function retryWithBackoff(fn: () => Promise<void>, attempts: number) {}\n',
        'src/cache.ts': 'export function evictOldEntries(limit: number) {}\n',
        'src/format.ts': 'export function formatCurrency(amount: number) {}\n',
      },
    });
    const top = localizeQuery(
      await buildIndex(dir),
      'Add exponential backoff to the retry helper',
      5,
    );
    expect(top[0]).toMatchObject({
      path: 'src/retry.ts',
      reason: expect.stringContaining('retry'),
    });
  });

  it('the repo map ranks and fits its budget, in stable order', async () => {
    const files: Record<string, string> = {
      'src/core.ts': 'export function core() {}\nexport interface Config { a: string }\n',
    };
    for (let i = 0; i < 30; i++)
      files[`src/user${i}.ts`] =
        `import { core, type Config } from './core.js';\nexport function user${i}(c: Config) { return core(); }\n`;
    const index = await buildIndex(makeRepo({ files }));
    const map = buildRepoMap(index, { tokens: 120 });
    expect(map.tokens).toBeLessThanOrEqual(120);
    expect(map.text.startsWith('src/core.ts:')).toBe(true); // the most referenced file made the cut
    expect(buildRepoMap(index, { tokens: 120 }).text).toBe(map.text);
  });
});

describe('distiq index and distiq context (CLI)', () => {
  it('documented JSON shapes on the ts-app fixture', async () => {
    const dir = makeRepo({ fixture: 'ts-app', nodeModules: true });
    const idx = JSON.parse((await runCli(['index', '--json'], { cwd: dir })).stdout);
    expect(idx).toMatchObject({
      files: 4,
      parsed: 4,
      definitions: expect.any(Number),
      importEdges: 2,
      skipped: { binary: 0 },
    });
    const r = await runCli(['context', '--failures', '--tokens', '4000', '--json'], { cwd: dir });
    const ctx = JSON.parse(r.stdout);
    expect(Object.keys(ctx).sort()).toEqual(['spans', 'tokens', 'warnings']);
    expect(ctx.tokens).toBeLessThanOrEqual(4000);
    expect(ctx.spans.map((s: any) => s.path)).toEqual(
      expect.arrayContaining(['src/math.ts', 'src/report.ts']),
    );
    expect(ctx.spans[0]).toEqual({
      path: expect.any(String),
      startLine: expect.any(Number),
      endLine: expect.any(Number),
      reason: expect.any(String),
      score: expect.any(Number),
    });
    const bad = await runCli(['context'], { cwd: dir });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('exactly one of --failures or --query');
  });
});
