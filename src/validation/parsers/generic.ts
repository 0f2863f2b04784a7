import { type FailureParser, type ParsedFailure, PATH_RE, int, normalizePath } from './common.js';

// Anything printed as `path:line[:col]: [error|warning:] message`: the fallback for tools without a parser.
const LINE = new RegExp(
  String.raw`^\s*(${PATH_RE}):(\d+)(?::(\d+))?:?\s+(?:-\s+)?(?:(error|warning|fatal|Error|Warning)\b:?\s*)?(.+)$`,
);

export const genericParser: FailureParser = {
  tool: 'generic',
  applies: () => true,
  parse(lines, { root }) {
    const out: ParsedFailure[] = [];
    lines.forEach((line, i) => {
      const m = LINE.exec(line);
      if (!m || /^https?:/.test(m[1]!)) return;
      out.push({
        tool: 'generic',
        file: normalizePath(m[1]!, root),
        line: int(m[2]),
        column: int(m[3]),
        code: null,
        severity: /warn/i.test(m[4] ?? '') ? 'warning' : 'error',
        message: m[5]!.trim(),
        sourceLine: i,
      });
    });
    return out;
  },
};
