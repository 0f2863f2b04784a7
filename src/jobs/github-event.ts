import { readFileSync } from 'node:fs';
import { simpleGit } from 'simple-git';
import type { DistiqConfig, TierName } from '../config/schema.js';
import { loadConfig } from '../config/load.js';
import { errorMessage, UsageError } from '../errors.js';
import { authorizeActor } from '../forge/github/authorize.js';
import { github, githubToken, type GitHub, type RepoRef, repoFrom } from '../forge/github/client.js';
import { deliverPullRequest } from '../forge/github/deliver.js';
import { failuresFromRun } from '../forge/github/run-logs.js';
import { sanitizeUserText } from '../forge/github/sanitize.js';
import { decideTrigger, type Trigger } from '../forge/github/trigger.js';
import { repoRoot } from '../forge/git.js';
import { runFixJob } from '../pipeline/fix-job.js';
import { runImplementJob } from '../pipeline/implement-job.js';
import { requireItems } from '../plan/checklist.js';
import type { FixReport } from '../report/fix-report.js';
import type { ImplementReport } from '../report/implement-report.js';
import { costLine, costTableMarkdown, pullRequestBody } from '../report/markdown.js';
import type { ReviewReport } from '../report/review-report.js';
import { newRunId, runFilePath, writeRunFile } from '../report/run-file.js';
import { makeRedactor } from '../security/secrets.js';
import type { Failure } from '../validation/failure.js';
import { implementModels } from './implement.js';
import { buildModelDeps } from './model-deps.js';
import { runReviewJob } from './review.js';

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
  prUrl: string | null;
  costUsd: number;
  report: FixReport | ImplementReport | ReviewReport | null;
  reportFile: string | null;
  /** Failures left unfixed: annotated on the run. */
  remaining: Failure[];
  summary: string;
}

interface Ctx {
  root: string;
  config: DistiqConfig;
  configFile: string | null;
  gh: GitHub;
  repo: RepoRef;
  defaultBranch: string;
  inputs: EventInputs;
  env: NodeJS.ProcessEnv;
  runId: string;
  redact: (s: string) => string;
  progressStream: NodeJS.WriteStream;
  signal?: AbortSignal;
}

/**
 * The Action's core: read the event, decide, authorize, run the job, deliver the result
 * (a PR, a review, a reply) and say what it cost. Every text that leaves is redacted.
 */
export async function runGithubEvent(opts: { cwd: string; env: NodeJS.ProcessEnv; inputs: EventInputs; progressStream: NodeJS.WriteStream; signal?: AbortSignal }): Promise<EventResult> {
  const env = opts.env;
  const eventName = env.GITHUB_EVENT_NAME;
  if (!eventName || !env.GITHUB_EVENT_PATH) throw new UsageError('GITHUB_EVENT_NAME and GITHUB_EVENT_PATH are not set: this runs inside GitHub Actions (locally: distiq implement --issue, review --pr, fix --pr)');
  const payload = JSON.parse(readFileSync(env.GITHUB_EVENT_PATH, 'utf8'));
  const root = await repoRoot(opts.cwd);
  const { config, file } = await loadConfig(root, opts.inputs.configFile);
  const repo = repoFrom(env.GITHUB_REPOSITORY ?? payload.repository?.full_name);
  const trigger = decideTrigger(eventName, payload, { command: opts.inputs.command, repoFullName: `${repo.owner}/${repo.repo}`, branchPrefix: config.github.branchPrefix });
  const skipped = (status: string, reason: string): EventResult => ({ status, reason, prUrl: null, costUsd: 0, report: null, reportFile: null, remaining: [], summary: `distiq: ${status}: ${reason}` });
  if (trigger.kind === 'skip') return skipped('skipped', trigger.reason);

  const gh = github(await githubToken(env), env);
  const ctx: Ctx = { root, config, configFile: file, gh, repo, defaultBranch: payload.repository?.default_branch ?? 'main', inputs: opts.inputs, env, runId: newRunId(), redact: makeRedactor(env, config.secrets.envVars), progressStream: opts.progressStream, signal: opts.signal };

  if (trigger.source === 'comment') return onComment(ctx, trigger, skipped);
  if (trigger.source === 'workflow_run') {
    // Both the one who started the workflow and the run's own actor must be allowed to spend.
    for (const login of new Set([env.GITHUB_ACTOR ?? '', trigger.actor])) {
      const auth = await authorizeActor(gh, repo, { login, type: login.endsWith('[bot]') ? 'Bot' : 'User' }, config.github.allowBots);
      if (!auth.ok) return skipped('denied', auth.reason);
    }
    return fixWorkflowRun(ctx, trigger);
  }
  const missing = missingModels(ctx, 'review');
  if (missing) return skipped('skipped', missing);
  const review = await runReviewJob({ root, config, configFile: file, gh, repo, pr: trigger.number, runId: ctx.runId, post: true, budgetUsd: opts.inputs.budgetUsd, signal: opts.signal });
  return finish(ctx, review, review.posted?.url ?? null, review.summary);
}

