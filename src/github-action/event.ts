import { readFileSync } from 'node:fs';
import { simpleGit } from 'simple-git';
import type { DistiqConfig, TierName } from '../config/schema.js';
import { loadJobConfig } from '../validation/job-config.js';
import { BudgetExceededError, DistiqError, errorMessage, UsageError } from '../errors.js';
import { authorizeActor } from '../forge/github/authorize.js';
import {
  github,
  githubToken,
  type GitHub,
  type RepoRef,
  repoFrom,
} from '../forge/github/client.js';
import { deliverPullRequest } from '../forge/github/deliver.js';
import { failuresFromRun } from '../forge/github/run-logs.js';
import { sanitizeUserText } from '../forge/github/sanitize.js';
import { decideTrigger, type Trigger } from '../forge/github/trigger.js';
import { repoRoot } from '../forge/git.js';
import { runFixJob } from '../pipeline/fix-job.js';
import { runImplementJob } from '../pipeline/implement-job.js';
import { fitItemsToBudget, requireItems } from '../plan/checklist.js';
import type { FixReport } from '../report/fix-report.js';
import type { ImplementReport } from '../report/implement-report.js';
import { costLine, costTableMarkdown, pullRequestBody } from '../report/markdown.js';
import type { ReviewReport } from '../report/review-report.js';
import { buildCostReport, type CostReport } from '../report/cost.js';
import { newRunId, runFilePath, writeRunFile } from '../report/run-file.js';
import { makeRedactor } from '../security/secrets.js';
import type { Failure } from '../validation/failure.js';
import { implementModels } from '../jobs/implement.js';
import { countTokens } from 'gpt-tokenizer';
import { type LocalTierState, prepareLocalTier } from './local-tier.js';
import type { ModelDeps } from '../pipeline/fix-job.js';
import { buildModelDeps } from '../routing/model-deps.js';
import { runReviewJob } from '../jobs/review.js';

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
  /** Every model dependency set built for this run: what was spent, even if the job throws. */
  deps: ModelDeps[];
  warnings: string[];
  /** Set as soon as a PR exists, so that a later failure cannot lose it. */
  prUrl: string | null;
  localTier?: LocalTierState;
  job: 'fix' | 'implement' | 'review';
}

/**
 * The Action's core: read the event, decide, authorize, run the job, deliver the result
 * (a PR, a review, a reply) and say what it cost. Every text that leaves is redacted. Once the
 * run has started (the event and config are read), it never throws: an error, a budget refusal
 * or a failure after delivery all end in a result with the run file, summary and cost.
 */
export async function runGithubEvent(opts: {
  cwd: string;
  env: NodeJS.ProcessEnv;
  inputs: EventInputs;
  progressStream: NodeJS.WriteStream;
  signal?: AbortSignal;
}): Promise<EventResult> {
  const env = opts.env;
  const eventName = env.GITHUB_EVENT_NAME;
  if (!eventName || !env.GITHUB_EVENT_PATH)
    throw new UsageError(
      'GITHUB_EVENT_NAME and GITHUB_EVENT_PATH are not set: this runs inside GitHub Actions (locally: distiq implement --issue, review --pr, fix --pr)',
    );
  const payload = JSON.parse(readFileSync(env.GITHUB_EVENT_PATH, 'utf8'));
  const root = await repoRoot(opts.cwd);
  const { config, file } = await loadJobConfig(root, opts.inputs.configFile);
  const repo = repoFrom(env.GITHUB_REPOSITORY ?? payload.repository?.full_name);
  const trigger = decideTrigger(eventName, payload, {
    command: opts.inputs.command,
    repoFullName: `${repo.owner}/${repo.repo}`,
    branchPrefix: config.github.branchPrefix,
  });
  if (trigger.kind === 'skip') return skipped('skipped', trigger.reason);

  const gh = github(await githubToken(env), env);
  const job = trigger.kind;
  const ctx: Ctx = {
    root,
    config,
    configFile: file,
    gh,
    repo,
    defaultBranch: payload.repository?.default_branch ?? 'main',
    inputs: opts.inputs,
    env,
    runId: newRunId(),
    redact: makeRedactor(env, config.secrets.envVars),
    progressStream: opts.progressStream,
    signal: opts.signal,
    deps: [],
    warnings: [],
    prUrl: null,
    job,
  };
  try {
    const result = await dispatch(ctx, trigger);
    return {
      ...result,
      warnings: ctx.warnings,
      ...(ctx.localTier ? { localTier: ctx.localTier } : {}),
    };
  } catch (err) {
    return errorResult(ctx, err);
  }
}

