import { formatFailure } from '../validation/failure.js';
import type { CostReport } from '../budget/cost-report.js';
import type { FixReport, TaskReport } from './fix-report.js';
import type { ImplementReport } from './implement-report.js';
import { memoryFooterMarkdown } from '../memory/job-memory.js';

const usd = (n: number) => `$${n.toFixed(4)}`;

/** The cost breakdown every PR, review and job summary carries: per tier and model, the all-premium baseline, the saving. */
export function costTableMarkdown(c: CostReport): string {
  const rows = [
    '| tier | model | calls | tokens in | cache read / write | tokens out | USD | all-premium USD |',
    '|---|---|---:|---:|---:|---:|---:|---:|',
  ];
  if (c.byTier.autofix)
    rows.push(
      `| autofix | deterministic fixers | ${c.byTier.autofix.calls} | 0 | 0 / 0 | 0 | ${usd(0)} | |`,
    );
  for (const m of c.byModel)
    rows.push(
      `| ${m.tier} | ${m.provider}/${m.model} | ${m.calls} | ${m.inputTokens} | ${m.cacheReadTokens} / ${m.cacheWriteTokens} | ${m.outputTokens} | ${usd(m.usd)} | ${usd(m.baselineUsd)} |`,
    );
  rows.push(
    `| **total** | | ${c.byModel.reduce((a, m) => a + m.calls, 0) + (c.byTier.autofix?.calls ?? 0)} | | | | **${usd(c.usd)}** | ${usd(c.baselineUsd)} |`,
  );
  return `${rows.join('\n')}\n\nSpent ${usd(c.usd)}.${comparison(c)}${c.budget ? ` Budget: ${usd(c.budget.perRun)} per run.` : ''}`;
}

/** The all-premium price is a hypothetical, labelled as one; a $0 run "saved" nothing. */
function comparison(c: CostReport): string {
  if (c.baselineUsd <= 0) return '';
  return ` For comparison (not spent): the same work all on ${c.baselineModel} ≈ ${usd(c.baselineUsd)}.`;
}

function tasksMarkdown(tasks: TaskReport[]): string {
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

function commandsMarkdown(r: FixReport | ImplementReport): string {
  return r.commands
    .map(
      (c) =>
        `- \`${c.command}\` (${c.kind}): exit ${c.exitCodeBefore ?? 'killed'} → ${c.exitCodeAfter ?? 'killed'}`,
    )
    .join('\n');
}

/** The body of the PR a fix or implement run opens; secrets are redacted by the caller. */
export function pullRequestBody(
  r: FixReport | ImplementReport,
  context: { trigger: string },
): string {
  const parts: string[] = [];
  if (r.job === 'fix') {
    parts.push(
      `distiq repaired ${r.failuresBefore - r.failuresAfter} of ${r.failuresBefore} failure(s) (${context.trigger}).`,
    );
    parts.push(
      '### What failed',
      r.tasks.length ? r.tasks.map((t) => `- ${escape(t.title)}`).join('\n') : '_nothing_',
    );
    if (r.remaining.length)
      parts.push(
        '### Still failing',
        r.remaining
          .slice(0, 20)
          .map((f) => `- ${escape(formatFailure(f))}`)
          .join('\n'),
      );
  } else {
    parts.push(
      `distiq implemented ${r.items.filter((i) => i.status === 'done').length} of ${r.items.length} checklist item(s) (${context.trigger}).`,
    );
    parts.push(
      '### What was asked',
      r.items.map((i) => `- [${i.status === 'done' ? 'x' : ' '}] ${escape(i.text)}`).join('\n'),
    );
    if (r.regressions.length)
      parts.push(
        '### New failures',
        r.regressions
          .slice(0, 20)
          .map((f) => `- ${escape(formatFailure(f))}`)
          .join('\n'),
      );
  }
  parts.push('### What changed', tasksMarkdown(r.tasks));
  parts.push('### Validation', commandsMarkdown(r));
  parts.push('### Cost', costTableMarkdown(r.cost));
  if (r.job === 'fix' && r.memory) parts.push(memoryFooterMarkdown(r.memory));
  parts.push(`<sub>distiq run ${r.runId}</sub>`);
  return parts.join('\n\n');
}

/** Text from tools and users inside a table or list: no table breaks, no mentions, no HTML. */
function escape(s: string): string {
  return s
    .split('\n')[0]!
    .replace(/\|/g, '\\|')
    .replace(/@(?=\w)/g, '@\u200b')
    .replace(/</g, '&lt;');
}

/** One line for review summaries and progress comments. */
export function costLine(c: CostReport): string {
  const models =
    c.byModel.map((m) => `${m.tier} ${m.provider}/${m.model} ×${m.calls}`).join(', ') ||
    'no model call';
  const vs =
    c.baselineUsd > 0 ? ` · all-premium comparison ≈ ${usd(c.baselineUsd)} (not spent)` : '';
  return `<sub>Spent ${usd(c.usd)} (${models})${vs}</sub>`;
}

/** The PR of a sharded job: per shard, then the summed cost table (per tier and model). */
export function mergePullRequestBody(r: import('../shard/merge.js').MergeReport): string {
  const rows = [
    '| shard | status | tasks | calls | USD | budget slice | unspent |',
    '|---:|---|---:|---:|---:|---:|---:|',
    ...r.shards.map(
      (s) =>
        `| ${s.shard} | ${s.status} | ${s.tasks} | ${s.calls} | ${usd(s.usd)} | ${usd(s.sliceUsd)} | ${usd(s.unspentUsd)} |`,
    ),
  ];
  return [
    `distiq ${r.plan.job} over ${r.plan.shards} shard(s): ${r.status}; failures ${r.failuresBefore} → ${r.failuresAfter}.`,
    '### What changed',
    tasksMarkdown(r.tasks),
    '### Shards',
    rows.join('\n'),
    '### Cost (all shards)',
    costTableMarkdown(r.cost),
    `<sub>distiq run ${r.runId} · plan at ${r.plan.baseSha.slice(0, 12)}</sub>`,
  ].join('\n\n');
}
