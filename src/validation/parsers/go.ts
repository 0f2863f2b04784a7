import { type FailureParser, type ParsedFailure, int, normalizePath } from './common.js';

// go build / vet: `./calc.go:4:13: undefined: c`; go test: `--- FAIL: TestAdd (0.00s)` + `    calc_test.go:7: msg`.
const DIAG = /^((?:[A-Za-z]:)?[^\s:]+\.go):(\d+):(\d+): (.+)$/;
const TEST_FAIL = /^\s*--- FAIL: (\S+) \(/;
const TEST_LOG = /^\s+([^\s:]+\.go):(\d+): (.+)$/;

export const goParser: FailureParser = {
  tool: 'go',
  applies: (text) => /\.go:\d+/.test(text),
  parse(lines, { root }) {
    const out: ParsedFailure[] = [];
    lines.forEach((line, i) => {
      const d = DIAG.exec(line);
      if (d) {
        out.push({
          tool: 'go',
          file: normalizePath(d[1]!, root),
          line: int(d[2]),
          column: int(d[3]),
          code: null,
          severity: 'error',
          message: d[4]!,
          sourceLine: i,
        });
        return;
      }
      const t = TEST_FAIL.exec(line);
      if (!t) return;
      const logs: RegExpExecArray[] = [];
      for (let j = i + 1; j < lines.length; j++) {
        const l = TEST_LOG.exec(lines[j]!);
        if (!l) break;
        logs.push(l);
      }
      const first = logs[0];
      out.push({
        tool: 'go',
        file: first ? normalizePath(first[1]!, root) : null,
        line: first ? int(first[2]) : null,
        column: null,
        code: null,
        severity: 'error',
        message: logs.map((l) => l[3]).join('\n') || 'test failed',
        test: t[1]!,
        sourceLine: i,
      });
    });
    return out;
  },
};