function skipped(status: string, reason: string): EventResult {
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

async function dispatch(
  ctx: Ctx,
  trigger: Exclude<Trigger, { kind: 'skip' }>,
): Promise<EventResult> {
  const { gh, repo, config, env } = ctx;
  if (trigger.source === 'comment') return onComment(ctx, trigger);
  if (trigger.source === 'workflow_run') {
    // Both the one who started the workflow and the run's own actor must be allowed to spend.
    for (const login of new Set([env.GITHUB_ACTOR ?? '', trigger.actor])) {
      const auth = await authorizeActor(
        gh,
        repo,
        { login, type: login.endsWith('[bot]') ? 'Bot' : 'User' },
        config.github.allowBots,
      );
      if (!auth.ok && auth.lookupFailed) return lookupFailed(ctx, auth.reason);
      if (!auth.ok) return skipped('denied', auth.reason);
    }
    await prepareTiers(ctx, 'fix');
    return fixWorkflowRun(ctx, trigger);
  }
  await prepareTiers(ctx, 'review');
  const missing = missingModels(ctx, 'review');
  if (missing) return skipped('skipped', missing);
  const review = await runReviewJob({
    root: ctx.root,
    config: ctx.config,
    configFile: ctx.configFile,
    gh,
    repo,
    pr: trigger.number,
    runId: ctx.runId,
    post: true,
    budgetUsd: ctx.inputs.budgetUsd,
    signal: ctx.signal,
    onDeps: (d) => ctx.deps.push(d),
  });
  return finish(ctx, review, null, review.summary, review.posted?.url ?? null);
}

type CommentTrigger = Extract<Trigger, { source: 'comment' }>;

const PROGRESS_MARKER = '<!-- distiq-progress -->';
const DENIED_MARKER = '<!-- distiq-denied -->';
/** Replies to denied commenters per issue or PR: a stranger cannot make distiq spam a thread. */
export const DENIED_REPLIES_PER_THREAD = 2;

/** The tiers the job will use (input, config), as the job itself resolves them. */
function jobTiers(ctx: Ctx, kind: 'implement' | 'fix' | 'review'): TierName[] {
  if (kind === 'review') return ctx.config.github.review.tiers;
  return kind === 'implement'
    ? (ctx.inputs.tiers ?? ctx.config.implement.tiers)
    : (ctx.inputs.tiers ?? ctx.config.fix.tiers);
}

/**
 * Before the job: when its tiers include `local`, make node-llama-cpp usable (tool cache) or say
 * why not, in the log now, and in the summary and outputs at the end. An unusable local tier is
 * taken out of this run's tiers, so that no paid tier is used in its place unannounced.
 */
async function prepareTiers(ctx: Ctx, kind: 'implement' | 'fix' | 'review'): Promise<void> {
  const tiers = jobTiers(ctx, kind);
  if (!tiers.includes('local')) return;
  const log = (line: string) => ctx.progressStream.write(`${ctx.redact(line)}\n`);
  const state = await prepareLocalTier({ root: ctx.root, config: ctx.config, env: ctx.env, log });
  ctx.localTier = state;
  if (state.status === 'ready') {
    const where = state.dir ? ` from ${state.dir}${state.installed ? ' (installed now)' : ''}` : '';
    log(
      `distiq: local tier ready${where}${state.gpu !== undefined ? `, GPU: ${state.gpu || 'none (CPU)'}` : ''}`,
    );
    return;
  }
  const rest = tiers.filter((t) => t !== 'local');
  const then = rest.filter((t) => t !== 'autofix').length
    ? `this run continues with ${rest.join(', ')}`
    : 'no other model tier is set';
  log(`::warning title=distiq local tier unusable::${escapeCommand(`${state.reason}; ${then}`)}`);
  if (kind === 'review')
    ctx.config = {
      ...ctx.config,
      github: { ...ctx.config.github, review: { ...ctx.config.github.review, tiers: rest } },
    };
  else ctx.inputs = { ...ctx.inputs, tiers: rest };
}

const escapeCommand = (s: string) =>
  s.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');

/** Why a job that needs a model cannot run here (no key: fork or Dependabot runs), or null. */
function missingModels(ctx: Ctx, kind: 'implement' | 'fix' | 'review'): string | null {
  const tiers = jobTiers(ctx, kind);
  if (kind === 'fix' && tiers.includes('autofix')) return null; // the $0 tier needs no key
  const deps = buildModelDeps({
    root: ctx.root,
    config: ctx.config,
    configFile: ctx.configFile,
    tiers: tiers.filter((x) => x !== 'autofix'),
    env: ctx.env,
  });
  if (deps.ladders.some((l) => l.steps.length > 0)) return null;
  const why = deps.ladders
    .flatMap((l) => l.info.map((i) => `${i.provider}/${i.model}: ${i.reason}`))
    .slice(0, 3)
    .join('; ');
  const local = ctx.localTier?.status === 'unusable' ? `local tier: ${ctx.localTier.reason}; ` : '';
  return `no model is usable in this run (${local}${why || (local ? 'no other model tier' : 'no model tiers configured')}); runs from forks and Dependabot get no secrets`;
}

/** Runs an API call whose failure must not change the outcome: a warning instead. */
async function bestEffort(ctx: Ctx, what: string, fn: () => Promise<unknown>): Promise<void> {
  try {
    await fn();
  } catch (err) {
    ctx.warnings.push(ctx.redact(`${what} failed: ${apiError(err)}`));
  }
}

function apiError(err: unknown): string {
  const status = (err as { status?: number }).status;
  return status ? `GitHub API ${status}: ${errorMessage(err).split('\n')[0]}` : errorMessage(err);
}

/** GitHub could not tell whether the person may run distiq: nothing runs, and we say so honestly. */
async function lookupFailed(
  ctx: Ctx,
  reason: string,
  reply?: { number: number; actor: string },
): Promise<EventResult> {
  if (reply) {
    const body = `Sorry @${reply.actor}, I could not check your permission on this repository (a GitHub API error), so nothing ran. A maintainer can re-run the workflow.`;
    await bestEffort(ctx, 'replying to the commenter', () =>
      ctx.gh.rest.issues.createComment({ ...ctx.repo, issue_number: reply.number, body }),
    );
  }
  return errorResult(ctx, new Error(`could not check the permission, nothing ran: ${reason}`));
}

async function onComment(ctx: Ctx, t: CommentTrigger): Promise<EventResult> {
  const { gh, repo } = ctx;
  const auth = await authorizeActor(
    gh,
    repo,
    { login: t.actor, type: t.actorType },
    ctx.config.github.allowBots,
  );
  const isPerson = t.actorType === 'User' && !t.actor.endsWith('[bot]');
  if (!auth.ok && auth.lookupFailed)
    return lookupFailed(
      ctx,
      auth.reason,
      isPerson ? { number: t.number, actor: t.actor } : undefined,
    );
  if (!auth.ok) {
    // A polite reply, at most DENIED_REPLIES_PER_THREAD per thread; nothing runs, nothing is
    // spent. Bots get no reply (no reply loops).
    if (isPerson) await replyDenied(ctx, t);
    return skipped('denied', auth.reason);
  }
  // A cap per thread: each run leaves one progress comment carrying the marker.
  const earlier = await gh.paginate(gh.rest.issues.listComments, {
    ...repo,
    issue_number: t.number,
    per_page: 100,
  });
  // Only distiq's own (bot-authored) comments count: a person pasting the marker cannot block runs.
  const runs = earlier.filter(
    (c) => c.user?.type === 'Bot' && c.body?.includes(PROGRESS_MARKER),
  ).length;
  if (runs >= ctx.config.github.maxRunsPerThread) {
    await gh.rest.issues.createComment({
      ...repo,
      issue_number: t.number,
      body: `distiq has already run ${runs} time(s) here (github.maxRunsPerThread is ${ctx.config.github.maxRunsPerThread}); nothing was started.`,
    });
    return skipped('capped', `${runs} earlier run(s) on #${t.number} (github.maxRunsPerThread)`);
  }
  // A comment may ask for less than the configured cap, never more; if it asked for more, it is told.
  const cap = ctx.config.github.maxCommentBudget ?? ctx.config.budget.perRun;
  const budgetUsd = Math.min(t.budgetUsd ?? ctx.inputs.budgetUsd ?? cap, cap);
  const capNote =
    t.budgetUsd !== undefined && t.budgetUsd > cap
      ? `You asked for \`--budget ${t.budgetUsd}\`; this run is capped at $${cap} (${ctx.config.github.maxCommentBudget !== undefined ? 'github.maxCommentBudget' : 'budget.perRun'}).`
      : '';
  await gh.rest.reactions.createForIssueComment({
    ...repo,
    comment_id: t.commentId,
    content: 'eyes',
  });
  const progress = await gh.rest.issues.createComment({
    ...repo,
    issue_number: t.number,
    body: `⏳ distiq is working on \`/distiq ${t.kind}\` (run ${ctx.runId}).${capNote ? `\n\n${capNote}` : ''}\n\n${PROGRESS_MARKER}`,
  });
  const withNote = (body: string) => (capNote ? `${body}\n\n${capNote}` : body);
  // After the job, updates and reactions are best effort: their failure never hides the outcome.
  const update = (body: string) =>
    bestEffort(ctx, 'updating the progress comment', () =>
      gh.rest.issues.updateComment({
        ...repo,
        comment_id: progress.data.id,
        body: ctx.redact(`${withNote(body)}\n\n${PROGRESS_MARKER}`),
      }),
    );
  const react = (ok: boolean) =>
    bestEffort(ctx, 'reacting to the comment', () =>
      gh.rest.reactions.createForIssueComment({
        ...repo,
        comment_id: t.commentId,
        content: ok ? 'rocket' : 'confused',
      }),
    );
  if (t.problems.length > 0) {
    await update(`I did not run \`/distiq ${t.kind}\`: ${t.problems.join('; ')}.`);
    await react(false);
    return skipped('rejected', t.problems.join('; '));
  }
  let result: EventResult;
  try {
    await prepareTiers(ctx, t.kind);
    // Fork and Dependabot runs get no secrets: a job that needs a model is skipped, with the reason.
    const missing = missingModels(ctx, t.kind);
    if (missing) {
      await update(`I did not run \`/distiq ${t.kind}\`: ${missing}.`);
      await react(false);
      return skipped('skipped', missing);
    }
    if (t.kind === 'review') {
      const review = await runReviewJob({
        root: ctx.root,
        config: ctx.config,
        configFile: ctx.configFile,
        gh,
        repo,
        pr: t.number,
        runId: ctx.runId,
        post: true,
        budgetUsd,
        signal: ctx.signal,
        onDeps: (d) => ctx.deps.push(d),
      });
      result = await finish(ctx, review, null, review.summary, review.posted?.url ?? null);
      await update(
        `✅ Reviewed${review.posted ? `: ${review.posted.url}` : ''}. ${review.comments.length} inline comment(s).\n\n${costLine(review.cost)}`,
      );
    } else if (t.kind === 'implement') {
      result = await implementIssue(ctx, t, budgetUsd);
      await update(progressText(result));
    } else if (t.isPullRequest) {
      result = skipped(
        'refused',
        'use the workflow_run trigger to fix pull request builds: a comment never builds pull request code with secrets',
      );
      await update(`I did not run \`/distiq fix\` here: ${result.reason}.`);
    } else {
      result = await fixCheckout(ctx, {
        budgetUsd,
        branch: `${ctx.config.github.branchPrefix}fix-issue-${t.number}`,
        base: ctx.defaultBranch,
        trigger: `/distiq fix on #${t.number}`,
      });
      await update(progressText(result));
    }
  } catch (err) {
    const failed = errorResult(ctx, err);
    await update(
      `${failed.status === 'over-budget' ? '💸 distiq stopped at the budget' : '❌ distiq stopped'}: ${failed.reason}${failed.prUrl ? `\n\nPull request: ${failed.prUrl}` : ''}\n\n${failed.cost ? costTableMarkdown(failed.cost) : ''}`,
    );
    await react(false);
    return failed;
  }
  await react(['fixed', 'implemented', 'reviewed', 'nothing-to-fix'].includes(result.status));
  return result;
}

/** The reply to someone who may not run distiq, unless the thread already has enough of them. */
async function replyDenied(ctx: Ctx, t: CommentTrigger): Promise<void> {
  const { gh, repo } = ctx;
  let earlier: { body?: string; user?: { type?: string } | null }[];
  try {
    earlier = await gh.paginate(gh.rest.issues.listComments, {
      ...repo,
      issue_number: t.number,
      per_page: 100,
    });
  } catch (err) {
    ctx.warnings.push(`no reply to @${t.actor}: the thread could not be read (${apiError(err)})`);
    return;
  }
  const replies = earlier.filter(
    (c) => c.user?.type === 'Bot' && c.body?.includes(DENIED_MARKER),
  ).length;
  if (replies >= DENIED_REPLIES_PER_THREAD) return;
  const body = `Sorry @${t.actor}, \`/distiq\` commands run only for collaborators with write access to this repository.\n\n${DENIED_MARKER}`;
  await bestEffort(ctx, 'replying to the commenter', () =>
    gh.rest.issues.createComment({ ...repo, issue_number: t.number, body }),
  );
}

async function implementIssue(
  ctx: Ctx,
  t: CommentTrigger,
  budgetUsd: number,
): Promise<EventResult> {
  // The issue as it was when the comment was made (from the payload), cleaned of hidden text,
  // then parsed whole: nothing is cut before parsing. Only the items go to the model; those that
  // do not fit the context budget are dropped and listed (progress comment, PR body, report).
  const all = requireItems(sanitizeUserText(t.body, Infinity), `issue #${t.number}`);
  const { kept: items, dropped } = fitItemsToBudget(
    all,
    Math.floor(ctx.config.models.contextTokens / 2),
    countTokens,
  );
  if (items.length === 0)
    throw new UsageError(
      `issue #${t.number}: no checklist item fits the context budget (models.contextTokens ${ctx.config.models.contextTokens})`,
      'Split the long items, or raise models.contextTokens.',
    );
  const { models, planner } = implementModels(ctx.root, ctx.config, ctx.configFile, {
    tiers: ctx.inputs.tiers,
    budgetUsd,
    quiet: true,
  });
  ctx.deps.push(models);
  const report: ImplementReport = await runImplementJob({
    root: ctx.root,
    config: ctx.config,
    items,
    source: `issue #${t.number}`,
    tiers: ctx.inputs.tiers ?? ctx.config.implement.tiers,
    maxAttempts: ctx.config.implement.maxAttempts,
    concurrency: ctx.config.execute.concurrency,
    allowDirty: false,
    runId: ctx.runId,
    renderer: 'simple',
    progressStream: ctx.progressStream,
    signal: ctx.signal,
    models,
    planner: planner.ladders,
  });
  report.droppedItems = dropped;
  const droppedText = dropped.length
    ? `\n\n### Not attempted\n\n${dropped.length} checklist item(s) did not fit the context budget and were not sent to any model:\n\n${dropped.map((d) => `- [ ] ${escapeLine(d)}`).join('\n')}`
    : '';
  if (report.status !== 'implemented' || report.changedFiles.length === 0) {
    const r = await finish(
      ctx,
      report,
      null,
      `No pull request: ${report.status}${report.changedFiles.length === 0 ? ', no file changed' : ''}.${droppedText}`,
    );
    return dropped.length && r.status === 'implemented' ? { ...r, status: 'partial' } : r;
  }
  // "Closes" only when every item of the issue was done; otherwise the PR only refers to it.
  const allDone = dropped.length === 0 && report.items.every((i) => i.status === 'done');
  const link = allDone
    ? `Closes #${t.number}`
    : `Refs #${t.number} (not every checklist item was done, so the issue stays open)`;
  const pr = await deliverPullRequest({
    gh: ctx.gh,
    repo: ctx.repo,
    root: ctx.root,
    branch: `${ctx.config.github.branchPrefix}implement-${t.number}`,
    branchPrefix: ctx.config.github.branchPrefix,
    base: ctx.defaultBranch,
    defaultBranch: ctx.defaultBranch,
    files: report.changedFiles,
    title: ctx.redact(`distiq: ${t.title}`.slice(0, 200)),
    body: ctx.redact(
      `${pullRequestBody(report, { trigger: `/distiq implement on #${t.number}` })}${droppedText}\n\n${link}`,
    ),
    commitMessage: `feat: implement #${t.number} (distiq)`,
    runId: ctx.runId,
    pushToken: ctx.env.GITHUB_TOKEN,
    serverUrl: ctx.env.GITHUB_SERVER_URL,
  });
  ctx.prUrl = pr.prUrl;
  report.pullRequest = {
    url: pr.prUrl,
    number: pr.prNumber,
    branch: pr.branch,
    created: pr.created,
  };
  const r = await finish(
    ctx,
    report,
    pr.prUrl,
    `${pr.created ? 'Opened' : 'Updated'} ${pr.prUrl}${droppedText}`,
  );
  return dropped.length
    ? {
        ...r,
        status: 'partial',
        reason: `${dropped.length} checklist item(s) past the context budget were not attempted`,
      }
    : r;
}

const escapeLine = (s: string) =>
  s
    .split('\n')[0]!
    .replace(/@(?=\w)/g, '@\u200b')
    .replace(/</g, '&lt;');

async function fixWorkflowRun(
  ctx: Ctx,
  t: Extract<Trigger, { source: 'workflow_run' }>,
): Promise<EventResult> {
  // Validate exactly the commit that failed: the workflow checks out head_sha; a branch name could have moved.
  const head = (await simpleGit({ baseDir: ctx.root }).revparse(['HEAD'])).trim();
  if (head !== t.headSha)
    throw new UsageError(
      `The checkout is at ${head.slice(0, 12)}, not the failed run's head_sha ${t.headSha.slice(0, 12)}`,
      'Check out ${{ github.event.workflow_run.head_sha }} (see the example workflow).',
    );
  const seed = await failuresFromRun(ctx.gh, ctx.repo, t.runId, ctx.root).catch((err) => ({
    jobs: [],
    failures: [],
    error: errorMessage(err),
  }));
  const result = await fixCheckout(ctx, {
    budgetUsd: ctx.inputs.budgetUsd,
    branch: `${ctx.config.github.branchPrefix}fix-${t.headSha.slice(0, 12)}`,
    base: t.headBranch,
    trigger: `failed run ${t.runId} on ${t.headBranch}`,
  });
  const ci = seed.failures.length
    ? `\n\nCI reported ${seed.failures.length} failure(s) in ${seed.jobs.join(', ')}; distiq validated locally.`
    : '';
  return { ...result, summary: result.summary + ci };
}

async function fixCheckout(
  ctx: Ctx,
  o: { budgetUsd?: number; branch: string; base: string; trigger: string },
): Promise<EventResult> {
  const tiers = ctx.inputs.tiers ?? ctx.config.fix.tiers;
  const models = buildModelDeps({
    root: ctx.root,
    config: ctx.config,
    configFile: ctx.configFile,
    tiers,
    role: 'executor',
    budgetUsd: o.budgetUsd,
    env: ctx.env,
  });
  ctx.deps.push(models);
  const report = await runFixJob({
    root: ctx.root,
    config: ctx.config,
    targets: [],
    tiers,
    maxAttempts: ctx.config.fix.maxAttempts,
    dryRun: false,
    allowDirty: false,
    renderer: 'simple',
    progressStream: ctx.progressStream,
    concurrency: ctx.config.execute.concurrency,
    runId: ctx.runId,
    signal: ctx.signal,
    models,
  });
  if (report.status !== 'fixed' || report.changedFiles.length === 0)
    return finish(
      ctx,
      report,
      null,
      `No pull request: ${report.status}${report.status === 'nothing-to-fix' ? '' : `, ${report.failuresAfter} failure(s) remain`}.`,
    );
  const pr = await deliverPullRequest({
    gh: ctx.gh,
    repo: ctx.repo,
    root: ctx.root,
    branch: o.branch,
    branchPrefix: ctx.config.github.branchPrefix,
    base: o.base,
    defaultBranch: ctx.defaultBranch,
    files: report.changedFiles,
    title: ctx.redact(`distiq: fix ${report.failuresBefore} failure(s) on ${o.base}`),
    body: ctx.redact(pullRequestBody(report, { trigger: o.trigger })),
    commitMessage: `fix: ${report.failuresBefore} failure(s) repaired by distiq`,
    runId: ctx.runId,
    pushToken: ctx.env.GITHUB_TOKEN,
    serverUrl: ctx.env.GITHUB_SERVER_URL,
  });
  ctx.prUrl = pr.prUrl;
  report.pullRequest = {
    url: pr.prUrl,
    number: pr.prNumber,
    branch: pr.branch,
    created: pr.created,
  };
  return finish(ctx, report, pr.prUrl, `${pr.created ? 'Opened' : 'Updated'} ${pr.prUrl}`);
}

async function finish(
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

function localTierLine(ctx: Ctx): string {
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
function errorResult(ctx: Ctx, err: unknown): EventResult & { cost: CostReport | null } {
  const status = err instanceof BudgetExceededError ? 'over-budget' : 'error';
  const hint = err instanceof DistiqError && err.hint ? ` (${err.hint})` : '';
  const reason = ctx.redact(errorMessage(err) + hint);
  const records = [...new Set(ctx.deps.map((d) => d.recorder))].flatMap((r) => r.records);
  const first = ctx.deps[0];
  const cost = first
    ? buildCostReport({
        records,
        autofixCalls: 0,
        freeRepairs: [],
        prices: first.prices,
        baseline: first.baseline,
        budget: { perRun: first.perRun, spentThisRun: records.reduce((a, r) => a + r.usd, 0) },
      })
    : null;
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

function progressText(r: EventResult): string {
  const ok = ['fixed', 'implemented', 'nothing-to-fix'].includes(r.status);
  return `${ok ? '✅' : '⚠️'} distiq ${r.report?.job ?? ''}: **${r.status}**. ${r.prUrl ? `Pull request: ${r.prUrl}` : (r.summary.split('\n\n')[1] ?? '')}${droppedList(r)}\n\n${r.report ? costTableMarkdown(r.report.cost) : ''}`;
}

function droppedList(r: EventResult): string {
  const dropped = r.report?.job === 'implement' ? (r.report.droppedItems ?? []) : [];
  if (!dropped.length) return '';
  return `\n\n${dropped.length} checklist item(s) did not fit the context budget and were not attempted:\n${dropped.map((d) => `- [ ] ${escapeLine(d)}`).join('\n')}`;
}
