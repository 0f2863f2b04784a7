import { execFileSync } from 'node:child_process';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseFailures } from '../../src/validation/parsers/index.js';
import { runCommand } from '../../src/validation/run-command.js';
import { makeRepo } from '../helpers.js';

// Output generated right now by the real tools distiq installs (tsc, eslint, vitest, prettier, node --test).
let dir: string;
const run = async (cmd: string, env: Record<string, string> = {}) => {
  const r = await runCommand(cmd, { cwd: dir, timeoutMs: 60_000 });
  void env;
  return r.output;
};

beforeAll(() => {
  dir = makeRepo({
    nodeModules: true,
    files: {
      'package.json': '{"type":"module"}',
      'tsconfig.json': JSON.stringify({
        compilerOptions: {
          strict: true,
          noEmit: true,
          target: 'ES2022',
          module: 'NodeNext',
          types: [],
        },
        include: ['src'],
      }),
      'src/a.ts':
        'const count = 1;\nconsole.log(cout);\nconst x: { a: string } = { a: 1 };\ntype Deep = { a: { b: string } };\nconst d: Deep = { a: { b: 5 } };\nexport { x, d };\n',
      'src/b.test.ts':
        "import { test, expect } from 'vitest';\ntest('adds', () => { expect(1 + 1).toBe(3); });\ntest('ok', () => { expect(1).toBe(1); });\n",
      'src/c.js': 'let a = 1\nconst b = 2;\nexport { a };\n',
      'eslint.config.js':
        "export default [{ files: ['**/*.js'], rules: { 'no-unused-vars': 'error', 'prefer-const': 'warn', semi: 'error' } }];\n",
      'nt/x.test.mjs':
        "import test from 'node:test';\nimport assert from 'node:assert/strict';\ntest('adds', () => { assert.equal(1 + 1, 3); });\ntest('multi', () => { throw new Error('line one\\nline two'); });\ntest('fine', () => {});\n",
      'fmt/ugly.js': 'const  a =   {b:1}\n',
    },
  });
});

describe('live tool output', () => {
  it('tsc (plain): codes, positions, message chains', async () => {
    const fs = parseFailures(await run('tsc -p tsconfig.json'), { root: dir });
    expect(fs.map((f) => [f.file, f.line, f.column, f.code])).toEqual([
      ['src/a.ts', 2, 13, 'TS2552'],
      ['src/a.ts', 3, 28, 'TS2322'],
      ['src/a.ts', 5, 24, 'TS2322'],
    ]);
    expect(fs[0]!.message).toContain("Did you mean 'count'?");
  });

  it('tsc --pretty: same failures through ANSI colours', async () => {
    const pretty = await run('tsc -p tsconfig.json --pretty');
    expect(pretty).toContain('\u001b[');
    const plain = parseFailures(await run('tsc -p tsconfig.json'), { root: dir });
    expect(parseFailures(pretty, { root: dir }).map((f) => [f.file, f.line, f.code])).toEqual(
      plain.map((f) => [f.file, f.line, f.code]),
    );
  });

  it('eslint stylish and JSON agree', async () => {
    const stylish = parseFailures(await run('eslint src/c.js'), { root: dir });
    const json = parseFailures(await run('eslint -f json src/c.js'), { root: dir });
    expect(stylish.map((f) => [f.file, f.line, f.column, f.severity, f.code])).toEqual([
      ['src/c.js', 1, 5, 'warning', 'prefer-const'],
      ['src/c.js', 1, 10, 'error', 'semi'],
      ['src/c.js', 2, 7, 'error', 'no-unused-vars'],
    ]);
    expect(json.map((f) => [f.file, f.line, f.column, f.severity, f.code])).toEqual(
      stylish.map((f) => [f.file, f.line, f.column, f.severity, f.code]),
    );
  });

  it('vitest: failing test with its assertion and location', async () => {
    const fs = parseFailures(await run('vitest run src'), { root: dir });
    expect(fs).toHaveLength(1);
    expect(fs[0]).toMatchObject({
      tool: 'vitest',
      file: 'src/b.test.ts',
      line: 2,
      test: 'src/b.test.ts > adds',
    });
    expect(fs[0]!.message).toMatch(/expected 2 to be 3/);
  });

  it('node --test: TAP and spec reporters give the same failures', async () => {
    const tap = parseFailures(await run('node --test --test-reporter=tap nt/'), { root: dir });
    const spec = parseFailures(await run('node --test --test-reporter=spec nt/'), { root: dir });
    expect(tap.map((f) => [f.tool, f.test, f.file, f.line])).toEqual([
      ['node-test', 'adds', 'nt/x.test.mjs', 3],
      ['node-test', 'multi', 'nt/x.test.mjs', 4],
    ]);
    expect(tap[1]!.message).toBe('line one\nline two');
    expect(spec.map((f) => [f.test, f.file])).toEqual(tap.map((f) => [f.test, f.file]));
    expect(spec[0]!.message).toContain('2 !== 3');
  });

  it('prettier --check names each unformatted file', async () => {
    const fs = parseFailures(await run('prettier --check fmt'), { root: dir });
    expect(fs).toEqual([expect.objectContaining({ tool: 'prettier', file: 'fmt/ugly.js' })]);
  });

  it('the tools are the real ones', () => {
    expect(
      execFileSync(`${dir}/node_modules/.bin/tsc`, ['--version'], { encoding: 'utf8' }),
    ).toMatch(/Version 5\./);
  });
});
