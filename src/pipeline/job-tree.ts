import { recoverInterruptedEdits } from '../edits/apply-edits.js';
import { assertCleanTree, assertNewBranchName, dirtyPaths } from '../forge/git.js';

/**
 * The tree a job starts on: an edit an interrupted run left unproven is undone first (its
 * journal), then a dirty tree is refused when the job wants a clean one, and a `--branch` name is
 * checked before any edit. Returns the files that already held the user's work (--allow-dirty with
 * --branch): they are never committed on distiq's branch.
 */
export async function prepareTree(
  root: string,
  o: { clean: boolean; branch?: string; allowDirty?: boolean },
): Promise<Set<string>> {
  const recovered = await recoverInterruptedEdits(root);
  if (recovered.length > 0)
    process.stderr.write(
      `distiq: restored ${recovered.join(', ')}: an interrupted run had left unproven edits\n`,
    );
  if (o.clean) await assertCleanTree(root);
  const dirtyBefore = new Set(o.branch && o.allowDirty ? await dirtyPaths(root) : []);
  if (o.branch) await assertNewBranchName(root, o.branch);
  return dirtyBefore;
}
