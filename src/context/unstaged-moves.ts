import { git } from '../edits/integrity.js';
import type { FileMove } from './history-parse.js';

const MAX_FILES = 400;

/**
 * Moves git cannot see yet: a tracked file deleted from the work tree and an untracked file with
 * the same bytes (`mv` without `git add`). Only one-to-one pairs of identical content count, so a
 * copy or a lookalike is never taken for a move; nothing is written to the index or objects.
 */
export async function unstagedMoves(
  root: string,
  base: string,
  untracked: string[],
  known: FileMove[],
  sourceExt: RegExp,
): Promise<FileMove[]> {
  const deleted = (
    await git(root, ['diff', '--name-only', '-z', '--no-renames', '--diff-filter=D', base, '--'])
  )
    .split('\0')
    .filter((f) => f && sourceExt.test(f) && !known.some((m) => m.from === f));
  const added = untracked.filter((f) => sourceExt.test(f)).slice(0, MAX_FILES);
  if (deleted.length === 0 || added.length === 0) return [];
  const blobs = new Map<string, string[]>(); // blob id at the base → deleted paths
  const listing = await git(root, ['ls-tree', '-z', base, '--', ...deleted.slice(0, MAX_FILES)]);
  for (const entry of listing.split('\0').filter(Boolean)) {
    const m = /^\d+ blob ([0-9a-f]+)\t(.+)$/s.exec(entry);
    if (m) blobs.set(m[1]!, [...(blobs.get(m[1]!) ?? []), m[2]!]);
  }
  const hashes = (await git(root, ['hash-object', '--no-filters', '--', ...added]))
    .split('\n')
    .filter(Boolean);
  const byBlob = new Map<string, string[]>(); // blob id → untracked paths with those bytes
  hashes.forEach((h, i) => byBlob.set(h, [...(byBlob.get(h) ?? []), added[i]!]));
  const out: FileMove[] = [];
  for (const [blob, from] of blobs) {
    const to = byBlob.get(blob);
    if (from.length === 1 && to?.length === 1) out.push({ from: from[0]!, to: to[0]! });
  }
  return out;
}
