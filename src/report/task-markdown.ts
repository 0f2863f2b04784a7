// The markdown tables a PR body carries: tasks (with their escalations) and validation commands.
import type { FixReport, TaskReport } from './fix-report.js';
import type { ImplementReport } from './implement-report.js';
import { usd } from './cost-markdown.js';

/** Per task: status, tiers, attempts, changed files, cost; escalations folded below. */
export function tasksMarkdown(tasks: TaskReport[]): string {
  if (tasks.length === 0) return '_No tasks._';
  const rows = [
    '| task | status | tiers | attempts | changed | USD |',
    '|---|---|---|---:|---|---:|',
  ];
  for (const t of tasks)
    rows.push(
      `| ${escape(t.title)} | ${t.status} | ${t.tierPath.join(' → ') || '—'} | ${t.attempts} | ${t.changedFiles.map((f) => `\`${f}\``).join(', ') || '—'} | ${usd(t.usd)} |`,
    );
  const why = tasks.flatMap((t) => t.escalations.map((e) => `- ${t.id}: ${escape(e)}`));
  return (
    rows.join('\n') +
    (why.length
      ? `\n\n<details><summary>Escalations</summary>\n\n${why.join('\n')}\n\n</details>`
      : '')
  );
}

/** Each validation command with its exit code before and after. */
export function commandsMarkdown(r: FixReport | ImplementReport): string {
  return r.commands
    .map(
      (c) =>
        `- \`${c.command}\` (${c.kind}): exit ${c.exitCodeBefore ?? 'killed'} → ${c.exitCodeAfter ?? 'killed'}`,
    )
    .join('\n');
}

/** Text from tools and users inside a table or list: no table breaks, no mentions, no HTML. */
export function escape(s: string): string {
  return s
    .split('\n')[0]!
    .replace(/\|/g, '\\|')
    .replace(/@(?=\w)/g, '@\u200b')
    .replace(/</g, '&lt;');
}
