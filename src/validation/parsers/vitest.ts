import { type FailureParser, type ParsedFailure, PATH_RE, int, normalizePath } from './common.js';

// ` FAIL  src/b.test.ts > suite > name` (or `[ file ]` for a suite that failed to load),
// then the error lines, then ` ❯ file:line:col` pointing at the failing code.
const FAIL = /^\s*FAIL\s+(\S+?)(?:\s+>\s+(.+?))?(?:\s+\[\s*\S+\s*\])?\s*$/;
// Stack frames: ` ❯ src/a.ts:3:13` or with the function name, ` ❯ total src/report.ts:12:3`; the first is where it threw.
const AT = new RegExp(String.raw`^\s*❯\s+(?:\S+\s+)?(${PATH_RE}):(\d+):(\d+)\s*$`);
const SEPARATOR = /^\s*⎯{3,}/;

export const vitestParser: FailureParser = {
  tool: 'vitest',
  applies: (text) => /⎯{3,}|Test Files\s/.test(text),
  parse(lines, { root }) {
    const out: ParsedFailure[] = [];
    for (let i = 0; i < lines.length; i++) {
      const m = FAIL.exec(lines[i]!);
      if (!m) continue;
      const message: string[] = [];
      let loc: RegExpExecArray | null = null;
      let j = i + 1;
      for (; j < lines.length; j++) {
        const l = lines[j]!;
        if (FAIL.test(l) || SEPARATOR.test(l)) break;
        const at = AT.exec(l);
        if (at) {
          loc ??= at;
          continue;
        }
        if (loc || /^\s*\d+\|/.test(l) || /^\s*\|/.test(l)) continue; // the code frame after a location
        if (l.trim() !== '' || message.length > 0) message.push(l.trim());
      }
      const file = loc ? loc[1]! : m[1]!;
      out.push({
        tool: 'vitest',
        file: normalizePath(file, root),
        line: loc ? int(loc[2]) : null,
        column: loc ? int(loc[3]) : null,
        code: null,
        severity: 'error',
        message: trimBlank(message).join('\n') || 'Test failed',
        ...(m[2]
          ? { test: `${normalizePath(m[1]!, root)} > ${m[2]}` }
          : { test: normalizePath(m[1]!, root) }),
        sourceLine: i,
      });
      i = j - 1;
    }
    return out;
  },
};

export function trimBlank(lines: string[]): string[] {
  let a = 0;
  let b = lines.length;
  while (a < b && lines[a]!.trim() === '') a++;
  while (b > a && lines[b - 1]!.trim() === '') b--;
  return lines.slice(a, b);
}
