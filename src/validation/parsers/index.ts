import { stripVTControlCharacters } from 'node:util';
import type { Failure } from '../failure.js';
import { cargoParser } from './cargo.js';
import type { FailureParser, ParsedFailure } from './common.js';
import { eslintParser } from './eslint.js';
import { gccParser } from './gcc.js';
import { genericParser } from './generic.js';
import { goParser } from './go.js';
import { jestParser } from './jest.js';
import { nodeTestParser } from './node-test.js';
import { prettierParser } from './prettier.js';
import { pytestParser } from './pytest.js';
import { tscParser } from './tsc.js';
import { vitestParser } from './vitest.js';

/** Most specific first: an output line claimed by one parser is not read again by a later one. */
export const PARSERS: FailureParser[] = [
  tscParser,
  eslintParser,
  prettierParser,
  vitestParser,
  jestParser,
  nodeTestParser,
  pytestParser,
  cargoParser,
  goParser,
  gccParser,
];

export interface ParseOptions {
  root: string;
  /** Use the generic `file:line:col` fallback when no specific parser found anything. */
  fallback?: boolean;
}

/** Turns a tool's raw output (colours, CRLF, truncation and all) into structured failures. */
export function parseFailures(output: string, opts: ParseOptions): Failure[] {
  const text = stripVTControlCharacters(output).replace(/\r\n?/g, '\n');
  const lines = text.split('\n');
  const claimed = new Set<number>();
  const found: ParsedFailure[] = [];
  const run = (parser: FailureParser) => {
    if (!parser.applies(text)) return;
    // One parser may read several failures from one line (eslint JSON); a later parser may not reread it.
    const mine = parser.parse(lines, { root: opts.root }).filter((f) => !claimed.has(f.sourceLine));
    for (const f of mine) claimed.add(f.sourceLine);
    found.push(...mine);
  };
  PARSERS.forEach(run);
  if (found.length === 0 && opts.fallback !== false) run(genericParser);
  return dedupe(found.sort((a, b) => a.sourceLine - b.sourceLine)).map(
    ({ sourceLine: _line, ...f }) => f,
  );
}

function dedupe(failures: ParsedFailure[]): ParsedFailure[] {
  const seen = new Set<string>();
  return failures.filter((f) => {
    const k = [f.tool, f.file, f.line, f.column, f.code, f.test ?? '', f.message].join('\u0000');
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}
