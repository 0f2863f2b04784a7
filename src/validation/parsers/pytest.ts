import { type FailureParser, type ParsedFailure, normalizePath } from './common.js';

const SECTION = /^_{3,} (.+?) _{3,}$/;
const SUMMARY = /^(FAILED|ERROR) (\S+?\.py)(?:::(\S+))?(?: - (.*))?$/;
const LOCATION = /^(\S+\.py):(\d+): (\w[\w.]*)$/;
const E_LINE = /^E\s{1,}(.*)$/;

interface Section {
  title: string;
  start: number;
  file?: string;
  line?: number;
  error?: string;
  messages: string[];
}

export const pytestParser: FailureParser = {
  tool: 'pytest',
  applies: (text) =>
    /short test summary info|^(FAILED|ERROR) \S+\.py/m.test(text) ||
    /={3,} (FAILURES|ERRORS) ={3,}/.test(text),
  parse(lines, { root }) {
    const sections: Section[] = [];
    let current: Section | null = null;
    const out: ParsedFailure[] = [];
    lines.forEach((line, i) => {
      const s = SECTION.exec(line);
      if (s) {
        current = { title: s[1]!, start: i, messages: [] };
        sections.push(current);
        return;
      }
      if (/^={3,}/.test(line)) current = null;
      if (!current) return;
      const cur: Section = current;
      const loc = LOCATION.exec(line);
      if (loc) {
        cur.file = loc[1]!;
        cur.line = Number(loc[2]);
        cur.error = loc[3]!;
      } else if (/^(\S+\.py):(\d+): in /.test(line)) {
        const m = /^(\S+\.py):(\d+): in /.exec(line)!;
        cur.file = m[1]!;
        cur.line = Number(m[2]);
      }
      const e = E_LINE.exec(line);
      if (e) cur.messages.push(e[1]!.trimEnd());
    });
    const used = new Set<Section>();
    lines.forEach((line, i) => {
      const m = SUMMARY.exec(line);
      if (!m) return;
      const test = m[3] ?? null;
      const name = test?.split('::').pop();
      const section = sections.find(
        (s) =>
          !used.has(s) &&
          (name
            ? s.title === name || s.title.endsWith(`.${name}`) || s.title.includes(name)
            : s.title.includes(m[2]!)),
      );
      if (section) used.add(section);
      out.push({
        tool: 'pytest',
        file: normalizePath(
          section?.file && !section.file.startsWith('/') ? section.file : m[2]!,
          root,
        ),
        line: section?.line ?? null,
        column: null,
        code: section?.error ?? (m[1] === 'ERROR' ? 'CollectionError' : null),
        severity: 'error',
        message: section?.messages.length
          ? section.messages.join('\n')
          : (m[4] ?? `${m[1]} ${m[2]}`),
        ...(test ? { test: `${m[2]}::${test}` } : {}),
        sourceLine: i,
      });
    });
    // Without `-r` summary lines (older pytest, custom flags), fall back to the sections alone.
    if (out.length === 0) {
      for (const s of sections) {
        if (!s.file || s.title.startsWith('Captured')) continue;
        out.push({
          tool: 'pytest',
          file: normalizePath(s.file, root),
          line: s.line ?? null,
          column: null,
          code: s.error ?? null,
          severity: 'error',
          message: s.messages.join('\n') || s.title,
          test: s.title,
          sourceLine: s.start,
        });
      }
    }
    return out;
  },
};
