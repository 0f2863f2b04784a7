import type { CallRecord } from '../budget/call-model.js';
import type { ModelGateway } from '../budget/gateway.js';
import type { FileEdit } from '../autofix/fixer.js';
import type { KeptFreeRepair } from './before-free-repair.js';
import type { JobContext } from '../context/job-context.js';
import type { ResolvedCommand } from '../detect/commands.js';
import type { Validation } from '../validation/validate.js';
import type { PlanTask } from '../plan/types.js';
import type { RepairReport } from '../report/fix-report.js';
import type { Escalation } from '../routing/escalation.js';
import type { TierLadder } from '../routing/router.js';
import type { Failure } from '../validation/failure.js';

import type { TaskStatus } from '../report/status.js';

// What the execute stage is given (ExecuteDeps) and what it keeps while tasks run.

export interface TaskOutcome {
  task: PlanTask;
  status: TaskStatus;
  /** Every step the task went through, cheapest first ("plan" = the planner's own code applied as written). */
  tierPath: string[];
  /** Why it left a tier, fell back to another provider or stopped. */
  escalations: Escalation[];
  attempts: number;
  /** Attempts spent on each tier (the outcome log's per-attempt odds). */
  attemptsByTier: Record<string, number>;
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
  /** Budget, prices, recorder and limits: every model call and its cost go through it. */
  gateway: ModelGateway;
  maxAttempts: number;
  secretEnvVars: readonly string[];
  concurrency: number;
  context: JobContext | null;
  /** implement: the checklist items, by 1-based number. */
  items: string[];
  allowWorkflowEdits: boolean;
  /** execute.allowPaths: globs the path policy allows although it would refuse them. */
  allowPaths?: readonly string[];
  signal?: AbortSignal;
  /** fix: identical requests are answered from the gateway's replay cache at $0. */
  replay?: boolean;
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
      attemptsByTier: {},
      changed: [],
      calls: [],
    })),
    overBudget: false,
    scopedProofs: 0,
    peakConcurrency: 0,
  };
}
