import { formatFailure } from '../validation/failure.js';
import type { ImplementReport } from './implement-report.js';
import { renderCost, renderTasks } from './render-sections.js';

/** The human summary of an implement run (the JSON report is the machine form). */
export function renderImplementReport(r: ImplementReport): string {
  const done = r.items.filter((i) => i.status === 'done').length;
  const headline: Record<ImplementReport['status'], string> = {
    implemented: `Implemented: ${done}/${r.items.length} item(s), every command as good as before`,
    partial: `Partly implemented: ${done}/${r.items.length} item(s)`,
    failed: `Not implemented: 0/${r.items.length} item(s)`,
    'over-budget': `Stopped at the budget: ${done}/${r.items.length} item(s)`,
  };
  const out = [headline[r.status], ''];
  for (const i of r.items)
    out.push(
      `  [${i.status === 'done' ? 'x' : i.status === 'partial' ? '~' : ' '}] ${i.n}. ${i.text}${i.tasks.length ? ` (${i.tasks.join(', ')})` : ''}`,
    );
  out.push(...renderTasks(r.tasks));
  if (r.changedFiles.length > 0) out.push('', `Changed files: ${r.changedFiles.join(', ')}`);
  if (r.branch?.commit)
    out.push(
      `Committed ${r.branch.commit.slice(0, 10)} on the new branch ${r.branch.name}; you are on it now.`,
    );
  if (r.regressions.length > 0) {
    out.push('', 'New failures:');
    for (const f of r.regressions.slice(0, 20)) out.push(`  ${formatFailure(f)}`);
  }
  out.push('', renderCost(r.cost, r.durationMs));
  return out.join('\n');
}
