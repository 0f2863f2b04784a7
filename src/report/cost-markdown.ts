// The cost block as markdown: the table of PRs, reviews and job summaries, and the one-line form.
import type { CostReport } from '../budget/cost-report.js';

/** Dollars as every markdown table shows them. */
export const usd = (n: number) => `$${n.toFixed(4)}`;

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

/** One line for review summaries and progress comments. */
export function costLine(c: CostReport): string {
  const models =
    c.byModel.map((m) => `${m.tier} ${m.provider}/${m.model} ×${m.calls}`).join(', ') ||
    'no model call';
  const vs =
    c.baselineUsd > 0 ? ` · all-premium comparison ≈ ${usd(c.baselineUsd)} (not spent)` : '';
  return `<sub>Spent ${usd(c.usd)} (${models})${vs}</sub>`;
}
