import {
  type FailureParser,
  type ParsedFailure,
  PATH_RE,
  int,
  normalizePath,
  takeWhile,
} from './common.js';

// `src/a.ts(3,13): error TS2552: …` (plain) and `src/a.ts:3:13 - error TS2552: …` (--pretty).
const PLAIN = new RegExp(String.raw`^(${PATH_RE})\((\d+),(\d+)\): (error|warning) (TS\d+): (.*)$`);
const PRETTY = new RegExp(String.raw`^(${PATH_RE}):(\d+):(\d+) - (error|warning) (TS\d+): (.*)$`);
const GLOBAL = /^(error|warning) (TS\d+): (.*)$/;

export const tscParser: FailureParser = {
  tool: 'tsc',
  applies: (text) => /\bTS\d{4,5}\b/.test(text),
  parse(lines, { root }) {
    const out: ParsedFailure[] = [];
    lines.forEach((line, i) => {
      const m = PLAIN.exec(line) ?? PRETTY.exec(line);
      if (m) {
        // Plain output continues a message chain on lines indented by two spaces.
        const chain = PLAIN.test(line)
          ? takeWhile(lines, i, (l) => /^ {2}\S/.test(l)).map((l) => l.trim())
          : [];
        out.push({
          tool: 'tsc',
          file: normalizePath(m[1]!, root),
          line: int(m[2]),
          column: int(m[3]),
          severity: m[4] as 'error' | 'warning',
          code: m[5]!,
          message: [m[6]!, ...chain].join('\n'),
          sourceLine: i,
        });
        return;
      }
      const g = GLOBAL.exec(line);
      if (g)
        out.push({
          tool: 'tsc',
          file: null,
          line: null,
          column: null,
          severity: g[1] as 'error',
          code: g[2]!,
          message: g[3]!,
          sourceLine: i,
        });
    });
    return out;
  },
};
