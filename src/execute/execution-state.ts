import type { Budget } from '../budget/budget.js';
import { type CallRecord, CallRecorder } from '../budget/call-model.js';
import type { PriceBook } from '../budget/prices.js';
import type { FileEdit } from '../autofix/fixer.js';
import type { KeptFreeRepair } from './before-free-repair.js';
import type { JobContext } from '../context/job-context.js';
import type { ResolvedCommand } from '../detect/commands.js';
import type { Validation } from '../validation/validate.js';
import type { PlanTask } from '../plan/types.js';
import type { RepairReport } from '../report/fix-report.js';
import type { TierLadder } from '../routing/router.js';
import type { Failure } from '../validation/failure.js';
import type { ReplayCache } from '../memory/replay-cache.js';

import type { TaskStatus } from '../report/status.js';

// What the execute stage is given (ExecuteDeps) and what it keeps while tasks run.

export interface TaskOutcome {
  task: PlanTask;
  status: TaskStatus;
  /** Every step the task went through, cheapest first ("plan" = the planner's own code applied as written). */
  tierPath: string[];
  escalations: string[];
  attempts: number;
  changed: string[];
  calls: CallRecord[];
  reason?: string;
}

export interface ExecuteDeps {
  job: 'fix' | 'implement';
  root: string;
  commands: ResolvedCommand[];
  /** Usable ladders, cheapest first. */
  ladders: TierLadder[];
  budget: Budget;
  prices: PriceBook;
  recorder: CallRecorder;
  maxAttempts: number;
  maxOutputTokens: number;
  maxRetries: number;
  secretEnvVars: readonly string[];
  concurrency: number;
  context: JobContext | null;
  /** implement: the checklist items, by 1-based number. */
  items: string[];
  allowWorkflowEdits: boolean;
  /** execute.allowPaths: globs the path policy allows although it would refuse them. */
  allowPaths?: readonly string[];
  signal?: AbortSignal;
  /** Exact replay cache: identical requests are answered at $0. */
  cache?: ReplayCache;
  /** fix: a model repair was proven (fix memory stores it at the end of the job). */
  onProven?: (taskId: string, fixed: Failure[], edits: FileEdit[], tier: string) => void;
  /** fix: the $0 repairs kept before the model tier (a model's answer is also judged without them). */
  keptFree?: readonly KeptFreeRepair[];
  /** fix: stored repairs that did not prove out here, shown to the model as worked examples. */
  examples?: (failures: Failure[]) => string[];
}

/** Shared by all tasks of a job; only changed under the proof lock. */
export interface ExecutionState {
  current: Validation;
  changed: Set<string>;
  repairs: RepairReport[];
  outcomes: TaskOutcome[];
  overBudget: boolean;
  /** Proofs that ran a narrowed command: the full commands must run again before the job reports. */
  scopedProofs: number;
  peakConcurrency: number;
}

export function newExecutionState(current: Validation, plan: PlanTask[]): ExecutionState {
  return {
    current,
    changed: new Set(),
    repairs: [],
    outcomes: plan.map((task) => ({
      task,
      status: 'skipped',
      tierPath: [],
      escalations: [],
      attempts: 0,
      changed: [],
      calls: [],
    })),
    overBudget: false,
    scopedProofs: 0,
    peakConcurrency: 0,
  };
}
