/** One file of a PR diff, as the pulls "list files" API returns it. */
export interface DiffFile {
  filename: string;
  status: string;
  patch?: string;
  additions: number;
  deletions: number;
}

export interface FileHunks {
  path: string;
  /** New-file lines a review comment can be attached to (added and context lines inside hunks). */
  commentable: Set<number>;
  added: Set<number>;
  /** The hunks with new-file line numbers, for the prompt: `+ 12│ code`, `  13│ code`, `-   │ old`. */
  rendered: string;
}

/**
 * Reads a unified patch: a comment must sit on a line of the diff (GitHub answers 422 otherwise),
 * so the line numbers of the new file inside each hunk are what a model may comment on.
 */
export function parsePatch(path: string, patch: string): FileHunks {
  const commentable = new Set<number>();
  const added = new Set<number>();
  const out: string[] = [];
  let line = 0;
  for (const raw of patch.split('\n')) {
    const h = /^@@ -\d+(?:,\d+)? \+(\d+)(?:,\d+)? @@(.*)$/.exec(raw);
    if (h) {
      line = Number(h[1]);
      out.push(`@@ new line ${line}${h[2] ? ` ·${h[2]}` : ''}`);
      continue;
    }
    if (raw.startsWith('\\')) continue; // "\ No newline at end of file"
    const mark = raw[0];
    if (mark === '-') {
      out.push(`-${' '.repeat(6)}│ ${raw.slice(1)}`);
    } else if (mark === '+' || mark === ' ' || raw === '') {
      commentable.add(line);
      if (mark === '+') added.add(line);
      out.push(`${mark === '+' ? '+' : ' '} ${String(line).padStart(5)}│ ${raw.slice(1)}`);
      line++;
    }
  }
  return { path, commentable, added, rendered: out.join('\n') };
}
