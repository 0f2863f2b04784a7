import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { FileEdit } from '../autofix/fixer.js';
import { applyEdits } from '../edits/apply-edits.js';
import type { EditGuard } from '../edits/protected-paths.js';

// A kept $0 repair may be partial and point the wrong way (a call renamed to the broken name
// lowered the count): a model's repair of the same cause, written against the tree before it,
// then fails against the tree as it is. These helpers let the proof judge the model's edit on
// the tree before such a repair too.

/** A $0 repair kept earlier in the job, with the edits it made. */
export interface KeptFreeRepair {
  edits?: FileEdit[];
}

/**
 * The edits that undo the kept $0 repairs sharing a file with a model edit, when the files are
 * still exactly as those repairs left them (nothing is undone over later work).
 */
export function undoOfFreeRepairs(
  root: string,
  edits: FileEdit[],
  kept: readonly KeptFreeRepair[] | undefined,
): FileEdit[] {
  const touched = new Set(edits.map((e) => e.path));
  const undo = new Map<string, FileEdit>();
  for (const k of [...(kept ?? [])].reverse()) {
    const own = k.edits ?? [];
    if (!own.some((e) => touched.has(e.path))) continue;
    const current = own.map((e) => ({ e, now: readOrNull(root, e.path) }));
    if (current.some(({ e, now }) => now !== e.after || undo.has(e.path))) continue;
    for (const { e } of current)
      undo.set(e.path, { path: e.path, before: e.after, after: e.before });
  }
  return [...undo.values()];
}

/**
 * The model's answer resolved against the tree before those repairs, as edits of the tree as it
 * is now. The disk is back as it was when this returns; undefined when the answer does not apply
 * there or the undo may not be written.
 */
export async function editsBeforeFreeRepairs(
  root: string,
  undo: FileEdit[],
  guard: EditGuard,
  makeEdits: () => FileEdit[],
): Promise<FileEdit[] | undefined> {
  let applied;
  try {
    applied = await applyEdits(root, undo, guard);
  } catch {
    return undefined;
  }
  let answer: FileEdit[];
  try {
    answer = makeEdits();
  } catch {
    return undefined;
  } finally {
    await applied.rollback();
  }
  const out = new Map<string, FileEdit>();
  for (const u of undo) out.set(u.path, { path: u.path, before: u.before, after: u.after });
  for (const a of answer) {
    const now = out.get(a.path)?.before ?? readOrNull(root, a.path);
    out.set(a.path, { path: a.path, before: now, after: a.after });
  }
  return [...out.values()].filter((e) => e.before !== e.after);
}

function readOrNull(root: string, rel: string): string | null {
  try {
    return readFileSync(path.join(root, rel), 'utf8');
  } catch {
    return null;
  }
}
