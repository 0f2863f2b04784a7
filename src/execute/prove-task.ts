import { readFileSync } from 'node:fs';
import type { FileEdit } from '../autofix/fixer.js';
import { errorMessage } from '../errors.js';
import { resolveSafePath } from '../edits/apply-edits.js';
import type { EditGuard } from '../edits/protected-paths.js';
import { loadPathPolicy } from '../edits/path-policy.js';
import { proveEdits } from '../edits/prove.js';
import { judgeRepair } from '../validation/judge-repair.js';
import { type Validation, validateScoped } from '../validation/validate.js';
import type { PlanTask } from '../plan/types.js';
import { diffFailures, failureKey } from '../validation/failure.js';
import { EditApplyError, resolveEdits } from '../edits/edit-format.js';
import { refusedEdit } from '../edits/protected-paths.js';
import { editsBeforeFreeRepairs, undoOfFreeRepairs } from './before-free-repair.js';

import type { ExecuteDeps, ExecutionState, TaskOutcome } from './execution-state.js';

// Proving one answer of a model: edits against the tree as it is now, refused paths, syntax,
// the commands re-run; kept or rolled back exactly.

export type Proof = { kept: true; reason: string } | { kept: false; reason: string };

/**
 * Under the lock: turn the answer into whole-file edits against the tree as it is now, refuse what
 * may not be written, check syntax, apply, run the commands, keep or roll back exactly.
 */
export async function prove(
  outcome: TaskOutcome,
  makeEdits: () => FileEdit[],
  tier: string,
  deps: ExecuteDeps,
  state: ExecutionState,
): Promise<Proof> {
  const { task } = outcome;
  const reject = (reason: string, files: string[] = []): Proof => {
    state.repairs.push({
      fixer: tier === 'plan' ? 'plan' : 'model',
      tier,
      descriptions: [`${task.id} ${task.title}`],
      files,
      outcome: 'rejected',
      reason,
    });
    return { kept: false, reason };
  };
  if (deps.signal?.aborted) return { kept: false, reason: 'interrupted' };
  let edits: FileEdit[];
  try {
    edits = makeEdits();
  } catch (err) {
    if (err instanceof EditApplyError) return reject(err.message);
    throw err;
  }
  if (edits.length === 0) return reject('the edits changed nothing');
  const guard = editGuard(task, deps, state);
  const refused = refusedEdit(edits, guard);
  if (refused)
    return reject(
      refused,
      edits.map((e) => e.path),
    );
  const broken = await syntaxRegressions(edits);
  if (broken.length > 0)
    return reject(
      `the edit breaks the syntax: ${broken.slice(0, 3).join('; ')}`,
      edits.map((e) => e.path),
    );
  let scoped = false;
  const attempt = (tried: FileEdit[]) =>
    proveEdits<Validation>({
      root: deps.root,
      edits: tried,
      guard,
      signal: deps.signal,
      validate: async () => {
        const res = await validateScoped(
          deps.commands,
          [...new Set([...task.files, ...tried.map((e) => e.path)])],
          state.current,
          { root: deps.root, secretEnvVars: deps.secretEnvVars, signal: deps.signal },
        );
        scoped = res.scoped;
        return res.validation;
      },
      judge: (after) => judgeRepair(state.current, after, { requireProgress: deps.job === 'fix' }),
    });
  let proof = await attempt(edits);
  // A kept $0 repair of the same cause never blocks the model: its answer is also judged on the
  // tree before that repair, and kept when that yields fewer failures.
  const undo =
    proof.kept === false && proof.validation && !proof.tampered && !proof.interrupted
      ? undoOfFreeRepairs(deps.root, edits, deps.keptFree)
      : [];
  if (undo.length > 0) {
    const alt = await editsBeforeFreeRepairs(deps.root, undo, guard, makeEdits);
    const second = alt && alt.length > 0 ? await attempt(alt) : undefined;
    if (second?.kept) {
      proof = { ...second, reason: `${second.reason} (judged on the tree before the $0 repair)` };
      edits = alt!;
    }
  }
  if (proof.kept === false && proof.interrupted) return { kept: false, reason: 'interrupted' };
  if (proof.kept === false && (proof.refused || !proof.validation))
    return reject(
      proof.reason,
      edits.map((e) => e.path),
    );
  if (scoped) state.scopedProofs++;
  state.repairs.push({
    fixer: tier === 'plan' ? 'plan' : 'model',
    tier,
    descriptions: [`${task.id} ${task.title}`],
    files: edits.map((e) => e.path),
    outcome: proof.kept ? 'kept' : 'rejected',
    reason: proof.reason,
    ...(proof.kept === false && proof.tampered ? { tampered: proof.tampered } : {}),
  });
  if (!proof.kept) return { kept: false, reason: proof.reason };
  const after = proof.validation;
  deps.onProven?.(task.id, diffFailures(state.current.failures, after.failures).fixed, edits, tier);
  state.current = after;
  for (const f of proof.changed) state.changed.add(f);
  outcome.changed.push(...proof.changed.filter((f) => !outcome.changed.includes(f)));
  try {
    await deps.context?.refresh(); // lines moved: re-index (only the edited files are parsed again)
  } catch (err) {
    outcome.escalations.push({
      kind: 'note',
      from: tier,
      to: null,
      reason: `re-index failed (${errorMessage(err)}); later prompts use the previous index`,
    });
  }
  return { kept: true, reason: proof.reason };
}

