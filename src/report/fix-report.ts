import type { CommandKind, TierName } from '../config/schema.js';
import type { Failure } from '../validation/failure.js';

export type FixStatus = 'fixed' | 'partial' | 'failed' | 'nothing-to-fix' | 'over-budget';
export type TaskStatus = 'fixed' | 'partial' | 'failed';

export interface TaskReport {
  id: string;
  title: string;
  /** The tier that produced the task's last kept repair, or the highest tier tried. */
  tier: TierName;
  /** Every tier the task went through, cheapest first. */
  tierPath: TierName[];
  /** Why the task moved up a tier or fell back to another provider. */
  escalations: string[];
  attempts: number;
  status: TaskStatus;
  failures: number;
}

export interface RepairReport {
  fixer: string;
  tier: TierName | string;
  descriptions: string[];
  files: string[];
  /** kept: validation improved with nothing new; rejected: rolled back; planned: --dry-run only. */
  outcome: 'kept' | 'rejected' | 'planned';
  reason?: string;
}

import type { CostReport } from './cost.js';

export interface CommandReport {
  kind: CommandKind;
  command: string;
  exitCodeBefore: number | null;
  exitCodeAfter: number | null;
  durationMs: number;
}

/** The `--json` output of `distiq fix`. Field names are a public contract: see README "JSON output". */
export interface FixReport {
  schemaVersion: 1;
  status: FixStatus;
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
  branch: { name: string; commit: string } | null;
  durationMs: number;
}

export function exitCodeFor(status: FixStatus): number {
  switch (status) {
    case 'fixed':
    case 'nothing-to-fix':
      return 0;
    case 'over-budget':
      return 3;
    default:
      return 1;
  }
}
