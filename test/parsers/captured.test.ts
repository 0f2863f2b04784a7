import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseFailures } from '../../src/validation/parsers/index.js';

// Real outputs of jest, pytest, cargo, go, gcc and clang, made by test/captured/capture.sh.
const captured = (name: string) =>
  readFileSync(path.join(import.meta.dirname, '..', 'captured', `${name}.txt`), 'utf8');
const parse = (text: string, root = '/tmp/does-not-matter') => parseFailures(text, { root });

describe('captured real tool output', () => {
  it('jest: test name, multi-line message, location from the stack', () => {
    const fs = parse(captured('jest'));
    expect(fs).toHaveLength(2);
    expect(fs[0]).toMatchObject({
      tool: 'jest',
      file: 'sum.test.js',
      line: 4,
      column: 23,
      test: 'sum › adds two numbers',
      severity: 'error',
    });
    expect(fs[0]!.message).toContain('Expected: 3');
    expect(fs[0]!.message).toContain('Received: -1');
    expect(fs[1]).toMatchObject({
      test: 'throws a multi-line error',
      line: 9,
      message: 'first line\nsecond line',
    });
  });

  it('jest with ANSI colours parses the same as without', () => {
    expect(parse(captured('jest-color'))).toEqual(parse(captured('jest')));
  });

  it('pytest: failures joined with their tracebacks', () => {
    const fs = parse(captured('pytest'));
    expect(fs.map((f) => [f.file, f.line, f.code, f.test])).toEqual([
      ['tests/test_calc.py', 4, 'AssertionError', 'tests/test_calc.py::test_add'],
      ['tests/test_calc.py', 10, 'NameError', 'tests/test_calc.py::test_name'],
    ]);
    expect(fs[0]!.message).toContain('assert -1 == 3');
    expect(parse(captured('pytest-verbose'))).toEqual(fs);
  });

  it('pytest: collection errors', () => {
    const [f] = parse(captured('pytest-collect-error'));
    expect(f).toMatchObject({
      tool: 'pytest',
      file: 'tests/test_broken.py',
      line: 1,
      code: 'CollectionError',
    });
    expect(f!.message).toContain("No module named 'nonexistent_module'");
  });

  it('cargo build: rustc errors with codes and locations, no summary lines', () => {
    const fs = parse(captured('cargo-build'));
    expect(fs.map((f) => [f.file, f.line, f.column, f.code])).toEqual([
      ['src/main.rs', 8, 20, 'E0425'],
      ['src/main.rs', 9, 21, 'E0308'],
    ]);
    expect(fs[0]!.message).toBe('cannot find value `totl` in this scope');
  });

  it('cargo test: panics with the test name and assertion message', () => {
    const [f, ...rest] = parse(captured('cargo-test'));
    expect(rest).toHaveLength(0);
    expect(f).toMatchObject({
      tool: 'cargo',
      file: 'src/lib.rs',
      line: 10,
      column: 9,
      test: 'tests::adds',
      code: 'panic',
    });
    expect(f!.message).toContain('left: -1');
  });

  it('go build, vet and test', () => {
    expect(parse(captured('go-build')).map((f) => [f.tool, f.file, f.line, f.column])).toEqual([
      ['go', 'calc.go', 4, 13],
      ['go', 'calc.go', 8, 9],
    ]);
    expect(parse(captured('go-vet'))[0]).toMatchObject({
      file: 'calc.go',
      line: 10,
      message: expect.stringContaining('fmt.Printf format %d'),
    });
    expect(parse(captured('go-test'))).toEqual([
      expect.objectContaining({
        tool: 'go',
        test: 'TestAdd',
        file: 'calc_test.go',
        line: 7,
        message: 'Add(1, 2) = -1, want 3',
      }),
    ]);
  });

  it('gcc and clang: errors and warnings with flags; notes are not failures', () => {
    const gcc = parse(captured('gcc'));
    expect(gcc.map((f) => [f.line, f.severity, f.code])).toEqual([
      [4, 'error', null],
      [9, 'error', null],
      [8, 'warning', '-Wunused-variable'],
      [5, 'warning', '-Wreturn-type'],
    ]);
    const clang = parse(captured('clang'));
    expect(clang.map((f) => [f.tool, f.file, f.line, f.column])).toEqual([
      ['cc', 'main.c', 4, 16],
      ['cc', 'main.c', 9, 30],
    ]);
  });

  it('survives a truncated log and keeps what is complete', () => {
    const text = captured('cargo-build');
    const cut = text.slice(0, text.indexOf('error[E0308]') + 30); // cut inside the second diagnostic
    const fs = parse(cut);
    expect(fs).toHaveLength(1);
    expect(fs[0]!.code).toBe('E0425');
    const jest = captured('jest');
    expect(() => parse(jest.slice(0, jest.length / 2))).not.toThrow();
  });

  it('reads Windows-style paths and CRLF line endings', () => {
    const windows = captured('gcc')
      .replace(/^main\.c/gm, 'C:\\work\\proj\\src\\main.c')
      .replace(/\n/g, '\r\n');
    const fs = parse(windows);
    expect(fs[0]).toMatchObject({ file: 'C:/work/proj/src/main.c', line: 4, column: 16 });
    const rel = parse(
      "src\\lib\\a.ts(3,13): error TS2552: Cannot find name 'cout'. Did you mean 'count'?\r\n",
    );
    expect(rel[0]).toMatchObject({
      tool: 'tsc',
      file: 'src/lib/a.ts',
      line: 3,
      column: 13,
      code: 'TS2552',
    });
  });

  it('falls back to file:line:col for unknown tools, and makes paths repo-relative', () => {
    const fs = parse(
      '/repo/lib/thing.rb:12:5: undefined method `foo` for nil\nsomething else\n',
      '/repo',
    );
    expect(fs).toEqual([
      {
        tool: 'generic',
        file: 'lib/thing.rb',
        line: 12,
        column: 5,
        code: null,
        severity: 'error',
        message: 'undefined method `foo` for nil',
      },
    ]);
  });
});
