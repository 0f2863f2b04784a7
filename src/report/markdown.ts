// The PR bodies of fix, implement and sharded runs; secrets are redacted by the caller.
import { formatFailure } from '../validation/failure.js';
import type { FixReport } from './fix-report.js';
import type { ImplementReport } from './implement-report.js';
import { memoryFooterMarkdown } from '../memory/job-memory.js';
import { costTableMarkdown, usd } from './cost-markdown.js';
import { commandsMarkdown, escape, tasksMarkdown } from './task-markdown.js';

// Importers of the cost block's markdown still find it here.
export { costLine, costTableMarkdown } from './cost-markdown.js';

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
