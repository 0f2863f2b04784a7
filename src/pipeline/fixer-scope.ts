import path from 'node:path';
import type { FileEdit } from '../autofix/fixer.js';
import type { DistiqConfig } from '../config/schema.js';
import type { ResolvedCommand } from '../detect/commands.js';
import { type EditScope, loadPathPolicy } from '../edits/path-policy.js';
import type { EditGuard } from '../edits/protected-paths.js';
import { type FixPlanOptions, planFixTasks } from '../plan/plan-fix.js';
import type { PlanTask } from '../plan/types.js';
import type { Failure } from '../validation/failure.js';

/** What the scope needs from the index: the same lookups the model tier's plan uses. */
export type ScopeIndex = Required<Pick<FixPlanOptions, 'definedIn' | 'symbolAt' | 'moduleFile'>> &
  Partial<Pick<FixPlanOptions, 'removedFrom'>> & {
    /** Source files changed since the last green commit (JobContext.changedSources). */
    readonly changedSources?: readonly string[];
  };

/**
 * The scope a $0 or memory proposal may write: the same one a model edit gets, i.e. the union of
 * the fix tasks' scopes for the current failures (their files plus the definitions and modules
 * the plan joins). Most proposals stay in the failing files, so the index is opened only when a
 * proposal reaches beyond them, and opened again after a kept repair (definitions may have moved).
 */
export class FixerScope {
  private index?: Promise<ScopeIndex | null>;

  constructor(private readonly open: () => Promise<ScopeIndex | null>) {}

  async scopeFor(edits: readonly FileEdit[], failures: Failure[]): Promise<EditScope> {
    const cheap = scopeOf(planFixTasks(failures));
    const files = cheap.files ?? [];
    if (files.length === 0 || edits.every((e) => files.includes(path.posix.normalize(e.path))))
      return cheap;
    this.index ??= this.open().catch(() => null); // no index: the failing files only
    const index = await this.index;
    // The same plan options as the model tier's (fix-job.ts): a $0 repair of a cause the diff
    // made (a declaration renamed away) belongs in the changed file, as a model's would.
    return index
      ? scopeOf(
          planFixTasks(failures, {
            definedIn: index.definedIn,
            symbolAt: index.symbolAt,
            moduleFile: index.moduleFile,
            removedFrom: index.removedFrom,
            changedFiles: index.changedSources,
          }),
        )
      : cheap;
  }

  /** After a kept repair: the next proposal looks definitions up in the tree as it is now. */
  stale(): void {
    this.index = undefined;
  }
}

/** The path policy and scope for one proposal, against the failures it is meant to repair. */
export async function fixerGuard(
  root: string,
  config: DistiqConfig,
  commands: readonly ResolvedCommand[],
  edits: readonly FileEdit[],
  failures: Failure[],
  scope: FixerScope,
): Promise<EditGuard> {
  const policy = loadPathPolicy(root, {
    allowPaths: config.execute.allowPaths,
    allowWorkflowEdits: config.execute.allowWorkflowEdits,
    commands: commands.flatMap((c) => [c.run, c.scoped ?? '']),
  });
  return { policy, scope: await scope.scopeFor(edits, failures) };
}

/** Union of the tasks' scopes; a task without files (a failure nowhere in particular) is anywhere. */
function scopeOf(tasks: PlanTask[]): EditScope {
  if (tasks.some((t) => t.files.length === 0)) return { files: null };
  return { files: [...new Set(tasks.flatMap((t) => t.files))].sort() };
}
