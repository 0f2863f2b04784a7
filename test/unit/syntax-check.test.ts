import { describe, expect, it } from 'vitest';
import {
  isSyntaxCheckable,
  newSyntaxProblems,
  syntaxProblems,
  treeSitterProblems,
} from '../../src/context/syntax-check.js';

// Valid TypeScript that tree-sitter-typescript 0.23 mis-parses (newline-separated call signatures, as in effect).
const CALL_SIGNATURES =
  'export const makeBy: {\n  <A>(f: (i: number) => A): (n: number) => Array<A>\n  <A>(n: number, f: (i: number) => A): Array<A>\n} = null as any\n';

describe('syntax check (tree-sitter, confirmed by TypeScript for TS/JS)', () => {
  it.each([
    ['a.ts', 'export function f(a: number {\n  return a;\n}\n', 1],
    ['a.tsx', 'export const C = () => <div>\n', 1],
    ['a.js', 'const x = ;\n', 1],
    ['a.py', 'def f(:\n    pass\n', 1],
    ['a.go', 'package main\nfunc main() {\n', 2],
    ['a.rs', 'fn main() {\n  let x = ;\n}\n', 2],
    ['A.java', 'class A { void f( }\n', 1],
  ])('%s: a broken file is reported with its line', async (file, text, line) => {
    const problems = await syntaxProblems(file, text);
    expect(problems!.length).toBeGreaterThan(0);
    expect(problems![0]!.line).toBe(line);
  });

  it('valid files pass; unknown file types are not judged', async () => {
    expect(await syntaxProblems('ok.ts', 'export const x: number = 1;\n')).toEqual([]);
    expect(await syntaxProblems('ok.py', 'def f(a):\n    return a\n')).toEqual([]);
    expect(await syntaxProblems('notes.txt', 'anything (')).toBeNull();
    expect(isSyntaxCheckable('x.rb')).toBe(false);
  });

  it('a tree-sitter grammar gap is not reported: TypeScript’s parser has the last word', async () => {
    expect((await treeSitterProblems('gap.ts', CALL_SIGNATURES))!.length).toBeGreaterThan(0);
    expect(await syntaxProblems('gap.ts', CALL_SIGNATURES)).toEqual([]);
  });

  it('newSyntaxProblems reports only what the edit broke', async () => {
    const broken = 'def f(:\n    pass\n';
    expect(await newSyntaxProblems('a.py', broken, broken + '\nx = 1\n')).toEqual([]);
    expect((await newSyntaxProblems('a.py', 'x = 1\n', broken)).length).toBeGreaterThan(0);
    expect(await newSyntaxProblems('gap.ts', null, CALL_SIGNATURES)).toEqual([]);
  });
});
