import { costTableMarkdown } from '../report/markdown.js';
import { isSuccess } from '../report/status.js';
import type { Ctx, EventResult } from './event-context.js';
import type { CommentTrigger } from './gate.js';
import { bestEffort, forgeOf } from './event-context.js';

// What the people on the thread see while a comment-triggered job runs: a reaction on the
// comment, one progress comment (carrying the marker that counts runs per thread), its updates.

export const PROGRESS_MARKER = '<!-- distiq-progress -->';

/** The eyes reaction and the progress comment; then `update` and `react`, both best effort. */
export async function startProgress(ctx: Ctx, t: CommentTrigger, capNote: string) {
  const { gh, repo } = ctx;
  await gh.rest.reactions.createForIssueComment({
    ...repo,
    comment_id: t.commentId,
    content: 'eyes',
  });
  const progress = await forgeOf(ctx).deliver({
    kind: 'comment',
    issue: t.number,
    body: `⏳ distiq is working on \`/distiq ${t.kind}\` (run ${ctx.runId}).${capNote ? `\n\n${capNote}` : ''}\n\n${PROGRESS_MARKER}`,
  });
  const withNote = (body: string) => (capNote ? `${body}\n\n${capNote}` : body);
  // After the job, updates and reactions are best effort: their failure never hides the outcome.
  const update = (body: string) =>
    bestEffort(ctx, 'updating the progress comment', () =>
      gh.rest.issues.updateComment({
        ...repo,
        comment_id: progress.id,
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
  return { update, react };
}

export function progressText(r: EventResult): string {
  const ok = isSuccess(r.status);
  return `${ok ? '✅' : '⚠️'} distiq ${r.report?.job ?? ''}: **${r.status}**. ${r.prUrl ? `Pull request: ${r.prUrl}` : (r.summary.split('\n\n')[1] ?? '')}${droppedList(r)}\n\n${r.report ? costTableMarkdown(r.report.cost) : ''}`;
}

export function droppedList(r: EventResult): string {
  const dropped = r.report?.job === 'implement' ? (r.report.droppedItems ?? []) : [];
  if (!dropped.length) return '';
  return `\n\n${dropped.length} checklist item(s) did not fit the context budget and were not attempted:\n${dropped.map((d) => `- [ ] ${escapeLine(d)}`).join('\n')}`;
}
export const escapeLine = (s: string) =>
  s
    .split('\n')[0]!
    .replace(/@(?=\w)/g, '@\u200b')
    .replace(/</g, '&lt;');
