import type { DistiqConfig, TierName } from '../config/schema.js';
import type { ResolvedCommand } from '../detect/commands.js';
import type { ExecutionState } from '../execute/execute-plan.js';
import type { FixTask } from '../plan/plan-fix.js';
import type { FreeRepair } from '../budget/cost-report.js';
import type { RepairReport } from '../report/fix-report.js';
import type { ModelDeps } from '../routing/model-deps.js';
import type { FixTarget } from '../validation/select-commands.js';
import type { Validation } from '../validation/validate.js';
import type { ProgressRenderer } from './listr-options.js';
import type { KeptRepair } from './kept-repairs.js';
import type { FixerScope } from './fixer-scope.js';

// What a fix job is asked (FixJobRequest) and what its stages share while it runs (JobState).

export interface FixJobRequest {
  root: string;
  config: DistiqConfig;
  targets: FixTarget[];
  tiers: TierName[];
  maxAttempts: number;
  dryRun: boolean;
  concurrency: number;
  runId: string;
  renderer: ProgressRenderer;
  /** Where progress goes; stderr when stdout carries JSON. */
  progressStream: NodeJS.WriteStream;
  signal?: AbortSignal;
  models: ModelDeps;
  /** `--base`: the last green commit (see autofix/history.ts). */
  base?: string;
}

export interface JobState {
  commands: ResolvedCommand[];
  before?: Validation;
  current?: Validation;
  tasks: FixTask[];
  repairs: RepairReport[];
  attemptsByFile: Map<string, number>;
  changed: Set<string>;
  exec?: ExecutionState;
  overBudget: boolean;
  /** Kept $0 repairs, priced at the premium model for the baseline. */
  freeRepairs: FreeRepair[];
  /** Each kept $0 repair: the failures it removed and the files it changed (for task reports). */
  keptFree?: KeptRepair[];
  scope?: FixerScope;
}
