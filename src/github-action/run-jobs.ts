import { Git } from '../forge/git.js';
import { countTokens } from 'gpt-tokenizer';
import { errorMessage, UsageError } from '../errors.js';
import { failuresFromRun } from '../forge/github/run-logs.js';
import { sanitizeUserText } from '../forge/github/sanitize.js';
import type { Trigger } from '../forge/github/trigger.js';
import { runFix } from '../jobs/fix.js';
import { runImplement } from '../jobs/implement.js';
import { fitItemsToBudget, requireItems } from '../plan/checklist.js';
import type { ModelDeps } from '../routing/model-deps.js';
import { type Ctx, type EventResult, finish, forgeOf } from './event-context.js';
import type { CommentTrigger } from './gate.js';
import { escapeLine } from './progress.js';

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
  const droppedText = dropped.length
    ? `\n\n### Not attempted\n\n${dropped.length} checklist item(s) did not fit the context budget and were not sent to any model:\n\n${dropped.map((d) => `- [ ] ${escapeLine(d)}`).join('\n')}`
    : '';
  const report = await runImplement({
    ...actionRequest(ctx, budgetUsd),
    checklist: { items, source: `issue #${t.number}`, title: t.title, dropped },
    pr: {
      branch: `${ctx.config.github.branchPrefix}implement-${t.number}`,
      base: ctx.defaultBranch,
      trigger: `/distiq implement on #${t.number}`,
      commitMessage: () => `feat: implement #${t.number} (distiq)`,
      // "Closes" only when every item of the issue was done; otherwise the PR only refers to it.
      footer: (r) =>
        `${droppedText}\n\n${
          dropped.length === 0 && r.items.every((i) => i.status === 'done')
            ? `Closes #${t.number}`
            : `Refs #${t.number} (not every checklist item was done, so the issue stays open)`
        }`,
      onDelivered: (pr) => (ctx.prUrl = pr.prUrl),
    },
  });
  const pr = report.pullRequest;
  const r = await finish(
    ctx,
    report,
    pr?.url ?? null,
    pr
      ? `${pr.created ? 'Opened' : 'Updated'} ${pr.url}${droppedText}`
      : `No pull request: ${report.status}${report.changedFiles.length === 0 ? ', no file changed' : ''}.${droppedText}`,
  );
  if (!pr) return dropped.length && r.status === 'implemented' ? { ...r, status: 'partial' } : r;
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
  const report = await runFix({
    ...actionRequest(ctx, o.budgetUsd),
    env: ctx.env,
    targets: [],
    dryRun: false,
    pr: {
      branch: o.branch,
      base: o.base,
      trigger: o.trigger,
      commitMessage: (r) => `fix: ${r.failuresBefore} failure(s) repaired by distiq`,
      onDelivered: (pr) => (ctx.prUrl = pr.prUrl),
    },
  });
  const pr = report.pullRequest;
  if (!pr)
    return finish(
      ctx,
      report,
      null,
      `No pull request: ${report.status}${report.status === 'nothing-to-fix' ? '' : `, ${report.failuresAfter} failure(s) remain`}.`,
    );
  return finish(ctx, report, pr.url, `${pr.created ? 'Opened' : 'Updated'} ${pr.url}`);
}

/**
 * The request of a job run in the Action's checkout: the event's config, run id and budget, a
 * clean tree, progress as plain lines, no notes on stderr, delivery through the run's forge.
 */
function actionRequest(ctx: Ctx, budgetUsd: number | undefined) {
  return {
    cwd: ctx.root,
    loaded: { config: ctx.config, file: ctx.configFile },
    tiers: ctx.inputs.tiers,
    budgetUsd,
    allowDirty: false,
    json: false,
    quiet: true,
    renderer: 'simple' as const,
    progressStream: ctx.progressStream,
    signal: ctx.signal,
    runId: ctx.runId,
    connect: async () => forgeOf(ctx),
    onModels: (m: ModelDeps) => ctx.deps.push(m),
  };
}
