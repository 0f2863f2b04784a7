// Model edits (the edit format) turned into whole-file edits, through the path policy.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { FileEdit } from '../autofix/fixer.js';
import { notEditableText, resolveSafePath } from './apply-edits.js';
import type { Edits } from './edit-format.js';
import { EditApplyError, replaceOnce } from './search-replace.js';

/** Turns model edits into whole-file edits, or explains precisely why it cannot (fed back to the model). */
export function resolveEdits(root: string, edits: Edits['edits']): FileEdit[] {
  const files = new Map<string, { before: string | null; after: string }>();
  for (const [i, e] of edits.entries()) {
    const where = `edit ${i + 1} (${e.path})`;
    let abs: string;
    try {
      abs = resolveSafePath(root, e.path);
    } catch (err) {
      throw new EditApplyError(`${where}: ${(err as Error).message}`);
    }
    const rel = path.relative(root, abs).split(path.sep).join('/');
    const current = files.get(rel) ?? readForEdit(abs, where);
    if (e.search === '') {
      if (current.before !== null)
        throw new EditApplyError(
          `${where}: an empty "search" creates a file, but ${rel} already exists; quote the text to replace`,
        );
      current.after = e.replace;
    } else {
      if (current.before === null && !files.has(rel))
        throw new EditApplyError(`${where}: ${rel} does not exist`);
      // A CRLF file stays CRLF: the model's LF text is matched and written with the file's endings.
      const crlf = current.after.includes('\r\n');
      const eol = (t: string) => (crlf ? t.replace(/\r?\n/g, '\r\n') : t);
      current.after = replaceOnce(current.after, eol(e.search), eol(e.replace), where);
    }
    files.set(rel, current);
  }
  return [...files.entries()]
    .filter(([, f]) => f.before !== f.after)
    .map(([p, f]) => ({ path: p, before: f.before, after: f.after }));
}

/** The file's text, or why it cannot be edited as text (binary, not UTF-8). */
function readForEdit(abs: string, where: string): { before: string | null; after: string } {
  if (!existsSync(abs)) return { before: null, after: '' };
  const bytes = readFileSync(abs);
  const why = notEditableText(bytes);
  if (why) throw new EditApplyError(`${where}: refused: ${why}; only UTF-8 text files are edited`);
  const text = bytes.toString('utf8');
  return { before: text, after: text };
}
