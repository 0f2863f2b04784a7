import { Git } from '../forge/git.js';
import { countTokens } from 'gpt-tokenizer';
import { errorMessage, UsageError } from '../errors.js';
import { failuresFromRun } from '../forge/github/run-logs.js';
import { sanitizeUserText } from '../forge/github/sanitize.js';
import type { Trigger } from '../forge/github/trigger.js';
import { implementModels } from '../jobs/implement.js';
import { runFixJob } from '../pipeline/fix-job.js';
import { runImplementJob } from '../pipeline/implement-job.js';
import { fitItemsToBudget, requireItems } from '../plan/checklist.js';
import type { ImplementReport } from '../report/implement-report.js';
import { pullRequestBody } from '../report/markdown.js';
import { buildModelDeps } from '../routing/model-deps.js';
import { type Ctx, type EventResult, finish, forgeOf } from './event-context.js';
import type { CommentTrigger } from './gate.js';
import { escapeLine } from './progress.js';
import { pullRequestRef } from '../forge/github/deliver.js';

// The jobs an event runs in the Action's checkout, and their delivery as a pull request.

export async function implementIssue(
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
  const pr = await forgeOf(ctx).deliver({
    kind: 'pull-request',
    files: report.changedFiles,
    runId: ctx.runId,
    branch: `${ctx.config.github.branchPrefix}implement-${t.number}`,
    base: ctx.defaultBranch,
    title: `distiq: ${t.title}`.slice(0, 200),
    body: `${pullRequestBody(report, { trigger: `/distiq implement on #${t.number}` })}${droppedText}\n\n${link}`,
    commitMessage: `feat: implement #${t.number} (distiq)`,
  });
  ctx.prUrl = pr.prUrl;
  report.pullRequest = pullRequestRef(pr);
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

export async function fixWorkflowRun(
  ctx: Ctx,
  t: Extract<Trigger, { source: 'workflow_run' }>,
): Promise<EventResult> {
  // Validate exactly the commit that failed: the workflow checks out head_sha; a branch name could have moved.
  const head = await new Git(ctx.root).head();
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

export async function fixCheckout(
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
  const pr = await forgeOf(ctx).deliver({
    kind: 'pull-request',
    files: report.changedFiles,
    runId: ctx.runId,
    branch: o.branch,
    base: o.base,
    title: `distiq: fix ${report.failuresBefore} failure(s) on ${o.base}`,
    body: pullRequestBody(report, { trigger: o.trigger }),
    commitMessage: `fix: ${report.failuresBefore} failure(s) repaired by distiq`,
  });
  ctx.prUrl = pr.prUrl;
  report.pullRequest = pullRequestRef(pr);
  return finish(ctx, report, pr.prUrl, `${pr.created ? 'Opened' : 'Updated'} ${pr.prUrl}`);
}