type CommentTrigger = Extract<Trigger, { source: 'comment' }>;

const PROGRESS_MARKER = '<!-- distiq-progress -->';

/** Why a job that needs a model cannot run here (no key: fork or Dependabot runs), or null. */
function missingModels(ctx: Ctx, kind: 'implement' | 'fix' | 'review'): string | null {
  const tiers = kind === 'review' ? ctx.config.github.review.tiers : kind === 'implement' ? (ctx.inputs.tiers ?? ctx.config.implement.tiers) : (ctx.inputs.tiers ?? ctx.config.fix.tiers);
  if (kind === 'fix' && tiers.includes('autofix')) return null; // the $0 tier needs no key
  const deps = buildModelDeps({ root: ctx.root, config: ctx.config, configFile: ctx.configFile, tiers: tiers.filter((x) => x !== 'autofix'), env: ctx.env });
  if (deps.ladders.some((l) => l.steps.length > 0)) return null;
  const why = deps.ladders.flatMap((l) => l.info.map((i) => `${i.provider}/${i.model}: ${i.reason}`)).slice(0, 3).join('; ');
  return `no model is usable in this run (${why || 'no model tiers configured'}); runs from forks and Dependabot get no secrets`;
}

async function onComment(ctx: Ctx, t: CommentTrigger, skipped: (s: string, r: string) => EventResult): Promise<EventResult> {
  const { gh, repo } = ctx;
  const auth = await authorizeActor(gh, repo, { login: t.actor, type: t.actorType }, ctx.config.github.allowBots);
  if (!auth.ok) {
    // One polite reply; nothing runs, nothing is spent. Bots get no reply (no reply loops).
    if (t.actorType === 'User' && !t.actor.endsWith('[bot]')) await gh.rest.issues.createComment({ ...repo, issue_number: t.number, body: `Sorry @${t.actor}, \`/distiq\` commands run only for collaborators with write access to this repository.` });
    return skipped('denied', auth.reason);
  }
  // A cap per thread: each run leaves one progress comment carrying the marker.
  const earlier = await gh.paginate(gh.rest.issues.listComments, { ...repo, issue_number: t.number, per_page: 100 });
  // Only distiq's own (bot-authored) comments count: a person pasting the marker cannot block runs.
  const runs = earlier.filter((c) => c.user?.type === 'Bot' && c.body?.includes(PROGRESS_MARKER)).length;
  if (runs >= ctx.config.github.maxRunsPerThread) {
    await gh.rest.issues.createComment({ ...repo, issue_number: t.number, body: `distiq has already run ${runs} time(s) here (github.maxRunsPerThread is ${ctx.config.github.maxRunsPerThread}); nothing was started.` });
    return skipped('capped', `${runs} earlier run(s) on #${t.number} (github.maxRunsPerThread)`);
  }
  await gh.rest.reactions.createForIssueComment({ ...repo, comment_id: t.commentId, content: 'eyes' });
  const progress = await gh.rest.issues.createComment({ ...repo, issue_number: t.number, body: `⏳ distiq is working on \`/distiq ${t.kind}\` (run ${ctx.runId}).\n\n${PROGRESS_MARKER}` });
  const update = (body: string) => gh.rest.issues.updateComment({ ...repo, comment_id: progress.data.id, body: ctx.redact(`${body}\n\n${PROGRESS_MARKER}`) });
  const react = (ok: boolean) => gh.rest.reactions.createForIssueComment({ ...repo, comment_id: t.commentId, content: ok ? 'rocket' : 'confused' });
  if (t.problems.length > 0) {
    await update(`I did not run \`/distiq ${t.kind}\`: ${t.problems.join('; ')}.`);
    await react(false);
    return skipped('rejected', t.problems.join('; '));
  }
  // Fork and Dependabot runs get no secrets: a job that needs a model is skipped, with the reason.
  const missing = missingModels(ctx, t.kind);
  if (missing) {
    await update(`I did not run \`/distiq ${t.kind}\`: ${missing}.`);
    await react(false);
    return skipped('skipped', missing);
  }
  // A comment may ask for less than the configured cap, never more.
  const cap = ctx.config.github.maxCommentBudget ?? ctx.config.budget.perRun;
  const budgetUsd = Math.min(t.budgetUsd ?? ctx.inputs.budgetUsd ?? cap, cap);
  try {
    let result: EventResult;
    if (t.kind === 'review') {
      const review = await runReviewJob({ root: ctx.root, config: ctx.config, configFile: ctx.configFile, gh, repo, pr: t.number, runId: ctx.runId, post: true, budgetUsd, signal: ctx.signal });
      result = await finish(ctx, review, review.posted?.url ?? null, review.summary);
      await update(`✅ Reviewed${review.posted ? `: ${review.posted.url}` : ''}. ${review.comments.length} inline comment(s).\n\n${costLine(review.cost)}`);
    } else if (t.kind === 'implement') {
      result = await implementIssue(ctx, t, budgetUsd);
      await update(progressText(result));
    } else {
      if (t.isPullRequest) {
        result = skipped('refused', 'use the workflow_run trigger to fix pull request builds: a comment never builds pull request code with secrets');
        await update(`I did not run \`/distiq fix\` here: ${result.reason}.`);
      } else {
        result = await fixCheckout(ctx, { budgetUsd, branch: `${ctx.config.github.branchPrefix}fix-issue-${t.number}`, base: ctx.defaultBranch, trigger: `/distiq fix on #${t.number}` });
        await update(progressText(result));
      }
    }
    await react(['fixed', 'implemented', 'reviewed', 'nothing-to-fix'].includes(result.status));
    return result;
  } catch (err) {
    await update(`❌ distiq stopped: ${errorMessage(err)}`).catch(() => undefined);
    await react(false).catch(() => undefined);
    throw err;
  }
}

