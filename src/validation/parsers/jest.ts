import { type FailureParser, type ParsedFailure, PATH_RE, int, normalizePath } from './common.js';
import { trimBlank } from './vitest.js';

// `  ● suite › test name`, message lines, a code frame, then `at fn (file:line:col)`.
const BULLET = /^\s*● (.+)$/;
const STACK = new RegExp(String.raw`^\s*at (?:.*?\()?((?:file://)?${PATH_RE}):(\d+):(\d+)\)?\s*$`);
const FRAME = /^\s*>?\s*\d+ \|/;
const FAIL_FILE = /^\s*FAIL\s+(\S+)/;

export const jestParser: FailureParser = {
  tool: 'jest',
  applies: (text) => text.includes('●') && /Tests?:|Test Suites:/.test(text),
  parse(lines, { root }) {
    const out: ParsedFailure[] = [];
    let suiteFile: string | null = null;
    for (let i = 0; i < lines.length; i++) {
      const fail = FAIL_FILE.exec(lines[i]!);
      if (fail) suiteFile = normalizePath(fail[1]!, root);
      const m = BULLET.exec(lines[i]!);
      if (!m || m[1]!.startsWith('Console')) continue;
      const message: string[] = [];
      let loc: RegExpExecArray | null = null;
      let inFrame = false;
      let j = i + 1;
      for (; j < lines.length && !BULLET.test(lines[j]!) && !/^Test Suites:/.test(lines[j]!); j++) {
        const l = lines[j]!;
        const at = STACK.exec(l);
        if (at) {
          if (!loc && !/node_modules|node:internal/.test(at[1]!)) loc = at;
          continue;
        }
        if (FRAME.test(l)) inFrame = true;
        if (!inFrame && !/^\s*at /.test(l)) message.push(l.trim());
      }
      const file = loc ? normalizePath(loc[1]!, root) : suiteFile;
      out.push({
        tool: 'jest',
        file,
        line: loc ? int(loc[2]) : null,
        column: loc ? int(loc[3]) : null,
        code: null,
        severity: 'error',
        message: trimBlank(message).join('\n') || 'Test failed',
        test: m[1]!.trim(),
        sourceLine: i,
      });
      i = j - 1;
    }
    return out;
  },
};
