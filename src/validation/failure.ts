/** One problem a validation command reported, in a tool-independent shape. */
export interface Failure {
  tool: string;
  /** Repo-relative POSIX path when the file is inside the repo, else the path as printed; null for global errors. */
  file: string | null;
  line: number | null;
  column: number | null;
  /** Tool-specific code: TS2552, an eslint rule id, E0425, -Wunused-variable… */
  code: string | null;
  message: string;
  severity: 'error' | 'warning';
  /** For test failures: the test's full name. */
  test?: string;
}

/** Identity of a failure that survives line shifts caused by edits elsewhere in the file. */
export function failureKey(f: Failure): string {
  return [f.tool, f.file ?? '', f.code ?? '', f.test ?? '', normalizeMessage(f.message)].join(
    '\u0000',
  );
}

function normalizeMessage(message: string): string {
  // Durations and addresses change between runs; they do not make a failure new.
  return message
    .replace(/\(\d+(?:\.\d+)?\s*m?s\)/g, '')
    .replace(/\b0x[0-9a-f]+\b/gi, '0x')
    .replace(/\s+/g, ' ')
    .trim();
}

export interface FailureDiff {
  fixed: Failure[];
  introduced: Failure[];
  remaining: Failure[];
}

/** Multiset comparison of two failure lists by `failureKey`. */
export function diffFailures(before: Failure[], after: Failure[]): FailureDiff {
  const pool = new Map<string, Failure[]>();
  for (const f of before) {
    const k = failureKey(f);
    pool.set(k, [...(pool.get(k) ?? []), f]);
  }
  const introduced: Failure[] = [];
  const remaining: Failure[] = [];
  for (const f of after) {
    const bucket = pool.get(failureKey(f));
    if (bucket && bucket.length > 0) {
      bucket.shift();
      remaining.push(f);
    } else introduced.push(f);
  }
  const fixed = [...pool.values()].flat();
  return { fixed, introduced, remaining };
}

export function formatFailure(f: Failure): string {
  const loc = f.file
    ? `${f.file}${f.line ? `:${f.line}${f.column ? `:${f.column}` : ''}` : ''}: `
    : '';
  const code = f.code ? ` [${f.code}]` : '';
  const test = f.test ? ` (${f.test})` : '';
  return `${loc}${f.severity}${code}${test}: ${f.message.split('\n')[0]}`;
}
