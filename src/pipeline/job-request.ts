import type { DistiqConfig, TierName } from '../config/schema.js';
import type { Delivery } from '../forge/github/deliver.js';
import type { GitHub } from '../forge/github/github.js';
import type { ModelDeps } from '../routing/model-deps.js';
import type { ProgressRenderer } from './listr-options.js';

// What a job is asked (JobRequest), by a CLI command or by the Action: the same type for both,
// run by `runJob` (job-runner.ts). A job's own options (targets, a checklist, a plan file) are
// declared next to its spec and joined to it: `JobRequest<R> & FixOptions`.

/** A pull request asked for: the CLI's `--pr` (`true`), or the Action's delivery of an event's job. */
export interface PullRequestAsk<R = unknown> {
  /** The branch the PR targets; the checkout's current branch when not given. */
  base?: string;
  /** distiq's branch; the spec's own name when not given. */
  branch?: string;
  /** What asked for the job, named in the PR body. */
  trigger?: string;
  /** The commit on distiq's branch; the PR title when not given. */
  commitMessage?: (report: R) => string;
  /** Appended to the PR body (the Action: items not attempted, "Closes #N"). */
  footer?: (report: R) => string;
  /** Told as soon as the PR exists, so that a later failure cannot lose it. */
  onDelivered?: (delivery: Delivery) => void;
}

export interface JobRequest<R = unknown> {
  cwd: string;
  configFile?: string;
  /** The config when the caller has loaded it already (the Action). */
  loaded?: { config: DistiqConfig; file: string | null };
  tiers?: TierName[];
  maxAttempts?: number;
  concurrency?: number;
  budgetUsd?: number;
  allowDirty?: boolean;
  /** `--branch`: commit distiq's own changes on this new branch. */
  branch?: string;
  /** stdout carries the report as JSON: no progress, no per-tier notes. */
  json: boolean;
  /** A caller that reports through its own summary (the Action): no notes on stderr, no hints. */
  quiet?: boolean;
  renderer?: ProgressRenderer;
  progressStream?: NodeJS.WriteStream;
  signal?: AbortSignal;
  /** Where model keys and the ledger are looked up; process.env when not given. */
  env?: NodeJS.ProcessEnv;
  /** The Action's run id (one per event); a new one when not given. */
  runId?: string;
  pr?: boolean | PullRequestAsk<R>;
  /** The forge a pull request goes through, connected only when one is delivered. */
  connect?: (root: string, config: DistiqConfig) => Promise<GitHub>;
  /** Every model dependency set built for the job: what was spent, even if the job throws. */
  onModels?: (models: ModelDeps) => void;
}
