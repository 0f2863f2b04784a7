import type { Trigger } from '../forge/github/trigger.js';
import { runReviewJob } from '../jobs/review.js';
import { costLine, costTableMarkdown } from '../report/markdown.js';
import { isSuccess } from '../report/status.js';
import { missingModels, prepareTiers } from './action-tiers.js';
import { type Ctx, errorResult, type EventResult, finish, skipped } from './event-context.js';
import { type CommentTrigger, gateComment, gateWorkflowRun } from './gate.js';
import { progressText, startProgress } from './progress.js';
import { fixCheckout, fixWorkflowRun, implementIssue } from './run-jobs.js';

// Event → job: which job an authorized event runs (review, implement, fix), with what budget,
// and what the thread is told while and after it runs.

export async function dispatch(
  ctx: Ctx,
  trigger: Exclude<Trigger, { kind: 'skip' }>,
): Promise<EventResult> {
  if (trigger.source === 'comment') return onComment(ctx, trigger);
  if (trigger.source === 'workflow_run') {
    const denied = await gateWorkflowRun(ctx, trigger);
    if (denied) return denied;
    await prepareTiers(ctx, 'fix');
    return fixWorkflowRun(ctx, trigger);
  }
  await prepareTiers(ctx, 'review');
  const missing = missingModels(ctx, 'review');
  if (missing) return skipped('skipped', missing);
  const review = await reviewPr(ctx, trigger.number, ctx.inputs.budgetUsd);
  return finish(ctx, review, null, review.summary, review.posted?.url ?? null);
}

export async function onComment(ctx: Ctx, t: CommentTrigger): Promise<EventResult> {
  const gate = await gateComment(ctx, t);
  if ('stop' in gate) return gate.stop;
  const { budgetUsd } = gate;
  const { update, react } = await startProgress(ctx, t, gate.capNote);
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
      const review = await reviewPr(ctx, t.number, budgetUsd);
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
  await react(isSuccess(result.status));
  return result;
}

function reviewPr(ctx: Ctx, pr: number, budgetUsd: number | undefined) {
  return runReviewJob({
    root: ctx.root,
    config: ctx.config,
    configFile: ctx.configFile,
    gh: ctx.gh,
    repo: ctx.repo,
    pr,
    runId: ctx.runId,
    post: true,
    budgetUsd,
    signal: ctx.signal,
    onDeps: (d) => ctx.deps.push(d),
  });
}
