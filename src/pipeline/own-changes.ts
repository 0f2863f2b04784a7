import { commitOnNewBranch } from '../forge/git.js';

export interface BranchResult {
  name: string;
  commit: string | null;
  /** Changed files that also hold the user's uncommitted work (--allow-dirty): left out of the commit. */
  notCommitted?: string[];
}

/**
 * `--branch` commits only distiq's own changes: a changed file that was already dirty before the
 * run (`dirtyBefore`, with --allow-dirty) also holds the user's work and is left out, named on
 * stderr and in the report. When nothing of distiq's alone is left, no branch is made (commit null).
 */
export async function commitOwnChanges(
  root: string,
  branch: string,
  changed: Iterable<string>,
  dirtyBefore: ReadonlySet<string>,
  message: string,
): Promise<BranchResult> {
  const all = [...changed].sort();
  const files = all.filter((f) => !dirtyBefore.has(f));
  const notCommitted = all.filter((f) => dirtyBefore.has(f));
  if (notCommitted.length)
    process.stderr.write(
      `distiq: not committed (they also hold your uncommitted work): ${notCommitted.join(', ')}\n`,
    );
  if (files.length === 0) return { name: branch, commit: null, notCommitted };
  const commit = await commitOnNewBranch(root, branch, files, message);
  return { name: branch, commit, ...(notCommitted.length ? { notCommitted } : {}) };
}
