import type { CostReport } from '../budget/cost-report.js';
import { exitCodeForStatus } from './status.js';
import type { CommandReport, RepairReport, TaskReport } from './fix-report.js';
import type { Failure } from '../validation/failure.js';

export type ImplementStatus = 'implemented' | 'partial' | 'failed' | 'over-budget';

/** The `--json` output of `distiq implement` (also `.distiq/runs/<runId>.json`). A public contract: see README. */
export interface ImplementReport {
  schemaVersion: 1;
  job: 'implement';
  runId: string;
  status: ImplementStatus;
  interrupted: boolean;
  source: string;
  /** Each unchecked checklist item, and the tasks that served it. */
  items: { n: number; text: string; tasks: string[]; status: 'done' | 'partial' | 'not-done' }[];
  plan: { attempts: number; tasks: number };
  /** Failures of the validation commands before the job (not the job's fault) and after it. */
  failuresBefore: number;
  failuresAfter: number;
  /** Failures present after the job and not before: none when every task was proven. */
  regressions: Failure[];
  changedFiles: string[];
  tasks: TaskReport[];
  repairs: RepairReport[];
  commands: CommandReport[];
  cost: CostReport;
  /**
   * `commit` null: every changed file also held the user's uncommitted work (--allow-dirty), so
   * nothing was committed; `notCommitted` names the files left out of the commit for that reason.
   */
  branch: { name: string; commit: string | null; notCommitted?: string[] } | null;
  /** With --pr (or in the Action): the pull request opened or updated. */
  pullRequest?: { url: string; number: number; branch: string; created: boolean };
  /** In the Action: checklist items that did not fit the context budget and were not attempted. */
  droppedItems?: string[];
  durationMs: number;
}

export function implementExitCode(status: ImplementStatus): number {
  return exitCodeForStatus(status, 'implement');
}
