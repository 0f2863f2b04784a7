import type { CommandKind, TierName } from '../config/schema.js';
import type { Escalation } from '../routing/escalation.js';
import type { Failure } from '../validation/failure.js';
import { exitCodeForStatus, type TaskStatus } from './status.js';

export type FixStatus = 'fixed' | 'partial' | 'failed' | 'nothing-to-fix' | 'over-budget';
export type { TaskStatus } from './status.js';

export interface TaskReport {
  id: string;
  title: string;
  /** The last tier the task reached ("plan": the planner's code applied as written). */
  tier: string;
  /** Every tier the task went through, cheapest first. */
  tierPath: string[];
  /** Why the task moved up a tier or fell back to another provider (one line each). */
  escalations: string[];
  /** The same, as records: {kind, from, to, reason}. */
  escalationRecords: Escalation[];
  attempts: number;
  /** Model tasks: attempts spent on each tier ("plan" for the planner's code as written). */
  attemptsByTier?: Record<string, number>;
  status: TaskStatus;
  /** fix: the failures the task was planned for. */
  failures: number;
  /** Its scope: files it may touch (empty = anywhere; such a task runs alone). */
  files: string[];
  dependsOn: string[];
  changedFiles: string[];
  /** Model calls made for this task, their tokens and dollars (a share of `cost`). */
  calls: number;
  tokens: { input: number; output: number; cacheRead: number; cacheWrite: number };
  usd: number;
  /** Why it was skipped or stopped, when it was. */
  reason?: string;
  /** The task's failure class (most frequent `tool:code`), as logged for routing. */
  failureClass?: string;
  /** Model tasks: the start tier chosen from the outcome log, why, and the per-tier estimates. */
  route?: RouteDecision;
}

export interface RepairReport {
  fixer: string;
  tier: TierName | string;
  descriptions: string[];
  files: string[];
  /** kept: validation improved with nothing new; rejected: rolled back; planned: --dry-run only. */
  outcome: 'kept' | 'rejected' | 'planned';
  reason?: string;
  /** Paths the validation commands changed beyond the edit (restored; the attempt was rejected). */
  tampered?: string[];
}

import type { CostReport } from '../budget/cost-report.js';
import type { MemoryReport } from '../memory/job-memory.js';
import type { RouteDecision } from '../routing/route.js';

export interface CommandReport {
  kind: CommandKind;
  command: string;
  exitCodeBefore: number | null;
  exitCodeAfter: number | null;
  durationMs: number;
  /** How validation was isolated: "bwrap" (bubblewrap sandbox) or "none" (fresh HOME only). */
  sandbox?: 'bwrap' | 'none';
  /** With "none": why there was no sandbox. */
  sandboxReason?: string;
}

/** The `--json` output of `distiq fix`. Field names are a public contract: see README "JSON output". */
export interface FixReport {
  schemaVersion: 1;
  job: 'fix';
  /** Also the name of the run file: `.distiq/runs/<runId>.json`. */
  runId: string;
  status: FixStatus;
  /** Ctrl-C: proven repairs are applied, the one in progress was rolled back. */
  interrupted: boolean;
  dryRun: boolean;
  failuresBefore: number;
  failuresAfter: number;
  changedFiles: string[];
  tasks: TaskReport[];
  repairs: RepairReport[];
  commands: CommandReport[];
  remaining: Failure[];
  skippedTiers: { tier: TierName; reason: string }[];
  cost: CostReport;
  /**
   * `from`: the branch the run started on (--branch leaves the user on the new branch);
   * `notCommitted`: repaired files that also hold the user's uncommitted work (--allow-dirty), left out of the commit.
   * `commit` null: every repaired file was such a file; no commit and no branch were made.
   */
  branch: { name: string; commit: string | null; from?: string; notCommitted?: string[] } | null;
  /** With --pr (or in the Action): the pull request opened or updated. */
  pullRequest?: { url: string; number: number; branch: string; created: boolean };
  /** Only when failures remain and a model tier that was not requested could continue. */
  nextStep?: NextStep;
  durationMs: number;
  /** Fix memory and the exact replay cache (README "Fix memory"). */
  memory?: MemoryReport;
}

export function exitCodeFor(status: FixStatus): number {
  return exitCodeForStatus(status, 'fix');
}

/** The closing hint: which --tiers would try a model next, on what, at what estimated price. */
export interface NextStep {
  /** The --tiers value to pass, e.g. "autofix,cheap". */
  tiers: string;
  failures: number;
  model: string;
  /** One attempt per remaining task, estimated from the failures and their files. */
  estimateUsd: number | null;
  usable: boolean;
  reason: string | null;
}
