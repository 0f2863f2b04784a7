import { type FailureParser, type ParsedFailure, normalizePath } from './common.js';

// `prettier --check` prints `[warn] path` for each unformatted file, then a summary line.
const WARN = /^\[warn\] (\S.*\.[A-Za-z0-9]+)$/;

export const prettierParser: FailureParser = {
  tool: 'prettier',
  applies: (text) => text.includes('[warn]') && /Code style issues|Run Prettier/.test(text),
  parse(lines, { root }) {
    const out: ParsedFailure[] = [];
    lines.forEach((line, i) => {
      const m = WARN.exec(line);
      if (m && !/Code style issues/.test(line)) {
        out.push({
          tool: 'prettier',
          file: normalizePath(m[1]!, root),
          line: null,
          column: null,
          code: 'prettier',
          severity: 'error',
          message: 'File is not formatted (prettier --check)',
          sourceLine: i,
        });
      }
    });
    return out;
  },
};
