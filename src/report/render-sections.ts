// The sections every run summary ends with (fix, implement, merge): the tasks and the cost table.
import type { CostReport } from '../budget/cost-report.js';
import type { TaskReport } from './fix-report.js';

/** Per task: status, tier path, attempts, cost, and every escalation with its reason. */
export function renderTasks(tasks: TaskReport[]): string[] {
  if (tasks.length === 0) return [];
  const out = ['', 'Tasks:'];
  for (const t of tasks) {
    out.push(
      `  ${t.id} [${t.status}] ${t.title} — ${t.tierPath.join(' → ') || 'not run'}, ${t.attempts} attempt(s)${t.calls ? `, ${t.calls} call(s), $${t.usd.toFixed(4)}` : ''}`,
    );
    for (const e of t.escalations) out.push(`      ${e}`);
    if (t.reason) out.push(`      ${t.reason}`);
  }
  return out;
}

/** The cost table every run ends with: per tier and model, tokens, dollars, the all-premium baseline. */
export function renderCost(c: CostReport, durationMs: number): string {
  const summary = costSummary(c, durationMs);
  // Nothing was called: a table with a header and no rows says nothing the summary does not.
  if (c.byModel.length === 0 && !c.byTier.autofix) return `Cost: ${summary}`;
  const lines: string[] = ['Cost:'];
  const rows: string[][] = [
    ['tier', 'model', 'calls', 'in', 'cache r/w', 'out', 'USD', 'all-premium'],
  ];
  if (c.byTier.autofix)
    rows.push([
      'autofix',
      '(deterministic)',
      String(c.byTier.autofix.calls),
      '0',
      '0/0',
      '0',
      '0.0000',
      '',
    ]);
  for (const m of c.byModel)
    rows.push([
      m.tier,
      `${m.provider}/${m.model}`,
      String(m.calls),
      String(m.inputTokens),
      `${m.cacheReadTokens}/${m.cacheWriteTokens}`,
      String(m.outputTokens),
      m.usd.toFixed(4),
      m.baselineUsd.toFixed(4),
    ]);
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((row) => row[i]!.length)));
  for (const row of rows)
    lines.push(
      '  ' +
        row
          .map((cell, i) => (i >= 2 ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!)))
          .join('  '),
    );
  lines.push(`  ${summary}`);
  return lines.join('\n');
}

/**
 * Spend first; the all-premium price is a comparison, labelled as one, and only when something
 * was done that a premium model would have had to do (never "saved $x" on a $0 run).
 */
function costSummary(c: CostReport, durationMs: number): string {
  const parts = [`spent $${c.usd.toFixed(4)}`];
  if (c.budget) parts.push(`budget $${c.budget.perRun} per run`);
  if (c.baselineUsd > 0) {
    parts.push(
      `the same work all on ${c.baselineModel} would have cost ~$${c.baselineUsd.toFixed(4)} (comparison)`,
    );
  }
  parts.push(`${(durationMs / 1000).toFixed(1)}s`);
  return parts.join(' · ');
}
