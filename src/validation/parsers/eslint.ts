import { type FailureParser, type ParsedFailure, int, normalizePath } from './common.js';

// Stylish: a file header line, then `  3:7  error  message  rule-id` rows.
const ROW = /^\s+(\d+):(\d+)\s+(error|warning)\s+(.+?)(?:\s{2,}(@?[\w-]+(?:\/[\w-]+)*))?\s*$/;
const HEADER = /^(?:[A-Za-z]:)?[^\s].*\.[A-Za-z0-9]+$/;

interface EslintJsonResult {
  filePath: string;
  messages: {
    ruleId: string | null;
    severity: number;
    message: string;
    line?: number;
    column?: number;
    fatal?: boolean;
  }[];
}

export const eslintParser: FailureParser = {
  tool: 'eslint',
  applies: (text) => text.includes('"filePath"') || /^\s+\d+:\d+\s+(error|warning)\s+/m.test(text),
  parse(lines, { root }) {
    const out: ParsedFailure[] = [];
    let file: string | null = null;
    lines.forEach((line, i) => {
      if (line.startsWith('[{"filePath"') || line.startsWith('[{ "filePath"')) {
        out.push(...parseJson(line, i, root));
        return;
      }
      const row = file ? ROW.exec(line) : null;
      if (row && file) {
        out.push({
          tool: 'eslint',
          file,
          line: int(row[1]),
          column: int(row[2]),
          severity: row[3] as 'error' | 'warning',
          message: row[4]!.trim(),
          code: row[5] ?? null,
          sourceLine: i,
        });
        return;
      }
      if (HEADER.test(line) && ROW.test(lines[i + 1] ?? '')) file = normalizePath(line, root);
      else if (line.trim() === '') file = null;
    });
    return out;
  },
};

function parseJson(line: string, sourceLine: number, root: string): ParsedFailure[] {
  let results: EslintJsonResult[];
  try {
    results = JSON.parse(line) as EslintJsonResult[];
  } catch {
    return []; // Truncated log: nothing reliable to read from a cut JSON document.
  }
  return results.flatMap((r) =>
    r.messages.map((m) => ({
      tool: 'eslint',
      file: normalizePath(r.filePath, root),
      line: m.line ?? null,
      column: m.column ?? null,
      severity: m.severity >= 2 || m.fatal ? ('error' as const) : ('warning' as const),
      code: m.ruleId,
      message: m.message,
      sourceLine,
    })),
  );
}
