import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import type { FileEdit } from '../autofix/fixer.js';
import { DistiqError, ExitCode } from '../errors.js';
import { notEditableText, resolveSafePath } from './apply-edits.js';

/**
 * The edit format models answer with (documented in the README):
 * {"edits": [{"path": "src/a.ts", "search": "exact old text", "replace": "new text"}]}
 * `search` empty means: create the file. Paths are relative to the repo root.
 */
export const EditsSchema = z
  .object({
    edits: z
      .array(
        z.object({ path: z.string().min(1), search: z.string(), replace: z.string() }).strict(),
      )
      .min(1)
      .max(50),
  })
  .strict();
export type Edits = z.infer<typeof EditsSchema>;

/** Sent to providers; kept to the keywords every structured-output implementation accepts (no min/max). */
export const EDITS_JSON_SCHEMA: Record<string, unknown> = {
  type: 'object',
  properties: {
    edits: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          path: { type: 'string' },
          search: { type: 'string' },
          replace: { type: 'string' },
        },
        required: ['path', 'search', 'replace'],
        additionalProperties: false,
      },
    },
  },
  required: ['edits'],
  additionalProperties: false,
};

export class EditApplyError extends DistiqError {
  constructor(message: string) {
    super(message, ExitCode.NOT_FIXED);
  }
}

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

/** Exact unique match first, then a unique match ignoring indentation and trailing spaces. */
export function replaceOnce(text: string, search: string, replace: string, where = 'edit'): string {
  const exact = countOccurrences(text, search);
  if (exact === 1) return text.replace(search, () => replace);
  if (exact > 1)
    throw new EditApplyError(
      `${where}: "search" occurs ${exact} times; include more surrounding lines so it matches once`,
    );
  const lines = text.split('\n');
  const wanted = search.replace(/\n$/, '').split('\n').map(norm);
  const hits: number[] = [];
  for (let i = 0; i + wanted.length <= lines.length; i++)
    if (wanted.every((w, j) => norm(lines[i + j]!) === w)) hits.push(i);
  if (hits.length > 1)
    throw new EditApplyError(
      `${where}: "search" matches ${hits.length} places when whitespace is ignored; include more context`,
    );
  if (hits.length === 0)
    throw new EditApplyError(
      `${where}: "search" was not found; copy the current text exactly (see the file above)`,
    );
  const at = hits[0]!;
  // Keep the file's indentation: re-indent the replacement by the difference of the first lines.
  const indent = /^\s*/.exec(lines[at]!)![0];
  const searchIndent = /^\s*/.exec(search.split('\n')[0]!)![0];
  const cr = lines[at + wanted.length - 1]!.endsWith('\r') ? '\r' : '';
  const replaced = replace
    .replace(/\r?\n$/, '')
    .split('\n')
    .map((l) => l.replace(/\r$/, ''))
    .map((l) => (l.startsWith(searchIndent) ? indent + l.slice(searchIndent.length) : l) + cr);
  return [...lines.slice(0, at), ...replaced, ...lines.slice(at + wanted.length)].join('\n');
}

function norm(line: string): string {
  return line.trim().replace(/\s+/g, ' ');
}

function countOccurrences(text: string, needle: string): number {
  let n = 0;
  for (let i = text.indexOf(needle); i !== -1; i = text.indexOf(needle, i + 1)) n++;
  return n;
}
