import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { eslintFixer } from '../../src/autofix/eslint.js';
import { typescriptFixer } from '../../src/autofix/typescript.js';
import { parseFailures } from '../../src/validation/parsers/index.js';
import { runCommand } from '../../src/validation/run-command.js';
import { makeRepo } from '../helpers.js';
import { TSCONFIG, tscFailures } from '../support/ts-repo.js';

describe('typescript fixer (language service code fixes)', () => {
  it('fixes a misspelling, a dropped import and a missing await, in memory only', async () => {
    const dir = makeRepo({
      nodeModules: true,
      files: {
        'package.json': '{"type":"module"}',
        'tsconfig.json': TSCONFIG,
        'src/util.ts':
          'export function double(n: number): number { return n * 2; }\nexport async function load(): Promise<number> { return 1; }\n',
        'src/main.ts':
          "import { load } from './util.js';\nconst limit = 3;\nexport const a = double(limit);\nexport const b = limt + 1;\nexport async function c(): Promise<number> { const v = load(); return v * 2; }\n",
      },
    });
    const failures = await tscFailures(dir);
    expect(failures.map((f) => f.code).sort()).toEqual(['TS2304', 'TS2362', 'TS2552']);
    const before = readFileSync(path.join(dir, 'src/main.ts'), 'utf8');
    const [combined] = await typescriptFixer.propose(failures, { root: dir, secretEnvVars: [] });
    expect(readFileSync(path.join(dir, 'src/main.ts'), 'utf8')).toBe(before); // nothing written
    expect(combined!.edits).toHaveLength(1);
    const after = combined!.edits[0]!.after;
    expect(after).toContain("import { double, load } from './util.js';");
    expect(after).toContain('export const b = limit + 1;');
    expect(after).toContain('await v');
    expect(combined!.descriptions).toHaveLength(3);
  });

  it('respells the parameter a type predicate names (TS1225) from the function own parameters', async () => {
    const dir = makeRepo({
      nodeModules: true,
      files: {
        'tsconfig.json': TSCONFIG,
        'src/main.ts':
          'export function isText(target: unknown): trget is string {\n  return typeof target === "string";\n}\n',
      },
    });
    const failures = await tscFailures(dir);
    expect(failures.map((f) => f.code)).toEqual(['TS1225']);
    const [first] = await typescriptFixer.propose(failures, { root: dir, secretEnvVars: [] });
    expect(first!.edits[0]!.after).toContain('(target: unknown): target is string');
  });

  it('proposes nothing where only an error-hiding fix exists', async () => {
    const dir = makeRepo({
      nodeModules: true,
      files: {
        'tsconfig.json': TSCONFIG,
        'src/main.ts':
          'interface Point { x: number }\nconst p: Point = { x: 1 };\nexport const y = p.y;\nexport const n: number = "text";\n',
      },
    });
    const failures = await tscFailures(dir);
    expect(failures.map((f) => f.code).sort()).toEqual(['TS2322', 'TS2339']);
    // TS offers "declare property 'y'" and "@ts-ignore"-style fixes here; neither is a repair.
    expect(await typescriptFixer.propose(failures, { root: dir, secretEnvVars: [] })).toEqual([]);
  });
});

describe('eslint fixer', () => {
  it('computes fixes with the repo eslint without writing', async () => {
    const dir = makeRepo({
      nodeModules: true,
      files: {
        'package.json': '{"type":"module"}',
        'eslint.config.js':
          "export default [{ files: ['**/*.js'], rules: { 'prefer-const': 'error', semi: 'error', 'no-unused-vars': 'error' } }];\n",
        'src/a.js': 'let a = 1\nexport { a };\n',
      },
    });
    const run = await runCommand('eslint src', { cwd: dir, timeoutMs: 60_000 });
    const failures = parseFailures(run.output, { root: dir });
    expect(failures.map((f) => f.code)).toEqual(['prefer-const', 'semi']);
    const [proposal] = await eslintFixer.propose(failures, { root: dir, secretEnvVars: [] });
    expect(proposal!.edits).toEqual([
      {
        path: 'src/a.js',
        before: 'let a = 1\nexport { a };\n',
        after: 'const a = 1;\nexport { a };\n',
      },
    ]);
    expect(readFileSync(path.join(dir, 'src/a.js'), 'utf8')).toBe('let a = 1\nexport { a };\n');
  });
});