/**
 * The path policy for this task: fix writes the files of its failures plus the definitions its plan
 * joined; implement the files its validated plan names. Files the plan creates, and files distiq
 * itself created and kept earlier in the job, are writable although git does not track them yet.
 */
export function editGuard(task: PlanTask, deps: ExecuteDeps, state: ExecutionState): EditGuard {
  const policy = loadPathPolicy(deps.root, {
    allowPaths: deps.allowPaths,
    allowWorkflowEdits: deps.allowWorkflowEdits,
    commands: deps.commands.flatMap((c) => [c.run, c.scoped ?? '']),
  });
  const planned = task.changes.map((c) => c.path);
  const created = [
    ...task.changes.filter((c) => c.action === 'create').map((c) => c.path),
    ...state.changed,
  ];
  return { policy, scope: { files: [...new Set([...task.files, ...planned])], created } };
}
/** The planner's changes as edits: modify = search/replace, create = the new content, delete = delete. */
export function planEdits(root: string, task: PlanTask): FileEdit[] {
  const asModelEdits = task.changes
    .filter((f) => f.action !== 'delete')
    .flatMap((f) =>
      f.action === 'create'
        ? [{ path: f.path, search: '', replace: f.changes.map((c) => c.new).join('\n') }]
        : f.changes.map((c) => ({ path: f.path, search: c.old, replace: c.new })),
    );
  const edits = asModelEdits.length ? resolveEdits(root, asModelEdits) : [];
  for (const f of task.changes.filter((c) => c.action === 'delete')) {
    const abs = resolveSafePath(root, f.path);
    let before: string;
    try {
      before = readFileSync(abs, 'utf8');
    } catch {
      throw new EditApplyError(`delete ${f.path}: the file does not exist`);
    }
    edits.push({ path: f.path, before, after: null });
  }
  return edits;
}
export async function syntaxRegressions(edits: FileEdit[]): Promise<string[]> {
  const { isSyntaxCheckable, newSyntaxProblems } = await import('../context/syntax-check.js');
  const out: string[] = [];
  for (const e of edits) {
    if (e.after === null || !isSyntaxCheckable(e.path)) continue;
    for (const p of await newSyntaxProblems(e.path, e.before, e.after))
      out.push(`${e.path}:${p.line}: ${p.message}`);
  }
  return out;
}
export function remainingOf(task: PlanTask, v: Validation): PlanTask['failures'] {
  return diffFailures(
    task.failures,
    v.failures.filter((f) => task.failures.some((t) => failureKey(t) === failureKey(f))),
  ).remaining;
}
export function stillFailing(task: PlanTask, v: Validation): boolean {
  const keys = new Set(v.failures.map(failureKey));
  return task.failures.some((f) => keys.has(failureKey(f)));
}
