import type { CostReport } from '../budget/cost-report.js';
import type { ReviewComment } from '../review/review-pr.js';
import type { Escalation } from '../routing/escalation.js';

/** The `--json` output of `distiq review` (a public contract: see README). */
export interface ReviewReport {
  schemaVersion: 1;
  job: 'review';
  runId: string;
  pr: number;
  status: 'reviewed' | 'nothing-to-review' | 'over-budget' | 'failed';
  summary: string;
  comments: ReviewComment[];
  /** Comments not on a line of the diff, or over github.review.maxComments: put in the summary. */
  folded: ReviewComment[];
  skippedFiles: string[];
  tierPath: string[];
  escalations: string[];
  /** The same, as records: {kind, from, to, reason}. */
  escalationRecords: Escalation[];
  changedLines: number;
  /** The posted review, or null with --dry-run. */
  posted: { id: number; url: string } | null;
  cost: CostReport;
  durationMs: number;
}
