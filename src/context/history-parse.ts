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
 * Identifiers on the lines a diff removed (`-` lines of `git diff -U0`), each with the files it was
 * removed from: a failure naming something that no longer exists points at the file that lost it
 * (a declaration renamed away, an interface member deleted), even though nothing defines it now.
 */
export function parseRemovedNames(diff: string): Map<string, string[]> {
  const out = new Map<string, Set<string>>();
  let file: string | undefined;
  let header = false; // between `diff --git` and the first `@@`: `---` names the file there only
  for (const line of diff.split('\n')) {
    if (line.startsWith('diff --git ')) header = true;
    else if (line.startsWith('@@')) header = false;
    if (header) {
      if (line.startsWith('--- ')) file = line === '--- /dev/null' ? undefined : line.slice(6);
      continue;
    }
    if (!file || !line.startsWith('-')) continue;
    // Strings and comments are not declarations: only code words count.
    const code = line
      .slice(1)
      .replace(/(['"`])(?:\\.|(?!\1).)*\1/g, '')
      .replace(/\/\/.*$/, '');
    for (const m of code.matchAll(/[A-Za-z_$][\w$]+/g)) {
      const files = out.get(m[0]) ?? new Set<string>();
      files.add(file);
      out.set(m[0], files);
    }
  }
  return new Map([...out].map(([name, files]) => [name, [...files].sort()]));
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
