import { BudgetExceededError, DistiqError, errorMessage } from '../errors.js';
import type { OctokitClient, RepoRef } from '../forge/github/client.js';
import { GitHub } from '../forge/github/github.js';
import type { DistiqConfig, TierName } from '../config/schema.js';
import type { FixReport } from '../report/fix-report.js';
import type { ImplementReport } from '../report/implement-report.js';
import type { ReviewReport } from '../report/review-report.js';
import { costTableMarkdown } from '../report/markdown.js';
import type { CostReport } from '../budget/cost-report.js';
import { runFilePath, writeRunFile } from '../report/run-file.js';
import type { Failure } from '../validation/failure.js';
import type { ModelDeps } from '../routing/model-deps.js';
import type { LocalTierState } from './local-tier.js';

// What one run of the Action carries (Ctx) and how it ends: a result with the run file, the
// summary and the cost, whether the job finished, was skipped or stopped on an error.

export interface EventInputs {
  command: 'auto' | 'fix' | 'implement' | 'review';
  configFile?: string;
  budgetUsd?: number;
  tiers?: TierName[];
}

/** What the Action reports (its outputs), and what the job summary is made of. */
export interface EventResult {
  status: string;
  reason?: string;
  /** The pull request opened or updated: kept whatever fails after it exists. */
  prUrl: string | null;
  /** The review posted (review runs): its own output, never `pr-url`. */
  reviewUrl?: string | null;
  /** What was actually spent, failed and refused attempts included. */
  costUsd: number;
  report: FixReport | ImplementReport | ReviewReport | null;
  reportFile: string | null;
  /** Failures left unfixed: annotated on the run. */
  remaining: Failure[];
  summary: string;
  /** Problems after the outcome was settled (a comment update that failed): logged, not fatal. */
  warnings?: string[];
  /** Set when the job's tiers include `local`: ready, or unusable with the reason. */
  localTier?: LocalTierState;
}

export interface Ctx {
  root: string;
  config: DistiqConfig;
  configFile: string | null;
  gh: OctokitClient;
  repo: RepoRef;
  defaultBranch: string;
  inputs: EventInputs;
  env: NodeJS.ProcessEnv;
  runId: string;
  redact: (s: string) => string;
  progressStream: NodeJS.WriteStream;
  signal?: AbortSignal;
  /** Every model dependency set built for this run: what was spent, even if the job throws. */
  deps: ModelDeps[];
  warnings: string[];
  /** Set as soon as a PR exists, so that a later failure cannot lose it. */
  prUrl: string | null;
  localTier?: LocalTierState;
  job: 'fix' | 'implement' | 'review';
}

export function skipped(status: string, reason: string): EventResult {
  return {
    status,
    reason,
    prUrl: null,
    costUsd: 0,
    report: null,
    reportFile: null,
    remaining: [],
    summary: `distiq: ${status}: ${reason}`,
  };
}

/** The run's repository as a forge: what the job delivers (PR, review, comment) goes through it. */
export function forgeOf(ctx: Ctx): GitHub {
  return new GitHub({
    octokit: ctx.gh,
    repo: ctx.repo,
    root: ctx.root,
    redact: ctx.redact,
    branchPrefix: ctx.config.github.branchPrefix,
    defaultBranch: ctx.defaultBranch,
    pushToken: ctx.env.GITHUB_TOKEN,
    serverUrl: ctx.env.GITHUB_SERVER_URL,
  });
}

/** Runs an API call whose failure must not change the outcome: a warning instead. */
export async function bestEffort(
  ctx: Ctx,
  what: string,
  fn: () => Promise<unknown>,
): Promise<void> {
  try {
    await fn();
  } catch (err) {
    ctx.warnings.push(ctx.redact(`${what} failed: ${apiError(err)}`));
  }
}

export function apiError(err: unknown): string {
  const status = (err as { status?: number }).status;
  return status ? `GitHub API ${status}: ${errorMessage(err).split('\n')[0]}` : errorMessage(err);
}

export async function finish(
  ctx: Ctx,
  report: FixReport | ImplementReport | ReviewReport,
  prUrl: string | null,
  headline: string,
  reviewUrl: string | null = null,
): Promise<EventResult> {
  const reportFile = writeRunFile(ctx.root, ctx.runId, report);
  const remaining =
    report.job === 'fix' ? report.remaining : report.job === 'implement' ? report.regressions : [];
  const summary = ctx.redact(
    `## distiq ${report.job}: ${report.status}\n\n${headline}${localTierLine(ctx)}\n\n${costTableMarkdown(report.cost)}`,
  );
  return {
    status: report.status,
    prUrl,
    reviewUrl,
    costUsd: report.cost.usd,
    report,
    reportFile: reportFile ?? runFilePath(ctx.root, ctx.runId),
    remaining,
    summary,
  };
}

export function localTierLine(ctx: Ctx): string {
  const l = ctx.localTier;
  if (!l) return '';
  return l.status === 'ready'
    ? `\n\nLocal tier: ready${l.gpu ? ` (GPU: ${l.gpu})` : l.gpu === false ? ' (CPU)' : ''}.`
    : `\n\n**Local tier unusable:** ${l.reason}. It was left out of this run.`;
}

/**
 * The result of a run that stopped on an error: what was spent (every recorded attempt), the PR if
 * one was already opened, a run file, and a summary with the cost table. A budget refusal is
 * `over-budget`, not `error`.
 */
export function errorResult(ctx: Ctx, err: unknown): EventResult & { cost: CostReport | null } {
  const status = err instanceof BudgetExceededError ? 'over-budget' : 'error';
  const hint = err instanceof DistiqError && err.hint ? ` (${err.hint})` : '';
  const reason = ctx.redact(errorMessage(err) + hint);
  // Roles of one job share a gateway: each gateway's records are counted once.
  const gateways = [...new Set(ctx.deps.map((d) => d.gateway))];
  const records = gateways.flatMap((g) => g.records());
  const cost = gateways[0]?.costOf(records) ?? null;
  const costUsd = records.reduce((a, r) => a + r.usd, 0);
  const report = {
    schemaVersion: 1,
    job: ctx.job,
    runId: ctx.runId,
    status,
    error: { type: (err as Error)?.name ?? 'Error', message: reason },
    spentUsd: costUsd,
    ...(ctx.prUrl ? { pullRequest: { url: ctx.prUrl } } : {}),
    ...(cost ? { cost } : {}),
  };
  let reportFile: string | null = null;
  try {
    reportFile = writeRunFile(ctx.root, ctx.runId, report);
  } catch (e) {
    ctx.warnings.push(`the run file could not be written: ${errorMessage(e)}`);
  }
  const table = cost ? `\n\n${costTableMarkdown(cost)}` : `\n\nSpent $${costUsd.toFixed(4)}.`;
  const pr = ctx.prUrl ? `\n\nPull request: ${ctx.prUrl}` : '';
  const summary = ctx.redact(
    `## distiq ${ctx.job}: ${status}\n\n${reason}${pr}${localTierLine(ctx)}${table}`,
  );
  return {
    status,
    reason,
    prUrl: ctx.prUrl,
    costUsd,
    cost,
    report: null,
    reportFile,
    remaining: [],
    summary,
    warnings: ctx.warnings,
    ...(ctx.localTier ? { localTier: ctx.localTier } : {}),
  };
}
