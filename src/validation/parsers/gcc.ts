import { type FailureParser, type ParsedFailure, int, normalizePath } from './common.js';

// gcc and clang: `main.c:4:16: error: message [-Wflag]`; `note:` lines belong to the previous diagnostic.
const DIAG =
  /^((?:[A-Za-z]:)?[^\s:]+\.(?:c|h|cc|cpp|cxx|hpp|hh|hxx|m|mm)):(\d+):(\d+): (fatal error|error|warning): (.+?)(?: \[(-W[^\]]+)\])?$/;

export const gccParser: FailureParser = {
  tool: 'cc',
  applies: (text) =>
    /\.(c|h|cc|cpp|cxx|hpp|hh|hxx|m|mm):\d+:\d+: (fatal error|error|warning):/.test(text),
  parse(lines, { root }) {
    const out: ParsedFailure[] = [];
    lines.forEach((line, i) => {
      const m = DIAG.exec(line);
      if (!m) return;
      out.push({
        tool: 'cc',
        file: normalizePath(m[1]!, root),
        line: int(m[2]),
        column: int(m[3]),
        severity: m[4] === 'warning' ? 'warning' : 'error',
        code: m[6] ?? null,
        message: m[5]!,
        sourceLine: i,
      });
    });
    return out;
  },
};
