import { type FailureParser, type ParsedFailure, PATH_RE, int, normalizePath } from './common.js';

// rustc: `error[E0425]: message` then ` --> src/main.rs:8:20`.
const HEAD = /^(error|warning)(?:\[(E\d+)\])?: (.+)$/;
const ARROW = new RegExp(String.raw`^\s*--> (${PATH_RE}):(\d+):(\d+)$`);
// cargo test: `thread 'tests::adds' (123) panicked at src/lib.rs:10:9:` then the message.
const PANIC = new RegExp(
  String.raw`^thread '(.+?)'(?: \(\d+\))? panicked at (${PATH_RE}):(\d+):(\d+):?$`,
);
const SUMMARY_ONLY =
  /^(could not compile|aborting due to|test failed|\d+ (warnings?|errors?) emitted|build failed)/;

export const cargoParser: FailureParser = {
  tool: 'cargo',
  applies: (text) => /^\s*--> /m.test(text) || /panicked at /.test(text),
  parse(lines, { root }) {
    const out: ParsedFailure[] = [];
    lines.forEach((line, i) => {
      const h = HEAD.exec(line);
      if (h && !SUMMARY_ONLY.test(h[3]!)) {
        // The location arrow follows within a few lines (multi-line messages come first).
        for (let j = i + 1; j < Math.min(lines.length, i + 6); j++) {
          const a = ARROW.exec(lines[j]!);
          if (a) {
            out.push({
              tool: 'cargo',
              file: normalizePath(a[1]!, root),
              line: int(a[2]),
              column: int(a[3]),
              code: h[2] ?? null,
              severity: h[1] as 'error' | 'warning',
              message: [h[3]!, ...lines.slice(i + 1, j).map((l) => l.trim())].join('\n'),
              sourceLine: i,
            });
            break;
          }
          if (HEAD.test(lines[j]!)) break;
        }
        return;
      }
      const p = PANIC.exec(line);
      if (p) {
        const message: string[] = [];
        for (
          let j = i + 1;
          j < lines.length &&
          lines[j]!.trim() !== '' &&
          !/^(stack backtrace|note: )/.test(lines[j]!);
          j++
        )
          message.push(lines[j]!.trim());
        out.push({
          tool: 'cargo',
          file: normalizePath(p[2]!, root),
          line: int(p[3]),
          column: int(p[4]),
          code: 'panic',
          severity: 'error',
          message: message.join('\n') || 'test panicked',
          test: p[1]!,
          sourceLine: i,
        });
      }
    });
    return out;
  },
};
