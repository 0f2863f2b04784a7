import { JobContext } from '../context/job-context.js';
import type { DistiqConfig } from '../config/schema.js';
import { BudgetExceededError } from '../errors.js';
import type { OctokitClient, RepoRef } from '../forge/github/client.js';
import { GitHub } from '../forge/github/github.js';
import { costLine } from '../report/markdown.js';
import type { ReviewReport } from '../report/review-report.js';
import { reviewDiff } from '../review/review-pr.js';
import { makeRedactor } from '../security/secrets.js';
import type { ModelDeps } from '../routing/model-deps.js';
import { assertUsableModel, buildModelDeps } from '../routing/model-deps.js';

export interface ReviewJobOptions {
  root: string;
  config: DistiqConfig;
  configFile: string | null;
  gh: OctokitClient;
  repo: RepoRef;
  pr: number;
  runId: string;
  post: boolean;
  budgetUsd?: number;
  signal?: AbortSignal;
  /** Told the job's model deps as soon as they exist, so a caller can report what was spent if the job throws. */
  onDeps?: (deps: ModelDeps) => void;
}

/** Fetches the PR diff, reviews it on the reviewer tiers, posts one review with inline comments. */
export async function runReviewJob(o: ReviewJobOptions): Promise<ReviewReport> {
  const started = performance.now();
  const deps = buildModelDeps({
    root: o.root,
    config: o.config,
    configFile: o.configFile,
    tiers: o.config.github.review.tiers,
    role: 'reviewer',
    budgetUsd: o.budgetUsd,
  });
  o.onDeps?.(deps);
  assertUsableModel(deps, 'review');
  const { data: pr } = await o.gh.rest.pulls.get({ ...o.repo, pull_number: o.pr });
  const files = await o.gh.paginate(o.gh.rest.pulls.listFiles, {
    ...o.repo,
    pull_number: o.pr,
    per_page: 100,
  });
  const context = await JobContext.open(o.root, deps.contextTokens);
  const cost = () => deps.gateway.cost();
  const base = { schemaVersion: 1 as const, job: 'review' as const, runId: o.runId, pr: o.pr };
  let result;
  try {
    result = await reviewDiff({ title: pr.title, body: pr.body ?? '' }, files, {
      ...o.config.github.review,
      ladders: deps.ladders,
      gateway: deps.gateway,
      context,
      contextTokens: deps.contextTokens,
      signal: o.signal,
    });
  } catch (err) {
    if (!(err instanceof BudgetExceededError)) throw err;
    return {
      ...base,
      status: 'over-budget',
      summary: err.message,
      comments: [],
      folded: [],
      skippedFiles: [],
      tierPath: [],
      escalations: [],
      escalationRecords: [],
      changedLines: 0,
      posted: null,
      cost: cost(),
      durationMs: Math.round(performance.now() - started),
    };
  }
  const report: ReviewReport = {
    ...base,
    status: result.tierPath.length ? 'reviewed' : 'nothing-to-review',
    ...result,
    posted: null,
    cost: cost(),
    durationMs: 0,
  };
  if (o.post && result.tierPath.length) {
    const folded = result.folded.length
      ? `\n\n**Also noted** (not on a line of this diff, or over the ${o.config.github.review.maxComments}-comment cap):\n${result.folded.map((c) => `- \`${c.path}:${c.line}\` (${c.severity}) ${c.body.split('\n')[0]}`).join('\n')}`
      : '';
    const forge = new GitHub({
      octokit: o.gh,
      repo: o.repo,
      root: o.root,
      redact: makeRedactor(process.env, o.config.secrets.envVars),
      branchPrefix: o.config.github.branchPrefix,
    });
    report.posted = await forge.deliver({
      kind: 'review',
      pr: o.pr,
      commitId: pr.head.sha,
      body: `### distiq review\n\n${result.summary}${folded}\n\n${costLine(report.cost)}`,
      comments: result.comments.map((c) => ({
        path: c.path,
        line: c.line,
        body: `**${c.severity}**: ${c.body}`,
      })),
    });
  }
  report.durationMs = Math.round(performance.now() - started);
  return report;
}
