import { ExitCode, type ExitCodeValue } from '../errors.js';

// The one table from a job's status to what it means: the exit code of every CLI command and of
// the Action, and whether the outcome counts as a success on the thread (reaction, progress).

/** A task's outcome: fixed/done are proven; skipped never ran (a dependency failed, the budget
 * was spent); interrupted: Ctrl-C. */
export type TaskStatus =
  'fixed' | 'done' | 'partial' | 'failed' | 'skipped' | 'interrupted' | 'over-budget';

/** Statuses that mean the work was not (all) done: exit 1. */
const NOT_DONE: readonly string[] = ['failed', 'partial', 'error'];
/** Statuses of work delivered as asked. */
const SUCCESS: readonly string[] = ['fixed', 'implemented', 'nothing-to-fix', 'reviewed', 'done'];

/**
 * The exit code of a job's status: 3 over budget, 1 not done, 0 otherwise (done, nothing to do,
 * skipped or denied in the Action). A shard's own run never fails the matrix: the merge judges.
 */
export function exitCodeForStatus(status: string, job?: string): ExitCodeValue {
  if (status === 'over-budget') return ExitCode.BUDGET;
  if (job === 'shard') return ExitCode.OK;
  return NOT_DONE.includes(status) ? ExitCode.NOT_FIXED : ExitCode.OK;
}

/** The Action's step fails (1) whenever the job did not end well, over budget included. */
export function actionExitCode(status: string): 0 | 1 {
  return exitCodeForStatus(status) === ExitCode.OK ? 0 : 1;
}

export function isSuccess(status: string): boolean {
  return SUCCESS.includes(status);
}
