import type { TierName } from '../config/schema.js';
import type { Failure } from '../validation/failure.js';

/** One change the planner intends in a file: the code as it is, the code as it should be, and why. */
export interface PlannedChange {
  old: string;
  new: string;
  reason: string;
}

export interface PlannedFile {
  path: string;
  action: 'create' | 'modify' | 'delete';
  changes: PlannedChange[];
}

/**
 * A unit of work the executor runs on one tier ladder. `files` is its scope: tasks whose scopes
 * overlap never run at the same time; an empty scope means "anywhere" and runs alone.
 */
export interface PlanTask {
  id: string;
  title: string;
  goal: string;
  files: string[];
  dependsOn: string[];
  /** The cheapest tier the task starts on; it moves up its ladder only with a recorded reason. */
  tier: TierName;
  /** Planned attempts per model tier (fix: from the outcome log; 0 = skip); absent: maxAttempts. */
  attempts?: Record<string, number>;
  /** What must hold for the task to count as done (checked by the validation commands). */
  acceptance: string;
  /** fix: the failures the task must make go away. */
  failures: Failure[];
  /** implement: the planner's per-file changes. */
  changes: PlannedFile[];
  /** implement: the checklist items (1-based) the task serves. */
  items: number[];
}

export interface Plan {
  job: 'fix' | 'implement';
  tasks: PlanTask[];
}
