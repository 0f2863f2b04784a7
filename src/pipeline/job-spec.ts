import type { DistiqConfig } from '../config/schema.js';
import type { GitHub } from '../forge/github/github.js';
import type { ModelDeps } from '../routing/model-deps.js';
import type { ProgressRenderer } from './listr-options.js';
import type { PullRequestAsk } from './job-request.js';

// A job spec: what one job (fix, implement, shard run, merge) adds to the envelope the runner
// owns (run id, recovery, tree checks, --branch commit, delivery, run file).

/** What the runner has settled before the job's own stages run. */
export interface JobEnv {
  root: string;
  config: DistiqConfig;
  configFile: string | null;
  runId: string;
  renderer: ProgressRenderer;
  progressStream: NodeJS.WriteStream;
  signal?: AbortSignal;
  /** The branch the run started on, read when --branch is given (it leaves the user on the new one). */
  startBranch: string | null;
  /** The forge for pull requests, connected on first use. */
  forge: () => Promise<GitHub>;
}

/** The fields of a report the runner reads or sets. */
export interface JobReport {
  status: string;
  changedFiles: string[];
}

/** distiq's branch, title and body of a pull request: the spec's words for its result. */
export interface PullRequestDraft {
  branch: string;
  title: string;
  body: string;
  commitMessage?: string;
}

export interface JobSpec<R extends JobReport> {
  job: 'fix' | 'implement' | 'shard' | 'merge';
  /** Refuse a dirty working tree (the user's work is never mixed with distiq's). */
  cleanTree: boolean;
  /** Before any model is built: the job's own inputs and checks (a plan file, a checklist). */
  prepare?: (env: Omit<JobEnv, 'runId'>) => Promise<void>;
  /** The job's model dependencies; what is spent is reported even if the job throws. */
  models: (env: Omit<JobEnv, 'runId'>) => ModelDeps;
  /** The job's own stages, on a recovered and checked tree. */
  run: (env: JobEnv, models: ModelDeps) => Promise<R>;
  /** The commit message on `--branch`; null: nothing to commit (a dry run). */
  commitMessage?: (report: R) => string | null;
  /** A draft when the result is worth a pull request, else null. */
  pullRequest?: (
    report: R,
    ask: PullRequestAsk<R>,
    current: () => Promise<string>,
    env: JobEnv,
  ) => Promise<PullRequestDraft | null>;
  /** Last words before the run file (the next step, where --branch came from). */
  finish?: (report: R, env: JobEnv) => void;
}