async function implementIssue(ctx: Ctx, t: CommentTrigger, budgetUsd: number): Promise<EventResult> {
  // The issue as it was when the comment was made (from the payload), cleaned of hidden text.
  const items = requireItems(sanitizeUserText(t.body), `issue #${t.number}`);
  const { models, planner } = implementModels(ctx.root, ctx.config, ctx.configFile, { tiers: ctx.inputs.tiers, budgetUsd, quiet: true });
  const report = await runImplementJob({ root: ctx.root, config: ctx.config, items, source: `issue #${t.number}`, tiers: ctx.inputs.tiers ?? ctx.config.implement.tiers, maxAttempts: ctx.config.implement.maxAttempts, concurrency: ctx.config.execute.concurrency, allowDirty: false, runId: ctx.runId, renderer: 'simple', progressStream: ctx.progressStream, signal: ctx.signal, models, planner: planner.ladders });
  if (report.status !== 'implemented' || report.changedFiles.length === 0) return finish(ctx, report, null, `No pull request: ${report.status}${report.changedFiles.length === 0 ? ', no file changed' : ''}.`);
  const pr = await deliverPullRequest({ gh: ctx.gh, repo: ctx.repo, root: ctx.root, branch: `${ctx.config.github.branchPrefix}implement-${t.number}`, branchPrefix: ctx.config.github.branchPrefix, base: ctx.defaultBranch, defaultBranch: ctx.defaultBranch, files: report.changedFiles, title: ctx.redact(`distiq: ${t.title}`.slice(0, 200)), body: ctx.redact(`${pullRequestBody(report, { trigger: `/distiq implement on #${t.number}` })}\n\nCloses #${t.number}`), commitMessage: `feat: implement #${t.number} (distiq)`, runId: ctx.runId, pushToken: ctx.env.GITHUB_TOKEN, serverUrl: ctx.env.GITHUB_SERVER_URL });
  return finish(ctx, report, pr.prUrl, `${pr.created ? 'Opened' : 'Updated'} ${pr.prUrl}`);
}

async function fixWorkflowRun(ctx: Ctx, t: Extract<Trigger, { source: 'workflow_run' }>): Promise<EventResult> {
  // Validate exactly the commit that failed: the workflow checks out head_sha; a branch name could have moved.
  const head = (await simpleGit({ baseDir: ctx.root }).revparse(['HEAD'])).trim();
  if (head !== t.headSha) throw new UsageError(`The checkout is at ${head.slice(0, 12)}, not the failed run's head_sha ${t.headSha.slice(0, 12)}`, 'Check out ${{ github.event.workflow_run.head_sha }} (see the example workflow).');
  const seed = await failuresFromRun(ctx.gh, ctx.repo, t.runId, ctx.root).catch((err) => ({ jobs: [], failures: [], error: errorMessage(err) }));
  const result = await fixCheckout(ctx, { budgetUsd: ctx.inputs.budgetUsd, branch: `${ctx.config.github.branchPrefix}fix-${t.headSha.slice(0, 12)}`, base: t.headBranch, trigger: `failed run ${t.runId} on ${t.headBranch}` });
  const ci = seed.failures.length ? `\n\nCI reported ${seed.failures.length} failure(s) in ${seed.jobs.join(', ')}; distiq validated locally.` : '';
  return { ...result, summary: result.summary + ci };
}

async function fixCheckout(ctx: Ctx, o: { budgetUsd?: number; branch: string; base: string; trigger: string }): Promise<EventResult> {
  const tiers = ctx.inputs.tiers ?? ctx.config.fix.tiers;
  const models = buildModelDeps({ root: ctx.root, config: ctx.config, configFile: ctx.configFile, tiers, role: 'executor', budgetUsd: o.budgetUsd });
  const report = await runFixJob({ root: ctx.root, config: ctx.config, targets: [], tiers, maxAttempts: ctx.config.fix.maxAttempts, dryRun: false, allowDirty: false, renderer: 'simple', progressStream: ctx.progressStream, concurrency: ctx.config.execute.concurrency, runId: ctx.runId, signal: ctx.signal, models });
  if (report.status !== 'fixed' || report.changedFiles.length === 0) return finish(ctx, report, null, `No pull request: ${report.status}${report.status === 'nothing-to-fix' ? '' : `, ${report.failuresAfter} failure(s) remain`}.`);
  const pr = await deliverPullRequest({ gh: ctx.gh, repo: ctx.repo, root: ctx.root, branch: o.branch, branchPrefix: ctx.config.github.branchPrefix, base: o.base, defaultBranch: ctx.defaultBranch, files: report.changedFiles, title: ctx.redact(`distiq: fix ${report.failuresBefore} failure(s) on ${o.base}`), body: ctx.redact(pullRequestBody(report, { trigger: o.trigger })), commitMessage: `fix: ${report.failuresBefore} failure(s) repaired by distiq`, runId: ctx.runId, pushToken: ctx.env.GITHUB_TOKEN, serverUrl: ctx.env.GITHUB_SERVER_URL });
  return finish(ctx, report, pr.prUrl, `${pr.created ? 'Opened' : 'Updated'} ${pr.prUrl}`);
}

async function finish(ctx: Ctx, report: FixReport | ImplementReport | ReviewReport, prUrl: string | null, headline: string): Promise<EventResult> {
  const reportFile = writeRunFile(ctx.root, ctx.runId, report);
  const remaining = report.job === 'fix' ? report.remaining : report.job === 'implement' ? report.regressions : [];
  const summary = ctx.redact(`## distiq ${report.job}: ${report.status}\n\n${headline}\n\n${costTableMarkdown(report.cost)}`);
  return { status: report.status, prUrl, costUsd: report.cost.usd, report, reportFile: reportFile ?? runFilePath(ctx.root, ctx.runId), remaining, summary };
}

function progressText(r: EventResult): string {
  const ok = ['fixed', 'implemented', 'nothing-to-fix'].includes(r.status);
  return `${ok ? '✅' : '⚠️'} distiq ${r.report?.job ?? ''}: **${r.status}**. ${r.prUrl ? `Pull request: ${r.prUrl}` : (r.summary.split('\n\n')[1] ?? '')}\n\n${r.report ? costTableMarkdown(r.report.cost) : ''}`;
}
