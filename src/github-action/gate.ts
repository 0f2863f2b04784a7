import { authorizeActor } from '../forge/github/authorize.js';
import type { Trigger } from '../forge/github/trigger.js';
import {
  apiError,
  bestEffort,
  type Ctx,
  errorResult,
  type EventResult,
  forgeOf,
  skipped,
} from './event-context.js';
import { PROGRESS_MARKER } from './progress.js';

// Who may make distiq run and spend: the actors of a workflow run, the author of a comment. A
// permission look-up that fails closes the gate (nothing runs) and says so.

export type CommentTrigger = Extract<Trigger, { source: 'comment' }>;

const DENIED_MARKER = '<!-- distiq-denied -->';
/** Replies to denied commenters per issue or PR: a stranger cannot make distiq spam a thread. */
export const DENIED_REPLIES_PER_THREAD = 2;

/** Null when the run may go on; otherwise the result that ends it (denied, or look-up failed). */
export async function gateWorkflowRun(
  ctx: Ctx,
  trigger: Extract<Trigger, { source: 'workflow_run' }>,
): Promise<EventResult | null> {
  const { gh, repo, config, env } = ctx;
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
  return null;
}

/**
 * A comment's author may run distiq, the thread is under its run cap, and the budget is the
 * comment's ask capped by the config: the budget and the note to show, or the result that ends it.
 */
export async function gateComment(
  ctx: Ctx,
  t: CommentTrigger,
): Promise<{ stop: EventResult } | { budgetUsd: number; capNote: string }> {
  const { gh, repo } = ctx;
  const auth = await authorizeActor(
    gh,
    repo,
    { login: t.actor, type: t.actorType },
    ctx.config.github.allowBots,
  );
  const isPerson = t.actorType === 'User' && !t.actor.endsWith('[bot]');
  if (!auth.ok && auth.lookupFailed)
    return {
      stop: await lookupFailed(
        ctx,
        auth.reason,
        isPerson ? { number: t.number, actor: t.actor } : undefined,
      ),
    };
  if (!auth.ok) {
    // A polite reply, at most DENIED_REPLIES_PER_THREAD per thread; nothing runs, nothing is
    // spent. Bots get no reply (no reply loops).
    if (isPerson) await replyDenied(ctx, t);
    return { stop: skipped('denied', auth.reason) };
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
    await forgeOf(ctx).deliver({
      kind: 'comment',
      issue: t.number,
      body: `distiq has already run ${runs} time(s) here (github.maxRunsPerThread is ${ctx.config.github.maxRunsPerThread}); nothing was started.`,
    });
    return {
      stop: skipped('capped', `${runs} earlier run(s) on #${t.number} (github.maxRunsPerThread)`),
    };
  }
  // A comment may ask for less than the configured cap, never more; if it asked for more, it is told.
  const cap = ctx.config.github.maxCommentBudget ?? ctx.config.budget.perRun;
  const budgetUsd = Math.min(t.budgetUsd ?? ctx.inputs.budgetUsd ?? cap, cap);
  const capNote =
    t.budgetUsd !== undefined && t.budgetUsd > cap
      ? `You asked for \`--budget ${t.budgetUsd}\`; this run is capped at $${cap} (${ctx.config.github.maxCommentBudget !== undefined ? 'github.maxCommentBudget' : 'budget.perRun'}).`
      : '';
  return { budgetUsd, capNote };
}

/** GitHub could not tell whether the person may run distiq: nothing runs, and we say so honestly. */
export async function lookupFailed(
  ctx: Ctx,
  reason: string,
  reply?: { number: number; actor: string },
): Promise<EventResult> {
  if (reply) {
    const body = `Sorry @${reply.actor}, I could not check your permission on this repository (a GitHub API error), so nothing ran. A maintainer can re-run the workflow.`;
    await bestEffort(ctx, 'replying to the commenter', () =>
      forgeOf(ctx).deliver({ kind: 'comment', issue: reply.number, body }),
    );
  }
  return errorResult(ctx, new Error(`could not check the permission, nothing ran: ${reason}`));
}

/** The reply to someone who may not run distiq, unless the thread already has enough of them. */
export async function replyDenied(ctx: Ctx, t: CommentTrigger): Promise<void> {
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
    forgeOf(ctx).deliver({ kind: 'comment', issue: t.number, body }),
  );
}
