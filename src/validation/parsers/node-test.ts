import { type FailureParser, type ParsedFailure, PATH_RE, int, normalizePath } from './common.js';
import { trimBlank } from './vitest.js';

// TAP (default when not a TTY): `not ok 1 - name` + a YAML block with `location:` and `error:`.
const NOT_OK = /^(\s*)not ok \d+ - (.+?)(?:\s+#.*)?$/;
const LOCATION = new RegExp(String.raw`^\s*location: '((?:file://)?${PATH_RE}):(\d+):(\d+)'`);
// Spec reporter: `✖ name (1.2ms)`, indented error, `at … (file:///…:3:29)`.
const SPEC_FAIL = /^(\s*)✖ (.+?) \([\d.]+m?s\)$/;
const STACK = new RegExp(String.raw`^\s*at (?:.*?\()?((?:file://)?${PATH_RE}):(\d+):(\d+)\)?`);

export const nodeTestParser: FailureParser = {
  tool: 'node-test',
  applies: (text) => /^\s*not ok \d+ - /m.test(text) || /^ℹ (tests|fail) \d+/m.test(text),
  parse(lines, ctx) {
    return [...parseTap(lines, ctx.root), ...parseSpec(lines, ctx.root)];
  },
};

function parseTap(lines: string[], root: string): ParsedFailure[] {
  const out: ParsedFailure[] = [];
  lines.forEach((line, i) => {
    const m = NOT_OK.exec(line);
    if (!m) return;
    let loc: RegExpExecArray | null = null;
    let subtests = false;
    const error: string[] = [];
    for (let j = i + 1; j < lines.length; j++) {
      const l = lines[j]!;
      if (l.trim() === '...' || NOT_OK.test(l) || /^\s*ok \d+/.test(l)) break;
      loc ??= LOCATION.exec(l);
      if (/failureType: 'subtestsFailed'/.test(l)) subtests = true;
      const inline = /^\s*error: '(.*)'$/.exec(l);
      if (inline) error.push(inline[1]!);
      if (/^\s*error: \|-?$/.test(l)) {
        const base = l.search(/\S/);
        for (
          let k = j + 1;
          k < lines.length && (lines[k]!.trim() === '' || lines[k]!.search(/\S/) > base);
          k++
        )
          error.push(lines[k]!.trim());
      }
    }
    if (subtests) return; // the failing subtest is reported on its own
    out.push(testFailure(root, loc, error, m[2]!, i));
  });
  return out;
}

function testFailure(
  root: string,
  loc: RegExpExecArray | null,
  message: string[],
  test: string,
  sourceLine: number,
): ParsedFailure {
  return {
    tool: 'node-test',
    file: loc ? normalizePath(loc[1]!, root) : null,
    line: loc ? int(loc[2]) : null,
    column: loc ? int(loc[3]) : null,
    code: null,
    severity: 'error',
    message: trimBlank(message).join('\n') || 'Test failed',
    test,
    sourceLine,
  };
}

function parseSpec(lines: string[], root: string): ParsedFailure[] {
  const out: ParsedFailure[] = [];
  const seen = new Set<string>();
  lines.forEach((line, i) => {
    const m = SPEC_FAIL.exec(line);
    if (!m) return;
    const indent = m[1]!.length;
    const message: string[] = [];
    let loc: RegExpExecArray | null = null;
    for (let j = i + 1; j < lines.length; j++) {
      const l = lines[j]!;
      if (l.trim() !== '' && l.search(/\S/) <= indent) break;
      const at = STACK.exec(l);
      if (at) {
        if (!loc && !/node:internal|node_modules/.test(at[1]!)) loc = at;
        continue;
      }
      if (!loc && !/^\s*at /.test(l)) message.push(l.trim());
    }
    if (message.length === 0 && !loc) return; // a parent suite whose subtests failed
    const key = `${m[2]}\u0000${message.join('\n')}`;
    if (seen.has(key)) return; // the summary at the end repeats each failure
    seen.add(key);
    out.push(
      testFailure(
        root,
        loc,
        message.filter((l) => l !== '{'),
        m[2]!,
        i,
      ),
    );
  });
  return out;
}
