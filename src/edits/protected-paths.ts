import type { FileEdit } from '../autofix/fixer.js';

const MAX_BYTES = 2_000_000;
const MAX_FILES = 50;

/**
 * What a model's (or planner's) edits may never do, whatever validation says: change CI workflows
 * and hooks (they run with secrets, or on the user's machine), change the config or package scripts
 * that define the validation commands (the proof would prove nothing), or write an outsized diff.
 * Paths outside the root, into .git/ or through symlinks are refused earlier, by resolveSafePath.
 */
export function refusedEdit(edits: FileEdit[], opts: { allowWorkflowEdits: boolean }): string | null {
  if (edits.length > MAX_FILES) return `the edits touch ${edits.length} files; at most ${MAX_FILES} per attempt`;
  const bytes = edits.reduce((a, e) => a + Buffer.byteLength(e.after ?? ''), 0);
  if (bytes > MAX_BYTES) return `the edits write ${bytes} bytes; at most ${MAX_BYTES} per attempt`;
  for (const e of edits) {
    if (/^\.github\//.test(e.path) && !opts.allowWorkflowEdits) return `edits to ${e.path} are refused: .github/ (CI workflows, actions) is not changed unless the config sets execute.allowWorkflowEdits`;
    if (/^(\.husky\/|\.githooks\/|lefthook(-local)?\.ya?ml$|\.simple-git-hooks)/.test(e.path)) return `edits to ${e.path} are refused: git hooks run on developers' machines`;
    if (/^(\.distiqrc(\.[a-z]+)?|distiq\.config\.[a-z]+)$/.test(e.path)) return `edits to ${e.path} are refused: the distiq config defines the validation commands`;
    if (e.path === 'package.json' && scriptsOf(e.before) !== scriptsOf(e.after)) return 'edits to package.json "scripts" (or "distiq") are refused: they define the validation commands';
  }
  return null;
}

function scriptsOf(text: string | null): string {
  if (text === null) return '';
  try {
    const pkg = JSON.parse(text) as { scripts?: unknown; distiq?: unknown };
    return JSON.stringify([pkg.scripts ?? null, pkg.distiq ?? null]);
  } catch {
    return text; // unparseable: any change counts as a change of scripts
  }
}
