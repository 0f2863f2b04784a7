// Parsers for the git output the history reader asks for (kept apart so that each is testable
// and history.ts stays about which facts it gathers).

/** A file the diff since the base moved: `git diff -M` paired its old and new path. */
export interface FileMove {
  /** Repo-relative POSIX path at the base. */
  from: string;
  /** Repo-relative POSIX path now. */
  to: string;
}

/** New-side line ranges (1-based, inclusive) of `git diff -U0` hunks, per file. */
export function parseHunks(diff: string): Map<string, { start: number; end: number }[]> {
  const out = new Map<string, { start: number; end: number }[]>();
  let file: string | undefined;
  for (const line of diff.split('\n')) {
    if (line.startsWith('+++ ')) {
      file = line === '+++ /dev/null' ? undefined : line.slice(6);
      continue;
    }
    const m = /^@@ -\d+(?:,\d+)? \+(\d+)(?:,(\d+))? @@/.exec(line);
    if (!m || !file) continue;
    const start = Number(m[1]);
    const count = m[2] === undefined ? 1 : Number(m[2]);
    // A pure deletion has no new lines: the hunk sits between `start` and `start + 1`.
    const list = out.get(file) ?? [];
    list.push({ start: Math.max(1, start), end: Math.max(start, start + count - 1) });
    out.set(file, list);
  }
  return out;
}

/**
 * Renames from `git diff -M --name-status -z`: records are `R<score>\0old\0new`; every other
 * status has one path. Only renames are returned.
 */
export function parseMoves(nameStatusZ: string): FileMove[] {
  const parts = nameStatusZ.split('\0');
  const out: FileMove[] = [];
  for (let i = 0; i < parts.length;) {
    const status = parts[i] ?? '';
    if (!status) {
      i++;
      continue;
    }
    if (/^[RC]\d*$/.test(status)) {
      const from = parts[i + 1];
      const to = parts[i + 2];
      if (status.startsWith('R') && from && to) out.push({ from, to });
      i += 3;
    } else i += 2;
  }
  return out;
}
